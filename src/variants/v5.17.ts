/**
 * v5.17 — KVM stops saving the host's SVE state: lazy FPSIMD-only host save in hyp.
 *
 * Kernel: v5.17 (2022-03-20) as read in snapshot K0: torvalds/linux at 0033cd9339642f9b
 * ("arm64/sme: Implement ZA context switching", in the v5.19 SME series, which applied on top
 * of the v5.17/v5.18 code):
 *  - arch/arm64/kvm/fpsimd.c @0033cd93 (index id 15283327219, read in full);
 *  - arch/arm64/kernel/fpsimd.c @0033cd93 (index id 39136921063, read in full) and
 *    arch/arm64/include/asm/fpsimd.h @0033cd93 (index id 23642756435, read in full);
 *  - arch/arm64/kernel/syscall.c of the same era (index id 1004229068): sve_user_discard() at
 *    syscall entry, as in v4.15.
 * The host fpsimd.c at K0 already carries the first SME code (SVCR, za_state, the streaming
 * branch of fpsimd_save()), but the series had not yet added SME trap and syscall handling nor
 * the Kconfig entry: on the modelled system system_supports_sme() is false, so those branches
 * are dead and the variant declares no SME (its events stay disabled). The hyp side
 * (hyp/include/hyp/switch.h of v5.17: kvm_hyp_handle_fpsimd(), update_fp_enabled()) is not
 * stored at that commit; it is modelled from K0's callers, the KERNEL-NOTES §2.2 outline and
 * the diffs that later changed it (index ids 37774058903, 40230829670) [M for the details noted
 * at each method].
 *
 * Commits that shaped it, since v4.18 (titles and hashes from the stable and linux-next
 * listings in the index, [S] unless read in a diff):
 *  - 54b8c7cbc57c "arm64/fpsimd: Introduce fpsimd_save_and_flush_cpu_state()" (2019) and the
 *    same series' fpsimd_flush_task_state() that also sets TIF_FOREIGN_FPSTATE [V in K0];
 *  - SVE guests (v5.2): ctxsync binds the vcpu's sve_state and sets TIF_SVE = vcpu_has_sve(),
 *    so the host's fpsimd_save() writes a vcpu's SVE state through `last` [V in K0];
 *  - cccb78ce89c4 "arm64/sve: Rework SVE access trap to convert state in registers" (v5.13):
 *    do_sve_acc() converts in the registers when the state is live, else in memory [V in K0];
 *  - 8383741ab2e7 "KVM: arm64: Get rid of host SVE tracking/saving" (v5.17): the hyp saves
 *    only the host's FPSIMD registers, on the premise that KVM_RUN is a syscall and syscalls
 *    discard SVE; kvm_arch_vcpu_load_fp() asserts it with BUG_ON(TIF_SVE) [V in K0]. The same
 *    commit dropped the clearing of HOST_SVE_ENABLED at vcpu_load (the flag is only ever set),
 *    which is the bug d52d165d67c5 "KVM: arm64: Always start with clearing SVE flag on load"
 *    fixed in v5.19-rc3 [V: K0 and the stable patch, index id 40576903590].
 *  - the KVM_ARM64_FP_FOREIGN_FPSTATE mirror set by kvm_arch_vcpu_ctxflush_fp() [V in K0].
 *
 * What differs from its predecessor (v4.18):
 *  - fpsimd_flush_task_state() sets the task's TIF_FOREIGN_FPSTATE itself;
 *  - fpsimd_save() saves an SVE-format state (TIF_SVE) through fpsimd_last_state's sve_state
 *    and VL, which for a bound vcpu are the vcpu's;
 *  - do_sve_acc() converts in registers when the state is live, and can be preempted before it
 *    claims the FP context (sve_alloc() may sleep): the model splits the trap there;
 *  - KVM: vcpu_load records FP_HOST and (only ever setting it) HOST_SVE_ENABLED, asserts that
 *    the thread has no SVE state; the first guest FP trap saves the host's V registers into
 *    the thread's uw.fpsimd_state only; SVE guests are supported; vcpu_put clears TIF_SVE.
 *
 * Note: the brief calls this era "fp_state HOST_OWNED/GUEST_OWNED"; in the code of K0 the
 * ownership is still the v4.18 flags pair (FP_HOST, FP_ENABLED). The tristate arrived with
 * f8077b0d5923 "KVM: arm64: Move FP state ownership from flag to a tristate" in v5.19 [S].
 */

import { fpsimdWriteRegs, sveWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../arch/sizes.js';
import { ZERO } from '../arch/tokens.js';
import { Format, TrapKind } from '../kernel/effects.js';
import type { KernelFeatures } from '../kernel/machine.js';
import { KPath, Pos, type TaskView, type VcpuView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V418Kernel } from './v4.18.js';

export class V517Kernel extends V418Kernel {
  /** SVE guests; the SME code of K0 is compiled out (no Kconfig entry yet). */
  static override readonly features: KernelFeatures = { ext: true, sme: false, fpmr: false, guestSve: true };

  // --- fpsimd.c -----------------------------------------------------------------------------------

  /**
   * @models fpsimd_flush_task_state() — fpsimd.c (K0): forget which CPU last held the task's
   * state, then (with a compiler barrier between, so that a racing switch or softirq cannot
   * clear it again) set its TIF_FOREIGN_FPSTATE.
   */
  override fpsimd_flush_task_state(t: TaskView): void {
    super.fpsimd_flush_task_state(t);
    t.TIF_FOREIGN_FPSTATE = true;
  }

  /** The VL, in quadwords, of the storage fpsimd_last_state names (last->sve_vl). */
  lastSveVq(): number {
    const c = this.cpu;
    const slot = this.layout.taskOfSt(c.last_st);
    if (slot >= 0) return this.tasks[slot]!.sve_vq;
    // a vcpu is bound with its sve_max_vl: the model's vcpus run at the system default VL
    return this.defaultVq;
  }

  /**
   * Writes Z/P/FFR to the sve_state of what fpsimd_last_state names (a task's, or a bound
   * vcpu's), at VL `vq` (the caller has checked RDVL). A dereference like storeVToLastState.
   */
  storeSveToLastState(where: string, vq: number): { st: number; unmodified: boolean } {
    const c = this.cpu;
    const st = c.last_st;
    if (st === 0) this.fail('no-uaf', undefined, where, `cpu${c.id} stores its registers through a NULL fpsimd_last_state`);
    const slot = this.layout.taskOfSt(st);
    if (slot >= 0) {
      this.derefLastStateTask(where);
      const t = this.tasks[slot]!;
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
  }

  /**
   * @models fpsimd_save() — fpsimd.c (K0). If current's TIF_FOREIGN_FPSTATE is clear, write
   * the registers back to what fpsimd_last_state names: SVE format (at last->sve_vl, after
   * checking RDVL: a mismatch WARNs and SIGKILLs current) when current has TIF_SVE — which
   * ctxsync sets for an SVE vcpu — else the V registers through last->st.
   */
  override fpsimd_save(): void {
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
  }

  /** @models fpsimd_save_and_flush_cpu_state() — fpsimd.c (K0): save what is live, forget the binding. */
  fpsimd_save_and_flush_cpu_state(): void {
    this.fpsimd_save();
    this.fpsimd_flush_cpu_state();
  }

  /**
   * @models el0_sve_acc — entry-common.c (v5.x): the EL0 SVE trap. do_sve_acc() runs with
   * preemption enabled until it claims the FP context (its sve_alloc() may sleep), so the
   * model enters it as a kernel path and runs its body on `continue`.
   */
  override el0_sve_acc(): void {
    const t = this.currentTask;
    t.pos = Pos.KERNEL;
    t.in_syscall = false;
    this.fx.trap(this.cpu.id, TrapKind.SVE_EL0);
    this.enterKPath(t, KPath.SVE_ACC, 1);
  }

  /** Runs the next step of a kernel path; the SME era adds the access-trap paths. */
  override kernelContinue(): void {
    const t = this.currentTask;
    if (t.kpath === KPath.SVE_ACC) {
      this.leaveKPath(t);
      this.do_sve_acc();
      return;
    }
    super.kernelContinue();
  }

  /**
   * @models do_sve_acc() — fpsimd.c (K0, after cccb78ce89c4). sve_alloc() zeroes the buffer;
   * inside the FP context: set TIF_SVE (WARN if it was set: the trap should not have been
   * taken); if the task's state is live, set the VL, zero the SVE part in the registers
   * (sve_flush_live) and rebind (which disables the trap); otherwise convert the memory copy
   * (fpsimd_to_sve) and leave the reload to ret_to_user.
   */
  override do_sve_acc(): void {
    const t = this.currentTask;
    const c = this.cpu;
    this.sve_alloc(t);
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
  }

  // --- KVM: arch/arm64/kvm/fpsimd.c (K0) and hyp (v5.17) ------------------------------------------

  /**
   * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (K0): BUG_ON(TIF_SVE) — the run loop is
   * entered from a syscall, whose entry discarded SVE; mark the guest state not loaded and the
   * host's possibly live (FP_HOST); if EL0 SVE is enabled, set HOST_SVE_ENABLED. The flag is
   * never cleared here (nor anywhere else in K0): once set it stays set for the vcpu.
   */
  override kvm_arch_vcpu_load_fp(v: VcpuView): void {
    const t = this.currentTask;
    this.warnOn(t.TIF_SVE, 'kvm_arch_vcpu_load_fp', `BUG_ON: ${this.naming.task(t.slot)} enters KVM_RUN with TIF_SVE set`);
    v.FP_ENABLED = false;
    v.FP_HOST = true;
    if (this.cpu.zen_el0) v.HOST_SVE_ENABLED = true;
  }

  /**
   * @models kvm_arch_vcpu_ctxflush_fp() — kvm/fpsimd.c (K0), just before guest entry with
   * IRQs off: mirror the thread's TIF_FOREIGN_FPSTATE into the vcpu for the hypervisor.
   */
  kvm_arch_vcpu_ctxflush_fp(v: VcpuView): void {
    v.FP_FOREIGN_FPSTATE = this.currentTask.TIF_FOREIGN_FPSTATE;
  }

  /** One run-loop iteration up to guest entry: ctxflush, then the hypervisor's trap setup. */
  override runLoopEnterGuest(): void {
    this.kvm_arch_vcpu_ctxflush_fp(this.currentVcpu);
    super.runLoopEnterGuest();
  }

  /**
   * @models update_fp_enabled() — hyp switch.h (v5.17) [M]: if the mirrored flag says the
   * registers were used since the last exit, neither the guest's nor the host's state is in
   * them.
   */
  override update_fp_enabled(v: VcpuView): boolean {
    if (v.FP_FOREIGN_FPSTATE) {
      v.FP_ENABLED = false;
      v.FP_HOST = false;
    }
    return v.FP_ENABLED;
  }

  /**
   * @models kvm_hyp_handle_fpsimd() — hyp switch.h (v5.17) [M]: the first guest FP or SVE
   * access of a run; stop trapping; if the host's state may be live (FP_HOST), save the host's
   * V registers into the thread's uw.fpsimd_state — FPSIMD only, whatever the host had
   * (8383741ab2e7) — then restore the guest: its SVE state for an SVE vcpu (ZCR_EL2 set to the
   * vcpu's max VL), else its V registers.
   */
  override __hyp_switch_fpsimd(): void {
    const c = this.cpu;
    const v = this.currentVcpu;
    const host = this.currentTask;
    this.fx.trap(c.id, TrapKind.GUEST_FP);
    c.guest_fp_trap = false;
    if (v.FP_HOST) {
      host.uw_V = c.regV; // __fpsimd_save_state(vcpu->arch.host_fpsimd_state)
      this.fx.hyp(c.id, 'host', false, FPSIMD_STATE_BYTES);
      v.FP_HOST = false;
    }
    if (v.has_sve) {
      sveWriteRegs(c, v.fp_V, v.fp_Hi); // __hyp_sve_restore_guest()
      c.hw_vq = this.defaultVq;
      this.fx.hyp(c.id, 'guest', true, sveSaveBytes(this.defaultVq * VQ_BITS));
    } else {
      fpsimdWriteRegs(c, v.fp_V);
      this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
    }
    v.FP_ENABLED = true;
  }

  /** The guest uses FP (FPSIMD instructions: an SVE guest's SVE part becomes zero). */
  override guestFpUse(): void {
    super.guestFpUse();
    const v = this.currentVcpu;
    if (v.has_sve) v.exp_Hi = ZERO;
  }

  /** An SVE guest writes Z/P/FFR; its first FP/SVE access of a run traps to the hypervisor. */
  override guestSveUse(): void {
    const v = this.currentVcpu;
    if (this.cpu.guest_fp_trap) this.__hyp_switch_fpsimd();
    this.checkGuestView(v, 'guest SVE use');
    const tok = this.newGuestToken(v);
    sveWriteRegs(this.cpu, tok, tok);
    v.exp_V = tok;
    v.exp_Hi = tok;
  }

  /**
   * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c (K0), after guest exit with IRQs off: if
   * the guest's state is loaded, bind the vcpu's fp_regs and sve_state (at its max VL) to the
   * CPU, clear the thread's TIF_FOREIGN_FPSTATE, and set TIF_SVE to vcpu_has_sve() so that
   * fpsimd_save() picks the vcpu's format.
   */
  override kvm_arch_vcpu_ctxsync_fp(v: VcpuView): void {
    if (!v.FP_ENABLED) return;
    const t = this.currentTask;
    this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id));
    t.TIF_FOREIGN_FPSTATE = false;
    t.TIF_SVE = v.has_sve;
  }

  /**
   * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (K0), IRQs saved and disabled: if the
   * guest's state is loaded, save it (through the vcpu's binding) and flush; otherwise, on a
   * VHE host with SVE, restore EL0 SVE access from HOST_SVE_ENABLED (the hypervisor reset
   * CPACR_EL1). Then clear TIF_SVE.
   */
  override kvm_arch_vcpu_put_fp(v: VcpuView): void {
    const t = this.currentTask;
    if (v.FP_ENABLED) {
      this.fpsimd_save_and_flush_cpu_state();
    } else if (this.hasVhe) {
      this.cpu.zen_el0 = v.HOST_SVE_ENABLED;
    }
    t.TIF_SVE = false;
  }
}

export const v517: Variant = {
  name: 'v5.17',
  kernel: 'v5.17 (snapshot K0 @0033cd93: 8383741ab2e7, cccb78ce89c4; before d52d165d67c5)',
  summary: 'lazy FPSIMD-only host save in hyp on the premise that KVM_RUN has no SVE state; SVE guests; HOST_SVE_ENABLED never cleared',
  status: 'release',
  Kernel: V517Kernel,
};
