/**
 * Worker recipes: how a worker thread rebuilds the calling thread's kernel model. Classes cannot
 * cross threads, so a recipe names this module and one of its factories; the worker imports it
 * and calls the factory with a plain argument (see src/check/model.ts ModelRecipe).
 */

import { resolve } from 'node:path';
import type { ModelRecipe } from '../check/model.js';
import type { BootSpec } from '../kernel/boot.js';
import { KernelModel } from '../kernel/model.js';
import { VARIANTS } from '../variants/index.js';
import { variantOfExpression } from '../variants/expression.js';
import { loadPluginVariant } from '../variants/plugin.js';
import type { Variant } from '../variants/types.js';

/** What a worker thread needs to build the same model (see src/check/model.ts ModelRecipe). */
export interface KernelModelArg {
  readonly variant: string;
  readonly boot: BootSpec;
}

/** The factory worker threads call: a KernelModel of a built-in variant or a variant expression. */
export function kernelModel(arg: KernelModelArg): KernelModel {
  const v = variantOfExpression(arg.variant);
  if (!v) throw new Error(`FPC508 model bug: worker asked for unknown variant ${arg.variant}`);
  return new KernelModel(v.Kernel, arg.boot);
}

/** What a worker thread needs to rebuild a plug-in variant's model: the module's absolute path. */
export interface PluginModelArg {
  readonly source: string;
  readonly boot: BootSpec;
}

/**
 * The factory worker threads call for a plug-in variant (docs/variants.md): each worker loads the
 * module itself, since classes cannot cross threads. Async; the worker awaits the model.
 */
export async function kernelModelOfPlugin(arg: PluginModelArg): Promise<KernelModel> {
  const v = await loadPluginVariant(
    arg.source,
    variantOfExpression,
    VARIANTS.map((b) => b.name),
  );
  return new KernelModel(v.Kernel, arg.boot);
}

export function kernelModelRecipe(variant: Variant, boot: BootSpec): ModelRecipe {
  if (variant.status === 'plugin' && variant.source) {
    return {
      module: import.meta.url,
      factory: 'kernelModelOfPlugin',
      arg: { source: resolve(variant.source), boot } satisfies PluginModelArg,
    };
  }
  return { module: import.meta.url, factory: 'kernelModel', arg: { variant: variant.name, boot } satisfies KernelModelArg };
}
