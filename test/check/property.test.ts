/**
 * Property tests (fast-check): random enabled event sequences under rfc-2017 never violate an
 * invariant; canonicalisation preserves the equality pattern of tokens and is idempotent.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TokenCanonicalizer } from '../../src/check/canonical.js';
import { KernelModel } from '../../src/kernel/model.js';
import { findVariant } from '../../src/variants/index.js';
import { bootSpecOf } from '../../src/app/check.js';
import { dataToken } from '../../src/arch/tokens.js';

/** Unbiased choice sequences: fast-check's default bias towards 0 would always pick the first action. */
const walks = fc.noBias(fc.array(fc.nat(), { minLength: 20, maxLength: 200 }));

/** Walks `choices` through the model: at each step picks choices[i] mod the enabled actions. */
function walk(model: KernelModel, choices: number[]) {
  let s = model.initial();
  const acts: number[] = [];
  for (const ch of choices) {
    acts.length = 0;
    model.actions(s, acts);
    if (acts.length === 0) return null;
    const a = acts[ch % acts.length]!;
    const next = new Int32Array(model.words);
    const v = model.step(s, a, next);
    if (v) return v;
    s = next;
  }
  return null;
}

describe('rfc-2017 under random event sequences', () => {
  const configs = [
    { cpus: 2, tasks: 2, vcpus: 1, spare: 1, depth: 0 },
    { cpus: 3, tasks: 2, vcpus: 2, spare: 0, depth: 0 },
  ];
  for (const b of configs) {
    it(`never violates an invariant (${b.cpus} CPUs, ${b.tasks} tasks, ${b.vcpus} vcpus, ${b.spare} spare)`, () => {
      const model = new KernelModel(findVariant('rfc-2017')!.Kernel, bootSpecOf(b));
      fc.assert(
        fc.property(walks, (choices) => {
          expect(walk(model, choices)).toBeNull();
        }),
        { numRuns: 300, seed: 2017 },
      );
    });
  }
  it('the same walks do find the use-after-free in v4.15-rc1 (the property can fail)', () => {
    const model = new KernelModel(findVariant('v4.15-rc1')!.Kernel, bootSpecOf({ cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 0 }));
    let found = false;
    fc.assert(
      fc.property(walks, (choices) => {
        if (walk(model, choices)) found = true;
      }),
      { numRuns: 3000, seed: 2017 },
    );
    expect(found).toBe(true);
  });
});

describe('token canonicalisation', () => {
  const offsets = Int32Array.from([0, 1, 2, 3, 4, 5]);
  const counters = Int32Array.from([-1, 6, 7, -1]); // writers 1 and 2 have counters at words 6, 7
  const token = fc.oneof(
    fc.constantFrom(0, 1),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 40 })).map(([w, v]) => dataToken(w, v)),
  );
  const state = fc.array(token, { minLength: 6, maxLength: 6 }).map((t) => Int32Array.from([...t, 99, 99]));

  it("preserves which words are equal, and each word's writer", () => {
    const canon = new TokenCanonicalizer(offsets, counters, 64);
    fc.assert(
      fc.property(state, (s) => {
        const c = s.slice();
        canon.apply(c);
        for (let i = 0; i < 6; i++) {
          expect(c[i]! >>> 16).toBe(s[i]! >>> 16);
          for (let j = 0; j < 6; j++) expect(c[i] === c[j]).toBe(s[i] === s[j]);
        }
      }),
    );
  });
  it('is idempotent, and maps states differing only by a version renaming to the same state', () => {
    const canon = new TokenCanonicalizer(offsets, counters, 64);
    fc.assert(
      fc.property(state, fc.integer({ min: 1, max: 20 }), (s, shift) => {
        const a = s.slice();
        canon.apply(a);
        const b = a.slice();
        canon.apply(b);
        expect(Array.from(b)).toEqual(Array.from(a));
        const renamed = s.map((t, i) => (i < 6 && t > 1 ? t + shift : t));
        canon.apply(renamed);
        expect(Array.from(renamed)).toEqual(Array.from(a));
      }),
    );
  });
  it("sets each writer's counter to the number of its versions in use", () => {
    const canon = new TokenCanonicalizer(offsets, counters, 64);
    const s = Int32Array.from([dataToken(1, 9), dataToken(1, 4), dataToken(1, 9), dataToken(2, 7), 0, 1, 50, 50]);
    canon.apply(s);
    expect(Array.from(s)).toEqual([dataToken(1, 1), dataToken(1, 2), dataToken(1, 1), dataToken(2, 1), 0, 1, 2, 1]);
  });
});
