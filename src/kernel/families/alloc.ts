/**
 * Family `alloc` (issue 14 part 3): allocation failure. sve_alloc() and sme_alloc() are
 * kzalloc(GFP_KERNEL) calls, "small allocation[s] that Should Not Fail", but can under memory
 * pressure. The event `nomem` runs the next step of current's kernel path with its allocation
 * failing (thread.sve_state or sme_state left NULL), where that step allocates a new buffer:
 *  - do_sve_acc() (v5.13+: the SVE_ACC path) without a buffer: force_sig(SIGKILL);
 *  - do_sme_acc() (the SME_ACC path) missing either buffer: force_sig(SIGKILL);
 *  - vec_set_vector_length()'s second half (A era: the SET_VL path), which frees and
 *    reallocates sve_state and does not check the result.
 *  - v4.15/v4.18's do_sve_acc() with the `atomic` family (its SVE_ACC path): sve_alloc() is a
 *    BUG_ON on failure (an oops: kernel-warn);
 *  - a tracer's NT_ARM_SVE / NT_ARM_SSVE write (`ptrace_sve_nomem`, `ptrace_ssve_nomem`, with
 *    the `ptrace` family for the stop): -ENOMEM, after whatever the version changed first.
 * Not covered: sigreturn's copy step (-ENOMEM: SIGSEGV), fork with ZA (-ENOMEM), and
 * mainline's change_live_vector_length() (allocates first and fails cleanly; the model runs it
 * as one step). Off by default: `--events ...,alloc`.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { KPath, Pos } from '../records.js';
import { curAt, touchCpu, tracerAccess, type FamilyDecl } from './declare.js';

export const allocFamily: FamilyDecl = {
  name: 'alloc',
  doc: "allocation failure: a kernel path's sve_alloc()/sme_alloc() (kzalloc) returns NULL",
  events: [
    {
      name: 'nomem',
      code: 62,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: "current runs the next step of its kernel path with that step's kzalloc() failing (the SVE or SME trap, the VL change's reallocation)",
      needs: 'current part-way through a kernel path whose next step allocates a buffer',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.KERNEL);
        if (!t) return false;
        switch (t.kpath) {
          case KPath.SVE_ACC:
            return !t.sve_state;
          case KPath.SME_ACC:
            return !t.sve_state || !t.sme_state;
          case KPath.SET_VL:
            return k.setVlReallocates;
          default:
            return false;
        }
      },
      run: (k) => k.kernelContinueNomem(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    tracerAccess(
      'ptrace_sve_nomem',
      66,
      "the tracer writes NT_ARM_SVE (SVE payload, the task's VL) to a task without sve_state, and sve_alloc() fails: -ENOMEM (v4.x: BUG_ON)",
      (k) => k.hasSve,
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
  ],
};
