/**
 * Resolving a --variant value into variants: built-in names, `all`, comma-separated lists and
 * plug-in modules (docs/variants.md). Bad input is an InputError naming the flag.
 */

import { InputError } from '../errors.js';
import { VARIANTS, type Variant } from '../variants/index.js';
import { variantOfExpression } from '../variants/expression.js';
import { isPluginPath, loadPluginVariant } from '../variants/plugin.js';

/**
 * Resolves --variant to built-in variants and variant expressions only: a name, an expression
 * (`v5.17+d52d165d67c5`), or `all` when allowed. Kept for callers that cannot await; commands
 * should use resolveVariants(), which also loads plug-ins.
 */
export function variantFlag(value: string | undefined, fallback: string, allowAll: boolean): Variant[] {
  const name = value ?? fallback;
  if (allowAll && name === 'all') return [...VARIANTS];
  const v = variantOfExpression(name);
  if (!v) {
    const known = VARIANTS.map((x) => x.name).join(', ');
    throw new InputError(`unknown variant '${name}' (known: ${known}${allowAll ? ', all' : ''})`, undefined, undefined, '--variant');
  }
  return [v];
}

export interface ResolveOptions {
  /** The variant when the flag is absent (default rfc-2017). */
  readonly fallback?: string;
  /** Accept `all` (every built-in variant) and comma-separated lists (default true). */
  readonly allowMany?: boolean;
}

/**
 * Resolves a --variant flag, for every command that takes one: a built-in name, a variant
 * expression (`v5.17+d52d165d67c5`, `mainline-e0cb0f26594c`), a path to a plug-in module
 * (`./my-variant.ts`, see docs/variants.md), `all` for every built-in variant, or a
 * comma-separated list of these (`v4.15,v4.18,./mine.ts`). Duplicates are dropped, order
 * is kept. Bad input throws an InputError naming the flag (or the module and field).
 */
export async function resolveVariants(flag: string | undefined, opts: ResolveOptions = {}): Promise<Variant[]> {
  const allowMany = opts.allowMany ?? true;
  const value = flag ?? opts.fallback ?? 'rfc-2017';
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s === '')) throw new InputError(`empty variant name in '${value}'`, undefined, undefined, '--variant');
  if (!allowMany && (parts.length > 1 || parts[0] === 'all')) {
    throw new InputError('takes exactly one variant here', undefined, undefined, '--variant');
  }
  const reserved = VARIANTS.map((v) => v.name);
  const out: Variant[] = [];
  const add = (v: Variant) => {
    if (!out.some((x) => x.name === v.name)) out.push(v);
  };
  for (const part of parts) {
    if (part === 'all') VARIANTS.forEach(add);
    else if (isPluginPath(part)) add(await loadPluginVariant(part, variantOfExpression, reserved));
    else {
      const v = variantOfExpression(part);
      if (!v) {
        throw new InputError(
          `unknown variant '${part}' (known: ${reserved.join(', ')}${allowMany ? ', all' : ''}; or a variant expression such as v5.17+d52d165d67c5, or a path to a plug-in module)`,
          undefined,
          undefined,
          '--variant',
        );
      }
      add(v);
    }
  }
  return out;
}
