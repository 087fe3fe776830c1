/**
 * flush-always — Christoffer Dall's alternative in the seed thread.
 *
 * Kernel: v4.15 (rfc-2017) with kvm_fpsimd_flush_cpu_state() calling fpsimd_flush_cpu_state()
 * unconditionally before every guest entry. Never merged: proposed in review of cb968afc7898.
 *
 * What differs from rfc-2017: the sve_in_use test is gone, so no per-CPU field needs caching and
 * nothing is ever dereferenced. It is as safe, but every host task bound on the CPU must reload
 * after any guest entry, including an FPSIMD-only task whose registers KVM had restored exactly:
 * "it defeats an existing optimisation" (Dave Martin). The seed-kvm scenario shows the extra load.
 */

import { Rfc2017Kernel } from './rfc-2017.js';
import type { Variant } from './types.js';

export class FlushAlwaysKernel extends Rfc2017Kernel {
  /** @models kvm_fpsimd_flush_cpu_state() as proposed in review: flush whatever is bound. */
  override kvm_fpsimd_flush_cpu_state(): void {
    this.fpsimd_flush_cpu_state();
  }
}

export const flushAlways: Variant = {
  name: 'flush-always',
  kernel: 'v4.15 + review proposal (never merged)',
  summary: 'unconditional fpsimd_flush_cpu_state() before guest entry: safe, but host tasks always reload',
  status: 'proposal',
  Kernel: FlushAlwaysKernel,
};
