/**
 * The host side of the protocol: arch/arm64/kernel/fpsimd.c as of v4.15 (snapshot O in
 * KERNEL-NOTES.md, index id 105678143, read in full). Later eras override these methods in
 * their variant files.
 *
 * The design in one paragraph (the file's own header comment, in our words): restore is
 * deferred from the context switch to the return to user. Each task's state records the CPU
 * that last loaded it (`fpsimd_cpu`), each CPU records whose user state it last loaded
 * (`fpsimd_last_state`), and when both still agree at schedule-in the reload is skipped.
 * `TIF_FOREIGN_FPSTATE` caches the answer: set unless this CPU's registers hold current's
 * latest user state. Saves are eager (at every switch-out while the flag is clear), so what
 * remains in registers is always a clean copy.
 *
 * Locking (v4.15): every function here runs with softirqs disabled (local_bh_disable) or IRQs
 * off, so a softirq's kernel_neon_begin() cannot interleave with it on the same CPU. The model
 * therefore runs each of them atomically; the interleaving points are between the paths in
 * src/kernel/entry.ts and src/kernel/kvm.ts.
 */

import { fpsimdWriteRegs, sveWriteRegs } from '../arch/regfile.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../arch/sizes.js';
import { GARBAGE, ZERO, type Token } from '../arch/tokens.js';
import { Format, TrapKind } from './effects.js';
import { Machine } from './machine.js';
import { NR_CPUS, type TaskView } from './records.js';
import { ffrAddressedAccess, sveStateAccessed } from '../spec/observe.js';

export class Fpsimd extends Machine {
  /**
   * @models task_fpsimd_load() — fpsimd.c v4.15
   * Pre: softirqs disabled; current's memory copy is up to date.
   * Post: registers hold current's state in the format TIF_SVE selects; the EL0 SVE trap is
   * off exactly when TIF_SVE is set ("serialised by exception return to user").
   */
  task_fpsimd_load(): void {
    const t = this.currentTask;
    const c = this.cpu;
    const st = this.layout.stOfTask(t.slot);
    if (t.TIF_SVE) {
      sveStateAccessed(this, t, t.sve_vq, 'load', 'task_fpsimd_load');
      const redundant = c.regV === t.sve_V && c.regHi === t.sve_Hi && c.hw_vq === t.sve_vq;
      const vl = t.sve_vq * VQ_BITS;
      sveWriteRegs(c, t.sve_V, t.sve_Hi);
      c.hw_vq = t.sve_vq; // sve_load_state() programs ZCR_EL1.LEN from thread.sve_vl
      this.fx.load(c.id, st, Format.SVE, sveSaveBytes(vl), redundant, vl);
    } else {
      const redundant = c.regV === t.uw_V && c.regHi === ZERO;
      fpsimdWriteRegs(c, t.uw_V);
      this.fx.load(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, redundant);
    }
    c.zen_el0 = t.TIF_SVE; // sve_user_enable() / sve_user_disable()
  }

  /**
   * @models task_fpsimd_save() — fpsimd.c v4.15
   * Pre: softirqs disabled.
   * Post: if the registers hold current's latest state (TIF_FOREIGN_FPSTATE clear), memory is
   * up to date with them. Acts on `current`, not on what fpsimd_last_state names: in v4.15 the
   * only context ever bound is a task's.
   */
  task_fpsimd_save(): void {
    const t = this.current;
    if (!t || t.TIF_FOREIGN_FPSTATE) return;
    const c = this.cpu;
    const st = this.layout.stOfTask(t.slot);
    // `unmodified`: memory already held what is saved (cost model only; the kernel cannot know).
    if (t.TIF_SVE) {
      // RDVL must agree with thread.sve_vl, or the registers cannot be saved in the layout the
      // task's buffer has: the kernel WARNs, SIGKILLs the task and saves nothing (snapshot O).
      if (
        this.warnOn(
          c.hw_vq !== t.sve_vq,
          'task_fpsimd_save',
          `${this.naming.task(t.slot)}'s live SVE state has VL ${c.hw_vq * VQ_BITS}, thread.sve_vl is ${t.sve_vq * VQ_BITS}`,
        )
      )
        return;
      sveStateAccessed(this, t, c.hw_vq, 'save', 'task_fpsimd_save');
      const unmodified = t.sve_V === c.regV && t.sve_Hi === c.regHi;
      const vl = t.sve_vq * VQ_BITS;
      t.sve_V = c.regV;
      t.sve_Hi = c.regHi;
      this.fx.save(c.id, st, Format.SVE, sveSaveBytes(vl), unmodified, vl);
    } else {
      const unmodified = t.uw_V === c.regV;
      t.uw_V = c.regV;
      this.fx.save(c.id, st, Format.FPSIMD, FPSIMD_STATE_BYTES, unmodified);
    }
  }

  /**
   * @models fpsimd_thread_switch() — fpsimd.c v4.15, called from __switch_to() with IRQs off.
   * Saves the outgoing user task's live state, then decides whether `next` may skip its reload:
   * only if this CPU's fpsimd_last_state still names next's storage AND next's storage still
   * names this CPU. Kernel threads (no mm) are neither saved nor flagged in v4.15.
   */
  fpsimd_thread_switch(next: TaskView | null): void {
    const prev = this.current;
    if (prev?.mm) this.task_fpsimd_save();
    if (next?.mm) {
      const c = this.cpu;
      const inRegs = c.last_st === this.layout.stOfTask(next.slot) && next.fpsimd_cpu === c.id;
      next.TIF_FOREIGN_FPSTATE = !inRegs;
    }
  }

  /** @models fpsimd_preserve_current_state() — fpsimd.c v4.15: save if live, keep the binding. */
  fpsimd_preserve_current_state(): void {
    this.task_fpsimd_save();
  }

  /**
   * @models fpsimd_bind_to_cpu() — fpsimd.c v4.15 (cb968afc7898 added sve_in_use).
   * Records, on both sides, that this CPU's registers now hold current's state.
   */
  fpsimd_bind_to_cpu(): void {
    const t = this.currentTask;
    const c = this.cpu;
    c.last_st = this.layout.stOfTask(t.slot);
    c.last_dangling = false;
    c.last_sve_in_use = t.TIF_SVE;
    t.fpsimd_cpu = c.id;
  }

  /**
   * @models fpsimd_restore_current_state() — fpsimd.c v4.15, from do_notify_resume() on the way
   * to user space. Loads and binds only if TIF_FOREIGN_FPSTATE was set (test-and-clear).
   */
  fpsimd_restore_current_state(): void {
    const t = this.currentTask;
    if (t.TIF_FOREIGN_FPSTATE) {
      t.TIF_FOREIGN_FPSTATE = false;
      this.task_fpsimd_load();
      this.fpsimd_bind_to_cpu();
    }
  }

  /**
   * @models fpsimd_flush_task_state() — fpsimd.c v4.15: breaks the task side of the binding.
   * v4.15 only resets the CPU number; callers set TIF_FOREIGN_FPSTATE themselves where needed.
   */
  fpsimd_flush_task_state(t: TaskView): void {
    t.fpsimd_cpu = NR_CPUS;
    this.fx.flushTask(t.slot);
  }

  /** @models fpsimd_flush_cpu_state() — fpsimd.c v4.15: breaks the CPU side (last.st = NULL), nothing else. */
  fpsimd_flush_cpu_state(): void {
    const c = this.cpu;
    this.fx.flushCpu(c.id, c.last_st);
    c.last_st = 0;
    c.last_dangling = false;
  }

  /**
   * @models sve_flush_cpu_state() — fpsimd.c v4.15 after cb968afc7898 (the seed's fix).
   * Invalidates the binding only if the bound task was using SVE when it was bound, using the
   * cached `sve_in_use` so the pointer is never followed.
   */
  sve_flush_cpu_state(): void {
    const c = this.cpu;
    if (c.last_st !== 0 && c.last_sve_in_use) this.fpsimd_flush_cpu_state();
  }

  /**
   * @models kernel_neon_begin() — fpsimd.c v4.15.
   * Saves current's live user state (user tasks only), marks it foreign, and invalidates the
   * CPU binding: kernel code is about to overwrite the registers. Then preemption stays
   * disabled until kernel_neon_end(), so the whole section is one atomic step in the model.
   */
  kernel_neon_begin(): void {
    const t = this.current;
    if (t?.mm) {
      this.task_fpsimd_save();
      t.TIF_FOREIGN_FPSTATE = true;
    }
    this.fpsimd_flush_cpu_state();
  }

  /** @models kernel_neon_end() — fpsimd.c v4.15: clears kernel_neon_busy, re-enables preemption. */
  kernel_neon_end(): void {}

  /** Kernel-mode NEON code between begin and end: writes the kernel's own data (crypto state). */
  kernelNeonUse(): void {
    fpsimdWriteRegs(this.cpu, this.newKernelToken());
  }

  /**
   * A syscall's kernel-mode NEON section in task context (the `kernel_neon` event). Before
   * v6.8 the whole section runs with preemption and softirqs disabled, so it is one step;
   * variants with TIF_KERNEL_FPSTATE split it at the point where it can be preempted.
   */
  taskKernelNeon(): void {
    this.kernel_neon_begin();
    this.kernelNeonUse();
    this.kernel_neon_end();
  }

  /** Kernel-mode NEON in a softirq on this CPU (the `softirq_neon` event), interrupting whatever runs. */
  softirqKernelNeon(): void {
    this.kernel_neon_begin();
    this.kernelNeonUse();
    this.kernel_neon_end();
  }

  // --- EFI runtime services (the `efi` family) ----------------------------------------------------

  /**
   * What __efi_fpsimd_begin() put in the EFI save area (efi_fpsimd_state, efi_sve_state and the
   * efi_*_used / efi_sm_state flags) for __efi_fpsimd_end() to restore. Not machine state: a
   * runtime call with IRQs off is one step, and the area is free again at its end.
   */
  efiSaved: { V: Token; Hi: Token; sve: boolean; sm: boolean } | null = null;

  /** sve_max_vl() in quadwords: the largest SVE VL a task can have (the model's two VLs). */
  get sveMaxVq(): number {
    return Math.max(this.defaultVq, this.altVq);
  }

  /**
   * The `efi` event: an EFI runtime service called where may_use_simd() is false (IRQs off or
   * hardirq: efi_reboot() from machine_restart(), efi-pstore's non-blocking variable writes), as
   * arch_efi_call_virt_setup() → firmware → arch_efi_call_virt_teardown() bracket it.
   */
  efiRuntimeCall(): void {
    this.__efi_fpsimd_begin();
    this.efiFirmwareRuns();
    this.__efi_fpsimd_end();
  }

  /**
   * The firmware runs: the UEFI ABI lets a runtime service use FPSIMD (not SVE, SME or ZA), so
   * its FPSIMD writes leave nobody's data in V and zero the SVE bits above it.
   */
  efiFirmwareRuns(): void {
    fpsimdWriteRegs(this.cpu, GARBAGE);
  }

  /**
   * @models __efi_fpsimd_begin() — fpsimd.c v4.15 (fdfa976cae5c "arm64/sve: Preserve SVE registers around EFI runtime service calls", in the first SVE series), the
   * fallback when may_use_simd() is false: with SVE, sve_save_state() of the live Z/P/FFR at the
   * live VL (ZCR_EL1, never above sve_max_vl) into the per-CPU efi_sve_state laid out and
   * sized for sve_max_vl, FPSR/FPCR into efi_fpsimd_state; without SVE fpsimd_save_state(). The
   * binding (fpsimd_last_state) is left alone: the registers come back exactly as they were.
   */
  __efi_fpsimd_begin(): void {
    const c = this.cpu;
    if (this.hasSve) {
      const vq = c.hw_vq || this.defaultVq;
      ffrAddressedAccess(this, 'efi_sve_state', vq, this.sveMaxVq, this.sveMaxVq, 'save', '__efi_fpsimd_begin');
      this.efiSaved = { V: c.regV, Hi: c.regHi, sve: true, sm: false };
    } else {
      this.efiSaved = { V: c.regV, Hi: ZERO, sve: false, sm: false };
    }
  }

  /** @models __efi_fpsimd_end() — fpsimd.c v4.15: sve_load_state() or fpsimd_load_state() of what begin saved. */
  __efi_fpsimd_end(): void {
    const c = this.cpu;
    const s = this.efiSaved!;
    this.efiSaved = null;
    if (s.sve) sveWriteRegs(c, s.V, s.Hi);
    else fpsimdWriteRegs(c, s.V);
  }

  /**
   * sve_state_size() in quadwords: the VL a new thread.sve_state is sized for. The task's SVE
   * VL; on kernels that use SME (v5.19+) the larger of it and the SME VL, since streaming mode
   * keeps its Z/P registers in the same buffer, and the SVE VL only where the system has SVE
   * (fpsimd.c in 6.1 and 6.12: an SME-only system sizes for streaming mode alone).
   */
  sveStateVq(t: TaskView): number {
    if (!this.hasSme) return t.sve_vq;
    return Math.max(this.hasSve ? t.sve_vq : 0, t.sme_vq);
  }

  /**
   * Set while a step runs with its allocation failing (the `alloc` family's `nomem` event,
   * Entry.kernelContinueNomem): a kzalloc() then returns NULL. Not machine state: it holds only
   * inside one step.
   */
  allocFails = false;

  /**
   * kzalloc(sve_state_size(t)): thread.sve_state exists, sized for the task's VLs now; or, when
   * the allocation fails, NULL.
   */
  sveStateAllocated(t: TaskView): void {
    if (this.allocFails) {
      this.sveStateFreed(t);
      return;
    }
    t.sve_state = true;
    t.sve_state_vq = this.sveStateVq(t);
  }

  /** kfree(thread.sve_state) and NULL: nothing is left of the allocation. */
  sveStateFreed(t: TaskView): void {
    t.sve_state = false;
    t.sve_state_vq = 0;
  }

  /**
   * @models sve_alloc() — fpsimd.c after e35ac9d0b56e (v5.15; v4.15 sized the zeroing by current):
   * allocate thread.sve_state, or zero it if present.
   * Zeroing is what makes the SVE part read back as zero after the first trap.
   */
  sve_alloc(t: TaskView): void {
    // An existing buffer is kept and zeroed for sve_state_size() of the task as it is now.
    if (t.sve_state) sveStateAccessed(this, t, this.sveStateVq(t), 'save', 'sve_alloc');
    else this.sveStateAllocated(t);
    t.sve_V = ZERO;
    t.sve_Hi = ZERO;
  }

  /** @models fpsimd_to_sve() — fpsimd.c v4.15: copy V0-V31 into the low 128 bits of Z0-Z31 in sve_state. */
  fpsimd_to_sve(t: TaskView): void {
    t.sve_V = t.uw_V;
  }

  /** @models sve_to_fpsimd() — fpsimd.c v4.15: copy the low 128 bits of Z0-Z31 back into fpsimd_state. */
  sve_to_fpsimd(t: TaskView): void {
    t.uw_V = t.sve_V;
  }

  /**
   * @models do_sve_acc() — fpsimd.c v4.15 (EL0 SVE access trap).
   * Saves the live FPSIMD state, converts the memory copy to SVE format (zero-padded), forces a
   * reload at ret_to_user, and sets TIF_SVE so that reload disables the trap. TIF_SVE must have
   * been clear: with it set, ret_to_user would have disabled the trap (kernel WARN).
   */
  do_sve_acc(): void {
    const t = this.currentTask;
    this.fx.trap(this.cpu.id, TrapKind.SVE_EL0);
    this.sve_alloc(t);
    this.task_fpsimd_save();
    this.fpsimd_to_sve(t);
    this.fpsimd_flush_task_state(t);
    t.TIF_FOREIGN_FPSTATE = true;
    const wasSet = t.TIF_SVE;
    t.TIF_SVE = true;
    this.warnOn(wasSet, 'do_sve_acc', `${this.naming.task(t.slot)} trapped on SVE with TIF_SVE already set`);
  }

  /** @models fpsimd_release_task() — fpsimd.c v4.15: frees sve_state of a dead task. */
  fpsimd_release_task(t: TaskView): void {
    this.sveStateFreed(t);
  }

  // --- conversions between the two memory formats (fpsimd.c v4.15) -------------------------------

  /** @models sve_free() — fpsimd.c v4.15: drop thread.sve_state; WARNs if TIF_SVE is still set. */
  sve_free(t: TaskView): void {
    this.warnOn(t.TIF_SVE, 'sve_free', `${this.naming.task(t.slot)} loses its SVE buffer with TIF_SVE set`);
    this.sveStateFreed(t);
    t.sve_V = ZERO;
    t.sve_Hi = ZERO;
  }

  /** @models sve_sync_to_fpsimd() — fpsimd.c v4.15 (ptrace): uw.fpsimd_state up to date whatever the format. */
  sve_sync_to_fpsimd(t: TaskView): void {
    if (t.TIF_SVE) this.sve_to_fpsimd(t);
  }

  /** @models fpsimd_sync_to_sve() — fpsimd.c v4.15 (ptrace): sve_state up to date whatever the format. */
  fpsimd_sync_to_sve(t: TaskView): void {
    if (!t.TIF_SVE) this.fpsimd_to_sve(t);
  }

  /**
   * @models sve_sync_from_fpsimd_zeropad() — fpsimd.c v4.15 (ptrace): for an SVE-format task,
   * rebuild sve_state from new V values, everything above them zero.
   */
  sve_sync_from_fpsimd_zeropad(t: TaskView): void {
    if (!t.TIF_SVE) return;
    t.sve_V = t.uw_V;
    t.sve_Hi = ZERO;
  }

  // --- signals --------------------------------------------------------------------------------------

  /**
   * @models fpsimd_signal_preserve_current_state() — fpsimd.c v4.15.
   * Post: current's uw.fpsimd_state holds its V registers whatever the format, so that the
   * frame's fpsimd_context can be copied from it. The binding is kept (registers stay live).
   * The sve_to_fpsimd() half runs after local_bh_enable(); the model keeps it in the same step
   * because nothing that can interrupt it changes current's memory copy (a save writes the
   * same registers back).
   */
  fpsimd_signal_preserve_current_state(): void {
    this.fpsimd_preserve_current_state();
    const t = this.currentTask;
    if (t.TIF_SVE) this.sve_to_fpsimd(t);
  }

  /**
   * @models fpsimd_update_current_state() — fpsimd.c v4.15 (sigreturn).
   * Pre: softirqs enabled (it disables them itself); `v` is the frame's V registers.
   * Post: the new V values are in memory (merged into sve_state for an SVE-format task) and
   * loaded eagerly; the task is bound only if TIF_FOREIGN_FPSTATE was set (otherwise the
   * binding already matched).
   */
  fpsimd_update_current_state(v: number): void {
    const t = this.currentTask;
    t.uw_V = v;
    if (t.TIF_SVE) this.fpsimd_to_sve(t);
    this.task_fpsimd_load();
    if (t.TIF_FOREIGN_FPSTATE) {
      t.TIF_FOREIGN_FPSTATE = false;
      this.fpsimd_bind_to_cpu();
    }
  }

  // --- exec ---------------------------------------------------------------------------------------

  /**
   * @models fpsimd_flush_thread() — fpsimd.c v4.15 (exec, from flush_thread()), softirqs off.
   * Post: the new program's FP state is zero, in FPSIMD format, not bound anywhere, and the
   * SVE vector length is reset to sve_vl_onexec (or the default); sve_vl_onexec is cleared
   * unless PR_SVE_VL_INHERIT is set.
   */
  fpsimd_flush_thread(): void {
    const t = this.currentTask;
    t.uw_V = ZERO;
    this.fpsimd_flush_task_state(t);
    t.TIF_SVE = false;
    this.sve_free(t);
    t.sve_vq = t.sve_vl_onexec !== 0 ? t.sve_vl_onexec : this.defaultVq;
    if (!t.TIF_SVE_VL_INHERIT) t.sve_vl_onexec = 0;
    t.TIF_FOREIGN_FPSTATE = true;
  }

  // --- vector length ------------------------------------------------------------------------------

  /** The system default VL (sve_default_vl) in quadwords: the machine's configured VL. */
  get defaultVq(): number {
    return this.cfg.sveVlBits / VQ_BITS;
  }

  /**
   * The one other VL a task can ask for in the model: half the default (or double, at 128
   * bits). Both are in sve_vq_map, so find_supported_vector_length() returns them unchanged.
   */
  get altVq(): number {
    const d = this.defaultVq;
    return d > 1 ? d / 2 : 2;
  }

  /**
   * @models sve_set_vector_length() — fpsimd.c v4.15, the part up to local_bh_enable().
   * `flags` as for prctl: INHERIT and/or ONEXEC. Records sve_vl_onexec and returns whether
   * the VL itself changes now, in which case the live state has been written back, the task
   * converted to FPSIMD format and its binding flushed; the caller then runs
   * sveSetVectorLengthFinish() (after a point where the kernel is preemptible again when the
   * task is current).
   */
  sve_set_vector_length(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
    t.sve_vl_onexec = inherit || onexec ? vq : 0;
    if (onexec || vq === t.sve_vq) {
      t.TIF_SVE_VL_INHERIT = inherit;
      return false;
    }
    if (t === this.current) {
      this.task_fpsimd_save();
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
   * The rest of sve_set_vector_length() (fpsimd.c v4.15) after local_bh_enable(): free the
   * SVE buffer so the next use reallocates it at the new size, set the VL, update INHERIT.
   */
  sveSetVectorLengthFinish(t: TaskView, vq: number, inherit: boolean): void {
    this.sve_free(t);
    t.sve_vq = vq;
    t.TIF_SVE_VL_INHERIT = inherit;
  }

  // --- CPU power management and hotplug -----------------------------------------------------------

  /**
   * @models fpsimd_cpu_pm_notifier() — fpsimd.c v4.15, called by cpu_pm_enter()/cpu_pm_exit()
   * with IRQs off around a CPU low-power state that loses the register contents.
   * CPU_PM_ENTER: save current's live user state (user tasks only), forget the binding.
   * CPU_PM_EXIT: a user task that is current must reload at its next return to user.
   */
  fpsimd_cpu_pm_notifier(cmd: 'enter' | 'exit'): void {
    const t = this.current;
    if (cmd === 'enter') {
      if (t?.mm) this.task_fpsimd_save();
      this.fpsimd_flush_cpu_state();
    } else if (t?.mm) t.TIF_FOREIGN_FPSTATE = true;
  }

  /**
   * @models fpsimd_cpu_dead() — fpsimd.c v4.15 (cpuhp "dead" callback, runs on another CPU):
   * the dead CPU's registers are gone, so nothing may match its binding any more.
   */
  fpsimd_cpu_dead(cpu: number): void {
    const c = this.cpus[cpu]!;
    this.fx.flushCpu(cpu, c.last_st);
    c.last_st = 0;
    c.last_dangling = false;
  }
}
