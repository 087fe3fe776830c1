/**
 * Family `alloc` (issue 14 part 3): allocation failure. sve_alloc() and sme_alloc() are
 * kzalloc(GFP_KERNEL) calls, "small allocation[s] that Should Not Fail", but can under memory
 * pressure. The event `nomem` runs the next step of current's kernel path with its allocation
 * failing (thread.sve_state or sme_state left NULL), where that step allocates a new buffer:
 *  - do_sve_acc() (v5.13+: the SVE_ACC path) without a buffer: force_sig(SIGKILL);
 *  - do_sme_acc() (the SME_ACC path) missing either buffer: force_sig(SIGKILL);
 *  - vec_set_vector_length()'s second half (A era: the SET_VL path), which frees and
 *    reallocates sve_state and does not check the result;
 *  - rt_sigreturn's copy of an SVE record (the SIGRETURN path's copy step) into a task with no
 *    sve_state: from v5.x restore_sve_fpsimd_context() clears TIF_SVE and returns -ENOMEM, a
 *    bad frame (SIGSEGV).
 * A tracer's NT_ARM_SVE / NT_ARM_SSVE write whose allocation fails is the `ptrace_edge` family's
 * (`ptrace_sve_nomem`, `ptrace_ssve_nomem`), with the same mechanism (Entry.withAllocFailing).
 * Not explored: v4.15/v4.18, whose sve_alloc() treats failure as impossible ("Should Not
 * Fail": BUG_ON, an oops) — `allocFailureHandled` is false there, so `nomem` is not enabled at
 * their SVE trap (even when the `atomic` family splits it) nor at sigreturn's copy. Not
 * covered: fork with ZA (-ENOMEM before anything of the child exists: see docs/findings.md),
 * and mainline's change_live_vector_length() (allocates first and fails cleanly; the model
 * runs it as one step). Off by default: `--events ...,alloc`.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { KPath, Pos } from '../records.js';
import { curAt, touchCpu, type FamilyDecl } from './declare.js';

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
      doc: "current runs the next step of its kernel path with that step's kzalloc() failing (the SVE or SME trap, the VL change's reallocation, sigreturn's copy of an SVE record)",
      needs: 'current part-way through a kernel path whose next step allocates a buffer',
      enabled: (k, cpu) => {
        const t = curAt(k, cpu, Pos.KERNEL);
        if (!t) return false;
        switch (t.kpath) {
          case KPath.SVE_ACC:
            return !t.sve_state && k.allocFailureHandled;
          case KPath.SME_ACC:
            return !t.sve_state || !t.sme_state;
          case KPath.SET_VL:
            return k.setVlReallocates;
          case KPath.SIGRETURN:
            // the copy step of an SVE record allocates thread.sve_state if there is none
            return k.allocFailureHandled && t.kstep === 1 && !t.sve_state;
          default:
            return false;
        }
      },
      run: (k) => k.kernelContinueNomem(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
  ],
};
