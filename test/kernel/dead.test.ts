/**
 * The dead-data abstraction (src/kernel/dead.ts) is exact: "equal up to dead words" is a
 * bisimulation of the unreduced model, checked step by step on every built-in variant.
 *
 * For a state s of the model without the abstraction and r = reset(s): both enable the same
 * actions, and for each action both steps hit the same violation (or none) and
 * reset(step(s, a)) = reset(step(r, a)) word for word. If that holds in every reachable state,
 * the reduced search reaches exactly the reset images of the reachable states, at the same
 * depths, with the same violations on the same steps: verdicts and shortest counterexamples are
 * unchanged. The states checked are every state within a few steps of boot (breadth-first) and
 * the states along random walks hundreds of steps long, on every event family.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootSpecOf, checkVariant, type CheckBounds } from '../../src/app/check.js';
import type { Violation } from '../../src/check/model.js';
import { DEAD_RULE_NAMES, DeadData } from '../../src/kernel/dead.js';
import { EVENT_FAMILIES, type EventFamily } from '../../src/kernel/events.js';
import { KernelModel } from '../../src/kernel/model.js';
import { TaskState } from '../../src/kernel/records.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';

function same(a: Violation | null, b: Violation | null): boolean {
  if (!a || !b) return a === b;
  return a.invariant === b.invariant && a.kind === b.kind && a.code === b.code && a.where === b.where;
}

/** Checks the bisimulation step at `s`; returns a description of the first failure, or null. */
function stepCheck(model: KernelModel, dead: DeadData, s: Int32Array): string | null {
  const r = s.slice();
  dead.apply(r);
  const as: number[] = [];
  const ar: number[] = [];
  model.actions(s, as);
  model.actions(r, ar);
  if (as.join() !== ar.join()) return `enabled actions differ: ${as.map((a) => model.describe(a))} vs ${ar.map((a) => model.describe(a))}`;
  const x = new Int32Array(model.words);
  const y = new Int32Array(model.words);
  for (const a of as) {
    const vx = model.step(s, a, x);
    const vy = model.step(r, a, y);
    if (!same(vx, vy)) return `${model.describe(a)}: violation ${vx?.invariant ?? 'none'} vs ${vy?.invariant ?? 'none'}`;
    if (vx) continue;
    dead.apply(x);
    dead.apply(y);
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== y[i]) return `${model.describe(a)}: successors differ at word ${i} (${x[i]} vs ${y[i]})`;
    }
  }
  return null;
}

/** Every state within `depth` steps of boot (concrete, no reduction), breadth-first. */
function* statesNear(model: KernelModel, depth: number, cap: number): Generator<Int32Array> {
  const seen = new Set<string>();
  let level = [model.initial()];
  seen.add(level[0]!.join());
  const acts: number[] = [];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    const next: Int32Array[] = [];
    for (const s of level) {
      yield s;
      if (seen.size >= cap) continue;
      acts.length = 0;
      model.actions(s, acts);
      for (const a of acts) {
        const t = new Int32Array(model.words);
        if (model.step(s, a, t)) continue;
        const key = t.join();
        if (!seen.has(key)) {
          seen.add(key);
          next.push(t);
        }
      }
    }
    level = next;
  }
}

const all = [...EVENT_FAMILIES];
const machines: { name: string; b: CheckBounds; events: EventFamily[] }[] = [
  { name: 'seed machine, core+fork+kvm', b: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 0 }, events: ['core', 'fork', 'kvm'] },
  { name: '2 CPUs, every family', b: { cpus: 2, tasks: 1, vcpus: 1, spare: 1, depth: 0 }, events: all },
];

describe('dead-data abstraction is a bisimulation', () => {
  for (const v of VARIANTS) {
    for (const m of machines) {
      it(`${v.name}: ${m.name}`, () => {
        const model = new KernelModel(v.Kernel, { ...bootSpecOf(m.b), events: m.events });
        const dead = new DeadData(model.machine.layout);
        let n = 0;
        for (const s of statesNear(model, 9, 800)) {
          expect(stepCheck(model, dead, s)).toBeNull();
          n++;
        }
        expect(n).toBeGreaterThan(100);
        // Deep states: random walks, checking every state on the way.
        fc.assert(
          fc.property(fc.noBias(fc.array(fc.nat(), { minLength: 150, maxLength: 150 })), (choices) => {
            let s = model.initial();
            const acts: number[] = [];
            for (const ch of choices) {
              const failure = stepCheck(model, dead, s);
              if (failure) return expect(failure).toBeNull();
              acts.length = 0;
              model.actions(s, acts);
              if (acts.length === 0) return;
              const t = new Int32Array(model.words);
              if (model.step(s, acts[ch % acts.length]!, t)) return;
              s = t;
            }
          }),
          { numRuns: 8, seed: 15 },
        );
      });
    }
  }

  it('each rule resets something on the seed machine', () => {
    const model = new KernelModel(findVariant('rfc-2017')!.Kernel, {
      ...bootSpecOf({ cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 0 }),
      events: ['core', 'fork', 'kvm'],
    });
    const dead = new DeadData(model.machine.layout);
    const hits = new Set<string>();
    for (const s of statesNear(model, 8, 5000)) {
      const r = s.slice();
      dead.apply(r);
      if (r.join() === s.join()) continue;
      for (let t = 0; t < 3; t++) {
        const st = s[model.machine.layout.slotOffset(t)];
        if (st === TaskState.ZOMBIE) hits.add('zombie');
        if (st === TaskState.FREE) hits.add('free');
      }
      const vb = model.machine.layout.vcpuOffset(0);
      if (s.subarray(vb, vb + 4).join() !== r.subarray(vb, vb + 4).join()) hits.add('vcpu');
      const c = model.machine.layout.cpuOffset(0);
      const host = model.machine.layout.cpuSpec.findIndex((f) => f.name === 'host_fpV');
      if (s[c + host] !== r[c + host]) hits.add('host');
    }
    expect([...hits].sort()).toEqual(['free', 'host', 'vcpu', 'zombie']);
    expect(DEAD_RULE_NAMES).toEqual(['free-slot', 'zombie', 'dead-vcpu', 'host-save-area']);
  });
});

describe('checks with and without the abstraction agree', () => {
  // Bounded on the seed's alphabet (violations in the buggy variants), and exhaustive on a
  // machine small enough to close without the abstraction (fork into a spare slot).
  const cases: { b: CheckBounds; names: string[] }[] = [
    {
      b: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12, events: ['core', 'fork', 'kvm'] },
      names: ['v4.15-rc1', 'rfc-2017', 'no-sve-flush', 'v4.18-rc1', 'v4.18', 'v6.12', 'mainline'],
    },
    { b: { cpus: 1, tasks: 1, vcpus: 0, spare: 1, depth: 60, events: ['core', 'fork'] }, names: ['rfc-2017', 'v6.12'] },
  ];
  for (const { b, names } of cases)
    for (const name of names) {
      it(`${name} (${b.vcpus} vcpus, ${b.spare} spare, depth ${b.depth}): same verdict, same violation at the same step, no more states`, () => {
        const v = findVariant(name)!;
        const on = checkVariant(v, b, { abstraction: true });
        const off = checkVariant(v, b, { abstraction: false });
        expect(on.abstraction).toBe(true);
        expect(off.abstraction).toBe(false);
        expect(on.verdict).toBe(off.verdict);
        expect(on.violation?.invariant).toBe(off.violation?.invariant);
        expect(on.violation?.kind).toBe(off.violation?.kind);
        expect(on.violation?.step).toBe(off.violation?.step);
        expect(on.exhausted).toBe(off.exhausted);
        expect(on.states).toBeLessThanOrEqual(off.states);
        if (on.verdict === 'ok') expect(on.depth).toBeLessThanOrEqual(off.depth);
        if (b.depth === 60) expect(on.exhausted && on.states < off.states).toBe(true);
      });
    }
  it('the seed use-after-free keeps its 7-step counterexample', () => {
    const r = checkVariant(findVariant('v4.15-rc1')!, { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 });
    expect(r.abstraction).toBe(true);
    expect(r.violation?.invariant).toBe('no-uaf');
    expect(r.violation?.step).toBe(7);
  });
});
