/**
 * The simulator and the shrinker: determinism of seeds (also across worker counts), agreement
 * with the explorer (every violation a run finds is reachable for the explorer within that
 * many steps), and shrunk traces that keep the violated invariant and are 1-minimal.
 */
import { describe, expect, it } from 'vitest';
import { shrink, type ShrinkSubject } from '../../src/check/shrink.js';
import { sameViolation } from '../../src/check/reconstruct.js';
import { combineSlices, newControl, simulateSlice, swarmConfig } from '../../src/check/simulate.js';
import { Rng } from '../../src/check/rng.js';
import { EVENTS, EVENT_FAMILIES } from '../../src/kernel/events.js';
import { KernelModel, KernelShrinkSubject } from '../../src/kernel/model.js';
import { bootSpecOf, checkVariant } from '../../src/app/check.js';
import { simulateVariant } from '../../src/app/simulate.js';
import { shrinkRun } from '../../src/app/shrink.js';
import { findVariant } from '../../src/variants/index.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import type { Violation } from '../../src/spec/invariants.js';

const strip = (r: object) => JSON.stringify({ ...r, seconds: 0, stepsPerSecond: 0, workers: 0, peakBytes: 0, trace: undefined });

describe('simulate', () => {
  const bounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 1 };
  it('same seed, same result; another seed, another run', async () => {
    const v = findVariant('v4.15-rc1')!;
    const a = await simulateVariant(v, bounds, { seed: 11, runs: 3000, steps: 150 });
    const b = await simulateVariant(v, bounds, { seed: 11, runs: 3000, steps: 150 });
    const c = await simulateVariant(v, bounds, { seed: 12, runs: 3000, steps: 150 });
    expect(a.verdict).toBe('violation');
    expect(strip(b)).toBe(strip(a));
    expect(c.violation?.run).not.toBe(a.violation?.run);
  });
  it('gives the same result with 1 and 2 worker threads', async () => {
    const v = findVariant('v4.15-rc1')!;
    // The first model's alphabet (simulate's default is every family, where this seed's 3000
    // runs happen to find nothing).
    const first = { ...bounds, events: ['core', 'neon', 'fork', 'kvm'] as const };
    const one = await simulateVariant(v, first, { seed: 5, runs: 3000, steps: 120, workers: 1 });
    const two = await simulateVariant(v, first, { seed: 5, runs: 3000, steps: 120, workers: 2 });
    expect(one.verdict).toBe('violation');
    expect(two.workers).toBe(2);
    expect(strip(two)).toBe(strip(one));
  });
  it('counts only runs up to the first failing one, which is the lowest-numbered failure', () => {
    const v = findVariant('v4.15-rc1')!;
    const model = new KernelModel(v.Kernel, bootSpecOf(bounds));
    const params = { seed: 3, runs: 3000, steps: 150 };
    const all = simulateSlice(model, params, newControl(false), Number.MAX_SAFE_INTEGER);
    const t = combineSlices([all], false);
    expect(t.failure).toBeDefined();
    // Rerun every run below the failure one by one: none fails.
    for (let run = 0; run < t.failure!.run; run += 97) {
      const ctrl = newControl(false);
      ctrl[0] = run;
      const one = simulateSlice(model, { ...params, runs: run + 1 }, ctrl, Number.MAX_SAFE_INTEGER);
      expect(one.failure).toBeUndefined();
    }
    expect(t.runs).toBe(t.failure!.run + 1);
  });
  // rfc-2017 with e35ac9d0b56e: without it a tracer's NT_ARM_SVE writes overflow (test/kernel/audit.test.ts)
  it('finds nothing in rfc-2017+e35ac9d0b56e, and without swarm every kind is on', async () => {
    const r = await simulateVariant(
      variantOfExpression('rfc-2017+e35ac9d0b56e')!,
      { cpus: 3, tasks: 2, vcpus: 2, spare: 1 },
      { seed: 1, runs: 300, steps: 200, swarm: false },
    );
    expect(r.verdict).toBe('ok');
    expect(r.runs).toBe(300);
    expect(r.states).toBe(r.runs + r.steps);
    expect(r.steps).toBeGreaterThan(300 * 150);
  });
  it('agrees with the explorer: every violation found is reachable for it within that many steps', async () => {
    const b = { cpus: 1, tasks: 2, vcpus: 1, spare: 0 };
    let checked = 0;
    for (const [variant, seed] of [
      ['v4.15-rc1', 1],
      ['v4.15-rc1', 2],
      ['v4.15-rc1', 3],
      ['v4.15-rc1', 4],
      ['no-sve-flush', 1],
      ['no-sve-flush', 2],
      ['no-sve-flush', 3],
      ['no-sve-flush', 4],
    ] as const) {
      // with e35ac9d0b56e: the swarm draws ptrace too, and the explorer below only the default families
      const v = variantOfExpression(`${variant}+e35ac9d0b56e`)!;
      const r = await simulateVariant(v, b, { seed, runs: 2000, steps: 60, shrink: false });
      if (r.verdict !== 'violation') continue;
      checked++;
      const f = r.violation!;
      const e = checkVariant(v, { ...b, depth: f.step }, { invariants: [f.invariant] });
      expect(e.verdict).toBe('violation');
      expect(e.violation?.invariant).toBe(f.invariant);
      expect(e.depth).toBeLessThanOrEqual(f.step);
    }
    // which seeds find a violation depends on the alphabet (the swarm draws a weight per event
    // kind, every family's included); at least half of them must, so that the agreement is tested
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe('shrink', () => {
  it('keeps the invariant and is 1-minimal: dropping any single event, or a CPU or task, loses it', () => {
    for (const [variant, b] of [
      ['v4.15-rc1', { cpus: 3, tasks: 2, vcpus: 1, spare: 1 }],
      ['no-sve-flush', { cpus: 2, tasks: 2, vcpus: 1, spare: 0 }],
    ] as const) {
      const v = findVariant(variant)!;
      const spec = bootSpecOf(b);
      const model = new KernelModel(v.Kernel, spec);
      const f = combineSlices(
        [simulateSlice(model, { seed: 1, runs: 5000, steps: 200 }, newControl(false), Number.MAX_SAFE_INTEGER)],
        false,
      ).failure!;
      expect(f).toBeDefined();
      const subject = new KernelShrinkSubject(v.Kernel);
      const s = shrinkRun(v, spec, f.path, f.violation);
      expect(s.actions.length).toBeLessThan(f.path.length);
      const replay = subject.replay(s.spec, s.actions);
      expect(replay.violation && sameViolation(replay.violation, f.violation)).toBe(true);
      expect(replay.executed).toEqual(s.actions);
      for (let i = 0; i < s.actions.length; i++) {
        const without = subject.replay(s.spec, [...s.actions.slice(0, i), ...s.actions.slice(i + 1)]);
        expect(without.violation && sameViolation(without.violation, f.violation)).toBeFalsy();
      }
      for (const red of subject.reductions(s.spec)) {
        const mapped = s.actions.map((a) => red.map(a)).filter((a): a is number => a !== null);
        const x = subject.replay(red.config, mapped);
        expect(x.violation && sameViolation(x.violation, f.violation)).toBeFalsy();
      }
    }
  });
  it('ddmin finds the two events that matter among many', () => {
    // A toy subject: a run fails once it has seen 3 and later 7; actions are always enabled.
    const target: Violation = { invariant: 'integrity', code: 'FPC102', message: '', where: '' };
    const subject: ShrinkSubject<number> = {
      replay(_c, actions) {
        const executed: number[] = [];
        let three = false;
        for (const a of actions) {
          executed.push(a);
          if (a === 3) three = true;
          if (a === 7 && three) return { executed, violation: target };
        }
        return { executed, violation: null };
      },
      reductions: () => [],
    };
    const input = Array.from({ length: 200 }, (_, i) => [1, 3, 5, 2, 7, 8][i % 6]!);
    expect(shrink(subject, 0, input, target).actions).toEqual([3, 7]);
  });
});

describe('swarm configurations draw over the kinds the configuration can offer', () => {
  it('gives a kind the same weight whatever other kinds the model has', () => {
    // Kinds 1 and 3 are the configuration's; a model with 4 or with 40 kinds draws the same for them.
    const small = swarmConfig(new Rng(7), 4, true, [1, 3]).weights;
    const large = swarmConfig(new Rng(7), 40, true, [1, 3]).weights;
    expect(large[1]).toBe(small[1]);
    expect(large[3]).toBe(small[3]);
    expect(small.filter((_, k) => k !== 1 && k !== 3).every((w) => w === 0)).toBe(true);
    expect(large.filter((_, k) => k !== 1 && k !== 3).every((w) => w === 0)).toBe(true);
  });
  it('leaves out families off in the check and families the kernel build lacks', () => {
    const spec = bootSpecOf({ cpus: 1, tasks: 2, vcpus: 1, spare: 0, events: ['core', 'kvm'], without: ['idle'] });
    const m = new KernelModel(findVariant('v4.15')!.Kernel, spec);
    const families = new Set(m.drawnKinds.map((e) => EVENTS[e]!.family));
    expect([...families].sort()).toEqual(['core', 'kvm']);
    expect(m.drawnKinds.some((e) => EVENTS[e]!.name === 'idle')).toBe(false);
    // v4.15 has no SME: with every family on, no SME event is drawn.
    const all = new KernelModel(
      findVariant('v4.15')!.Kernel,
      bootSpecOf({ cpus: 1, tasks: 2, vcpus: 0, spare: 0, events: EVENT_FAMILIES }),
    );
    expect(all.drawnKinds.some((e) => EVENTS[e]!.requires === 'sme')).toBe(false);
    const sme = new KernelModel(
      findVariant('mainline')!.Kernel,
      bootSpecOf({ cpus: 1, tasks: 2, vcpus: 0, spare: 0, events: ['core', 'sme'] }),
    );
    expect(sme.drawnKinds.some((e) => EVENTS[e]!.requires === 'sme')).toBe(true);
  });
});
