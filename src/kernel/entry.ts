/**
 * The paths into and out of the kernel, the scheduler and the task lifecycle, as of v4.15:
 * arch/arm64/kernel/entry.S (el0_svc, el0_sve_acc, ret_to_user), signal.c (do_notify_resume,
 * setup_rt_frame, rt_sigreturn), ptrace.c (the FP regsets), process.c (__switch_to,
 * arch_dup_task_struct, copy_thread, arch_release_task_struct; v4.15-era copy read at index id
 * 6003228), the generic scheduler (preempt notifiers), exec, CPU PM and hotplug, and
 * do_exit/release_task.
 *
 * Sources for the paths outside fpsimd.c: signal.c and ptrace.c were not stored for v4.15
 * itself; they are modelled from the v4.18-era ptrace.c (index id 215341066, whose FP regset
 * code differs from v4.15 only in the `uw.` field names) and from the diff context of
 * efbc20249fee (index id 23924018816), which shows v4.15-v4.19's restore_sve_fpsimd_context()
 * flush/barrier/TIF_FOREIGN_FPSTATE sequence. setup_rt_frame()'s call of
 * fpsimd_signal_preserve_current_state() before the frame is written, and the VL check on
 * sigreturn, are [M] (the calls are named in fpsimd.c's own comments, O).
 *
 * Granularity. A path is one step of the model while the kernel runs it with softirqs or
 * IRQs disabled. Where the kernel can be preempted or take a softirq part-way (a copy to or
 * from user memory can fault and sleep; local_bh_enable() runs pending softirqs), the model
 * splits the path: the task records how far it got (`kpath`, `kstep`) and the `continue`
 * event runs the next step, so that the explorer can interleave preemption, migration and
 * softirq kernel-mode NEON at exactly those points. mayPreempt() and maySoftirq() say where
 * that is allowed; each split path lists its points.
 *
 * Interruption points, v4.15 (the later variants keep them unless they say otherwise):
 *  - between any two events while a task is in the kernel or the KVM run loop (preemption,
 *    migration, softirq NEON), never while a guest runs;
 *  - signal delivery: after fpsimd_signal_preserve_current_state(), before the frame is
 *    written (SIGNAL path);
 *  - rt_sigreturn: after the flush and TIF_FOREIGN_FPSTATE, before the SVE block is copied in
 *    (with the `atomic` family also between the flush's two stores);
 *    after that copy, before the V registers are read and loaded (SIGRETURN path);
 *  - prctl(PR_SVE_SET_VL): after local_bh_enable(), before the buffer is freed and the VL set
 *    (SET_VL path);
 *  - KVM_RUN: between run-loop iterations (sched_out/in notifiers run vcpu_put/vcpu_load), and
 *    after vcpu_put, before the return to user (kvm_exit, then ret_to_user).
 * Paths kept atomic although the kernel could be preempted inside them, because nothing that
 * can run there changes what they read or write: fork (between preserving the parent's state
 * and copying the task_struct, a save writes back the same registers), a tracer's regset
 * access (the tracee is stopped and only its tracer edits it), exec and kernel-mode NEON in
 * task context (softirqs off, then preemption off until kernel_neon_end; a softirq cannot
 * nest NEON: kernel_neon_busy).
 */

import { fpsimdWriteRegs, loseSmeRegs, setStreamingMode, setZaEnable, sveWriteRegs } from '../arch/regfile.js';
import { dataToken, versionOf, writerOf } from '../arch/tokens.js';
import { Fpsimd } from './fpsimd.js';
import { GARBAGE, ZERO } from '../arch/tokens.js';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveRegsBytes } from '../arch/sizes.js';
import { KPath, NONE, Pos, SigForge, TaskState, frameHasSveData, type CpuView, type SveWriteShape, type TaskView } from './records.js';
import { handlerEntered, tracerReads, userAccessesZa, userRuns } from '../spec/observe.js';

export class Entry extends Fpsimd {
  // --- interruption points -------------------------------------------------------------------

  /** Can the scheduler take the CPU from its current task here (preemption enabled)? */
  mayPreempt(c: CpuView): boolean {
    if (!c.online) return false;
    if (c.current === NONE) return true;
    const pos = this.tasks[c.current]!.pos;
    return pos === Pos.USER || pos === Pos.KERNEL || pos === Pos.RUNLOOP;
  }

  /**
   * Can a softirq (and so softirq kernel-mode NEON) run on this CPU now? Not while a guest runs
   * (IRQs are masked for the host), not on an offline CPU. Every modelled host path that
   * disables softirqs does so within a single step, so between steps they are enabled.
   */
  maySoftirq(c: CpuView): boolean {
    return c.online && (c.current === NONE || this.tasks[c.current]!.pos !== Pos.GUEST);
  }

  /**
   * An IRQ taken from EL0 (el0_irq): the task is now in the kernel and will leave through
   * ret_to_user, which re-checks TIF_FOREIGN_FPSTATE. Called before anything the IRQ does.
   */
  interruptUser(): void {
    const t = this.current;
    if (t && t.pos === Pos.USER) {
      t.pos = Pos.KERNEL;
      t.in_syscall = false;
    }
  }

  // --- user space (EL0) ----------------------------------------------------------------------------

  /** EL0 executes FPSIMD instructions that write the V registers (the SVE part is zeroed by hardware). */
  userFpWrite(): void {
    const t = this.currentTask;
    const tok = this.newTaskToken(t);
    fpsimdWriteRegs(this.cpu, tok);
    t.exp_V = tok;
    t.exp_Hi = 0;
  }

  /**
   * EL0 executes an SVE instruction writing Z/P/FFR. If EL0 SVE access is disabled on this CPU
   * it traps instead (el0_sve_acc → do_sve_acc) and the instruction is retried after ret_to_user.
   */
  userSveWrite(): void {
    const t = this.currentTask;
    if (this.cfg.ext && this.cpu.regSM) {
      // Streaming SVE: governed by the SME enable, never by the SVE trap.
      if (!this.cpu.smen_el0) {
        this.el0_sme_acc();
        return;
      }
    } else if (!this.cpu.zen_el0) {
      this.el0_sve_acc();
      return;
    }
    const tok = this.newTaskToken(t);
    sveWriteRegs(this.cpu, tok, tok);
    t.exp_V = tok;
    t.exp_Hi = tok;
  }

  // --- user space, the SME era (ARM DDI 0487 SME rules; the events are enabled only with SME) ---

  /**
   * SMSTART SM and/or SMSTART ZA at EL0. With SME disabled for EL0 (CPACR_EL1.SMEN) the
   * instruction traps (el0_sme_acc → do_sme_acc) and is retried after ret_to_user. Entering
   * streaming mode zeroes Z/P/FFR and FPMR; enabling ZA zeroes ZA and ZT0.
   */
  userSmstart(sm: boolean, za: boolean): void {
    const t = this.currentTask;
    const c = this.cpu;
    if (!c.smen_el0) {
      this.el0_sme_acc();
      return;
    }
    if (sm) {
      setStreamingMode(c, true);
      t.exp_SM = true;
      t.exp_V = ZERO;
      t.exp_Hi = ZERO;
      t.exp_FPMR = ZERO;
    }
    if (za) {
      setZaEnable(c, true);
      t.exp_ZAen = true;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
    }
  }

  /** SMSTOP SM and/or SMSTOP ZA at EL0 (traps first if SME is disabled for EL0). */
  userSmstop(sm: boolean, za: boolean): void {
    const t = this.currentTask;
    const c = this.cpu;
    if (!c.smen_el0) {
      this.el0_sme_acc();
      return;
    }
    if (sm) {
      setStreamingMode(c, false);
      if (t.exp_SM) {
        t.exp_SM = false;
        t.exp_V = ZERO;
        t.exp_Hi = ZERO;
        t.exp_FPMR = ZERO;
      }
    }
    if (za) {
      setZaEnable(c, false);
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
    }
  }

  /**
   * EL0 writes ZA (and ZT0 on SME2) with a new pattern. Traps first if SME is disabled for EL0;
   * with PSTATE.ZA clear under it (a kernel bug) the access is undefined and the task dies with
   * SIGILL: its ZA is lost.
   */
  userZaWrite(): void {
    const t = this.currentTask;
    const c = this.cpu;
    if (!c.smen_el0) {
      this.el0_sme_acc();
      return;
    }
    userAccessesZa(this, t, 'ZA write');
    const tok = this.newTaskToken(t);
    c.regZA = tok;
    c.regZT0 = tok;
    t.exp_ZA = tok;
    t.exp_ZT0 = tok;
  }

  /** EL0 writes FPMR (never traps once the kernel has set SCTLR_EL1.EnFPM). */
  userFpmrWrite(): void {
    const t = this.currentTask;
    const tok = this.newTaskToken(t);
    this.cpu.regFPMR = tok;
    t.exp_FPMR = tok;
  }

  /** EL0 reads its registers back and compares with what it wrote (fpsimd-test / sve-test style). */
  userFpRead(): void {
    userRuns(this, this.currentTask, 'user FP read');
  }

  // --- exceptions and syscalls ----------------------------------------------------------------------

  /**
   * @models el0_svc — arch/arm64/kernel/entry.S v4.15 (SVE discard at syscall entry).
   * If TIF_SVE is set it is cleared and EL0 SVE access disabled: the SVE state is discarded
   * except its FPSIMD subset, as the TIF_SVE comment in fpsimd.c allows "during any syscall".
   * User space's SVE part is logically zero from here on.
   */
  el0_svc(): void {
    const t = this.currentTask;
    if (t.TIF_SVE) {
      t.TIF_SVE = false;
      this.cpu.zen_el0 = false;
    }
    t.exp_Hi = 0;
    this.syscallAbiExpectation(t);
    t.pos = Pos.KERNEL;
    t.in_syscall = true;
  }

  /**
   * What the syscall ABI leaves user space to expect (docs: sve.rst, sme.rst): the SVE part
   * beyond V reads as zero; a syscall made in streaming mode returns with PSTATE.SM clear, and
   * leaving streaming mode zeroed every Z register (V included) and FPMR; ZA survives.
   */
  syscallAbiExpectation(t: TaskView): void {
    t.exp_Hi = ZERO;
    if (this.cfg.ext && t.exp_SM) {
      t.exp_SM = false;
      t.exp_V = ZERO;
      t.exp_FPMR = ZERO;
    }
  }

  /**
   * @models el0_sme_acc — entry-common.c (v5.19+): the EL0 SME access trap, do_sme_acc() then
   * ret_to_user. Only reachable on a kernel with SME.
   */
  el0_sme_acc(): void {
    const t = this.currentTask;
    t.pos = Pos.KERNEL;
    t.in_syscall = false;
    this.do_sme_acc();
  }

  /** @models do_sme_acc() — fpsimd.c (v5.19+). Kernels without SME never take this trap. */
  do_sme_acc(): void {
    throw new Error('FPC512 model bug: an SME access trap on a kernel without SME');
  }

  /** @models sme_set_current_vl() — fpsimd.c (v5.19+, prctl PR_SME_SET_VL). */
  sme_set_current_vl(): void {
    throw new Error('FPC512 model bug: PR_SME_SET_VL on a kernel without SME');
  }

  /**
   * @models el0_sve_acc — entry.S v4.15: the EL0 SVE trap, calls do_sve_acc() then leaves via
   * ret_to_user. do_sve_acc() starts with sve_alloc(), a kzalloc(GFP_KERNEL) that may sleep,
   * before local_bh_disable(): the task can be preempted or migrated there. With the `atomic`
   * family the model enters the trap as the SVE_ACC kernel path and runs do_sve_acc() on
   * `continue` (as v5.x always does); a preemption inside the sleeping allocation is the same
   * interleaving as one before it, since the allocation touches only the task's own memory.
   */
  el0_sve_acc(): void {
    const t = this.currentTask;
    t.pos = Pos.KERNEL;
    t.in_syscall = false;
    if (this.splitPaths) {
      this.enterKPath(t, KPath.SVE_ACC, 1);
      return;
    }
    this.do_sve_acc();
  }

  /**
   * @models ret_to_user — entry.S v4.15, with do_notify_resume() (signal.c): while
   * TIF_FOREIGN_FPSTATE is set, fpsimd_restore_current_state(); then return to EL0 with IRQs
   * off. The loop re-checks the flags after each pass, so a softirq between the restore and the
   * final IRQ-off check only causes another restore: the path is atomic in effect.
   * This is an integrity check point: user space runs next.
   */
  ret_to_user(): void {
    const t = this.currentTask;
    if (t.TIF_FOREIGN_FPSTATE) this.fpsimd_restore_current_state();
    t.pos = Pos.USER;
    t.in_syscall = false;
    userRuns(this, t, 'ret_to_user');
  }

  /**
   * Whether a variant's saves depend on the task being in a syscall, so that the window in
   * do_notify_resume() between the FP reload and the final return to user must be explored
   * (v6.2+). Older variants return atomically (see ret_to_user).
   */
  get syscallExitWindow(): boolean {
    return false;
  }

  /**
   * Whether a VL change's second step (the SET_VL path) allocates a new sve_state: v4.15's
   * only frees it (the next use reallocates); from the SME series on it is freed and
   * reallocated at once (the `alloc` family's `nomem` can then fail it).
   */
  get setVlReallocates(): boolean {
    return false;
  }

  /**
   * Whether a failed sve_alloc() is something the kernel handles (a NULL buffer its callers
   * check: SIGKILL in the traps, -ENOMEM in ptrace and in rt_sigreturn's copy of an SVE record),
   * so that the `alloc` family may explore it. v4.15's sve_alloc() treats it as impossible
   * ("Should Not Fail") and BUG_ONs, a failed small GFP_KERNEL allocation being a BUG by design
   * then.
   */
  get allocFailureHandled(): boolean {
    return false;
  }

  /** The `ret_to_user_irq` event: only variants with syscallExitWindow implement it. */
  retToUserInterrupted(): void {
    throw new Error('FPC512 model bug: ret_to_user_irq on a variant without the syscall exit window');
  }

  // --- scheduling -----------------------------------------------------------------------------------

  /**
   * @models __schedule() → context_switch() — kernel/sched/core.c: the preempt notifiers of
   * `prev` run (prepare_task_switch: sched_out), then __switch_to(), then those of the task
   * switched in (finish_task_switch: sched_in). KVM hooks vcpu_put/vcpu_load there.
   */
  __schedule(next: TaskView | null): void {
    this.prepare_task_switch(next);
    this.__switch_to(next);
    this.finish_task_switch();
  }

  /** @models prepare_task_switch() — fires current's preempt notifiers (sched_out); none here. */
  prepare_task_switch(_next: TaskView | null): void {}

  /** @models finish_task_switch() — fires the new current's preempt notifiers (sched_in); none here. */
  finish_task_switch(): void {}

  /**
   * @models __switch_to() — process.c v4.15 (called from __schedule with IRQs off).
   * `next` null switches to the idle task (a kernel thread: no mm). A task taken off the CPU
   * from user mode was interrupted, so it resumes in the kernel on its way back to user.
   */
  __switch_to(next: TaskView | null): void {
    const c = this.cpu;
    this.interruptUser(); // preemption of a user task happens on an IRQ from EL0
    this.fpsimd_thread_switch(next);
    if (this.hasSme) this.tlsThreadSwitch(next);
    const prev = this.current;
    if (prev) {
      if (prev.state === TaskState.RUNNING) prev.state = TaskState.RUNNABLE;
      prev.on_cpu = NONE;
    }
    if (next) {
      next.state = TaskState.RUNNING;
      next.on_cpu = c.id;
    }
    c.current = next ? next.slot : NONE;
  }

  /**
   * @models tls_thread_switch() — process.c (v5.19+; Debian 6.12.118 process.c:431-451): with
   * system_supports_tpidr2() (= SME), tls_preserve_current_state() stores the live TPIDR2_EL0
   * into prev's thread.tpidr2_el0, then next's is written to the register. Eager, every switch,
   * outside the FP binding: the register always holds current's value (idle's, a kernel
   * thread's, is 0).
   */
  tlsThreadSwitch(next: TaskView | null): void {
    const prev = this.current;
    if (prev) prev.tpidr2 = this.cpu.regTPIDR2;
    this.cpu.regTPIDR2 = next ? next.tpidr2 : ZERO;
  }

  /** EL0 writes TPIDR2_EL0 (never traps: the kernel sets SCTLR_EL1.EnTP2 where SME is used). */
  userTpidr2Write(): void {
    const t = this.currentTask;
    const tok = this.newTaskToken(t);
    this.cpu.regTPIDR2 = tok;
    t.exp_TPIDR2 = tok;
  }

  /**
   * copy_thread()'s TPIDR2 (v5.19+; Debian 6.12.118 process.c:381-401): the child's
   * thread.tpidr2_el0 is read from the live register (the parent's, current here), or 0 for a
   * clone with CLONE_SETTLS. What the child may expect follows sme.rst ("On thread creation
   * TPIDR2_EL0 is preserved unless CLONE_SETTLS is specified, in which case it is set to 0").
   * The parent's data becomes the child's (as arch_dup_task_struct() attributes it).
   */
  copyThreadTpidr2(p: TaskView): void {
    const parent = this.currentTask;
    const from = this.layout.writerOfTask(parent.slot);
    const to = this.layout.writerOfTask(p.slot);
    const own = (w: number) => (writerOf(w) === from ? dataToken(to, versionOf(w)) : w);
    if (this.cloneSettls) {
      p.tpidr2 = ZERO;
      p.exp_TPIDR2 = ZERO;
      return;
    }
    p.tpidr2 = own(this.cpu.regTPIDR2);
    p.exp_TPIDR2 = own(parent.exp_TPIDR2);
  }

  // --- task lifecycle -----------------------------------------------------------------------------

  /**
   * @models do_exit() — kernel/exit.c: exit_mm() clears current->mm, the task becomes a zombie,
   * and the final __schedule() switches away (to idle in the model). With mm gone,
   * fpsimd_thread_switch() does not save: a dead task's registers are simply abandoned, and
   * fpsimd_last_state keeps naming its storage.
   */
  do_exit(next: TaskView | null = null): void {
    const t = this.currentTask;
    t.mm = false;
    t.state = TaskState.ZOMBIE;
    t.sig_frame = false;
    // The final switch goes to idle in the event alphabet; `fpctx conform` passes the task the
    // real kernel switched to, so that the one switch of the trace is one switch here.
    this.__schedule(next);
  }

  /**
   * @models release_task() → put_task_struct() → arch_release_task_struct() — the parent reaps
   * the zombie and its task_struct is freed; the slot may be reused by a later fork.
   */
  release_task(t: TaskView): void {
    this.fpsimd_release_task(t);
    t.state = TaskState.FREE;
    t.vcpu = NONE;
    this.releaseSlot(t.slot);
  }

  /**
   * @models copy_process() (kernel/fork.c) for a user fork into `child`: arch_dup_task_struct()
   * then copy_thread(). The child returns to user through ret_from_fork → ret_to_user.
   */
  copy_process(child: TaskView, name?: string): void {
    const parent = this.currentTask;
    this.naming.onFork(child.slot, name);
    this.arch_dup_task_struct(child, parent);
    this.copy_thread(child);
    child.state = TaskState.RUNNABLE;
    child.pos = Pos.KERNEL;
    child.in_syscall = true;
    child.on_cpu = NONE;
    child.vcpu = NONE;
    child.kpath = KPath.NONE; // the child starts at ret_from_fork, not inside the parent's path
    child.kstep = 0;
    child.kpath_arg = 0;
    // What the child may expect: it returns from fork() like from any syscall, in FPSIMD mode
    // (copy_thread cleared TIF_SVE), so its SVE part is zero, whatever the parent's is (the
    // parent's can be live here if a tracer gave it SVE state at a syscall-entry stop).
    child.exp_Hi = ZERO;
  }

  /**
   * @models arch_dup_task_struct() — process.c v4.15: preserve the parent's live state, then
   * copy the whole task_struct (thread flags included: TIF_FOREIGN_FPSTATE, TIF_SVE, and the
   * fpsimd_state with its `cpu` field). The child's copy of the data is attributed to the child
   * (same versions), so that the child seeing it is correct and anybody else seeing it is a leak.
   */
  arch_dup_task_struct(dst: TaskView, src: TaskView): void {
    if (this.current?.mm) this.fpsimd_preserve_current_state();
    const from = this.layout.writerOfTask(src.slot);
    const to = this.layout.writerOfTask(dst.slot);
    const s = this.s;
    const spec = this.layout.taskSpec;
    for (let i = 0; i < spec.length; i++) {
      let w = s[src.base + i]!;
      if (spec[i]!.kind === 'token' && writerOf(w) === from) w = dataToken(to, versionOf(w));
      s[dst.base + i] = w;
    }
  }

  /**
   * @models copy_thread() — process.c v4.15: unalias sve_state and clear TIF_SVE, and (since
   * 071b6d4a5d34 "arm64: fpsimd: Prevent registers leaking from dead tasks", 2017-12-05) flush
   * the child's task-side binding: its task_struct may sit at the address of a recently dead
   * task whose state a CPU still names.
   */
  copy_thread(p: TaskView): void {
    p.TIF_SVE = false;
    this.sveStateFreed(p);
    this.fpsimd_flush_task_state(p);
  }

  // --- multi-step kernel paths ----------------------------------------------------------------------

  /** Marks current as being inside `path`, next step `step` (a point where it may be preempted). */
  enterKPath(t: TaskView, path: number, step: number, arg = 0): void {
    t.kpath = path;
    t.kstep = step;
    t.kpath_arg = arg;
  }

  leaveKPath(t: TaskView): void {
    t.kpath = KPath.NONE;
    t.kstep = 0;
    t.kpath_arg = 0;
  }

  /** Runs the next step of the path current is in (the `continue` event). */
  kernelContinue(): void {
    const t = this.currentTask;
    switch (t.kpath) {
      case KPath.SIGNAL:
        this.setup_sigframe();
        return;
      case KPath.SIGRETURN:
        if (t.kstep === 4) {
          // the second store of the split flush (sigreturnFlushTaskState), then the copy step
          t.TIF_FOREIGN_FPSTATE = true;
          this.enterKPath(t, KPath.SIGRETURN, 1);
        } else if (t.kstep === 1) this.sigreturnCopySveRegs();
        else this.sigreturnRestoreFpsimd();
        return;
      case KPath.SVE_ACC:
        // v4.x with `atomic`: the trap's body after the point it may sleep (el0_sve_acc)
        this.leaveKPath(t);
        this.do_sve_acc();
        return;
      case KPath.SET_VL:
        // kpath_arg = new VL in quadwords * 2 + PR_SVE_VL_INHERIT
        this.sveSetVectorLengthFinish(t, t.kpath_arg >> 1, (t.kpath_arg & 1) !== 0);
        this.leaveKPath(t);
        return;
    }
    throw new Error(`FPC516 model bug: ${this.naming.task(t.slot)} continues no kernel path`);
  }

  // --- signals: delivery ------------------------------------------------------------------------------

  /**
   * @models setup_rt_frame() — signal.c v4.15, first part, run from do_notify_resume() →
   * do_signal() with IRQs and preemption enabled, before the FP state restore of the same
   * ret_to_user pass: current's FP state is preserved to memory
   * (fpsimd_signal_preserve_current_state) so that the frame can be copied from it.
   * Interruption point after it: the frame is written with __copy_to_user(), which can fault
   * and sleep.
   */
  setup_rt_frame(): void {
    const t = this.currentTask;
    this.fpsimd_signal_preserve_current_state();
    this.enterKPath(t, KPath.SIGNAL, 1);
  }

  /**
   * @models setup_sigframe() — signal.c v4.15, preserve_fpsimd_context() and
   * preserve_sve_context(): the frame's fpsimd_context gets uw.fpsimd_state; the sve_context
   * carries the VL always and register data (from thread.sve_state) only if TIF_SVE is set.
   * Integrity check point: the handler sees this frame.
   * Then the handler is entered: its registers are the interrupted code's (v4.15 does not
   * reset FP state for a handler), so what user space expects is unchanged.
   */
  setup_sigframe(): void {
    const t = this.currentTask;
    t.sig_V = t.uw_V;
    t.sig_sve = t.TIF_SVE;
    t.sig_zV = t.TIF_SVE ? t.sve_V : ZERO;
    t.sig_Hi = t.TIF_SVE ? t.sve_Hi : ZERO;
    t.sig_vq = t.sve_vq;
    if (this.features.ext) t.sig_forge = 0; // a fresh frame, as the kernel lays it out
    t.sig_frame = true;
    this.leaveKPath(t);
    this.fx.frame?.(this.cpu.id, t.slot, 'setup', this.frameBytes(t));
    handlerEntered(this, t, 'setup_sigframe');
  }

  /** Bytes of FP state in a frame: fpsimd_context, plus the SVE register block when present. */
  frameBytes(t: TaskView): number {
    return FPSIMD_STATE_BYTES + (t.sig_sve ? sveRegsBytes(t.sig_vq * VQ_BITS) : 0);
  }

  /**
   * The signal handler rewrites the FP registers saved in its frame (a user-level context
   * switch, or a test that edits ucontext): fpsimd_context.vregs and, if the sve_context has
   * register data, all of it. Plain user memory writes.
   */
  userFrameWrite(): void {
    const t = this.currentTask;
    const tok = this.newTaskToken(t);
    t.sig_V = tok;
    if (t.sig_sve) {
      t.sig_zV = tok;
      t.sig_Hi = tok;
    }
  }

  // --- signals: return -------------------------------------------------------------------------------

  /**
   * @models rt_sigreturn() → restore_sigframe() → restore_sve_fpsimd_context() — signal.c
   * v4.15, first step (the syscall entry has already discarded SVE state).
   * A frame whose sve_context.vl is not the task's VL is rejected (the task is killed with
   * SIGSEGV). With SVE register data: the task side of the binding is flushed, then
   * TIF_FOREIGN_FPSTATE set, in that order (compiler barriers), so that neither a context
   * switch nor a softirq can save stale registers over the buffer about to be filled.
   * Without: TIF_SVE is cleared (restore_fpsimd_context / the header-only case).
   * Interruption point after it: the next step copies from user memory.
   */
  rt_sigreturn(): void {
    const t = this.currentTask;
    // A frame laid out by user space (the sigframe family; SigForge): parse_user_sigframe()
    // rejects a duplicated record and restore_sigframe() a frame without fpsimd_context; with
    // no sve_context, restore_fpsimd_context() alone runs, with no VL to check.
    if (t.sig_forge & (SigForge.NO_FPSIMD | SigForge.DUPLICATE)) {
      this.force_sig_segv();
      return;
    }
    if (t.sig_forge & SigForge.NO_SVE) {
      t.TIF_SVE = false;
      this.enterKPath(t, KPath.SIGRETURN, 2);
      return;
    }
    if (t.sig_vq !== t.sve_vq) {
      this.force_sig_segv();
      return;
    }
    if (t.sig_sve) {
      this.sigreturnFlushTaskState(t);
    } else {
      t.TIF_SVE = false;
      this.enterKPath(t, KPath.SIGRETURN, 2);
    }
  }

  /**
   * restore_sve_fpsimd_context()'s flush before it copies the frame's SVE block into
   * thread.sve_state with preemption enabled: two ordered stores, fpsimd_cpu = NR_CPUS and then
   * TIF_FOREIGN_FPSTATE (in v4.15 written out in signal.c with a barrier() between; from v5.2
   * inside fpsimd_flush_task_state(), the same order). Then the copy (next step). With the
   * `atomic` family a preemption or softirq can come between the two stores (SIGRETURN step 4):
   * the kernel's order makes that harmless (a switch out saves the registers, which are still
   * current's, and the switch back in finds fpsimd_cpu broken and sets the flag); the reverse
   * order would let a switch back in clear the flag again, and a later save write stale registers
   * over the copied block.
   */
  sigreturnFlushTaskState(t: TaskView): void {
    if (this.splitPaths) {
      Fpsimd.prototype.fpsimd_flush_task_state.call(this, t); // the first store only
      this.enterKPath(t, KPath.SIGRETURN, 4);
      return;
    }
    this.fpsimd_flush_task_state(t);
    t.TIF_FOREIGN_FPSTATE = true;
    this.enterKPath(t, KPath.SIGRETURN, 1);
  }

  /**
   * restore_sve_fpsimd_context() — signal.c v4.15, second step: sve_alloc() and
   * __copy_from_user() of the frame's SVE register block straight into thread.sve_state, then
   * TIF_SVE set. Interruption point after it: the V registers are copied from user next.
   */
  sigreturnCopySveRegs(): void {
    const t = this.currentTask;
    this.sve_alloc(t);
    t.sve_V = t.sig_zV;
    t.sve_Hi = t.sig_Hi;
    t.TIF_SVE = true;
    this.enterKPath(t, KPath.SIGRETURN, 2);
  }

  /**
   * restore_sve_fpsimd_context() / restore_fpsimd_context() — signal.c v4.15, last step: the
   * frame's fpsimd_context vregs go to fpsimd_update_current_state(), which merges them and
   * loads eagerly. What user space expects from here on is the frame's content.
   */
  sigreturnRestoreFpsimd(): void {
    const t = this.currentTask;
    this.fx.frame?.(this.cpu.id, t.slot, 'restore', this.frameBytes(t));
    t.exp_V = t.sig_V;
    t.exp_Hi = frameHasSveData(t) ? t.sig_Hi : ZERO;
    t.sig_frame = false;
    this.leaveKPath(t);
    this.fpsimd_update_current_state(t.sig_V);
    // rt_sigreturn has done its work: the task only returns to user from here (it may still be
    // preempted, stopped or take a signal). The model's syscall events mean "this syscall is
    // X", so they must not follow in the same syscall: another syscall would enter through
    // el0_svc again and discard the SVE state sigreturn may just have restored.
    t.in_syscall = false;
  }

  /**
   * @models force_sig(SIGKILL) — do_sve_acc()/do_sme_acc() when sve_alloc()/sme_alloc() failed
   * (v5.13+: "if (!current->thread.sve_state) { force_sig(SIGKILL); return; }"): current dies.
   */
  force_sig_kill(): void {
    this.leaveKPath(this.currentTask);
    this.do_exit();
  }

  /**
   * The `nomem` event (family `alloc`): the next step of current's kernel path, with the
   * kzalloc() it makes failing (Fpsimd.allocFails).
   */
  kernelContinueNomem(): void {
    this.withAllocFailing(() => this.kernelContinue());
  }

  /** Runs `step` with every kzalloc() in it failing (Fpsimd.allocFails): the `alloc` family's events. */
  withAllocFailing(step: () => void): void {
    this.allocFails = true;
    try {
      step();
    } finally {
      this.allocFails = false;
    }
  }

  /**
   * restore_sve_fpsimd_context() when sve_alloc() (or sme_alloc()) left the buffer NULL:
   * TIF_SVE cleared, -ENOMEM, and rt_sigreturn treats that as a bad frame (SIGSEGV). `sme`:
   * the version also allocated sme_state for a streaming frame (d2907cbe9ea0). Returns whether
   * it happened.
   */
  sigreturnNomem(t: TaskView, sme = false): boolean {
    if (t.sve_state && !(sme && t.sig_sm && !t.sme_state)) return false;
    t.TIF_SVE = false;
    this.force_sig_segv();
    return true;
  }

  /** @models force_sig(SIGSEGV) on a bad frame: the task is killed (the model's do_exit). */
  force_sig_segv(): void {
    this.leaveKPath(this.currentTask);
    this.do_exit();
  }

  // --- ptrace -----------------------------------------------------------------------------------------

  /**
   * @models ptrace_stop() — kernel/signal.c: current stops for its tracer (TASK_TRACED) and
   * schedules out. Its live FP state is saved by the context switch like any other.
   */
  ptrace_stop(): void {
    const t = this.currentTask;
    t.state = TaskState.STOPPED;
    this.__schedule(null);
  }

  /** @models ptrace_resume() (PTRACE_CONT) — the tracee is runnable again, still in the kernel. */
  ptrace_resume(t: TaskView): void {
    t.state = TaskState.RUNNABLE;
  }

  /** @models __fpr_set() — ptrace.c v4.15: new V values over uw.fpsimd_state (synced from SVE first). */
  __fpr_set(target: TaskView, v: number): void {
    this.sve_sync_to_fpsimd(target);
    target.uw_V = v;
  }

  /**
   * @models fpr_set() — ptrace.c v4.15 (PTRACE_SETREGSET NT_PRFPREG by a tracer on a stopped
   * task): write V, zero-pad into sve_state if the task uses SVE, flush the task's binding so
   * that it reloads when it runs. The tracee will read back the values written, zero above.
   */
  fpr_set(target: TaskView): void {
    const tok = this.newTaskToken(target);
    this.__fpr_set(target, tok);
    this.sve_sync_from_fpsimd_zeropad(target);
    this.fpsimd_flush_task_state(target);
    target.exp_V = tok;
    target.exp_Hi = ZERO;
  }

  /**
   * @models sve_set() — ptrace.c v4.15 (PTRACE_SETREGSET NT_ARM_SVE on a stopped task). The
   * header's VL goes through sve_set_vector_length() (which converts a live-SVE task to FPSIMD
   * and drops its buffer if the VL changes); the header flags are the tracee's own (a tracer
   * that read the regset first keeps PR_SVE_VL_INHERIT). An FPSIMD payload goes through
   * __fpr_set() and clears TIF_SVE; otherwise, unless the payload is for a VL other than the
   * one set (-EIO, the VL change already made: sve.rst, "the thread's FPSIMD state is
   * preserved"), sve_alloc() zeroes sve_state, fpsimd_sync_to_sve() refills it from V only if
   * TIF_SVE is clear ("so that a short copyin leaves trailing registers unmodified"), TIF_SVE
   * is set and the payload, if any, copied in. In every case the task's binding is flushed last.
   *
   * A header-only write should change nothing but the VL and flags (sve.rst, the same text
   * from v4.15 to v6.16): the expectation stays. With TIF_SVE set the code above leaves
   * sve_state zeroed and not refilled: the task's registers are lost (fixed by 316283f276eb,
   * which zeroes every header-only write on purpose).
   *
   * sve_alloc() failing: v4.15's BUG_ONs inside (an oops); from the K0 era on (the model's
   * v5.17) it returns NULL and sve_set() returns -ENOMEM with TIF_SVE cleared and nothing
   * else changed (the 6.1 code reads the same).
   */
  sve_set(target: TaskView, sveFormat: boolean, vq: number, shape: SveWriteShape = 'full'): void {
    const inherit = target.TIF_SVE_VL_INHERIT;
    if (this.sve_set_vector_length(target, vq, inherit, false)) {
      this.sveSetVectorLengthFinish(target, vq, inherit);
      target.exp_Hi = ZERO; // a VL change keeps only the V bits (sve.rst, as PR_SVE_SET_VL)
    }
    if (!sveFormat) {
      const tok = this.newTaskToken(target);
      this.__fpr_set(target, tok);
      target.TIF_SVE = false;
      target.exp_V = tok;
      target.exp_Hi = ZERO;
    } else if (shape !== 'eio') {
      this.sve_alloc(target);
      if (!target.sve_state) {
        target.TIF_SVE = false; // -ENOMEM
      } else {
        this.fpsimd_sync_to_sve(target);
        target.TIF_SVE = true;
        if (shape === 'full') {
          const tok = this.newTaskToken(target);
          target.sve_V = tok;
          target.sve_Hi = tok;
          target.exp_V = tok;
          target.exp_Hi = tok;
        }
      }
    }
    this.fpsimd_flush_task_state(target);
  }

  /**
   * @models sve_get() — ptrace.c v4.15 (PTRACE_GETREGSET NT_ARM_SVE on a stopped task): SVE
   * format from sve_state if TIF_SVE is set, else the FPSIMD registers from uw.fpsimd_state.
   * Integrity check point: what the tracer reads must be the tracee's own latest state.
   */
  sve_get(target: TaskView): void {
    tracerReads(this, target, target.TIF_SVE, 'sve_get');
  }

  // --- exec ------------------------------------------------------------------------------------------------

  /**
   * @models flush_thread() — process.c v4.15, from exec (setup_new_exec → flush_thread):
   * fpsimd_flush_thread() gives the new program zeroed FP state. The new image has no signal
   * frame; user space starts from zero registers.
   */
  flush_thread(): void {
    const t = this.currentTask;
    this.fpsimd_flush_thread();
    t.sig_frame = false;
    t.exp_V = ZERO;
    t.exp_Hi = ZERO;
    if (this.cfg.ext) {
      // exec starts the new program with every FP/SIMD/SVE/SME register reset: no streaming
      // mode, ZA disabled, FPMR zero.
      t.exp_SM = false;
      t.exp_ZAen = false;
      t.exp_ZA = ZERO;
      t.exp_ZT0 = ZERO;
      t.exp_FPMR = ZERO;
      // tls_thread_flush(): TPIDR2_EL0 written 0 for the new program (thread.tpidr2_el0 is
      // refreshed from the register at the next switch out).
      if (this.hasSme) this.cpu.regTPIDR2 = ZERO;
      t.exp_TPIDR2 = ZERO;
    }
  }

  // --- vector length (prctl) ------------------------------------------------------------------------

  /**
   * @models sve_set_current_vl() — fpsimd.c v4.15 (prctl PR_SVE_SET_VL from a syscall): asks
   * for the other VL the model knows, now (possibly with INHERIT) or for the next exec. When
   * the VL changes now, sve_set_vector_length() leaves its softirq-protected part with the
   * state converted and flushed; the rest (free the buffer, set the VL) runs after a point
   * where current can be preempted (local_bh_enable) — the SET_VL kernel path.
   */
  sve_set_current_vl(mode: 'now' | 'inherit' | 'onexec'): void {
    const t = this.currentTask;
    const vq = this.otherVq(t.sve_vq);
    const inherit = mode === 'inherit';
    if (this.sve_set_vector_length(t, vq, inherit, mode === 'onexec')) {
      this.enterKPath(t, KPath.SET_VL, 1, vq * 2 + (inherit ? 1 : 0));
      // ABI (sve.txt, "vector length"): a VL change leaves only the V bits of the Z registers
      // defined; the rest reads as zero once the task uses SVE again (the trap rebuilds it).
      t.exp_Hi = ZERO;
    }
  }

  /** The VL a prctl or a ptrace header asks for: the one the task does not have now. */
  otherVq(vq: number): number {
    return vq === this.defaultVq ? this.altVq : this.defaultVq;
  }

  // --- CPU power management and hotplug ---------------------------------------------------------------

  /**
   * @models cpu_pm_enter() → (low-power state) → cpu_pm_exit() — kernel/cpu_pm.c, from
   * cpuidle or system suspend with IRQs off throughout, so one step: the notifiers run, the
   * registers lose their contents (and ZCR_EL1's VL is re-initialised), the notifiers run again.
   */
  cpu_pm_cycle(): void {
    const c = this.cpu;
    this.fpsimd_cpu_pm_notifier('enter');
    c.regV = GARBAGE;
    c.regHi = GARBAGE;
    c.hw_vq = 0;
    if (this.cfg.ext) {
      loseSmeRegs(c);
      c.hw_svq = 0;
    }
    this.fx.lost?.(c.id);
    this.fpsimd_cpu_pm_notifier('exit');
  }

  /**
   * @models takedown_cpu() — kernel/cpu.c, CPU hotplug offline: the CPU (already idle, its
   * tasks migrated away) stops and loses its registers; the cpuhp "dead" callbacks, among them
   * fpsimd_cpu_dead(), run on the CPU doing the hotplug.
   */
  takedown_cpu(cpu: number): void {
    const c = this.cpus[cpu]!;
    c.online = false;
    c.regV = GARBAGE;
    c.regHi = GARBAGE;
    c.hw_vq = 0;
    if (this.cfg.ext) {
      loseSmeRegs(c);
      c.hw_svq = 0;
    }
    this.fx.lost?.(cpu);
    this.fpsimd_cpu_dead(cpu);
  }

  /** @models bringup_cpu() — kernel/cpu.c, CPU hotplug online: the CPU runs its idle task again. */
  bringup_cpu(cpu: number): void {
    const c = this.cpus[cpu]!;
    c.online = true;
    c.current = NONE;
  }
}
