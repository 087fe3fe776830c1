/**
 * Plug-in variants: a user's patch as a module that extends a variant (a built-in one, a variant
 * expression such as `v5.17+d52d165d67c5`, or another plug-in module) with its own versions of
 * named kernel functions, loaded with `--variant ./path/to/variant.{js,mjs,ts,mts}`.
 *
 * The module's default export is a plain object (docs/variants.md has the worked example):
 *
 *   export default {
 *     name: 'my-flush-always',            // shown in tables; must not be a built-in name
 *     extends: 'rfc-2017',                // what it starts from: a variant expression or a module path
 *     kernel: 'v4.15 + review proposal',  // optional: what kernel code it models
 *     summary: 'flush before every entry', // optional: one line
 *     overrides: {                        // kernel functions replaced, by their kernel names
 *       kvm_fpsimd_flush_cpu_state() { this.fpsimd_flush_cpu_state(); },
 *     },
 *   };
 *
 * Inside an override `this` is the simulated kernel (every kernel function and the state
 * views: `this.cpu`, `this.current`, `this.tasks`, ...) and `super.name(...)` calls the
 * extended variant's own version. `calls: { caller: { callee() {...} } }` replaces a callee only
 * while the caller runs, without copying the caller. Instead of `overrides`, `Kernel: (Base) =>
 * class extends Base { ... }` gives full control (new helpers, getters such as `hasVhe`).
 *
 * A plug-in is one class over its base's resolved kernel: the patch's functions on its prototype,
 * `super` the base's.
 *
 * Every mistake is reported as one line naming the module and the field (exit status 2):
 * a missing or clashing name, an unknown `extends`, an override that names no kernel function
 * of the extended variant (a typo would otherwise be silently ignored), a value that is not a
 * function, a factory that does not return a subclass of its argument.
 *
 * TypeScript modules are loaded with tsx's `tsImport()` (Node 20 has no built-in type
 * stripping); plain JavaScript with `import()`.
 */

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import type { KernelClass } from '../kernel/kernel.js';
import type { Kvm } from '../kernel/kvm.js';
import { Machine, sealedOverride } from '../kernel/machine.js';
import { installCallReplacement } from '../history/resolve.js';
import type { Variant } from './types.js';

/** What a plug-in module exports (the type is for plug-in authors; the loader checks it at run time). */
export interface PluginVariant {
  readonly name: string;
  /** What it extends: a variant expression (`v4.15`, `v5.17+d52d165d67c5`) or another plug-in's path (relative to this module). */
  readonly extends: string;
  readonly kernel?: string;
  readonly summary?: string;
  /** Kernel functions replaced; `this` is the kernel, `super.fn()` the extended variant's fn. */
  readonly overrides?: Record<string, (this: Kvm, ...args: never[]) => unknown>;
  /** caller → callee → replacement: the callee is replaced only while the caller runs. */
  readonly calls?: Record<string, Record<string, (this: Kvm, ...args: never[]) => unknown>>;
  /** Alternatively: a class factory extending the given base. */
  readonly Kernel?: (Base: KernelClass) => KernelClass;
}

/** Does `--variant` name a module file rather than a built-in variant? */
export function isPluginPath(arg: string): boolean {
  return /[\\/]/.test(arg) || /\.(m?[jt]s|cjs)$/.test(arg);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Every method name on the prototype chain of `K` up to (not including) Machine. */
function kernelFunctions(K: KernelClass): Set<string> {
  const out = new Set<string>();
  for (let p = K.prototype as object | null; p && p !== Machine.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (n === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(p, n);
      if (d && (typeof d.value === 'function' || d.get)) out.add(n);
    }
  }
  return out;
}

/** The closest known name, for "did you mean" (edit distance <= 3). */
function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

async function importModule(path: string): Promise<unknown> {
  const url = pathToFileURL(path).href;
  if (/\.m?ts$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
}

/**
 * Loads and validates a plug-in variant. `builtins` resolves `extends`; `reserved` are the
 * names a plug-in may not take.
 */
export async function loadPluginVariant(
  file: string,
  builtins: (name: string) => Variant | undefined,
  reserved: readonly string[],
  seen: readonly string[] = [],
): Promise<Variant> {
  const path = resolve(file);
  const bad = (message: string, field?: string): InputError => new InputError(message, file, undefined, field ?? '--variant');
  if (!existsSync(path)) throw bad('no such variant module');
  let mod: unknown;
  try {
    mod = await importModule(path);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n').find((l) => l.trim()) ?? 'unknown error';
    throw bad(`cannot load the module: ${msg.trim()}`);
  }
  let spec = (mod as { default?: unknown }).default;
  // A .ts module outside an ESM package is compiled as CommonJS, and its `export default`
  // arrives one level down (module.exports.default): unwrap that interop layer.
  if (spec && typeof spec === 'object' && Object.keys(spec).length === 1 && 'default' in spec)
    spec = (spec as { default: unknown }).default;
  if (!spec || typeof spec !== 'object') throw bad('the module has no default export object (see docs/variants.md)', 'default');
  const p = spec as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!['name', 'extends', 'kernel', 'summary', 'overrides', 'calls', 'Kernel'].includes(key)) throw bad(`unknown field '${key}'`, key);
  }
  if (typeof p.name !== 'string' || !NAME.test(p.name)) throw bad('must be a name of letters, digits, . _ + -', 'name');
  if (reserved.includes(p.name)) throw bad(`'${p.name}' is a built-in variant; give the plug-in its own name`, 'name');
  if (typeof p.extends !== 'string') throw bad(`missing: the built-in variant to extend (one of ${reserved.join(', ')})`, 'extends');
  let base: Variant | undefined;
  if (isPluginPath(p.extends)) {
    const other = resolve(dirname(path), p.extends);
    if (other === path || seen.includes(other)) throw bad(`'${p.extends}' extends this module again (a cycle)`, 'extends');
    try {
      base = await loadPluginVariant(other, builtins, reserved, [...seen, path]);
    } catch (e) {
      throw bad(`cannot load '${p.extends}': ${e instanceof Error ? e.message : String(e)}`, 'extends');
    }
  } else {
    try {
      base = builtins(p.extends);
    } catch (e) {
      throw bad(e instanceof Error ? e.message : String(e), 'extends');
    }
  }
  if (!base)
    throw bad(
      `unknown variant '${p.extends}' (known: ${reserved.join(', ')}; or a variant expression, or a plug-in module's path)`,
      'extends',
    );
  for (const f of ['kernel', 'summary'] as const) {
    if (p[f] !== undefined && typeof p[f] !== 'string') throw bad('must be a string', f);
  }
  if (p.overrides !== undefined && p.Kernel !== undefined)
    throw bad('give exactly one of overrides (an object of functions) or Kernel (a class factory)', 'overrides');
  if (p.overrides === undefined && p.Kernel === undefined && p.calls === undefined)
    throw bad('give exactly one of overrides (an object of functions) or Kernel (a class factory), or calls', 'overrides');

  let Kernel: KernelClass;
  if (p.Kernel === undefined) {
    const ov = p.overrides ?? {};
    if (!ov || typeof ov !== 'object' || Array.isArray(ov)) throw bad('must be an object of functions', 'overrides');
    const known = kernelFunctions(base.Kernel);
    const entries = Object.entries(ov as Record<string, unknown>);
    if (entries.length === 0 && p.calls === undefined) throw bad('overrides nothing', 'overrides');
    for (const [fn, impl] of entries) {
      if (!known.has(fn)) {
        const hint = closest(fn, known);
        throw bad(`${base.name} has no kernel function '${fn}'${hint ? ` (did you mean '${hint}'?)` : ''}`, `overrides.${fn}`);
      }
      if (typeof impl !== 'function') throw bad('must be a function', `overrides.${fn}`);
    }
    // `super.fn()` inside an object-literal method looks up the literal's prototype.
    Object.setPrototypeOf(ov, base.Kernel.prototype);
    Kernel = class extends base.Kernel {};
    for (const [fn, impl] of entries) {
      Object.defineProperty(Kernel.prototype, fn, { value: impl, writable: true, configurable: true });
    }
    if (p.calls !== undefined) {
      const calls = p.calls;
      if (!calls || typeof calls !== 'object' || Array.isArray(calls))
        throw bad('must be an object { caller: { callee: function } }', 'calls');
      for (const [caller, callees] of Object.entries(calls as Record<string, unknown>)) {
        const hint = (n: string) => (closest(n, known) ? ` (did you mean '${closest(n, known)}'?)` : '');
        if (!known.has(caller)) throw bad(`${base.name} has no kernel function '${caller}'${hint(caller)}`, `calls.${caller}`);
        if (!callees || typeof callees !== 'object' || Array.isArray(callees))
          throw bad('must be an object of replacement functions, by the callee they replace', `calls.${caller}`);
        for (const [callee, impl] of Object.entries(callees as Record<string, unknown>)) {
          if (!known.has(callee)) throw bad(`${base.name} has no kernel function '${callee}'${hint(callee)}`, `calls.${caller}.${callee}`);
          if (typeof impl !== 'function') throw bad('must be a function', `calls.${caller}.${callee}`);
        }
        installCallReplacement(
          Kernel.prototype as unknown as Record<string, unknown>,
          caller,
          callees as Record<string, (...args: never[]) => unknown>,
        );
      }
    }
  } else {
    if (typeof p.Kernel !== 'function') throw bad('must be a function (Base) => class extends Base { ... }', 'Kernel');
    let K: unknown;
    try {
      K = (p.Kernel as (b: KernelClass) => unknown)(base.Kernel);
    } catch (e) {
      throw bad(`the factory threw: ${e instanceof Error ? e.message : String(e)}`, 'Kernel');
    }
    if (typeof K !== 'function' || !((K as KernelClass).prototype instanceof base.Kernel)) {
      throw bad(`the factory must return a class extending its argument (${base.name}'s kernel)`, 'Kernel');
    }
    Kernel = K as KernelClass;
    const sealed = sealedOverride(Kernel);
    if (sealed)
      throw bad(
        `the class redefines '${sealed}', through which the specification (src/spec/) observes the kernel: a variant cannot change how it is judged`,
        'Kernel',
      );
  }
  return {
    name: p.name,
    kernel: (p.kernel as string | undefined) ?? `${base.kernel} + plug-in`,
    summary: (p.summary as string | undefined) ?? `plug-in variant extending ${base.name}`,
    status: 'plugin',
    extends: base.name,
    source: file,
    commits: base.commits,
    Kernel,
  };
}
