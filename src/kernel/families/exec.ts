/**
 * Event family `exec`: execve(): a fresh FP state.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { NONE } from '../records.js';
import { inSyscall, type FamilyDecl } from './declare.js';

export const execFamily: FamilyDecl = {
  name: 'exec',
  doc: 'execve(): a fresh FP state',
  events: [
    {
      name: 'exec',
      code: 28,
      params: 'cpu',
      runs: 'kernel',
      doc: 'the current syscall is execve(): the new program starts with zeroed FP state and the exec-time VL',
      needs: 'current a task (not a vcpu thread) inside a syscall',
      enabled: (k, cpu) => {
        const t = inSyscall(k, cpu);
        return !!t && t.vcpu === NONE;
      },
      run: (k) => k.flush_thread(),
    },
  ],
};
