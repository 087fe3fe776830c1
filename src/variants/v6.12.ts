/**
 * v6.12 — the release: v6.12-rc1's code with the SVE trap fix, and SME marked BROKEN.
 *
 * Kernel: v6.12 (2024-11-17). Snapshots as for `v6.12-rc1` (A, K); the two changes below were
 * merged for v6.12-rc7 through the arm64 fixes tag of 2024-11-07 (listing in the index, id
 * 65881361045) [S for the code of the first, read in B where it survives; V for the titles]:
 *  - 751ecf6afd65 "arm64/sve: Discard stale CPU state when handling SVE traps" (CVE-2024-50275,
 *    affected from v5.13's in-register conversion cccb78ce89c4): when do_sve_acc() finds the
 *    task's state not live, it converts the memory copy and now also flushes the task's binding
 *    (fpsimd_flush_task_state), so that a stale copy on a CPU the task migrates back to cannot
 *    be reused with the old (trapping) EL0 configuration;
 *  - 81235ae0c846 "arm64: Kconfig: Make SME depend on BROKEN for now": ARM64_SME cannot be
 *    enabled in a normal build, so system_supports_sme() is false. The SME code (and its
 *    streaming/ZA paths) is still in the tree: the variant keeps it, dead, and declares no SME.
 *    FPMR (v6.9) and SVE guests remain.
 *
 * What differs from its predecessor (v6.12-rc1): the flush above, and no SME.
 */

import type { KernelFeatures } from '../kernel/machine.js';
import { FpType, type TaskView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V612rc1Kernel } from './v6.12-rc1.js';

export class V612Kernel extends V612rc1Kernel {
  /** SME depends on BROKEN (81235ae0c846): not supported on the modelled system. */
  static override readonly features: KernelFeatures = { ext: true, sme: false, fpmr: true, guestSve: true };

  /** sve_init_regs() not live (751ecf6afd65): convert in memory, fp_type SVE, flush the binding. */
  override sveInitRegsForeign(t: TaskView): void {
    t.fp_type = FpType.SVE;
    this.fpsimd_flush_task_state(t);
  }
}

export const v612: Variant = {
  name: 'v6.12',
  kernel: 'v6.12 (snapshots A, K; 751ecf6afd65; SME depends on BROKEN, 81235ae0c846)',
  summary: 'v6.12-rc1 with the SVE-trap flush; SME compiled out; FPMR, SVE kept across syscalls, fpsimd_kvm_prepare() at vcpu_load',
  status: 'release',
  Kernel: V612Kernel,
};
