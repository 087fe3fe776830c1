/**
 * Event family `signal`: signal delivery to a frame on the user stack, the handler and sigreturn.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { Pos } from '../records.js';
import { curAt, inKernel, type FamilyDecl } from './declare.js';

export const signalFamily: FamilyDecl = {
  name: 'signal',
  doc: 'signal delivery to a frame on the user stack, the handler and sigreturn',
  events: [
    {
      name: 'irq',
      code: 17,
      params: 'cpu',
      runs: 'entry',
      doc: 'an interrupt from user space (a timer tick, say): the task enters the kernel with its state live and will leave through ret_to_user, where a pending signal is delivered',
      needs: 'current in user mode',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
      run: (k) => k.interruptUser(),
    },
    {
      name: 'signal',
      code: 18,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'a signal is delivered to current on its way back to user space: its FP state is preserved to a frame on the user stack and the handler is entered',
      needs: 'current in the kernel (from a syscall or an interrupted user), not already in a handler',
      enabled: (k, cpu) => {
        const t = inKernel(k, cpu);
        return !!t && !t.sig_frame;
      },
      run: (k) => k.setup_rt_frame(),
    },
    {
      name: 'sigreturn',
      code: 19,
      params: 'cpu',
      runs: 'entry',
      path: true,
      doc: 'the signal handler returns (rt_sigreturn syscall): FP state is restored from the frame, as the handler may have left it',
      needs: 'current in user mode inside a signal handler',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.USER);
        return !!t && t.sig_frame;
      },
      run: (k) => {
        k.el0_svc();
        k.rt_sigreturn();
      },
    },
    {
      name: 'frame_write',
      code: 20,
      params: 'cpu',
      runs: 'user',
      doc: 'the signal handler rewrites the FP registers saved in its frame (ucontext)',
      needs: 'current in user mode inside a signal handler',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.USER);
        return !!t && t.sig_frame;
      },
      run: (k) => k.userFrameWrite(),
    },
  ],
};
