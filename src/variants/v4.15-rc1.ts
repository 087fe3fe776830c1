/**
 * v4.15-rc1 — first SVE support, with the bug the seed fixes.
 *
 * Kernel: v4.15-rc1 (2017-11-26). Reconstructed from the seed diff (whose `-` lines are the rc1
 * code of sve_flush_cpu_state(), fpsimd_bind_to_cpu() and the per-CPU declaration) applied in
 * reverse to snapshot O, and from the blame of process.c (index id 6049384696) showing that the
 * copy_thread() flush arrived only with 071b6d4a5d34 on 2017-12-05, after rc1.
 *
 * What differs from rfc-2017:
 *  - fpsimd_last_state is a bare `struct fpsimd_state *`; nothing caches TIF_SVE beside it;
 *  - sve_flush_cpu_state() (called before every guest entry) recovers the task with
 *    container_of() and tests its TIF_SVE: if the task has exited and been freed since its
 *    state was bound, that is a use-after-free (the seed);
 *  - copy_thread() does not flush the child's binding: a child allocated at the address of a
 *    dead task whose state a CPU still names, and whose parent last loaded on that CPU, passes
 *    the schedule-in check and runs with the dead task's registers (fixed by 071b6d4a5d34,
 *    "arm64: fpsimd: Prevent registers leaking from dead tasks", a bug since the lazy restore of
 *    2014; fpctx finds it too);
 *  - fpsimd_update_current_state() (sigreturn) assigns the whole struct fpsimd_state from the
 *    signal code's stack copy, whose `cpu` field is never initialised, so the task's
 *    fpsimd_state.cpu becomes stack garbage; it is repaired only if the function binds (that
 *    is, if TIF_FOREIGN_FPSTATE was set). Fixed by a45448313706 "arm64: fpsimd: Fix copying of
 *    FP state from signal frame into task struct" (2017-12-15; title [S] from a git log
 *    listing, index id 49300830419). [M]: the rc1 code is reconstructed from the fix's effect
 *    as seen in O (which copies only `.user_fpsimd`). The garbage is modelled as a value that
 *    compares equal to whichever CPU it is next compared with: the checker thereby tries every
 *    possible garbage value at once (an uninitialised read is existential), and the model
 *    stays symmetric in the CPUs. A later bind replaces it with a real CPU number.
 */

import type { TaskView } from '../kernel/records.js';
import type { Variant } from './types.js';
import { V415Kernel } from './v4.15.js';

/** fpsimd_state.cpu after the struct copy: uninitialised stack data (see the file comment). */
export const STACK_GARBAGE_CPU = 0xfe;

export class V415rc1Kernel extends V415Kernel {
  /** @models fpsimd_bind_to_cpu() — fpsimd.c v4.15-rc1: the pointer and the CPU number only. */
  override fpsimd_bind_to_cpu(): void {
    const t = this.currentTask;
    const c = this.cpu;
    c.last_st = this.layout.stOfTask(t.slot);
    c.last_dangling = false;
    t.fpsimd_cpu = c.id;
  }

  /**
   * @models sve_flush_cpu_state() — fpsimd.c v4.15-rc1: follows fpsimd_last_state back to the
   * owning task (container_of) to test TIF_SVE. The task may be dead.
   */
  override sve_flush_cpu_state(): void {
    if (this.cpu.last_st === 0) return;
    const tsk = this.derefLastStateTask('sve_flush_cpu_state');
    if (tsk?.TIF_SVE) this.fpsimd_flush_cpu_state();
  }

  /** @models copy_thread() — process.c v4.15-rc1: unaliases sve_state, no fpsimd_flush_task_state(). */
  override copy_thread(p: TaskView): void {
    p.TIF_SVE = false;
    p.sve_state = false;
  }

  /**
   * @models fpsimd_update_current_state() — fpsimd.c v4.15-rc1 [M]: the struct assignment
   * also copies the uninitialised `cpu` of the caller's stack copy.
   */
  override fpsimd_update_current_state(v: number): void {
    const t = this.currentTask;
    t.fpsimd_cpu = STACK_GARBAGE_CPU;
    super.fpsimd_update_current_state(v);
  }

  /**
   * @models fpsimd_thread_switch() — fpsimd.c v4.15-rc1: as v4.15; a `cpu` field holding stack
   * garbage may equal this CPU's number.
   */
  override fpsimd_thread_switch(next: TaskView | null): void {
    super.fpsimd_thread_switch(next);
    if (next?.mm && next.fpsimd_cpu === STACK_GARBAGE_CPU && this.cpu.last_st === this.layout.stOfTask(next.slot)) {
      next.TIF_FOREIGN_FPSTATE = false;
    }
  }
}

export const v415rc1: Variant = {
  name: 'v4.15-rc1',
  kernel: 'v4.15-rc1 (before cb968afc7898, 071b6d4a5d34 and a45448313706)',
  summary: 'sve_flush_cpu_state() follows fpsimd_last_state to a possibly freed task (use-after-free)',
  status: 'prerelease',
  Kernel: V415rc1Kernel,
};
