/**
 * The exception entry and return paths (entry.S / entry-common.c, syscall.c, the SVE/SME access
 * traps' split paths, ret_to_user): the versions of its functions after the base kernel's
 * (src/kernel/entry.ts), each tagged with the commit that introduced it. Mainline's syscall
 * hooks from snapshot E (index id 848693805).
 */

import { setStreamingMode } from '../../arch/regfile.js';
import { ZERO } from '../../arch/tokens.js';
import { TrapKind } from '../effects.js';
import { Kvm } from '../kvm.js';
import { FpType, KPath, Pos, type TaskView } from '../records.js';
import { versions } from './table.js';
import { kernelNeonResumes, userRuns } from '../../spec/observe.js';

export const entry = versions({
  el0_sve_acc: {
    /**
     * @models el0_sve_acc — entry-common.c (v5.x): the EL0 SVE trap. do_sve_acc() runs with
     * preemption enabled until it claims the FP context (its sve_alloc() may sleep), so the
     * model enters it as a kernel path and runs its body on `continue`.
     */
    '8383741ab2e7'(): void {
      const t = this.currentTask;
      t.pos = Pos.KERNEL;
      t.in_syscall = false;
      this.fx.trap(this.cpu.id, TrapKind.SVE_EL0);
      this.enterKPath(t, KPath.SVE_ACC, 1);
    },
  },
  kernelContinue: {
    /** Runs the next step of a kernel path; the SME era adds the access-trap paths. */
    '8383741ab2e7'(): void {
      const t = this.currentTask;
      if (t.kpath === KPath.SVE_ACC) {
        this.leaveKPath(t);
        this.do_sve_acc();
        return;
      }
      Kvm.prototype.kernelContinue.call(this);
    },
    /** The SME-era kernel paths: the access traps, kernel-mode NEON, the return to user. */
    ef3be86021c3(): void {
      const t = this.currentTask;
      switch (t.kpath) {
        case KPath.SME_ACC:
          this.leaveKPath(t);
          this.do_sme_acc();
          return;
        case KPath.KERNEL_NEON:
          kernelNeonResumes(this, t, 'kernel-mode NEON');
          this.kernel_neon_end();
          this.leaveKPath(t);
          return;
        case KPath.RET_USER:
          this.leaveKPath(t);
          this.ret_to_user();
          return;
        case KPath.SIGNAL:
          if (t.kstep === 2) {
            this.setupReturnSmstop();
            return;
          }
          if (t.kstep === 3) {
            this.signalPreserveSveToFpsimd();
            return;
          }
          break;
        case KPath.SIGRETURN:
          if (t.kstep === 3) {
            this.sigreturnRestoreSmeRecords();
            return;
          }
          break;
      }
      entry.kernelContinue['8383741ab2e7'].call(this);
    },
  },
  taskKernelNeon: {
    /**
     * Task-level kernel-mode NEON (v6.8+): begin and use the registers, then the section can be
     * preempted or interrupted by a softirq; `continue` checks that its registers are intact
     * (kernel-test's digest) and ends it.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.kernel_neon_begin();
      this.kernelNeonUse();
      t.exp_kst = this.cpu.regV;
      this.enterKPath(t, KPath.KERNEL_NEON, 1);
    },
  },
  softirqKernelNeon: {
    ef3be86021c3(): void {
      this.inSoftirq = true;
      try {
        Kvm.prototype.softirqKernelNeon.call(this);
      } finally {
        this.inSoftirq = false;
      }
    },
  },
  el0_sme_acc: {
    /**
     * @models el0_sme_acc — entry-common.c: the EL0 SME access trap; do_sme_acc() allocates
     * before it claims the FP context (the allocations may sleep), so the model runs its body on
     * `continue`.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      t.pos = Pos.KERNEL;
      t.in_syscall = false;
      this.fx.trap(this.cpu.id, TrapKind.SME_EL0);
      this.enterKPath(t, KPath.SME_ACC, 1);
    },
  },
  el0_svc: {
    /**
     * @models el0_svc → fp_user_discard() — syscall.c (v6.2 to v6.15, after 8c845e273104): if
     * the task has SME and is streaming, SMSTOP SM (zeroes Z/P/FFR and FPMR); if it has TIF_SVE,
     * zero the live SVE part (sve_flush_live). TIF_SVE and EL0 SVE access are kept.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      const c = this.cpu;
      if (this.hasSme && t.TIF_SME && c.regSM) setStreamingMode(c, false);
      if (t.TIF_SVE) c.regHi = ZERO;
      this.syscallAbiExpectation(t);
      t.pos = Pos.KERNEL;
      t.in_syscall = true;
    },
    /**
     * @models el0_svc → fpsimd_syscall_enter() — entry-common.c (E): on SME systems SMSTOP SM
     * (ZA is left alone); if TIF_SVE, zero the live SVE part (sve_flush_live); then open the
     * lazy-discard window: this CPU's fpsimd_last_state.to_save = FP_STATE_FPSIMD.
     */
    '398edaa12f9c'(): void {
      const t = this.currentTask;
      const c = this.cpu;
      if (this.hasSme) setStreamingMode(c, false);
      if (t.TIF_SVE) c.regHi = ZERO;
      c.to_save = FpType.FPSIMD;
      this.syscallAbiExpectation(t);
      t.pos = Pos.KERNEL;
      t.in_syscall = true;
    },
  },
  ret_to_user: {
    /** @models ret_to_user — entry-common.c exit_to_user_mode → do_notify_resume() (v6.x). */
    ef3be86021c3(): void {
      const t = this.currentTask;
      if (t.TIF_FOREIGN_FPSTATE) this.fpsimd_restore_current_state();
      this.returnToUser(t);
    },
  },
  syscallExitWindow: {
    /** do_notify_resume()'s window after a syscall's reload matters here (saves depend on in_syscall()). */
    get ef3be86021c3(): boolean {
      return true;
    },
  },
  retToUserInterrupted: {
    /**
     * ret_to_user on the way out of a syscall, with an IRQ taken after the FP state was reloaded
     * (the `ret_to_user_irq` event): do_notify_resume() restores the state and loops again with
     * IRQs enabled, so before the final return the task can be preempted or a softirq can use
     * NEON while in_syscall() still holds (the RET_USER path; `continue` completes the return).
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.fpsimd_restore_current_state();
      this.enterKPath(t, KPath.RET_USER, 1);
    },
  },
  returnToUser: {
    /** The final IRQs-off return to EL0 (integrity check point). */
    ef3be86021c3(t: TaskView): void {
      t.pos = Pos.USER;
      t.in_syscall = false;
      userRuns(this, t, 'ret_to_user');
    },
    /**
     * The final return to EL0; after a syscall, fpsimd_syscall_exit() — entry-common.c (E) —
     * closes the window on this CPU (to_save = FP_STATE_CURRENT): a reload during the syscall
     * has already reset it through fpsimd_bind_task_to_cpu().
     */
    '398edaa12f9c'(t: TaskView): void {
      if (t.in_syscall) this.cpu.to_save = FpType.CURRENT;
      entry.returnToUser.ef3be86021c3.call(this, t);
    },
  },
});
