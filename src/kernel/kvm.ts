/**
 * KVM/arm64 as of v4.15-v4.17: the vcpu run loop (virt/kvm/arm/arm.c
 * kvm_arch_vcpu_ioctl_run), the hyp world switch (arch/arm64/kvm/hyp/switch.c __kvm_vcpu_run)
 * and the lazy guest FP switch (arch/arm64/kvm/hyp/entry.S __fpsimd_guest_restore).
 *
 * In this era KVM does not use the host's context tracking at all. The hypervisor keeps its own
 * per-CPU host save area: on the guest's first FP access it saves whatever V registers the host
 * left (which may be a user task's live state) and loads the guest's; on guest exit it saves the
 * guest's and restores the host V registers. Only the V part: restoring it zeroes the SVE part.
 * Hence the pre-entry `kvm_fpsimd_flush_cpu_state()`, which must stop the host from later
 * trusting registers that held SVE state (the seed thread).
 *
 * Provenance: the fpsimd.c side is read from snapshot O [V]. The hyp and arm.c side is
 * reconstructed from KERNEL-NOTES §2.4 and the seed [M]: the stored index has no v4.15 copy of
 * arm.c or hyp/switch.c. In particular the position of the flush (after preempt_disable(),
 * before local_irq_disable(), each loop iteration) is from memory. A softirq between the flush
 * and the IRQ-off point can only clear the binding again (kernel_neon_begin never binds), so
 * the model runs flush + entry as one step without losing behaviour.
 *
 * Host mode. The base models a non-VHE host: the hypervisor traps guest FP with CPTR_EL2 and
 * leaves the host's CPACR_EL1 (the EL0 SVE enable) alone. On a VHE host CPACR_EL1 is the trap
 * register: guest entry clears the FP and SVE enables and guest exit writes
 * CPACR_EL1_DEFAULT, which has no ZEN_EL0EN bit [V in kvm_arm.h copies; that v4.15's exit path
 * writes it is M], so EL0 SVE is disabled after every guest run. SVE with KVM requires VHE from
 * v4.18 (85acda3b4a27); variants say which they model through `hasVhe`.
 *
 * vcpu_load()/vcpu_put() run at KVM_RUN entry and exit and, through the preempt notifiers,
 * whenever the vcpu thread is scheduled out of or back into the run loop. In v4.15 they do
 * nothing FP-related; v4.18 hangs its host-context integration on them.
 */

import { fpsimdWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES } from '../arch/sizes.js';
import { TrapKind } from './effects.js';
import { Entry } from './entry.js';
import { NONE, Pos, type TaskView, type VcpuView } from './records.js';
import { guestRuns } from '../spec/observe.js';

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares the functions later commits install on the resolved kernel's prototype
export class Kvm extends Entry {
  /** The vcpu run by the current thread (a model bug if there is none). */
  get currentVcpu(): VcpuView {
    const t = this.currentTask;
    const v = this.vcpus[t.vcpu];
    if (!v) throw new Error(`FPC502 model bug: ${this.naming.task(t.slot)} runs no vcpu`);
    return v;
  }

  /**
   * @models kvm_arch_vcpu_ioctl_run() entry — arm.c: the KVM_RUN ioctl (already inside the
   * syscall) loads the vcpu and enters the run loop. vcpu_load() does nothing FP-related in
   * this era.
   */
  kvm_arch_vcpu_ioctl_run(): void {
    this.vcpu_load(this.currentVcpu);
    this.currentTask.pos = Pos.RUNLOOP;
  }

  /** VHE host (EL2 host kernel; CPACR_EL1 traps the guest)? The base models non-VHE. */
  get hasVhe(): boolean {
    return false;
  }

  /** @models vcpu_load() — virt/kvm/kvm_main.c: registers the preempt notifier, then kvm_arch_vcpu_load(). */
  vcpu_load(v: VcpuView): void {
    this.kvm_arch_vcpu_load(v);
  }

  /** @models vcpu_put() — virt/kvm/kvm_main.c: kvm_arch_vcpu_put(), then drops the preempt notifier. */
  vcpu_put(v: VcpuView): void {
    this.kvm_arch_vcpu_put(v);
  }

  /** @models kvm_arch_vcpu_load() — arm.c v4.15: timers, vgic, sysregs; nothing FP-related. */
  kvm_arch_vcpu_load(_v: VcpuView): void {}

  /** @models kvm_arch_vcpu_put() — arm.c v4.15: nothing FP-related. */
  kvm_arch_vcpu_put(_v: VcpuView): void {}

  /** @models kvm_sched_out() — kvm_main.c preempt notifier: the vcpu thread leaves the CPU inside KVM_RUN. */
  kvm_sched_out(v: VcpuView): void {
    this.vcpu_put(v);
  }

  /** @models kvm_sched_in() — kvm_main.c preempt notifier: the vcpu thread comes back inside KVM_RUN. */
  kvm_sched_in(v: VcpuView): void {
    this.vcpu_load(v);
  }

  /** sched_out notifiers run from __schedule() with IRQs disabled (the runqueue lock is held). */
  override prepare_task_switch(_next: TaskView | null): void {
    const prev = this.current;
    if (prev && prev.vcpu !== NONE && prev.pos === Pos.RUNLOOP) {
      this.irqsOff = true;
      try {
        this.kvm_sched_out(this.vcpus[prev.vcpu]!);
      } finally {
        this.irqsOff = false;
      }
    }
  }

  /** sched_in notifiers run from finish_task_switch() after the runqueue lock (and IRQs) are released. */
  override finish_task_switch(): void {
    const t = this.current;
    if (t && t.vcpu !== NONE && t.pos === Pos.RUNLOOP) this.kvm_sched_in(this.vcpus[t.vcpu]!);
  }

  /**
   * @models kvm_fpsimd_flush_cpu_state() — asm/kvm_host.h v4.15 [M]: "all host FP/SIMD state is
   * restored on guest exit, so nothing needs doing here except in the SVE case". The wrapper
   * tests system_supports_sve() (KERNEL-NOTES.md, [M]): on a CPU without SVE it does nothing,
   * so neither v4.15-rc1's dereference nor the seed's fix is ever reached there.
   */
  kvm_fpsimd_flush_cpu_state(): void {
    if (this.hasSve) this.sve_flush_cpu_state();
  }

  /**
   * One run-loop iteration up to guest entry: preempt_disable(); the FP flush;
   * local_irq_disable(); then __kvm_vcpu_run() arms the guest FP trap (__activate_traps) and
   * enters the guest.
   */
  runLoopEnterGuest(): void {
    const t = this.currentTask;
    this.kvm_fpsimd_flush_cpu_state();
    this.__activate_traps();
    t.pos = Pos.GUEST;
  }

  /**
   * @models __activate_traps() — hyp/switch.c v4.15: guest FP/SIMD accesses trap to EL2
   * (CPTR_EL2.TFP; on VHE, CPACR_EL1.FPEN cleared together with the SVE enables).
   */
  __activate_traps(): void {
    this.cpu.guest_fp_trap = true;
    if (this.hasVhe) this.cpu.zen_el0 = false;
  }

  /**
   * @models __deactivate_traps() — hyp/switch.c: on VHE, CPACR_EL1 := CPACR_EL1_DEFAULT (FP on,
   * EL0 SVE off); on non-VHE, CPTR_EL2 back to its default, host CPACR_EL1 untouched.
   */
  __deactivate_traps(): void {
    if (this.hasVhe) this.cpu.zen_el0 = false;
  }

  /**
   * The guest uses FP. The first access of this guest run traps to the hypervisor
   * (__fpsimd_guest_restore); afterwards the guest reads its registers (guest integrity check
   * point) and writes new values.
   */
  guestFpUse(): void {
    const v = this.currentVcpu;
    if (this.cpu.guest_fp_trap) this.__fpsimd_guest_restore();
    guestRuns(this, v, 'guest FP use');
    const tok = this.newGuestToken(v);
    fpsimdWriteRegs(this.cpu, tok);
    v.exp_V = tok;
  }

  /** An SVE guest writes Z/P/FFR (`guest_sve`): only kernels that run SVE guests have it. */
  guestSveUse(): void {
    throw new Error('FPC512 model bug: an SVE guest on a kernel without SVE guests');
  }

  /**
   * @models __fpsimd_guest_restore — hyp/entry.S v4.15 [M]: disable the trap, save the host's V
   * registers (whoever's they are) into the per-CPU host context, load the guest's.
   */
  __fpsimd_guest_restore(): void {
    const c = this.cpu;
    const v = this.currentVcpu;
    this.fx.trap(c.id, TrapKind.GUEST_FP);
    c.guest_fp_trap = false;
    c.host_fpV = c.regV; // __fpsimd_save_state(&host_ctxt->gp_regs.fp_regs)
    this.fx.hyp(c.id, 'host', false, FPSIMD_STATE_BYTES);
    fpsimdWriteRegs(c, v.fp_V); // __fpsimd_restore_state(&guest_ctxt->gp_regs.fp_regs)
    this.fx.hyp(c.id, 'guest', true, FPSIMD_STATE_BYTES);
  }

  /**
   * @models __kvm_vcpu_run() exit — hyp/switch.c v4.15 [M]: if the guest had FP enabled, save
   * the guest's V registers and restore the host's from the per-CPU host context (V only: the
   * SVE part reads as zero afterwards). Then back in the run loop with IRQs and preemption
   * re-enabled.
   */
  runLoopGuestExit(): void {
    const c = this.cpu;
    const v = this.currentVcpu;
    if (!c.guest_fp_trap) {
      v.fp_V = c.regV; // __fpsimd_save_state(&guest_ctxt->gp_regs.fp_regs)
      this.fx.hyp(c.id, 'guest', false, FPSIMD_STATE_BYTES);
      fpsimdWriteRegs(c, c.host_fpV); // __fpsimd_restore_state(&host_ctxt->gp_regs.fp_regs)
      this.fx.hyp(c.id, 'host', true, FPSIMD_STATE_BYTES);
    }
    c.guest_fp_trap = true; // the trap setting only matters in the guest
    this.__deactivate_traps();
    this.currentTask.pos = Pos.RUNLOOP;
  }

  /** The run loop exits to user space (handle_exit returned <= 0): vcpu_put(), then the ioctl returns. */
  runLoopReturn(): void {
    const t = this.currentTask;
    this.vcpu_put(this.currentVcpu);
    t.pos = Pos.KERNEL;
    t.in_syscall = true;
  }
}

/**
 * The kernel functions that later commits introduce (their versions are in src/kernel/versions/):
 * declared here so that every version, whatever its commit, is typed against one kernel. A set
 * that lacks the introducing commit has no such function, as the kernel it models has none;
 * nothing older calls it.
 */
export interface Kvm {
  /** Model state of v6.12-rc1's kernel-mode NEON (not machine state): inside a softirq for one step. */
  inSoftirq: boolean;
  readonly defaultSmeVq: number;
  fpsimd_save(): void;
  fpsimd_bind_task_to_cpu(): void;
  fpsimd_bind_state_to_cpu(st: number, toSave?: number): void;
  kvm_arch_vcpu_load_fp(v: VcpuView): void;
  kvm_arch_vcpu_ctxsync_fp(v: VcpuView): void;
  kvm_arch_vcpu_put_fp(v: VcpuView): void;
  update_fp_enabled(v: VcpuView): boolean;
  __hyp_switch_fpsimd(): void;
  local_bh_enable(): void;
  lastSveVq(): number;
  storeSveToLastState(where: string, vq: number): { st: number; unmodified: boolean };
  fpsimd_save_and_flush_cpu_state(): void;
  kvm_arch_vcpu_ctxflush_fp(v: VcpuView): void;
  lastBinding(): { task: TaskView | null; vcpu: VcpuView | null; kernelOf: TaskView | null };
  saveSveFormat(t: TaskView): boolean;
  fpsimd_save_user_state(): void;
  smeVqBytes(svq: number): number;
  loadFpmrBeforeSvcr(t: TaskView): void;
  loadFpmrAfterSvcr(t: TaskView): void;
  writeSvcr(sm: boolean, za: boolean): void;
  fpsimd_load_kernel_state(t: TaskView): void;
  fpsimd_save_kernel_state(t: TaskView): void;
  switchToKernelNeonTask(next: TaskView): void;
  sveAllocKeep(t: TaskView): void;
  sme_alloc(t: TaskView): void;
  sme_free(t: TaskView): void;
  sveInitRegsForeign(t: TaskView): void;
  smeAccForeign(t: TaskView): void;
  returnToUser(t: TaskView): void;
  flushThreadFpmr(t: TaskView): void;
  preserveFpmr(t: TaskView): void;
  setupReturnMemory(t: TaskView): void;
  setupReturnSmstop(): void;
  handlerEntryExpectation(t: TaskView): void;
  sigreturnRestoreSmeRecords(): void;
  restoreFpmr(t: TaskView): void;
  preserveTpidr2(t: TaskView): void;
  restoreTpidr2(t: TaskView): void;
  tls_get(target: TaskView): void;
  tls_set(target: TaskView): void;
  fpsimd_kvm_prepare(): void;
  hypSaveHost(host: TaskView): void;
  fpsimd_save_and_flush_current_state(): void;
  fpsimd_sync_from_effective_state(t: TaskView): void;
  fpsimd_sync_to_effective_state_zeropad(t: TaskView): void;
  task_smstop_sm(t: TaskView): void;
  sveSetExitStreaming(target: TaskView): void;
  sigreturnRejectsLayout(t: TaskView): boolean;
  restoreSveRejectsOnCpu(t: TaskView): boolean;
  sigreturnFpsimdOnly(t: TaskView): void;
  ssve_set(target: TaskView, sveFormat: boolean): void;
  sveSetZeroFpsimd(target: TaskView): void;
  za_set(target: TaskView, payload: boolean): void;
  zt_set(target: TaskView): void;
  fpmr_set(target: TaskView): void;
  za_get(target: TaskView): void;
  fpmr_get(target: TaskView): void;
  signalPreserveSveToFpsimd(): void;
  __hyp_sve_restore_guest(v: VcpuView): void;
  guestZcrWrite(): void;
  kvmPutFpRestoreVl(v: VcpuView): void;
  fpsimd_lazy_switch_to_host(v: VcpuView): void;
  fpsimd_lazy_switch_to_guest(v: VcpuView): void;
}
