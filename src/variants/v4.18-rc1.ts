/**
 * v4.18-rc1 — the KVM host-context integration as first merged, before its June 2018 fixes.
 *
 * Kernel: v4.18-rc1 (2018-06-17). Snapshot read: arch/arm64/kvm/fpsimd.c after
 * e6b673b741ea and 85acda3b4a27 and before the fixes below (index id 248864340, read in full;
 * its kvm_arch_vcpu_load_fp() has no HOST_SVE_ENABLED and its kvm_arch_vcpu_put_fp() masks
 * softirqs). Host fpsimd.c and hyp/switch.c as in v4.18 (no change to them in between).
 *
 * What differs from v4.18 (the release), all in kvm_arch_vcpu_put_fp()/load_fp(); the three
 * fixes are dated 2018-06-15 in the fpsimd.c history listing (index id 49300830419):
 *  - put_fp brackets its work with local_bh_disable()/local_bh_enable(). When the vcpu
 *    thread is preempted inside the run loop, vcpu_put runs from the scheduler's sched_out
 *    notifier with IRQs disabled, and local_bh_enable() with IRQs disabled is a WARN (it may
 *    run softirqs). Fixed by b045e4d0f392 "KVM: arm64: Don't mask softirq with IRQs disabled
 *    in vcpu_put()" (local_irq_save/restore). [S for the message; the model reports it as the
 *    WARN_ON in local_bh_enable().]
 *  - when the guest did not touch FP, put_fp re-establishes the EL0 SVE trap with
 *    fpsimd_bind_task_to_cpu() only if *current*'s state is live; if another task's state is
 *    still in the registers (it ran during the run loop and the guest never disturbed it), the
 *    trap stays as the hypervisor left it — EL0 SVE disabled — and that task, skipping its
 *    reload, traps on its next SVE instruction with TIF_SVE already set (do_sve_acc's WARN).
 *    Fixed by b3eb56b629d1 "KVM: arm64/sve: Fix SVE trap restoration for non-current tasks"
 *    (record CPACR_EL1.ZEN_EL0EN at vcpu_load as HOST_SVE_ENABLED and restore that).
 *  - TIF_SVE is restored from HOST_SVE_IN_USE *before* fpsimd_save() writes the vcpu's state
 *    back, so with the flag set fpsimd_save() would store the guest's registers into the host
 *    task's sve_state. Fixed by 2955bcc8c309 "KVM: arm64: Avoid mistaken attempts to save SVE
 *    state for vcpus" (restore after saving). In the model HOST_SVE_IN_USE is never set: the
 *    KVM_RUN syscall's entry has already discarded SVE (TIF_SVE clear) when vcpu_load runs, and
 *    ctxsync/put_fp keep it clear; so this ordering is modelled but unreachable.
 */

import type { VcpuView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V418Kernel } from './v4.18.js';

export class V418rc1Kernel extends V418Kernel {
  /** @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c v4.18-rc1: no backup of the EL0 SVE trap. */
  override kvm_arch_vcpu_load_fp(v: VcpuView): void {
    const t = this.currentTask;
    v.FP_ENABLED = false;
    v.HOST_SVE_IN_USE = t.TIF_SVE;
    v.HOST_SVE_ENABLED = false;
    v.FP_HOST = true;
  }

  /**
   * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c v4.18-rc1: softirqs masked (WARNs when the
   * caller has IRQs off), TIF_SVE restored first, the trap re-established only through
   * current's own binding.
   */
  override kvm_arch_vcpu_put_fp(v: VcpuView): void {
    const t = this.currentTask;
    t.TIF_SVE = v.HOST_SVE_IN_USE;
    if (v.FP_ENABLED) {
      this.fpsimd_save();
      this.fpsimd_flush_cpu_state();
    } else if (!t.TIF_FOREIGN_FPSTATE) {
      this.fpsimd_bind_task_to_cpu();
    }
    this.local_bh_enable();
  }

  /** @models local_bh_enable() — kernel/softirq.c: WARNs if IRQs are disabled (it may run softirqs). */
  local_bh_enable(): void {
    this.warnOn(this.irqsOff, 'local_bh_enable', 'softirqs re-enabled with IRQs disabled (vcpu_put from the sched_out notifier)');
  }
}

export const v418rc1: Variant = {
  name: 'v4.18-rc1',
  kernel: 'v4.18-rc1 (before b045e4d0f392, b3eb56b629d1, 2955bcc8c309)',
  summary: 'vcpu_put masks softirqs with IRQs off, and leaves EL0 SVE disabled for a task whose state survived the run loop',
  status: 'prerelease',
  Kernel: V418rc1Kernel,
};
