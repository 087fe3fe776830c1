/**
 * 96-bit fingerprints (`check --fingerprint-bits 96`): the sets tell apart fingerprints that
 * differ only in the third word, keep it across growth, and a check explores exactly the states
 * it explores with 64 bits (no two of these small spaces' states share 64 bits), with the
 * collision estimate 2^32 times smaller.
 */
import { describe, expect, it } from 'vitest';
import { FingerprintSet } from '../../src/check/fpset.js';
import { MemoryBudget } from '../../src/check/memory.js';
import { PRESENT, STORED, STORED_GROW, SharedFingerprintSet } from '../../src/check/sharedset.js';
import { checkVariant, checkVariantParallel } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';

/** n distinct (hi, lo) pairs, each taken with two third words: 2n wide fingerprints. */
function triples(n: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let a = 99;
  let b = 4242;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) | 0;
    b = (Math.imul(b, 22695477) + 1) | 0;
    out.push([a || 3, b || 5, i], [a || 3, b || 5, ~i]);
  }
  return out;
}

describe('96-bit visited sets', () => {
  it('the sequential set stores fingerprints equal in 64 bits and different in the third word apart, across growth', () => {
    const set = new FingerprintSet(new MemoryBudget(1 << 28), undefined, true);
    const fps = triples(20_000);
    for (const [hi, lo, ex] of fps) expect(set.add(hi, lo, ex)).toBe(true);
    expect(set.size).toBe(40_000);
    expect(set.capacity).toBeGreaterThan(40_000); // it grew, several times, from 4096
    for (const [hi, lo, ex] of fps) expect(set.add(hi, lo, ex)).toBe(false);
    expect(set.has(fps[0]![0], fps[0]![1], 12345)).toBe(false);
    // 12 bytes a slot
    expect(set.bytes).toBe(12 * set.capacity);
    // the 64-bit set takes them for one
    const narrow = new FingerprintSet(new MemoryBudget(1 << 28));
    expect(fps.filter(([hi, lo]) => narrow.add(hi, lo)).length).toBe(20_000);
  });

  it('the shared set does the same, across its segments’ growth', () => {
    const budget = new MemoryBudget(1 << 28);
    const ctl = new Int32Array(new SharedArrayBuffer(4 * 64));
    let s = SharedFingerprintSet.create(budget, ctl, 0, true);
    const fps = triples(30_000);
    for (const [hi, lo, ex] of fps) {
      const r = s.add(hi, lo, ex);
      expect(r === STORED || r === STORED_GROW).toBe(true);
      if (r === STORED_GROW) s = s.grown(budget);
    }
    expect(s.size).toBe(60_000);
    expect(s.wide).toBe(true);
    for (const [hi, lo, ex] of fps) expect(s.add(hi, lo, ex)).toBe(PRESENT);
    expect(s.buffers.reduce((n, b) => n + b.byteLength, 0)).toBe(12 * s.capacity);
  });
});

describe('check with 96-bit fingerprints', () => {
  const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 8 };
  it('explores the same states, levels and verdict as with 64 bits, with a 2^32 times smaller collision estimate', async () => {
    for (const name of ['rfc-2017', 'v4.15-rc1', 'mainline']) {
      const v = findVariant(name)!;
      const narrow = checkVariant(v, b);
      const wide = checkVariant(v, b, { fingerprintBits: 96 });
      expect(wide.fingerprintBits).toBe(96);
      expect(narrow.fingerprintBits).toBe(64);
      expect([wide.verdict, wide.states, wide.transitions, wide.levels]).toEqual([
        narrow.verdict,
        narrow.states,
        narrow.transitions,
        narrow.levels,
      ]);
      expect(wide.violation?.step).toBe(narrow.violation?.step);
      expect(wide.collisionProbability).toBeCloseTo(narrow.collisionProbability / 2 ** 32, 30);
      const par = await checkVariantParallel(v, b, { workers: 2, awaitWorkers: true, fingerprintBits: 96 });
      expect(par.fingerprintBits).toBe(96);
      if (narrow.verdict === 'ok') expect([par.verdict, par.states, par.levels]).toEqual([narrow.verdict, narrow.states, narrow.levels]);
      else expect([par.verdict, par.violation?.step]).toEqual([narrow.verdict, narrow.violation?.step]);
    }
  });
});
