/**
 * Reading a text file line by line in bounded memory: one read buffer (1 MiB, grown only for a
 * longer line, up to a limit), pulled on demand so that the replay can be driven by the cost
 * engine's chunked pulls, whatever the file's size. Lines are handed out as byte ranges of the
 * buffer (`buf`, `start`, `end`), valid until the next call; `text()` decodes one when a string
 * is needed (UTF-8).
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../../errors.js';

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

  constructor(readonly file: string) {
    try {
      // A directory opens, and fails only at the first read: say so here, like any unreadable file.
      if (fstatSync((this.fd = openSync(file, 'r'))).isDirectory()) {
        closeSync(this.fd);
        throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
      }
    } catch (e) {
      throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, undefined, undefined, 'FPC402');
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
      if (this.buf.length >= MAX_LINE) throw new InputError(`line longer than ${MAX_LINE} bytes: not a trace`, this.file, this.line + 1);
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
