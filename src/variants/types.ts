/**
 * A variant: one kernel version's protocol (or a deliberate mutation of one).
 */

import type { KernelClass } from '../kernel/kernel.js';

export interface Variant {
  /** CLI name, e.g. `rfc-2017`. */
  readonly name: string;
  /** Kernel version and commit(s) the variant models. */
  readonly kernel: string;
  /** One line: what differs and why it matters. */
  readonly summary: string;
  /** A mutation (not a real kernel): expected to fail some check. */
  readonly mutation?: boolean;
  /**
   * What the variant is: a released kernel, a pre-release (-rc) state of one, a proposal that
   * was never merged, a deliberate mutation, or a user's plug-in. Findings in `release` and
   * `prerelease` variants are findings in real kernels (docs/findings.md).
   */
  readonly status?: 'release' | 'prerelease' | 'proposal' | 'mutation' | 'plugin';
  /** For a plug-in: the built-in variant it extends, and the module it was loaded from. */
  readonly extends?: string;
  readonly source?: string;
  readonly Kernel: KernelClass;
}

/** Real kernel code (a release or a pre-release), as opposed to a proposal, mutation or plug-in. */
export function isRealKernel(v: Variant): boolean {
  return v.status === 'release' || v.status === 'prerelease';
}
