/**
 * Partial-order reduction for the kernel model (src/kernel/por.ts, the `touches` footprints of
 * src/kernel/families/): the footprints cover what the actions write, the actions of an ample
 * set commute with every other enabled action, and checks with and without the reduction agree.
 */
import { describe, expect, it } from 'vitest';
import { bootSpecOf, checkVariant, type CheckBounds } from '../../src/app/check.js';
import type { Violation } from '../../src/check/model.js';
import { EVENTS, decodeAction, type EventFamily, type Footprint } from '../../src/kernel/events.js';
import { KernelModel } from '../../src/kernel/model.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';

const SEED_FAMILIES: EventFamily[] = ['core', 'fork', 'kvm'];

/** A small deterministic generator (the walks must not depend on Math.random). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

/** States along seeded random walks (restarting at boot after a violation or a dead end). */
function* walk(model: KernelModel, seed: number, steps: number): Generator<Int32Array> {
  const r = rng(seed);
  let s = model.initial();
  const out = new Int32Array(model.words);
  const acts: number[] = [];
  for (let i = 0; i < steps; i++) {
    yield s;
    acts.length = 0;
    model.actions(s, acts);
    if (acts.length === 0) {
      s = model.initial();
      continue;
    }
    const v = model.step(s, acts[r(acts.length)]!, out);
    s = v ? model.initial() : out.slice();
  }
}

function footprintOf(model: KernelModel, s: Int32Array, a: number): Footprint {
  const f: Footprint = { cpus: [], slots: [], vcpus: [], shared: false };
  model.machine.load(s);
  const { event, cpu, arg } = decodeAction(a);
  EVENTS[event]!.touches!(model.machine, cpu, arg, f);
  return f;
}

/** Whether word `o` lies in a record of the footprint. */
function inside(model: KernelModel, f: Footprint, o: number): boolean {
  const l = model.machine.layout;
  if (o < l.cpuBase) return f.shared;
  if (o < l.slotBase) return f.cpus.includes(Math.floor((o - l.cpuBase) / l.cpuSpec.length));
  if (o < l.vcpuBase) return f.slots.includes(Math.floor((o - l.slotBase) / l.taskSpec.length));
  return f.vcpus.includes(Math.floor((o - l.vcpuBase) / l.vcpuSpec.length));
}

function same(a: Violation | null, b: Violation | null): boolean {
  if (!a || !b) return a === b;
  return a.invariant === b.invariant && a.kind === b.kind;
}

describe('partial-order reduction: footprints', () => {
  it('the seed families declare a footprint for every event (others may not: then no reduction)', () => {
    for (const e of EVENTS) if (['core', 'fork', 'kvm', 'neon'].includes(e.family)) expect(typeof e.touches, e.name).toBe('function');
  });

  it.each(VARIANTS.map((v) => v.name))('%s: every word an action writes lies in its declared footprint', (name) => {
    const v = findVariant(name)!;
    // Without the dead-data abstraction: the footprint is about what the kernel code writes.
    const model = new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 1, events: [...SEED_FAMILIES, 'neon'] }));
    const out = new Int32Array(model.words);
    const acts: number[] = [];
    let checked = 0;
    for (const s of walk(model, 7, 400)) {
      acts.length = 0;
      model.actions(s, acts);
      for (const a of acts) {
        const f = footprintOf(model, s, a);
        if (model.step(s, a, out)) continue;
        for (let o = 0; o < s.length; o++) {
          if (out[o] !== s[o] && !inside(model, f, o)) {
            expect.fail(`${model.describe(a)} writes word ${o} outside its footprint ${JSON.stringify(f)}`);
          }
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('partial-order reduction: the tracer events', () => {
  const PTRACE: EventFamily[] = ['core', 'ptrace', 'ptrace_edge', 'ptrace_full', 'sme'];

  it('every ptrace, ptrace_edge and ptrace_full event declares a footprint', () => {
    const names = EVENTS.filter((e) => ['ptrace', 'ptrace_edge', 'ptrace_full'].includes(e.family)).map((e) => e.name);
    expect(names.length).toBeGreaterThan(15);
    for (const e of EVENTS) if (names.includes(e.name)) expect(typeof e.touches, e.name).toBe('function');
  });

  it.each(['v4.15', 'v6.1.y', 'v6.12-rc1', 'v6.12', 'mainline', 'mainline+5cbb61bf4168'])(
    '%s: every word a tracer event writes lies in its declared footprint',
    (name) => {
      const v = findVariant(name) ?? variantOfExpression(name)!;
      const model = new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 0, spare: 0, events: PTRACE }));
      const out = new Int32Array(model.words);
      const acts: number[] = [];
      let tracer = 0;
      for (const s of walk(model, 5, 1500)) {
        acts.length = 0;
        model.actions(s, acts);
        for (const a of acts) {
          const ev = EVENTS[decodeAction(a).event]!;
          if (!['ptrace', 'ptrace_edge', 'ptrace_full'].includes(ev.family)) continue;
          const f = footprintOf(model, s, a);
          if (model.step(s, a, out)) continue;
          for (let o = 0; o < s.length; o++) {
            if (out[o] !== s[o] && !inside(model, f, o)) {
              expect.fail(`${model.describe(a)} writes word ${o} outside its footprint ${JSON.stringify(f)}`);
            }
          }
          tracer++;
        }
      }
      expect(tracer).toBeGreaterThan(100);
    },
  );

  it('checks with the tracer events agree with and without the reduction', () => {
    // v6.12 loses a task's SVE registers on a header-only NT_ARM_SVE write (8 steps);
    // mainline+5cbb61bf4168 is clean at this depth.
    for (const [variant, depth] of [
      ['v6.12', 8],
      ['mainline+5cbb61bf4168', 7],
    ] as const) {
      const b: CheckBounds = { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth, events: ['core', 'ptrace', 'ptrace_edge'] };
      const v = variantOfExpression(variant)!;
      const full = checkVariant(v, b);
      const red = checkVariant(v, b, { por: true });
      expect(red.por, variant).toBe(true);
      expect(red.verdict, variant).toBe(full.verdict);
      expect(red.violation?.invariant, variant).toBe(full.violation?.invariant);
      expect(red.violation?.kind, variant).toBe(full.violation?.kind);
      expect(red.violation?.step, variant).toBe(full.violation?.step);
      // With both CPUs busy no CPU's actions are ample (condition 6 of por.ts): the same states.
      expect(red.states, variant).toBe(full.states);
    }
  });
});

describe('partial-order reduction: ample sets', () => {
  it.each(VARIANTS.map((v) => v.name))('%s: an ample action and any other enabled action commute', (name) => {
    const v = findVariant(name)!;
    let ample = 0;
    for (const b of [
      { cpus: 2, tasks: 2, vcpus: 0, spare: 0 },
      { cpus: 2, tasks: 1, vcpus: 1, spare: 1 },
      { cpus: 1, tasks: 1, vcpus: 1, spare: 0 },
    ]) {
      const model = new KernelModel(v.Kernel, bootSpecOf({ ...b, events: SEED_FAMILIES }), { deadData: true });
      const x = new Int32Array(model.words);
      const y = new Int32Array(model.words);
      const xy = new Int32Array(model.words);
      const yx = new Int32Array(model.words);
      const all: number[] = [];
      const amp: number[] = [];
      const en: number[] = [];
      for (const s of walk(model, 11, 600)) {
        all.length = 0;
        model.actions(s, all);
        if (!model.ample!(s, all, amp)) continue;
        ample++;
        expect(amp.length).toBeGreaterThan(0);
        expect(amp.length).toBeLessThan(all.length);
        for (const a of amp) {
          for (const o of all) {
            if (amp.includes(o)) continue;
            const va = model.step(s, a, x);
            const vo = model.step(s, o, y);
            const what = `${model.describe(a)} / ${model.describe(o)}`;
            if (va || vo) {
              // A violating step ends the path; the other order must hit it too.
              if (va && !vo) expect(same(model.step(y.slice(), a, xy), va), what).toBe(true);
              if (vo && !va) expect(same(model.step(x.slice(), o, xy), vo), what).toBe(true);
              continue;
            }
            en.length = 0;
            model.actions(x, en);
            expect(en.includes(o), `${what}: ${model.describe(o)} disabled`).toBe(true);
            en.length = 0;
            model.actions(y, en);
            expect(en.includes(a), `${what}: ${model.describe(a)} disabled`).toBe(true);
            const v1 = model.step(x.slice(), o, xy);
            const v2 = model.step(y.slice(), a, yx);
            expect(same(v1, v2), what).toBe(true);
            if (v1) continue;
            model.canonicalize(xy);
            model.canonicalize(yx);
            expect(Array.from(xy), what).toEqual(Array.from(yx));
          }
        }
      }
    }
    // Every variant offers some ample sets on these machines (a `free` of a zombie or the other
    // CPU's work postponed).
    expect(ample).toBeGreaterThan(0);
  });

  it('are offered only when every event of the check declares a footprint', () => {
    const v = findVariant('rfc-2017')!;
    expect(new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 0, events: SEED_FAMILIES })).ample).toBeDefined();
    // signal declares none (yet): no reduction at all with it.
    expect(
      new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 0, events: ['core', 'signal'] })).ample,
    ).toBeUndefined();
    // atomic has no events but splits paths the footprints were declared for: no reduction.
    expect(
      new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 0, events: ['core', 'atomic'] })).ample,
    ).toBeUndefined();
  });
});

describe('partial-order reduction: C1 counts the actions the other processes enable', () => {
  it("another CPU's `idle` can enable a switch on this CPU, so no CPU is ample while another runs a task", () => {
    const v = findVariant('rfc-2017')!;
    const model = new KernelModel(v.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 0, events: SEED_FAMILIES }), {
      deadData: true,
    });
    const all: number[] = [];
    const amp: number[] = [];
    const after: number[] = [];
    const y = new Int32Array(model.words);
    let enabledByIdle = 0;
    for (const s of walk(model, 7, 3000)) {
      all.length = 0;
      model.actions(s, all);
      const busy = [0, 1].filter((c) => model.machine.cpus[c]!.current !== -1);
      if (model.ample!(s, all, amp)) {
        // Offered only with every other CPU idle (condition 6).
        model.machine.load(s);
        const c = decodeAction(amp[0]!).cpu;
        expect([0, 1].filter((d) => d !== c && model.machine.cpus[d]!.current !== -1)).toEqual([]);
      }
      model.machine.load(s);
      if (busy.length < 2) continue;
      // Both CPUs run a task: `idle` on one leaves its task runnable, and the other CPU can then
      // switch to it — an action of that CPU enabled by another process, which a reduction
      // that took the CPU's enabled actions as ample would have postponed behind them.
      for (const o of all) {
        if (EVENTS[decodeAction(o).event]!.name !== 'idle') continue;
        const d = decodeAction(o).cpu;
        if (model.step(s, o, y)) continue;
        after.length = 0;
        model.actions(y, after);
        for (const a of after) {
          const e = decodeAction(a);
          if (EVENTS[e.event]!.name === 'switch' && e.cpu !== d && !all.includes(a)) enabledByIdle++;
        }
      }
    }
    expect(enabledByIdle).toBeGreaterThan(0);
  });
});

describe('partial-order reduction: checks agree with the unreduced search', () => {
  // 1 CPU, a task and a vcpu thread, the seed's families: small enough to run every variant.
  const b: CheckBounds = { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 16, events: SEED_FAMILIES };
  it.each(VARIANTS.map((v) => v.name))('%s: same verdict, same violation, a shortest counterexample', (name) => {
    const v = findVariant(name)!;
    const full = checkVariant(v, b);
    const red = checkVariant(v, b, { por: true });
    expect(red.por).toBe(true);
    expect(full.por).toBe(false);
    expect(red.verdict).toBe(full.verdict);
    expect(red.violation?.invariant).toBe(full.violation?.invariant);
    expect(red.violation?.kind).toBe(full.violation?.kind);
    // The reported counterexample comes from the unreduced search to the depth found: shortest.
    expect(red.violation?.step).toBe(full.violation?.step);
    expect(red.states).toBeLessThanOrEqual(full.states);
  });

  it('exhausts rfc-2017 at 2 CPUs / 1 task / 1 vcpu thread with fewer transitions and the same verdict', () => {
    const v = findVariant('rfc-2017')!;
    const bb: CheckBounds = { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 60, events: SEED_FAMILIES };
    const full = checkVariant(v, bb);
    const red = checkVariant(v, bb, { por: true });
    expect(full.exhausted).toBe(true);
    expect(red.exhausted).toBe(true);
    expect(red.verdict).toBe('ok');
    expect(red.states).toBeLessThanOrEqual(full.states);
  });
});
