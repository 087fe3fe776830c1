/**
 * Runs one fuzz case through the real CLI, in this process: the case's files are written to a
 * scratch directory, `main()` runs the command with an in-memory Io, and the outcome is
 * classified. Exit 70 is what the process would print as "internal error": anything thrown out
 * of main() that is not bad input. A stack trace is any line of output shaped like a V8 frame.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export interface FuzzCase {
  /** Which reader or flag set the case exercises (for the counts). */
  readonly reader: string;
  /** Files to write first, by name; `{dir}/name` in argv is replaced by its path. */
  readonly files: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
}

export interface FuzzOutcome {
  readonly code: number;
  readonly ms: number;
  /** For exit 70: what was thrown. */
  readonly internal?: string;
  readonly stackTrace: boolean;
  /** Bad input (exit 2) whose message is not one line. */
  readonly multiLine: boolean;
  readonly err: string;
}

const FRAME = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;

let scratch: string | undefined;
let counter = 0;

/** A fresh directory per case under one scratch root (removed by cleanup()). */
function caseDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'fpctx-fuzz-'));
  const d = join(scratch, String(counter++));
  mkdirSync(d);
  return d;
}

export function cleanup(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

export async function runCase(c: FuzzCase): Promise<FuzzOutcome> {
  const dir = caseDir();
  for (const [name, text] of Object.entries(c.files)) writeFileSync(join(dir, name), text);
  const argv = c.argv.map((a) => a.replaceAll('{dir}', dir));
  const io = memoryIo();
  const t0 = performance.now();
  let code: number;
  let internal: string | undefined;
  // Relative output paths a fuzzed flag names land in the case's directory, not the repository.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    code = await main(argv, io);
  } catch (e) {
    code = 70;
    internal = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    process.chdir(cwd);
  }
  const ms = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  const err = io.stderr.join('\n');
  const all = `${io.stdout.join('\n')}\n${err}`;
  return {
    code,
    ms,
    ...(internal !== undefined ? { internal } : {}),
    stackTrace: FRAME.test(all),
    multiLine: code === 2 && (io.stderr.length !== 1 || io.stderr[0]!.includes('\n')),
    err,
  };
}

/** What makes an outcome a failure of the fuzz suite, or undefined. */
export function failureOf(o: FuzzOutcome, timeoutMs: number): string | undefined {
  if (o.code === 70) return `exit 70: ${o.internal}`;
  if (o.stackTrace) return `stack trace in the output: ${o.err.slice(0, 300)}`;
  if (o.multiLine) return `bad input not on one line: ${o.err.slice(0, 300)}`;
  if (o.ms > timeoutMs) return `took ${(o.ms / 1000).toFixed(1)} s (time-out ${timeoutMs / 1000} s)`;
  return undefined;
}
