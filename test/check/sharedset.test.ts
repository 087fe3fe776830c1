/**
 * The parallel explorer's visited table (src/check/sharedset.ts), alone: what it stores across
 * segment growths, and what growing costs at the peak — the reason it is segmented.
 */
import { describe, expect, it } from 'vitest';
import { LimitReached, MemoryBudget } from '../../src/check/memory.js';
import { PRESENT, SEGMENTS, STORED, STORED_GROW, SharedFingerprintSet } from '../../src/check/sharedset.js';

/** A deterministic stream of distinct 64-bit fingerprints (an LCG on each word: full period). */
function fingerprints(n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let a = 12345;
  let b = 67890;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) | 0;
    b = (Math.imul(b, 22695477) + 1) | 0;
    out.push([a || 7, b || 9]);
  }
  return out;
}

/** Inserts, growing whenever `add` asks (as the coordinator does at a pause). */
function fill(set: SharedFingerprintSet, budget: MemoryBudget, fps: Array<[number, number]>): SharedFingerprintSet {
  let s = set;
  let present = 0;
  for (const [hi, lo] of fps) {
    const r = s.add(hi, lo);
    if (r === PRESENT) present++;
    if (r === STORED_GROW) s = s.grown(budget);
  }
  expect(present).toBe(0);
  return s;
}

describe('the shared visited table', () => {
  it('keeps every fingerprint, and only those, across the growth of its segments', () => {
    const budget = new MemoryBudget(1 << 30);
    const ctl = new Int32Array(new SharedArrayBuffer(4 * 64));
    const start = SharedFingerprintSet.create(budget, ctl);
    const fps = fingerprints(200_000);
    const set = fill(start, budget, fps);
    expect(set.size).toBe(fps.length);
    // Started at 16 segments of 1024 slots: 200 K fingerprints needed several doublings each.
    expect(set.capacity).toBeGreaterThanOrEqual((4 * fps.length) / 3);
    expect(fps.filter(([hi, lo]) => set.add(hi, lo) !== PRESENT)).toEqual([]);
    // A fingerprint differing in one word is not taken for a stored one.
    const [hi0, lo0] = fps[0]!;
    expect(set.add(hi0 ^ 1, lo0)).toBe(STORED);
    // What the budget holds is exactly the live segments (old ones freed).
    expect(budget.used).toBe(8 * set.capacity);
  });

  it('needs, while growing, little more than the grown table: not the old and the new whole table at once', () => {
    const budget = new MemoryBudget(1 << 30);
    const ctl = new Int32Array(new SharedArrayBuffer(4 * 64));
    const set = fill(SharedFingerprintSet.create(budget, ctl), budget, fingerprints(100_000));
    // A whole-table doubling would peak at old + new = 3/2 of the final table; a segment at a
    // time peaks at the final table plus one segment's old copy (at most 1/16 of the old table,
    // i.e. 1/32 of the final one when all segments are alike — allow them to differ by 2x).
    expect(budget.peak).toBeLessThanOrEqual(8 * set.capacity * (1 + 2 / SEGMENTS));
  });

  it('when a segment cannot grow within the cap, fills to 15/16 and then stops with a memory limit', () => {
    // Room for the initial 16 x 1024 slots (128 KiB) and no doubling of any segment.
    const budget = new MemoryBudget(8 * 1024 * SEGMENTS + 1000);
    const ctl = new Int32Array(new SharedArrayBuffer(4 * 64));
    let set = SharedFingerprintSet.create(budget, ctl);
    let stored = 0;
    let error: unknown = null;
    try {
      for (const [hi, lo] of fingerprints(20_000)) {
        if (set.add(hi, lo) === STORED_GROW) set = set.grown(budget);
        stored++;
      }
    } catch (e) {
      error = e;
    }
    expect(set.fixed).toBe(true);
    expect(error).toBeInstanceOf(LimitReached);
    // Past 3/4 of one segment (768 slots of 1024) it asked for growth and was refused; it then
    // went on to 15/16 of some segment (960): more than 3/4 of the whole table, less than all.
    expect(stored).toBeGreaterThan((3 * 1024 * SEGMENTS) / 4);
    expect(stored).toBeLessThan(1024 * SEGMENTS);
  });
});
