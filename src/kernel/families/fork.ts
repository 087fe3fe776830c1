/**
 * Event family `fork`: process lifetime: fork, exit and reaping (task_struct reuse).
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { TaskState } from '../records.js';
import { inSyscall, touchCpu, touchReap, type FamilyDecl } from './declare.js';

export const forkFamily: FamilyDecl = {
  name: 'fork',
  doc: 'process lifetime: fork, exit and reaping (task_struct reuse)',
  events: [
    {
      name: 'fork',
      code: 9,
      params: 'cpu+slot',
      runs: 'kernel',
      doc: "the current syscall is fork(): a new user task is created in a free slot (possibly a dead task's)",
      needs: 'current inside a syscall, and a free slot',
      enabled: (k, cpu, slot) => {
        const t = inSyscall(k, cpu);
        return !!t && t.mm && k.tasks[slot]!.state === TaskState.FREE;
      },
      run: (k, t) => k.copy_process(t),
      touches: (k, cpu, slot, out) => {
        touchCpu(k, cpu, out);
        out.slots.push(slot);
      },
    },
    {
      name: 'exit',
      code: 10,
      params: 'cpu',
      runs: 'kernel',
      doc: 'the current syscall is exit(): the task becomes a zombie and the CPU goes idle',
      needs: 'current inside a syscall',
      enabled: (k, cpu) => !!inSyscall(k, cpu),
      run: (k) => k.do_exit(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'free',
      code: 11,
      params: 'task',
      runs: 'task',
      doc: 'a zombie is reaped and its task_struct freed (the slot may be reused by a later fork)',
      needs: 'a zombie task',
      enabled: (k, _cpu, slot) => k.tasks[slot]!.state === TaskState.ZOMBIE,
      run: (k, t) => k.release_task(t),
      touches: (k, _cpu, slot, out) => touchReap(k, slot, out),
    },
  ],
};
