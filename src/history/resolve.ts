/**
 * From a set of commits to one kernel class, once.
 *
 * The resolved class extends the base kernel (src/kernel/: Machine → Fpsimd → Entry → Kvm, the
 * functions no commit of the history changes) and carries on its own prototype, for every
 * function some commit of the set changed, the version of the newest such commit. No version
 * chain is walked at run time, and each set gets one class, created on first use and cached:
 * the explorer and the cost driver see one stable prototype per variant at their call sites.
 *
 * A set is consistent only if, for every function, the set has every commit that changed it up
 * to the version chosen: a version was written against its predecessors, so keeping a newer one
 * while dropping an older one is the model's merge conflict, reported, not guessed at. And every
 * function a chosen version calls must exist in the set: a later fix applied to an older set (or
 * a revert) can keep a version that calls a helper only a missing commit defines — in the kernel,
 * a build failure; here it would be a TypeError at the first run of that path.
 */

import { InputError } from '../errors.js';
import type { KernelClass } from '../kernel/kernel.js';
import { Kvm } from '../kernel/kvm.js';
import { type KernelFeatures, NO_FEATURES } from '../kernel/machine.js';
import type { MachineConfig } from '../kernel/layout.js';
import { COMMITS, type Commit, commitIndex, findCommit } from './commits.js';
import { ALL_VERSIONS } from './tables.js';

/**
 * Extra versions a plug-in adds on top of a set: its own commit (after every commit of the
 * history), with its functions. `calls` replaces a callee only while a given caller runs.
 */
export interface Patch {
  /** Stands for the plug-in in names and cache keys (its module path, resolved). */
  readonly id: string;
  readonly versions: Readonly<Record<string, PropertyDescriptor>>;
  /** caller → callee → replacement: inside caller (and what it calls), callee is the replacement. */
  readonly calls?: Readonly<Record<string, Readonly<Record<string, (...args: never[]) => unknown>>>>;
}

/** One version of one function: the commit that introduced it and its property descriptor. */
export interface Version {
  readonly fn: string;
  readonly commit: string;
  readonly subsystem: string;
  readonly descriptor: PropertyDescriptor;
}

/** The versions of every function, each list oldest first (by the commit's place in history). */
export const VERSIONS_BY_FUNCTION: ReadonlyMap<string, readonly Version[]> = (() => {
  const m = new Map<string, Version[]>();
  for (const [subsystem, table] of Object.entries(ALL_VERSIONS)) {
    for (const [fn, vs] of Object.entries(table)) {
      for (const commit of Object.keys(vs)) {
        if (commitIndex(commit) === undefined)
          throw new Error(`FPC518 model bug: ${subsystem} ${fn}() has a version for unknown commit ${commit}`);
        const descriptor = Object.getOwnPropertyDescriptor(vs, commit)!;
        const list = m.get(fn) ?? [];
        list.push({ fn, commit, subsystem, descriptor });
        m.set(fn, list);
      }
    }
  }
  for (const list of m.values()) list.sort((a, b) => commitIndex(a.commit)! - commitIndex(b.commit)!);
  return m;
})();

/** The functions each commit introduces or changes, in subsystem order. */
export function functionsOf(commit: string): { fn: string; subsystem: string }[] {
  const out: { fn: string; subsystem: string }[] = [];
  for (const list of VERSIONS_BY_FUNCTION.values()) {
    for (const v of list) if (v.commit === commit) out.push({ fn: v.fn, subsystem: v.subsystem });
  }
  return out;
}

/** The commits of a set in history order (unknown ids are a caller's bug). */
export function inHistoryOrder(ids: Iterable<string>): Commit[] {
  const set = new Set(ids);
  return COMMITS.filter((c) => set.has(c.id));
}

/** The features a set's kernel build has: each commit's switches, folded oldest first. */
export function featuresOf(ids: Iterable<string>): KernelFeatures {
  let f: KernelFeatures = NO_FEATURES;
  for (const c of inHistoryOrder(ids)) if (c.features) f = { ...f, ...c.features };
  return f;
}

/** A proposal, a mutation or a stable backport: a side branch, which nothing later is written over. */
export function isBranch(id: string): boolean {
  const k = findCommit(id)?.kind;
  return k === 'proposal' || k === 'mutation' || k === 'backport';
}

/**
 * The versioned functions a version calls on its kernel (`this.name(`), read from its source
 * once. Only versioned functions can be missing from a set; the base kernel's are always there.
 */
const CALLEES = new Map<Version, readonly string[]>();
function calleesOf(v: Version): readonly string[] {
  let out = CALLEES.get(v);
  if (out) return out;
  const names = new Set<string>();
  for (const f of [v.descriptor.value, v.descriptor.get, v.descriptor.set]) {
    if (typeof f !== 'function') continue;
    for (const m of String(f).matchAll(/\bthis\.([A-Za-z_$][\w$]*)\s*\(/g)) {
      if (VERSIONS_BY_FUNCTION.has(m[1]!)) names.add(m[1]!);
    }
  }
  out = [...names];
  CALLEES.set(v, out);
  return out;
}

/** Whether the base kernel (no commit) defines `fn`. */
function isBaseFunction(fn: string): boolean {
  return fn in Kvm.prototype;
}

/** Why a set is not consistent (see the file comment), or undefined. */
export function conflictOf(ids: ReadonlySet<string>): string | undefined {
  for (const [fn, list] of VERSIONS_BY_FUNCTION) {
    let newest = -1;
    for (let i = 0; i < list.length; i++) if (ids.has(list[i]!.commit)) newest = i;
    for (let i = 0; i < newest; i++) {
      const older = list[i]!.commit;
      // A proposal, a mutation or a stable backport is a side branch: nothing later is written over it.
      if (!ids.has(older) && !isBranch(older)) return `${list[newest]!.commit}'s ${fn}() is written over ${older}'s, which the set lacks`;
    }
  }
  const m = missingHelper(ids);
  if (!m) return undefined;
  const by = m.definers.join(', ');
  return `${m.caller.commit}'s ${m.caller.fn}() calls ${m.callee}(), which only ${by} define${m.definers.length === 1 ? 's' : ''} and the set lacks`;
}

/**
 * The first version chosen from `ids` (the newest of each function) that calls a versioned
 * function no commit of the set defines: the caller, the callee and the commits defining it
 * (oldest first). Undefined when every callee is there.
 */
export function missingHelper(ids: ReadonlySet<string>): { caller: Version; callee: string; definers: string[] } | undefined {
  for (const list of VERSIONS_BY_FUNCTION.values()) {
    let chosen: Version | undefined;
    for (const v of list) if (ids.has(v.commit)) chosen = v;
    if (!chosen) continue;
    for (const callee of calleesOf(chosen)) {
      if (isBaseFunction(callee)) continue;
      const definers = VERSIONS_BY_FUNCTION.get(callee)!;
      if (definers.some((d) => ids.has(d.commit))) continue;
      return { caller: chosen, callee, definers: definers.map((d) => d.commit) };
    }
  }
  return undefined;
}

const CACHE = new Map<string, KernelClass>();

/**
 * The kernel class of a commit set (plus optional plug-in patches, applied in order), created
 * once per distinct set. `name` names the class in stack traces. Throws InputError for an
 * inconsistent set.
 */
export function resolveKernel(ids: Iterable<string>, name: string, patches: readonly Patch[] = []): KernelClass {
  const commits = inHistoryOrder(ids);
  const key = `${commits.map((c) => c.id).join(' ')}|${patches.map((p) => p.id).join(' ')}`;
  const hit = CACHE.get(key);
  if (hit) return hit;
  const set = new Set(commits.map((c) => c.id));
  const conflict = conflictOf(set);
  if (conflict) throw new InputError(`the commit set of ${name} is inconsistent: ${conflict}`, undefined, undefined, '--variant');
  const features = featuresOf(set);
  const fields: [string, boolean | number][] = [];
  for (const c of commits) if (c.fields) fields.push(...Object.entries(c.fields));

  const Resolved = class extends Kvm {
    static override readonly features: KernelFeatures = features;
    constructor(cfg: MachineConfig, names?: readonly string[]) {
      super(cfg, names);
      for (const [k, v] of fields) (this as unknown as Record<string, unknown>)[k] = v;
    }
  };
  Object.defineProperty(Resolved, 'name', { value: name });
  const proto = Resolved.prototype as unknown as Record<string, unknown>;
  for (const [fn, list] of VERSIONS_BY_FUNCTION) {
    let chosen: Version | undefined;
    for (const v of list) if (set.has(v.commit)) chosen = v;
    if (chosen) Object.defineProperty(proto, fn, { ...chosen.descriptor, enumerable: false, configurable: true });
  }
  for (const p of patches) {
    for (const [fn, d] of Object.entries(p.versions)) Object.defineProperty(proto, fn, { ...d, enumerable: false, configurable: true });
    for (const [caller, callees] of Object.entries(p.calls ?? {})) installCallReplacement(proto, caller, callees);
  }
  CACHE.set(key, Resolved);
  return Resolved;
}

/**
 * Makes `callees` take their replacements while `caller` runs (its dynamic extent, so also in
 * what it calls), and only then: a depth count set by the wrapped caller, read by each wrapped
 * callee. One kernel executes one path at a time, so a count per class is exact.
 */
export function installCallReplacement(
  proto: Record<string, unknown>,
  caller: string,
  callees: Readonly<Record<string, (...args: never[]) => unknown>>,
): void {
  const outer = proto[caller] as (...a: unknown[]) => unknown;
  let depth = 0;
  Object.defineProperty(proto, caller, {
    value: function (this: unknown, ...a: unknown[]) {
      depth++;
      try {
        return outer.apply(this, a);
      } finally {
        depth--;
      }
    },
    writable: true,
    configurable: true,
  });
  for (const [callee, repl] of Object.entries(callees)) {
    const orig = proto[callee] as (...a: unknown[]) => unknown;
    const r = repl as (...a: unknown[]) => unknown;
    Object.defineProperty(proto, callee, {
      value: function (this: unknown, ...a: unknown[]) {
        return depth > 0 ? r.apply(this, a) : orig.apply(this, a);
      },
      writable: true,
      configurable: true,
    });
  }
}
