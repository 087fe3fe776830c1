/**
 * Family `atomic`: no events of its own. Enabled (`--events ...,atomic`), it makes the kernel
 * run some paths in the finer steps the kernel can be interrupted between, where the model
 * otherwise runs them as one step (issue 14 part 6). It is a family so that the choice stays
 * off in the default families and in scenarios (whose machines have the default event mask),
 * and every existing verdict and step number is unchanged unless it is asked for.
 *
 * Split so far: v6.12's fpsimd_signal_preserve_current_state() (setup_rt_frame's first step),
 * between fpsimd_preserve_current_state(), inside the FP context, and sve_to_fpsimd(), outside
 * it: a preemption or a softirq can come in between (src/kernel/versions/signal.ts); and
 * rt_sigreturn's flush before it copies the frame's SVE block (v4.15 to v6.12), between its
 * two stores, fpsimd_cpu = NR_CPUS and TIF_FOREIGN_FPSTATE: restore_sve_fpsimd_context() runs
 * with preemption enabled (its own comment in signal.c) (Entry.sigreturnFlushTaskState); and
 * v4.15/v4.18's SVE trap, whose do_sve_acc() starts with sve_alloc() — kzalloc(GFP_KERNEL),
 * which may sleep — before local_bh_disable(): the trap enters the SVE_ACC path and its body
 * runs on `continue`, as v5.x's always does (Entry.el0_sve_acc).
 * Not split, with the reason: fpsimd_flush_task_state()'s two stores elsewhere than sigreturn
 * (every other caller flushes a task that is not running, or runs with preemption off); a VL
 * change's steps are already two (the SET_VL path: the part inside the FP context, then the
 * buffers after put_cpu_fpsimd_context()), and the second's free-then-allocate cannot be
 * observed half-done by anything but the task itself.
 * How a family is declared: src/kernel/families/declare.ts.
 */

import type { FamilyDecl } from './declare.js';

export const atomicFamily: FamilyDecl = {
  name: 'atomic',
  doc: 'no events: some kernel paths run in the finer steps the kernel can be interrupted between',
  events: [],
};
