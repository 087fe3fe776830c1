/**
 * A variant: one kernel version's protocol (or a deliberate mutation of one), as a set of
 * commits of the modelled history (src/history/) resolved into one kernel class.
 */

import type { KernelClass } from '../kernel/kernel.js';

export interface Variant {
  /** CLI name, e.g. `rfc-2017`, or the variant expression it was given as (`v6.12-751ecf6afd65`). */
  readonly name: string;
  /** Kernel version and commit(s) the variant models. */
  readonly kernel: string;
  /** One line: what differs and why it matters. */
  readonly summary: string;
  /** A mutation (not a real kernel): expected to fail some check. */
  readonly mutation?: boolean;
  /**
   * What the variant is: a released kernel, a pre-release (-rc) state of one, a proposal that
   * was never merged, a deliberate mutation, a user's plug-in, or a set derived from a built-in
   * one by a variant expression (commits added or removed). Findings in `release` and
   * `prerelease` variants are findings in real kernels (docs/findings.md).
   */
  readonly status?: 'release' | 'prerelease' | 'proposal' | 'mutation' | 'plugin' | 'derived';
  /** For a plug-in: the variant it extends, and the module it was loaded from. */
  readonly extends?: string;
  readonly source?: string;
  /** The commits of the modelled history the variant's kernel has (src/history/commits.ts), oldest first. */
  readonly commits: readonly string[];
  readonly Kernel: KernelClass;
}

/** Real kernel code (a release or a pre-release), as opposed to a proposal, mutation, plug-in or derived set. */
export function isRealKernel(v: Variant): boolean {
  return v.status === 'release' || v.status === 'prerelease';
}
