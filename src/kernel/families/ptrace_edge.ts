/**
 * Event family `ptrace_edge` (issue 14 part 5): the NT_ARM_SVE, NT_ARM_SSVE and NT_ARM_ZA
 * writes beyond a full payload that change the task's state differently — a header without
 * register data (`ptrace_sve_hdr`, `ptrace_ssve_hdr`; NT_ARM_ZA's is `ptrace_za_off` of the
 * `ptrace_full` family: without a payload ZA is turned off, sme.rst §7), and a header asking
 * for a VL the CPU does not support with a payload laid out for it (`ptrace_sve_eio`,
 * `ptrace_ssve_eio`, `ptrace_za_eio`: -EIO after the VL has changed, an error path that
 * returns with part of the state changed), and the writes to NT_ARM_SVE / NT_ARM_SSVE with
 * their allocation failing (`ptrace_sve_nomem`, `ptrace_ssve_nomem`: -ENOMEM after whatever the
 * version changed first; the `alloc` family's mechanism, Entry.withAllocFailing, kept out of
 * that family so that its default-on use in `simulate` is unchanged). The SSVE and ZA events
 * need SME (the kernels whose build has it: v6.12-rc1 and mainline; Debian 6.1.192 and
 * 6.12.118 have the code but ARM64_SME depends on BROKEN there). What each write should leave:
 * docs/variants.md, "ptrace writes".
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
 * `ptrace` family), also in `simulate`'s default alphabet (every family but this one, `kvmvl`
 * and `efi`). Partial-order footprints: the tracer's CPU, the tracer and the stopped tracee
 * (declare.ts, touchTracer).
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { tracerAccess, type FamilyDecl } from './declare.js';

export const ptraceEdgeFamily: FamilyDecl = {
  name: 'ptrace_edge',
  doc: 'NT_ARM_SVE/SSVE writes: header only, -EIO after a VL change, -ENOMEM; NT_ARM_ZA -EIO',
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
    tracerAccess(
      'ptrace_sve_nomem',
      66,
      "the tracer writes NT_ARM_SVE (SVE payload, the task's VL) to a task without sve_state, and sve_alloc() fails: -ENOMEM (not on v4.x, whose sve_alloc() BUG_ONs)",
      (k) => k.hasSve && k.allocFailureHandled,
      (k, t) => k.withAllocFailing(() => k.sve_set(t, true, t.sve_vq)),
      'current inside a syscall, and a stopped task without sve_state',
      (t) => !t.sve_state,
    ),
    tracerAccess(
      'ptrace_ssve_nomem',
      67,
      'the tracer writes NT_ARM_SSVE (SVE payload) to a task missing sme_state or sve_state, and the allocation fails: -ENOMEM',
      (k) => k.hasSme,
      (k, t) => k.withAllocFailing(() => k.ssve_set(t, true)),
      'current inside a syscall, and a stopped task without sme_state or sve_state',
      (t) => !t.sme_state || !t.sve_state,
    ),
    tracerAccess(
      'ptrace_ssve_hdr',
      74,
      "the tracer writes NT_ARM_SSVE with the header only (SVE flags, the task's own streaming VL): the task enters streaming mode if it was not in it",
      (k) => k.hasSme,
      (k, t) => k.ssve_set(t, true, 'header'),
    ),
    tracerAccess(
      'ptrace_ssve_eio',
      75,
      'the tracer writes NT_ARM_SSVE asking for an unsupported streaming VL with an SVE payload: the kernel sets the other streaming VL, then refuses the payload (-EIO)',
      (k) => k.hasSme,
      (k, t) => k.ssve_set(t, true, 'eio', k.otherSmeVq(t.sme_vq)),
    ),
    tracerAccess(
      'ptrace_za_eio',
      76,
      'the tracer writes NT_ARM_ZA asking for an unsupported streaming VL with a payload: the kernel sets the other streaming VL, then refuses the payload (-EIO)',
      (k) => k.hasSme,
      (k, t) => k.za_set(t, true, k.otherSmeVq(t.sme_vq)),
    ),
  ],
};
