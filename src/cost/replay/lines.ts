/**
 * Reading a text file line by line in bounded memory: one read buffer (1 MiB, grown only for a
 * longer line, up to a limit), pulled on demand so that the replay can be driven by the cost
 * engine's chunked pulls, whatever the file's size. Lines are handed out as byte ranges of the
 * buffer (`buf`, `start`, `end`), valid until the next call; `text()` decodes one when a string
 * is needed (UTF-8).
 */

import { closeSync, createReadStream, createWriteStream, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';

// --- gzip: one rule for every command that reads a trace (`replay`, `conform`, the lab) ----------

/**
 * A trace file is gzip-compressed when it starts with gzip's magic bytes (1f 8b), whatever its
 * name: `.trace.gz` fixtures, `trace.dat.txt.gz` from elsewhere. Plain ftrace text never starts
 * so. An unreadable file is an InputError (FPC402).
 */
export function isGzipFile(file: string, name: string = file): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, name, undefined, undefined, 'FPC402');
  }
  try {
    if (fstatSync(fd).isDirectory()) throw new InputError('cannot read: EISDIR', name, undefined, undefined, 'FPC402');
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

const notGzip = (name: string) => new InputError('not a gzip file (corrupt or truncated)', name, undefined, undefined, 'FPC403');

/** A whole trace in memory, decompressed if it is gzip (`fpctx conform` reads traces whole). */
export function readTraceBytes(file: string, name: string = file): Buffer {
  const gz = isGzipFile(file, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, name, undefined, undefined, 'FPC402');
  }
  if (!gz) return bytes;
  try {
    return gunzipSync(bytes);
  } catch {
    throw notGzip(name);
  }
}

/**
 * Runs `use` on a plain-text copy of a trace: the file itself, or for a gzip file its contents
 * decompressed as a stream into a private temporary file (`fpctx replay` reads its input twice in
 * bounded memory, so it needs a file, not the whole text in memory), removed afterwards.
 */
export async function withPlainTrace<T>(file: string, use: (path: string) => T | Promise<T>, name: string = file): Promise<T> {
  if (!isGzipFile(file, name)) return await use(file);
  const dir = mkdtempSync(join(tmpdir(), 'fpctx-gunzip-'));
  try {
    const path = join(dir, 'trace.txt');
    try {
      await pipeline(createReadStream(file), createGunzip(), createWriteStream(path, { mode: 0o600 }));
    } catch {
      throw notGzip(name);
    }
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CHUNK = 1 << 20;
/** Longer lines than this are not trace lines: refuse rather than grow without bound. */
const MAX_LINE = 1 << 22;

export class LineReader {
  private readonly fd: number;
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  /** The current line: buf[start, end), without its end-of-line. */
  start = 0;
  end = 0;
  private next0 = 0;
  private filled = 0;
  private eof = false;
  /** 1-based number of the current line. */
  line = 0;
  /** Bytes read from the file so far. */
  bytes = 0;

  /** @param name what errors call the file (`<stdin>` for a spooled standard input); the path by default */
  constructor(
    readonly file: string,
    readonly name: string = file,
  ) {
    try {
      // A directory opens, and fails only at the first read: say so here, like any unreadable file.
      if (fstatSync((this.fd = openSync(file, 'r'))).isDirectory()) {
        closeSync(this.fd);
        throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      }
    } catch (e) {
      throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, name, undefined, undefined, 'FPC402');
    }
  }

  /** Moves to the next line; false at the end of the file. */
  next(): boolean {
    for (;;) {
      const buf = this.buf;
      const filled = this.filled;
      // Native search; bytes past `filled` are stale, so a hit there counts as none.
      let nl = this.next0 < filled ? buf.indexOf(10, this.next0) : -1;
      if (nl < 0 || nl >= filled) nl = filled;
      if (nl < filled) {
        this.start = this.next0;
        this.end = nl > this.start && buf[nl - 1] === 13 ? nl - 1 : nl;
        this.next0 = nl + 1;
        this.line++;
        return true;
      }
      if (this.eof) {
        if (this.next0 >= filled) return false;
        this.start = this.next0;
        this.end = filled;
        this.next0 = filled;
        this.line++;
        return true;
      }
      this.refill();
    }
  }

  /** The current line as a string. */
  text(): string {
    return this.buf.toString('utf8', this.start, this.end);
  }

  private refill(): void {
    const rest = this.filled - this.next0;
    if (this.next0 > 0) {
      this.buf.copy(this.buf, 0, this.next0, this.filled);
      this.next0 = 0;
      this.filled = rest;
    }
    if (this.filled === this.buf.length) {
      if (this.buf.length >= MAX_LINE) throw new InputError(`line longer than ${MAX_LINE} bytes: not a trace`, this.name, this.line + 1);
      const g = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(g, 0, 0, this.filled);
      this.buf = g;
    }
    const n = readSync(this.fd, this.buf, this.filled, this.buf.length - this.filled, null);
    this.bytes += n;
    this.filled += n;
    if (n === 0) this.eof = true;
  }

  close(): void {
    closeSync(this.fd);
  }
}
