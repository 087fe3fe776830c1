/**
 * Limits on what a document may be, so that reading one cannot exhaust the stack or memory:
 * nesting depth, alias expansion (YAML), and the length of strings. Each is far beyond what any
 * real fpctx document needs (the deepest saved document nests about 10 levels; the longest
 * string is a trace's note), and each has its own sentence when exceeded.
 */

import { InputError } from '../errors.js';

/** Deepest nesting of mappings and sequences in any input document. */
export const MAX_DEPTH = 64;
/** Aliases one YAML document may expand (yaml's own guard against "billion laughs"). */
export const MAX_ALIASES = 100;
/** Longest name (task, scenario, profile, task class, variant). */
export const MAX_NAME = 64;
/** Longest free text (a description, a note, a reference). */
export const MAX_TEXT = 4096;

/** The value's nesting depth, without recursion (a deep value must not overflow the stack here). */
export function depthOf(value: unknown, limit = MAX_DEPTH): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d);
    if (max > limit) return max;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return max;
}

/** Throws the nesting sentence when `value` nests deeper than MAX_DEPTH. */
export function checkDepth(value: unknown, file: string): void {
  if (depthOf(value) > MAX_DEPTH)
    throw new InputError(
      `nested more than ${MAX_DEPTH} levels deep: no fpctx document is; is this the right file?`,
      file,
      undefined,
      undefined,
      'FPC403',
    );
}

/** What a value is, in words, for "expected X, got Y". */
export function kindOfValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}
