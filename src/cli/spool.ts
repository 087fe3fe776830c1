/**
 * Standard input as a file: the trace replay reads its input twice (a scan, then the replay) in
 * bounded memory, so `fpctx replay -` copies standard input to a private temporary file first
 * (disk, not memory, grows with the input) and removes it afterwards.
 */

import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Copies `input` to a new temporary file and passes its path to `use`; removes it whatever happens. */
export async function withSpooledInput<T>(input: Readable, use: (path: string) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'fpctx-stdin-'));
  try {
    const path = join(dir, 'stdin.trace');
    await pipeline(input, createWriteStream(path, { mode: 0o600 }));
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
