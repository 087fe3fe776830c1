/**
 * The built-in variants, oldest first, and lookup by name.
 */

import { flushAlways } from './flush-always.js';
import { noSveFlush } from './no-sve-flush.js';
import { rfc2017 } from './rfc-2017.js';
import type { Variant } from './types.js';
import { v415rc1 } from './v4.15-rc1.js';
import { v415 } from './v4.15.js';
import { v418rc1 } from './v4.18-rc1.js';
import { v418 } from './v4.18.js';
import { v517 } from './v5.17.js';
import { v612rc1 } from './v6.12-rc1.js';
import { v612 } from './v6.12.js';
import { mainline } from './mainline.js';

export type { Variant } from './types.js';
export { isRealKernel } from './types.js';

/**
 * Roughly in order of time: the seed thread's three (v4.15-rc1, the fix as posted, the
 * review's alternative), the mutation that motivates the flush, then the releases.
 */
export const VARIANTS: readonly Variant[] = [v415rc1, rfc2017, flushAlways, noSveFlush, v415, v418rc1, v418, v517, v612rc1, v612, mainline];

export function findVariant(name: string): Variant | undefined {
  return VARIANTS.find((v) => v.name === name);
}

export function variantNames(): string[] {
  return VARIANTS.map((v) => v.name);
}
