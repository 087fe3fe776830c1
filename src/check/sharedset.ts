/**
 * The parallel explorer's visited set: one open-addressing table of 64-bit fingerprints in a
 * SharedArrayBuffer, which every thread inserts into at once without a lock (Laarman, van de Pol
 * and Weber, "Boosting multi-core reachability performance with shared hash tables", FMCAD 2010;
 * the table of LTSmin and of SPIN's multi-core BFS).
 *
 * A slot is two Int32 words, (lo, hi), or with 96-bit fingerprints three, (lo, hi, ex). A slot
 * is claimed by a compare-and-swap of its lo word from 0 (empty) to the fingerprint's lo; the
 * winner then stores ex (when wide) and hi, in that order: hi is the slot's ready flag. Neither word of a stored
 * fingerprint is ever 0 (a 0 is read as 1: a fingerprint with a 0 word shares its slot with the
 * one reading 1 there, one more way to collide among 2^64), so a reader that finds its lo in a
 * slot whose hi is still 0 knows the winner is between its two stores and waits for hi: without
 * that wait two threads could both store the same state. Lookups read plainly (a stale empty
 * word only costs a failed CAS and a second look); nothing is ever deleted.
 *
 * The table is cut into SEGMENTS segments by the top bits of hi (each its own buffer, each an
 * open-addressing table indexed by lo), so that it grows a segment at a time: doubling the whole
 * table at once needs the old and the new table together (3 times the old size at the peak:
 * at 500 M states, 4.3 GB plus 8.6 GB, more than a 16 GB run could spare beside its levels);
 * doubling one segment needs 1/16 of that. Fingerprints are uniform, so the segments fill
 * alike. A segment does not grow by itself: its count is a shared word (Atomics.add), the
 * inserting thread learns from `add` that the segment is past 3/4 load, and the coordinator
 * rehashes every such segment into one twice the size while every thread is paused
 * (parallel.ts). When a segment cannot grow (the memory cap), the table is fixed: every segment
 * then fills to 15/16, past which an insert throws LimitReached, as the sequential set does
 * when it cannot grow.
 */

import { LimitReached, type MemoryBudget } from './memory.js';

/** Control words [COUNT, COUNT + SEGMENTS) count what each segment holds (one cache line). */
export const COUNT = 0;
export const SEGMENTS = 16;
const SEGMENT_SHIFT = 28; // 32 - log2(SEGMENTS)

// Small, as the sequential set's: a thread that learns a segment is past 3/4 load finishes its
// state, and so may the others, before they all pause: 1/16 of 1024 slots is room for that
// (a state's successors spread over every segment).
const MIN_SEGMENT = 1 << 10;
/** 2^31 slots in all: about two billion states, a 17 GB table (26 GB with 96-bit fingerprints). */
const MAX_SEGMENT = 1 << 27;

/** What `add` did. */
export const PRESENT = 0;
export const STORED = 1;
/** Stored, and the segment is now past 3/4 load: ask the coordinator to grow it. */
export const STORED_GROW = 2;

export class SharedFingerprintSet {
  private readonly tables: Int32Array[];
  private readonly masks: Int32Array;
  /** Per segment, the count past which it asks for growth (never, when fixed). */
  private readonly growAt: Float64Array;

  /** Words a slot: 2, or 3 with 96-bit fingerprints. */
  private readonly stride: number;

  /**
   * `buffers[j]` holds stride × capacity words of segment j; `ctl[COUNT + j]` counts what it
   * holds.
   */
  constructor(
    readonly buffers: readonly SharedArrayBuffer[],
    private readonly ctl: Int32Array,
    /** No bigger segment can be had: fill to 15/16 instead of asking for growth. */
    readonly fixed = false,
    /** 96-bit fingerprints: three words a slot. */
    readonly wide = false,
  ) {
    this.stride = wide ? 3 : 2;
    this.tables = buffers.map((b) => new Int32Array(b));
    this.masks = Int32Array.from(this.tables, (t) => t.length / this.stride - 1);
    this.growAt = Float64Array.from(this.masks, (m) => (fixed ? Number.POSITIVE_INFINITY : Math.floor((3 * (m + 1)) / 4)));
  }

  /** An empty table of at least `capacity` slots in all, counted in `budget`. */
  static create(budget: MemoryBudget, ctl: Int32Array, capacity = 0, wide = false): SharedFingerprintSet {
    let c = MIN_SEGMENT;
    while (c * SEGMENTS < capacity) c *= 2;
    const buffers = Array.from({ length: SEGMENTS }, () => sharedBytes(budget, (wide ? 12 : 8) * c, 'visited-state table'));
    return new SharedFingerprintSet(buffers, ctl, false, wide);
  }

  /** Slots in all segments. */
  get capacity(): number {
    let n = 0;
    for (const m of this.masks) n += m + 1;
    return n;
  }

  get size(): number {
    let n = 0;
    for (let j = 0; j < SEGMENTS; j++) n += Atomics.load(this.ctl, COUNT + j);
    return n;
  }

  /**
   * Adds fingerprint (hi, lo[, ex]): PRESENT if it was there (or another thread stored it
   * first).
   */
  add(hi: number, lo: number, ex = 0): number {
    if (lo === 0) lo = 1;
    if (hi === 0) hi = 1;
    const j = hi >>> SEGMENT_SHIFT;
    const t = this.tables[j]!;
    const mask = this.masks[j]!;
    const w = this.stride;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      let l = t[w * i]!;
      if (l === 0) {
        l = Atomics.compareExchange(t, w * i, 0, lo);
        if (l === 0) {
          if (w === 3) Atomics.store(t, w * i + 2, ex);
          Atomics.store(t, w * i + 1, hi);
          const n = Atomics.add(this.ctl, COUNT + j, 1) + 1;
          if (16 * n > 15 * (mask + 1)) {
            throw new LimitReached('memory', `visited-state table full (${this.size} states) within the memory cap`);
          }
          return n > this.growAt[j]! ? STORED_GROW : STORED;
        }
      }
      if (l !== lo) continue;
      let h = t[w * i + 1]!;
      // The slot's winner has stored lo and not yet hi: wait for it (two stores apart). Its ex
      // was stored before its hi, so it is there once hi is.
      while (h === 0) h = Atomics.load(t, w * i + 1);
      if (h === hi && (w === 2 || Atomics.load(t, w * i + 2) === ex)) return PRESENT;
    }
  }

  /**
   * The table with every segment past 3/4 load rehashed into one twice the size (the old one
   * freed from `budget`), or, when the budget or the size limit does not allow one of them, the
   * table so far marked fixed. Every thread must be paused: the copy reads the segment plainly.
   */
  grown(budget: MemoryBudget): SharedFingerprintSet {
    const buffers = [...this.buffers];
    for (let j = 0; j < SEGMENTS; j++) {
      const cap = this.masks[j]! + 1;
      if (4 * Atomics.load(this.ctl, COUNT + j) <= 3 * cap) continue;
      const next = 2 * cap <= MAX_SEGMENT ? grownSegment(this.tables[j]!, this.stride, budget) : null;
      if (!next) return new SharedFingerprintSet(buffers, this.ctl, true, this.wide);
      budget.free(buffers[j]!);
      buffers[j] = next;
    }
    return new SharedFingerprintSet(buffers, this.ctl, false, this.wide);
  }
}

/**
 * Segment `old`'s fingerprints (`w` words a slot) in a segment of twice its slots; null if the
 * budget does not allow it.
 */
function grownSegment(old: Int32Array, w: number, budget: MemoryBudget): SharedArrayBuffer | null {
  const cap = (2 * old.length) / w; // the new slot count
  let buf: SharedArrayBuffer;
  try {
    buf = sharedBytes(budget, 4 * w * cap, 'visited-state table');
  } catch (e) {
    if (e instanceof LimitReached) return null;
    throw e;
  }
  const next = new Int32Array(buf);
  const mask = cap - 1;
  for (let k = 0; k < old.length; k += w) {
    const l = old[k]!;
    if (l === 0) continue;
    let i = l & mask;
    while (next[w * i] !== 0) i = (i + 1) & mask;
    next[w * i] = l;
    next[w * i + 1] = old[k + 1]!;
    if (w === 3) next[w * i + 2] = old[k + 2]!;
  }
  return buf;
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
