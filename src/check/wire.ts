/**
 * The varint wire form of states and records, for the cluster explorer (src/cluster/explore.ts):
 * between processes through Redis, bytes are the cost, so a state is written as (skip, value)
 * varint pairs of its nonzero words.
 */

import { LimitReached, type MemoryBudget } from './memory.js';
import type { WordCodec } from './store.js';

export class ByteWriter {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  constructor(private readonly budget: MemoryBudget) {
    budget.used += this.buf.byteLength;
    budget.peak = Math.max(budget.peak, budget.used);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const size = Math.max(2 * this.buf.length, this.pos + n);
    if (!this.budget.canAfford(size)) throw new LimitReached('memory', `memory cap reached (outbox of ${size} bytes)`);
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.budget.used += size - this.buf.length;
    if (this.budget.used > this.budget.peak) this.budget.peak = this.budget.used;
    this.buf = b;
  }
  varint(u: number): void {
    u >>>= 0;
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
  }
  i32(v: number): void {
    this.varint(v);
  }
  /** Hands the bytes over (the writer starts afresh). */
  take(): ArrayBuffer {
    const out = this.buf.buffer.slice(0, this.pos) as ArrayBuffer;
    this.budget.used -= this.buf.byteLength;
    this.buf = new Uint8Array(1 << 16);
    this.budget.used += this.buf.byteLength;
    this.pos = 0;
    return out;
  }
}

export function writeState(w: ByteWriter, codec: WordCodec, s: Int32Array): void {
  w.ensure(s.length * 10 + 40);
  let skip = 0;
  for (let j = 0; j < s.length; j++) {
    const v = s[j]!;
    if (v === 0) {
      skip++;
      continue;
    }
    w.varint(skip);
    w.varint(codec.encode(j, v));
    skip = 0;
  }
  w.varint(skip + 1); // a skip past the end terminates
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let u = 0;
    let sh = 0;
    let b: number;
    do {
      b = this.buf[this.pos++]!;
      u |= (b & 0x7f) << sh;
      sh += 7;
    } while (b & 0x80);
    return u >>> 0;
  }
  state(codec: WordCodec, out: Int32Array): void {
    out.fill(0);
    let j = 0;
    for (;;) {
      j += this.varint();
      if (j >= out.length) return;
      out[j] = codec.decode(j, this.varint());
      j++;
    }
  }
  /** Passes over a state of `words` words without decoding it (a duplicate's). */
  skipState(words: number): void {
    const buf = this.buf;
    let j = 0;
    for (;;) {
      j += this.varint();
      if (j >= words) return;
      while (buf[this.pos++]! & 0x80);
      j++;
    }
  }
}

/** Word order of two states: negative, zero or positive. */
export function lessState(a: Int32Array, b: Int32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}
