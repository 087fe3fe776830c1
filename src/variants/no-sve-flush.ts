/**
 * no-sve-flush — a mutation: no FP flush at all before guest entry.
 *
 * Kernel: v4.15 (rfc-2017) with kvm_fpsimd_flush_cpu_state() emptied. Not a real kernel: it is
 * what v4.15 would be without the flush that "should go away when KVM SVE support is
 * implemented", and it exists to show why the flush was needed.
 *
 * What goes wrong: KVM's hyp saves and restores only the host's V registers around a guest's FP
 * use, and restoring V zeroes the SVE part. A task whose SVE state was bound on the CPU still
 * passes the schedule-in check afterwards, skips its reload, and returns to user space with its
 * SVE part zeroed: integrity violation of kind `corrupt` (scenario seed-kvm-sve).
 */

import { Rfc2017Kernel } from './rfc-2017.js';
import type { Variant } from './types.js';

export class NoSveFlushKernel extends Rfc2017Kernel {
  /** Mutation of kvm_fpsimd_flush_cpu_state(): does nothing. */
  override kvm_fpsimd_flush_cpu_state(): void {}
}

export const noSveFlush: Variant = {
  name: 'no-sve-flush',
  kernel: 'v4.15 with the pre-entry flush removed (mutation)',
  summary: 'no flush before guest entry: an SVE task skips its reload after KVM zeroed its SVE part',
  mutation: true,
  status: 'mutation',
  Kernel: NoSveFlushKernel,
};
