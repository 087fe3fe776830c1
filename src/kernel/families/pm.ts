/**
 * Event family `pm`: CPU low-power states that lose the registers.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { NONE } from '../records.js';
import { inSyscall, type FamilyDecl } from './declare.js';

export const pmFamily: FamilyDecl = {
  name: 'pm',
  doc: 'CPU low-power states that lose the registers',
  events: [
    {
      name: 'cpu_pm',
      code: 32,
      params: 'cpu',
      runs: 'cpu',
      doc: 'the CPU enters and leaves a low-power state that loses its registers (cpuidle, or system suspend from a syscall)',
      needs: 'an online CPU that is idle or whose current task is inside a syscall',
      enabled: (k, cpu) => {
        const c = k.cpus[cpu]!;
        return c.online && (c.current === NONE || !!inSyscall(k, cpu));
      },
      run: (k) => k.cpu_pm_cycle(),
    },
  ],
};
