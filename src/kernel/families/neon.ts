/**
 * Event family `neon`: kernel-mode NEON, in a syscall and in softirq context.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { inSyscall, touchCpu, type FamilyDecl } from './declare.js';

export const neonFamily: FamilyDecl = {
  name: 'neon',
  doc: 'kernel-mode NEON, in a syscall and in softirq context',
  events: [
    {
      name: 'kernel_neon',
      code: 7,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'the current syscall uses kernel-mode NEON (kernel_neon_begin ... kernel_neon_end; from v6.8 a preemptible section ended by `continue`)',
      needs: 'current inside a syscall',
      enabled: (k, cpu) => !!inSyscall(k, cpu),
      run: (k) => k.taskKernelNeon(),
      touches: (k, cpu, _arg, out) => {
        // Kernel-mode NEON writes data of the kernel writer, whose version counter is global.
        touchCpu(k, cpu, out);
        out.shared = true;
      },
    },
    {
      name: 'softirq_neon',
      code: 8,
      params: 'cpu',
      runs: 'cpu',
      doc: 'a softirq on this CPU uses kernel-mode NEON (whatever current is doing, unless a guest runs)',
      needs: 'a CPU not running a guest',
      enabled: (k, cpu) => k.maySoftirq(k.cpus[cpu]!),
      run: (k) => {
        k.interruptUser();
        k.softirqKernelNeon();
      },
      touches: (k, cpu, _arg, out) => {
        // Kernel-mode NEON writes data of the kernel writer, whose version counter is global.
        touchCpu(k, cpu, out);
        out.shared = true;
      },
    },
  ],
};
