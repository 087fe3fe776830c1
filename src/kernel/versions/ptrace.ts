import { ZERO } from '../../arch/tokens.js';
import { FpType, type TaskView } from '../records.js';
import { versions } from './table.js';
import { tracerReads, tracerReadsV } from '../../spec/observe.js';

export const ptrace = versions({
  sve_set: {
    /**
     * @models sve_set() → sve_set_common(target, ARM64_VEC_SVE) — ptrace.c v6.12 (Debian
     * 6.12.118, unchanged there since v5.19): the header's VL through vec_set_vector_length();
     * then, if system_supports_sme(), leave streaming mode (clear SVCR.SM) and, when that
     * changed SVCR, re-allocate sve_state zeroed (sve_alloc(target, true)); then the payload:
     * FPSIMD format through __fpr_set() with TIF_SVE cleared and fp_type FPSIMD, SVE format
     * into sve_state (synced from V first) with TIF_SVE and fp_type SVE; the binding is flushed
     * on the way out. sve.rst: "any SETREGSET of NT_ARM_SVE will exit streaming mode".
     */
    ef3be86021c3(target: TaskView, sveFormat: boolean, vq: number): void {
      const tok = this.newTaskToken(target);
      const inherit = target.TIF_SVE_VL_INHERIT;
      if (this.sve_set_vector_length(target, vq, inherit, false)) this.sveSetVectorLengthFinish(target, vq, inherit);
      if (this.hasSme) {
        const wasSm = target.svcr_SM;
        target.svcr_SM = false;
        if (wasSm) this.sve_alloc(target);
      }
      if (!sveFormat) {
        this.__fpr_set(target, tok);
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        target.exp_V = tok;
        target.exp_Hi = ZERO;
      } else {
        this.sve_alloc(target);
        this.fpsimd_sync_to_sve(target);
        target.TIF_SVE = true;
        target.fp_type = FpType.SVE;
        target.sve_V = tok;
        target.sve_Hi = tok;
        target.exp_V = tok;
        target.exp_Hi = tok;
      }
      target.exp_SM = false;
      this.fpsimd_flush_task_state(target);
    },
    /**
     * @models sve_set() → sve_set_common() — ptrace.c (B era): flush the target's binding, apply
     * the header's VL, allocate, and if system_supports_sme() clear SVCR.SM and set TIF_SVE
     * (NT_ARM_SVE; nothing of the two without SME), then "always zero V
     * regs, FPSR and FPCR" — which this tree does to *current* (the tracer) — and copy the
     * payload: FPSIMD format through __fpr_set() (TIF_SVE cleared, fp_type FPSIMD), SVE format
     * into sve_state (fp_type SVE).
     */
    '316283f276eb'(target: TaskView, sveFormat: boolean, vq: number): void {
      const tracer = this.currentTask;
      this.fpsimd_flush_task_state(target);
      const tok = this.newTaskToken(target);
      const inherit = target.TIF_SVE_VL_INHERIT;
      this.sve_set_vector_length(target, vq, inherit, false);
      if (sveFormat) this.sve_alloc(target);
      this.sveSetExitStreaming(target);
      tracer.uw_V = ZERO; // memset(&current->thread.uw.fpsimd_state, 0, ...)
      if (!sveFormat) {
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        this.__fpr_set(target, tok);
        target.exp_V = tok;
        target.exp_Hi = ZERO;
      } else {
        target.fp_type = FpType.SVE;
        target.sve_V = tok;
        target.sve_Hi = tok;
        target.exp_V = tok;
        target.exp_Hi = tok;
      }
      target.exp_SM = false;
    },
    /**
     * @models sve_set() → sve_set_common() — ptrace.c after 5cbb61bf4168: as 316283f276eb's,
     * but the "always zero V regs" memset clears the *target's* uw.fpsimd_state.
     */
    '5cbb61bf4168'(target: TaskView, sveFormat: boolean, vq: number): void {
      this.fpsimd_flush_task_state(target);
      const tok = this.newTaskToken(target);
      const inherit = target.TIF_SVE_VL_INHERIT;
      this.sve_set_vector_length(target, vq, inherit, false);
      if (sveFormat) this.sve_alloc(target);
      this.sveSetExitStreaming(target);
      target.uw_V = ZERO; // memset(&target->thread.uw.fpsimd_state, 0, ...)
      if (!sveFormat) {
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        this.__fpr_set(target, tok);
        target.exp_V = tok;
        target.exp_Hi = ZERO;
      } else {
        target.fp_type = FpType.SVE;
        target.sve_V = tok;
        target.sve_Hi = tok;
        target.exp_V = tok;
        target.exp_Hi = tok;
      }
      target.exp_SM = false;
    },
  },
  sveSetExitStreaming: {
    /**
     * sve_set_common()'s "Enter/exit streaming mode" block for NT_ARM_SVE (B): only under
     * system_supports_sme(), clear SVCR.SM and set TIF_SVE. On a system without SME an
     * SVE-format write therefore leaves TIF_SVE as it was (clear, for a task that never used
     * SVE) with fp_type SVE: task_fpsimd_load() then warns. The guard came with 9f8bf718f292
     * ("ptrace: Gracefully handle errors", folded into 316283f276eb here).
     */
    '316283f276eb'(target: TaskView): void {
      if (!this.hasSme) return;
      target.svcr_SM = false;
      target.TIF_SVE = true;
    },
    /** After 128a7494a9f1 ("ptrace: Fix SVE writes on !SME systems"): the same, unguarded. */
    '128a7494a9f1'(target: TaskView): void {
      target.svcr_SM = false;
      target.TIF_SVE = true;
    },
  },
  sve_get: {
    /**
     * @models sve_get() — ptrace.c (A era): the saved format is read from fp_type. Observation
     * point: the tracer reads the tracee's memory in that format.
     */
    ef3be86021c3(target: TaskView): void {
      if (this.hasSme && target.svcr_SM) {
        // sve_get_common() v6.12 (Debian 6.12.118): NT_ARM_SVE is not the active mode of a
        // streaming task, so the header says FPSIMD and __fpr_get() presents uw's V registers,
        // synced from sve_state first (sve.rst: "the FPSIMD subset of registers will be read
        // via NT_ARM_SVE")
        this.sve_sync_to_fpsimd(target);
        tracerReadsV(this, target, 'sve_get');
        return;
      }
      tracerReads(this, target, target.fp_type === FpType.SVE, 'sve_get');
    },
    /**
     * @models sve_get() → sve_get_common() — ptrace.c (B): for a streaming task NT_ARM_SVE is
     * the inactive mode and only the header is presented ("Do not present register data for
     * inactive mode", b93e685ecff7, folded into 316283f276eb): nothing to judge. Otherwise the
     * registers in the fp_type format.
     */
    '316283f276eb'(target: TaskView): void {
      if (this.hasSme && target.svcr_SM) return;
      tracerReads(this, target, target.fp_type === FpType.SVE, 'sve_get');
    },
  },
  __fpr_set: {
    /** @models __fpr_set() — ptrace.c (B): sync uw from the effective state, then the new V registers. */
    '316283f276eb'(target: TaskView, v: number): void {
      this.fpsimd_sync_from_effective_state(target);
      target.uw_V = v;
    },
  },
  fpr_set: {
    /**
     * @models fpr_set() — ptrace.c (B): __fpr_set(), then the effective state zero-padded from
     * uw, then flush the target's binding.
     */
    '316283f276eb'(target: TaskView): void {
      const tok = this.newTaskToken(target);
      this.__fpr_set(target, tok);
      this.fpsimd_sync_to_effective_state_zeropad(target);
      this.fpsimd_flush_task_state(target);
      target.exp_V = tok;
      target.exp_Hi = ZERO;
    },
  },
});
