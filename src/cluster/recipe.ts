/**
 * Model recipes that travel between machines. A recipe names its factory's module by URL, which
 * is a path on the coordinator's machine; a module of fpctx itself is sent as its place in the
 * source tree (`fpctx:cli/api`) and each worker resolves it in its own installation, compiled
 * (.js) or not (.ts). Other modules (plug-in variants) keep their path, which must then exist on
 * every worker's machine (a shared file system, or the same checkout path).
 */

import type { Model, ModelRecipe } from '../check/model.js';

const ROOT = new URL('../', import.meta.url).href;
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export function portableRecipe(r: ModelRecipe): ModelRecipe {
  if (!r.module.startsWith(ROOT)) return r;
  const rel = r.module.slice(ROOT.length).replace(/\.(ts|js)$/, '');
  return { ...r, module: `fpctx:${rel}` };
}

export function localRecipe(r: ModelRecipe): ModelRecipe {
  if (!r.module.startsWith('fpctx:')) return r;
  return { ...r, module: new URL(r.module.slice('fpctx:'.length) + EXT, ROOT).href };
}

/** Builds the model a (portable) recipe describes, in this process. */
export async function buildModel(recipe: ModelRecipe): Promise<Model> {
  const r = localRecipe(recipe);
  const mod = (await import(r.module)) as Record<string, (arg: unknown) => Model | Promise<Model>>;
  const f = mod[r.factory];
  if (typeof f !== 'function') throw new Error(`FPC508 ${r.module} exports no ${r.factory}()`);
  return f(r.arg);
}
