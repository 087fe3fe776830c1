/**
 * Flag values: parsed strictly, and rejected with an InputError that names the flag. (A
 * --variant value is resolved in src/app/variants.ts, since the application needs it too.)
 */

import { InputError } from '../errors.js';

export function intFlag(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new InputError(`expected an integer, got '${value}'`, undefined, undefined, flag);
  const n = Number(value);
  if (n < min || n > max) throw new InputError(`must be between ${min} and ${max}, got ${n}`, undefined, undefined, flag);
  return n;
}

export { resolveVariants, variantFlag, type ResolveOptions } from '../app/variants.js';
