/**
 * Reading an input file's text (a path, or `-` for standard input where a command allows it).
 * Every failure is an InputError naming the file.
 */

import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';

/** The text of `file`; `-` reads standard input when `stdin` is allowed. */
export function readInput(file: string, opts: { stdin?: boolean } = {}): string {
  try {
    return readFileSync(opts.stdin && file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, undefined, undefined, 'FPC402');
  }
}
