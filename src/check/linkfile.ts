/**
 * The parallel explorer's trace links of the levels already expanded, kept on disk.
 *
 * A state's link (its parent's number, 4 bytes, and the action index that reached it, 2 bytes)
 * is read only to rebuild a counterexample, and a level's links are written once, when the level
 * has been expanded; in memory they are the one store that grows with every state explored (6
 * bytes a state: 3 GB at 500 M states, a fifth of what a 2-CPU search held). So, as TLC writes
 * its trace to a file, they go to one: an unnamed temporary file (created, then unlinked at
 * once, so no run however it ends leaves it behind; the page cache keeps what fits), one level
 * after another, a level's parents then its action indices. A counterexample of depth d costs d
 * pairs of small reads.
 */

import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A level's links as the coordinator holds them before they are written. */
export interface LevelLinks {
  readonly base: number;
  /** Start of each chunk within the level. */
  readonly starts: readonly number[];
  readonly parents: readonly Int32Array<ArrayBufferLike>[];
  readonly via: readonly Uint16Array<ArrayBufferLike>[];
  /** States in the level. */
  readonly n: number;
}

export interface Link {
  readonly parent: number;
  readonly via: number;
}

export class LinkFile {
  private fd = -1;
  private size = 0;
  /** Per written level: its first state's number, its states, where its parents start. */
  private readonly levels: { base: number; n: number; at: number }[] = [];
  private readonly word = Buffer.alloc(4);

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  /** Numbers below this are on file. */
  get end(): number {
    const last = this.levels[this.levels.length - 1];
    return last ? last.base + last.n : 0;
  }

  /** Appends a level's links; levels come in order, each starting where the last ended. */
  write(level: LevelLinks): void {
    if (level.base !== this.end) throw new Error(`FPC507 trace links out of order: level at ${level.base}, file ends at ${this.end}`);
    if (this.fd < 0) this.fd = openUnnamed();
    const at = this.size;
    for (let c = 0; c < level.parents.length; c++) this.put(level.parents[c]!, chunkLength(level, c));
    for (let c = 0; c < level.via.length; c++) this.put(level.via[c]!, chunkLength(level, c));
    this.levels.push({ base: level.base, n: level.n, at });
  }

  read(id: number): Link {
    let lo = 0;
    let hi = this.levels.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.levels[mid]!.base <= id) lo = mid;
      else hi = mid - 1;
    }
    const l = this.levels[lo];
    if (!l || id < l.base || id >= l.base + l.n) throw new Error(`FPC507 no trace link for state ${id}`);
    const k = id - l.base;
    readSync(this.fd, this.word, 0, 4, l.at + 4 * k);
    const parent = this.word.readInt32LE(0);
    readSync(this.fd, this.word, 0, 2, l.at + 4 * l.n + 2 * k);
    return { parent, via: this.word.readUInt16LE(0) };
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private put(a: Int32Array<ArrayBufferLike> | Uint16Array<ArrayBufferLike>, n: number): void {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, this.size + done);
    this.size += bytes.length;
  }
}

function chunkLength(level: LevelLinks, c: number): number {
  return (level.starts[c + 1] ?? level.n) - level.starts[c]!;
}

/** A file no one else can open, gone from the directory before it is used (Linux keeps it while open). */
function openUnnamed(): number {
  const dir = mkdtempSync(join(tmpdir(), 'fpctx-links-'));
  const path = join(dir, 'links');
  const fd = openSync(path, 'w+', 0o600);
  unlinkSync(path);
  rmdirSync(dir);
  return fd;
}
