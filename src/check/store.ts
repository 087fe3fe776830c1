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
 * `push` encodes with a WebAssembly function generated per state shape (each word's kind built
 * in); `pushJs` is the same encoder in JavaScript, the readable statement of the format, and
 * the tests hold the two to identical bytes.
 */

import type { MemoryBudget } from './memory.js';
import { I32, MemoryPlan, instantiate, op, st, x, type Code, type WasmFunction } from './wasm.js';

const CHUNK_BYTES = 1 << 18;

/** Encodes words as small unsigned numbers, and back. */
export class WordCodec {
  readonly isToken: Uint8Array;
  /** Version bits of a token; bits its writer takes in the encoded form. */
  readonly vb: number;
  readonly wb: number;
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

/**
 * The push side of the queue's encoding as a WebAssembly function (wasm.ts says why):
 * encode() compares the state at `inp` with the previous entry at `prev` word by word, updates
 * `prev`, and writes the entry's bytes at `out`; it returns their number. Each word's kind (token
 * or plain) is a constant of the unrolled code. It computes exactly what `StateQueue.pushJs`
 * does, which stays the readable statement of the format.
 */
function deltaEncoder(codec: WordCodec, words: number, prev: number, inp: number, out: number): WasmFunction {
  const L = { v: 0, u: 1, p: 2, skip: 3 };
  const g = x.get;
  /** Writes local u as an unsigned LEB128 varint at p. */
  const emit: Code = [
    ...st.while(x.geu(g(L.u), x.c(0x80)), [
      ...g(L.p),
      ...x.or(g(L.u), x.c(0x80)),
      [op.i32_store8, 0, 0],
      ...st.inc(L.p),
      ...st.set(L.u, x.shru(g(L.u), x.c(7))),
    ]),
    ...g(L.p),
    ...g(L.u),
    [op.i32_store8, 0, 0],
    ...st.inc(L.p),
  ];
  // A run of unchanged words is shorter than the state: one byte when the state has fewer
  // than 128 words (the varint's single-byte case), which keeps the unrolled code small.
  const emitSkip: Code =
    words < 128 ? [...g(L.p), ...g(L.skip), [op.i32_store8, 0, 0], ...st.inc(L.p)] : [...st.set(L.u, g(L.skip)), ...emit];
  const vmask = (1 << codec.vb) - 1;
  const body: Code[] = [st.set(L.p, x.c(out)), st.set(L.skip, x.c(0))];
  const word = (j: number): Code => {
    const value: Code = codec.isToken[j]
      ? x.select(g(L.v), x.or(x.shl(x.and(g(L.v), x.c(vmask)), x.c(codec.wb)), x.shru(g(L.v), x.c(codec.vb))), x.le(g(L.v), x.c(1)))
      : x.add(g(L.v), x.c(1));
    return [
      ...st.set(L.v, x.ldo(x.c(0), inp + 4 * j)),
      ...st.if(x.eq(g(L.v), x.ldo(x.c(0), prev + 4 * j)), st.inc(L.skip), [
        ...st.sto(x.c(0), prev + 4 * j, g(L.v)),
        ...emitSkip,
        ...st.set(L.skip, x.c(0)),
        ...st.set(L.u, value),
        ...emit,
      ]),
    ];
  };
  // Most words equal the previous entry's: compare two at a time (both arrays are 8-byte
  // aligned), and look at single words only where a pair differs.
  for (let j = 0; j < words; j += 2) {
    if (j + 1 === words) {
      body.push(word(j));
      continue;
    }
    body.push([
      ...x.c(0),
      [op.i64_load, 3, inp + 4 * j],
      ...x.c(0),
      [op.i64_load, 3, prev + 4 * j],
      op.i64_eq,
      ...st.if([], st.inc(L.skip, 2), [...word(j), ...word(j + 1)]),
    ]);
  }
  body.push(st.if(x.gt(g(L.skip), x.c(0)), emitSkip));
  body.push(x.sub(g(L.p), x.c(out)));
  return { name: 'encode', params: [], results: [I32], locals: [I32, I32, I32, I32], body: body.flat() };
}

/**
 * An instance of the queue's encoder: copy a state into `inp`, call `encode()`, and the entry's
 * bytes (its difference from `prev`, which it then becomes) are the first ones of `out`. Zeroing
 * `prev` makes the next entry a keyframe.
 */
export interface DeltaEncoder {
  readonly prev: Int32Array;
  readonly inp: Int32Array;
  readonly out: Uint8Array;
  readonly maxEntry: number;
  encode(): number;
}

export function deltaEncoderFor(codec: WordCodec, words: number): DeltaEncoder {
  const maxEntry = words * 10 + 10;
  const mp = new MemoryPlan();
  const prev = mp.words(words);
  const inp = mp.words(words);
  const out = mp.words(Math.ceil(maxEntry / 4));
  const enc = instantiate<{ encode(): number }>({
    pages: mp.pages,
    globals: [],
    functions: [deltaEncoder(codec, words, prev, inp, out)],
  });
  const mem = enc.mem.buffer;
  return {
    prev: new Int32Array(mem, prev, words),
    inp: new Int32Array(mem, inp, words),
    out: new Uint8Array(mem, out, maxEntry),
    maxEntry,
    encode: enc.encode,
  };
}

/**
 * Decodes the entry at byte `p` of `buf` onto `prev` (the previous entry, or zeros at a
 * keyframe), which becomes the state; returns the byte after it. StateQueue.shift reads with
 * it, and so do readers of entries outside a queue (the parallel explorer's level chunks).
 */
export function decodeEntry(buf: Uint8Array, p: number, prev: Int32Array, codec: WordCodec): number {
  const n = prev.length;
  let j = 0;
  for (;;) {
    let u = 0;
    let sh = 0;
    let b: number;
    do {
      b = buf[p++]!;
      u |= (b & 0x7f) << sh;
      sh += 7;
    } while (b & 0x80);
    j += u;
    if (j >= n) return p;
    u = 0;
    sh = 0;
    do {
      b = buf[p++]!;
      u |= (b & 0x7f) << sh;
      sh += 7;
    } while (b & 0x80);
    prev[j] = codec.decode(j, u >>> 0);
    j++;
    if (j >= n) return p;
  }
}

/** A FIFO of states in delta-encoded byte chunks, freed as they are consumed. */
export class StateQueue {
  private readonly chunks: Uint8Array[] = [];
  private readonly lengths: number[] = [];
  private wChunk: Uint8Array | null = null;
  private wPos = 0;
  /** The previous entry written, in the encoder's memory. */
  private readonly wPrev: Int32Array;
  /** Where push copies the state for the encoder, and where the encoder writes its bytes. */
  private readonly wInp: Int32Array;
  private readonly wOut: Uint8Array;
  private readonly encode: () => number;
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
    this.rPrev = new Int32Array(words);
    this.maxEntry = words * 10 + 10;
    const enc = deltaEncoderFor(codec, words);
    this.wPrev = enc.prev;
    this.wInp = enc.inp;
    this.wOut = enc.out;
    this.encode = enc.encode;
  }

  get bytes(): number {
    let b = 0;
    for (let i = this.rIndex; i < this.chunks.length; i++) b += this.chunks[i]!.byteLength;
    return b;
  }

  /** Appends `s`. */
  push(s: Int32Array): void {
    this.room();
    if (this.wCount++ % this.keyframe === 0) this.wPrev.fill(0);
    this.wInp.set(s);
    const n = this.encode();
    const buf = this.wChunk!;
    const src = this.wOut;
    let p = this.wPos;
    for (let k = 0; k < n; k++) buf[p++] = src[k]!;
    this.wPos = p;
    this.lengths[this.chunks.length - 1] = p;
    this.size++;
  }

  /** Starts a new chunk when the current one may not hold another entry. */
  private room(): void {
    if (!this.wChunk || this.wPos + this.maxEntry > this.wChunk.length) {
      if (this.wChunk) this.lengths[this.chunks.length - 1] = this.wPos;
      this.wChunk = this.budget.alloc(Uint8Array, Math.max(CHUNK_BYTES, this.maxEntry), 'state queue');
      this.chunks.push(this.wChunk);
      this.lengths.push(0);
      this.wPos = 0;
    }
  }

  /**
   * `push` in JavaScript: the statement of the format the WebAssembly encoder writes (the tests
   * check that the two write the same bytes).
   */
  pushJs(s: Int32Array): void {
    this.room();
    if (this.wCount++ % this.keyframe === 0) this.wPrev.fill(0);
    const buf = this.wChunk!;
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

  /** The bytes written so far and not yet freed (for tests). */
  encoded(): number[] {
    const out: number[] = [];
    for (let i = this.rIndex; i < this.chunks.length; i++) out.push(...this.chunks[i]!.subarray(0, this.lengths[i]));
    return out;
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
    this.rPos = decodeEntry(chunk, this.rPos, this.rPrev, this.codec);
    out.set(this.rPrev);
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
