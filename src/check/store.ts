/**
 * Compact stores for the explorer: the queue of states waiting to be expanded, and the trace
 * links (parent and action) of every visited state.
 *
 * Queue encoding. States are written in discovery order, and successive entries are mostly
 * siblings, so each state is stored as its difference from the previous entry: pairs
 * (number of unchanged words, new value), LEB128 varints. Values are made small first: plain
 * words as v+1 (so NONE = -1 is 0), tokens as version << writerBits | writer. A typical state
 * of 75 words takes 15-30 bytes. Every `keyframe` entries the base is reset to zeros, so a
 * reader can start at any keyframe (the parallel explorer hands out keyframe-aligned chunks).
 */

import type { MemoryBudget } from './memory.js';

const CHUNK_BYTES = 1 << 18;

/** Encodes words as small unsigned numbers, and back. */
export class WordCodec {
  private readonly isToken: Uint8Array;
  private readonly vb: number;
  private readonly wb: number;
  private readonly wmask: number;

  constructor(words: number, tokenOffsets: Int32Array, versionBits: number, writerCount: number) {
    this.isToken = new Uint8Array(words);
    for (const o of tokenOffsets) this.isToken[o] = 1;
    this.vb = versionBits;
    let wb = 1;
    while (1 << wb < writerCount) wb++;
    this.wb = wb;
    this.wmask = (1 << wb) - 1;
  }

  encode(j: number, v: number): number {
    if (this.isToken[j]) return v <= 1 ? v : (((v & ((1 << this.vb) - 1)) << this.wb) | (v >>> this.vb)) >>> 0;
    return (v + 1) >>> 0;
  }

  decode(j: number, u: number): number {
    if (this.isToken[j]) return u <= 1 ? u : ((u & this.wmask) << this.vb) | (u >>> this.wb);
    return (u - 1) | 0;
  }
}

/** A FIFO of states in delta-encoded byte chunks, freed as they are consumed. */
export class StateQueue {
  private readonly chunks: Uint8Array[] = [];
  private readonly lengths: number[] = [];
  private wChunk: Uint8Array | null = null;
  private wPos = 0;
  private readonly wPrev: Int32Array;
  private wCount = 0;
  private rIndex = 0;
  private rPos = 0;
  private readonly rPrev: Int32Array;
  private rCount = 0;
  /** Entries written and not yet read. */
  size = 0;
  private readonly maxEntry: number;

  constructor(
    private readonly words: number,
    private readonly codec: WordCodec,
    private readonly budget: MemoryBudget,
    private readonly keyframe = 1024,
  ) {
    this.wPrev = new Int32Array(words);
    this.rPrev = new Int32Array(words);
    this.maxEntry = words * 10 + 10;
  }

  get bytes(): number {
    let b = 0;
    for (let i = this.rIndex; i < this.chunks.length; i++) b += this.chunks[i]!.byteLength;
    return b;
  }

  push(s: Int32Array): void {
    if (!this.wChunk || this.wPos + this.maxEntry > this.wChunk.length) {
      if (this.wChunk) this.lengths[this.chunks.length - 1] = this.wPos;
      this.wChunk = this.budget.alloc(Uint8Array, Math.max(CHUNK_BYTES, this.maxEntry), 'state queue');
      this.chunks.push(this.wChunk);
      this.lengths.push(0);
      this.wPos = 0;
    }
    if (this.wCount++ % this.keyframe === 0) this.wPrev.fill(0);
    const buf = this.wChunk;
    const prev = this.wPrev;
    const codec = this.codec;
    let p = this.wPos;
    let skip = 0;
    for (let j = 0; j < this.words; j++) {
      const v = s[j]!;
      if (v === prev[j]) {
        skip++;
        continue;
      }
      prev[j] = v;
      let u = skip;
      while (u >= 0x80) {
        buf[p++] = (u & 0x7f) | 0x80;
        u >>>= 7;
      }
      buf[p++] = u;
      skip = 0;
      u = codec.encode(j, v);
      while (u >= 0x80) {
        buf[p++] = (u & 0x7f) | 0x80;
        u >>>= 7;
      }
      buf[p++] = u;
    }
    if (skip > 0) {
      let u = skip;
      while (u >= 0x80) {
        buf[p++] = (u & 0x7f) | 0x80;
        u >>>= 7;
      }
      buf[p++] = u;
    }
    this.wPos = p;
    this.lengths[this.chunks.length - 1] = p;
    this.size++;
  }

  /** Reads the oldest entry into `out`. The queue must not be empty. */
  shift(out: Int32Array): void {
    let chunk = this.chunks[this.rIndex]!;
    if (this.rPos >= this.lengths[this.rIndex]!) {
      // Done with this chunk: free it and move on.
      this.budget.free(chunk);
      (this.chunks as (Uint8Array | null)[])[this.rIndex] = null;
      this.rIndex++;
      this.rPos = 0;
      chunk = this.chunks[this.rIndex]!;
    }
    if (this.rCount++ % this.keyframe === 0) this.rPrev.fill(0);
    const prev = this.rPrev;
    const codec = this.codec;
    const n = this.words;
    let p = this.rPos;
    let j = 0;
    for (;;) {
      let u = 0;
      let sh = 0;
      let b: number;
      do {
        b = chunk[p++]!;
        u |= (b & 0x7f) << sh;
        sh += 7;
      } while (b & 0x80);
      j += u;
      if (j >= n) break;
      u = 0;
      sh = 0;
      do {
        b = chunk[p++]!;
        u |= (b & 0x7f) << sh;
        sh += 7;
      } while (b & 0x80);
      prev[j] = codec.decode(j, u >>> 0);
      j++;
      if (j >= n) break;
    }
    this.rPos = p;
    out.set(prev);
    this.size--;
  }

  /** Frees everything. */
  dispose(): void {
    for (let i = this.rIndex; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c) this.budget.free(c);
    }
    this.chunks.length = 0;
  }
}

/** An append-only typed array in fixed chunks (no copying on growth, exact accounting). */
export class ChunkedArray<T extends Int32Array | Uint16Array> {
  private static readonly SHIFT = 16;
  private readonly chunks: T[] = [];
  length = 0;
  constructor(
    private readonly ctor: { new (n: number): T; readonly BYTES_PER_ELEMENT: number },
    private readonly budget: MemoryBudget,
    private readonly what: string,
  ) {}

  push(v: number): void {
    const c = this.length >>> ChunkedArray.SHIFT;
    if (c === this.chunks.length) this.chunks.push(this.budget.alloc(this.ctor, 1 << ChunkedArray.SHIFT, this.what));
    this.chunks[c]![this.length & ((1 << ChunkedArray.SHIFT) - 1)] = v;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[i >>> ChunkedArray.SHIFT]![i & ((1 << ChunkedArray.SHIFT) - 1)]!;
  }

  get bytes(): number {
    return this.chunks.length * (this.ctor.BYTES_PER_ELEMENT << ChunkedArray.SHIFT);
  }
}
