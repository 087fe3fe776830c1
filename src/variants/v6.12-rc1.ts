/**
 * v6.12-rc1 — the SME era before SME was marked BROKEN: fp_type, to_save, preemptible
 * kernel-mode NEON, FPMR, streaming mode / ZA / ZT0, fpsimd_kvm_prepare().
 *
 * Snapshots read (all in full unless noted):
 *  - A: torvalds/linux arch/arm64/kernel/fpsimd.c @3daee2e4b356 (index id 6335177). That commit
 *    is "Merge tag 'v6.10' into next" (an input-tree merge, by the linux-next listings in the
 *    index), so A is v6.10's fpsimd.c. Changes to fpsimd.c between v6.10 and v6.12-rc1, if any,
 *    are not modelled [not verified].
 *  - K: torvalds/linux arch/arm64/kvm/fpsimd.c @ef3be86021c3 "KVM: arm64: Add save/restore
 *    support for FPMR" (index id 13712485), merged for v6.12-rc1.
 *  - syscall.c's fp_user_discard() after 8c845e273104 (index id 67348557137, an excerpt of the
 *    file): SMSTOP SM, then sve_flush_live() if TIF_SVE — TIF_SVE and the EL0 enable are kept.
 *  - signal.c: not stored at this era; from excerpts [V excerpt]: restore_za_context() and
 *    restore_zt_context() flush the task state before copying (index id 2452005356, and the
 *    diff of 929fa99b1215 that removes those flushes, index id 25162402580); FPMR records read
 *    and write the live FPMR (8c46def44409, index id 11157044942); setup_return() zeroes the
 *    saved V registers when SVCR.SM was set, clears SVCR.SM/ZA in memory and executes SMSTOP on
 *    the live registers (the diff in index id 40230829670). The rest of setup_rt_frame() /
 *    rt_sigreturn() as in the v5.x model (fpsimd_signal_preserve_current_state(), the
 *    flush-then-copy of the SVE record, fpsimd_update_current_state()) [M for the ordering].
 *  - process.c arch_dup_task_struct() of this era from excerpts (index ids 25084926627,
 *    20089159749): ZA (and ZT0) duplicated for any clone when SVCR.ZA is set [V excerpt].
 *  - hyp (v6.12 kvm_hyp_handle_fpsimd(): save the host's V registers into current's
 *    uw.fpsimd_state if the host owns the registers, FPMR only for VMs with FPMR) [S: the
 *    message of fbc7e61195e2, index id 33283189914; M for the code].
 *
 * Commits that shaped it, since v5.17 [S unless read]:
 *  - the v5.19 SME series (0033cd93 and neighbours): TIF_SME, SVCR, ZA, streaming SVE, the SME
 *    access trap (do_sme_acc), syscall entry exits streaming mode;
 *  - f8077b0d5923 (v5.19) fp_state tristate, later per CPU as host_data.fp_owner;
 *  - 1192b93ba352, baa8515281b3, deeb8f9a80fd, 62021cc36add (v6.2): struct cpu_fp_state with
 *    fp_type and to_save; KVM says which registers to save;
 *  - 8c845e273104 "arm64/sve: Leave SVE enabled on syscall if we don't context switch" (v6.2):
 *    fpsimd_save_user_state() saves FPSIMD only while in_syscall();
 *  - 93ae6b01bafe "KVM: arm64: Discard any SVE state when entering KVM guests" (v6.2):
 *    fpsimd_kvm_prepare() replaces v5.17's BUG_ON(TIF_SVE) [V diff, index id 40534991287];
 *  - aefbab8e77eb / 2632e2521769 (v6.8) and e92bee9f861b (v6.10): TIF_KERNEL_FPSTATE,
 *    kernel-mode NEON preemptible and context-switched, lazily restored;
 *  - 203f2b95a882 "arm64/fpsimd: Support FEAT_FPMR" (v6.9), 8c46def44409 FPMR signal records;
 *  - ef3be86021c3 (v6.12-rc1): KVM saves/restores FPMR for VMs that have it.
 *
 * What differs from v5.17: every save goes through fpsimd_save_user_state() and records the
 * format saved in *last->fp_type; the SVE format is chosen by to_save (CURRENT = TIF_SVE, not
 * in a syscall; KVM forces SVE or FPSIMD), and streaming mode forces it at the SME VL; ZA/ZT0
 * are saved and loaded with the rest; loads follow fp_type; a syscall keeps TIF_SVE and EL0
 * SVE enabled (zeroing the live SVE part) and exits streaming mode; task-level kernel NEON
 * can be preempted (TIF_KERNEL_FPSTATE) and a softirq can nest inside it; KVM calls
 * fpsimd_kvm_prepare() at vcpu_load, keeps fp_owner per CPU, restores the EL0 SVE/SME enables
 * from what it saw at load, and binds the vcpu with an explicit to_save.
 *
 * The model splits, in addition to v5.17's points: the SME access trap (do_sme_acc() can sleep
 * before it claims the context), a task-level kernel-NEON section, the return to user after a
 * syscall once the state has been reloaded (do_notify_resume() runs with IRQs enabled), and
 * signal delivery between setup_return()'s memory edits and its SMSTOP.
 */

import { fpsimdWriteRegs, setStreamingMode, setZaEnable, smstop, sveWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, ZT0_BYTES, sveRegsBytes, sveSaveBytes, zaBytes } from '../arch/sizes.js';
import { ZERO } from '../arch/tokens.js';
import { judgePart } from '../check/invariants.js';
import { Format, TrapKind } from '../kernel/effects.js';
import type { KernelFeatures } from '../kernel/machine.js';
import { FpOwner, FpType, KPath, Pos, type TaskView, type VcpuView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V517Kernel } from './v5.17.js';

export class V612rc1Kernel extends V517Kernel {
  static override readonly features: KernelFeatures = { ext: true, sme: true, fpmr: true, guestSve: true };

  /** In a softirq (kernel_neon_begin()/end() behave differently there). Not state: one step. */
  inSoftirq = false;

  // --- the bound storage (fpsimd_last_state's pointers) --------------------------------------------

  /** What fpsimd_last_state.st names: a task's user state, a vcpu, a task's kernel-mode NEON state. */
  lastBinding(): { task: TaskView | null; vcpu: VcpuView | null; kernelOf: TaskView | null } {
    const st = this.cpu.last_st;
    const slot = this.layout.taskOfSt(st);
    if (slot >= 0) return { task: this.tasks[slot]!, vcpu: null, kernelOf: null };
    const v = this.layout.vcpuOfSt(st);
    if (v >= 0) return { task: null, vcpu: this.vcpus[v]!, kernelOf: null };
    const k = this.layout.taskOfKernelSt(st);
    if (k >= 0) return { task: null, vcpu: null, kernelOf: this.tasks[k]! };
    return { task: null, vcpu: null, kernelOf: null };
  }

  // --- fpsimd.c (A) ---------------------------------------------------------------------------------

  /** Every v4.18-era caller of fpsimd_save() now calls fpsimd_save_user_state(). */
  override fpsimd_save(): void {
    this.fpsimd_save_user_state();
  }

  /** Does this save take the SVE format (fpsimd_save_user_state()'s first test)? */
  saveSveFormat(t: TaskView): boolean {
    const c = this.cpu;
    return (c.to_save === FpType.CURRENT && t.TIF_SVE && !t.in_syscall) || c.to_save === FpType.SVE;
  }

  /**
   * @models fpsimd_save_user_state() — fpsimd.c (A). Pre: not preemptible. If current's
   * TIF_FOREIGN_FPSTATE is set, nothing of current's is live: return. Otherwise write back to
   * what fpsimd_last_state names: FPMR through last->fpmr; the SVE format if to_save asks for it
   * (CURRENT: TIF_SVE and not in a syscall, 8c845e273104), else FPSIMD; with SME, SVCR through
   * last->svcr, ZA/ZT0 into last->sme_state if PSTATE.ZA, and streaming mode forces the SVE
   * format at last->sme_vl. An SVE-format save checks RDVL first (WARN and SIGKILL on a
   * mismatch); the format saved is recorded through last->fp_type.
   */
  fpsimd_save_user_state(): void {
    const t = this.current;
    if (!t || t.TIF_FOREIGN_FPSTATE) return;
    const c = this.cpu;
    const where = 'fpsimd_save_user_state';
    if (c.last_st === 0) this.fail('no-uaf', undefined, where, `cpu${c.id} saves through a NULL fpsimd_last_state`);
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
    let vq = bound ? bound.sve_vq : this.defaultVq;
    let hwVq = c.hw_vq;
    if (this.hasSme) {
      if (bound) {
        bound.svcr_SM = c.regSM;
        bound.svcr_ZA = c.regZAen;
      }
      if (c.regZAen) {
        // sme_save_state(last->sme_state): a bound vcpu has none (NULL)
        if (!bound) this.fail('no-uaf', undefined, where, `cpu${c.id} saves ZA through the NULL sme_state of a bound vcpu`);
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
  }

  /** Bytes of ZA at a streaming VL of `svq` quadwords. */
  smeVqBytes(svq: number): number {
    return zaBytes(svq * VQ_BITS);
  }

  /**
   * @models task_fpsimd_load() — fpsimd.c (A). Pre: not preemptible, no TIF_KERNEL_FPSTATE.
   * FPMR first; then by fp_type: FPSIMD clears TIF_SVE (disabling the EL0 trap if it was set),
   * SVE sets it (WARN if it was clear and the task is not streaming) and programs the VL; with
   * SME, program the SME VL if TIF_SME, write SVCR from thread.svcr (a change of PSTATE.SM
   * zeroes Z/P/FFR and FPMR, enabling ZA zeroes ZA/ZT0), load ZA/ZT0 if ZA is on; finally the
   * registers, SVE format from sve_state (at the SME VL when streaming) or FPSIMD from uw.
   */
  override task_fpsimd_load(): void {
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
      const redundant = c.regV === t.sve_V && c.regHi === t.sve_Hi;
      sveWriteRegs(c, t.sve_V, t.sve_Hi);
      this.fx.load(c.id, st, Format.SVE, sveSaveBytes(vq * VQ_BITS), redundant, vq * VQ_BITS);
    } else {
      const redundant = c.regV === t.uw_V && c.regHi === ZERO;
      fpsimdWriteRegs(c, t.uw_V);
      this.fx.load(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, redundant);
    }
  }

  /** A loads FPMR before writing SVCR (the order e5fa85fce08b reversed). */
  loadFpmrBeforeSvcr(t: TaskView): void {
    if (this.hasFpmr) this.cpu.regFPMR = t.uw_fpmr;
  }

  loadFpmrAfterSvcr(_t: TaskView): void {}

  /** MSR SVCR from thread.svcr: the architecture's SM and ZA change rules apply. */
  writeSvcr(sm: boolean, za: boolean): void {
    setStreamingMode(this.cpu, sm);
    setZaEnable(this.cpu, za);
  }

  /**
   * @models fpsimd_bind_task_to_cpu() — fpsimd.c (A): fpsimd_last_state names all of
   * current's storage with to_save = FP_STATE_CURRENT; fpsimd_cpu; the EL0 SME and SVE traps
   * per TIF_SME and TIF_SVE ("serialised by ret_to_user").
   */
  override fpsimd_bind_task_to_cpu(): void {
    super.fpsimd_bind_task_to_cpu();
    const t = this.currentTask;
    const c = this.cpu;
    c.to_save = FpType.CURRENT;
    if (this.hasSme) c.smen_el0 = t.TIF_SME;
  }

  /**
   * @models fpsimd_bind_state_to_cpu() — fpsimd.c (A): copy a caller's cpu_fp_state into
   * fpsimd_last_state, with its explicit to_save.
   */
  override fpsimd_bind_state_to_cpu(st: number, toSave: number = FpType.FPSIMD): void {
    super.fpsimd_bind_state_to_cpu(st);
    this.cpu.to_save = toSave;
  }

  /**
   * @models fpsimd_flush_cpu_state() — fpsimd.c (A): forget the binding; on SME systems
   * execute SMSTOP (streaming mode would break kernel NEON, ZA costs power); mark current
   * foreign.
   */
  override fpsimd_flush_cpu_state(): void {
    const c = this.cpu;
    this.fx.flushCpu(c.id, c.last_st);
    c.last_st = 0;
    c.last_dangling = false;
    if (this.hasSme) smstop(c);
    const t = this.current;
    if (t) t.TIF_FOREIGN_FPSTATE = true;
  }

  /**
   * @models fpsimd_load_kernel_state() — fpsimd.c (A): elide if this CPU's binding is still
   * the task's kernel_fpsimd_state and it was saved here; else load it (FPSIMD).
   */
  fpsimd_load_kernel_state(t: TaskView): void {
    const c = this.cpu;
    if (c.last_st === this.layout.stOfKernelState(t.slot) && t.kernel_fpsimd_cpu === c.id) return;
    fpsimdWriteRegs(c, t.kernel_st);
    this.fx.load(c.id, this.layout.stOfKernelState(t.slot), Format.FPSIMD, FPSIMD_STATE_BYTES, false);
  }

  /**
   * @models fpsimd_save_kernel_state() — fpsimd.c (A): save the registers into the task's
   * kernel_fpsimd_state, bind that to the CPU (to_save FPSIMD), record the CPU.
   */
  fpsimd_save_kernel_state(t: TaskView): void {
    const c = this.cpu;
    const st = this.layout.stOfKernelState(t.slot);
    const unmodified = t.kernel_st === c.regV;
    t.kernel_st = c.regV;
    this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
    this.fpsimd_bind_state_to_cpu(st, FpType.FPSIMD);
    t.kernel_fpsimd_cpu = c.id;
  }

  /**
   * @models fpsimd_thread_switch() — fpsimd.c (A), IRQs off. Save the outgoing task's
   * kernel-mode NEON state if it is in such a section, else its user state. If `next` is in a
   * kernel-mode NEON section, A loads its kernel state and *then* flushes the CPU binding
   * (fpsimd_flush_cpu_state(), which on SME systems executes SMSTOP); otherwise set next's
   * TIF_FOREIGN_FPSTATE from the two sides of the binding.
   */
  override fpsimd_thread_switch(next: TaskView | null): void {
    const prev = this.current;
    if (prev?.TIF_KERNEL_FPSTATE) this.fpsimd_save_kernel_state(prev);
    else this.fpsimd_save_user_state();
    if (next?.TIF_KERNEL_FPSTATE) {
      this.switchToKernelNeonTask(next);
    } else if (next) {
      const c = this.cpu;
      next.TIF_FOREIGN_FPSTATE = c.last_st !== this.layout.stOfTask(next.slot) || next.fpsimd_cpu !== c.id;
    }
  }

  /** A: load next's kernel-mode NEON state, then flush (the SMSTOP comes after the load). */
  switchToKernelNeonTask(next: TaskView): void {
    this.fpsimd_load_kernel_state(next);
    this.fpsimd_flush_cpu_state();
  }

  /**
   * @models kernel_neon_begin() — fpsimd.c (A), inside the FP context. A softirq nesting in a
   * task's kernel-mode NEON section saves that section's state; otherwise save the user state
   * and, outside softirq context, set TIF_KERNEL_FPSTATE so that the section is context
   * switched. Then flush the CPU binding (SMSTOP included). The context is released at the end:
   * a task-level section is preemptible from here.
   */
  override kernel_neon_begin(): void {
    const t = this.current;
    if (t?.TIF_KERNEL_FPSTATE) {
      this.warnOn(!this.inSoftirq, 'kernel_neon_begin', `BUG_ON: nested kernel-mode NEON outside softirq in ${this.naming.task(t.slot)}`);
      this.fpsimd_save_kernel_state(t);
    } else {
      this.fpsimd_save_user_state();
      if (t && !this.inSoftirq) t.TIF_KERNEL_FPSTATE = true;
    }
    this.fpsimd_flush_cpu_state();
  }

  /**
   * @models kernel_neon_end() — fpsimd.c (A): returning from a softirq that nested in a task's
   * kernel-mode NEON section reloads that section's state; otherwise clear TIF_KERNEL_FPSTATE.
   */
  override kernel_neon_end(): void {
    const t = this.current;
    if (!t) return;
    if (this.inSoftirq && t.TIF_KERNEL_FPSTATE) this.fpsimd_load_kernel_state(t);
    else t.TIF_KERNEL_FPSTATE = false;
  }

  /**
   * Task-level kernel-mode NEON (v6.8+): begin and use the registers, then the section can be
   * preempted or interrupted by a softirq; `continue` checks that its registers are intact
   * (kernel-test's digest) and ends it.
   */
  override taskKernelNeon(): void {
    const t = this.currentTask;
    this.kernel_neon_begin();
    this.kernelNeonUse();
    t.exp_kst = this.cpu.regV;
    this.enterKPath(t, KPath.KERNEL_NEON, 1);
  }

  override softirqKernelNeon(): void {
    this.inSoftirq = true;
    try {
      super.softirqKernelNeon();
    } finally {
      this.inSoftirq = false;
    }
  }

  // fpsimd_restore_current_state() and fpsimd_update_current_state() in A do what v4.18's do
  // (load and bind if TIF_FOREIGN_FPSTATE; sigreturn merges the frame's V registers into
  // sve_state only under TIF_SVE, not for a streaming-only task, then loads and binds): they are
  // inherited from V418Kernel, with task_fpsimd_load() and fpsimd_bind_task_to_cpu() of this era.

  /**
   * @models fpsimd_signal_preserve_current_state() — fpsimd.c (A): save, then if the saved
   * format is SVE copy the V part into uw for the frame's fpsimd_context.
   */
  override fpsimd_signal_preserve_current_state(): void {
    this.fpsimd_save_user_state();
    const t = this.currentTask;
    if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
  }

  /** sve_alloc(task, false): allocate a zeroed buffer only if there is none. */
  sveAllocKeep(t: TaskView): void {
    if (t.sve_state) return;
    t.sve_state = true;
    t.sve_V = ZERO;
    t.sve_Hi = ZERO;
  }

  /** @models sme_alloc() — fpsimd.c (A), with flush: ZA and ZT0 storage, zeroed. */
  sme_alloc(t: TaskView): void {
    t.sme_state = true;
    t.sme_ZA = ZERO;
    t.sme_ZT0 = ZERO;
  }

  /** @models sme_free() — fpsimd.c (A). */
  sme_free(t: TaskView): void {
    t.sme_state = false;
    t.sme_ZA = ZERO;
    t.sme_ZT0 = ZERO;
  }

  /** @models fpsimd_release_task() — fpsimd.c (A): free sve_state and sme_state. */
  override fpsimd_release_task(t: TaskView): void {
    super.fpsimd_release_task(t);
    this.sme_free(t);
  }

  /**
   * @models do_sve_acc() / sve_init_regs() — fpsimd.c (A). As v5.17, and the memory path now
   * records fp_type = FP_STATE_SVE. A does not flush the task's binding there.
   */
  override do_sve_acc(): void {
    const t = this.currentTask;
    super.do_sve_acc();
    if (t.TIF_FOREIGN_FPSTATE) this.sveInitRegsForeign(t);
  }

  /** sve_init_regs() when the state is not live, after fpsimd_to_sve(): A only sets fp_type. */
  sveInitRegsForeign(t: TaskView): void {
    t.fp_type = FpType.SVE;
  }

  /**
   * @models el0_sme_acc — entry-common.c: the EL0 SME access trap; do_sme_acc() allocates
   * before it claims the FP context (the allocations may sleep), so the model runs its body on
   * `continue`.
   */
  override el0_sme_acc(): void {
    const t = this.currentTask;
    t.pos = Pos.KERNEL;
    t.in_syscall = false;
    this.fx.trap(this.cpu.id, TrapKind.SME_EL0);
    this.enterKPath(t, KPath.SME_ACC, 1);
  }

  /**
   * @models do_sme_acc() — fpsimd.c (A): keep or allocate sve_state, allocate and zero
   * sme_state; inside the context set TIF_SME (WARN if it was set: no trap should have
   * happened); if the state is live, program the SME VL and rebind (which enables SME for EL0);
   * A does nothing in the other case: the trap is disabled by the reload at ret_to_user.
   */
  override do_sme_acc(): void {
    const t = this.currentTask;
    this.sveAllocKeep(t);
    this.sme_alloc(t);
    const was = t.TIF_SME;
    t.TIF_SME = true;
    this.warnOn(was, 'do_sme_acc', `${this.naming.task(t.slot)} trapped on SME with TIF_SME already set`);
    if (!t.TIF_FOREIGN_FPSTATE) {
      this.cpu.hw_svq = t.sme_vq;
      this.fpsimd_bind_task_to_cpu();
    } else {
      this.smeAccForeign(t);
    }
  }

  /** do_sme_acc() when the state is not live: nothing in A. */
  smeAccForeign(_t: TaskView): void {}

  /** The SME-era kernel paths: the access traps, kernel-mode NEON, the return to user. */
  override kernelContinue(): void {
    const t = this.currentTask;
    switch (t.kpath) {
      case KPath.SME_ACC:
        this.leaveKPath(t);
        this.do_sme_acc();
        return;
      case KPath.KERNEL_NEON:
        this.checkKernelView(t, 'kernel-mode NEON');
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
        break;
      case KPath.SIGRETURN:
        if (t.kstep === 3) {
          this.sigreturnRestoreSmeRecords();
          return;
        }
        break;
    }
    super.kernelContinue();
  }

  // --- syscalls and the return to user ---------------------------------------------------------------

  /**
   * @models el0_svc → fp_user_discard() — syscall.c (v6.2 to v6.15, after 8c845e273104): if
   * the task has SME and is streaming, SMSTOP SM (zeroes Z/P/FFR and FPMR); if it has TIF_SVE,
   * zero the live SVE part (sve_flush_live). TIF_SVE and EL0 SVE access are kept.
   */
  override el0_svc(): void {
    const t = this.currentTask;
    const c = this.cpu;
    if (this.hasSme && t.TIF_SME && c.regSM) setStreamingMode(c, false);
    if (t.TIF_SVE) c.regHi = ZERO;
    this.syscallAbiExpectation(t);
    t.pos = Pos.KERNEL;
    t.in_syscall = true;
  }

  /** @models ret_to_user — entry-common.c exit_to_user_mode → do_notify_resume() (v6.x). */
  override ret_to_user(): void {
    const t = this.currentTask;
    if (t.TIF_FOREIGN_FPSTATE) this.fpsimd_restore_current_state();
    this.returnToUser(t);
  }

  /** do_notify_resume()'s window after a syscall's reload matters here (saves depend on in_syscall()). */
  override get syscallExitWindow(): boolean {
    return true;
  }

  /**
   * ret_to_user on the way out of a syscall, with an IRQ taken after the FP state was reloaded
   * (the `ret_to_user_irq` event): do_notify_resume() restores the state and loops again with
   * IRQs enabled, so before the final return the task can be preempted or a softirq can use
   * NEON while in_syscall() still holds (the RET_USER path; `continue` completes the return).
   */
  override retToUserInterrupted(): void {
    const t = this.currentTask;
    this.fpsimd_restore_current_state();
    this.enterKPath(t, KPath.RET_USER, 1);
  }

  /** The final IRQs-off return to EL0 (integrity check point). */
  returnToUser(t: TaskView): void {
    t.pos = Pos.USER;
    t.in_syscall = false;
    this.checkUserView(t, 'ret_to_user');
  }

  // --- exec and the vector lengths -------------------------------------------------------------------

  /**
   * @models fpsimd_flush_thread() — fpsimd.c (A): flush the task's binding, zero uw, drop SVE
   * and SME state and flags, reset both VLs from vl_onexec (or the defaults), clear SVCR, set
   * fp_type FPSIMD. A does not reset FPMR (a90878f297d3 added that).
   */
  override fpsimd_flush_thread(): void {
    const t = this.currentTask;
    this.fpsimd_flush_task_state(t);
    t.uw_V = ZERO;
    t.TIF_SVE = false;
    t.sve_state = false;
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
  }

  /** fpsimd_flush_thread()'s FPMR: not reset in A. */
  flushThreadFpmr(_t: TaskView): void {}

  /** The system's default SME VL in quadwords. */
  get defaultSmeVq(): number {
    return (this.cfg.smeVlBits ?? 256) / VQ_BITS;
  }

  /**
   * @models vec_set_vector_length() — fpsimd.c (A), the part inside the FP context, for the
   * SVE VL: save current's live state, flush the task, convert to FPSIMD if TIF_SVE or
   * streaming (fp_type FPSIMD); if the task has neither SM nor ZA, also drop TIF_SME and mark
   * the SME state to be freed ("opportunistic freeing", removed by d7649a4a601e). Returns
   * whether the VL changes now (then the SET_VL path finishes it after put_cpu_fpsimd_context).
   */
  override sve_set_vector_length(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
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
  }

  /** The rest of vec_set_vector_length() (A): set the VL, free and reallocate sve_state (zeroed). */
  override sveSetVectorLengthFinish(t: TaskView, vq: number, inherit: boolean): void {
    t.sve_vq = vq;
    this.sve_free(t);
    t.sve_state = true;
    t.TIF_SVE_VL_INHERIT = inherit;
  }

  /**
   * @models sme_set_current_vl() → vec_set_vector_length(ARM64_VEC_SME) — fpsimd.c (A), for
   * the other streaming VL, effective now: save and flush, convert to FPSIMD if TIF_SVE or
   * streaming, clear SVCR.SM/ZA and TIF_SME, set the VL, reallocate sve_state, free
   * sme_state. The model runs it as one step (the preemption point after the context is
   * released only frees and allocates buffers). ZA is discarded: user space must expect it off.
   */
  override sme_set_current_vl(): void {
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
    t.sve_state = true;
    this.sme_free(t);
    t.TIF_SME_VL_INHERIT = false;
    t.exp_ZAen = false;
    t.exp_ZA = ZERO;
    t.exp_ZT0 = ZERO;
  }

  // --- ptrace: fp_type-aware views and writes ------------------------------------------------------

  /**
   * @models sve_sync_to_fpsimd() — fpsimd.c (A): uw.fpsimd_state brought up to date from
   * sve_state when the saved format is SVE (fp_type, not TIF_SVE: a streaming task's state is
   * SVE-format without TIF_SVE, and a task stopped in a syscall may have TIF_SVE with an
   * FPSIMD-format save).
   */
  override sve_sync_to_fpsimd(t: TaskView): void {
    if (t.fp_type === FpType.SVE) this.sve_to_fpsimd(t);
  }

  /** @models fpsimd_sync_to_sve() — fpsimd.c (A): sve_state from uw unless TIF_SVE or SVCR.SM. */
  override fpsimd_sync_to_sve(t: TaskView): void {
    if (!t.TIF_SVE && !(this.hasSme && t.svcr_SM)) this.fpsimd_to_sve(t);
  }

  /**
   * @models sve_sync_from_fpsimd_zeropad() — fpsimd.c (A): for a task with TIF_SVE *or in
   * streaming mode* (the SVCR.SM test came with the streaming-mode ptrace fixes, Fixes:
   * e12310a0d30), rebuild sve_state from uw's V registers, zero above them.
   */
  override sve_sync_from_fpsimd_zeropad(t: TaskView): void {
    if (!t.TIF_SVE && !(this.hasSme && t.svcr_SM)) return;
    t.sve_V = t.uw_V;
    t.sve_Hi = ZERO;
  }

  /**
   * @models sve_set() — ptrace.c (A era): as before, and the written format is recorded in
   * fp_type (FPSIMD payload: FP_STATE_FPSIMD; SVE payload: FP_STATE_SVE).
   */
  override sve_set(target: TaskView, sveFormat: boolean, vq: number): void {
    super.sve_set(target, sveFormat, vq);
    target.fp_type = sveFormat ? FpType.SVE : FpType.FPSIMD;
  }

  /**
   * @models sve_get() — ptrace.c (A era): the saved format is read from fp_type. Integrity
   * check point for the tracer's view.
   */
  override sve_get(target: TaskView): void {
    const own = this.layout.writerOfTask(target.slot);
    const sve = target.fp_type === FpType.SVE;
    const memV = sve ? target.sve_V : target.uw_V;
    const memHi = sve ? target.sve_Hi : ZERO;
    const n = this.naming;
    for (const [part, expected, actual, rule] of [
      ['V', target.exp_V, memV, 'V'],
      ['SVE part', target.exp_Hi, memHi, 'Hi'],
    ] as const) {
      const kind = judgePart(rule, expected, actual, own);
      if (kind)
        this.fail(
          'integrity',
          kind,
          'sve_get',
          `the tracer reads ${n.token(actual)} in ${n.task(target.slot)}'s ${part}, expected ${n.token(expected)}`,
        );
    }
  }

  // --- signals (A era) -----------------------------------------------------------------------------

  /**
   * @models setup_rt_frame() — signal.c (v6.x), first step: do_signal() has already forgotten
   * the syscall (forget_syscall: in_syscall() is false from here), then
   * fpsimd_signal_preserve_current_state(). The frame is written next, after a point where
   * the task can be preempted.
   */
  override setup_rt_frame(): void {
    const t = this.currentTask;
    t.in_syscall = false;
    this.fpsimd_signal_preserve_current_state();
    this.enterKPath(t, KPath.SIGNAL, 1);
  }

  /**
   * @models setup_sigframe() and the first half of setup_return() — signal.c (A era). Frame
   * records from memory: fpsimd_context from uw; sve_context with the streaming registers at
   * the SME VL if SVCR.SM, the SVE registers if fp_type is SVE, else a header; za_context and
   * zt_context if SVCR.ZA; fpmr_context from the *live* FPMR, which preserve_fpmr_context()
   * also writes into uw.fpmr (8c46def44409). Then setup_return() edits memory: if SVCR.SM,
   * zero uw and set fp_type FPSIMD; clear SVCR.SM/ZA. Its SMSTOP of the live registers is the
   * next step (a softirq or preemption can come in between).
   */
  override setup_sigframe(): void {
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
    t.sig_frame = true;
    this.fx.frame?.(this.cpu.id, t.slot, 'setup', this.frameBytes(t));
    this.checkFrameView(t, 'setup_sigframe');
    this.setupReturnMemory(t);
  }

  /** preserve_fpmr_context() (v6.9-v6.14): uw.fpmr := the live FPMR, whoever's it is; then the frame. */
  preserveFpmr(t: TaskView): void {
    t.uw_fpmr = this.cpu.regFPMR;
    t.sig_FPMR = t.uw_fpmr;
  }

  /** Frame bytes: fpsimd_context, the SVE block at the frame's VL, ZA and ZT0 when present. */
  override frameBytes(t: TaskView): number {
    return FPSIMD_STATE_BYTES + (t.sig_sve ? sveRegsBytes(t.sig_vq * VQ_BITS) : 0) + (t.sig_za ? this.smeVqBytes(t.sme_vq) + ZT0_BYTES : 0);
  }

  /** Integrity of the frame: the base records, and ZA/ZT0/FPMR as user space had them. */
  override checkFrameView(t: TaskView, where: string): void {
    super.checkFrameView(t, where);
    const own = this.layout.writerOfTask(t.slot);
    const n = this.naming;
    if (t.sig_za !== t.exp_ZAen) {
      this.fail(
        'integrity',
        'lost',
        where,
        `${n.task(t.slot)}'s signal frame says ZA ${t.sig_za ? 'on' : 'off'}, it was ${t.exp_ZAen ? 'on' : 'off'}`,
      );
    }
    const parts: [string, number, number][] = [];
    if (t.sig_za) parts.push(['za_context', t.exp_ZA, t.sig_ZA], ['zt_context', t.exp_ZT0, t.sig_ZT0]);
    if (this.hasFpmr) parts.push(['fpmr_context', t.exp_FPMR, t.sig_FPMR]);
    for (const [part, expected, actual] of parts) {
      const kind = judgePart('V', expected, actual, own);
      if (kind)
        this.fail(
          'integrity',
          kind,
          where,
          `${n.task(t.slot)}'s signal handler finds ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
        );
    }
  }

  /**
   * setup_return() (A era), memory part: a streaming task's saved V registers are zeroed and
   * its format becomes FPSIMD; SVCR.SM and SVCR.ZA are cleared in thread.svcr. The live SMSTOP
   * follows as the next step.
   */
  setupReturnMemory(t: TaskView): void {
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
  }

  /** setup_return() (A era), last part: sme_smstop() on whatever the CPU's registers hold. */
  setupReturnSmstop(): void {
    const t = this.currentTask;
    smstop(this.cpu);
    this.leaveKPath(t);
    this.handlerEntryExpectation(t);
  }

  /**
   * What the handler may expect (sme.rst): it runs with streaming mode and ZA disabled; if
   * the interrupted code was streaming, leaving streaming mode zeroed Z/P/FFR and FPMR.
   */
  handlerEntryExpectation(t: TaskView): void {
    if (t.exp_SM) {
      t.exp_SM = false;
      t.exp_V = ZERO;
      t.exp_Hi = ZERO;
      t.exp_FPMR = ZERO;
    }
    t.exp_ZAen = false;
    t.exp_ZA = ZERO;
    t.exp_ZT0 = ZERO;
  }

  /** The handler rewrites every register record of its frame (ZA/ZT0 when present, FPMR). */
  override userFrameWrite(): void {
    super.userFrameWrite();
    const t = this.currentTask;
    const tok = t.sig_V;
    if (t.sig_za) {
      t.sig_ZA = tok;
      t.sig_ZT0 = tok;
    }
    if (this.hasFpmr) t.sig_FPMR = tok;
  }

  /**
   * @models rt_sigreturn() → restore_sve_fpsimd_context() — signal.c (A era), first step: the
   * frame's VL must be the task's (the SME VL for a streaming frame) or SIGSEGV. A frame with
   * SVE register data: flush the task's binding (TIF_FOREIGN_FPSTATE), then copy (next step);
   * header only: clear TIF_SVE and SVCR.SM, fp_type FPSIMD.
   */
  override rt_sigreturn(): void {
    const t = this.currentTask;
    if (t.sig_vq !== (t.sig_sm ? t.sme_vq : t.sve_vq)) {
      this.force_sig_segv();
      return;
    }
    if (t.sig_sve) {
      this.fpsimd_flush_task_state(t);
      this.enterKPath(t, KPath.SIGRETURN, 1);
    } else {
      t.TIF_SVE = false;
      t.svcr_SM = false;
      t.fp_type = FpType.FPSIMD;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    }
  }

  /**
   * restore_sve_fpsimd_context() (A era), copy step: sve_alloc() and the register block into
   * sve_state; SVCR.SM for a streaming frame, else TIF_SVE; fp_type SVE.
   */
  override sigreturnCopySveRegs(): void {
    const t = this.currentTask;
    this.sve_alloc(t);
    t.sve_V = t.sig_zV;
    t.sve_Hi = t.sig_Hi;
    if (t.sig_sm) t.svcr_SM = true;
    else t.TIF_SVE = true;
    t.fp_type = FpType.SVE;
    this.enterKPath(t, KPath.SIGRETURN, 2);
  }

  /**
   * restore_sve_fpsimd_context() / restore_fpsimd_context() (A era), last step of the
   * FPSIMD/SVE records: fpsimd_update_current_state() merges (if TIF_SVE) and loads eagerly.
   * The SME-era records (FPMR, ZA, ZT0) are restored in the next step.
   */
  override sigreturnRestoreFpsimd(): void {
    const t = this.currentTask;
    this.fx.frame?.(this.cpu.id, t.slot, 'restore', this.frameBytes(t));
    t.exp_V = t.sig_V;
    t.exp_Hi = t.sig_sve ? t.sig_Hi : ZERO;
    t.exp_SM = t.sig_sm;
    this.fpsimd_update_current_state(t.sig_V);
    this.enterKPath(t, KPath.SIGRETURN, 3);
  }

  /**
   * restore_sigframe() (A era), after the FPSIMD/SVE records: restore_fpmr_context() writes the
   * live FPMR; restore_za_context() flushes the task's binding and copies ZA into sme_state
   * (TIF_SME, SVCR.ZA), or clears SVCR.ZA for a header-only record; restore_zt_context()
   * flushes again and copies ZT0.
   */
  sigreturnRestoreSmeRecords(): void {
    const t = this.currentTask;
    if (this.hasFpmr) this.restoreFpmr(t);
    if (this.hasSme) {
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
    t.exp_ZAen = t.sig_za;
    t.exp_ZA = t.sig_za ? t.sig_ZA : ZERO;
    t.exp_ZT0 = t.sig_za ? t.sig_ZT0 : ZERO;
    if (this.hasFpmr) t.exp_FPMR = t.sig_FPMR;
    t.sig_frame = false;
    this.leaveKPath(t);
    t.in_syscall = false;
  }

  /** restore_fpmr_context() (v6.9-v6.14): write the live FPMR. */
  restoreFpmr(t: TaskView): void {
    this.cpu.regFPMR = t.sig_FPMR;
  }

  // --- fork -----------------------------------------------------------------------------------------

  /**
   * @models copy_thread() with arch_dup_task_struct()'s clean-up — process.c (A era): the
   * child gets no SVE state and FPSIMD format; if the parent had ZA enabled the child keeps
   * TIF_SME, SVCR.ZA and a duplicate of sme_state (with a fresh zeroed sve_state), for any
   * clone; else TIF_SME and sme_state are dropped. Then the binding flush.
   */
  override copy_thread(p: TaskView): void {
    p.fp_type = FpType.FPSIMD;
    if (this.hasSme) {
      if (p.svcr_ZA) {
        p.sve_state = true;
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
    if (!(this.hasSme && p.svcr_ZA)) p.sve_state = false;
    p.TIF_KERNEL_FPSTATE = false;
    this.fpsimd_flush_task_state(p);
  }

  // --- KVM (K) --------------------------------------------------------------------------------------

  /**
   * @models fpsimd_kvm_prepare() — fpsimd.c (A, from 93ae6b01bafe): inside the FP context, if
   * TIF_SVE is set clear it and convert the *memory* copy to FPSIMD (sve_to_fpsimd, fp_type
   * FPSIMD). The live registers, their binding and the EL0 SVE enable are left alone.
   */
  fpsimd_kvm_prepare(): void {
    const t = this.currentTask;
    if (t.TIF_SVE) {
      t.TIF_SVE = false;
      this.sve_to_fpsimd(t);
      t.fp_type = FpType.FPSIMD;
    }
  }

  /**
   * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (K): fpsimd_kvm_prepare(); the host owns
   * the registers (fp_owner HOST_OWNED; hyp will save them into current's uw.fpsimd_state);
   * record the EL0 SVE and SME enables; if streaming mode or ZA is live, save and flush now.
   */
  override kvm_arch_vcpu_load_fp(v: VcpuView): void {
    const c = this.cpu;
    this.fpsimd_kvm_prepare();
    c.fp_owner = FpOwner.HOST_OWNED;
    v.HOST_SVE_ENABLED = c.zen_el0;
    if (this.hasSme) {
      v.HOST_SME_ENABLED = c.smen_el0;
      if (c.regSM || c.regZAen) {
        c.fp_owner = FpOwner.FREE;
        this.fpsimd_save_and_flush_cpu_state();
      }
    }
  }

  /** @models kvm_arch_vcpu_ctxflush_fp() — kvm/fpsimd.c (K): FP used while preemptible: nobody owns it. */
  override kvm_arch_vcpu_ctxflush_fp(_v: VcpuView): void {
    if (this.currentTask.TIF_FOREIGN_FPSTATE) this.cpu.fp_owner = FpOwner.FREE;
  }

  /**
   * @models __activate_cptr_traps() — hyp (v6.12, VHE) [M]: EL0 SVE/SME disabled for the guest
   * run; guest FP traps unless the guest already owns the registers.
   */
  override __activate_traps(): void {
    const c = this.cpu;
    c.zen_el0 = false;
    if (this.hasSme) c.smen_el0 = false;
    c.guest_fp_trap = c.fp_owner !== FpOwner.GUEST_OWNED;
  }

  /** @models kvm_reset_cptr_el2() at guest exit — hyp (v6.12, VHE) [M]: EL0 SVE and SME stay disabled. */
  override __deactivate_traps(): void {
    const c = this.cpu;
    c.zen_el0 = false;
    if (this.hasSme) c.smen_el0 = false;
  }

  /**
   * @models kvm_hyp_handle_fpsimd() — hyp (v6.12) [M]: stop trapping; if the host owns the
   * registers, save its V registers into current's uw.fpsimd_state (FPMR only for a VM with
   * FPMR: the model's VMs have none); restore the guest (SVE state for an SVE vcpu); the guest
   * owns the registers.
   */
  override __hyp_switch_fpsimd(): void {
    const c = this.cpu;
    const v = this.currentVcpu;
    const host = this.currentTask;
    this.fx.trap(c.id, TrapKind.GUEST_FP);
    c.guest_fp_trap = false;
    if (c.fp_owner === FpOwner.HOST_OWNED) this.hypSaveHost(host);
    if (v.has_sve) {
      sveWriteRegs(c, v.fp_V, v.fp_Hi);
      c.hw_vq = this.defaultVq;
      this.fx.hyp(c.id, 'guest', true, sveSaveBytes(this.defaultVq * VQ_BITS));
    } else {
      fpsimdWriteRegs(c, v.fp_V);
      this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
    }
    c.fp_owner = FpOwner.GUEST_OWNED;
  }

  /** kvm_hyp_save_fpsimd_host() (v6.12, VHE) [M]: __fpsimd_save_state(*host_data.fpsimd_state). */
  hypSaveHost(host: TaskView): void {
    const c = this.cpu;
    host.uw_V = c.regV;
    this.fx.hyp(c.id, 'host', false, FPSIMD_STATE_BYTES);
  }

  /**
   * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c (K): if the guest owns the registers,
   * bind the vcpu's storage (to_save SVE for an SVE vcpu, else FPSIMD) and clear the thread's
   * TIF_FOREIGN_FPSTATE. TIF_SVE is no longer touched.
   */
  override kvm_arch_vcpu_ctxsync_fp(v: VcpuView): void {
    if (this.cpu.fp_owner !== FpOwner.GUEST_OWNED) return;
    this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id), v.has_sve ? FpType.SVE : FpType.FPSIMD);
    this.currentTask.TIF_FOREIGN_FPSTATE = false;
  }

  /**
   * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (K), IRQs saved and disabled: on VHE with
   * SME restore EL0 SME access as seen at load; if the guest owns the registers save and flush
   * (through the vcpu's binding), else on VHE restore EL0 SVE access as seen at load.
   */
  override kvm_arch_vcpu_put_fp(v: VcpuView): void {
    const c = this.cpu;
    if (this.hasVhe && this.hasSme) c.smen_el0 = v.HOST_SME_ENABLED;
    if (c.fp_owner === FpOwner.GUEST_OWNED) this.fpsimd_save_and_flush_cpu_state();
    else if (this.hasVhe) c.zen_el0 = v.HOST_SVE_ENABLED;
  }

  /** The guest exits: v4.18's flow (deactivate, ctxsync), the guest's owner state stays per CPU. */
  override update_fp_enabled(_v: VcpuView): boolean {
    return this.cpu.fp_owner === FpOwner.GUEST_OWNED;
  }
}

export const v612rc1: Variant = {
  name: 'v6.12-rc1',
  kernel: 'v6.12-rc1 (snapshots A = v6.10 fpsimd.c, K = ef3be86021c3; SME enabled, before 751ecf6afd65 and 81235ae0c846)',
  summary:
    'fp_type/to_save, SVE kept across syscalls, preemptible kernel NEON, FPMR, SME (streaming/ZA/ZT0) with lazy FPSIMD-only host save in hyp',
  status: 'prerelease',
  Kernel: V612rc1Kernel,
};
