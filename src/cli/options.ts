/**
 * Flag values: parsed strictly, and rejected with an InputError that names the flag.
 */

import { InputError } from '../errors.js';
import { findVariant, VARIANTS, type Variant } from '../variants/index.js';

export function intFlag(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new InputError(`expected an integer, got '${value}'`, undefined, undefined, flag);
  const n = Number(value);
  if (n < min || n > max) throw new InputError(`must be between ${min} and ${max}, got ${n}`, undefined, undefined, flag);
  return n;
}

/** Resolves --variant: a built-in name, or `all` when allowed. */
export function variantFlag(value: string | undefined, fallback: string, allowAll: boolean): Variant[] {
  const name = value ?? fallback;
  if (allowAll && name === 'all') return [...VARIANTS];
  const v = findVariant(name);
  if (!v) {
    const known = VARIANTS.map((x) => x.name).join(', ');
    throw new InputError(`unknown variant '${name}' (known: ${known}${allowAll ? ', all' : ''})`, undefined, undefined, '--variant');
  }
  return [v];
}
