/**
 * The paths into and out of the kernel, the scheduler and the task lifecycle, as of v4.15:
 * arch/arm64/kernel/entry.S (el0_svc, el0_sve_acc, ret_to_user), signal.c (do_notify_resume),
 * process.c (__switch_to, arch_dup_task_struct, copy_thread, arch_release_task_struct; v4.15-era
 * copy read at index id 6003228) and the generic do_exit/release_task.
 *
 * Each public path is one step of the model. Between steps is where the kernel can be
 * interrupted: a task in Pos.KERNEL or Pos.RUNLOOP is preemptible (mayPreempt), and softirqs,
 * hence softirq kernel-mode NEON, may run on any CPU not executing a guest (maySoftirq). The
 * steps themselves are atomic because, in v4.15, each runs with softirqs or IRQs disabled, or
 * touches no FP state in its preemptible parts (see the notes on each path).
 */

import { fpsimdWriteRegs, sveWriteRegs } from '../arch/regfile.js';
import { dataToken, versionOf, writerOf } from '../arch/tokens.js';
import { Fpsimd } from './fpsimd.js';
import { NONE, Pos, TASK_FIELDS, TaskState, type CpuView, type TaskView } from './records.js';

export class Entry extends Fpsimd {
  // --- interruption points -------------------------------------------------------------------

  /** Can the scheduler take the CPU from its current task here (preemption enabled)? */
  mayPreempt(c: CpuView): boolean {
    if (c.current === NONE) return true;
    const pos = this.tasks[c.current]!.pos;
    return pos === Pos.USER || pos === Pos.KERNEL || pos === Pos.RUNLOOP;
  }

  /** Can a softirq (and so softirq kernel-mode NEON) run on this CPU now? Not while a guest runs. */
  maySoftirq(c: CpuView): boolean {
    return c.current === NONE || this.tasks[c.current]!.pos !== Pos.GUEST;
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
    if (!this.cpu.zen_el0) {
      this.el0_sve_acc();
      return;
    }
    const tok = this.newTaskToken(t);
    sveWriteRegs(this.cpu, tok, tok);
    t.exp_V = tok;
    t.exp_Hi = tok;
  }

  /** EL0 reads its registers back and compares with what it wrote (fpsimd-test / sve-test style). */
  userFpRead(): void {
    this.checkUserView(this.currentTask, 'user FP read');
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
    t.pos = Pos.KERNEL;
    t.in_syscall = true;
  }

  /** @models el0_sve_acc — entry.S v4.15: the EL0 SVE trap, calls do_sve_acc() then leaves via ret_to_user. */
  el0_sve_acc(): void {
    const t = this.currentTask;
    t.pos = Pos.KERNEL;
    t.in_syscall = false;
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
    this.checkUserView(t, 'ret_to_user');
  }

  // --- scheduling -----------------------------------------------------------------------------------

  /**
   * @models __switch_to() — process.c v4.15 (called from __schedule with IRQs off).
   * `next` null switches to the idle task (a kernel thread: no mm). A task taken off the CPU
   * from user mode was interrupted, so it resumes in the kernel on its way back to user.
   */
  __switch_to(next: TaskView | null): void {
    const c = this.cpu;
    this.interruptUser(); // preemption of a user task happens on an IRQ from EL0
    this.fpsimd_thread_switch(next);
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

  // --- task lifecycle -----------------------------------------------------------------------------

  /**
   * @models do_exit() — kernel/exit.c: exit_mm() clears current->mm, the task becomes a zombie,
   * and the final __schedule() switches away (to idle in the model). With mm gone,
   * fpsimd_thread_switch() does not save: a dead task's registers are simply abandoned, and
   * fpsimd_last_state keeps naming its storage.
   */
  do_exit(): void {
    const t = this.currentTask;
    t.mm = false;
    t.state = TaskState.ZOMBIE;
    this.__switch_to(null);
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
    for (let i = 0; i < TASK_FIELDS.length; i++) {
      let w = s[src.base + i]!;
      if (TASK_FIELDS[i]!.kind === 'token' && writerOf(w) === from) w = dataToken(to, versionOf(w));
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
    p.sve_state = false;
    this.fpsimd_flush_task_state(p);
  }
}
