/**
 * The parallel explorer's visited set: one open-addressing table of 64-bit fingerprints in a
 * SharedArrayBuffer, which every thread inserts into at once without a lock (Laarman, van de Pol
 * and Weber, "Boosting multi-core reachability performance with shared hash tables", FMCAD 2010;
 * the table of LTSmin and of SPIN's multi-core BFS).
 *
 * A slot is two Int32 words, (lo, hi). A slot is claimed by a compare-and-swap of its lo word
 * from 0 (empty) to the fingerprint's lo; the winner then stores hi. Neither word of a stored
 * fingerprint is ever 0 (a 0 is read as 1: a fingerprint with a 0 word shares its slot with the
 * one reading 1 there, one more way to collide among 2^64), so a reader that finds its lo in a
 * slot whose hi is still 0 knows the winner is between its two stores and waits for hi: without
 * that wait two threads could both store the same state. Lookups read plainly (a stale empty
 * word only costs a failed CAS and a second look); nothing is ever deleted.
 *
 * The table does not grow by itself: the count of stored fingerprints is one shared word
 * (Atomics.add), the inserting thread asks for growth past 3/4 load (`wantsGrowth`), and the
 * coordinator rehashes into a table twice the size while every thread is paused (parallel.ts).
 * Past 15/16 an insert throws LimitReached, as the sequential set does when it cannot grow.
 */

import { LimitReached, type MemoryBudget } from './memory.js';

/** Index of the stored-fingerprint count in the control words passed in. */
export const COUNT = 0;

// Small, as the sequential set's: a thread that asks for growth at 3/4 load finishes its state,
// and so may the others, before they all pause: 1/16 of 4096 slots is room for that.
const MIN_CAPACITY = 1 << 12;
const MAX_CAPACITY = 1 << 30;

export class SharedFingerprintSet {
  readonly table: Int32Array;
  readonly mask: number;

  /** `table`'s buffer holds 2 × capacity words; `ctl[COUNT]` counts what it holds. */
  constructor(
    readonly buffer: SharedArrayBuffer,
    private readonly ctl: Int32Array,
    /** No bigger table can be had: fill to 15/16 instead of asking for growth. */
    readonly fixed = false,
  ) {
    this.table = new Int32Array(buffer);
    this.mask = this.table.length / 2 - 1;
  }

  /** An empty table of at least `capacity` slots, counted in `budget`. */
  static create(budget: MemoryBudget, ctl: Int32Array, capacity = MIN_CAPACITY): SharedFingerprintSet {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    return new SharedFingerprintSet(sharedBytes(budget, 8 * c, 'visited-state table'), ctl);
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get size(): number {
    return Atomics.load(this.ctl, COUNT);
  }

  /** Past 3/4 load, and a bigger table may be had. */
  wantsGrowth(): boolean {
    return !this.fixed && 4 * this.size > 3 * this.capacity;
  }

  /**
   * Adds fingerprint (hi, lo). Returns the count of stored fingerprints if this call stored it,
   * 0 if it was there (or another thread stored it first).
   */
  add(hi: number, lo: number): number {
    if (lo === 0) lo = 1;
    if (hi === 0) hi = 1;
    const t = this.table;
    const mask = this.mask;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      let l = t[2 * i]!;
      if (l === 0) {
        l = Atomics.compareExchange(t, 2 * i, 0, lo);
        if (l === 0) {
          Atomics.store(t, 2 * i + 1, hi);
          const n = Atomics.add(this.ctl, COUNT, 1) + 1;
          if (16 * n > 15 * (mask + 1)) {
            throw new LimitReached('memory', `visited-state table full (${n} states) within the memory cap`);
          }
          return n;
        }
      }
      if (l !== lo) continue;
      let h = t[2 * i + 1]!;
      // The slot's winner has stored lo and not yet hi: wait for it (two stores apart).
      while (h === 0) h = Atomics.load(t, 2 * i + 1);
      if (h === hi) return 0;
    }
  }

  /**
   * A table of twice the capacity holding the same fingerprints, counted in `budget` (this one
   * is freed from it); null if the budget or the size limit does not allow it. Every thread
   * must be paused: the copy reads the table plainly.
   */
  grown(budget: MemoryBudget): SharedFingerprintSet | null {
    const cap = 2 * this.capacity;
    if (cap > MAX_CAPACITY || !budget.canAfford(8 * cap)) return null;
    let buf: SharedArrayBuffer;
    try {
      buf = sharedBytes(budget, 8 * cap, 'visited-state table');
    } catch (e) {
      if (e instanceof LimitReached) return null;
      throw e;
    }
    const next = new Int32Array(buf);
    const mask = cap - 1;
    const old = this.table;
    for (let j = 0; j < old.length; j += 2) {
      const l = old[j]!;
      if (l === 0) continue;
      let i = l & mask;
      while (next[2 * i] !== 0) i = (i + 1) & mask;
      next[2 * i] = l;
      next[2 * i + 1] = old[j + 1]!;
    }
    budget.free(this.buffer);
    return new SharedFingerprintSet(buf, this.ctl);
  }

  /** The same table, marked as unable to grow. */
  asFixed(): SharedFingerprintSet {
    return new SharedFingerprintSet(this.buffer, this.ctl, true);
  }
}

/** A zeroed SharedArrayBuffer of `bytes`, counted in `budget`. */
export function sharedBytes(budget: MemoryBudget, bytes: number, what: string): SharedArrayBuffer {
  if (!budget.canAfford(bytes)) throw new LimitReached('memory', `memory cap reached (growing the ${what})`);
  let b: SharedArrayBuffer;
  try {
    b = new SharedArrayBuffer(bytes);
  } catch (e) {
    if (e instanceof RangeError) throw new LimitReached('memory', `allocation of ${bytes} bytes for the ${what} failed`);
    throw e;
  }
  budget.used += bytes;
  if (budget.used > budget.peak) budget.peak = budget.used;
  return b;
}
