/**
 * Event family `core`: scheduling, user FP/SVE instructions, syscalls and the return to user space.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { KPath, NONE, Pos, TaskState } from '../records.js';
import { curAt, inKernel, inSyscall, touchCpu, touchTask, type FamilyDecl } from './declare.js';

export const coreFamily: FamilyDecl = {
  name: 'core',
  doc: 'scheduling, user FP/SVE instructions, syscalls and the return to user space',
  events: [
    {
      name: 'switch',
      code: 0,
      params: 'cpu+task',
      runs: 'cpu',
      doc: 'schedule a runnable task onto the CPU (preempting or replacing current; migration if it last ran elsewhere)',
      needs: 'a runnable task, and a CPU whose current task can be preempted',
      enabled: (k, cpu, slot) => k.tasks[slot]!.state === TaskState.RUNNABLE && k.mayPreempt(k.cpus[cpu]!),
      run: (k, t) => k.__schedule(t),
      touches: (k, cpu, slot, out) => {
        touchCpu(k, cpu, out);
        touchTask(k, slot, out);
      },
    },
    {
      name: 'idle',
      code: 1,
      params: 'cpu',
      runs: 'cpu',
      doc: 'current blocks or is preempted and the CPU runs its idle task',
      needs: 'a CPU running a task that can be preempted',
      enabled: (k, cpu) => k.cpus[cpu]!.current !== NONE && k.mayPreempt(k.cpus[cpu]!),
      run: (k) => k.__schedule(null),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'ret_to_user',
      code: 2,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'current returns to user space (restoring its FP state if foreign)',
      needs: 'current in the kernel (not part-way through a kernel path, not in the KVM run loop)',
      enabled: (k, cpu) => !!inKernel(k, cpu),
      run: (k) => k.ret_to_user(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'fp_write',
      code: 3,
      params: 'cpu',
      runs: 'user',
      traps: true,
      path: true,
      doc: 'user space writes its V registers with FPSIMD instructions (zeroes the SVE part)',
      needs: 'current in user mode',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
      run: (k) => k.userFpWrite(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'sve_write',
      code: 4,
      params: 'cpu',
      runs: 'user',
      traps: true,
      path: true,
      doc: 'user space writes Z/P/FFR with SVE instructions (traps to do_sve_acc first if SVE is disabled for EL0)',
      needs: 'current in user mode, on a CPU with SVE (or in streaming mode: SME without SVE)',
      // Without SVE (and outside streaming mode) the instruction is undefined: SIGILL, from
      // do_sve_acc on kernels that enable the trap, no FP state touched (not modelled).
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER) && (k.hasSve || (k.cfg.ext === true && k.cpus[cpu]!.regSM)),
      run: (k) => k.userSveWrite(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'fp_read',
      code: 5,
      params: 'cpu',
      runs: 'user',
      doc: 'user space reads its registers back and compares them with what it wrote (integrity check point)',
      needs: 'current in user mode',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
      run: (k) => k.userFpRead(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'syscall',
      code: 6,
      params: 'cpu',
      runs: 'entry',
      doc: 'user space enters a system call (the entry path may discard SVE state)',
      needs: 'current in user mode',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
      run: (k) => k.el0_svc(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'continue',
      code: 16,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'current runs the next step of a kernel path the model splits at a preemption point (signal delivery, sigreturn, VL change)',
      needs: 'current part-way through a multi-step kernel path',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.KERNEL);
        return !!t && t.kpath !== KPath.NONE;
      },
      run: (k) => k.kernelContinue(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'ret_to_user_irq',
      code: 42,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'current returns from a syscall, reloading its FP state, and an IRQ arrives before the final return (do_notify_resume loops; `continue` completes the return)',
      needs: 'a v6.2+ kernel, current inside a syscall with its FP state not loaded',
      enabled: (k, cpu) => {
        if (!k.syscallExitWindow) return false;
        const t = inSyscall(k, cpu);
        return !!t && t.TIF_FOREIGN_FPSTATE;
      },
      run: (k) => k.retToUserInterrupted(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
  ],
};
