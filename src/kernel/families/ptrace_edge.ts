/**
 * Event family `ptrace_edge` (issue 14 part 5): the NT_ARM_SVE writes beyond a full payload
 * that change the task's state differently — a header without register data, and a header
 * asking for a VL the CPU does not support with a payload laid out for it (-EIO after the VL
 * has changed: an error path that returns with part of the state changed). Their -ENOMEM
 * paths are the `alloc` family's `ptrace_sve_nomem` / `ptrace_ssve_nomem`.
 *
 * Left out, each because the model's state would not differ from an event it has:
 *  - a partial payload (shorter than the VL needs): sve.rst calls its effect unspecified, and
 *    every tree's code takes the same path as for a full payload (the copy only stops early);
 *    with one data token per register file it is the full write (`ptrace_sve`);
 *  - bad header flags or an invalid VL (-EINVAL): vec_set_vector_length()/sve_set_vector_length()
 *    check them before changing anything (Debian 6.12.118 and 6.1.192 fpsimd.c; v4.15 the
 *    same); B's sve_set_common() has flushed the binding by then, which only costs a reload;
 *  - where the tracee stopped: sve_set()/fpr_set() and the other regset functions never look
 *    at it. The state the tracee arrives with does differ — at a syscall-entry stop after
 *    el0_svc's SVE discard (v4.15-v6.12; not with 398edaa12f9c), at a signal stop after an
 *    interrupt without it, after a preemption with its state saved by the switch — and
 *    `ptrace_stop` is enabled at each of these points (the `ptrace` family), so all three are
 *    already explored.
 *
 * Off by default (`--events ptrace,ptrace_edge`: `ptrace_stop` and `ptrace_cont` are in the
 * `ptrace` family). Partial-order footprints (`touches`) are left undeclared, as for the other
 * tracer events: the explorer treats these events as dependent on everything.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { tracerAccess, type FamilyDecl } from './declare.js';

export const ptraceEdgeFamily: FamilyDecl = {
  name: 'ptrace_edge',
  doc: "a tracer's header-only NT_ARM_SVE write, and one refused with -EIO after its VL change",
  events: [
    tracerAccess(
      'ptrace_sve_hdr',
      64,
      "the tracer writes NT_ARM_SVE with the header only (SVE flags, the task's own VL): sve.rst says only the VL and flags change",
      (k) => k.hasSve,
      (k, t) => k.sve_set(t, true, t.sve_vq, 'header'),
    ),
    tracerAccess(
      'ptrace_sve_eio',
      65,
      'the tracer writes NT_ARM_SVE asking for an unsupported VL with an SVE payload: the kernel sets the other VL, then refuses the payload (-EIO)',
      (k) => k.hasSve,
      (k, t) => k.sve_set(t, true, k.otherVq(t.sve_vq), 'eio'),
    ),
  ],
};
