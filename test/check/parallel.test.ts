/**
 * Parallel exploration (threads sharing one lock-free visited table, claiming each level in
 * units): the same states per level, transitions and verdicts as the sequential explorer;
 * counterexamples of the same length that replay, the same violating step whatever the
 * schedule; limits still give "incomplete".
 */
import { describe, expect, it } from 'vitest';
import { checkVariant, checkVariantParallel, type CheckResult } from '../../src/app/check.js';
import { findVariant, VARIANTS } from '../../src/variants/index.js';
import { capWorkers } from '../../src/check/workers.js';

// All but the path to the violating step, which may be any of the shortest (the parent a state
// is linked to is the one whose thread stored it first): the step itself is the last action.
const strip = (r: CheckResult) =>
  JSON.stringify({
    ...r,
    seconds: 0,
    statesPerSecond: 0,
    peakBytes: 0,
    trace: undefined,
    violation: r.violation && { ...r.violation, trace: r.violation.trace.length, last: r.violation.trace.at(-1) },
  });

describe('exploration on 2 workers', () => {
  it('stores exactly the states the sequential explorer stores', async () => {
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 9 };
    const seq = checkVariant(v, b);
    const par = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true });
    expect(par.verdict).toBe('ok');
    expect(par.states).toBe(seq.states);
    expect(par.transitions).toBe(seq.transitions);
    expect(par.levels).toEqual(seq.levels);
    const off = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true, symmetry: false });
    expect(off.states).toBe(checkVariant(v, b, { symmetry: false }).states);
  });
  it('finds counterexamples of the same (shortest) length, which replay, deterministically', async () => {
    for (const [name, b] of [
      ['v4.15-rc1', { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 }],
      ['v4.15-rc1', { cpus: 2, tasks: 2, vcpus: 0, spare: 1, depth: 14 }],
    ] as const) {
      const v = findVariant(name)!;
      const seq = checkVariant(v, b);
      const a = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true });
      const c = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true });
      expect(a.verdict).toBe('violation');
      expect(a.violation?.invariant).toBe(seq.violation?.invariant);
      expect(a.violation?.step).toBe(seq.violation?.step);
      expect(a.violation?.trace).toHaveLength(a.violation!.step);
      expect(strip(c)).toBe(strip(a));
    }
  });
  it('stops at the memory cap with an incomplete verdict', async () => {
    const r = await checkVariantParallel(
      findVariant('rfc-2017')!,
      { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 16 },
      { workers: 2, awaitWorkers: true, memoryBytes: 4 << 20 },
    );
    expect(r.verdict).toBe('incomplete');
    expect(r.limit?.kind).toBe('memory');
    expect(r.completeDepth).toBeGreaterThan(3);
  });
  it('stores the same states when the levels are cut into many small chunks and claims', async () => {
    // Chunks of 8 records claimed 3 at a time: the threads interleave state by state, every
    // level spans many chunks of both threads (the last ones partial), and the table grows
    // mid-level; the BFS levels must not notice.
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 8 };
    const seq = checkVariant(v, b);
    const small = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true, chunkStates: 8, claimStates: 3 });
    expect(small.states).toBe(seq.states);
    expect(small.transitions).toBe(seq.transitions);
    expect(small.levels).toEqual(seq.levels);
    // A violation found across rounds is the same one, and deterministic.
    const bug = findVariant('v4.15-rc1')!;
    const bb = { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 };
    const x = await checkVariantParallel(bug, bb, { workers: 2, awaitWorkers: true, chunkStates: 8, claimStates: 3 });
    const y = await checkVariantParallel(bug, bb, { workers: 2, awaitWorkers: true, chunkStates: 8, claimStates: 3 });
    expect(x.violation?.invariant).toBe(checkVariant(bug, bb).violation?.invariant);
    expect(x.violation?.step).toBe(checkVariant(bug, bb).violation?.step);
    expect(strip(y)).toBe(strip(x));
  });
  it('agrees with the sequential explorer on every variant, level by level', async () => {
    // A small configuration each (1 CPU, 1 task, 1 vcpu, 7 steps), in chunks of 16 claimed 4 at
    // a time so that the two threads share even the small levels.
    const b = { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 7 };
    for (const v of VARIANTS) {
      const seq = checkVariant(v, b);
      const par = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true, chunkStates: 16, claimStates: 4 });
      expect(par.verdict, v.name).toBe(seq.verdict);
      if (seq.verdict === 'ok') {
        expect(par.levels, v.name).toEqual(seq.levels);
        expect(par.transitions, v.name).toBe(seq.transitions);
      } else {
        // The sequential explorer stops at its first hit and counts no partial level; the
        // parallel one finishes the level and counts it.
        expect(par.levels.slice(0, seq.levels.length), v.name).toEqual(seq.levels);
        expect(par.levels, v.name).toHaveLength(seq.levels.length + 1);
        expect(par.violation?.invariant, v.name).toBe(seq.violation?.invariant);
        expect(par.violation?.step, v.name).toBe(seq.violation?.step);
      }
    }
  });
  it('caps the worker count at the cores (at least 2), and a time limit still holds', async () => {
    expect(capWorkers(64, 2)).toBe(2);
    expect(capWorkers(64, 16)).toBe(16);
    expect(capWorkers(3, 1)).toBe(2);
    expect(capWorkers(1, 8)).toBe(1);
    const r = await checkVariantParallel(
      findVariant('rfc-2017')!,
      { cpus: 2, tasks: 3, vcpus: 1, spare: 0, depth: 30 },
      { workers: 64, timeSeconds: 0.01 },
    );
    expect(r.verdict).toBe('incomplete');
    expect(r.limit?.kind).toBe('time');
  });
});
