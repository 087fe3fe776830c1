/**
 * Chrome trace-event JSON (the "JSON Array/Object Format" that ui.perfetto.dev and
 * chrome://tracing open) for one or more traces.
 *
 *   process   one per trace ("seed-uaf on v4.15-rc1"), named by `M process_name`
 *   thread    one per CPU ("cpu0", `M thread_name`), plus "no CPU" for events such as `free`
 *   slices    `X` complete events on each CPU: the context that runs there (a task, and nested
 *             inside a vcpu thread the guest `G0` while it executes), and inside that each step's
 *             event with its kernel calls and state changes as args
 *   instants  `i` (thread scope) for every save, load, flush, trap and hyp save/restore, and
 *             for the violation
 *   counters  `C` per trace: cumulative bytes saved / loaded / moved by the hypervisor, and the
 *             counts of saves, loads and redundant loads
 *
 * Time is logical: step i occupies [(i-1) ms, i ms); effects are spread inside their step in
 * the order they happened. Slices nest strictly (children are inset by 20 µs), so every
 * importer builds the same tree.
 *
 * Compatibility notes, from reading Perfetto's JSON importer: `displayTimeUnit` is honoured only
 * at the start of the file; unknown top-level keys end parsing, so only `traceEvents` and
 * `otherData` follow; an event's `ts` is located by a key scan that must not meet an array
 * first, so every event puts `ph` and `ts` before `args` and has no top-level arrays; string
 * escapes other than \" \\ \/ \b \f \n \r \t are not understood by older importers, so all
 * strings are made ASCII.
 */

import { renderCalls, renderEffect, stateChanges } from './text.js';
import type { MachineSnapshot, Trace } from './types.js';

export const STEP_US = 1000;
const INSET = 20;

export interface PerfettoInput {
  title: string;
  trace: Trace;
}

interface TraceEvent {
  name: string;
  cat?: string;
  ph: 'X' | 'i' | 'C' | 'M';
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 't' | 'p' | 'g';
  args?: Record<string, string | number | boolean>;
}

const ASCII: Record<string, string> = {
  '→': '->',
  '←': '<-',
  '†': 'dead:',
  '›': '>',
  '·': '-',
  '—': '-',
  '–': '-',
  '…': '...',
  '✓': 'ok',
  '✗': 'x',
  '×': 'x',
};

/** Strings as ASCII, for importers that read raw bytes. */
export function ascii(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => ASCII[c] ?? (c === '\n' || c === '\t' ? c : '?'));
}

function ev(e: TraceEvent): TraceEvent {
  // Fixed key order: name, cat, ph, ts, dur, pid, tid, s, args (see the file comment).
  const out: TraceEvent = { name: ascii(e.name), ph: e.ph, ts: e.ts, pid: e.pid, tid: e.tid };
  const ordered: Record<string, unknown> = { name: out.name };
  if (e.cat) ordered.cat = e.cat;
  ordered.ph = e.ph;
  ordered.ts = e.ts;
  if (e.dur !== undefined) ordered.dur = e.dur;
  ordered.pid = e.pid;
  ordered.tid = e.tid;
  if (e.s) ordered.s = e.s;
  if (e.args) ordered.args = Object.fromEntries(Object.entries(e.args).map(([k, v]) => [k, typeof v === 'string' ? ascii(v) : v]));
  return ordered as unknown as TraceEvent;
}

/** Who runs on `cpu` during step i (1-based): current after the step, else before it. */
function ownerAt(before: MachineSnapshot, after: MachineSnapshot, cpu: number): string | null {
  return after.cpus[cpu]?.current ?? before.cpus[cpu]?.current ?? null;
}

function guestAt(before: MachineSnapshot, after: MachineSnapshot, owner: string | null, onThisCpu: boolean): string | null {
  if (owner === null) return null;
  const t = after.tasks.find((x) => x.name === owner && x.state !== 'free');
  const b = before.tasks.find((x) => x.name === owner && x.state !== 'free');
  const inGuest = t?.pos === 'guest' || (onThisCpu && b?.pos === 'guest');
  const vcpu = t?.vcpu ?? b?.vcpu ?? null;
  return inGuest && vcpu !== null ? `G${vcpu}` : null;
}

/** Spans of equal non-null values over steps 1..n, as [value, firstStep, lastStep]. */
function spans(values: (string | null)[]): [string, number, number][] {
  const out: [string, number, number][] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    let j = i;
    while (j + 1 < values.length && values[j + 1] === v) j++;
    if (v !== null) out.push([v, i + 1, j + 1]);
    i = j + 1;
  }
  return out;
}

function traceEvents(pid: number, input: PerfettoInput): TraceEvent[] {
  const t = input.trace;
  const n = t.steps.length;
  const states = [t.initial, ...t.steps.map((s) => s.state)];
  const ncpu = t.initial.cpus.length;
  const noCpuTid = 1000;
  const hasNoCpu = t.steps.some((s) => s.cpu === null);
  const out: TraceEvent[] = [];

  out.push(ev({ name: 'process_name', ph: 'M', ts: 0, pid, tid: 1, args: { name: input.title } }));
  out.push(ev({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: 1, args: { sort_index: pid } }));
  for (let c = 0; c < ncpu; c++) {
    out.push(ev({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: c + 1, args: { name: `cpu${c}` } }));
    out.push(ev({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: c + 1, args: { sort_index: c } }));
  }
  if (hasNoCpu) {
    out.push(ev({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: noCpuTid, args: { name: 'no CPU (reaper)' } }));
    out.push(ev({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: noCpuTid, args: { sort_index: ncpu } }));
  }

  const body: TraceEvent[] = [];
  for (let c = 0; c < ncpu; c++) {
    const tid = c + 1;
    const owners = t.steps.map((s, i) => ownerAt(states[i]!, s.state, c));
    const guests = t.steps.map((s, i) => guestAt(states[i]!, s.state, owners[i]!, s.cpu === c));
    for (const [name, a, b] of spans(owners)) {
      body.push(
        ev({
          name,
          cat: 'context',
          ph: 'X',
          ts: (a - 1) * STEP_US,
          dur: (b - a + 1) * STEP_US,
          pid,
          tid,
          args: { context: name, steps: `${a}-${b}` },
        }),
      );
    }
    for (const [name, a, b] of spans(guests)) {
      body.push(
        ev({
          name: `guest ${name}`,
          cat: 'context',
          ph: 'X',
          ts: (a - 1) * STEP_US + INSET,
          dur: (b - a + 1) * STEP_US - 2 * INSET,
          pid,
          tid,
          args: { context: name },
        }),
      );
    }
  }

  const inset = (i: number, cpu: number | null) =>
    (cpu !== null && t.steps[i] && guestAt(states[i]!, t.steps[i]!.state, ownerAt(states[i]!, t.steps[i]!.state, cpu), true) ? 2 : 1) *
    INSET;
  t.steps.forEach((s, i) => {
    const tid = s.cpu === null ? noCpuTid : s.cpu + 1;
    const start = i * STEP_US;
    const pad = inset(i, s.cpu);
    const changes = stateChanges(states[i]!, s.state)
      .map(([who, items]) => `${who}: ${items.join(', ')}`)
      .join('; ');
    const args: Record<string, string | number | boolean> = { step: s.step, label: s.label };
    const calls = renderCalls(s.calls);
    if (calls) args.calls = calls;
    if (changes) args.changes = changes;
    if (s.violation)
      args.violation = `${s.violation.code} ${s.violation.invariant}${s.violation.kind ? `/${s.violation.kind}` : ''}: ${s.violation.message}`;
    body.push(
      ev({
        name: s.label,
        cat: s.violation ? 'event,violation' : 'event',
        ph: 'X',
        ts: start + pad,
        dur: STEP_US - 2 * pad,
        pid,
        tid,
        args,
      }),
    );

    const marks = s.effects.map((e) => ({
      name: renderEffect(e) ?? e.kind,
      args: { ...(e as unknown as Record<string, string | number | boolean>) },
    }));
    if (s.violation)
      marks.push({
        name: `VIOLATION ${s.violation.code} ${s.violation.invariant}${s.violation.kind ? `/${s.violation.kind}` : ''}`,
        args: { message: s.violation.message, where: s.violation.where } as Record<string, string | number | boolean>,
      });
    const room = STEP_US - 2 * pad - 2 * INSET;
    marks.forEach((m, k) => {
      const ts = start + pad + INSET + Math.round(((k + 1) * room) / (marks.length + 1));
      body.push(
        ev({ name: m.name, cat: m.name.startsWith('VIOLATION') ? 'violation' : 'effect', ph: 'i', ts, pid, tid, s: 't', args: m.args }),
      );
    });
  });

  // Counters: cumulative traffic, sampled at boot and at the end of every step that moved bytes.
  let saved = 0;
  let loaded = 0;
  let hyp = 0;
  let saves = 0;
  let loads = 0;
  let redundant = 0;
  const sample = (ts: number) => {
    body.push(ev({ name: 'bytes moved', cat: 'counter', ph: 'C', ts, pid, tid: 1, args: { saved, loaded, hyp } }));
    body.push(
      ev({ name: 'register traffic', cat: 'counter', ph: 'C', ts, pid, tid: 1, args: { saves, loads, redundant_loads: redundant } }),
    );
  };
  sample(0);
  t.steps.forEach((s, i) => {
    let moved = false;
    for (const e of s.effects) {
      if (e.kind === 'save') {
        saved += e.bytes;
        saves++;
        moved = true;
      } else if (e.kind === 'load') {
        loaded += e.bytes;
        loads++;
        redundant += e.redundant ? 1 : 0;
        moved = true;
      } else if (e.kind === 'hyp') {
        hyp += e.bytes;
        moved = true;
      }
    }
    if (moved) sample((i + 1) * STEP_US - 1);
  });
  if (n > 0) sample(n * STEP_US);

  body.sort((a, b) => a.ts - b.ts || phaseOrder(a) - phaseOrder(b) || (b.dur ?? 0) - (a.dur ?? 0));
  return [...out, ...body];
}

function phaseOrder(e: TraceEvent): number {
  return e.ph === 'X' ? 0 : e.ph === 'i' ? 1 : 2;
}

/** The trace-event document for `inputs` (one process each). */
export function toPerfetto(inputs: readonly PerfettoInput[]): {
  displayTimeUnit: 'ms';
  traceEvents: TraceEvent[];
  otherData: Record<string, string | number>;
} {
  return {
    displayTimeUnit: 'ms',
    traceEvents: inputs.flatMap((inp, i) => traceEvents(i + 1, inp)),
    otherData: {
      generator: 'fpctx',
      time: 'logical: one step = 1 ms (1000 us); effects are spread inside their step',
      traces: inputs.length,
    },
  };
}

/** Serialised with one event per line (diffable, and what importers expect). */
export function perfettoJson(inputs: readonly PerfettoInput[]): string {
  const doc = toPerfetto(inputs);
  return `{"displayTimeUnit":"ms","traceEvents":[\n${doc.traceEvents.map((e) => JSON.stringify(e)).join(',\n')}\n],\n"otherData":${JSON.stringify(doc.otherData)}}\n`;
}
