/**
 * Reading a text file line by line in bounded memory: one fixed read buffer, pulled on demand
 * (so the replay can be driven by the cost engine's chunked pulls), whatever the file's size.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../../errors.js';

const CHUNK = 1 << 20;
/** Longer lines than this are not trace lines: refuse rather than grow without bound. */
const MAX_LINE = 1 << 20;

export class LineReader {
  private readonly fd: number;
  private buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private end = 0;
  private eof = false;
  /** 1-based number of the line last returned. */
  line = 0;
  /** Bytes consumed so far. */
  bytes = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'r');
    } catch (e) {
      throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file);
    }
  }

  /** The next line without its end-of-line, or null at the end of the file. */
  next(): string | null {
    for (;;) {
      const nl = this.buf.indexOf(10, this.start);
      if (nl >= 0 && nl < this.end) {
        let stop = nl;
        if (stop > this.start && this.buf[stop - 1] === 13) stop--;
        const s = this.buf.toString('utf8', this.start, stop);
        this.bytes += nl + 1 - this.start;
        this.start = nl + 1;
        this.line++;
        return s;
      }
      if (this.eof) {
        if (this.start === this.end) return null;
        const s = this.buf.toString('utf8', this.start, this.end);
        this.bytes += this.end - this.start;
        this.start = this.end;
        this.line++;
        return s;
      }
      this.refill();
    }
  }

  private refill(): void {
    if (this.start > 0) {
      this.buf.copy(this.buf, 0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      if (this.buf.length >= MAX_LINE) throw new InputError(`line longer than ${MAX_LINE} bytes: not a trace`, this.file, this.line + 1);
      const g = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(g, 0, 0, this.end);
      this.buf = g;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) this.eof = true;
    this.end += n;
  }

  close(): void {
    closeSync(this.fd);
  }
}
