/**
 * 64-bit fingerprints and the visited set (after TLC's FPSet): the explorer keeps no states,
 * only their fingerprints, in an open-addressing table with linear probing.
 *
 * Layout: one Int32Array of (hi, lo) pairs, so a probe reads one cache line for 8 entries.
 * (0, 0) marks an empty entry; a fingerprint that hashes to (0, 0) is stored as (0, 1), which
 * merges two of 2^64 values. The table doubles at 3/4 load while the memory budget allows it;
 * past that it keeps filling up to 15/16 and then reports the memory limit.
 *
 * Hash compaction is unsound in principle: two distinct states with one fingerprint make the
 * second look visited. `collisionProbability` gives TLC's "optimistic" estimate of that risk.
 */

import { LimitReached, type MemoryBudget } from './memory.js';

/** Fingerprint of `s`: two murmur3 lanes, cross-mixed (as murmur3_x86_64 finalises). */
export class Fingerprinter {
  hi = 0;
  lo = 0;
  of(s: Int32Array): void {
    let h1 = 0x2f1a3c5b;
    let h2 = 0x6b43a9b5;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const w = s[i]!;
      let k1 = Math.imul(w, 0xcc9e2d51);
      k1 = (k1 << 15) | (k1 >>> 17);
      k1 = Math.imul(k1, 0x1b873593);
      h1 ^= k1;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
      let k2 = Math.imul(w, 0x85ebca6b);
      k2 = (k2 << 17) | (k2 >>> 15);
      k2 = Math.imul(k2, 0xc2b2ae35);
      h2 ^= k2;
      h2 = (h2 << 15) | (h2 >>> 17);
      h2 = (Math.imul(h2, 5) + 0x38495ab5) | 0;
    }
    h1 ^= n;
    h2 ^= n;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    this.hi = h1;
    this.lo = h2;
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const MIN_CAPACITY = 1 << 12;
/** Largest table: 2^30 entries (8 GiB); the typed-array limit is far above. */
const MAX_CAPACITY = 1 << 30;

export class FingerprintSet {
  private table: Int32Array;
  private mask: number;
  size = 0;

  constructor(
    private readonly budget: MemoryBudget,
    capacity = MIN_CAPACITY,
  ) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.table = budget.alloc(Int32Array, 2 * c, 'visited-state table');
    this.mask = c - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** Adds fingerprint (hi, lo); true if it was not there. Throws LimitReached when full. */
  add(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const t = this.table;
    const mask = this.mask;
    let i = lo & mask;
    for (;;) {
      const h = t[2 * i]!;
      const l = t[2 * i + 1]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & mask;
    }
    if (4 * (this.size + 1) > 3 * (mask + 1) && this.grow()) return this.add(hi, lo);
    if (16 * (this.size + 1) > 15 * (mask + 1)) {
      throw new LimitReached('memory', `visited-state table full (${this.size} states) within the memory cap`);
    }
    t[2 * i] = hi;
    t[2 * i + 1] = lo;
    this.size++;
    return true;
  }

  has(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const t = this.table;
    const mask = this.mask;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = t[2 * i]!;
      const l = t[2 * i + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
    }
  }

  /** Doubles the table if the budget allows; false if it cannot. */
  private grow(): boolean {
    const cap = 2 * (this.mask + 1);
    if (cap > MAX_CAPACITY || !this.budget.canAfford(2 * cap * 4)) return false;
    let next: Int32Array;
    try {
      next = this.budget.alloc(Int32Array, 2 * cap, 'visited-state table');
    } catch (e) {
      if (e instanceof LimitReached) return false;
      throw e;
    }
    const old = this.table;
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const h = old[j]!;
      const l = old[j + 1]!;
      if (h === 0 && l === 0) continue;
      let i = l & mask;
      while (next[2 * i] !== 0 || next[2 * i + 1] !== 0) i = (i + 1) & mask;
      next[2 * i] = h;
      next[2 * i + 1] = l;
    }
    this.table = next;
    this.mask = mask;
    this.budget.free(old);
    return true;
  }
}

/**
 * TLC's optimistic estimate of the probability that some state was wrongly taken as visited:
 * each of the (generated - distinct) lookups that hit could have hit a different state with the
 * same fingerprint, among `distinct` stored ones, each with probability 2^-64.
 */
export function collisionProbability(distinct: number, generated: number): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** 64;
}
