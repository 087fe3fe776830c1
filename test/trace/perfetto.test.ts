/**
 * The Perfetto / chrome://tracing export: the trace-event format's rules (as the Trace Event
 * Format document and Perfetto's JSON importer define them), and what the events say about a
 * run, derived from the kernel's behaviour rather than from the exporter.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { ascii, perfettoJson, STEP_US } from '../../src/trace/perfetto.js';
import type { Trace } from '../../src/trace/types.js';
import { findVariant } from '../../src/variants/index.js';

const trace = (scenario: string, variant: string): Trace =>
  runScenario(loadScenario(join(BUILTIN_DIR, `${scenario}.yaml`)), findVariant(variant)!).trace;

interface Ev {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: string;
  args?: Record<string, unknown>;
}

function parse(text: string): { doc: { traceEvents: Ev[]; displayTimeUnit: string; otherData: object }; raw: string } {
  return { doc: JSON.parse(text), raw: text };
}

/** Checks the structural rules every importer relies on; returns the events. */
function validate(text: string): Ev[] {
  const { doc } = parse(text);
  // Top level: displayTimeUnit first (honoured only at the start), traceEvents, then otherData.
  expect(Object.keys(doc)).toEqual(['displayTimeUnit', 'traceEvents', 'otherData']);
  expect(text.startsWith('{"displayTimeUnit":"ms","traceEvents":[')).toBe(true);
  // ASCII only: older importers do not decode \u escapes or multi-byte characters.
  expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true);
  for (const e of doc.traceEvents) {
    expect(['X', 'i', 'C', 'M']).toContain(e.ph);
    expect(typeof e.name).toBe('string');
    expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
    expect(Number.isInteger(e.ts) && e.ts >= 0).toBe(true);
    // ph and ts come before args, and no event has an array at its top level.
    const keys = Object.keys(e);
    expect(keys.indexOf('ph')).toBeLessThan(keys.indexOf('ts'));
    if (e.args) expect(keys.indexOf('ts')).toBeLessThan(keys.indexOf('args'));
    expect(Object.values(e).some(Array.isArray)).toBe(false);
    if (e.ph === 'X') expect(Number.isInteger(e.dur) && e.dur! >= 0).toBe(true);
    if (e.ph === 'i') expect(['t', 'p', 'g']).toContain(e.s);
    if (e.ph === 'C') for (const v of Object.values(e.args!)) expect(typeof v).toBe('number');
    if (e.ph === 'M') {
      expect(['process_name', 'thread_name', 'process_sort_index', 'thread_sort_index']).toContain(e.name);
      expect(e.args).toBeDefined();
    }
  }
  // Slices and thread-scoped instants nest strictly on every thread.
  const byThread = new Map<string, Ev[]>();
  for (const e of doc.traceEvents)
    if (e.ph === 'X' || e.ph === 'i') byThread.set(`${e.pid}/${e.tid}`, [...(byThread.get(`${e.pid}/${e.tid}`) ?? []), e]);
  for (const [thread, evs] of byThread) {
    const sorted = [...evs].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const stack: number[] = [];
    for (const e of sorted) {
      while (stack.length && e.ts >= stack[stack.length - 1]!) stack.pop();
      const end = e.ts + (e.dur ?? 0);
      if (stack.length) expect(end, `${thread}: '${e.name}' at ${e.ts} overlaps its parent`).toBeLessThanOrEqual(stack[stack.length - 1]!);
      if (e.ph === 'X') stack.push(end);
    }
  }
  return doc.traceEvents;
}

describe('perfetto export', () => {
  it('follows the trace-event rules for every built-in scenario on every variant', () => {
    for (const s of ['seed-kvm', 'seed-kvm-sve', 'seed-uaf', 'fork-reuse']) {
      for (const v of ['v4.15-rc1', 'rfc-2017', 'flush-always', 'no-sve-flush'])
        validate(perfettoJson([{ title: `${s} on ${v}`, trace: trace(s, v) }]));
    }
  });

  it('names one process per trace and one thread per CPU', () => {
    const evs = validate(
      perfettoJson([
        { title: 'seed-kvm on flush-always', trace: trace('seed-kvm', 'flush-always') },
        { title: 'two', trace: trace('seed-uaf', 'v4.15-rc1') },
      ]),
    );
    const meta = (name: string) => evs.filter((e) => e.ph === 'M' && e.name === name).map((e) => [e.pid, e.tid, e.args!.name]);
    expect(meta('process_name')).toEqual([
      [1, 1, 'seed-kvm on flush-always'],
      [2, 1, 'two'],
    ]);
    // seed-uaf frees A from no CPU (the reaper), so that trace has its own "no CPU" thread.
    expect(meta('thread_name')).toEqual([
      [1, 1, 'cpu0'],
      [2, 1, 'cpu0'],
      [2, 1000, 'no CPU (reaper)'],
    ]);
  });

  it('shows seed-kvm on flush-always as the kernel runs it: contexts, guest, saves, loads, hyp traffic', () => {
    const t = trace('seed-kvm', 'flush-always');
    const evs = validate(perfettoJson([{ title: 'x', trace: t }]));
    // Steps: 1 switch→A, 2 ret_to_user, 3 fp_write, 4 switch→B, 5 vcpu_enter, 6 guest_fp,
    // 7 vcpu_exit, 8 switch→A, 9 ret_to_user, 10 fp_read. A owns cpu0 for steps 1-3, the vcpu
    // thread B for 4-7 (its guest G0 from entry through exit, 5-7), A again for 8-10.
    const ctx = evs.filter((e) => e.ph === 'X' && e.cat === 'context').map((e) => [e.name, e.ts, e.dur]);
    expect(ctx).toEqual([
      ['A', 0, 3 * STEP_US],
      ['B', 3 * STEP_US, 4 * STEP_US],
      ['guest G0', 4 * STEP_US + 20, 3 * STEP_US - 40],
      ['A', 7 * STEP_US, 3 * STEP_US],
    ]);
    expect(evs.filter((e) => e.ph === 'X' && e.cat === 'event').map((e) => e.args!.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const instants = evs.filter((e) => e.ph === 'i').map((e) => e.name);
    // A is loaded at its first return to user; saved when B preempts it (its registers are
    // live); the unconditional pre-entry flush drops cpu0's binding; the guest's first FP use
    // traps, the hypervisor saves the host V registers (A's) and loads the guest's; at exit it
    // saves the guest's and restores A's; A then reloads what the registers already held.
    expect(instants).toEqual([
      'load A fpsimd 528 B',
      'save A fpsimd 528 B',
      'flush cpu0 binding (A)',
      'trap: guest FP access on cpu0',
      'hyp save host V regs 528 B',
      'hyp restore guest V regs 528 B',
      'hyp save guest V regs 528 B',
      'hyp restore host V regs 528 B',
      'load A fpsimd 528 B (redundant)',
    ]);
    const last = (name: string) => evs.filter((e) => e.ph === 'C' && e.name === name).at(-1)!.args;
    expect(last('bytes moved')).toEqual({ saved: 528, loaded: 2 * 528, hyp: 4 * 528 });
    expect(last('register traffic')).toEqual({ saves: 1, loads: 2, redundant_loads: 1 });
  });

  it('marks the violation at its step', () => {
    const evs = validate(perfettoJson([{ title: 'uaf', trace: trace('seed-uaf', 'v4.15-rc1') }]));
    const v = evs.filter((e) => e.cat === 'violation');
    expect(v).toHaveLength(1);
    expect(v[0]!.name).toBe('VIOLATION FPC101 no-uaf');
    // step 8 is the vcpu_enter whose pre-entry flush follows the dangling pointer
    expect(v[0]!.ts).toBeGreaterThanOrEqual(7 * STEP_US);
    expect(v[0]!.ts).toBeLessThan(8 * STEP_US);
    const step8 = evs.find((e) => e.ph === 'X' && e.args?.step === 8)!;
    expect(step8.cat).toBe('event,violation');
    expect(String(step8.args!.violation)).toMatch(/^FPC101 no-uaf: cpu0 follows fpsimd_last_state/);
  });

  it('makes strings ASCII', () => {
    expect(ascii('switch cpu0 → B')).toBe('switch cpu0 -> B');
    expect(ascii('†A#2')).toBe('dead:A#2');
    expect(ascii('a › b')).toBe('a > b');
  });
});
