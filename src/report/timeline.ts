/**
 * The timeline of one trace as inline SVG: time runs left to right, one column per step (column
 * 0 is the state at boot), one lane per CPU and one per task slot.
 *
 *   cpu lane   event    the step's event as a block (red when it is the violating step)
 *              runs     current task and where it executes (user, kernel, run loop, guest)
 *              regs     whose data the V registers hold (colour of the writer)
 *              binding  whom fpsimd_last_state names, and whether the kernel's belief is true
 *                       (see src/trace/binding.ts): ✓ bound, ~ half, ✗ mismatch, † dangling
 *              hyp ctx  the KVM per-CPU host save area (only when KVM used it)
 *   task lane  task     lifecycle and position; the task side of the binding (fpsimd_cpu,
 *                       TIF_FOREIGN_FPSTATE, TIF_SVE); its memory copy; its guest's fp_regs
 *
 * Saves and loads are arrows between a CPU's registers and a context's memory; hypervisor
 * save/restores are arrows to the host save area or the guest's fp_regs. Consecutive columns
 * with the same content merge into one bar, so a binding that survives reads as one long bar.
 * Every element carries a <title> tooltip; the inline script maps clicks to columns.
 */

import { cpuBinding, guestName, taskBindingAgrees, tokenWriter, type BindingStatus } from '../trace/binding.js';
import { renderEffect } from '../trace/text.js';
import type { EffectRecord, MachineSnapshot, Trace, TraceStep } from '../trace/types.js';
import type { ReportTrace } from './data.js';
import { clip, el, leaf, text } from './markup.js';

export const GEOMETRY = {
  labelW: 132,
  stepW: 112,
  headerH: 26,
  rowH: 18,
  eventH: 24,
  laneGap: 12,
  charW: 6.6,
} as const;

const G = GEOMETRY;

/** Colour class of each context name: tasks in order of appearance, then guests, K and the dead. */
export class Palette {
  private readonly map = new Map<string, string>();
  private tasks = 0;
  constructor(trace: Trace) {
    const all = [trace.initial, ...trace.steps.map((s) => s.state)];
    for (const s of all) for (const t of s.tasks) if (t.state !== 'free' || s === trace.initial) this.task(t.name);
    for (const v of trace.initial.vcpus) this.map.set(guestName(v.id), `g${v.id % 4}`);
  }
  private task(name: string): void {
    if (!this.map.has(name)) this.map.set(name, `c${this.tasks++ % 8}`);
  }
  /** Class for data written by `writer` (a token writer or a context name). */
  of(writer: string | null): string {
    if (writer === null) return 'empty';
    if (writer === 'K') return 'kern';
    if (writer.startsWith('†')) return 'dead';
    return this.map.get(writer) ?? 'other';
  }
}

interface Row {
  key: string;
  label: string;
  y: number;
  h: number;
}

interface Lane {
  id: string;
  label: string;
  sub?: string;
  y: number;
  h: number;
  rows: Map<string, Row>;
}

interface Cell {
  text: string;
  cls: string;
  title: string;
}

const MARK: Record<BindingStatus, string> = { none: '', bound: ' ✓', half: ' ~', mismatch: ' ✗', dangling: ' †' };

function colX(col: number): number {
  return G.labelW + col * G.stepW;
}

function shortLabel(step: TraceStep): string {
  if (step.cpu === null) return step.label.replace(new RegExp(` ${escapeRe(step.task ?? '')}$`), '');
  return step.label.replace(` cpu${step.cpu}`, '');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function eventClass(event: string): string {
  if (/^(switch|idle)$/.test(event)) return 'ev-sched';
  if (/^(fp_write|sve_write|fp_read)$/.test(event)) return 'ev-user';
  if (/^(kvm_|vcpu_|guest_)/.test(event)) return 'ev-kvm';
  if (/neon/.test(event)) return 'ev-neon';
  return 'ev-sys';
}

/** Merged bars for one row: consecutive columns with the same text and class become one rect. */
function bars(row: Row, cells: Cell[], extraCls = ''): string {
  let out = '';
  let start = 0;
  for (let i = 1; i <= cells.length; i++) {
    const a = cells[start]!;
    const b = cells[i];
    if (b && b.text === a.text && b.cls === a.cls) continue;
    if (a.cls !== 'none') {
      const x = colX(start) + 2;
      const w = (i - start) * G.stepW - 4;
      const label = clip(a.text, Math.floor((w - 8) / G.charW));
      out += el(
        'g',
        { class: `bar ${a.cls}${extraCls}` },
        text('title', {}, a.title),
        leaf('rect', { x, y: row.y + 1, width: w, height: row.h - 2, rx: 3 }),
        label ? text('text', { x: x + 5, y: row.y + row.h / 2 + 4 }, label) : '',
      );
    }
    start = i;
  }
  return out;
}

function taskStatus(s: MachineSnapshot, slot: number, named: boolean): Cell {
  const t = s.tasks[slot]!;
  if (t.state === 'free') return { text: '', cls: 'none', title: `slot ${slot} is free` };
  const where = t.state === 'running' ? `cpu${t.on_cpu}` : t.state;
  const pos = t.state === 'zombie' ? '' : ` · ${t.pos}${t.pos === 'kernel' && t.in_syscall ? ' (syscall)' : ''}`;
  const name = named ? `${t.name}: ` : '';
  const cls = t.state === 'running' ? 'st-run' : t.state === 'zombie' ? 'st-zombie' : 'st-wait';
  return {
    text: `${name}${where}${pos}`,
    cls,
    title: `${t.name} is ${t.state}${t.on_cpu !== null ? ` on cpu${t.on_cpu}` : ''}, ${t.pos}${t.mm ? '' : ' (no mm)'}`,
  };
}

function taskSide(s: MachineSnapshot, slot: number): Cell {
  const t = s.tasks[slot]!;
  if (t.state === 'free') return { text: '', cls: 'none', title: '' };
  const cpu = t.fpsimd_cpu === null ? 'NR_CPUS' : `cpu${t.fpsimd_cpu}`;
  const flags = `${t.flags.TIF_FOREIGN_FPSTATE ? ' FOREIGN' : ''}${t.flags.TIF_SVE ? ' SVE' : ''}`;
  const agrees = taskBindingAgrees(s, t);
  return {
    text: `fpsimd_cpu ${cpu}${flags}`,
    cls: agrees ? 'tb-sync' : 'tb-off',
    title:
      `${t.name}.fpsimd_cpu = ${cpu}, TIF_FOREIGN_FPSTATE = ${+t.flags.TIF_FOREIGN_FPSTATE}, TIF_SVE = ${+t.flags.TIF_SVE}` +
      (agrees
        ? `; ${cpu}'s fpsimd_last_state names ${t.name}: both sides agree`
        : '; the CPU side does not name it: it reloads before running'),
  };
}

function taskMemory(s: MachineSnapshot, slot: number, pal: Palette): Cell {
  const t = s.tasks[slot]!;
  if (t.state === 'free') return { text: '', cls: 'none', title: '' };
  const sve = t.mem.sve_state;
  const tok = t.flags.TIF_SVE && sve ? sve.V : t.mem.uw_V;
  const txt = t.flags.TIF_SVE && sve ? `sve_state ${sve.V}${sve.hi !== sve.V ? `|${sve.hi}` : ''}` : `fpsimd_state ${t.mem.uw_V}`;
  return {
    text: txt,
    cls: pal.of(tokenWriter(tok)),
    title: `${t.name} in memory: thread.fpsimd_state ${t.mem.uw_V}${sve ? `, sve_state ${sve.V}/${sve.hi}` : ', no sve_state'}; user space last wrote ${t.expected.V}/${t.expected.hi}`,
  };
}

interface Layout {
  lanes: Lane[];
  width: number;
  height: number;
  /** Rows of each CPU, and of each slot (none for a spare slot that is never used). */
  cpu: Lane[];
  slot: (Lane | undefined)[];
  /** vcpu id → the slot lane holding its guest row. */
  guestLane: Map<number, Lane>;
}

function layout(trace: Trace, states: MachineSnapshot[]): Layout {
  const lanes: Lane[] = [];
  let y = G.headerH + 6;
  const addLane = (id: string, label: string, sub: string | undefined, rows: [string, string, number][]): Lane => {
    const lane: Lane = { id, label, ...(sub ? { sub } : {}), y, h: 0, rows: new Map() };
    for (const [key, lbl, h] of rows) {
      lane.rows.set(key, { key, label: lbl, y, h });
      y += h + 2;
    }
    lane.h = y - lane.y;
    y += G.laneGap;
    lanes.push(lane);
    return lane;
  };
  const cpu = trace.initial.cpus.map((c) => {
    const usesHyp = states.some((s) => s.cpus[c.id]!.host_fpV !== '0');
    const rows: [string, string, number][] = [
      ['ev', 'event', G.eventH],
      ['run', 'runs', G.rowH],
      ['regs', 'registers', G.rowH],
      ['bind', 'last_state', G.rowH],
    ];
    if (usesHyp) rows.push(['host', 'hyp host ctx', G.rowH]);
    return addLane(`cpu${c.id}`, `cpu${c.id}`, undefined, rows);
  });
  const guestLane = new Map<number, Lane>();
  const slot = trace.initial.tasks.map((_, i) => {
    const names = [
      ...new Set(
        states
          .map((s) => s.tasks[i]!)
          .filter((x) => x.state !== 'free')
          .map((x) => x.name),
      ),
    ];
    const vcpus = [...new Set(states.map((s) => s.tasks[i]!.vcpu).filter((v): v is number => v !== null))];
    if (!names.length) return undefined; // a spare slot no fork used: nothing to draw
    const hasFree = trace.steps.some((s) => s.cpu === null && names.includes(s.task ?? ''));
    const rows: [string, string, number][] = [];
    if (hasFree) rows.push(['ev', 'event', G.eventH]);
    rows.push(['task', 'task', G.rowH], ['tbind', 'task side', G.rowH], ['mem', 'memory', G.rowH]);
    for (const v of vcpus) rows.push([`guest${v}`, `${guestName(v)} fp_regs`, G.rowH]);
    const label = names.join(' → ');
    const lane = addLane(`slot${i}`, label, vcpus.length ? `vcpu thread` : names.length > 1 ? `slot ${i}, reused` : undefined, rows);
    for (const v of vcpus) guestLane.set(v, lane);
    return lane;
  });
  return { lanes, width: colX(trace.steps.length + 1) + 8, height: y, cpu, slot, guestLane };
}

/** The row an effect's memory end lands on, if it is drawn. */
function memoryRow(L: Layout, s: MachineSnapshot, ctx: string): Row | undefined {
  const g = /^G(\d+)$/.exec(ctx);
  if (g) return L.guestLane.get(Number(g[1]))?.rows.get(`guest${g[1]}`);
  const slot = s.tasks.findIndex((t) => t.name === ctx);
  return slot >= 0 ? L.slot[slot]?.rows.get('mem') : undefined;
}

/** Arrowhead markers, defined once per page (see MARKER_DEFS) and referenced by every timeline. */
const MARKERS: Record<string, string> = { 'fx-save': '#0b5cad', 'fx-load': '#1a7f37', 'fx-hyp': '#8250df' };

export const MARKER_DEFS = el(
  'svg',
  { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true', style: 'position:absolute' },
  el(
    'defs',
    {},
    ...Object.entries(MARKERS).map(([k, color]) =>
      el(
        'marker',
        { id: `ah-${k}`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' },
        leaf('path', { d: 'M0,0 L8,4 L0,8 z', fill: color }),
      ),
    ),
  ),
);

function arrow(x: number, from: number, to: number, cls: string, title: string, label: string): string {
  const dir = to > from ? 1 : -1;
  const marker = `ah-${cls.split(' ')[0]}`;
  return el(
    'g',
    { class: `fx ${cls}` },
    text('title', {}, title),
    leaf('line', { x1: x, y1: from, x2: x, y2: to - dir * 2, 'marker-end': `url(#${marker})` }),
    leaf('circle', { cx: x, cy: from, r: 2.2 }),
    // Short arrows (between adjacent rows) go unlabelled: the colour, the tooltip and the step list say it.
    label && Math.abs(to - from) >= 36 ? text('text', { x: x + 3, y: (from + to) / 2 + 3 }, label) : '',
  );
}

function effectMarks(L: Layout, step: TraceStep, col: number, before: MachineSnapshot): string {
  const s = step.state;
  const drawn = step.effects.filter((e) => e.kind === 'save' || e.kind === 'load' || e.kind === 'hyp');
  let out = '';
  let k = 0;
  const xFor = () => colX(col) + 10 + (++k * (G.stepW - 20)) / (drawn.length + 1);
  for (const e of step.effects) {
    const title = renderEffect(e);
    if (e.kind === 'save' || e.kind === 'load') {
      const regs = L.cpu[e.cpu]?.rows.get('regs');
      const mem = memoryRow(L, s, e.ctx) ?? memoryRow(L, before, e.ctx);
      if (!regs || !mem) continue;
      const down = mem.y > regs.y;
      const rEdge = down ? regs.y + regs.h : regs.y;
      const mEdge = down ? mem.y : mem.y + mem.h;
      const cls = e.kind === 'save' ? 'fx-save' : e.redundant ? 'fx-load fx-redundant' : 'fx-load';
      const label = e.kind === 'save' ? 'save' : e.redundant ? 'load (redundant)' : 'load';
      out += e.kind === 'save' ? arrow(xFor(), rEdge, mEdge, cls, title, label) : arrow(xFor(), mEdge, rEdge, cls, title, label);
    } else if (e.kind === 'hyp') {
      const lane = L.cpu[e.cpu];
      const regs = lane?.rows.get('regs');
      let mem: Row | undefined;
      if (e.who === 'host') mem = lane?.rows.get('host');
      else {
        const cur = s.cpus[e.cpu]?.current ?? before.cpus[e.cpu]?.current;
        const t = s.tasks.find((x) => x.name === cur);
        if (t?.vcpu !== null && t?.vcpu !== undefined) mem = L.guestLane.get(t.vcpu)?.rows.get(`guest${t.vcpu}`);
      }
      if (!regs || !mem) continue;
      const down = mem.y > regs.y;
      const rEdge = down ? regs.y + regs.h : regs.y;
      const mEdge = down ? mem.y : mem.y + mem.h;
      const label = `hyp ${e.op}`;
      out += e.op === 'save' ? arrow(xFor(), rEdge, mEdge, 'fx-hyp', title, label) : arrow(xFor(), mEdge, rEdge, 'fx-hyp', title, label);
    } else if (e.kind === 'flush_cpu') {
      const row = L.cpu[e.cpu]?.rows.get('bind');
      if (row) out += flushMark(colX(col), row, title);
    } else if (e.kind === 'flush_task') {
      const slot = s.tasks.findIndex((t) => t.name === e.task);
      const row = L.slot[slot]?.rows.get('tbind');
      if (row) out += flushMark(colX(col), row, title);
    }
  }
  return out;
}

/** A flush, drawn on the boundary before the step's column so it does not cover the bar's text. */
function flushMark(x: number, row: Row, title: string): string {
  return el('g', { class: 'flush' }, text('title', {}, title), text('text', { x, y: row.y + row.h / 2 + 4, 'text-anchor': 'middle' }, '✕'));
}

function eventBlock(step: TraceStep, row: Row, col: number, traps: EffectRecord[]): string {
  const x = colX(col) + 2;
  const w = G.stepW - 4;
  const cls = `evb ${eventClass(step.event)}${step.violation ? ' viol' : ''}`;
  const trap = traps.length ? ` ⚡` : '';
  const title = `${step.step}. ${step.label}${step.calls.length ? `\ncalls: ${step.calls.map((c) => '  '.repeat(c.depth) + c.fn).join('\n       ')}` : ''}${step.effects.length ? `\n${step.effects.map(renderEffect).join('\n')}` : ''}${step.violation ? `\n!! ${step.violation.code} ${step.violation.invariant}: ${step.violation.message}` : ''}`;
  return el(
    'g',
    { class: cls, 'data-step': step.step },
    text('title', {}, title),
    leaf('rect', { x, y: row.y + 1, width: w, height: row.h - 2, rx: 4 }),
    text('text', { x: x + 5, y: row.y + row.h / 2 + 4 }, clip(shortLabel(step), Math.floor((w - 8) / G.charW) - (trap ? 2 : 0)) + trap),
  );
}

/** The SVG for one trace; `selected` is the step the cursor starts on. */
export function renderTimeline(rt: ReportTrace, selected: number): string {
  const trace = rt.trace;
  const states = [trace.initial, ...trace.steps.map((s) => s.state)];
  const pal = new Palette(trace);
  const L = layout(trace, states);
  const n = trace.steps.length;
  const vStep = trace.violation?.step;
  const parts: string[] = [];

  // Column backgrounds and the header (step numbers).
  for (let col = 0; col <= n; col++) {
    const x = colX(col);
    const viol = col === vStep;
    const step = col ? trace.steps[col - 1]! : undefined;
    parts.push(
      el(
        'g',
        { class: `col${viol ? ' viol' : ''}`, 'data-step': col },
        leaf('rect', { class: 'colbg', x, y: 0, width: G.stepW, height: L.height }),
        text(
          'text',
          { class: 'colhead', x: x + G.stepW / 2, y: 17, 'text-anchor': 'middle' },
          col === 0 ? 'boot' : `${col}${step?.cpu !== null && step?.cpu !== undefined ? ` · cpu${step.cpu}` : ''}${viol ? ' !!' : ''}`,
        ),
      ),
    );
  }
  parts.push(leaf('rect', { class: 'cursor', x: colX(selected), y: 0, width: G.stepW, height: L.height, 'data-cursor': '' }));

  // Lane separators; the labels are drawn last, in a group the script keeps in view when the
  // timeline scrolls sideways.
  const labels: string[] = [leaf('rect', { class: 'labelbg', x: 0, y: 0, width: G.labelW, height: L.height })];
  for (const lane of L.lanes) {
    parts.push(leaf('rect', { class: 'lanebg', x: 0, y: lane.y - 4, width: L.width, height: lane.h + 6 }));
    labels.push(text('text', { class: 'lanelabel', x: 6, y: lane.y + 13 }, clip(lane.label, 12)));
    if (lane.sub) labels.push(text('text', { class: 'lanesub', x: 6, y: lane.y + 26 }, lane.sub));
    for (const row of lane.rows.values()) {
      if (row.key === 'ev' && lane.id.startsWith('cpu')) continue;
      labels.push(text('text', { class: 'rowlabel', x: G.labelW - 6, y: row.y + row.h / 2 + 4, 'text-anchor': 'end' }, row.label));
    }
  }

  // CPU lanes.
  trace.initial.cpus.forEach((c, ci) => {
    const lane = L.cpu[ci]!;
    const cells = (f: (s: MachineSnapshot) => Cell) => states.map(f);
    parts.push(
      bars(
        lane.rows.get('run')!,
        cells((s) => {
          const cc = s.cpus[ci]!;
          if (cc.current === null) return { text: 'idle', cls: 'st-idle', title: `cpu${c.id} runs its idle task` };
          const t = s.tasks.find((x) => x.name === cc.current);
          const pos = t ? t.pos : '?';
          const guest = t && t.pos === 'guest' && t.vcpu !== null ? ` ${guestName(t.vcpu)}` : '';
          return {
            text: `${cc.current} · ${pos}${guest}`,
            cls: pos === 'guest' && t?.vcpu !== null && t?.vcpu !== undefined ? pal.of(guestName(t.vcpu)) : pal.of(cc.current),
            title: `cpu${c.id}: current is ${cc.current}, in ${pos}${guest ? ` (guest ${guest.trim()} running)` : ''}`,
          };
        }),
      ),
    );
    parts.push(
      bars(
        lane.rows.get('regs')!,
        cells((s) => {
          const r = s.cpus[ci]!.regs;
          const txt =
            r.hi === '0' || (r.hi === r.V && tokenWriter(r.V) === null) ? r.V : r.hi === r.V ? `${r.V} +SVE` : `${r.V} | hi ${r.hi}`;
          return {
            text: txt,
            cls: pal.of(tokenWriter(r.V)),
            title: `cpu${c.id} registers: V ${r.V}, SVE part ${r.hi}${s.cpus[ci]!.zen_el0 ? ' (EL0 SVE enabled)' : ''}`,
          };
        }),
      ),
    );
    parts.push(
      bars(
        lane.rows.get('bind')!,
        cells((s) => {
          const b = cpuBinding(s, s.cpus[ci]!);
          const txt = b.boundTo === null ? 'NULL' : `→ ${b.boundTo}${MARK[b.status]}`;
          const cls = b.status === 'bound' ? `b-bound ${pal.of(b.boundTo)}` : `b-${b.status}`;
          return { text: txt, cls, title: b.explain };
        }),
      ),
    );
    const host = lane.rows.get('host');
    if (host) {
      parts.push(
        bars(
          host,
          cells((s) => {
            const tok = s.cpus[ci]!.host_fpV;
            return { text: tok, cls: pal.of(tokenWriter(tok)), title: `KVM per-CPU host context of cpu${c.id} (V part): ${tok}` };
          }),
        ),
      );
    }
    const ev = lane.rows.get('ev')!;
    trace.steps.forEach((step, i) => {
      if (step.cpu === c.id)
        parts.push(
          eventBlock(
            step,
            ev,
            i + 1,
            step.effects.filter((e) => e.kind === 'trap'),
          ),
        );
    });
  });

  // Task lanes.
  trace.initial.tasks.forEach((_, si) => {
    const lane = L.slot[si];
    if (!lane) return;
    const named = lane.label.includes('→');
    parts.push(
      bars(
        lane.rows.get('task')!,
        states.map((s) => taskStatus(s, si, named)),
      ),
    );
    parts.push(
      bars(
        lane.rows.get('tbind')!,
        states.map((s) => taskSide(s, si)),
      ),
    );
    parts.push(
      bars(
        lane.rows.get('mem')!,
        states.map((s) => taskMemory(s, si, pal)),
      ),
    );
    for (const [key, row] of lane.rows) {
      const m = /^guest(\d+)$/.exec(key);
      if (!m) continue;
      const v = Number(m[1]);
      parts.push(
        bars(
          row,
          states.map((s) => {
            const vc = s.vcpus.find((x) => x.id === v);
            const tok = vc?.mem.V ?? '?';
            return {
              text: tok,
              cls: pal.of(tokenWriter(tok)),
              title: `vcpu${v} fp_regs in memory: ${tok}; the guest last wrote ${vc?.expected.V ?? '?'}`,
            };
          }),
        ),
      );
    }
    const ev = lane.rows.get('ev');
    if (ev) {
      trace.steps.forEach((step, i) => {
        if (step.cpu === null && lane.label.split(' → ').includes(step.task ?? '')) parts.push(eventBlock(step, ev, i + 1, []));
      });
    }
  });

  // Effects on top, then the labels.
  for (const [i, step] of trace.steps.entries()) parts.push(effectMarks(L, step, i + 1, states[i]!));
  parts.push(el('g', { class: 'labels', 'data-labels': '' }, ...labels));

  return el(
    'svg',
    {
      class: 'timeline',
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${L.width} ${L.height}`,
      width: L.width,
      height: L.height,
      role: 'img',
      'aria-label': `timeline of ${trace.steps.length} steps on ${trace.initial.cpus.length} CPU${trace.initial.cpus.length > 1 ? 's' : ''}`,
      'data-label-w': G.labelW,
      'data-step-w': G.stepW,
      'data-steps': n,
      'data-lanes': L.lanes.map((l) => l.id).join(' '),
    },
    ...parts,
  );
}
