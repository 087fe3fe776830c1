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
  readonly Kernel: KernelClass;
}
