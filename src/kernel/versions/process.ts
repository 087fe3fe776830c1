import { ZERO } from '../../arch/tokens.js';
import { Kvm } from '../kvm.js';
import { FpType, type TaskView } from '../records.js';
import { base, versions } from './table.js';

export const processVersions = versions({
  copy_thread: {
    /** @models copy_thread() — process.c v4.15-rc1: unaliases sve_state, no fpsimd_flush_task_state(). */
    '8cd969d28fd2'(p: TaskView): void {
      p.TIF_SVE = false;
      this.sveStateFreed(p);
    },
    /** The base kernel's copy_thread() (src/kernel/), which has this commit. */
    '071b6d4a5d34': base('copy_thread'),
    /**
     * @models copy_thread() with arch_dup_task_struct()'s clean-up — process.c (A era): the
     * child gets no SVE state and FPSIMD format; if the parent had ZA enabled the child keeps
     * TIF_SME, SVCR.ZA and a duplicate of sme_state (with a fresh zeroed sve_state), for any
     * clone; else TIF_SME and sme_state are dropped. Then the binding flush.
     */
    ef3be86021c3(p: TaskView): void {
      p.fp_type = FpType.FPSIMD;
      if (this.hasSme) {
        if (p.svcr_ZA) {
          this.sveStateAllocated(p);
          p.sve_V = ZERO;
          p.sve_Hi = ZERO;
        } else {
          p.TIF_SME = false;
          p.sme_state = false;
          p.sme_ZA = ZERO;
          p.sme_ZT0 = ZERO;
        }
      }
      p.TIF_SVE = false;
      if (!(this.hasSme && p.svcr_ZA)) this.sveStateFreed(p);
      p.TIF_KERNEL_FPSTATE = false;
      if (this.hasSme) this.copyThreadTpidr2(p);
      this.fpsimd_flush_task_state(p);
    },
  },
  fpsimd_release_task: {
    /** @models fpsimd_release_task() — fpsimd.c (A): free sve_state and sme_state. */
    ef3be86021c3(t: TaskView): void {
      Kvm.prototype.fpsimd_release_task.call(this, t);
      this.sme_free(t);
    },
  },
  arch_dup_task_struct: {
    /**
     * @models arch_dup_task_struct() — process.c (B era, e0cb0f26594c): save and flush current,
     * sync uw from the effective state (ptrace may have changed it after syscall entry), then
     * copy the task_struct; copy_thread() does the rest.
     */
    e0cb0f26594c(dst: TaskView, src: TaskView): void {
      this.fpsimd_save_and_flush_current_state();
      this.fpsimd_sync_from_effective_state(src);
      Kvm.prototype.arch_dup_task_struct.call(this, dst, src);
    },
  },
});
