/**
 * Event family `ptrace_full`: the regsets a tracer reads and writes beyond the `ptrace` family's
 * NT_PRFPREG and NT_ARM_SVE — NT_ARM_SSVE (streaming SVE, with an SVE or an FPSIMD payload),
 * NT_ARM_ZA (with a payload, or header-only: ZA off), NT_ARM_ZT, NT_ARM_FPMR — on a task
 * stopped for it, wherever it stopped (at a syscall entry or exit, at a signal stop after an
 * interrupt, after having been preempted in the kernel: `ptrace_stop` is enabled in each).
 * The SVE-family error path that returns after changing part of the state is modelled where
 * the source has one within these inputs: snapshot B's FPSIMD-format NT_ARM_SSVE write flushes
 * the binding and then fails with -EINVAL.
 *
 * Off by default (`--events ptrace,ptrace_full`: `ptrace_stop` and `ptrace_cont` are in the
 * `ptrace` family). The events need SME (FPMR for `ptrace_fpmr`, `ptrace_read_fpmr`), so the
 * family requires the `sme` feature. Partial-order footprints: the tracer's CPU, the tracer and
 * the stopped tracee (declare.ts, touchTracer).
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { tracerAccess, type FamilyDecl } from './declare.js';

export const ptraceFullFamily: FamilyDecl = {
  name: 'ptrace_full',
  requires: 'sme',
  doc: "a tracer's NT_ARM_SSVE, NT_ARM_ZA, NT_ARM_ZT and NT_ARM_FPMR accesses",
  events: [
    tracerAccess(
      'ptrace_ssve',
      54,
      "the tracer writes NT_ARM_SSVE with an SVE-format payload at the task's streaming VL: the task enters streaming mode with that state",
      (k) => k.hasSme,
      (k, t) => k.ssve_set(t, true),
    ),
    tracerAccess(
      'ptrace_ssve_fpsimd',
      55,
      'the tracer writes NT_ARM_SSVE with an FPSIMD-format payload (accepted before f916dd32a943, refused after with -EINVAL once the binding is flushed)',
      (k) => k.hasSme,
      (k, t) => k.ssve_set(t, false),
    ),
    tracerAccess(
      'ptrace_za',
      56,
      'the tracer writes NT_ARM_ZA with a payload: ZA on with that data',
      (k) => k.hasSme,
      (k, t) => k.za_set(t, true),
    ),
    tracerAccess(
      'ptrace_za_off',
      57,
      'the tracer writes NT_ARM_ZA with the header only: ZA off',
      (k) => k.hasSme,
      (k, t) => k.za_set(t, false),
    ),
    tracerAccess(
      'ptrace_zt',
      58,
      'the tracer writes NT_ARM_ZT: ZT0 with that data, ZA on (zeroed if it was off)',
      (k) => k.hasSme,
      (k, t) => k.zt_set(t),
    ),
    tracerAccess(
      'ptrace_fpmr',
      59,
      'the tracer writes NT_ARM_FPMR',
      (k) => k.hasSme && k.hasFpmr,
      (k, t) => k.fpmr_set(t),
      'current inside a syscall, a stopped task, and FPMR',
    ),
    tracerAccess(
      'ptrace_read_za',
      60,
      "the tracer reads a stopped task's NT_ARM_ZA and NT_ARM_ZT (integrity check point)",
      (k) => k.hasSme,
      (k, t) => k.za_get(t),
    ),
    tracerAccess(
      'ptrace_read_fpmr',
      61,
      "the tracer reads a stopped task's NT_ARM_FPMR (integrity check point)",
      (k) => k.hasSme && k.hasFpmr,
      (k, t) => k.fpmr_get(t),
      'current inside a syscall, a stopped task, and FPMR',
    ),
  ],
};
