/**
 * Symmetry reduction: the canonical form is a function of the orbit, the orbit count matches a
 * brute-force count over the whole group, the model's symmetry claim holds (successors commute
 * with every group element, so a mis-kinded field in records.ts fails here), and checking with
 * and without symmetry gives the same verdicts, counterexample lengths and orbit counts.
 */
import { describe, expect, it } from 'vitest';
import { StateCanonicalizer } from '../../src/check/symmetry.js';
import { explore } from '../../src/check/explore.js';
import { Rng } from '../../src/check/rng.js';
import { KernelModel } from '../../src/kernel/model.js';
import { bootSpecOf, checkVariant, type CheckBounds } from '../../src/app/check.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';
import { applyPermutation, bruteCanonical, groupElements, relabel } from './brute.js';

const key = (s: Int32Array) => s.join(',');

/** Reachable states from random walks (concrete, not canonicalised). */
function sampleStates(model: KernelModel, n: number, seed: number): Int32Array[] {
  const rng = new Rng(seed);
  const out: Int32Array[] = [];
  let s = model.initial();
  const acts: number[] = [];
  while (out.length < n) {
    acts.length = 0;
    model.actions(s, acts);
    const next = new Int32Array(model.words);
    if (acts.length === 0 || model.step(s, acts[rng.below(acts.length)]!, next) || rng.float() < 0.03) {
      s = model.initial();
      continue;
    }
    out.push(next);
    s = next;
  }
  return out;
}

/** A random group element: a permutation per group. */
function randomElement(model: KernelModel, rng: Rng): number[][] {
  return model.shape.groups.map((g) => {
    const p = Array.from({ length: g.count }, (_, i) => i);
    for (let i = p.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return p;
  });
}

/** Renames each writer's versions by a random injection (data independence). */
function scrambleVersions(model: KernelModel, s: Int32Array, rng: Rng): Int32Array {
  const out = s.slice();
  const vb = model.shape.versionBits;
  const names = new Map<number, number>();
  const used = new Set<number>();
  for (const o of model.shape.tokenOffsets) {
    const t = out[o]!;
    if (t <= 1) continue;
    let nt = names.get(t);
    if (nt === undefined) {
      do nt = ((t >>> vb) << vb) | (1 + rng.below(500));
      while (used.has(nt));
      used.add(nt);
      names.set(t, nt);
    }
    out[o] = nt;
  }
  return out;
}

const CONFIGS = [
  { cpus: 2, tasks: 2, vcpus: 1, spare: 0 },
  { cpus: 3, tasks: 2, vcpus: 2, spare: 1 },
];

describe('the canonical form', () => {
  for (const b of CONFIGS) {
    it(`is the same for every image of a state under the group (${b.cpus} CPUs, ${b.tasks} tasks, ${b.vcpus} vcpus, ${b.spare} spare)`, () => {
      const model = new KernelModel(findVariant('rfc-2017')!.Kernel, bootSpecOf(b));
      const canon = new StateCanonicalizer(model.shape);
      const rng = new Rng(42);
      const a = new Int32Array(model.words);
      const c = new Int32Array(model.words);
      for (const s of sampleStates(model, 400, 1)) {
        canon.canonicalize(s, a);
        for (let k = 0; k < 5; k++) {
          const img = scrambleVersions(model, applyPermutation(model.shape, randomElement(model, rng), s), rng);
          canon.canonicalize(img, c);
          expect(key(c)).toBe(key(a));
        }
        // ...and it is itself an image of the state (the least candidate, never a merge of orbits);
        // the brute-force check costs |G| images, so only on the small machine.
        if (model.shape.groups.every((g) => g.count <= 3))
          expect(key(bruteCanonical(model.shape, a))).toBe(key(bruteCanonical(model.shape, s)));
      }
      expect(canon.inexact).toBe(0);
    });
  }

  it('computed in WebAssembly, equals the JavaScript statement of it on every sampled state', () => {
    // canoncore.ts runs the hot parts (version statistics, signatures, images) in WebAssembly;
    // canonicalizeJs is the same algorithm in plain JavaScript. Both, with symmetry and data
    // relabelling on and off, on states of several variants (and with versions scrambled, so
    // the renaming paths run too).
    for (const [name, b] of [
      ['rfc-2017', CONFIGS[0]!],
      ['v4.18', CONFIGS[1]!],
      ['v4.15-rc1', { cpus: 2, tasks: 3, vcpus: 1, spare: 1 }],
    ] as const) {
      const model = new KernelModel(findVariant(name)!.Kernel, bootSpecOf(b));
      const rng = new Rng(7);
      for (const opts of [{}, { symmetry: false }, { relabel: false }, { symmetry: false, relabel: false }]) {
        const canon = new StateCanonicalizer(model.shape, opts);
        const a = new Int32Array(model.words);
        const j = new Int32Array(model.words);
        for (const s0 of sampleStates(model, 300, 3)) {
          const s = opts.relabel === false ? s0 : scrambleVersions(model, s0, rng);
          canon.canonicalize(s, a);
          canon.canonicalizeJs(s, j);
          expect(key(a), `${name} ${JSON.stringify(opts)}`).toBe(key(j));
        }
      }
    }
  });

  it('counts exactly the orbits a brute-force search over the whole group counts', () => {
    // All states reachable in 7 steps on 2 CPUs, 2 tasks, 1 vcpu (|G| = 2! * 3! = 12).
    const model = new KernelModel(findVariant('rfc-2017')!.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 1, spare: 0 }));
    const plain = new StateCanonicalizer(model.shape, { symmetry: false });
    const sym = new StateCanonicalizer(model.shape);
    const els = groupElements(model.shape);
    expect(els).toHaveLength(12);
    let frontier = [relabel(model.shape, model.initial())];
    const seen = new Set([key(frontier[0]!)]);
    const brute = new Set([key(bruteCanonical(model.shape, frontier[0]!, els))]);
    const fast = new Set<string>();
    const out = new Int32Array(model.words);
    sym.canonicalize(frontier[0]!, out);
    fast.add(key(out));
    for (let d = 0; d < 7; d++) {
      const next: Int32Array[] = [];
      for (const s of frontier) {
        const acts: number[] = [];
        model.actions(s, acts);
        for (const a of acts) {
          const t = new Int32Array(model.words);
          if (model.step(s, a, t)) continue;
          plain.canonicalize(t, t);
          if (seen.has(key(t))) continue;
          seen.add(key(t));
          next.push(t);
          brute.add(key(bruteCanonical(model.shape, t, els)));
          sym.canonicalize(t, out);
          fast.add(key(out));
        }
      }
      frontier = next;
    }
    expect(seen.size).toBeGreaterThan(5_000);
    expect(brute.size).toBeLessThan(seen.size / 3);
    expect(fast.size).toBe(brute.size);
  });
});

describe("the model's symmetry claim", () => {
  for (const variant of ['rfc-2017', 'v4.15-rc1']) {
    it(`successors commute with permutations of CPUs, slots and vcpus (${variant})`, () => {
      const b = { cpus: 3, tasks: 2, vcpus: 2, spare: 1 };
      const model = new KernelModel(findVariant(variant)!.Kernel, bootSpecOf(b));
      const canon = new StateCanonicalizer(model.shape);
      const rng = new Rng(7);
      const succ = (s: Int32Array) => {
        const acts: number[] = [];
        model.actions(s, acts);
        const set: string[] = [];
        for (const a of acts) {
          const t = new Int32Array(model.words);
          const v = model.step(s, a, t);
          if (v) set.push(`violation ${v.invariant}/${v.kind ?? ''} in ${v.where}`);
          else {
            canon.canonicalize(t, t);
            set.push(key(t));
          }
        }
        return set.sort();
      };
      for (const s of sampleStates(model, 150, 3)) {
        const img = applyPermutation(model.shape, randomElement(model, rng), s);
        expect(succ(img)).toEqual(succ(s));
      }
    });
  }
});

describe('checking with and without symmetry', () => {
  const bounds: CheckBounds[] = [
    { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 9 },
    { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 8 },
    { cpus: 1, tasks: 2, vcpus: 0, spare: 1, depth: 10 },
  ];
  for (const v of VARIANTS) {
    for (const b of bounds) {
      it(`${v.name} at ${b.cpus}/${b.tasks}/${b.vcpus}/${b.spare} depth ${b.depth}: same verdict, length and orbit count`, () => {
        const on = checkVariant(v, b);
        const off = checkVariant(v, b, { symmetry: false, countOrbits: true });
        expect(on.verdict).toBe(off.verdict);
        expect(on.violation?.invariant).toBe(off.violation?.invariant);
        expect(on.violation?.step).toBe(off.violation?.step);
        expect(on.symmetry).toBe(true);
        expect(off.symmetry).toBe(false);
        if (on.verdict === 'ok') {
          // Orbits are comparable only when both searches saw the whole bounded space.
          expect(on.orbits).toBe(on.states);
          expect(off.orbits).toBe(on.states);
          expect(off.states).toBeGreaterThan(on.states);
        }
      });
    }
  }

  it('renaming data versions (data independence) on or off: same verdicts and orbit counts', () => {
    for (const v of VARIANTS) {
      const b = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 8 };
      const on = checkVariant(v, b);
      for (const symmetry of [true, false]) {
        const off = checkVariant(v, b, { relabel: false, symmetry, countOrbits: true });
        expect(off.relabel).toBe(false);
        expect(off.verdict).toBe(on.verdict);
        expect(off.violation?.step).toBe(on.violation?.step);
        if (on.verdict === 'ok') {
          expect(off.orbits).toBe(on.states);
          expect(off.states).toBeGreaterThan(on.states);
        }
      }
    }
  });

  it('a reduced search explores fewer states and finds the same shortest counterexample length', () => {
    const m = new KernelModel(findVariant('v4.15-rc1')!.Kernel, bootSpecOf({ cpus: 2, tasks: 2, vcpus: 0, spare: 0 }));
    const on = explore(m, { maxDepth: 14 });
    const off = explore(m, { maxDepth: 14, symmetry: false });
    expect(on.verdict).toBe('violation');
    expect(off.verdict).toBe('violation');
    expect(on.depth).toBe(off.depth);
    expect(on.states).toBeLessThan(off.states);
  });
});
