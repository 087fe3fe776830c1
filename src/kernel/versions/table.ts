/**
 * How a subsystem file states its functions' versions: one entry per modelled kernel function,
 * and in it one version per commit that introduced or changed it, oldest first, keyed by the
 * commit's id (src/history/commits.ts). `this` in a version is the resolved kernel: every
 * kernel function of the set being run, the state views, the checks.
 *
 * A version that keeps the behaviour of an older one calls it by name (`fpsimd.x['id'].call(this)`
 * or, for the base kernel's, `Kvm.prototype.x.call(this)`): the reader sees which code runs, and
 * nothing is looked up along a chain.
 */

import { Kvm } from '../kvm.js';

/** A function's versions, by commit id. */
export type FunctionVersions = Record<string, unknown>;

/** A subsystem's functions, each with its versions. */
export type VersionTable = Record<string, FunctionVersions & ThisType<Kvm>>;

/** Types a subsystem's table, with `this` the resolved kernel in every version. */
export function versions<T extends VersionTable>(table: T & ThisType<Kvm>): T {
  return table;
}

/**
 * The base kernel's own function (src/kernel/): for a function whose code in src/kernel/ is a
 * later commit's version, listed under that commit beside the older version that precedes it.
 */
export function base(name: string): unknown {
  const f = (Kvm.prototype as unknown as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`FPC518 model bug: the base kernel has no function ${name}`);
  return f;
}
