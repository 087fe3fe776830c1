/**
 * A BFS level as the parallel explorer keeps it (parallel.ts): chunks of states in shared
 * memory, each written by one thread and read by any.
 *
 * A chunk is two SharedArrayBuffers:
 *  - `bytes`: its states in the queue's delta encoding (store.ts: each state as its difference
 *    from the previous one, varints), with a keyframe at the start of every claim unit of
 *    `claim` states, so that a unit can be decoded on its own: 15-30 bytes a state where the raw
 *    words take 300, and fresh memory is what costs (a page's first touch, in every thread);
 *  - `links`: per state its parent's number (Int32) and the action index that reached it
 *    (Uint16), then the byte offset of each unit. These outlive the level: a counterexample is
 *    rebuilt from them.
 * A chunk is closed at `perChunk` states or when its bytes might not hold one more state.
 */

import { LimitReached, type MemoryBudget } from './memory.js';
import { sharedBytes } from './sharedset.js';
import { type DeltaEncoder, deltaEncoderFor, type WordCodec } from './store.js';

/** What a chunk holds, as handed between threads. */
export interface ChunkRef {
  readonly bytes: SharedArrayBuffer;
  readonly links: SharedArrayBuffer;
  /** States in it. */
  readonly n: number;
  /** The thread that wrote it (its buffer goes back there when the level is expanded); -1: none. */
  readonly owner: number;
}

/** Where the parts of a chunk's links buffer are, for chunks of `perChunk` states and units of `claim`. */
export class ChunkLayout {
  readonly viaAt: number;
  readonly unitsAt: number;
  readonly linkBytes: number;
  constructor(
    readonly perChunk: number,
    readonly claim: number,
    readonly chunkBytes: number,
  ) {
    this.viaAt = 4 * perChunk;
    this.unitsAt = (this.viaAt + 2 * perChunk + 3) & ~3;
    this.linkBytes = this.unitsAt + 4 * Math.ceil(perChunk / claim);
  }
  parents(c: ChunkRef): Int32Array<ArrayBufferLike> {
    return new Int32Array(c.links, 0, this.perChunk);
  }
  via(c: ChunkRef): Uint16Array<ArrayBufferLike> {
    return new Uint16Array(c.links, this.viaAt, this.perChunk);
  }
  units(c: ChunkRef): Int32Array<ArrayBufferLike> {
    return new Int32Array(c.links, this.unitsAt, Math.ceil(this.perChunk / this.claim));
  }
}

/** The two buffers of a chunk that has been expanded, to be written again. */
export interface SpareChunk {
  readonly bytes: SharedArrayBuffer;
  readonly links: SharedArrayBuffer;
}

/** Appends states (with their links) to chunks of one thread's own. */
export class ChunkWriter {
  private readonly enc: DeltaEncoder;
  private bytes: Uint8Array<ArrayBufferLike> | null = null;
  private parents: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private via: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  private units: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private cur: { bytes: SharedArrayBuffer; links: SharedArrayBuffer } | null = null;
  private n = 0;
  private pos = 0;
  /** Closed chunks, not yet taken. */
  private done: ChunkRef[] = [];
  /** Spare buffers of expanded chunks, for new ones (counted in the budget). */
  readonly pool: SpareChunk[] = [];

  constructor(
    codec: WordCodec,
    words: number,
    private readonly layout: ChunkLayout,
    private readonly budget: MemoryBudget,
    private readonly owner: number,
  ) {
    this.enc = deltaEncoderFor(codec, words);
    if (layout.chunkBytes < this.enc.maxEntry) throw new Error(`FPC507 chunks of ${layout.chunkBytes} bytes cannot hold a state`);
  }

  append(s: Int32Array, parent: number, index: number): void {
    const L = this.layout;
    if (!this.bytes || this.n === L.perChunk || this.pos + this.enc.maxEntry > L.chunkBytes) this.open();
    const enc = this.enc;
    const n = this.n;
    if (n % L.claim === 0) {
      enc.prev.fill(0);
      this.units[n / L.claim] = this.pos;
    }
    enc.inp.set(s);
    const len = enc.encode();
    const out = enc.out;
    const buf = this.bytes!;
    let p = this.pos;
    for (let k = 0; k < len; k++) buf[p++] = out[k]!;
    this.pos = p;
    this.parents[n] = parent;
    this.via[n] = index;
    this.n = n + 1;
  }

  private open(): void {
    this.close();
    const L = this.layout;
    const spare = this.pool.pop();
    const bytes = spare?.bytes ?? sharedBytes(this.budget, L.chunkBytes, 'state queue');
    let links: SharedArrayBuffer;
    try {
      // A spare's links were written to the link file (linkfile.ts) before it was handed back.
      links = spare?.links ?? sharedBytes(this.budget, L.linkBytes, 'trace links');
    } catch (e) {
      if (e instanceof LimitReached) this.budget.free(bytes); // fresh (a spare has both), dropped
      throw e;
    }
    this.cur = { bytes, links };
    this.bytes = new Uint8Array(bytes);
    const ref = { bytes, links, n: 0, owner: this.owner };
    this.parents = L.parents(ref);
    this.via = L.via(ref);
    this.units = L.units(ref);
    this.n = 0;
    this.pos = 0;
  }

  private close(): void {
    if (this.cur && this.n > 0) this.done.push({ ...this.cur, n: this.n, owner: this.owner });
    this.cur = null;
    this.bytes = null;
  }

  /** The chunks written since the last take (the open one closed). */
  take(): ChunkRef[] {
    this.close();
    const d = this.done;
    this.done = [];
    return d;
  }
}
