/**
 * v4.18 — KVM uses the host's FPSIMD context management.
 *
 * Kernel: v4.18 (2018-08-12). The series "KVM: arm64: Optimise FPSIMD handling to reduce
 * guest/host thrashing" (Dave Martin) replaced KVM's own host save area with the host's
 * binding: a vcpu's guest registers are bound to the CPU like a task's, and the host thread's
 * state is saved lazily, into its own task_struct, on the guest's first FP access.
 *
 * Snapshots read:
 *  - host fpsimd.c: a v4.19-stable-based tree, EmanuelCN/kernel_xiaomi_sm8250 @b4690dd
 *    (index id 2608009820, read in full). By a `git log` listing of fpsimd.c (index id
 *    49300830419) nothing was merged into it between the v4.18 series below and
 *    efbc20249fee (v4.20), so it is v4.18's code plus two stable backports that do not change
 *    this model: 52f73c383b24 (systems without FP) and e35ac9d0b56e (sve_alloc() memset size).
 *  - KVM fpsimd.c: v4.18's kvm_arch_vcpu_load_fp() and kvm_arch_vcpu_put_fp() as extracted
 *    functions (index ids 18855091082, 44891972177), and the v4.18-rc1 state of the whole file
 *    before the June 2018 fixes (index id 248864340) for kvm_arch_vcpu_ctxsync_fp().
 *  - hyp/switch.c: a v4.19-era copy (index id 61058266): update_fp_enabled(),
 *    activate_traps_vhe(), __hyp_switch_fpsimd(), deactivate_traps_vhe().
 *  - the run loop (virt/kvm/arm/arm.c): not stored for v4.18; from later copies and the
 *    KERNEL-NOTES §2.1 outline: no pre-entry FP call, kvm_arch_vcpu_ctxsync_fp() right after
 *    the guest exits with IRQs still off [S].
 *
 * Commits that shaped it (titles and order from the listing above; all in the v4.18 merge):
 *  20b8547277a6 "arm64: fpsimd: Split cpu field out from struct fpsimd_state" (fpsimd_state.cpu
 *    becomes thread.fpsimd_cpu: the model's `fpsimd_cpu` field either way);
 *  d8ad71fa38a9 "arm64: fpsimd: Fix TIF_FOREIGN_FPSTATE after invalidating cpu regs"
 *    (fpsimd_flush_cpu_state() sets current's TIF_FOREIGN_FPSTATE);
 *  d179761519d9 "arm64: fpsimd: Generalise context saving for non-task contexts"
 *    (fpsimd_save() writes through fpsimd_last_state.st, which may name a vcpu);
 *  df3fb9682045 "arm64: fpsimd: Eliminate task->mm checks" (switch, kernel-mode NEON and PM
 *    save whatever is live; the flag alone decides);
 *  0cff8e776f8f "arm64/sve: Refactor user SVE trap maintenance for external use" (the EL0 SVE
 *    trap is set in fpsimd_bind_task_to_cpu(), not in task_fpsimd_load());
 *  e6b673b741ea "KVM: arm64: Optimise FPSIMD handling to reduce guest/host thrashing" and
 *    85acda3b4a27 "KVM: arm64: Save host SVE context as appropriate" (load_fp / ctxsync_fp /
 *    put_fp, FP_HOST / FP_ENABLED / HOST_SVE_IN_USE, the hyp first-use trap saving the host
 *    state into the task); with 21cdd7fd76e3 "KVM: arm64: Remove eager host SVE state saving"
 *    removing sve_flush_cpu_state() [S];
 *  b045e4d0f392, b3eb56b629d1 "KVM: arm64/sve: Fix SVE trap restoration for non-current
 *    tasks" and 2955bcc8c309 "KVM: arm64: Avoid mistaken attempts to save SVE state for
 *    vcpus" (June 2018, before the release): put_fp runs with IRQs off, restores the EL0 SVE
 *    trap recorded at load (HOST_SVE_ENABLED), and restores TIF_SVE only after saving.
 *
 * What differs from its predecessor (v4.15):
 *  - host: as listed above; in particular fpsimd_update_current_state() (sigreturn) always
 *    rebinds and clears the flag, and fpsimd_flush_cpu_state() marks current foreign.
 *  - KVM: no per-CPU host save area and no pre-entry flush. vcpu_load records that the host
 *    state may be live (FP_HOST); guest entry keeps the guest registers (no trap) if they are
 *    still loaded from an earlier run of this KVM_RUN and nothing has used the registers since
 *    (TIF_FOREIGN_FPSTATE of the vcpu thread clear), else drops both flags. The first trap
 *    saves the host's live state into the thread's own memory (SVE format if it had TIF_SVE),
 *    loads the guest's; after each exit ctxsync binds the vcpu's fp_regs to the CPU and clears
 *    the thread's flag, which now means "the vcpu's state is loaded": a softirq's
 *    kernel_neon_begin() saves the guest state into the vcpu. vcpu_put saves and flushes it.
 *  - SVE with KVM requires VHE: the hypervisor clears CPACR_EL1's EL0 SVE enable around every
 *    guest run; put_fp restores what vcpu_load saw when the guest did not touch FP.
 *  - Cost: a guest that never uses FP costs the host nothing, SVE tasks included (v4.15
 *    flushed every SVE binding before every entry); the vcpu thread's own state is saved once
 *    per KVM_RUN (not per exit) and the guest's registers survive exits that need no host FP.
 */

import { fpsimdWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../arch/sizes.js';
import { Format, TrapKind } from '../kernel/effects.js';
import { Pos, type TaskView, type VcpuView } from '../kernel/records.js';
import { guestRuns } from '../spec/observe.js';
import type { Variant } from './types.js';
import { V415Kernel } from './v4.15.js';

export class V418Kernel extends V415Kernel {
  /** SVE and KVM together require a VHE host from v4.18 (kvm_arch_init refuses otherwise). */
  override get hasVhe(): boolean {
    return true;
  }

  // --- fpsimd.c ------------------------------------------------------------------------------------

  /**
   * @models task_fpsimd_load() — fpsimd.c v4.18: load current's state in the format TIF_SVE
   * selects. The EL0 SVE trap is no longer touched here (0cff8e776f8f): callers bind with
   * fpsimd_bind_task_to_cpu(), which sets it.
   */
  override task_fpsimd_load(): void {
    const c = this.cpu;
    const zen = c.zen_el0;
    super.task_fpsimd_load();
    c.zen_el0 = zen;
  }

  /**
   * @models fpsimd_save() — fpsimd.c v4.18 (task_fpsimd_save() renamed and generalised by
   * d179761519d9). Pre: softirqs disabled. If current's TIF_FOREIGN_FPSTATE is clear, the
   * registers hold the bound context's latest state and are written back — through
   * fpsimd_last_state.st, which is current's task state or, after kvm_arch_vcpu_ctxsync_fp(),
   * its vcpu's guest state. Only the SVE case still uses current: it writes Z/P/FFR into
   * current's sve_state (FPSR/FPCR through st), so it is right only while TIF_SVE is clear for
   * a bound vcpu (ctxsync clears it; put_fp restores it after saving).
   */
  fpsimd_save(): void {
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
  }

  /**
   * @models fpsimd_bind_task_to_cpu() — fpsimd.c v4.18 (fpsimd_bind_to_cpu() renamed): both
   * sides of the binding for current's task state, and the EL0 SVE trap per TIF_SVE
   * ("serialised by exception return to user"). fpsimd_last_state has only `st` now.
   */
  fpsimd_bind_task_to_cpu(): void {
    const t = this.currentTask;
    const c = this.cpu;
    c.last_st = this.layout.stOfTask(t.slot);
    c.last_dangling = false;
    c.last_sve_in_use = false;
    t.fpsimd_cpu = c.id;
    c.zen_el0 = t.TIF_SVE;
  }

  /**
   * @models fpsimd_bind_state_to_cpu() — fpsimd.c v4.18: bind a caller-supplied storage (a
   * vcpu's fp_regs) to this CPU. Softirqs or IRQs disabled. The storage has no `cpu` side:
   * KVM re-binds after every guest exit instead.
   */
  fpsimd_bind_state_to_cpu(st: number): void {
    const c = this.cpu;
    c.last_st = st;
    c.last_dangling = false;
    c.last_sve_in_use = false;
  }

  /**
   * @models fpsimd_thread_switch() — fpsimd.c v4.18: save whatever is live (fpsimd_save()
   * checks the flag; no task->mm test since df3fb9682045), then set next's flag from the two
   * sides of the binding, for every task.
   */
  override fpsimd_thread_switch(next: TaskView | null): void {
    this.fpsimd_save();
    if (next) {
      const c = this.cpu;
      const wrongTask = c.last_st !== this.layout.stOfTask(next.slot);
      const wrongCpu = next.fpsimd_cpu !== c.id;
      next.TIF_FOREIGN_FPSTATE = wrongTask || wrongCpu;
    }
  }

  /** @models fpsimd_preserve_current_state() — fpsimd.c v4.18: fpsimd_save() with softirqs off. */
  override fpsimd_preserve_current_state(): void {
    this.fpsimd_save();
  }

  /** @models fpsimd_restore_current_state() — fpsimd.c v4.18: load and bind (with the trap) if foreign. */
  override fpsimd_restore_current_state(): void {
    const t = this.currentTask;
    if (t.TIF_FOREIGN_FPSTATE) {
      t.TIF_FOREIGN_FPSTATE = false;
      this.task_fpsimd_load();
      this.fpsimd_bind_task_to_cpu();
    }
  }

  /**
   * @models fpsimd_update_current_state() — fpsimd.c v4.18 (sigreturn): copy, merge into
   * sve_state for an SVE task, load, and always bind and clear the flag (binding is what sets
   * the EL0 SVE trap now).
   */
  override fpsimd_update_current_state(v: number): void {
    const t = this.currentTask;
    t.uw_V = v;
    if (t.TIF_SVE) this.fpsimd_to_sve(t);
    this.task_fpsimd_load();
    this.fpsimd_bind_task_to_cpu();
    t.TIF_FOREIGN_FPSTATE = false;
  }

  /**
   * @models fpsimd_flush_cpu_state() — fpsimd.c v4.18 (d8ad71fa38a9): forget the CPU's
   * binding and mark current foreign, since whatever it had live is gone.
   */
  override fpsimd_flush_cpu_state(): void {
    super.fpsimd_flush_cpu_state();
    const t = this.current;
    if (t) t.TIF_FOREIGN_FPSTATE = true;
  }

  /**
   * @models kernel_neon_begin() — fpsimd.c v4.18: save what is live (task or vcpu state,
   * through fpsimd_last_state) and flush, which marks current foreign. Preemption stays
   * disabled until kernel_neon_end(); a softirq cannot nest (kernel_neon_busy).
   */
  override kernel_neon_begin(): void {
    this.fpsimd_save();
    this.fpsimd_flush_cpu_state();
  }

  /** @models do_sve_acc() — fpsimd.c v4.18: as v4.15, saving with fpsimd_save(). */
  override do_sve_acc(): void {
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
  }

  /** @models sve_set_vector_length() — fpsimd.c v4.18: as v4.15, saving with fpsimd_save(). */
  override sve_set_vector_length(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
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
  }

  /**
   * @models fpsimd_cpu_pm_notifier() — fpsimd.c v4.18: CPU_PM_ENTER saves what is live and
   * flushes (which marks current foreign); CPU_PM_EXIT does nothing.
   */
  override fpsimd_cpu_pm_notifier(cmd: 'enter' | 'exit'): void {
    if (cmd === 'enter') {
      this.fpsimd_save();
      this.fpsimd_flush_cpu_state();
    }
  }

  // --- KVM: arch/arm64/kvm/fpsimd.c ----------------------------------------------------------------

  /** @models kvm_arch_vcpu_load() — arm.c v4.18: … kvm_arch_vcpu_load_fp(). */
  override kvm_arch_vcpu_load(v: VcpuView): void {
    this.kvm_arch_vcpu_load_fp(v);
  }

  /** @models kvm_arch_vcpu_put() — arm.c v4.18: kvm_arch_vcpu_put_fp() … */
  override kvm_arch_vcpu_put(v: VcpuView): void {
    this.kvm_arch_vcpu_put_fp(v);
  }

  /**
   * @models kvm_arch_vcpu_load_fp() — kvm/fpsimd.c v4.18: the guest state is not loaded; the
   * registers may hold the host thread's live state (FP_HOST: checked against the thread's
   * flag at guest entry). Back up TIF_SVE and the EL0 SVE trap setting, which a guest run
   * clobbers.
   */
  kvm_arch_vcpu_load_fp(v: VcpuView): void {
    const t = this.currentTask;
    v.FP_ENABLED = false;
    v.HOST_SVE_IN_USE = t.TIF_SVE;
    v.HOST_SVE_ENABLED = this.cpu.zen_el0;
    v.FP_HOST = true;
  }

  /**
   * @models kvm_arch_vcpu_ctxsync_fp() — kvm/fpsimd.c v4.18, right after the guest exits (IRQs
   * off): if the guest's registers are loaded, bind the vcpu's fp_regs to this CPU and clear
   * the thread's TIF_FOREIGN_FPSTATE, which from here means "the vcpu's state is live", so
   * that kernel-mode NEON saves it into the vcpu. TIF_SVE is cleared: the vcpu state is
   * FPSIMD only, and fpsimd_save() must not take the SVE path for it.
   */
  kvm_arch_vcpu_ctxsync_fp(v: VcpuView): void {
    if (!v.FP_ENABLED) return;
    const t = this.currentTask;
    this.fpsimd_bind_state_to_cpu(this.layout.stOfVcpu(v.id));
    t.TIF_FOREIGN_FPSTATE = false;
    t.TIF_SVE = false;
  }

  /**
   * @models kvm_arch_vcpu_put_fp() — kvm/fpsimd.c v4.18 (after b045e4d0f392, b3eb56b629d1 and
   * 2955bcc8c309), IRQs off: if the guest's registers are loaded, write them back to the vcpu
   * and flush the CPU binding (so that nothing can match a recycled fp_regs later, and the
   * thread reloads its own state). Otherwise the registers are whatever the vcpu found, but
   * the hypervisor disabled EL0 SVE: restore the trap setting vcpu_load saw. Restore TIF_SVE
   * last, once the vcpu state is saved.
   */
  kvm_arch_vcpu_put_fp(v: VcpuView): void {
    const t = this.currentTask;
    if (v.FP_ENABLED) {
      this.fpsimd_save();
      this.fpsimd_flush_cpu_state();
    } else {
      this.cpu.zen_el0 = v.HOST_SVE_ENABLED;
    }
    t.TIF_SVE = v.HOST_SVE_IN_USE;
  }

  // --- KVM: the run loop and hyp/switch.c ----------------------------------------------------------

  /** One run-loop iteration up to guest entry: no FP work on the host side any more. */
  override runLoopEnterGuest(): void {
    this.__activate_traps();
    this.currentTask.pos = Pos.GUEST;
  }

  /**
   * @models update_fp_enabled() — hyp/switch.c v4.18: if the host thread is marked foreign,
   * something used the registers since the last exit (a softirq, a context switch), so the
   * guest's state is not loaded and the registers are not the host's live state either.
   */
  update_fp_enabled(v: VcpuView): boolean {
    if (this.currentTask.TIF_FOREIGN_FPSTATE) {
      v.FP_ENABLED = false;
      v.FP_HOST = false;
    }
    return v.FP_ENABLED;
  }

  /**
   * @models activate_traps_vhe() — hyp/switch.c v4.18: EL0 SVE disabled (CPACR_EL1.ZEN
   * cleared) for the guest run; guest FP traps unless its state is still loaded.
   */
  override __activate_traps(): void {
    const c = this.cpu;
    c.zen_el0 = false;
    c.guest_fp_trap = !this.update_fp_enabled(this.currentVcpu);
  }

  /**
   * The guest uses FP: the first access of a KVM_RUN (or after the registers were taken)
   * traps to __hyp_switch_fpsimd(); then the guest reads its registers (integrity check point)
   * and writes new values.
   */
  override guestFpUse(): void {
    const v = this.currentVcpu;
    if (this.cpu.guest_fp_trap) this.__hyp_switch_fpsimd();
    guestRuns(this, v, 'guest FP use');
    const tok = this.newGuestToken(v);
    fpsimdWriteRegs(this.cpu, tok);
    v.exp_V = tok;
  }

  /**
   * @models __hyp_switch_fpsimd() — hyp/switch.c v4.18 (the FP/ASIMD trap): stop trapping;
   * if the registers hold the host thread's live state (FP_HOST), save it into the thread's
   * own task_struct — SVE format into its sve_state if it had TIF_SVE at vcpu_load, else its
   * V registers into uw.fpsimd_state — then load the guest's fp_regs and mark them loaded.
   */
  __hyp_switch_fpsimd(): void {
    const c = this.cpu;
    const v = this.currentVcpu;
    const host = this.currentTask;
    this.fx.trap(c.id, TrapKind.GUEST_FP);
    c.guest_fp_trap = false;
    if (v.FP_HOST) {
      if (v.HOST_SVE_IN_USE) {
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
  }

  /**
   * Guest exit (kvm_vcpu_run_vhe() returning, v4.18): the guest's registers stay in the CPU;
   * deactivate_traps_vhe() writes CPACR_EL1_DEFAULT (EL0 SVE off). Back in the run loop with
   * IRQs still off, kvm_arch_vcpu_ctxsync_fp().
   */
  override runLoopGuestExit(): void {
    const c = this.cpu;
    c.guest_fp_trap = true; // the trap setting only matters in the guest; entry recomputes it
    this.__deactivate_traps();
    this.kvm_arch_vcpu_ctxsync_fp(this.currentVcpu);
    this.currentTask.pos = Pos.RUNLOOP;
  }
}

export const v418: Variant = {
  name: 'v4.18',
  kernel: 'v4.18 (e6b673b741ea, df3fb9682045; fixes b3eb56b629d1, 2955bcc8c309)',
  summary: "KVM binds the vcpu through the host's context tracking: lazy host save into the task, no pre-entry flush",
  status: 'release',
  Kernel: V418Kernel,
};
