/**
 * The built-in variants, oldest first, and lookup by name.
 */

import { flushAlways } from './flush-always.js';
import { noSveFlush } from './no-sve-flush.js';
import { rfc2017 } from './rfc-2017.js';
import type { Variant } from './types.js';
import { v415rc1 } from './v4.15-rc1.js';

export type { Variant } from './types.js';

export const VARIANTS: readonly Variant[] = [v415rc1, rfc2017, flushAlways, noSveFlush];

export function findVariant(name: string): Variant | undefined {
  return VARIANTS.find((v) => v.name === name);
}

export function variantNames(): string[] {
  return VARIANTS.map((v) => v.name);
}
