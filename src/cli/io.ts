/**
 * Where the CLI writes. Commands get an Io instead of touching process.stdout, so tests run
 * them in-process and read what they printed.
 */

import { styleFor, type Style } from '../style.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current progress line on stderr (TTY only; no-op otherwise). */
  progress(line: string): void;
  /** Ends any progress line. */
  progressDone(): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly style: Style;
  readonly columns: number;
}

export function processIo(): Io {
  let progressShown = false;
  const stderrTTY = !!process.stderr.isTTY;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress(line) {
      if (!stderrTTY) return;
      const cols = process.stderr.columns || 100;
      process.stderr.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
      progressShown = true;
    },
    progressDone() {
      if (progressShown) process.stderr.write('\r\x1b[K');
      progressShown = false;
    },
    stdoutIsTTY: !!process.stdout.isTTY,
    stderrIsTTY: stderrTTY,
    style: styleFor(process.stdout),
    columns: Math.min(process.stdout.columns || 100, 100),
  };
}

/** An Io that collects output, for tests. */
export function memoryIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: () => {},
    progressDone: () => {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    style: styleFor({ isTTY: false }),
    columns: 100,
  };
}
