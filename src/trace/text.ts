/**
 * The text timeline: one block per step, showing what changed.
 *
 *    3  cpu0  ret_to_user cpu0 (A)
 *         calls  ret_to_user › fpsimd_restore_current_state › {task_fpsimd_load, fpsimd_bind_to_cpu}
 *         did    load A fpsimd 528 B
 *         cpu0   V ?→A#1  hi ?→0  last_st NULL→&A.fpsimd_state
 *         A      pos kernel→user  TIF_FOREIGN_FPSTATE 1→0  fpsimd_cpu NR_CPUS→0
 *
 * Only fields that changed are shown; the full state at every step is in the JSON and HTML
 * outputs. Lines are wrapped to fit `width` columns (100 by default).
 */

import { invariantInfo } from '../spec/invariants.js';
import type { Counters } from '../cost/counters.js';
import type { Style } from '../style.js';
import type { CallRecord, CpuSnapshot, EffectRecord, MachineSnapshot, TaskSnapshot, Trace, VcpuSnapshot } from './types.js';

export interface TextOptions {
  readonly style: Style;
  readonly width?: number;
  /** Free-text note per step (index 0 = step 1), shown under the step heading. */
  readonly notes?: readonly (string | undefined)[];
}

const LABEL_COL = 6;

function cpuFields(c: CpuSnapshot): [string, string][] {
  return [
    ['current', c.current ?? 'idle'],
    ['V', c.regs.V],
    ['hi', c.regs.hi],
    ['zen_el0', c.zen_el0 ? '1' : '0'],
    ['last_st', c.last.st + (c.last.dangling ? ' (dangling)' : '')],
    ['sve_in_use', c.last.sve_in_use ? '1' : '0'],
    ['host_fpV', c.host_fpV],
    ['hw_vl', c.hw_vl === null ? '?' : String(c.hw_vl)],
    ['online', c.online ? '1' : '0'],
  ];
}

function taskFields(t: TaskSnapshot): [string, string][] {
  return [
    ['state', t.state],
    ['pos', t.pos + (t.in_syscall && t.pos === 'kernel' ? '(syscall)' : '')],
    ['TIF_FOREIGN_FPSTATE', t.flags.TIF_FOREIGN_FPSTATE ? '1' : '0'],
    ['TIF_SVE', t.flags.TIF_SVE ? '1' : '0'],
    ['fpsimd_cpu', t.fpsimd_cpu === null ? 'NR_CPUS' : String(t.fpsimd_cpu)],
    ['uw_V', t.mem.uw_V],
    ['sve_state', t.mem.sve_state ? `${t.mem.sve_state.V}/${t.mem.sve_state.hi}` : 'NULL'],
    ['expects', `${t.expected.V}/${t.expected.hi}`],
    ['sve_vl', String(t.sve_vl)],
    ['vl_onexec', t.sve_vl_onexec === null ? 'default' : String(t.sve_vl_onexec)],
    ['INHERIT', t.vl_inherit ? '1' : '0'],
    ['kpath', t.kpath === 'none' ? 'none' : `${t.kpath}.${t.kstep}`],
    [
      'sigframe',
      t.sigframe ? `${t.sigframe.V}${t.sigframe.sve ? ` sve ${t.sigframe.sve.zV}/${t.sigframe.sve.hi}@${t.sigframe.sve.vl}` : ''}` : 'none',
    ],
  ];
}

function vcpuFields(v: VcpuSnapshot): [string, string][] {
  return [
    ['fp_regs', v.mem.V],
    ['expects', v.expected.V],
    ['FP_ENABLED', v.flags.FP_ENABLED ? '1' : '0'],
    ['FP_HOST', v.flags.FP_HOST ? '1' : '0'],
    ['HOST_SVE_IN_USE', v.flags.HOST_SVE_IN_USE ? '1' : '0'],
    ['HOST_SVE_ENABLED', v.flags.HOST_SVE_ENABLED ? '1' : '0'],
  ];
}

function diff(before: [string, string][], after: [string, string][]): string[] {
  const out: string[] = [];
  after.forEach(([k, v], i) => {
    const old = before[i]![1];
    if (old !== v) out.push(`${k} ${old}→${v}`);
  });
  return out;
}

/** Changes between two snapshots, as [label, items] rows. */
export function stateChanges(before: MachineSnapshot, after: MachineSnapshot): [string, string[]][] {
  const rows: [string, string[]][] = [];
  after.cpus.forEach((c, i) => {
    const d = diff(cpuFields(before.cpus[i]!), cpuFields(c));
    if (d.length) rows.push([`cpu${c.id}`, d]);
  });
  after.tasks.forEach((t, i) => {
    const b = before.tasks[i]!;
    if (t.state === 'free' && b.state === 'free') return;
    const d =
      b.name !== t.name
        ? [`slot ${t.slot} now ${t.name}`, ...taskFields(t).map(([k, v]) => `${k} ${v}`)]
        : diff(taskFields(b), taskFields(t));
    if (d.length) rows.push([t.name, d]);
  });
  after.vcpus.forEach((v, i) => {
    const d = diff(vcpuFields(before.vcpus[i]!), vcpuFields(v));
    if (d.length) rows.push([`vcpu${v.id}`, d]);
  });
  return rows;
}

/** Nested calls as one string: `a › b › {c, d}`. */
export function renderCalls(calls: readonly CallRecord[]): string {
  const render = (from: number, depth: number): [string, number] => {
    const parts: string[] = [];
    let i = from;
    while (i < calls.length && calls[i]!.depth >= depth) {
      const c = calls[i]!;
      if (c.depth > depth) {
        i++;
        continue;
      }
      const [inner, next] = render(i + 1, depth + 1);
      parts.push(inner ? `${c.fn} › ${inner}` : c.fn);
      i = next;
    }
    if (parts.length > 1 && depth > 0) return [`{${parts.join(', ')}}`, i];
    return [parts.join(depth === 0 ? ', ' : ''), i];
  };
  return render(0, 0)[0];
}

export function renderEffect(e: EffectRecord): string {
  switch (e.kind) {
    case 'save':
      return `save ${e.ctx} ${e.format} ${e.bytes} B`;
    case 'load':
      return `load ${e.ctx} ${e.format} ${e.bytes} B${e.redundant ? ' (redundant)' : ''}`;
    case 'flush_cpu':
      return `flush cpu${e.cpu} binding (${e.dropped})`;
    case 'flush_task':
      return `flush ${e.task} binding`;
    case 'trap':
      return e.trap === 'sve_el0'
        ? `trap: EL0 SVE access on cpu${e.cpu}`
        : e.trap === 'sme_el0'
          ? `trap: EL0 SME access on cpu${e.cpu}`
          : `trap: guest FP access on cpu${e.cpu}`;
    case 'hyp':
      return `hyp ${e.op} ${e.who} ${e.bytes > 528 ? 'SVE' : 'V'} regs ${e.bytes} B`;
    case 'frame':
      return e.op === 'setup' ? `signal frame of ${e.task} written ${e.bytes} B` : `signal frame of ${e.task} read ${e.bytes} B`;
    case 'lost':
      return `cpu${e.cpu} registers lost`;
  }
}

/** Wraps `items` (joined by two spaces) after a fixed-width label, continuation lines indented. */
export function wrapRow(indent: string, label: string, items: readonly string[], width: number, sep = '  '): string[] {
  const lead = `${indent}${label.padEnd(LABEL_COL)} `;
  const pad = ' '.repeat(lead.length);
  const lines: string[] = [];
  let line = lead;
  for (const item of items) {
    const gap = line === lead || line === pad ? '' : sep;
    if (line.length + gap.length + item.length > width && line !== lead && line !== pad) {
      lines.push(line);
      line = pad + item;
    } else line += gap + item;
  }
  lines.push(line);
  return lines;
}

/** `head` then `text` wrapped to `width`, continuation lines aligned under the text. */
export function wrapText(head: string, text: string, width: number): string[] {
  const pad = ' '.repeat(head.length);
  const lines: string[] = [];
  let line = head;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const fresh = line === head || line === pad;
    if (!fresh && line.length + 1 + word.length > width) {
      lines.push(line);
      line = pad + word;
    } else line += (fresh ? '' : ' ') + word;
  }
  lines.push(line);
  return lines.map((l) => l.trimEnd());
}

/** Words of the call string, so wrapping breaks between calls, never inside a name. */
function splitCalls(s: string): string[] {
  return s.split(' ');
}

export function renderCounters(c: Counters): string[] {
  return [
    `saves ${c.saves} (fpsimd ${c.savesFpsimd}, sve ${c.savesSve})`,
    `loads ${c.loads} (fpsimd ${c.loadsFpsimd}, sve ${c.loadsSve}, redundant ${c.redundantLoads})`,
    `flushes ${c.flushes} (dropped ${c.bindingsDropped})`,
    `task flushes ${c.taskFlushes}`,
    `SVE traps ${c.sveTraps}`,
    `guest FP traps ${c.guestFpTraps}`,
    `hyp host save/restore ${c.hypHostSaves}/${c.hypHostRestores}`,
    `bytes saved ${c.bytesSaved} loaded ${c.bytesLoaded} hyp ${c.bytesHyp}`,
  ];
}

export function renderTimeline(trace: Trace, opts: TextOptions): string[] {
  const width = opts.width ?? 100;
  const st = opts.style;
  const out: string[] = [];
  let before = trace.initial;
  for (const step of trace.steps) {
    const head = `${String(step.step).padStart(3)}  ${step.cpu === null ? '    ' : `cpu${step.cpu}`}  ${step.label}`;
    out.push(step.violation ? st.bad(head) : st.bold(head));
    const indent = '     ';
    const note = opts.notes?.[step.step - 1];
    if (note) out.push(...wrapRow(indent, '#', note.split(' '), width, ' ').map((l) => st.dim(l)));
    const calls = renderCalls(step.calls);
    if (calls) out.push(...wrapRow(indent, 'calls', splitCalls(calls), width, ' ').map((l) => st.dim(l)));
    if (step.effects.length) out.push(...wrapRow(indent, 'did', step.effects.map(renderEffect), width));
    for (const [label, items] of stateChanges(before, step.state)) out.push(...wrapRow(indent, label, items, width));
    if (step.violation) {
      const v = step.violation;
      const text = `${v.code} ${v.invariant}${v.kind ? `/${v.kind}` : ''}: ${v.message}`;
      out.push(...wrapRow(indent, '!!', text.split(' '), width, ' ').map((l) => st.bad(l)));
    }
    before = step.state;
  }
  return out;
}

export function renderVerdict(trace: Trace, opts: TextOptions): string[] {
  const st = opts.style;
  const width = opts.width ?? 100;
  const out: string[] = [];
  const v = trace.violation;
  if (!v) out.push(`${st.good('verdict: ok')}  (${trace.steps.length} steps, variant ${trace.variant})`);
  else {
    const info = invariantInfo(v.invariant);
    const head = `VIOLATION of ${v.invariant}${v.kind ? ` (${v.kind})` : ''} [${v.code}] at step ${v.step}, in ${v.where}`;
    out.push(...wrapText('verdict: ', head, width).map((l) => st.bad(l)));
    out.push(...wrapRow('  ', '', v.message.split(' '), width, ' '));
    out.push(...wrapRow('  ', '', info.doc.split(' '), width, ' ').map((l) => st.dim(l)));
  }
  out.push(...wrapRow('', 'counts', renderCounters(trace.counters), width));
  return out;
}
