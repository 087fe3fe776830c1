/**
 * mainline — the 2025 rework: eager save+flush of the host state at vcpu_load, the syscall
 * to_save window, signal and ptrace paths that save+flush first and then edit memory only.
 *
 * Kernel: v6.16 or later, as read in snapshots B, E and H:
 *  - B: Kingxukai/linux @0291023e7330: arch/arm64/kernel/fpsimd.c (index id 8246390898, read in
 *    full) and arch/arm64/kernel/signal.c (index id 8630279249, the FP records, restore_sigframe,
 *    setup_return, setup_rt_frame); arch/arm64/kvm/fpsimd.c and arch/arm64/kernel/process.c of
 *    the same tree at 9b44fff655e2 (index ids 8739427688, 8159714322); sve_set_common() of
 *    ptrace.c from an excerpt of the same era (index id 61367219037). (The tree's comments are
 *    mangled "the" → "the woke"; the code is intact.)
 *  - E: arch/arm64/kernel/entry-common.c (index id 848693805): fpsimd_syscall_enter() /
 *    fpsimd_syscall_exit().
 *  - H: arch/arm64/kvm/hyp/include/hyp/switch.h (index id 19037564): kvm_hyp_handle_fpsimd()
 *    saves no host state outside pKVM; __deactivate_cptr_traps_vhe() leaves FP, SVE and SME
 *    enabled for EL0 and EL1 (CPACR_EL1.{FPEN,ZEN,SMEN}).
 *
 * Commits that shaped it, since v6.12 (titles and hashes from the listings in the index [S]):
 *  - fbc7e61195e2 "KVM: arm64: Unconditionally save+flush host FPSIMD/SVE/SME state",
 *    8eca7f6d5100, 459f059be702, 407a99c4654e, 59419f10045b (v6.14): no fpsimd_kvm_prepare(), no
 *    HOST_{SVE,SME}_ENABLED, no host save in hyp, ZCR switched eagerly [V in B/H];
 *  - e5fa85fce08b "arm64/fpsimd: Don't corrupt FPMR when streaming mode changes" (FPMR is
 *    loaded after SVCR), d3eaab3c7090 "arm64/fpsimd: Discard stale CPU state when handling SME
 *    traps", 01098d893fa8 "arm64/fpsimd: Avoid clobbering kernel FPSIMD state with SMSTOP"
 *    (flush, then load the kernel state), a90878f297d3 "arm64/fpsimd: Reset FPMR upon exec()",
 *    45fd86986b79 "Remove redundant SVE trap manipulation" [V in B];
 *  - d3a181588df9 / 929fa99b1215 "arm64/fpsimd: signal: Always save+flush state early",
 *    99560c9452bb "signal: Use SMSTOP behaviour in setup_return()", c94f2f326146 "Fix merging
 *    of FPSIMD state during signal return" (v6.15) [V in B];
 *  - 398edaa12f9c "arm64/fpsimd: Do not discard modified SVE state" (the to_save window of E
 *    replaces the in_syscall() test), 49ce484187f7 / b87c8c4aca11 (VL changes keep PSTATE.SM and
 *    the effective FPSIMD state), 316283f276eb (partial NT_ARM_(S)SVE writes) and the series'
 *    re-enabling of SME (v6.16) [V in B];
 *  - e0cb0f26594c "arm64/fpsimd: Consistently preserve FPSIMD state during clone()" (v6.16)
 *    [V in process.c].
 *
 * What differs from v6.12: KVM saves and flushes the host's live state (SME included) at every
 * vcpu_load, hyp never saves host state, and put_fp no longer restores EL0 trap bits; a
 * syscall's lazy SVE discard is the per-CPU to_save window (FPSIMD from syscall entry until a
 * rebind or the syscall exit) instead of in_syscall(); signal delivery and sigreturn save and
 * flush first and then edit memory only; fork saves, flushes and syncs the effective FPSIMD
 * state before the copy; VL changes keep fp_type and PSTATE.SM; SME is enabled again.
 *
 * Modelled as it is, including sve_set_common()'s "Always zero V regs" memset, which in this
 * tree clears *current*'s (the tracer's) uw.fpsimd_state instead of the target's: fixed later
 * by 5cbb61bf4168 "arm64/fpsimd: ptrace: zero target's fpsimd_state, not the tracer's"
 * (Fixes: 316283f276eb) [V: the stable review copy, index id 60004660854].
 */

import { sveWriteRegs, setStreamingMode, fpsimdWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, ZT0_BYTES, sveSaveBytes } from '../arch/sizes.js';
import { ZERO } from '../arch/tokens.js';
import { Format } from '../kernel/effects.js';
import type { KernelFeatures } from '../kernel/machine.js';
import { FpOwner, FpType, KPath, Pos, type TaskView, type VcpuView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V612Kernel } from './v6.12.js';

export class MainlineKernel extends V612Kernel {
  /** SME re-enabled (the 2025 series), FPMR, SVE guests. */
  static override readonly features: KernelFeatures = { ext: true, sme: true, fpmr: true, guestSve: true };

  // --- fpsimd.c (B) ---------------------------------------------------------------------------------

  /** B: SVE format if to_save asks for it (CURRENT: TIF_SVE); the syscall window forces FPSIMD. */
  override saveSveFormat(t: TaskView): boolean {
    const c = this.cpu;
    return (c.to_save === FpType.CURRENT && t.TIF_SVE) || c.to_save === FpType.SVE;
  }

  /**
   * @models task_fpsimd_load() — fpsimd.c (B): as A, but the EL0 traps are left to
   * fpsimd_bind_task_to_cpu() (45fd86986b79) and FPMR is written after SVCR (e5fa85fce08b):
   * a change of PSTATE.SM zeroes FPMR, so writing it first lost it.
   */
  override task_fpsimd_load(): void {
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
      const redundant = c.regV === t.sve_V && c.regHi === t.sve_Hi;
      sveWriteRegs(c, t.sve_V, t.sve_Hi);
      this.fx.load(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), redundant, vq * VQ_BITS);
    } else {
      const redundant = c.regV === t.uw_V && c.regHi === ZERO;
      fpsimdWriteRegs(c, t.uw_V);
      this.fx.load(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, redundant);
    }
  }

  /** B (01098d893fa8): flush the CPU binding (SMSTOP), *then* load next's kernel-mode NEON state. */
  override switchToKernelNeonTask(next: TaskView): void {
    this.fpsimd_flush_cpu_state();
    this.fpsimd_load_kernel_state(next);
  }

  /** do_sme_acc() not live (d3eaab3c7090): flush the task's binding. */
  override smeAccForeign(t: TaskView): void {
    this.fpsimd_flush_task_state(t);
  }

  /** fpsimd_flush_thread() resets FPMR (a90878f297d3). */
  override flushThreadFpmr(t: TaskView): void {
    if (this.hasFpmr) t.uw_fpmr = ZERO;
  }

  /**
   * @models fpsimd_save_and_flush_current_state() — fpsimd.c (B): inside the FP context, save
   * current's live state and flush its binding. The prologue of every path that edits
   * current's saved state (signals, fork, VL changes).
   */
  fpsimd_save_and_flush_current_state(): void {
    this.fpsimd_save_user_state();
    this.fpsimd_flush_task_state(this.currentTask);
  }

  /** @models fpsimd_sync_from_effective_state() — fpsimd.c (B): uw's V from sve_state if fp_type is SVE. */
  fpsimd_sync_from_effective_state(t: TaskView): void {
    if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
  }

  /** @models fpsimd_sync_to_effective_state_zeropad() — fpsimd.c (B): rebuild sve_state from uw, zero above V. */
  fpsimd_sync_to_effective_state_zeropad(t: TaskView): void {
    if (t.fp_type !== FpType.SVE) return;
    t.sve_V = t.uw_V;
    t.sve_Hi = ZERO;
  }

  /**
   * @models fpsimd_update_current_state() — fpsimd.c (B): memory only (the caller saved and
   * flushed first): the frame's V registers into uw, merged into sve_state if fp_type is SVE.
   */
  override fpsimd_update_current_state(v: number): void {
    const t = this.currentTask;
    t.uw_V = v;
    if (t.fp_type === FpType.SVE) this.fpsimd_to_sve(t);
  }

  /**
   * @models vec_set_vector_length() → change_live_vector_length() — fpsimd.c (B), for the SVE
   * VL: allocate first; save and flush current (or flush a stopped target); keep the effective
   * FPSIMD state and PSTATE.SM: sync uw from the effective state, set the VL, install a zeroed
   * sve_state and sync back zero-padded. TIF_SVE and fp_type are kept. Everything happens
   * before the point where the task can be preempted, so the SET_VL path only records INHERIT.
   */
  override sve_set_vector_length(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
    if (!onexec && vq !== t.sve_vq) {
      if (t === this.current) this.fpsimd_save_and_flush_current_state();
      else this.fpsimd_flush_task_state(t);
      this.fpsimd_sync_from_effective_state(t);
      t.sve_vq = vq;
      t.sve_state = true;
      t.sve_V = ZERO;
      t.sve_Hi = ZERO;
      this.fpsimd_sync_to_effective_state_zeropad(t);
    }
    t.sve_vl_onexec = onexec || inherit ? vq : 0;
    t.TIF_SVE_VL_INHERIT = inherit;
    return false;
  }

  /**
   * @models sve_set_current_vl() — fpsimd.c (B), prctl(PR_SVE_SET_VL): change_live_vector_length()
   * then the onexec/INHERIT bookkeeping; user space's SVE part beyond V reads as zero after a
   * VL change.
   */
  override sve_set_current_vl(mode: 'now' | 'inherit' | 'onexec'): void {
    const t = this.currentTask;
    const vq = this.otherVq(t.sve_vq);
    const before = t.sve_vq;
    this.sve_set_vector_length(t, vq, mode === 'inherit', mode === 'onexec');
    if (t.sve_vq !== before) t.exp_Hi = ZERO;
  }

  /**
   * @models sme_set_current_vl() → change_live_vector_length(ARM64_VEC_SME) — fpsimd.c (B):
   * as for SVE, plus SVCR.ZA cleared and a fresh zeroed sme_state; TIF_SME is kept.
   */
  override sme_set_current_vl(): void {
    const t = this.currentTask;
    const vq = t.sme_vq === this.defaultSmeVq ? (this.defaultSmeVq > 1 ? this.defaultSmeVq / 2 : 2) : this.defaultSmeVq;
    this.fpsimd_save_and_flush_current_state();
    this.fpsimd_sync_from_effective_state(t);
    t.sme_vq = vq;
    t.sve_state = true;
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
  }

  // --- syscalls (E) -----------------------------------------------------------------------------------

  /**
   * @models el0_svc → fpsimd_syscall_enter() — entry-common.c (E): on SME systems SMSTOP SM
   * (ZA is left alone); if TIF_SVE, zero the live SVE part (sve_flush_live); then open the
   * lazy-discard window: this CPU's fpsimd_last_state.to_save = FP_STATE_FPSIMD.
   */
  override el0_svc(): void {
    const t = this.currentTask;
    const c = this.cpu;
    if (this.hasSme) setStreamingMode(c, false);
    if (t.TIF_SVE) c.regHi = ZERO;
    c.to_save = FpType.FPSIMD;
    this.syscallAbiExpectation(t);
    t.pos = Pos.KERNEL;
    t.in_syscall = true;
  }

  /**
   * The final return to EL0; after a syscall, fpsimd_syscall_exit() — entry-common.c (E) —
   * closes the window on this CPU (to_save = FP_STATE_CURRENT): a reload during the syscall
   * has already reset it through fpsimd_bind_task_to_cpu().
   */
  override returnToUser(t: TaskView): void {
    if (t.in_syscall) this.cpu.to_save = FpType.CURRENT;
    super.returnToUser(t);
  }

  // --- signals (B) ------------------------------------------------------------------------------------

  /**
   * @models setup_rt_frame() — signal.c (B): fpsimd_save_and_flush_current_state() first
   * (929fa99b1215), so every later step edits memory while the task's state is not live; the
   * frame is written after a point where the task can be preempted.
   */
  override setup_rt_frame(): void {
    const t = this.currentTask;
    t.in_syscall = false;
    this.fpsimd_save_and_flush_current_state();
    this.enterKPath(t, KPath.SIGNAL, 1);
  }

  /** preserve_fpsimd_context() syncs uw from the effective state before copying it (B). */
  override setup_sigframe(): void {
    this.fpsimd_sync_from_effective_state(this.currentTask);
    super.setup_sigframe();
  }

  /** preserve_fpmr_context() (B): from the saved uw.fpmr. */
  override preserveFpmr(t: TaskView): void {
    t.sig_FPMR = t.uw_fpmr;
  }

  /**
   * setup_return() (B): the handler runs as if after SMSTOP, applied to memory only:
   * task_smstop_sm() (if SVCR.SM: zero uw's V registers, FPSR to its reset value, FPMR 0, clear
   * SVCR.SM, fp_type FPSIMD) and SVCR.ZA cleared; TPIDR2 zeroed. Nothing touches the registers.
   */
  override setupReturnMemory(t: TaskView): void {
    if (this.hasSme) {
      this.task_smstop_sm(t);
      t.svcr_ZA = false;
    }
    this.leaveKPath(t);
    this.handlerEntryExpectation(t);
  }

  /** @models task_smstop_sm() — fpsimd.c (B): the effects of SMSTOP SM on a saved state. */
  task_smstop_sm(t: TaskView): void {
    if (!t.svcr_SM) return;
    t.uw_V = ZERO;
    if (this.hasFpmr) t.uw_fpmr = ZERO;
    t.svcr_SM = false;
    t.fp_type = FpType.FPSIMD;
  }

  /**
   * @models restore_sigframe() — signal.c (B), first part: forget the syscall, then
   * fpsimd_save_and_flush_current_state() before anything is read from the frame; the records
   * are then restored into memory and loaded at the return to user.
   */
  override rt_sigreturn(): void {
    const t = this.currentTask;
    t.in_syscall = false;
    this.fpsimd_save_and_flush_current_state();
    if (t.sig_vq !== (t.sig_sm ? t.sme_vq : t.sve_vq)) {
      this.force_sig_segv();
      return;
    }
    if (t.sig_sve) {
      this.enterKPath(t, KPath.SIGRETURN, 1);
    } else {
      // restore_fpsimd_context(): FPSIMD only, streaming mode off
      t.TIF_SVE = false;
      t.svcr_SM = false;
      t.fp_type = FpType.FPSIMD;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    }
  }

  /**
   * restore_sve_fpsimd_context() (B), copy step: sve_alloc(); for a streaming frame SVCR.SM and
   * TIF_SME, else SVCR.SM cleared and TIF_SVE; fp_type SVE; then the register block.
   */
  override sigreturnCopySveRegs(): void {
    const t = this.currentTask;
    this.sve_alloc(t);
    if (t.sig_sm) {
      t.svcr_SM = true;
      t.TIF_SME = true;
    } else {
      t.svcr_SM = false;
      t.TIF_SVE = true;
    }
    t.fp_type = FpType.SVE;
    t.sve_V = t.sig_zV;
    t.sve_Hi = t.sig_Hi;
    this.enterKPath(t, KPath.SIGRETURN, 2);
  }

  /** restore_fpmr_context() (B): into the saved uw.fpmr. */
  override restoreFpmr(t: TaskView): void {
    t.uw_fpmr = t.sig_FPMR;
  }

  /**
   * restore_za_context() / restore_zt_context() (B): memory only (the state was flushed at the
   * start of sigreturn): ZA into a zeroed sme_state with TIF_SME and SVCR.ZA, ZT0 after it;
   * a header-only ZA record clears SVCR.ZA.
   */
  override sigreturnRestoreSmeRecords(): void {
    const t = this.currentTask;
    if (this.hasFpmr) this.restoreFpmr(t);
    if (this.hasSme) {
      if (t.sig_za) {
        this.sme_alloc(t);
        t.sme_ZA = t.sig_ZA;
        t.sme_ZT0 = t.sig_ZT0;
        t.TIF_SME = true;
        t.svcr_ZA = true;
      } else {
        t.svcr_ZA = false;
      }
    }
    t.exp_ZAen = t.sig_za;
    t.exp_ZA = t.sig_za ? t.sig_ZA : ZERO;
    t.exp_ZT0 = t.sig_za ? t.sig_ZT0 : ZERO;
    if (this.hasFpmr) t.exp_FPMR = t.sig_FPMR;
    t.sig_frame = false;
    this.leaveKPath(t);
    t.in_syscall = false;
  }

  // --- fork (process.c) -----------------------------------------------------------------------------

  /**
   * @models arch_dup_task_struct() — process.c (B era, e0cb0f26594c): save and flush current,
   * sync uw from the effective state (ptrace may have changed it after syscall entry), then
   * copy the task_struct; copy_thread() does the rest.
   */
  override arch_dup_task_struct(dst: TaskView, src: TaskView): void {
    this.fpsimd_save_and_flush_current_state();
    this.fpsimd_sync_from_effective_state(src);
    super.arch_dup_task_struct(dst, src);
  }

  // --- ptrace (B) ----------------------------------------------------------------------------------

  /**
   * @models sve_set() → sve_set_common() — ptrace.c (B era): flush the target's binding, apply
   * the header's VL, allocate, set TIF_SVE and clear SVCR.SM (NT_ARM_SVE), then "always zero V
   * regs, FPSR and FPCR" — which this tree does to *current* (the tracer) — and copy the
   * payload: FPSIMD format through __fpr_set() (TIF_SVE cleared, fp_type FPSIMD), SVE format
   * into sve_state (fp_type SVE).
   */
  override sve_set(target: TaskView, sveFormat: boolean, vq: number): void {
    const tracer = this.currentTask;
    this.fpsimd_flush_task_state(target);
    const tok = this.newTaskToken(target);
    const inherit = target.TIF_SVE_VL_INHERIT;
    this.sve_set_vector_length(target, vq, inherit, false);
    if (sveFormat) this.sve_alloc(target);
    target.svcr_SM = false;
    target.TIF_SVE = true;
    tracer.uw_V = ZERO; // memset(&current->thread.uw.fpsimd_state, 0, ...)
    if (!sveFormat) {
      target.TIF_SVE = false;
      target.fp_type = FpType.FPSIMD;
      this.__fpr_set(target, tok);
      target.exp_V = tok;
      target.exp_Hi = ZERO;
    } else {
      target.fp_type = FpType.SVE;
      target.sve_V = tok;
      target.sve_Hi = tok;
      target.exp_V = tok;
      target.exp_Hi = tok;
    }
    target.exp_SM = false;
  }

  /** @models __fpr_set() — ptrace.c (B): sync uw from the effective state, then the new V registers. */
  override __fpr_set(target: TaskView, v: number): void {
    this.fpsimd_sync_from_effective_state(target);
    target.uw_V = v;
  }

  /**
   * @models fpr_set() — ptrace.c (B): __fpr_set(), then the effective state zero-padded from
   * uw, then flush the target's binding.
   */
  override fpr_set(target: TaskView): void {
    const tok = this.newTaskToken(target);
    this.__fpr_set(target, tok);
    this.fpsimd_sync_to_effective_state_zeropad(target);
    this.fpsimd_flush_task_state(target);
    target.exp_V = tok;
    target.exp_Hi = ZERO;
  }

  // --- KVM (B, H) -----------------------------------------------------------------------------------

  /**
   * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (B, fbc7e61195e2): save and flush whatever
   * host state is live (SVE, SME, FPMR included; the flush's SMSTOP leaves PSTATE.{SM,ZA} clear)
   * so that the host restores it at return to user and hyp never saves it; nobody owns the
   * registers. WARN if SVCR is still non-zero.
   */
  override kvm_arch_vcpu_load_fp(_v: VcpuView): void {
    const c = this.cpu;
    this.fpsimd_save_and_flush_cpu_state();
    c.fp_owner = FpOwner.FREE;
    this.warnOn(this.hasSme && (c.regSM || c.regZAen), 'kvm_arch_vcpu_load_fp', 'SVCR is non-zero after the save+flush');
  }

  /** hyp saves no host state outside pKVM (8eca7f6d5100); the owner is never HOST_OWNED here. */
  override hypSaveHost(_host: TaskView): void {}

  /**
   * @models __deactivate_cptr_traps_vhe() — switch.h (H): CPACR_EL1 = FPEN | ZEN | SMEN (EL0
   * and EL1): EL0 SVE and SME are left *enabled* after every guest run; the host rebinds (and so
   * reprograms them) before any user task runs, since vcpu_load flushed the host binding.
   */
  override __deactivate_traps(): void {
    const c = this.cpu;
    c.zen_el0 = true;
    if (this.hasSme) c.smen_el0 = true;
  }

  /**
   * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (B), IRQs saved and disabled: if the guest
   * owns the registers, save them (through the vcpu's binding) and flush. No trap state to
   * restore any more (459f059be702, 407a99c4654e).
   */
  override kvm_arch_vcpu_put_fp(_v: VcpuView): void {
    if (this.cpu.fp_owner === FpOwner.GUEST_OWNED) this.fpsimd_save_and_flush_cpu_state();
  }
}

export const mainline: Variant = {
  name: 'mainline',
  kernel: 'v6.16+ (snapshots B @0291023e7330, E, H: fbc7e61195e2, 929fa99b1215, 398edaa12f9c, e0cb0f26594c; before 5cbb61bf4168)',
  summary: 'eager save+flush of the host state at vcpu_load, syscall to_save window, save+flush-first signals and fork, SME re-enabled',
  status: 'release',
  Kernel: MainlineKernel,
};
