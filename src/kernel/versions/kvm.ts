/**
 * KVM's FP handling (arch/arm64/kvm/fpsimd.c, arm.c's run loop, hyp/switch.c / switch.h): the
 * versions of its functions after the base kernel's (src/kernel/kvm.ts), each tagged with the
 * commit that introduced it. Snapshots: v4.18 (index ids 18855091082, 44891972177, 248864340),
 * v5.17 K0 (15283327219), v6.12-rc1 K (13712485), mainline B/H (8739427688, 19037564).
 */

import { sveStateAccessed } from '../../spec/observe.js';
import { fpsimdWriteRegs, sveWriteRegs } from '../../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../../arch/sizes.js';
import { ZERO } from '../../arch/tokens.js';
import { TrapKind } from '../effects.js';
import { FpOwner, FpType, Pos, type TaskView, type VcpuView } from '../records.js';
import { versions } from './table.js';
import { guestRuns } from '../../spec/observe.js';

/**
 * The VL, in quadwords, under a ZCR_EL2 of `capVq` when ZCR_EL1 holds the guest's choice:
 * zcr_vq, or for 0 all ones (ZCR_ELx_LEN_MASK, "the largest VL there is") — in the guest the
 * cap is the vcpu's maximum (what __hyp_sve_restore_guest() programs); on an nVHE host after
 * the exit, before 59419f10045b, the hardware's maximum once the host's first SVE access has
 * trapped to EL2 and reset ZCR_EL2 ("KVM: arm64: Trap host SVE accesses when the FPSIMD state
 * is dirty", v5.13: hyp-main.c handle_trap()).
 */
function guestVq(capVq: number, v: VcpuView): number {
  return v.zcr_vq === 0 ? capVq : Math.min(v.zcr_vq, capVq);
}

export const kvm = versions({
  hasVhe: {
    /** SVE and KVM together require a VHE host from v4.18 (kvm_arch_init refuses otherwise). */
    get e6b673b741ea(): boolean {
      return true;
    },
  },
  kvm_arch_vcpu_load: {
    /** @models kvm_arch_vcpu_load() — arm.c v4.18: … kvm_arch_vcpu_load_fp(). */
    e6b673b741ea(v: VcpuView): void {
      this.kvm_arch_vcpu_load_fp(v);
    },
  },
  kvm_arch_vcpu_put: {
    /** @models kvm_arch_vcpu_put() — arm.c v4.18: kvm_arch_vcpu_put_fp() … */
    e6b673b741ea(v: VcpuView): void {
      this.kvm_arch_vcpu_put_fp(v);
    },
  },
  kvm_arch_vcpu_load_fp: {
    /** @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c v4.18-rc1: no backup of the EL0 SVE trap. */
    e6b673b741ea(v: VcpuView): void {
      const t = this.currentTask;
      v.FP_ENABLED = false;
      v.HOST_SVE_IN_USE = t.TIF_SVE;
      v.HOST_SVE_ENABLED = false;
      v.FP_HOST = true;
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c v4.18: the guest state is not loaded; the
     * registers may hold the host thread's live state (FP_HOST: checked against the thread's
     * flag at guest entry). Back up TIF_SVE and the EL0 SVE trap setting, which a guest run
     * clobbers.
     */
    b3eb56b629d1(v: VcpuView): void {
      const t = this.currentTask;
      v.FP_ENABLED = false;
      v.HOST_SVE_IN_USE = t.TIF_SVE;
      v.HOST_SVE_ENABLED = this.cpu.zen_el0;
      v.FP_HOST = true;
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (K0): BUG_ON(TIF_SVE) — the run loop is
     * entered from a syscall, whose entry discarded SVE; mark the guest state not loaded and the
     * host's possibly live (FP_HOST); if EL0 SVE is enabled, set HOST_SVE_ENABLED. The flag is
     * never cleared here (nor anywhere else in K0): once set it stays set for the vcpu.
     */
    '8383741ab2e7'(v: VcpuView): void {
      const t = this.currentTask;
      this.warnOn(t.TIF_SVE, 'kvm_arch_vcpu_load_fp', `BUG_ON: ${this.naming.task(t.slot)} enters KVM_RUN with TIF_SVE set`);
      v.FP_ENABLED = false;
      v.FP_HOST = true;
      if (this.cpu.zen_el0) v.HOST_SVE_ENABLED = true;
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c after d52d165d67c5 (v5.19-rc3): as
     * 8383741ab2e7's, but HOST_SVE_ENABLED is cleared first, so it says what this load saw.
     */
    d52d165d67c5(v: VcpuView): void {
      const t = this.currentTask;
      this.warnOn(t.TIF_SVE, 'kvm_arch_vcpu_load_fp', `BUG_ON: ${this.naming.task(t.slot)} enters KVM_RUN with TIF_SVE set`);
      v.FP_ENABLED = false;
      v.FP_HOST = true;
      v.HOST_SVE_ENABLED = false;
      if (this.cpu.zen_el0) v.HOST_SVE_ENABLED = true;
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c of Debian 6.1.192 (lines 73-90, the 6.1.y
     * backport of fbc7e61195e2): save and flush whatever host state is live, so that hyp never
     * saves it and the host reloads it at return to user; neither the guest's nor the host's
     * state is in the registers for KVM (fp_state FREE). No BUG_ON(TIF_SVE) and no EL0 SVE
     * bookkeeping any more.
     */
    'fbc7e61195e2-6.1'(v: VcpuView): void {
      this.fpsimd_save_and_flush_cpu_state();
      v.FP_ENABLED = false;
      v.FP_HOST = false;
      // Model bookkeeping, not 6.1 code: the K0 ctxsync carries the vcpu's format in the thread's
      // TIF_SVE, which 6.1.192 never touches; put_fp gives the thread its own flag back.
      v.HOST_SVE_IN_USE = this.currentTask.TIF_SVE;
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (K): fpsimd_kvm_prepare(); the host owns
     * the registers (fp_owner HOST_OWNED; hyp will save them into current's uw.fpsimd_state);
     * record the EL0 SVE and SME enables; if streaming mode or ZA is live, save and flush now.
     */
    ef3be86021c3(v: VcpuView): void {
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
    },
    /**
     * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c (B, fbc7e61195e2): save and flush whatever
     * host state is live (SVE, SME, FPMR included; the flush's SMSTOP leaves PSTATE.{SM,ZA} clear)
     * so that the host restores it at return to user and hyp never saves it; nobody owns the
     * registers. WARN if SVCR is still non-zero.
     */
    fbc7e61195e2(_v: VcpuView): void {
      const c = this.cpu;
      this.fpsimd_save_and_flush_cpu_state();
      c.fp_owner = FpOwner.FREE;
      this.warnOn(this.hasSme && (c.regSM || c.regZAen), 'kvm_arch_vcpu_load_fp', 'SVCR is non-zero after the save+flush');
    },
  },
  kvm_arch_vcpu_ctxsync_fp: {
    /**
     * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c v4.18, right after the guest exits (IRQs
     * off): if the guest's registers are loaded, bind the vcpu's fp_regs to this CPU and clear
     * the thread's TIF_FOREIGN_FPSTATE, which from here means "the vcpu's state is live", so
     * that kernel-mode NEON saves it into the vcpu. TIF_SVE is cleared: the vcpu state is
     * FPSIMD only, and fpsimd_save() must not take the SVE path for it.
     */
    e6b673b741ea(v: VcpuView): void {
      if (!v.FP_ENABLED) return;
      const t = this.currentTask;
      this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id));
      t.TIF_FOREIGN_FPSTATE = false;
      t.TIF_SVE = false;
    },
    /**
     * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c (K0), after guest exit with IRQs off: if
     * the guest's state is loaded, bind the vcpu's fp_regs and sve_state (at its max VL) to the
     * CPU, clear the thread's TIF_FOREIGN_FPSTATE, and set TIF_SVE to vcpu_has_sve() so that
     * fpsimd_save() picks the vcpu's format.
     */
    '8383741ab2e7'(v: VcpuView): void {
      if (!v.FP_ENABLED) return;
      const t = this.currentTask;
      this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id));
      t.TIF_FOREIGN_FPSTATE = false;
      t.TIF_SVE = v.has_sve;
    },
    /**
     * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c (K): if the guest owns the registers,
     * bind the vcpu's storage (to_save SVE for an SVE vcpu, else FPSIMD) and clear the thread's
     * TIF_FOREIGN_FPSTATE. TIF_SVE is no longer touched.
     */
    ef3be86021c3(v: VcpuView): void {
      if (this.cpu.fp_owner !== FpOwner.GUEST_OWNED) return;
      this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id), v.has_sve ? FpType.SVE : FpType.FPSIMD);
      this.currentTask.TIF_FOREIGN_FPSTATE = false;
    },
  },
  kvm_arch_vcpu_put_fp: {
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c v4.18-rc1: softirqs masked (WARNs when the
     * caller has IRQs off), TIF_SVE restored first, the trap re-established only through
     * current's own binding.
     */
    e6b673b741ea(v: VcpuView): void {
      const t = this.currentTask;
      t.TIF_SVE = v.HOST_SVE_IN_USE;
      if (v.FP_ENABLED) {
        this.fpsimd_save();
        this.fpsimd_flush_cpu_state();
      } else if (!t.TIF_FOREIGN_FPSTATE) {
        this.fpsimd_bind_task_to_cpu();
      }
      this.local_bh_enable();
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c after b045e4d0f392: as e6b673b741ea's, with
     * IRQs saved and disabled instead of softirqs masked (no local_bh_enable(), no WARN).
     */
    b045e4d0f392(v: VcpuView): void {
      const t = this.currentTask;
      t.TIF_SVE = v.HOST_SVE_IN_USE;
      if (v.FP_ENABLED) {
        this.fpsimd_save();
        this.fpsimd_flush_cpu_state();
      } else if (!t.TIF_FOREIGN_FPSTATE) {
        this.fpsimd_bind_task_to_cpu();
      }
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c v4.18 (after b045e4d0f392, b3eb56b629d1 and
     * 2955bcc8c309), IRQs off: if the guest's registers are loaded, write them back to the vcpu
     * and flush the CPU binding (so that nothing can match a recycled fp_regs later, and the
     * thread reloads its own state). Otherwise the registers are whatever the vcpu found, but
     * the hypervisor disabled EL0 SVE: restore the trap setting vcpu_load saw. Restore TIF_SVE
     * last, once the vcpu state is saved.
     */
    b3eb56b629d1(v: VcpuView): void {
      const t = this.currentTask;
      if (v.FP_ENABLED) {
        this.fpsimd_save();
        this.fpsimd_flush_cpu_state();
      } else {
        this.cpu.zen_el0 = v.HOST_SVE_ENABLED;
      }
      t.TIF_SVE = v.HOST_SVE_IN_USE;
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (K0), IRQs saved and disabled: if the
     * guest's state is loaded, save it (through the vcpu's binding) and flush; otherwise, on a
     * VHE host with SVE, restore EL0 SVE access from HOST_SVE_ENABLED (the hypervisor reset
     * CPACR_EL1). Then clear TIF_SVE.
     */
    '8383741ab2e7'(v: VcpuView): void {
      const t = this.currentTask;
      if (v.FP_ENABLED) {
        this.kvmPutFpRestoreVl(v);
        this.fpsimd_save_and_flush_cpu_state();
      } else if (this.hasVhe) {
        this.cpu.zen_el0 = v.HOST_SVE_ENABLED;
      }
      t.TIF_SVE = false;
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c of Debian 6.1.192 (lines 144-165, the 6.1.y
     * backport of fbc7e61195e2), IRQs saved and disabled: if the guest's state is loaded, save it
     * through the vcpu's binding and flush. No EL0 SVE access to restore (the host rebinds before
     * any user task runs). 6.1.192 passes the vcpu's format to fpsimd_bind_state_to_cpu() as an
     * fp_type and never touches the thread's TIF_SVE; the model's ctxsync (K0) carries that
     * format in TIF_SVE, so the thread's own flag, as load_fp found it, is put back.
     */
    'fbc7e61195e2-6.1'(v: VcpuView): void {
      if (v.FP_ENABLED) {
        this.kvmPutFpRestoreVl(v);
        this.fpsimd_save_and_flush_cpu_state();
      }
      this.currentTask.TIF_SVE = v.HOST_SVE_IN_USE;
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (K), IRQs saved and disabled: on VHE with
     * SME restore EL0 SME access as seen at load; if the guest owns the registers save and flush
     * (through the vcpu's binding), else on VHE restore EL0 SVE access as seen at load.
     */
    ef3be86021c3(v: VcpuView): void {
      const c = this.cpu;
      if (this.hasVhe && this.hasSme) c.smen_el0 = v.HOST_SME_ENABLED;
      if (c.fp_owner === FpOwner.GUEST_OWNED) {
        this.kvmPutFpRestoreVl(v);
        this.fpsimd_save_and_flush_cpu_state();
      } else if (this.hasVhe) c.zen_el0 = v.HOST_SVE_ENABLED;
    },
    /**
     * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c (B), IRQs saved and disabled: if the guest
     * owns the registers, save them (through the vcpu's binding) and flush. No trap state to
     * restore any more (459f059be702, 407a99c4654e).
     */
    fbc7e61195e2(v: VcpuView): void {
      if (this.cpu.fp_owner === FpOwner.GUEST_OWNED) {
        this.kvmPutFpRestoreVl(v);
        this.fpsimd_save_and_flush_cpu_state();
      }
    },
  },
  runLoopEnterGuest: {
    /** One run-loop iteration up to guest entry: no FP work on the host side any more. */
    e6b673b741ea(): void {
      this.__activate_traps();
      this.currentTask.pos = Pos.GUEST;
    },
    /** One run-loop iteration up to guest entry: ctxflush, then the hypervisor's trap setup. */
    '8383741ab2e7'(): void {
      this.kvm_arch_vcpu_ctxflush_fp(this.currentVcpu);
      kvm.runLoopEnterGuest.e6b673b741ea.call(this);
    },
    /** 59419f10045b: then hyp switches ZCR_EL{1,2} to the guest's if it still owns the registers. */
    '59419f10045b'(): void {
      kvm.runLoopEnterGuest['8383741ab2e7'].call(this);
      this.fpsimd_lazy_switch_to_guest(this.currentVcpu);
    },
    /** The 6.1.y backport of 59419f10045b: the same over v5.17's run loop. */
    '59419f10045b-6.1'(): void {
      kvm.runLoopEnterGuest['8383741ab2e7'].call(this);
      this.fpsimd_lazy_switch_to_guest(this.currentVcpu);
    },
  },
  update_fp_enabled: {
    /**
     * @models update_fp_enabled() — hyp/switch.c v4.18: if the host thread is marked foreign,
     * something used the registers since the last exit (a softirq, a context switch), so the
     * guest's state is not loaded and the registers are not the host's live state either.
     */
    e6b673b741ea(v: VcpuView): boolean {
      if (this.currentTask.TIF_FOREIGN_FPSTATE) {
        v.FP_ENABLED = false;
        v.FP_HOST = false;
      }
      return v.FP_ENABLED;
    },
    /**
     * @models update_fp_enabled() — hyp switch.h (v5.17) [M]: if the mirrored flag says the
     * registers were used since the last exit, neither the guest's nor the host's state is in
     * them.
     */
    '8383741ab2e7'(v: VcpuView): boolean {
      if (v.FP_FOREIGN_FPSTATE) {
        v.FP_ENABLED = false;
        v.FP_HOST = false;
      }
      return v.FP_ENABLED;
    },
    /** The guest exits: v4.18's flow (deactivate, ctxsync), the guest's owner state stays per CPU. */
    ef3be86021c3(_v: VcpuView): boolean {
      return this.cpu.fp_owner === FpOwner.GUEST_OWNED;
    },
  },
  __activate_traps: {
    /**
     * @models activate_traps_vhe() — hyp/switch.c v4.18: EL0 SVE disabled (CPACR_EL1.ZEN
     * cleared) for the guest run; guest FP traps unless its state is still loaded.
     */
    e6b673b741ea(): void {
      const c = this.cpu;
      c.zen_el0 = false;
      c.guest_fp_trap = !this.update_fp_enabled(this.currentVcpu);
    },
    /**
     * @models __activate_cptr_traps() — hyp (v6.12, VHE) [M]: EL0 SVE/SME disabled for the guest
     * run; guest FP traps unless the guest already owns the registers.
     */
    ef3be86021c3(): void {
      const c = this.cpu;
      c.zen_el0 = false;
      if (this.hasSme) c.smen_el0 = false;
      c.guest_fp_trap = c.fp_owner !== FpOwner.GUEST_OWNED;
    },
  },
  guestFpUse: {
    /**
     * The guest uses FP: the first access of a KVM_RUN (or after the registers were taken)
     * traps to __hyp_switch_fpsimd(); then the guest reads its registers (integrity check point)
     * and writes new values.
     */
    e6b673b741ea(): void {
      const v = this.currentVcpu;
      if (this.cpu.guest_fp_trap) this.__hyp_switch_fpsimd();
      guestRuns(this, v, 'guest FP use');
      const tok = this.newGuestToken(v);
      fpsimdWriteRegs(this.cpu, tok);
      v.exp_V = tok;
    },
    /** The guest uses FP (FPSIMD instructions: an SVE guest's SVE part becomes zero). */
    '8383741ab2e7'(): void {
      kvm.guestFpUse.e6b673b741ea.call(this);
      const v = this.currentVcpu;
      if (v.has_sve) v.exp_Hi = ZERO;
    },
  },
  __hyp_switch_fpsimd: {
    /**
     * @models __hyp_switch_fpsimd() — hyp/switch.c v4.18 (the FP/ASIMD trap): stop trapping;
     * if the registers hold the host thread's live state (FP_HOST), save it into the thread's
     * own task_struct — SVE format into its sve_state if it had TIF_SVE at vcpu_load, else its
     * V registers into uw.fpsimd_state — then load the guest's fp_regs and mark them loaded.
     */
    e6b673b741ea(): void {
      const c = this.cpu;
      const v = this.currentVcpu;
      const host = this.currentTask;
      this.fx.trap(c.id, TrapKind.GUEST_FP);
      c.guest_fp_trap = false;
      if (v.FP_HOST) {
        if (v.HOST_SVE_IN_USE) {
          sveStateAccessed(this, host, host.sve_vq, 'save', 'kvm_hyp_handle_fpsimd');
          host.sve_V = c.regV;
          host.sve_Hi = c.regHi;
          this.fx.hyp(c.id, 'host', false, sveSaveBytes(host.sve_vq * VQ_BITS));
        } else {
          host.uw_V = c.regV;
          this.fx.hyp(c.id, 'host', false, FPSIMD_STATE_BYTES);
        }
        v.FP_HOST = false;
      }
      fpsimdWriteRegs(c, v.fp_V);
      this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
      v.FP_ENABLED = true;
    },
    /**
     * @models kvm_hyp_handle_fpsimd() — hyp switch.h (v5.17) [M]: the first guest FP or SVE
     * access of a run; stop trapping; if the host's state may be live (FP_HOST), save the host's
     * V registers into the thread's uw.fpsimd_state — FPSIMD only, whatever the host had
     * (8383741ab2e7) — then restore the guest: its SVE state for an SVE vcpu (ZCR_EL2 set to the
     * vcpu's max VL), else its V registers.
     */
    '8383741ab2e7'(): void {
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
        this.__hyp_sve_restore_guest(v);
      } else {
        fpsimdWriteRegs(c, v.fp_V);
        this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
      }
      v.FP_ENABLED = true;
    },
    /**
     * @models kvm_hyp_handle_fpsimd() — hyp (v6.12) [M]: stop trapping; if the host owns the
     * registers, save its V registers into current's uw.fpsimd_state (FPMR only for a VM with
     * FPMR: the model's VMs have none); restore the guest (SVE state for an SVE vcpu); the guest
     * owns the registers.
     */
    ef3be86021c3(): void {
      const c = this.cpu;
      const v = this.currentVcpu;
      const host = this.currentTask;
      this.fx.trap(c.id, TrapKind.GUEST_FP);
      c.guest_fp_trap = false;
      if (c.fp_owner === FpOwner.HOST_OWNED) this.hypSaveHost(host);
      if (v.has_sve) {
        this.__hyp_sve_restore_guest(v);
      } else {
        fpsimdWriteRegs(c, v.fp_V);
        this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
      }
      c.fp_owner = FpOwner.GUEST_OWNED;
    },
  },
  runLoopGuestExit: {
    /**
     * Guest exit (kvm_vcpu_run_vhe() returning, v4.18): the guest's registers stay in the CPU;
     * deactivate_traps_vhe() writes CPACR_EL1_DEFAULT (EL0 SVE off). Back in the run loop with
     * IRQs still off, kvm_arch_vcpu_ctxsync_fp().
     */
    e6b673b741ea(): void {
      const c = this.cpu;
      c.guest_fp_trap = true; // the trap setting only matters in the guest; entry recomputes it
      this.__deactivate_traps();
      this.kvm_arch_vcpu_ctxsync_fp(this.currentVcpu);
      this.currentTask.pos = Pos.RUNLOOP;
    },
    /**
     * 59419f10045b: hyp switches ZCR_EL{1,2} back to the host (fpsimd_lazy_switch_to_host,
     * after __deactivate_traps) before the run loop's ctxsync binds the guest's state.
     */
    '59419f10045b'(): void {
      this.fpsimd_lazy_switch_to_host(this.currentVcpu);
      kvm.runLoopGuestExit.e6b673b741ea.call(this);
    },
    /** The 6.1.y backport of 59419f10045b. */
    '59419f10045b-6.1'(): void {
      this.fpsimd_lazy_switch_to_host(this.currentVcpu);
      kvm.runLoopGuestExit.e6b673b741ea.call(this);
    },
  },
  local_bh_enable: {
    /** @models local_bh_enable() — kernel/softirq.c: WARNs if IRQs are disabled (it may run softirqs). */
    e6b673b741ea(): void {
      this.warnOn(this.irqsOff, 'local_bh_enable', 'softirqs re-enabled with IRQs disabled (vcpu_put from the sched_out notifier)');
    },
  },
  kvm_arch_vcpu_ctxflush_fp: {
    /**
     * @models kvm_arch_vcpu_ctxflush_fp() — kvm/fpsimd.c (K0), just before guest entry with
     * IRQs off: mirror the thread's TIF_FOREIGN_FPSTATE into the vcpu for the hypervisor.
     */
    '8383741ab2e7'(v: VcpuView): void {
      v.FP_FOREIGN_FPSTATE = this.currentTask.TIF_FOREIGN_FPSTATE;
    },
    /** @models kvm_arch_vcpu_ctxflush_fp() — kvm/fpsimd.c (K): FP used while preemptible: nobody owns it. */
    ef3be86021c3(_v: VcpuView): void {
      if (this.currentTask.TIF_FOREIGN_FPSTATE) this.cpu.fp_owner = FpOwner.FREE;
    },
  },
  guestSveUse: {
    /** An SVE guest writes Z/P/FFR; its first FP/SVE access of a run traps to the hypervisor. */
    '8383741ab2e7'(): void {
      const v = this.currentVcpu;
      if (this.cpu.guest_fp_trap) this.__hyp_switch_fpsimd();
      guestRuns(this, v, 'guest SVE use');
      const tok = this.newGuestToken(v);
      sveWriteRegs(this.cpu, tok, tok);
      v.exp_V = tok;
      v.exp_Hi = tok;
    },
  },
  fpsimd_kvm_prepare: {
    /**
     * @models fpsimd_kvm_prepare() — fpsimd.c (A, from 93ae6b01bafe): inside the FP context, if
     * TIF_SVE is set clear it and convert the *memory* copy to FPSIMD (sve_to_fpsimd, fp_type
     * FPSIMD). The live registers, their binding and the EL0 SVE enable are left alone.
     */
    ef3be86021c3(): void {
      const t = this.currentTask;
      if (t.TIF_SVE) {
        t.TIF_SVE = false;
        this.sve_to_fpsimd(t);
        t.fp_type = FpType.FPSIMD;
      }
    },
  },
  __deactivate_traps: {
    /** @models kvm_reset_cptr_el2() at guest exit — hyp (v6.12, VHE) [M]: EL0 SVE and SME stay disabled. */
    ef3be86021c3(): void {
      const c = this.cpu;
      c.zen_el0 = false;
      if (this.hasSme) c.smen_el0 = false;
    },
    /**
     * @models __deactivate_cptr_traps_vhe() — switch.h (H; e62dd507844f): CPACR_EL1 = FPEN | ZEN
     * | SMEN (EL0 and EL1): EL0 SVE and SME are left *enabled* after every guest run; the host
     * rebinds (and so reprograms them) before any user task runs, since vcpu_load flushed the host
     * binding (fbc7e61195e2). Until this commit, kvm_reset_cptr_el2() enabled them for EL1 only,
     * as ef3be86021c3's version models (still so in Debian 6.12.118, which has fbc7e61195e2).
     */
    e62dd507844f(): void {
      const c = this.cpu;
      c.zen_el0 = true;
      if (this.hasSme) c.smen_el0 = true;
    },
  },
  hypSaveHost: {
    /** kvm_hyp_save_fpsimd_host() (v6.12, VHE) [M]: __fpsimd_save_state(*host_data.fpsimd_state). */
    ef3be86021c3(host: TaskView): void {
      const c = this.cpu;
      host.uw_V = c.regV;
      this.fx.hyp(c.id, 'host', false, FPSIMD_STATE_BYTES);
    },
    /** hyp saves no host state outside pKVM (8eca7f6d5100); the owner is never HOST_OWNED here. */
    fbc7e61195e2(_host: TaskView): void {},
  },
  // --- the VL an SVE guest runs at (issue 14 part 4; the `kvmvl` family) -------------------------
  __hyp_sve_restore_guest: {
    /**
     * @models __hyp_sve_restore_guest() — hyp/include/hyp/switch.h (v5.12 8c8010d69c13 onwards;
     * read in linux-source-6.12 :317-337): ZCR_EL2 set to the vcpu's maximum VL, the guest's SVE
     * state loaded at that VL (the layout of vcpu->arch.sve_state), then the guest's own ZCR_EL1
     * written back. The host's VL afterwards: on VHE the host runs at EL2, so ZCR_EL2 (the
     * vcpu's maximum); on nVHE the host shares ZCR_EL1 with the guest, so the guest's choice.
     */
    '8383741ab2e7'(v: VcpuView): void {
      const c = this.cpu;
      sveWriteRegs(c, v.fp_V, v.fp_Hi);
      c.hw_vq = this.hasNvhe ? guestVq(this.sveMaxVq, v) : this.vcpuMaxVq;
      this.fx.hyp(c.id, 'guest', true, sveSaveBytes(this.vcpuMaxVq * VQ_BITS));
    },
  },
  guestZcrWrite: {
    /**
     * An SVE guest writes ZCR_EL1 (`guest_zcr`): it halves its VL, or goes back to its maximum.
     * The access traps to the hypervisor while the guest does not own the FP registers
     * (CPTR_EL2.TZ / CPACR_EL1.ZEN), which loads the guest's state first, as an SVE instruction
     * would. On nVHE the write is the host's ZCR_EL1 too. The model does not track the bits of
     * the guest's registers beyond a reduced VL (architecturally UNKNOWN once it grows again):
     * the guest's expectations stay as they were, so only the VL can go wrong here.
     */
    '8383741ab2e7'(): void {
      const c = this.cpu;
      const v = this.currentVcpu;
      if (c.guest_fp_trap) this.__hyp_switch_fpsimd();
      v.zcr_vq = v.zcr_vq === 0 ? Math.max(1, this.vcpuMaxVq >> 1) : 0;
      if (this.hasNvhe) c.hw_vq = guestVq(this.sveMaxVq, v);
    },
  },
  kvmPutFpRestoreVl: {
    /**
     * @models kvm_arch_vcpu_put_fp()'s SVE block before the save — kvm/fpsimd.c v5.12-v6.13
     * (8c8010d69c13; 6.6-6.13 also for NV): the guest's ZCR_EL1 is kept in the vcpu and, on
     * nVHE, ZCR_EL1 is set back to the vcpu's maximum VL, the VL the vcpu was bound at, so the
     * save that follows matches RDVL. Only this path: until vcpu_put, the host runs at the
     * guest's VL (what 59419f10045b fixes).
     */
    '8383741ab2e7'(v: VcpuView): void {
      if (v.has_sve && this.hasNvhe) this.cpu.hw_vq = this.vcpuMaxVq;
    },
    /** 59419f10045b: the VL is already the vcpu's maximum since the guest exited (fpsimd_lazy_switch_to_host). */
    '59419f10045b'(_v: VcpuView): void {},
    /** The 6.1.y backport removes the block too (linux-source-6.1 kvm/fpsimd.c:144-165). */
    '59419f10045b-6.1'(_v: VcpuView): void {},
  },
  fpsimd_lazy_switch_to_host: {
    /**
     * @models fpsimd_lazy_switch_to_host() — hyp/include/hyp/switch.h (59419f10045b; linux-source-6.12
     * :370-405), at every guest exit: if the guest owns the registers and has SVE, keep its
     * ZCR_EL1 and make the host's VL the vcpu's maximum (VHE: ZCR_EL2; nVHE: ZCR_EL2 the host's
     * maximum and ZCR_EL1 the vcpu's), the VL ctxsync binds the state at.
     */
    '59419f10045b'(v: VcpuView): void {
      if (this.cpu.fp_owner === FpOwner.GUEST_OWNED && v.has_sve) this.cpu.hw_vq = this.vcpuMaxVq;
    },
    /** The 6.1.y backport (linux-source-6.1 switch.h:187-215): ownership is the vcpu's fp_state (the model's FP_ENABLED). */
    '59419f10045b-6.1'(v: VcpuView): void {
      if (v.FP_ENABLED && v.has_sve) this.cpu.hw_vq = this.vcpuMaxVq;
    },
  },
  fpsimd_lazy_switch_to_guest: {
    /**
     * @models fpsimd_lazy_switch_to_guest() — hyp/include/hyp/switch.h (59419f10045b; linux-source-6.12
     * :350-368), before every guest entry: if the guest still owns the registers and has SVE,
     * ZCR_EL2 = the vcpu's maximum and ZCR_EL1 = the guest's own value (the host's VL on nVHE).
     */
    '59419f10045b'(v: VcpuView): void {
      if (this.cpu.fp_owner === FpOwner.GUEST_OWNED && v.has_sve && this.hasNvhe) this.cpu.hw_vq = guestVq(this.vcpuMaxVq, v);
    },
    /** The 6.1.y backport (linux-source-6.1 switch.h:170-185). */
    '59419f10045b-6.1'(v: VcpuView): void {
      if (v.FP_ENABLED && v.has_sve && this.hasNvhe) this.cpu.hw_vq = guestVq(this.vcpuMaxVq, v);
    },
  },
  kvm_fpsimd_flush_cpu_state: {
    /** @models kvm_fpsimd_flush_cpu_state() as proposed in review: flush whatever is bound. */
    'flush-always'(): void {
      this.fpsimd_flush_cpu_state();
    },
    /** Mutation of kvm_fpsimd_flush_cpu_state(): does nothing. */
    'no-sve-flush'(): void {},
  },
});
