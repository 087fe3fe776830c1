/**
 * arch/arm64/kernel/signal.c (setup_rt_frame(), setup_sigframe(), setup_return(), rt_sigreturn()
 * and the FP records): the versions of its functions after the base kernel's
 * (src/kernel/entry.ts), each tagged with the commit that introduced it. v6.12-rc1's code is
 * from excerpts (index ids 2452005356, 25162402580, 11157044942, 40230829670); mainline's from
 * snapshot B (index id 8630279249).
 *
 * v6.12-rc1's checkFrameView() override is gone: what the handler may see in the frame (the
 * SME-era za/zt/fpmr records included) is judged by handlerEntered() in src/spec/observe.ts.
 */

import { smstop } from '../../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, ZT0_BYTES, sveRegsBytes } from '../../arch/sizes.js';
import { ZERO } from '../../arch/tokens.js';
import { Kvm } from '../kvm.js';
import { FpType, KPath, SigForge, frameHasSveData, type TaskView } from '../records.js';
import { versions } from './table.js';
import { handlerEntered } from '../../spec/observe.js';

export const signal = versions({
  fpsimd_signal_preserve_current_state: {
    // fpsimd_restore_current_state() and fpsimd_update_current_state() in A do what v4.18's do
    // (load and bind if TIF_FOREIGN_FPSTATE; sigreturn merges the frame's V registers into
    // sve_state only under TIF_SVE, not for a streaming-only task, then loads and binds): they are
    // inherited from V418Kernel, with task_fpsimd_load() and fpsimd_bind_task_to_cpu() of this era.

    /**
     * @models fpsimd_signal_preserve_current_state() — fpsimd.c (A): fpsimd_preserve_current_state()
     * (the save, in its own function: 6.12.118's fpsimd.c:1698-1703 calls it, and the lab's
     * traces show the call), then if the saved format is SVE copy the V part into uw for the
     * frame's fpsimd_context.
     */
    ef3be86021c3(): void {
      this.fpsimd_preserve_current_state();
      const t = this.currentTask;
      if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
    },
  },
  setup_rt_frame: {
    /**
     * @models setup_rt_frame() — signal.c (v6.x), first step: do_signal() has already forgotten
     * the syscall (forget_syscall: in_syscall() is false from here), then
     * fpsimd_signal_preserve_current_state(). The frame is written next, after a point where
     * the task can be preempted.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      t.in_syscall = false;
      if (this.splitPaths) {
        // fpsimd_signal_preserve_current_state(), first half: fpsimd_preserve_current_state()
        // in the FP context; the second half (signalPreserveSveToFpsimd) is the next step
        this.fpsimd_save_user_state();
        this.enterKPath(t, KPath.SIGNAL, 3);
        return;
      }
      this.fpsimd_signal_preserve_current_state();
      this.enterKPath(t, KPath.SIGNAL, 1);
    },
    /**
     * @models setup_rt_frame() — signal.c (B): fpsimd_save_and_flush_current_state() first
     * (929fa99b1215), so every later step edits memory while the task's state is not live; the
     * frame is written after a point where the task can be preempted.
     */
    '929fa99b1215'(): void {
      const t = this.currentTask;
      t.in_syscall = false;
      this.fpsimd_save_and_flush_current_state();
      this.enterKPath(t, KPath.SIGNAL, 1);
    },
  },
  signalPreserveSveToFpsimd: {
    /**
     * fpsimd_signal_preserve_current_state() (A), second half, outside the FP context (the
     * `atomic` family's split): if the saved format is SVE, copy its V part into uw for the
     * frame's fpsimd_context. Then the frame is written (the next step).
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
      this.enterKPath(t, KPath.SIGNAL, 1);
    },
  },
  setup_sigframe: {
    /**
     * @models setup_sigframe() and the first half of setup_return() — signal.c (A era). Frame
     * records from memory: fpsimd_context from uw; sve_context with the streaming registers at
     * the SME VL if SVCR.SM, the SVE registers if fp_type is SVE, else a header; za_context and
     * zt_context if SVCR.ZA; fpmr_context from the *live* FPMR, which preserve_fpmr_context()
     * also writes into uw.fpmr (8c46def44409). Then setup_return() edits memory: if SVCR.SM,
     * zero uw and set fp_type FPSIMD; clear SVCR.SM/ZA. Its SMSTOP of the live registers is the
     * next step (a softirq or preemption can come in between).
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      t.sig_V = t.uw_V;
      const sm = this.hasSme && t.svcr_SM;
      t.sig_sm = sm;
      t.sig_sve = sm || t.fp_type === FpType.SVE;
      t.sig_zV = t.sig_sve ? t.sve_V : ZERO;
      t.sig_Hi = t.sig_sve ? t.sve_Hi : ZERO;
      t.sig_vq = sm ? t.sme_vq : t.sve_vq;
      t.sig_za = this.hasSme && t.svcr_ZA;
      t.sig_ZA = t.sig_za ? t.sme_ZA : ZERO;
      t.sig_ZT0 = t.sig_za ? t.sme_ZT0 : ZERO;
      if (this.hasFpmr) this.preserveFpmr(t);
      if (this.hasSme) this.preserveTpidr2(t);
      t.sig_forge = 0;
      t.sig_frame = true;
      this.fx.frame?.(this.cpu.id, t.slot, 'setup', this.frameBytes(t));
      handlerEntered(this, t, 'setup_sigframe');
      this.setupReturnMemory(t);
    },
    /** preserve_fpsimd_context() syncs uw from the effective state before copying it (B). */
    '929fa99b1215'(): void {
      this.fpsimd_sync_from_effective_state(this.currentTask);
      signal.setup_sigframe.ef3be86021c3.call(this);
    },
  },
  preserveFpmr: {
    /** preserve_fpmr_context() (v6.9-v6.14): uw.fpmr := the live FPMR, whoever's it is; then the frame. */
    ef3be86021c3(t: TaskView): void {
      t.uw_fpmr = this.cpu.regFPMR;
      t.sig_FPMR = t.uw_fpmr;
    },
    /** preserve_fpmr_context() (B): from the saved uw.fpmr. */
    '929fa99b1215'(t: TaskView): void {
      t.sig_FPMR = t.uw_fpmr;
    },
  },
  preserveTpidr2: {
    /**
     * preserve_tpidr2_context() (v6.3+, 39e54499280f, folded into ef3be86021c3; Debian 6.12.118
     * signal.c:513-524): thread.tpidr2_el0 := the live TPIDR2_EL0 (current's: it is switched
     * eagerly), and the frame's tpidr2_context gets it.
     */
    ef3be86021c3(t: TaskView): void {
      t.tpidr2 = this.cpu.regTPIDR2;
      t.sig_TPIDR2 = t.tpidr2;
    },
    /** preserve_tpidr2_context() (B, 2fe2b96c3818 "Simplify preserve_tpidr2_context()"): the register into the frame only. */
    '929fa99b1215'(t: TaskView): void {
      t.sig_TPIDR2 = this.cpu.regTPIDR2;
    },
  },
  restoreTpidr2: {
    /**
     * restore_tpidr2_context() as 39e54499280f ("arm64/signal: Include TPIDR2 in the signal
     * context", v6.3) wrote it, folded into ef3be86021c3: the frame's value into
     * thread.tpidr2_el0 only. The register keeps what the handler left there, and the next
     * switch out saves it over the restored value.
     */
    ef3be86021c3(t: TaskView): void {
      t.tpidr2 = t.sig_TPIDR2;
    },
    /** restore_tpidr2_context() (616cb2f4b141, v6.5; Debian 6.12.118 signal.c:526-538): write the live TPIDR2_EL0. */
    '616cb2f4b141'(t: TaskView): void {
      this.cpu.regTPIDR2 = t.sig_TPIDR2;
    },
  },
  frameBytes: {
    /** Frame bytes: fpsimd_context, the SVE block at the frame's VL, ZA and ZT0 when present. */
    ef3be86021c3(t: TaskView): number {
      return (
        FPSIMD_STATE_BYTES + (t.sig_sve ? sveRegsBytes(t.sig_vq * VQ_BITS) : 0) + (t.sig_za ? this.smeVqBytes(t.sme_vq) + ZT0_BYTES : 0)
      );
    },
  },
  setupReturnMemory: {
    /**
     * setup_return() (A era), memory part: a streaming task's saved V registers are zeroed and
     * its format becomes FPSIMD; SVCR.SM and SVCR.ZA are cleared in thread.svcr. The live SMSTOP
     * follows as the next step.
     */
    ef3be86021c3(t: TaskView): void {
      if (!this.hasSme) {
        this.leaveKPath(t);
        this.handlerEntryExpectation(t);
        return;
      }
      if (t.svcr_SM) {
        t.uw_V = ZERO;
        t.fp_type = FpType.FPSIMD;
      }
      t.svcr_SM = false;
      t.svcr_ZA = false;
      this.enterKPath(t, KPath.SIGNAL, 2);
    },
    /**
     * setup_return() (B): the handler runs as if after SMSTOP, applied to memory only:
     * task_smstop_sm() (if SVCR.SM: zero uw's V registers, FPSR to its reset value, FPMR 0, clear
     * SVCR.SM, fp_type FPSIMD) and SVCR.ZA cleared; TPIDR2 zeroed. Nothing touches the registers.
     */
    '929fa99b1215'(t: TaskView): void {
      if (this.hasSme) {
        this.task_smstop_sm(t);
        t.svcr_ZA = false;
        // b376108e1f88 "arm64/fpsimd: signal: Clear TPIDR2 when delivering signals" (v6.15, same
        // series): the handler starts with TPIDR2 0 (no ZA lazy save pending).
        this.cpu.regTPIDR2 = ZERO;
        t.exp_TPIDR2 = ZERO;
      }
      this.leaveKPath(t);
      this.handlerEntryExpectation(t);
    },
  },
  setupReturnSmstop: {
    /** setup_return() (A era), last part: sme_smstop() on whatever the CPU's registers hold. */
    ef3be86021c3(): void {
      const t = this.currentTask;
      smstop(this.cpu);
      this.leaveKPath(t);
      this.handlerEntryExpectation(t);
    },
  },
  handlerEntryExpectation: {
    /**
     * What the handler may expect (sme.rst): it runs with streaming mode and ZA disabled; if
     * the interrupted code was streaming, leaving streaming mode zeroed Z/P/FFR and FPMR.
     */
    ef3be86021c3(t: TaskView): void {
      if (t.exp_SM) {
        t.exp_SM = false;
        t.exp_V = ZERO;
        t.exp_Hi = ZERO;
        t.exp_FPMR = ZERO;
      }
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
    },
  },
  userFrameWrite: {
    /** The handler rewrites every register record of its frame (ZA/ZT0 when present, FPMR). */
    ef3be86021c3(): void {
      Kvm.prototype.userFrameWrite.call(this);
      const t = this.currentTask;
      const tok = t.sig_V;
      if (t.sig_za) {
        t.sig_ZA = tok;
        t.sig_ZT0 = tok;
      }
      if (this.hasFpmr) t.sig_FPMR = tok;
    },
  },
  rt_sigreturn: {
    /**
     * @models rt_sigreturn() → restore_sve_fpsimd_context() — signal.c (A era), first step: the
     * frame's VL must be the task's (the SME VL for a streaming frame) or SIGSEGV. A frame with
     * SVE register data: flush the task's binding (TIF_FOREIGN_FPSTATE), then copy (next step);
     * header only: clear TIF_SVE and SVCR.SM, fp_type FPSIMD. restore_sigframe() has forgotten
     * the syscall before any of this (forget_syscall(), signal.c in 6.12): from here in_syscall()
     * is false, so fpsimd_save_user_state() no longer discards the SVE state being restored.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      t.in_syscall = false;
      if (this.sigreturnRejectsLayout(t)) return;
      if (t.sig_forge & SigForge.NO_SVE) {
        this.sigreturnFpsimdOnly(t);
        return;
      }
      // a streaming frame needs SME (restore_sve_fpsimd_context: -EINVAL, hence SIGSEGV)
      if ((t.sig_sm && !this.hasSme) || t.sig_vq !== (t.sig_sm ? t.sme_vq : t.sve_vq) || this.restoreSveRejectsOnCpu(t)) {
        this.force_sig_segv();
        return;
      }
      if (t.sig_sve) {
        this.sigreturnFlushTaskState(t);
      } else {
        t.TIF_SVE = false;
        t.svcr_SM = false;
        t.fp_type = FpType.FPSIMD;
        this.enterKPath(t, KPath.SIGRETURN, 2);
      }
    },
    /**
     * @models restore_sigframe() — signal.c (B), first part: forget the syscall, then
     * fpsimd_save_and_flush_current_state() before anything is read from the frame; the records
     * are then restored into memory and loaded at the return to user.
     */
    '929fa99b1215'(): void {
      const t = this.currentTask;
      t.in_syscall = false;
      this.fpsimd_save_and_flush_current_state();
      if (this.sigreturnRejectsLayout(t)) return;
      if (t.sig_forge & SigForge.NO_SVE) {
        this.sigreturnFpsimdOnly(t);
        return;
      }
      // restore_sve_fpsimd_context() (B): a streaming frame needs SME and must carry a payload
      // (a header-only streaming record fails the size check); the VL must be the task's
      if ((t.sig_sm && (!this.hasSme || !t.sig_sve)) || t.sig_vq !== (t.sig_sm ? t.sme_vq : t.sve_vq) || this.restoreSveRejectsOnCpu(t)) {
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
    },
  },
  restoreSveRejectsOnCpu: {
    /**
     * restore_sve_fpsimd_context(), the CPU check for a non-streaming record (ef3be86021c3 era and
     * B alike): accepted on any CPU with SVE or SME — on an SME-only CPU because streaming mode
     * uses the SVE record (Mark Brown's 2022 fix, folded into ef3be86021c3). The kernel then
     * compares the record's VL with the task's SVE VL, which an SME-only system leaves at 0; a
     * record with register data there becomes fp_type SVE outside streaming mode, on a CPU that
     * cannot load it. The model keeps the boot SVE VL on every CPU, so it sees the same
     * acceptance as a load through sve_state at a VL it was not sized for (memory-safety).
     */
    ef3be86021c3(_t: TaskView): boolean {
      return false;
    },
    /** The later check (Debian 6.1.192 and 6.12.118 signal.c): without SVE, a non-streaming record must be header-only. */
    'sme-only-sve-payload'(t: TaskView): boolean {
      return !t.sig_sm && t.sig_sve && !this.hasSve;
    },
  },
  sigreturnRejectsLayout: {
    /**
     * parse_user_sigframe() and restore_sigframe() (v6.12 and B alike): a frame in which a
     * record appears twice, or without fpsimd_context, is invalid: SIGSEGV. Records are found
     * by magic, so their order does not matter (SigForge). Returns whether the task was killed.
     */
    ef3be86021c3(t: TaskView): boolean {
      if (!(t.sig_forge & (SigForge.NO_FPSIMD | SigForge.DUPLICATE))) return false;
      this.force_sig_segv();
      return true;
    },
  },
  sigreturnFpsimdOnly: {
    /**
     * restore_sigframe() with no sve_context (v6.12 and B alike): restore_fpsimd_context():
     * TIF_SVE and SVCR.SM cleared, fp_type FPSIMD, then the V registers (next step).
     */
    ef3be86021c3(t: TaskView): void {
      t.TIF_SVE = false;
      t.svcr_SM = false;
      t.fp_type = FpType.FPSIMD;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    },
  },
  sigreturnCopySveRegs: {
    /**
     * restore_sve_fpsimd_context() (v5.x, K0 era), copy step: as v4.15's, but sve_alloc() no
     * longer BUGs: a NULL buffer clears TIF_SVE and returns -ENOMEM, a bad frame (SIGSEGV).
     * The check is older than this commit (a v5.2-v5.14 copy has it); the model has no commit
     * between v4.18 and v5.17 to hang it on.
     */
    '8383741ab2e7'(): void {
      const t = this.currentTask;
      this.sve_alloc(t);
      if (this.sigreturnNomem(t)) return;
      t.sve_V = t.sig_zV;
      t.sve_Hi = t.sig_Hi;
      t.TIF_SVE = true;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    },
    /**
     * restore_sve_fpsimd_context() (A era), copy step: sve_alloc() and the register block into
     * sve_state; SVCR.SM for a streaming frame, else TIF_SVE; fp_type SVE.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.sve_alloc(t);
      if (this.sigreturnNomem(t)) return;
      t.sve_V = t.sig_zV;
      t.sve_Hi = t.sig_Hi;
      if (t.sig_sm) t.svcr_SM = true;
      else t.TIF_SVE = true;
      t.fp_type = FpType.SVE;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    },
    /**
     * restore_sve_fpsimd_context() (B, snapshot index id 8630279249), copy step: the state was
     * flushed at the start of sigreturn; sve_alloc() zeroed, the register block, then SVCR.SM for
     * a streaming frame (TIF_SME untouched) or TIF_SVE for a non-streaming one (SVCR.SM
     * untouched); fp_type SVE. This is the code d2907cbe9ea0 fixed: a streaming frame can leave
     * SVCR.SM set with TIF_SME clear, and a non-streaming one can leave a task that ptrace put in
     * streaming mode after the sigreturn entry still streaming.
     */
    '929fa99b1215'(): void {
      const t = this.currentTask;
      this.sve_alloc(t);
      if (this.sigreturnNomem(t)) return;
      t.sve_V = t.sig_zV;
      t.sve_Hi = t.sig_Hi;
      if (t.sig_sm) t.svcr_SM = true;
      else t.TIF_SVE = true;
      t.fp_type = FpType.SVE;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    },
    /**
     * restore_sve_fpsimd_context() after d2907cbe9ea0 ("Fix restoration of SVE context"): for a
     * streaming frame, sme_alloc() without zeroing (ZA may be live); sve_alloc(); then, before
     * the register block is read, SVCR.SM and TIF_SME for a streaming frame, else SVCR.SM cleared
     * and TIF_SVE; fp_type SVE.
     */
    d2907cbe9ea0(): void {
      const t = this.currentTask;
      if (t.sig_sm && !t.sme_state) this.sme_alloc(t);
      this.sve_alloc(t);
      if (this.sigreturnNomem(t, true)) return;
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
    },
  },
  sigreturnRestoreFpsimd: {
    /**
     * restore_sve_fpsimd_context() / restore_fpsimd_context() (A era), last step of the
     * FPSIMD/SVE records: fpsimd_update_current_state() merges (if TIF_SVE) and loads eagerly.
     * The SME-era records (FPMR, ZA, ZT0) are restored in the next step.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      this.fx.frame?.(this.cpu.id, t.slot, 'restore', this.frameBytes(t));
      t.exp_V = t.sig_V;
      // what the frame restores: its SVE payload and mode if it has one; FPSIMD-only otherwise
      // (a header-only streaming record is restored as non-streaming in v6.12)
      t.exp_Hi = frameHasSveData(t) ? t.sig_Hi : ZERO;
      t.exp_SM = t.sig_sm && frameHasSveData(t);
      this.fpsimd_update_current_state(t.sig_V);
      this.enterKPath(t, KPath.SIGRETURN, 3);
    },
  },
  sigreturnRestoreSmeRecords: {
    /**
     * restore_sigframe() (A era), after the FPSIMD/SVE records: restore_fpmr_context() writes the
     * live FPMR; restore_za_context() flushes the task's binding and copies ZA into sme_state
     * (TIF_SME, SVCR.ZA), or clears SVCR.ZA for a header-only record; restore_zt_context()
     * flushes again and copies ZT0.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      const fpmrRec = this.hasFpmr && !(t.sig_forge & SigForge.NO_FPMR);
      const zaRec = this.hasSme && !(t.sig_forge & SigForge.NO_ZA);
      // restore_sigframe(): tpidr2_context before fpmr_context and za_context (every frame the
      // kernel writes on an SME system has it; a frame without it is not modelled).
      if (this.hasSme) {
        this.restoreTpidr2(t);
        t.exp_TPIDR2 = t.sig_TPIDR2;
      }
      if (fpmrRec) this.restoreFpmr(t);
      if (zaRec) {
        if (t.sig_za) {
          this.fpsimd_flush_task_state(t);
          this.sme_alloc(t);
          t.sme_ZA = t.sig_ZA;
          t.TIF_SME = true;
          t.svcr_ZA = true;
          this.fpsimd_flush_task_state(t);
          t.sme_ZT0 = t.sig_ZT0;
        } else {
          t.svcr_ZA = false;
        }
      }
      // a record the frame lacks leaves that state as the handler had it
      if (zaRec || !this.hasSme) {
        t.exp_ZAen = t.sig_za;
        t.exp_ZA = t.sig_za ? t.sig_ZA : ZERO;
        t.exp_ZT0 = t.sig_za ? t.sig_ZT0 : ZERO;
      }
      if (fpmrRec) t.exp_FPMR = t.sig_FPMR;
      t.sig_frame = false;
      this.leaveKPath(t);
      t.in_syscall = false;
    },
    /**
     * restore_za_context() / restore_zt_context() (B): memory only (the state was flushed at the
     * start of sigreturn): ZA into a zeroed sme_state with TIF_SME and SVCR.ZA, ZT0 after it;
     * a header-only ZA record clears SVCR.ZA.
     */
    '929fa99b1215'(): void {
      const t = this.currentTask;
      const fpmrRec = this.hasFpmr && !(t.sig_forge & SigForge.NO_FPMR);
      const zaRec = this.hasSme && !(t.sig_forge & SigForge.NO_ZA);
      // restore_sigframe(): tpidr2_context before fpmr_context and za_context (every frame the
      // kernel writes on an SME system has it; a frame without it is not modelled).
      if (this.hasSme) {
        this.restoreTpidr2(t);
        t.exp_TPIDR2 = t.sig_TPIDR2;
      }
      if (fpmrRec) this.restoreFpmr(t);
      if (zaRec) {
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
      // a record the frame lacks leaves that state as the handler had it
      if (zaRec || !this.hasSme) {
        t.exp_ZAen = t.sig_za;
        t.exp_ZA = t.sig_za ? t.sig_ZA : ZERO;
        t.exp_ZT0 = t.sig_za ? t.sig_ZT0 : ZERO;
      }
      if (fpmrRec) t.exp_FPMR = t.sig_FPMR;
      t.sig_frame = false;
      this.leaveKPath(t);
      t.in_syscall = false;
    },
  },
  restoreFpmr: {
    /** restore_fpmr_context() (v6.9-v6.14): write the live FPMR. */
    ef3be86021c3(t: TaskView): void {
      this.cpu.regFPMR = t.sig_FPMR;
    },
    /** restore_fpmr_context() (B): into the saved uw.fpmr. */
    '929fa99b1215'(t: TaskView): void {
      t.uw_fpmr = t.sig_FPMR;
    },
  },
  task_smstop_sm: {
    /** @models task_smstop_sm() — fpsimd.c (B): the effects of SMSTOP SM on a saved state. */
    '929fa99b1215'(t: TaskView): void {
      if (!t.svcr_SM) return;
      t.uw_V = ZERO;
      if (this.hasFpmr) t.uw_fpmr = ZERO;
      t.svcr_SM = false;
      t.fp_type = FpType.FPSIMD;
    },
  },
});
