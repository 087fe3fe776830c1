import { ZERO } from '../../arch/tokens.js';
import { Kvm } from '../kvm.js';
import { FpType, type TaskView } from '../records.js';
import { versions } from './table.js';
import { tracerReads } from '../../spec/observe.js';

export const ptrace = versions({
  sve_set: {
    /**
     * @models sve_set() — ptrace.c (A era): as before, and the written format is recorded in
     * fp_type (FPSIMD payload: FP_STATE_FPSIMD; SVE payload: FP_STATE_SVE).
     */
    ef3be86021c3(target: TaskView, sveFormat: boolean, vq: number): void {
      Kvm.prototype.sve_set.call(this, target, sveFormat, vq);
      target.fp_type = sveFormat ? FpType.SVE : FpType.FPSIMD;
    },
    /**
     * @models sve_set() → sve_set_common() — ptrace.c (B era): flush the target's binding, apply
     * the header's VL, allocate, set TIF_SVE and clear SVCR.SM (NT_ARM_SVE), then "always zero V
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
      target.svcr_SM = false;
      target.TIF_SVE = true;
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
      target.svcr_SM = false;
      target.TIF_SVE = true;
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
  sve_get: {
    /**
     * @models sve_get() — ptrace.c (A era): the saved format is read from fp_type. Observation
     * point: the tracer reads the tracee's memory in that format.
     */
    ef3be86021c3(target: TaskView): void {
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
