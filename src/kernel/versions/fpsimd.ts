/**
 * arch/arm64/kernel/fpsimd.c (and fpsimd.h): the versions of its functions after the base
 * kernel's (src/kernel/fpsimd.ts), each tagged with the commit that introduced it.
 *
 * Provenance, per era: v4.15-rc1 reconstructed from the seed diff and snapshot O; v4.18 from a
 * v4.19-stable-based tree (index id 2608009820) and the fpsimd.c log listing (49300830419);
 * v5.17 snapshot K0 (0033cd93, index id 39136921063); v6.12-rc1 snapshot A (v6.10's fpsimd.c,
 * index id 6335177); mainline snapshot B (index id 8246390898). Each version's comment cites
 * what it models ([V] read, [S] from a commit message or listing, [M] reconstructed).
 */

import { fpsimdWriteRegs, setStreamingMode, setZaEnable, smstop, sveWriteRegs } from '../../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, ZT0_BYTES, sveSaveBytes, zaBytes } from '../../arch/sizes.js';
import { ZERO } from '../../arch/tokens.js';
import { Format, TrapKind } from '../effects.js';
import { Kvm } from '../kvm.js';
import { FpType, type TaskView, type VcpuView } from '../records.js';
import { base, versions } from './table.js';
import { ffrAddressedAccess, storedThroughNull, sveStateAccessed } from '../../spec/observe.js';

/** fpsimd_state.cpu after v4.15-rc1's struct copy on sigreturn: uninitialised stack data (8cd969d28fd2's fpsimd_update_current_state()). */
export const STACK_GARBAGE_CPU = 0xfe;

export const fpsimd = versions({
  fpsimd_bind_to_cpu: {
    /** @models fpsimd_bind_to_cpu() — fpsimd.c v4.15-rc1: the pointer and the CPU number only. */
    '8cd969d28fd2'(): void {
      const t = this.currentTask;
      const c = this.cpu;
      c.last_st = this.layout.stOfTask(t.slot);
      c.last_dangling = false;
      t.fpsimd_cpu = c.id;
    },
    /** The base kernel's fpsimd_bind_to_cpu() (src/kernel/), which has this commit. */
    cb968afc7898: base('fpsimd_bind_to_cpu'),
  },
  sve_flush_cpu_state: {
    /**
     * @models sve_flush_cpu_state() — fpsimd.c v4.15-rc1: follows fpsimd_last_state back to the
     * owning task (container_of) to test TIF_SVE. The task may be dead.
     */
    '8cd969d28fd2'(): void {
      if (this.cpu.last_st === 0) return;
      const tsk = this.derefLastStateTask('sve_flush_cpu_state');
      if (tsk?.TIF_SVE) this.fpsimd_flush_cpu_state();
    },
    /** The base kernel's sve_flush_cpu_state() (src/kernel/), which has this commit. */
    cb968afc7898: base('sve_flush_cpu_state'),
  },
  sve_alloc: {
    /**
     * @models sve_alloc() — fpsimd.c v4.15 (snapshot O, read): an existing buffer is zeroed for
     * sve_state_size(current), the *caller's* VL, not the task's: a tracer with a larger VL
     * writes past a tracee's buffer (a new one is still sized for the task). An allocation
     * failure is a BUG_ON.
     */
    '8cd969d28fd2'(t: TaskView): void {
      const cur = this.current ?? t;
      if (t.sve_state) sveStateAccessed(this, t, cur.sve_vq, 'save', 'sve_alloc');
      else if (this.allocFails) this.warnOn(true, 'sve_alloc', 'BUG_ON: kzalloc() of sve_state failed (an oops)');
      else this.sveStateAllocated(t);
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
    },
    /** The base kernel's sve_alloc() (src/kernel/): the buffer is zeroed for the task's own size. */
    e35ac9d0b56e: base('sve_alloc'),
  },
  fpsimd_update_current_state: {
    /**
     * @models fpsimd_update_current_state() — fpsimd.c v4.15-rc1 [M]: the struct assignment
     * also copies the uninitialised `cpu` of the caller's stack copy.
     */
    '8cd969d28fd2'(v: number): void {
      const t = this.currentTask;
      t.fpsimd_cpu = STACK_GARBAGE_CPU;
      Kvm.prototype.fpsimd_update_current_state.call(this, v);
    },
    /** The base kernel's fpsimd_update_current_state() (src/kernel/), which has this commit. */
    a45448313706: base('fpsimd_update_current_state'),
    /**
     * @models fpsimd_update_current_state() — fpsimd.c v4.18 (sigreturn): copy, merge into
     * sve_state for an SVE task, load, and always bind and clear the flag (binding is what sets
     * the EL0 SVE trap now).
     */
    e6b673b741ea(v: number): void {
      const t = this.currentTask;
      t.uw_V = v;
      if (t.TIF_SVE) this.fpsimd_to_sve(t);
      this.task_fpsimd_load();
      this.fpsimd_bind_task_to_cpu();
      t.TIF_FOREIGN_FPSTATE = false;
    },
    /**
     * @models fpsimd_update_current_state() — fpsimd.c after c94f2f326146 (Debian 6.12.118,
     * lines 1804-1822): as v4.18, but the frame's V registers are merged into sve_state when the
     * saved format is SVE (fp_type), which a streaming restore has without TIF_SVE.
     */
    c94f2f326146(v: number): void {
      const t = this.currentTask;
      t.uw_V = v;
      if (t.fp_type === FpType.SVE) this.fpsimd_to_sve(t);
      this.task_fpsimd_load();
      this.fpsimd_bind_task_to_cpu();
      t.TIF_FOREIGN_FPSTATE = false;
    },
    /**
     * @models fpsimd_update_current_state() — fpsimd.c (B): memory only (the caller saved and
     * flushed first): the frame's V registers into uw, merged into sve_state if fp_type is SVE.
     */
    '929fa99b1215'(v: number): void {
      const t = this.currentTask;
      t.uw_V = v;
      if (t.fp_type === FpType.SVE) this.fpsimd_to_sve(t);
    },
  },
  fpsimd_thread_switch: {
    /**
     * @models fpsimd_thread_switch() — fpsimd.c v4.15-rc1: as v4.15; a `cpu` field holding stack
     * garbage may equal this CPU's number.
     */
    '8cd969d28fd2'(next: TaskView | null): void {
      Kvm.prototype.fpsimd_thread_switch.call(this, next);
      if (next?.mm && next.fpsimd_cpu === STACK_GARBAGE_CPU && this.cpu.last_st === this.layout.stOfTask(next.slot)) {
        next.TIF_FOREIGN_FPSTATE = false;
      }
    },
    /** The base kernel's fpsimd_thread_switch() (src/kernel/), which has this commit. */
    a45448313706: base('fpsimd_thread_switch'),
    /**
     * @models fpsimd_thread_switch() — fpsimd.c v4.18: save whatever is live (fpsimd_save()
     * checks the flag; no task->mm test since df3fb9682045), then set next's flag from the two
     * sides of the binding, for every task.
     */
    e6b673b741ea(next: TaskView | null): void {
      this.fpsimd_save();
      if (next) {
        const c = this.cpu;
        const wrongTask = c.last_st !== this.layout.stOfTask(next.slot);
        const wrongCpu = next.fpsimd_cpu !== c.id;
        next.TIF_FOREIGN_FPSTATE = wrongTask || wrongCpu;
      }
    },
    /**
     * @models fpsimd_thread_switch() — fpsimd.c (A), IRQs off. Save the outgoing task's
     * kernel-mode NEON state if it is in such a section, else its user state. If `next` is in a
     * kernel-mode NEON section, A loads its kernel state and *then* flushes the CPU binding
     * (fpsimd_flush_cpu_state(), which on SME systems executes SMSTOP); otherwise set next's
     * TIF_FOREIGN_FPSTATE from the two sides of the binding.
     */
    ef3be86021c3(next: TaskView | null): void {
      const prev = this.current;
      if (prev?.TIF_KERNEL_FPSTATE) this.fpsimd_save_kernel_state(prev);
      else this.fpsimd_save_user_state();
      if (next?.TIF_KERNEL_FPSTATE) {
        this.switchToKernelNeonTask(next);
      } else if (next) {
        const c = this.cpu;
        next.TIF_FOREIGN_FPSTATE = c.last_st !== this.layout.stOfTask(next.slot) || next.fpsimd_cpu !== c.id;
      }
    },
  },
  task_fpsimd_load: {
    /**
     * @models task_fpsimd_load() — fpsimd.c v4.18: load current's state in the format TIF_SVE
     * selects. The EL0 SVE trap is no longer touched here (0cff8e776f8f): callers bind with
     * fpsimd_bind_task_to_cpu(), which sets it.
     */
    e6b673b741ea(): void {
      const c = this.cpu;
      const zen = c.zen_el0;
      Kvm.prototype.task_fpsimd_load.call(this);
      c.zen_el0 = zen;
    },
    /**
     * @models task_fpsimd_load() — fpsimd.c (A). Pre: not preemptible, no TIF_KERNEL_FPSTATE.
     * FPMR first; then by fp_type: FPSIMD clears TIF_SVE (disabling the EL0 trap if it was set),
     * SVE sets it (WARN if it was clear and the task is not streaming) and programs the VL; with
     * SME, program the SME VL if TIF_SME, write SVCR from thread.svcr (a change of PSTATE.SM
     * zeroes Z/P/FFR and FPMR, enabling ZA zeroes ZA/ZT0), load ZA/ZT0 if ZA is on; finally the
     * registers, SVE format from sve_state (at the SME VL when streaming) or FPSIMD from uw.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      const c = this.cpu;
      const st = this.layout.stOfTask(t.slot);
      this.warnOn(t.TIF_KERNEL_FPSTATE, 'task_fpsimd_load', `${this.naming.task(t.slot)} loads user state inside kernel-mode NEON`);
      this.loadFpmrBeforeSvcr(t);
      let restoreSve = false;
      if (t.fp_type === FpType.FPSIMD) {
        if (t.TIF_SVE) {
          t.TIF_SVE = false;
          c.zen_el0 = false; // sve_user_disable()
        }
      } else {
        if (!t.svcr_SM) {
          const was = t.TIF_SVE;
          t.TIF_SVE = true;
          if (!this.warnOn(!was, 'task_fpsimd_load', `${this.naming.task(t.slot)} has SVE-format state without TIF_SVE`)) c.zen_el0 = true;
        }
        if (t.TIF_SVE) c.hw_vq = t.sve_vq;
        restoreSve = true;
      }
      if (this.hasSme) {
        if (t.TIF_SME) c.hw_svq = t.sme_vq;
        this.writeSvcr(t.svcr_SM, t.svcr_ZA);
        if (t.svcr_ZA) {
          const redundant = c.regZA === t.sme_ZA && c.regZT0 === t.sme_ZT0;
          c.regZA = t.sme_ZA;
          c.regZT0 = t.sme_ZT0;
          this.fx.load(c.id, st, Format.ZA, this.smeVqBytes(t.sme_vq), redundant, t.sme_vq * VQ_BITS);
          this.fx.load(c.id, st, Format.ZT0, ZT0_BYTES, redundant);
        }
      }
      this.loadFpmrAfterSvcr(t);
      if (restoreSve) {
        this.warnOn(t.fp_type !== FpType.SVE, 'task_fpsimd_load', 'fp_type disagrees with the format loaded');
        const vq = t.svcr_SM && this.hasSme ? t.sme_vq : t.sve_vq;
        sveStateAccessed(this, t, vq, 'load', 'task_fpsimd_load');
        const redundant = c.regV === t.sve_V && c.regHi === t.sve_Hi;
        sveWriteRegs(c, t.sve_V, t.sve_Hi);
        this.fx.load(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), redundant, vq * VQ_BITS);
      } else {
        const redundant = c.regV === t.uw_V && c.regHi === ZERO;
        fpsimdWriteRegs(c, t.uw_V);
        this.fx.load(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, redundant);
      }
    },
    /**
     * @models task_fpsimd_load() — fpsimd.c (B): as A, but the EL0 traps are left to
     * fpsimd_bind_task_to_cpu() (45fd86986b79) and FPMR is written after SVCR (e5fa85fce08b):
     * a change of PSTATE.SM zeroes FPMR, so writing it first lost it.
     */
    e5fa85fce08b(): void {
      const t = this.currentTask;
      const c = this.cpu;
      const st = this.layout.stOfTask(t.slot);
      this.warnOn(t.TIF_KERNEL_FPSTATE, 'task_fpsimd_load', `${this.naming.task(t.slot)} loads user state inside kernel-mode NEON`);
      let restoreSve = false;
      if (t.fp_type === FpType.FPSIMD) {
        t.TIF_SVE = false;
      } else {
        if (!t.svcr_SM) {
          const was = t.TIF_SVE;
          t.TIF_SVE = true;
          this.warnOn(!was, 'task_fpsimd_load', `${this.naming.task(t.slot)} has SVE-format state without TIF_SVE`);
        }
        if (t.TIF_SVE) c.hw_vq = t.sve_vq;
        restoreSve = true;
      }
      if (this.hasSme) {
        if (t.TIF_SME) c.hw_svq = t.sme_vq;
        this.writeSvcr(t.svcr_SM, t.svcr_ZA);
        if (t.svcr_ZA) {
          const redundant = c.regZA === t.sme_ZA && c.regZT0 === t.sme_ZT0;
          c.regZA = t.sme_ZA;
          c.regZT0 = t.sme_ZT0;
          this.fx.load(c.id, st, Format.ZA, this.smeVqBytes(t.sme_vq), redundant, t.sme_vq * VQ_BITS);
          this.fx.load(c.id, st, Format.ZT0, ZT0_BYTES, redundant);
        }
      }
      if (this.hasFpmr) c.regFPMR = t.uw_fpmr;
      if (restoreSve) {
        const vq = t.svcr_SM && this.hasSme ? t.sme_vq : t.sve_vq;
        sveStateAccessed(this, t, vq, 'load', 'task_fpsimd_load');
        const redundant = c.regV === t.sve_V && c.regHi === t.sve_Hi;
        sveWriteRegs(c, t.sve_V, t.sve_Hi);
        this.fx.load(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), redundant, vq * VQ_BITS);
      } else {
        const redundant = c.regV === t.uw_V && c.regHi === ZERO;
        fpsimdWriteRegs(c, t.uw_V);
        this.fx.load(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, redundant);
      }
    },
  },
  fpsimd_save: {
    /**
     * @models fpsimd_save() — fpsimd.c v4.18 (task_fpsimd_save() renamed and generalised by
     * d179761519d9). Pre: softirqs disabled. If current's TIF_FOREIGN_FPSTATE is clear, the
     * registers hold the bound context's latest state and are written back — through
     * fpsimd_last_state.st, which is current's task state or, after kvm_arch_vcpu_ctxsync_fp(),
     * its vcpu's guest state. Only the SVE case still uses current: it writes Z/P/FFR into
     * current's sve_state (FPSR/FPCR through st), so it is right only while TIF_SVE is clear for
     * a bound vcpu (ctxsync clears it; put_fp restores it after saving).
     */
    e6b673b741ea(): void {
      const t = this.current;
      if (!t || t.TIF_FOREIGN_FPSTATE) return;
      const c = this.cpu;
      if (t.TIF_SVE) {
        if (
          this.warnOn(
            c.hw_vq !== t.sve_vq,
            'fpsimd_save',
            `${this.naming.task(t.slot)}'s live SVE state has VL ${c.hw_vq * VQ_BITS}, thread.sve_vl is ${t.sve_vq * VQ_BITS}`,
          )
        )
          return;
        sveStateAccessed(this, t, c.hw_vq, 'save', 'fpsimd_save');
        // `unmodified`: memory already held what is saved (cost model only; the kernel cannot know).
        const unmodified = t.sve_V === c.regV && t.sve_Hi === c.regHi;
        const vl = t.sve_vq * VQ_BITS;
        t.sve_V = c.regV;
        t.sve_Hi = c.regHi;
        this.fx.save(c.id, this.layout.stOfTask(t.slot), Format.SVE, sveSaveBytes(vl), unmodified, vl);
      } else {
        const { st, unmodified } = this.storeVToLastState('fpsimd_save');
        this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
      }
    },
    /**
     * @models fpsimd_save() — fpsimd.c (K0). If current's TIF_FOREIGN_FPSTATE is clear, write
     * the registers back to what fpsimd_last_state names: SVE format (at last->sve_vl, after
     * checking RDVL: a mismatch WARNs and SIGKILLs current) when current has TIF_SVE — which
     * ctxsync sets for an SVE vcpu — else the V registers through last->st.
     */
    '8383741ab2e7'(): void {
      const t = this.current;
      if (!t || t.TIF_FOREIGN_FPSTATE) return;
      const c = this.cpu;
      if (t.TIF_SVE) {
        const vq = this.lastSveVq();
        if (this.warnOn(c.hw_vq !== vq, 'fpsimd_save', `RDVL is ${c.hw_vq * VQ_BITS}, the bound state's VL is ${vq * VQ_BITS} (SIGKILL)`))
          return;
        const { st, unmodified } = this.storeSveToLastState('fpsimd_save', vq);
        this.fx.save(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), unmodified, vq * VQ_BITS);
      } else {
        const { st, unmodified } = this.storeVToLastState('fpsimd_save');
        this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
      }
    },
    /** Every v4.18-era caller of fpsimd_save() now calls fpsimd_save_user_state(). */
    ef3be86021c3(): void {
      this.fpsimd_save_user_state();
    },
  },
  fpsimd_bind_task_to_cpu: {
    /**
     * @models fpsimd_bind_task_to_cpu() — fpsimd.c v4.18 (fpsimd_bind_to_cpu() renamed): both
     * sides of the binding for current's task state, and the EL0 SVE trap per TIF_SVE
     * ("serialised by exception return to user"). fpsimd_last_state has only `st` now.
     */
    e6b673b741ea(): void {
      const t = this.currentTask;
      const c = this.cpu;
      c.last_st = this.layout.stOfTask(t.slot);
      c.last_dangling = false;
      c.last_sve_in_use = false;
      t.fpsimd_cpu = c.id;
      c.zen_el0 = t.TIF_SVE;
    },
    /**
     * @models fpsimd_bind_task_to_cpu() — fpsimd.c (A): fpsimd_last_state names all of
     * current's storage with to_save = FP_STATE_CURRENT; fpsimd_cpu; the EL0 SME and SVE traps
     * per TIF_SME and TIF_SVE ("serialised by ret_to_user").
     */
    ef3be86021c3(): void {
      fpsimd.fpsimd_bind_task_to_cpu.e6b673b741ea.call(this);
      const t = this.currentTask;
      const c = this.cpu;
      c.to_save = FpType.CURRENT;
      if (this.hasSme) c.smen_el0 = t.TIF_SME;
    },
  },
  fpsimd_bind_state_to_cpu: {
    /**
     * @models fpsimd_bind_state_to_cpu() — fpsimd.c v4.18: bind a caller-supplied storage (a
     * vcpu's fp_regs) to this CPU. Softirqs or IRQs disabled. The storage has no `cpu` side:
     * KVM re-binds after every guest exit instead.
     */
    e6b673b741ea(st: number): void {
      const c = this.cpu;
      c.last_st = st;
      c.last_dangling = false;
      c.last_sve_in_use = false;
    },
    /**
     * @models fpsimd_bind_state_to_cpu() — fpsimd.c (A): copy a caller's cpu_fp_state into
     * fpsimd_last_state, with its explicit to_save.
     */
    ef3be86021c3(st: number, toSave: number = FpType.FPSIMD): void {
      fpsimd.fpsimd_bind_state_to_cpu.e6b673b741ea.call(this, st);
      this.cpu.to_save = toSave;
    },
  },
  fpsimd_preserve_current_state: {
    /** @models fpsimd_preserve_current_state() — fpsimd.c v4.18: fpsimd_save() with softirqs off. */
    e6b673b741ea(): void {
      this.fpsimd_save();
    },
  },
  fpsimd_restore_current_state: {
    /** @models fpsimd_restore_current_state() — fpsimd.c v4.18: load and bind (with the trap) if foreign. */
    e6b673b741ea(): void {
      const t = this.currentTask;
      if (t.TIF_FOREIGN_FPSTATE) {
        t.TIF_FOREIGN_FPSTATE = false;
        this.task_fpsimd_load();
        this.fpsimd_bind_task_to_cpu();
      }
    },
  },
  fpsimd_flush_cpu_state: {
    /**
     * @models fpsimd_flush_cpu_state() — fpsimd.c v4.18 (d8ad71fa38a9): forget the CPU's
     * binding and mark current foreign, since whatever it had live is gone.
     */
    e6b673b741ea(): void {
      Kvm.prototype.fpsimd_flush_cpu_state.call(this);
      const t = this.current;
      if (t) t.TIF_FOREIGN_FPSTATE = true;
    },
    /**
     * @models fpsimd_flush_cpu_state() — fpsimd.c (A): forget the binding; on SME systems
     * execute SMSTOP (streaming mode would break kernel NEON, ZA costs power); mark current
     * foreign.
     */
    ef3be86021c3(): void {
      const c = this.cpu;
      this.fx.flushCpu(c.id, c.last_st);
      c.last_st = 0;
      c.last_dangling = false;
      if (this.hasSme) smstop(c);
      const t = this.current;
      if (t) t.TIF_FOREIGN_FPSTATE = true;
    },
  },
  kernel_neon_begin: {
    /**
     * @models kernel_neon_begin() — fpsimd.c v4.18: save what is live (task or vcpu state,
     * through fpsimd_last_state) and flush, which marks current foreign. Preemption stays
     * disabled until kernel_neon_end(); a softirq cannot nest (kernel_neon_busy).
     */
    e6b673b741ea(): void {
      this.fpsimd_save();
      this.fpsimd_flush_cpu_state();
    },
    /**
     * @models kernel_neon_begin() — fpsimd.c (A), inside the FP context. A softirq nesting in a
     * task's kernel-mode NEON section saves that section's state; otherwise save the user state
     * and, outside softirq context, set TIF_KERNEL_FPSTATE so that the section is context
     * switched. Then flush the CPU binding (SMSTOP included). The context is released at the end:
     * a task-level section is preemptible from here.
     */
    ef3be86021c3(): void {
      const t = this.current;
      if (t?.TIF_KERNEL_FPSTATE) {
        this.warnOn(!this.inSoftirq, 'kernel_neon_begin', `BUG_ON: nested kernel-mode NEON outside softirq in ${this.naming.task(t.slot)}`);
        this.fpsimd_save_kernel_state(t);
      } else {
        this.fpsimd_save_user_state();
        if (t && !this.inSoftirq) t.TIF_KERNEL_FPSTATE = true;
      }
      this.fpsimd_flush_cpu_state();
    },
  },
  do_sve_acc: {
    /** @models do_sve_acc() — fpsimd.c v4.18: as v4.15, saving with fpsimd_save(). */
    e6b673b741ea(): void {
      const t = this.currentTask;
      this.fx.trap(this.cpu.id, TrapKind.SVE_EL0);
      this.sve_alloc(t);
      this.fpsimd_save();
      this.fpsimd_to_sve(t);
      this.fpsimd_flush_task_state(t);
      t.TIF_FOREIGN_FPSTATE = true;
      const wasSet = t.TIF_SVE;
      t.TIF_SVE = true;
      this.warnOn(wasSet, 'do_sve_acc', `${this.naming.task(t.slot)} trapped on SVE with TIF_SVE already set`);
    },
    /**
     * @models do_sve_acc() — fpsimd.c (K0, after cccb78ce89c4). sve_alloc() zeroes the buffer;
     * inside the FP context: set TIF_SVE (WARN if it was set: the trap should not have been
     * taken); if the task's state is live, set the VL, zero the SVE part in the registers
     * (sve_flush_live) and rebind (which disables the trap); otherwise convert the memory copy
     * (fpsimd_to_sve) and leave the reload to ret_to_user.
     */
    '8383741ab2e7'(): void {
      const t = this.currentTask;
      const c = this.cpu;
      this.sve_alloc(t);
      if (!t.sve_state) {
        this.force_sig_kill(); // the allocation failed (K0: force_sig(SIGKILL))
        return;
      }
      const wasSet = t.TIF_SVE;
      t.TIF_SVE = true;
      this.warnOn(wasSet, 'do_sve_acc', `${this.naming.task(t.slot)} trapped on SVE with TIF_SVE already set`);
      if (!t.TIF_FOREIGN_FPSTATE) {
        c.hw_vq = t.sve_vq; // sve_set_vq()
        c.regHi = ZERO; // sve_flush_live()
        this.fpsimd_bind_task_to_cpu();
      } else {
        this.fpsimd_to_sve(t);
      }
    },
    /**
     * @models do_sve_acc() / sve_init_regs() — fpsimd.c of Debian 6.1.192 (lines 1393-1416, the
     * 6.1.y backport of 751ecf6afd65): as v5.17, and when the state is not live the memory
     * copy is converted and the task's binding flushed, so a stale copy left in another CPU's
     * registers can no longer be taken for live. (6.1.192 also records fp_type SVE there; the
     * model's 6.1 line carries the format in TIF_SVE.)
     */
    '751ecf6afd65-6.1'(): void {
      const t = this.currentTask;
      fpsimd.do_sve_acc['8383741ab2e7'].call(this);
      if (t.sve_state && t.TIF_FOREIGN_FPSTATE) this.fpsimd_flush_task_state(t);
    },
    /**
     * @models do_sve_acc() / sve_init_regs() — fpsimd.c (A). As v5.17, and the memory path now
     * records fp_type = FP_STATE_SVE. A does not flush the task's binding there.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      fpsimd.do_sve_acc['8383741ab2e7'].call(this);
      if (t.sve_state && t.TIF_FOREIGN_FPSTATE) this.sveInitRegsForeign(t);
    },
  },
  sve_set_vector_length: {
    /** @models sve_set_vector_length() — fpsimd.c v4.18: as v4.15, saving with fpsimd_save(). */
    e6b673b741ea(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
      t.sve_vl_onexec = inherit || onexec ? vq : 0;
      if (onexec || vq === t.sve_vq) {
        t.TIF_SVE_VL_INHERIT = inherit;
        return false;
      }
      if (t === this.current) {
        this.fpsimd_save();
        t.TIF_FOREIGN_FPSTATE = true;
      }
      this.fpsimd_flush_task_state(t);
      if (t.TIF_SVE) {
        t.TIF_SVE = false;
        this.sve_to_fpsimd(t);
      }
      return true;
    },
    /**
     * @models vec_set_vector_length() — fpsimd.c (A), the part inside the FP context, for the
     * SVE VL: save current's live state, flush the task, convert to FPSIMD if TIF_SVE or
     * streaming (fp_type FPSIMD); if the task has neither SM nor ZA, also drop TIF_SME and mark
     * the SME state to be freed ("opportunistic freeing", removed by d7649a4a601e). Returns
     * whether the VL changes now (then the SET_VL path finishes it after put_cpu_fpsimd_context).
     */
    ef3be86021c3(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
      t.sve_vl_onexec = inherit || onexec ? vq : 0;
      if (onexec || vq === t.sve_vq) {
        t.TIF_SVE_VL_INHERIT = inherit;
        return false;
      }
      if (t === this.current) this.fpsimd_save_user_state();
      this.fpsimd_flush_task_state(t);
      const wasSve = t.TIF_SVE;
      t.TIF_SVE = false;
      if (wasSve || t.svcr_SM) {
        this.sve_to_fpsimd(t);
        t.fp_type = FpType.FPSIMD;
      }
      if (this.hasSme && !t.svcr_SM && !t.svcr_ZA) {
        t.TIF_SME = false;
        this.sme_free(t);
      }
      return true;
    },
    /**
     * @models vec_set_vector_length() → change_live_vector_length() — fpsimd.c (B), for the SVE
     * VL: allocate first; save and flush current (or flush a stopped target); keep the effective
     * FPSIMD state and PSTATE.SM: sync uw from the effective state, set the VL, install a zeroed
     * sve_state and sync back zero-padded. TIF_SVE and fp_type are kept. Everything happens
     * before the point where the task can be preempted, so the SET_VL path only records INHERIT.
     */
    '49ce484187f7'(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
      if (!onexec && vq !== t.sve_vq) {
        if (t === this.current) this.fpsimd_save_and_flush_current_state();
        else this.fpsimd_flush_task_state(t);
        this.fpsimd_sync_from_effective_state(t);
        t.sve_vq = vq;
        this.sveStateAllocated(t);
        t.sve_V = ZERO;
        t.sve_Hi = ZERO;
        this.fpsimd_sync_to_effective_state_zeropad(t);
      }
      t.sve_vl_onexec = onexec || inherit ? vq : 0;
      t.TIF_SVE_VL_INHERIT = inherit;
      return false;
    },
  },
  fpsimd_cpu_pm_notifier: {
    /**
     * @models fpsimd_cpu_pm_notifier() — fpsimd.c v4.18: CPU_PM_ENTER saves what is live and
     * flushes (which marks current foreign); CPU_PM_EXIT does nothing.
     */
    e6b673b741ea(cmd: 'enter' | 'exit'): void {
      if (cmd === 'enter') {
        this.fpsimd_save();
        this.fpsimd_flush_cpu_state();
      }
    },
  },
  fpsimd_flush_task_state: {
    /**
     * @models fpsimd_flush_task_state() — fpsimd.c (K0): forget which CPU last held the task's
     * state, then (with a compiler barrier between, so that a racing switch or softirq cannot
     * clear it again) set its TIF_FOREIGN_FPSTATE.
     */
    '8383741ab2e7'(t: TaskView): void {
      Kvm.prototype.fpsimd_flush_task_state.call(this, t);
      t.TIF_FOREIGN_FPSTATE = true;
    },
  },
  lastSveVq: {
    /** The VL, in quadwords, of the storage fpsimd_last_state names (last->sve_vl). */
    '8383741ab2e7'(): number {
      const c = this.cpu;
      const slot = this.layout.taskOfSt(c.last_st);
      if (slot >= 0) return this.tasks[slot]!.sve_vq;
      // a vcpu is bound with its sve_max_vl (kvm_arch_vcpu_ctxsync_fp())
      return this.vcpuMaxVq;
    },
  },
  storeSveToLastState: {
    /**
     * Writes Z/P/FFR to the sve_state of what fpsimd_last_state names (a task's, or a bound
     * vcpu's), at VL `vq` (the caller has checked RDVL). A dereference like storeVToLastState.
     */
    '8383741ab2e7'(where: string, vq: number): { st: number; unmodified: boolean } {
      const c = this.cpu;
      const st = c.last_st;
      storedThroughNull(this, st === 0, where, 'stores its registers through a NULL fpsimd_last_state');
      const slot = this.layout.taskOfSt(st);
      if (slot >= 0) {
        this.derefLastStateTask(where);
        const t = this.tasks[slot]!;
        sveStateAccessed(this, t, vq, 'save', where);
        const unmodified = t.sve_V === c.regV && t.sve_Hi === c.regHi;
        t.sve_V = c.regV;
        t.sve_Hi = c.regHi;
        return { st, unmodified };
      }
      const v = this.layout.vcpuOfSt(st);
      if (v >= 0) {
        const vc = this.vcpus[v]!;
        const unmodified = vc.fp_V === c.regV && vc.fp_Hi === c.regHi;
        vc.fp_V = c.regV;
        vc.fp_Hi = c.regHi;
        return { st, unmodified };
      }
      throw new Error(`FPC513 model bug: fpsimd_last_state.st ${st} names no SVE storage (vq ${vq})`);
    },
  },
  fpsimd_save_and_flush_cpu_state: {
    /** @models fpsimd_save_and_flush_cpu_state() — fpsimd.c (K0): save what is live, forget the binding. */
    '8383741ab2e7'(): void {
      this.fpsimd_save();
      this.fpsimd_flush_cpu_state();
    },
  },
  lastBinding: {
    /** What fpsimd_last_state.st names: a task's user state, a vcpu, a task's kernel-mode NEON state. */
    ef3be86021c3(): { task: TaskView | null; vcpu: VcpuView | null; kernelOf: TaskView | null } {
      const st = this.cpu.last_st;
      const slot = this.layout.taskOfSt(st);
      if (slot >= 0) return { task: this.tasks[slot]!, vcpu: null, kernelOf: null };
      const v = this.layout.vcpuOfSt(st);
      if (v >= 0) return { task: null, vcpu: this.vcpus[v]!, kernelOf: null };
      const k = this.layout.taskOfKernelSt(st);
      if (k >= 0) return { task: null, vcpu: null, kernelOf: this.tasks[k]! };
      return { task: null, vcpu: null, kernelOf: null };
    },
  },
  saveSveFormat: {
    /** Does this save take the SVE format (fpsimd_save_user_state()'s first test)? */
    ef3be86021c3(t: TaskView): boolean {
      const c = this.cpu;
      return (c.to_save === FpType.CURRENT && t.TIF_SVE && !t.in_syscall) || c.to_save === FpType.SVE;
    },
    /** B: SVE format if to_save asks for it (CURRENT: TIF_SVE); the syscall window forces FPSIMD. */
    '398edaa12f9c'(t: TaskView): boolean {
      const c = this.cpu;
      return (c.to_save === FpType.CURRENT && t.TIF_SVE) || c.to_save === FpType.SVE;
    },
  },
  fpsimd_save_user_state: {
    /**
     * @models fpsimd_save_user_state() — fpsimd.c (A). Pre: not preemptible. If current's
     * TIF_FOREIGN_FPSTATE is set, nothing of current's is live: return. Otherwise write back to
     * what fpsimd_last_state names: FPMR through last->fpmr; the SVE format if to_save asks for it
     * (CURRENT: TIF_SVE and not in a syscall, 8c845e273104), else FPSIMD; with SME, SVCR through
     * last->svcr, ZA/ZT0 into last->sme_state if PSTATE.ZA, and streaming mode forces the SVE
     * format at last->sme_vl. An SVE-format save checks RDVL first (WARN and SIGKILL on a
     * mismatch); the format saved is recorded through last->fp_type.
     */
    ef3be86021c3(): void {
      const t = this.current;
      if (!t || t.TIF_FOREIGN_FPSTATE) return;
      const c = this.cpu;
      const where = 'fpsimd_save_user_state';
      storedThroughNull(this, c.last_st === 0, where, 'saves through a NULL fpsimd_last_state');
      const b = this.lastBinding();
      if (b.task) this.derefLastStateTask(where);
      if (b.kernelOf) throw new Error(`FPC514 model bug: user-state save with ${this.naming.task(b.kernelOf.slot)}'s kernel state bound`);
      const bound = b.task ?? null;
      const vc = b.vcpu;
      if (this.hasFpmr) {
        if (bound) bound.uw_fpmr = c.regFPMR;
        else if (vc) vc.fpmr = c.regFPMR;
      }
      let sve = this.saveSveFormat(t);
      // a bound vcpu: last->sve_vl is its sve_max_vl (kvm_arch_vcpu_ctxsync_fp())
      let vq = bound ? bound.sve_vq : vc ? this.vcpuMaxVq : this.defaultVq;
      let hwVq = c.hw_vq;
      if (this.hasSme) {
        if (bound) {
          bound.svcr_SM = c.regSM;
          bound.svcr_ZA = c.regZAen;
        }
        if (c.regZAen) {
          // sme_save_state(last->sme_state): a bound vcpu has none (NULL)
          storedThroughNull(this, !bound, where, 'saves ZA through the NULL sme_state of a bound vcpu');
          const za = this.smeVqBytes(bound!.sme_vq);
          const unmodified = bound!.sme_ZA === c.regZA && bound!.sme_ZT0 === c.regZT0;
          bound!.sme_ZA = c.regZA;
          bound!.sme_ZT0 = c.regZT0;
          this.fx.save(c.id, c.last_st, Format.ZA, za, unmodified, bound!.sme_vq * VQ_BITS);
          this.fx.save(c.id, c.last_st, Format.ZT0, ZT0_BYTES, unmodified);
        }
        if (c.regSM) {
          sve = true;
          vq = bound ? bound.sme_vq : this.defaultVq;
          hwVq = c.hw_svq;
        }
      }
      if (sve) {
        if (this.warnOn(hwVq !== vq, where, `RDVL is ${hwVq * VQ_BITS}, the bound state's VL is ${vq * VQ_BITS} (SIGKILL)`)) return;
        const { st, unmodified } = this.storeSveToLastState(where, vq);
        if (bound) bound.fp_type = FpType.SVE;
        this.fx.save(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), unmodified, vq * VQ_BITS);
      } else {
        const { st, unmodified } = this.storeVToLastState(where);
        if (bound) bound.fp_type = FpType.FPSIMD;
        this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
      }
    },
  },
  smeVqBytes: {
    /** Bytes of ZA at a streaming VL of `svq` quadwords. */
    ef3be86021c3(svq: number): number {
      return zaBytes(svq * VQ_BITS);
    },
  },
  loadFpmrBeforeSvcr: {
    /** A loads FPMR before writing SVCR (the order e5fa85fce08b reversed). */
    ef3be86021c3(t: TaskView): void {
      if (this.hasFpmr) this.cpu.regFPMR = t.uw_fpmr;
    },
  },
  loadFpmrAfterSvcr: {
    ef3be86021c3(_t: TaskView): void {},
  },
  writeSvcr: {
    /** MSR SVCR from thread.svcr: the architecture's SM and ZA change rules apply. */
    ef3be86021c3(sm: boolean, za: boolean): void {
      setStreamingMode(this.cpu, sm);
      setZaEnable(this.cpu, za);
    },
  },
  fpsimd_load_kernel_state: {
    /**
     * @models fpsimd_load_kernel_state() — fpsimd.c (A): elide if this CPU's binding is still
     * the task's kernel_fpsimd_state and it was saved here; else load it (FPSIMD).
     */
    ef3be86021c3(t: TaskView): void {
      const c = this.cpu;
      if (c.last_st === this.layout.stOfKernelState(t.slot) && t.kernel_fpsimd_cpu === c.id) return;
      fpsimdWriteRegs(c, t.kernel_st);
      this.fx.load(c.id, this.layout.stOfKernelState(t.slot), Format.FPSIMD, FPSIMD_STATE_BYTES, false);
    },
  },
  fpsimd_save_kernel_state: {
    /**
     * @models fpsimd_save_kernel_state() — fpsimd.c (A): save the registers into the task's
     * kernel_fpsimd_state, bind that to the CPU (to_save FPSIMD), record the CPU.
     */
    ef3be86021c3(t: TaskView): void {
      const c = this.cpu;
      const st = this.layout.stOfKernelState(t.slot);
      const unmodified = t.kernel_st === c.regV;
      t.kernel_st = c.regV;
      this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
      this.fpsimd_bind_state_to_cpu(st, FpType.FPSIMD);
      t.kernel_fpsimd_cpu = c.id;
    },
  },
  switchToKernelNeonTask: {
    /** A: load next's kernel-mode NEON state, then flush (the SMSTOP comes after the load). */
    ef3be86021c3(next: TaskView): void {
      this.fpsimd_load_kernel_state(next);
      this.fpsimd_flush_cpu_state();
    },
    /** B (01098d893fa8): flush the CPU binding (SMSTOP), *then* load next's kernel-mode NEON state. */
    '01098d893fa8'(next: TaskView): void {
      this.fpsimd_flush_cpu_state();
      this.fpsimd_load_kernel_state(next);
    },
  },
  kernel_neon_end: {
    /**
     * @models kernel_neon_end() — fpsimd.c (A): returning from a softirq that nested in a task's
     * kernel-mode NEON section reloads that section's state; otherwise clear TIF_KERNEL_FPSTATE.
     */
    ef3be86021c3(): void {
      const t = this.current;
      if (!t) return;
      if (this.inSoftirq && t.TIF_KERNEL_FPSTATE) this.fpsimd_load_kernel_state(t);
      else t.TIF_KERNEL_FPSTATE = false;
    },
  },
  sveAllocKeep: {
    /** sve_alloc(task, false): allocate a zeroed buffer only if there is none. */
    ef3be86021c3(t: TaskView): void {
      if (t.sve_state) return;
      this.sveStateAllocated(t);
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
    },
  },
  sme_alloc: {
    /** @models sme_alloc() — fpsimd.c (A), with flush: ZA and ZT0 storage, zeroed (or NULL if kzalloc fails). */
    ef3be86021c3(t: TaskView): void {
      if (this.allocFails && !t.sme_state) return;
      t.sme_state = true;
      t.sme_ZA = ZERO;
      t.sme_ZT0 = ZERO;
    },
  },
  sme_free: {
    /** @models sme_free() — fpsimd.c (A). */
    ef3be86021c3(t: TaskView): void {
      t.sme_state = false;
      t.sme_ZA = ZERO;
      t.sme_ZT0 = ZERO;
    },
  },
  sveInitRegsForeign: {
    /** sve_init_regs() when the state is not live, after fpsimd_to_sve(): A only sets fp_type. */
    ef3be86021c3(t: TaskView): void {
      t.fp_type = FpType.SVE;
    },
    /** sve_init_regs() not live (751ecf6afd65): convert in memory, fp_type SVE, flush the binding. */
    '751ecf6afd65'(t: TaskView): void {
      t.fp_type = FpType.SVE;
      this.fpsimd_flush_task_state(t);
    },
  },
  do_sme_acc: {
    /**
     * @models do_sme_acc() — fpsimd.c (A): keep or allocate sve_state, allocate and zero
     * sme_state; inside the context set TIF_SME (WARN if it was set: no trap should have
     * happened); if the state is live, program the SME VL and rebind (which enables SME for EL0);
     * A does nothing in the other case: the trap is disabled by the reload at ret_to_user.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.sveAllocKeep(t);
      this.sme_alloc(t);
      if (!t.sve_state || !t.sme_state) {
        this.force_sig_kill(); // an allocation failed (A: force_sig(SIGKILL))
        return;
      }
      const was = t.TIF_SME;
      t.TIF_SME = true;
      this.warnOn(was, 'do_sme_acc', `${this.naming.task(t.slot)} trapped on SME with TIF_SME already set`);
      if (!t.TIF_FOREIGN_FPSTATE) {
        this.cpu.hw_svq = t.sme_vq;
        this.fpsimd_bind_task_to_cpu();
      } else {
        this.smeAccForeign(t);
      }
    },
  },
  smeAccForeign: {
    /** do_sme_acc() when the state is not live: nothing in A. */
    ef3be86021c3(_t: TaskView): void {},
    /** do_sme_acc() not live (d3eaab3c7090): flush the task's binding. */
    d3eaab3c7090(t: TaskView): void {
      this.fpsimd_flush_task_state(t);
    },
  },
  fpsimd_flush_thread: {
    /**
     * @models fpsimd_flush_thread() — fpsimd.c (A): flush the task's binding, zero uw, drop SVE
     * and SME state and flags, reset both VLs from vl_onexec (or the defaults), clear SVCR, set
     * fp_type FPSIMD. A does not reset FPMR (a90878f297d3 added that).
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.fpsimd_flush_task_state(t);
      t.uw_V = ZERO;
      t.TIF_SVE = false;
      this.sveStateFreed(t);
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
      t.sve_vq = t.sve_vl_onexec !== 0 ? t.sve_vl_onexec : this.defaultVq;
      if (!t.TIF_SVE_VL_INHERIT) t.sve_vl_onexec = 0;
      if (this.hasSme) {
        t.TIF_SME = false;
        this.sme_free(t);
        t.sme_vq = t.sme_vl_onexec !== 0 ? t.sme_vl_onexec : this.defaultSmeVq;
        if (!t.TIF_SME_VL_INHERIT) t.sme_vl_onexec = 0;
        t.svcr_SM = false;
        t.svcr_ZA = false;
      }
      this.flushThreadFpmr(t);
      t.fp_type = FpType.FPSIMD;
    },
  },
  flushThreadFpmr: {
    /** fpsimd_flush_thread()'s FPMR: not reset in A. */
    ef3be86021c3(_t: TaskView): void {},
    /** fpsimd_flush_thread() resets FPMR (a90878f297d3). */
    a90878f297d3(t: TaskView): void {
      if (this.hasFpmr) t.uw_fpmr = ZERO;
    },
  },
  defaultSmeVq: {
    /** The system's default SME VL in quadwords. */
    get ef3be86021c3(): number {
      return (this.cfg.smeVlBits ?? 256) / VQ_BITS;
    },
  },
  sveSetVectorLengthFinish: {
    /**
     * The rest of vec_set_vector_length() on the 6.1 line with d4d5be94a878 alone (6.1.42):
     * free and reallocate sve_state (sve_free(); sve_alloc(task, true)) *before* task_set_vl(),
     * so the new buffer is sized for the old VL; the VL is set after. A VL that grows leaves a
     * buffer too small for the state the task now saves (CVE-2023-53184).
     */
    'd4d5be94a878-6.1'(t: TaskView, vq: number, inherit: boolean): void {
      this.sve_free(t);
      this.sveStateAllocated(t);
      t.sve_vq = vq;
      t.TIF_SVE_VL_INHERIT = inherit;
    },
    /** 05d881b85b48 on the 6.1 line (6.1.43): task_set_vl() moved before the reallocation, as A has it. */
    '05d881b85b48-6.1'(t: TaskView, vq: number, inherit: boolean): void {
      fpsimd.sveSetVectorLengthFinish.ef3be86021c3.call(this, t, vq, inherit);
    },
    /**
     * The rest of vec_set_vector_length() (A; and Debian 6.1.192 fpsimd.c:900-911, with
     * d4d5be94a878 and 05d881b85b48 backported): set the VL, then free and reallocate sve_state
     * (zeroed) at that VL.
     */
    ef3be86021c3(t: TaskView, vq: number, inherit: boolean): void {
      t.sve_vq = vq;
      this.sve_free(t);
      this.sveStateAllocated(t);
      t.TIF_SVE_VL_INHERIT = inherit;
    },
  },
  allocFailureHandled: {
    /** K0 era (the model's v5.17) on: sve_alloc() returns NULL and its callers check (do_sve_acc(): SIGKILL). */
    get '8383741ab2e7'(): boolean {
      return true;
    },
  },
  setVlReallocates: {
    /** vec_set_vector_length() on the 6.1 line after d4d5be94a878's backport: sve_free() then sve_alloc(task, true), unchecked. */
    get 'd4d5be94a878-6.1'(): boolean {
      return true;
    },
    /** vec_set_vector_length() (A): sve_free() then sve_alloc(task, true), unchecked. */
    get ef3be86021c3(): boolean {
      return true;
    },
  },
  smeSetVectorLength: {
    /**
     * @models vec_set_vector_length(task, ARM64_VEC_SME, vl, flags) — fpsimd.c (A; Debian
     * 6.12.118 fpsimd.c:835-930) — for a task stopped for ptrace (NT_ARM_SSVE, NT_ARM_ZA
     * headers), with the header flags the tracee's own. A VL that changes: flush the task's
     * binding, convert to FPSIMD if TIF_SVE or streaming (fp_type FPSIMD), clear SVCR.SM/ZA and
     * TIF_SME, set the VL, reallocate sve_state zeroed, free sme_state. sme.rst ("Changing the
     * vector length causes PSTATE.ZA and PSTATE.SM to be cleared", V bits kept): the
     * expectation follows. Returns whether the VL changed.
     */
    ef3be86021c3(t: TaskView, vq: number): boolean {
      const inherit = t.TIF_SME_VL_INHERIT;
      t.sme_vl_onexec = inherit ? vq : 0;
      if (vq === t.sme_vq) return false;
      this.fpsimd_flush_task_state(t);
      const wasSve = t.TIF_SVE;
      t.TIF_SVE = false;
      if (wasSve || t.svcr_SM) {
        this.sve_to_fpsimd(t);
        t.fp_type = FpType.FPSIMD;
      }
      t.svcr_SM = false;
      t.svcr_ZA = false;
      t.TIF_SME = false;
      t.sme_vq = vq;
      this.sve_free(t);
      this.sveStateAllocated(t);
      this.sme_free(t);
      t.exp_Hi = ZERO;
      t.exp_SM = false;
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
      return true;
    },
    /**
     * @models vec_set_vector_length(ARM64_VEC_SME) → change_live_vector_length() — fpsimd.c (B),
     * for a stopped task: flush its binding, sync uw from the effective state, set the VL, a
     * zeroed sve_state synced back zero-padded (fp_type and PSTATE.SM kept: the code's choice,
     * where sme.rst says SM is cleared), SVCR.ZA cleared and a fresh zeroed sme_state.
     */
    '49ce484187f7'(t: TaskView, vq: number): boolean {
      const inherit = t.TIF_SME_VL_INHERIT;
      t.sme_vl_onexec = inherit ? vq : 0;
      if (vq === t.sme_vq) return false;
      this.fpsimd_flush_task_state(t);
      this.fpsimd_sync_from_effective_state(t);
      t.sme_vq = vq;
      this.sveStateAllocated(t);
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
      this.fpsimd_sync_to_effective_state_zeropad(t);
      t.svcr_ZA = false;
      this.sme_alloc(t);
      t.exp_Hi = ZERO;
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
      return true;
    },
  },
  sme_set_current_vl: {
    /**
     * @models sme_set_current_vl() → vec_set_vector_length(ARM64_VEC_SME) — fpsimd.c (A), for
     * the other streaming VL, effective now: save and flush, convert to FPSIMD if TIF_SVE or
     * streaming, clear SVCR.SM/ZA and TIF_SME, set the VL, reallocate sve_state, free
     * sme_state. The model runs it as one step (the preemption point after the context is
     * released only frees and allocates buffers). ZA is discarded: user space must expect it off.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      const vq = t.sme_vq === this.defaultSmeVq ? (this.defaultSmeVq > 1 ? this.defaultSmeVq / 2 : 2) : this.defaultSmeVq;
      t.sme_vl_onexec = 0;
      this.fpsimd_save_user_state();
      this.fpsimd_flush_task_state(t);
      const wasSve = t.TIF_SVE;
      t.TIF_SVE = false;
      if (wasSve || t.svcr_SM) {
        this.sve_to_fpsimd(t);
        t.fp_type = FpType.FPSIMD;
      }
      t.svcr_SM = false;
      t.svcr_ZA = false;
      t.TIF_SME = false;
      t.sme_vq = vq;
      this.sve_free(t);
      this.sveStateAllocated(t);
      this.sme_free(t);
      t.TIF_SME_VL_INHERIT = false;
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
    },
    /**
     * @models sme_set_current_vl() → change_live_vector_length(ARM64_VEC_SME) — fpsimd.c (B):
     * as for SVE, plus SVCR.ZA cleared and a fresh zeroed sme_state; TIF_SME is kept.
     */
    '49ce484187f7'(): void {
      const t = this.currentTask;
      const vq = t.sme_vq === this.defaultSmeVq ? (this.defaultSmeVq > 1 ? this.defaultSmeVq / 2 : 2) : this.defaultSmeVq;
      this.fpsimd_save_and_flush_current_state();
      this.fpsimd_sync_from_effective_state(t);
      t.sme_vq = vq;
      this.sveStateAllocated(t);
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
      this.fpsimd_sync_to_effective_state_zeropad(t);
      t.svcr_ZA = false;
      this.sme_alloc(t);
      t.sme_vl_onexec = 0;
      t.TIF_SME_VL_INHERIT = false;
      t.exp_Hi = ZERO;
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
    },
  },
  sve_sync_to_fpsimd: {
    /**
     * @models sve_sync_to_fpsimd() — fpsimd.c (A): uw.fpsimd_state brought up to date from
     * sve_state when the saved format is SVE (fp_type, not TIF_SVE: a streaming task's state is
     * SVE-format without TIF_SVE, and a task stopped in a syscall may have TIF_SVE with an
     * FPSIMD-format save).
     */
    ef3be86021c3(t: TaskView): void {
      if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
    },
  },
  fpsimd_sync_to_sve: {
    /** @models fpsimd_sync_to_sve() — fpsimd.c (A): sve_state from uw unless TIF_SVE or SVCR.SM. */
    ef3be86021c3(t: TaskView): void {
      if (!t.TIF_SVE && !(this.hasSme && t.svcr_SM)) this.fpsimd_to_sve(t);
    },
  },
  sve_sync_from_fpsimd_zeropad: {
    /**
     * @models sve_sync_from_fpsimd_zeropad() — fpsimd.c (A): for a task with TIF_SVE *or in
     * streaming mode* (the SVCR.SM test came with the streaming-mode ptrace fixes, Fixes:
     * e12310a0d30), rebuild sve_state from uw's V registers, zero above them.
     */
    ef3be86021c3(t: TaskView): void {
      if (!t.TIF_SVE && !(this.hasSme && t.svcr_SM)) return;
      t.sve_V = t.uw_V;
      t.sve_Hi = ZERO;
    },
  },
  fpsimd_save_and_flush_current_state: {
    /**
     * @models fpsimd_save_and_flush_current_state() — fpsimd.c (B): inside the FP context, save
     * current's live state and flush its binding. The prologue of every path that edits
     * current's saved state (signals, fork, VL changes).
     */
    '929fa99b1215'(): void {
      this.fpsimd_save_user_state();
      this.fpsimd_flush_task_state(this.currentTask);
    },
  },
  fpsimd_sync_from_effective_state: {
    /** @models fpsimd_sync_from_effective_state() — fpsimd.c (B): uw's V from sve_state if fp_type is SVE. */
    '929fa99b1215'(t: TaskView): void {
      if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
    },
  },
  fpsimd_sync_to_effective_state_zeropad: {
    /** @models fpsimd_sync_to_effective_state_zeropad() — fpsimd.c (B): rebuild sve_state from uw, zero above V. */
    '929fa99b1215'(t: TaskView): void {
      if (t.fp_type !== FpType.SVE) return;
      t.sve_V = t.uw_V;
      t.sve_Hi = ZERO;
    },
  },
  __efi_fpsimd_begin: {
    /**
     * @models __efi_fpsimd_begin() — fpsimd.c (A; Debian 6.1.192 and 6.12.118 alike, fpsimd.c
     * 1981-2030 in 6.12), the fallback when may_use_simd() is false, as e0838f6373e5 ("arm64/sme:
     * Save and restore streaming mode over EFI runtime calls", v5.19) left it. With SVE:
     * remember SVCR.SM, sve_save_state() of the live registers — in streaming mode the
     * streaming Z/P at the streaming VL, FFR only with FA64 — through a pointer to the FFR slot
     * of efi_sve_state *laid out for sve_max_vl()*, though sve_efi_setup() sized the buffer
     * for the larger of the SVE and SME maximum VLs; then clear SVCR.SM for the firmware (a
     * change of PSTATE.SM zeroes Z/P/FFR, FPSR and FPMR). A streaming VL above sve_max_vl()
     * stores Z0 before the start of the buffer. Without SVE (an SME-only CPU) fpsimd_save_state():
     * streaming mode is left on for the firmware, which the model does not judge.
     */
    ef3be86021c3(): void {
      const c = this.cpu;
      if (!this.hasSve) {
        this.efiSaved = { V: c.regV, Hi: ZERO, sve: false, sm: false };
        return;
      }
      const sm = this.hasSme && c.regSM;
      const vq = sm ? c.hw_svq || this.defaultSmeVq : c.hw_vq || this.defaultVq;
      const smeMax = this.hasSme ? Math.max(this.defaultSmeVq, this.defaultSmeVq > 1 ? this.defaultSmeVq / 2 : 2) : 0;
      ffrAddressedAccess(this, 'efi_sve_state', vq, this.sveMaxVq, Math.max(this.sveMaxVq, smeMax), 'save', '__efi_fpsimd_begin');
      this.efiSaved = { V: c.regV, Hi: c.regHi, sve: true, sm };
      if (this.hasSme) setStreamingMode(c, false);
    },
  },
  __efi_fpsimd_end: {
    /**
     * @models __efi_fpsimd_end() — fpsimd.c (A; 6.12.118 fpsimd.c 2035-2077): back into
     * streaming mode if begin left it (zeroing the registers again), then sve_load_state() of
     * Z/P (FFR only outside streaming mode or with FA64) and FPSR/FPCR. FPMR, zeroed by each
     * change of PSTATE.SM, is not in the EFI save area and is not restored.
     */
    ef3be86021c3(): void {
      const c = this.cpu;
      const s = this.efiSaved!;
      this.efiSaved = null;
      if (!s.sve) {
        fpsimdWriteRegs(c, s.V);
        return;
      }
      if (s.sm) setStreamingMode(c, true);
      sveWriteRegs(c, s.V, s.Hi);
    },
  },
  efiRuntimeCall: {
    /**
     * @models arch_efi_call_virt_setup() / teardown() with IRQs off — after 7137a203b251
     * ("arm64/fpsimd: Permit kernel mode NEON with IRQs off"), may_use_simd() holds with IRQs
     * off, so such a call (efi_reboot(), the non-blocking variable writes) brackets the
     * firmware with kernel_neon_begin()/kernel_neon_end(): the live user state is saved to
     * its task and the binding flushed, like any kernel-mode NEON user. 63de2b3859ba ("arm64/efi:
     * Remove unneeded SVE/SME fallback preserve/store handling") then removed the SVE/SME save
     * of the fallback, left only for hardirq/NMI calls (EFI pstore on an oops or panic), where
     * it now kills current and keeps only FPSIMD: a dying system, which the model does not
     * continue — its `efi` event is the IRQs-off call.
     */
    '63de2b3859ba'(): void {
      this.kernel_neon_begin();
      this.efiFirmwareRuns();
      this.kernel_neon_end();
    },
  },
  sve_set_current_vl: {
    /**
     * @models sve_set_current_vl() — fpsimd.c (B), prctl(PR_SVE_SET_VL): change_live_vector_length()
     * then the onexec/INHERIT bookkeeping; user space's SVE part beyond V reads as zero after a
     * VL change.
     */
    '49ce484187f7'(mode: 'now' | 'inherit' | 'onexec'): void {
      const t = this.currentTask;
      const vq = this.otherVq(t.sve_vq);
      const before = t.sve_vq;
      this.sve_set_vector_length(t, vq, mode === 'inherit', mode === 'onexec');
      if (t.sve_vq !== before) t.exp_Hi = ZERO;
    },
  },
});
