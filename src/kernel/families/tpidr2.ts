/**
 * Event family `tpidr2` (issue 14 part 7): TPIDR2_EL0, SME's thread register for the ZA lazy-save
 * scheme. The kernel keeps it per thread (Documentation/arch/arm64/sme.rst, "tracked per
 * thread") but outside the FP binding: tls_thread_switch() saves and loads it at every context
 * switch, copy_thread() copies the live register into a child (0 for CLONE_SETTLS), exec's
 * tls_thread_flush() zeroes it, the signal frame carries it (tpidr2_context, v6.3+) and
 * NT_ARM_TLS's second register reads and writes it. The kernel code runs on every SME system;
 * this family adds what makes its values differ: user space writing it, a handler rewriting
 * the frame's record, a clone with a new TLS and a tracer's NT_ARM_TLS accesses. Without it
 * every TPIDR2 word stays 0, so the other families' states do not grow. Off by default
 * (`--events ...,tpidr2`), left out of `simulate`'s default alphabet.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { Pos, TaskState } from '../records.js';
import { curAt, inSyscall, touchCpu, tracerAccess, type FamilyDecl } from './declare.js';

export const tpidr2Family: FamilyDecl = {
  name: 'tpidr2',
  requires: 'sme',
  doc: 'TPIDR2_EL0: user writes, its signal frame record, CLONE_SETTLS, NT_ARM_TLS',
  events: [
    {
      name: 'tpidr2_write',
      code: 69,
      params: 'cpu',
      runs: 'user',
      doc: 'user space writes TPIDR2_EL0 (MSR TPIDR2_EL0: a ZA lazy-save buffer set up or torn down)',
      needs: 'a system using SME, current in user mode',
      enabled: (k, cpu) => k.hasSme && !!curAt(k, cpu, Pos.USER),
      run: (k) => k.userTpidr2Write(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'frame_tpidr2_write',
      code: 70,
      params: 'cpu',
      runs: 'user',
      doc: "the signal handler rewrites its frame's tpidr2_context (a user-level context switch)",
      needs: 'a system using SME, current in user mode inside a signal handler',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.USER);
        return k.hasSme && !!t && t.sig_frame;
      },
      run: (k) => {
        const t = k.currentTask;
        t.sig_TPIDR2 = k.newTaskToken(t);
      },
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'clone_settls',
      code: 71,
      params: 'cpu+slot',
      runs: 'kernel',
      doc: 'the current syscall is clone() with CLONE_SETTLS: a new user task whose TPIDR2 starts at 0',
      needs: 'a system using SME, current inside a syscall, and a free slot',
      enabled: (k, cpu, slot) => {
        const t = inSyscall(k, cpu);
        return k.hasSme && !!t && t.mm && k.tasks[slot]!.state === TaskState.FREE;
      },
      run: (k, t) => {
        k.cloneSettls = true;
        try {
          k.copy_process(t);
        } finally {
          k.cloneSettls = false;
        }
      },
      touches: (k, cpu, slot, out) => {
        touchCpu(k, cpu, out);
        out.slots.push(slot);
      },
    },
    tracerAccess(
      'ptrace_tls',
      72,
      "the tracer writes NT_ARM_TLS: TPIDR2 (the second register) into the stopped task's thread.tpidr2_el0",
      (k) => k.hasSme,
      (k, t) => k.tls_set(t),
    ),
    tracerAccess(
      'ptrace_read_tls',
      73,
      "the tracer reads NT_ARM_TLS: the stopped task's TPIDR2",
      (k) => k.hasSme,
      (k, t) => k.tls_get(t),
    ),
  ],
};
