/**
 * 64-bit (or 96-bit) fingerprints and the visited set (after TLC's FPSet): the explorer keeps no
 * states, only their fingerprints, in an open-addressing table with linear probing.
 *
 * Layout: one Int32Array of (hi, lo) pairs, so a probe reads one cache line for 8 entries (with
 * 96-bit fingerprints, (hi, lo, ex) triples: 12 bytes a slot).
 * (0, 0) marks an empty entry; a fingerprint that hashes to (0, 0) is stored as (0, 1), which
 * merges two of 2^64 values. The table doubles at 3/4 load while the memory budget allows it;
 * past that it keeps filling up to 15/16 and then reports the memory limit.
 *
 * Hash compaction is unsound in principle: two distinct states with one fingerprint make the
 * second look visited. `collisionProbability` gives TLC's "optimistic" estimate of that risk.
 */

import { LimitReached, type MemoryBudget } from './memory.js';
import { I32, I64, VOID, instantiate, op, type Insn, type WasmFunction } from './wasm.js';

const P1 = BigInt.asIntN(64, 0x9e3779b185ebca87n);
const P2 = BigInt.asIntN(64, 0xc2b2ae3d27d4eb4fn);
const P3 = BigInt.asIntN(64, 0x165667b19e3779f9n);
const P4 = BigInt.asIntN(64, 0x85ebca77c2b2ae63n);
const P5 = BigInt.asIntN(64, 0x27d4eb2f165667c5n);

// Locals of xxh64(p, n): parameters, then the rest.
const [p, n, end, limit, v1, v2, v3, v4, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

/** XXH64's round: acc = rotl(acc + input * P2, 31) * P1, with the input already on the stack. */
const round = (acc: number): Insn[] => [
  [op.i64_const, P2],
  op.i64_mul,
  [op.local_get, acc],
  op.i64_add,
  [op.i64_const, 31],
  op.i64_rotl,
  [op.i64_const, P1],
  op.i64_mul,
];
/** round(0, input) with the input on the stack. */
const round0: Insn[] = [[op.i64_const, P2], op.i64_mul, [op.i64_const, 31], op.i64_rotl, [op.i64_const, P1], op.i64_mul];
const lane = (v: number, off: number): Insn[] => [[op.local_get, p], [op.i64_load, 3, off], ...round(v), [op.local_set, v]];
const merge = (v: number): Insn[] => [
  [op.local_get, h],
  [op.local_get, v],
  ...round0,
  op.i64_xor,
  [op.i64_const, P1],
  op.i64_mul,
  [op.i64_const, P4],
  op.i64_add,
  [op.local_set, h],
];
/** h = (h ^ (h >>> r)) * prime, or without the product: a step of XXH64's avalanche. */
const xorShift = (r: number, prime?: bigint): Insn[] => [
  [op.local_get, h],
  [op.local_get, h],
  [op.i64_const, r],
  op.i64_shr_u,
  op.i64_xor,
  ...(prime !== undefined ? ([[op.i64_const, prime], op.i64_mul] as Insn[]) : []),
  [op.local_set, h],
];
const rotl = (v: number, r: number): Insn[] => [[op.local_get, v], [op.i64_const, r], op.i64_rotl];

/**
 * XXH64 with `seed` of the n bytes at p, n a multiple of 4, stored at byte address `out` (a
 * WebAssembly global would be simpler, but reading one from JavaScript costs more than the
 * hash). This is the reference algorithm (Collet's xxHash, 64-bit variant), so a fingerprint can
 * be checked against any implementation of it.
 */
function xxh64Function(name: string, seed: bigint, out: number): WasmFunction {
  const c = (x: bigint) => BigInt.asIntN(64, x);
  return {
    name,
    params: [I32, I32],
    results: [],
    locals: [I32, I32, I64, I64, I64, I64, I64],
    body: [
      [op.local_get, p],
      [op.local_get, n],
      op.i32_add,
      [op.local_set, end],
      [op.local_get, n],
      [op.i32_const, 32],
      op.i32_ge_u,
      [op.if, VOID],
      [op.local_get, end],
      [op.i32_const, 32],
      op.i32_sub,
      [op.local_set, limit],
      [op.i64_const, c(seed + P1 + P2)],
      [op.local_set, v1],
      [op.i64_const, c(seed + P2)],
      [op.local_set, v2],
      [op.i64_const, c(seed)],
      [op.local_set, v3],
      [op.i64_const, c(seed - P1)],
      [op.local_set, v4],
      [op.loop, VOID],
      ...lane(v1, 0),
      ...lane(v2, 8),
      ...lane(v3, 16),
      ...lane(v4, 24),
      [op.local_get, p],
      [op.i32_const, 32],
      op.i32_add,
      [op.local_tee, p],
      [op.local_get, limit],
      op.i32_le_u,
      [op.br_if, 0],
      op.end,
      ...rotl(v1, 1),
      ...rotl(v2, 7),
      op.i64_add,
      ...rotl(v3, 12),
      op.i64_add,
      ...rotl(v4, 18),
      op.i64_add,
      [op.local_set, h],
      ...merge(v1),
      ...merge(v2),
      ...merge(v3),
      ...merge(v4),
      op.else,
      [op.i64_const, c(seed + P5)],
      [op.local_set, h],
      op.end,
      [op.local_get, h],
      [op.local_get, n],
      op.i64_extend_i32_u,
      op.i64_add,
      [op.local_set, h],
      // 8-byte chunks.
      [op.block, VOID],
      [op.loop, VOID],
      [op.local_get, p],
      [op.i32_const, 8],
      op.i32_add,
      [op.local_get, end],
      op.i32_gt_u,
      [op.br_if, 1],
      [op.local_get, h],
      [op.local_get, p],
      [op.i64_load, 3, 0],
      ...round0,
      op.i64_xor,
      [op.i64_const, 27],
      op.i64_rotl,
      [op.i64_const, P1],
      op.i64_mul,
      [op.i64_const, P4],
      op.i64_add,
      [op.local_set, h],
      [op.local_get, p],
      [op.i32_const, 8],
      op.i32_add,
      [op.local_set, p],
      [op.br, 0],
      op.end,
      op.end,
      // A last 4-byte word.
      [op.local_get, p],
      [op.i32_const, 4],
      op.i32_add,
      [op.local_get, end],
      op.i32_le_u,
      [op.if, VOID],
      [op.local_get, h],
      [op.local_get, p],
      [op.i64_load32_u, 2, 0],
      [op.i64_const, P1],
      op.i64_mul,
      op.i64_xor,
      [op.i64_const, 23],
      op.i64_rotl,
      [op.i64_const, P2],
      op.i64_mul,
      [op.i64_const, P3],
      op.i64_add,
      [op.local_set, h],
      op.end,
      // Avalanche.
      ...xorShift(33, P2),
      ...xorShift(29, P3),
      ...xorShift(32),
      [op.i32_const, out],
      [op.local_get, h],
      [op.i64_store, 3, 0],
    ],
  };
}

/** XXH64 (seed 0) at address 0: the 64-bit fingerprint, (hi, lo) = words 1, 0. */
export const XXH64: WasmFunction = xxh64Function('xxh64', 0n, 0);

/**
 * The seed of the extra word of a 96-bit fingerprint: XXH64 of the same bytes under another seed
 * is a hash independent of the first (as far as hashing goes), of which word 2 keeps the low half.
 */
export const EX_SEED = 0x5851f42d4c957f2dn;
/** XXH64 (seed EX_SEED) at address 8: a 96-bit fingerprint's third word is word 2. */
export const XXH64_EX: WasmFunction = xxh64Function('xxh64ex', EX_SEED, 8);

interface HashExports {
  xxh64(p: number, n: number): void;
  xxh64ex(p: number, n: number): void;
}

/**
 * Fingerprints of states: XXH64 of the state's words (little-endian bytes), computed by a small
 * WebAssembly function (src/check/wasm.ts says why), and with `wide` a third word from a second
 * seed (a 96-bit fingerprint). Each fingerprinter owns a memory; `buffer(words)` hands out state
 * buffers inside it, which `at` hashes where they lie; `of` copies an array into a scratch
 * buffer first.
 */
export class Fingerprinter {
  hi = 0;
  lo = 0;
  /** The third word of a 96-bit fingerprint (0 unless `wide`). */
  ex = 0;
  private readonly x: HashExports;
  private readonly mem: ArrayBuffer;
  /** Words 0-2 of the memory: the last result (lo, hi, ex). */
  private readonly result: Int32Array;
  private next = 16;
  private scratch: Int32Array | null = null;
  private scratchAt = 0;
  private scratchWords = 0;

  /** @param capacityWords room for the buffers handed out (words). */
  constructor(
    capacityWords = 1 << 12,
    readonly wide = false,
  ) {
    const pages = Math.max(1, Math.ceil((capacityWords * 4 + 64) / 65536));
    const x = instantiate<HashExports>({ pages, globals: [], functions: [XXH64, XXH64_EX] });
    this.x = x;
    this.mem = x.mem.buffer;
    this.result = new Int32Array(this.mem, 0, 3);
  }

  /** A zeroed state buffer of `words` words in this fingerprinter's memory. */
  buffer(words: number): Int32Array {
    const bytes = 4 * words;
    if (this.next + bytes > this.mem.byteLength) throw new RangeError('fingerprinter memory exhausted');
    const b = new Int32Array(this.mem, this.next, words);
    this.next += (bytes + 7) & ~7;
    return b;
  }

  /** Fingerprint of the `bytes` bytes at byte address `at` of this memory (a `buffer`). */
  at(at: number, bytes: number): void {
    this.x.xxh64(at, bytes);
    this.lo = this.result[0]!;
    this.hi = this.result[1]!;
    if (this.wide) {
      this.x.xxh64ex(at, bytes);
      this.ex = this.result[2]!;
    }
  }

  /**
   * Fingerprint of any array of words (copied in first: asking an array whether it lies in this
   * memory, through `.buffer`, costs more than the copy).
   */
  of(s: Int32Array): void {
    if (!this.scratch || this.scratch.length !== s.length) {
      // One scratch region, grown when a longer array comes (sizes rarely change).
      if (this.scratchWords < s.length) {
        this.scratchAt = this.buffer(s.length).byteOffset;
        this.scratchWords = s.length;
      }
      this.scratch = new Int32Array(this.mem, this.scratchAt, s.length);
    }
    this.scratch.set(s);
    this.at(this.scratchAt, this.scratch.byteLength);
  }
}

const MIN_CAPACITY = 1 << 12;
/** Largest table: 2^30 entries (8 GiB, 12 GiB wide); the typed-array limit is far above. */
const MAX_CAPACITY = 1 << 30;

/**
 * The sequential visited set. An entry is (hi, lo), or with `wide` (hi, lo, ex): 8 or 12 bytes.
 * Empty is hi = lo = 0 in either width.
 */
export class FingerprintSet {
  private table: Int32Array;
  private mask: number;
  private readonly stride: number;
  size = 0;

  constructor(
    private readonly budget: MemoryBudget,
    capacity = MIN_CAPACITY,
    readonly wide = false,
  ) {
    let c = MIN_CAPACITY;
    while (c < capacity) c *= 2;
    this.stride = wide ? 3 : 2;
    this.table = budget.alloc(Int32Array, this.stride * c, 'visited-state table');
    this.mask = c - 1;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get bytes(): number {
    return this.table.byteLength;
  }

  /** Adds fingerprint (hi, lo[, ex]); true if it was not there. Throws LimitReached when full. */
  add(hi: number, lo: number, ex = 0): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const t = this.table;
    const mask = this.mask;
    const w = this.stride;
    let i = lo & mask;
    for (;;) {
      const h = t[w * i]!;
      const l = t[w * i + 1]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo && (w === 2 || t[w * i + 2] === ex)) return false;
      i = (i + 1) & mask;
    }
    if (4 * (this.size + 1) > 3 * (mask + 1) && this.grow()) return this.add(hi, lo, ex);
    if (16 * (this.size + 1) > 15 * (mask + 1)) {
      throw new LimitReached('memory', `visited-state table full (${this.size} states) within the memory cap`);
    }
    t[w * i] = hi;
    t[w * i + 1] = lo;
    if (w === 3) t[w * i + 2] = ex;
    this.size++;
    return true;
  }

  has(hi: number, lo: number, ex = 0): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const t = this.table;
    const mask = this.mask;
    const w = this.stride;
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const h = t[w * i]!;
      const l = t[w * i + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo && (w === 2 || t[w * i + 2] === ex)) return true;
    }
  }

  /** Doubles the table if the budget allows; false if it cannot. */
  private grow(): boolean {
    const cap = 2 * (this.mask + 1);
    const w = this.stride;
    if (cap > MAX_CAPACITY || !this.budget.canAfford(w * cap * 4)) return false;
    let next: Int32Array;
    try {
      next = this.budget.alloc(Int32Array, w * cap, 'visited-state table');
    } catch (e) {
      if (e instanceof LimitReached) return false;
      throw e;
    }
    const old = this.table;
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += w) {
      const h = old[j]!;
      const l = old[j + 1]!;
      if (h === 0 && l === 0) continue;
      let i = l & mask;
      while (next[w * i] !== 0 || next[w * i + 1] !== 0) i = (i + 1) & mask;
      next[w * i] = h;
      next[w * i + 1] = l;
      if (w === 3) next[w * i + 2] = old[j + 2]!;
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
 * same fingerprint, among `distinct` stored ones, each with probability 2^-bits.
 */
export function collisionProbability(distinct: number, generated: number, bits: 64 | 96 = 64): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** bits;
}
