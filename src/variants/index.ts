/**
 * The built-in variants (each a named commit set of src/history/releases.ts, resolved once),
 * and lookup by name or by variant expression.
 */

import { inHistoryOrder, resolveKernel } from '../history/resolve.js';
import { RELEASES, VARIANT_ORDER, commitsOfRelease } from '../history/releases.js';
import type { Variant } from './types.js';

export type { Variant } from './types.js';
export { isRealKernel } from './types.js';

function builtin(name: string): Variant {
  const r = RELEASES.find((x) => x.name === name)!;
  const commits = inHistoryOrder(commitsOfRelease(name)).map((c) => c.id);
  return {
    name: r.name,
    kernel: r.kernel,
    summary: r.summary,
    status: r.status,
    ...(r.status === 'mutation' ? { mutation: true } : {}),
    commits,
    Kernel: resolveKernel(commits, r.name),
  };
}

/** Every built-in variant, in the listing order of `fpctx variants` (see VARIANT_ORDER). */
export const VARIANTS: readonly Variant[] = VARIANT_ORDER.map(builtin);

export function findVariant(name: string): Variant | undefined {
  return VARIANTS.find((v) => v.name === name);
}

export function variantNames(): string[] {
  return VARIANTS.map((v) => v.name);
}
