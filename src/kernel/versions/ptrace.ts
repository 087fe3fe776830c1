import { ZERO } from '../../arch/tokens.js';
import { FpType, type SveWriteShape, type TaskView } from '../records.js';
import { versions } from './table.js';
import { tracerReads, tracerReadsFpmr, tracerReadsTpidr2, tracerReadsV, tracerReadsZa } from '../../spec/observe.js';

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
     * Header-only and -EIO writes: as Entry.sve_set (v4.15), whose code this keeps; -ENOMEM
     * when sve_alloc() fails: TIF_SVE cleared, fp_type FPSIMD — after SVCR.SM was cleared.
     */
    ef3be86021c3(target: TaskView, sveFormat: boolean, vq: number, shape: SveWriteShape = 'full'): void {
      const inherit = target.TIF_SVE_VL_INHERIT;
      if (this.sve_set_vector_length(target, vq, inherit, false)) {
        this.sveSetVectorLengthFinish(target, vq, inherit);
        target.exp_Hi = ZERO; // a VL change keeps only the V bits (sve.rst, as PR_SVE_SET_VL)
      }
      if (this.hasSme) {
        const wasSm = target.svcr_SM;
        target.svcr_SM = false;
        if (wasSm) {
          this.sve_alloc(target);
          target.exp_Hi = ZERO; // leaving streaming mode keeps at most the V bits (docs/variants.md)
        }
      }
      target.exp_SM = false;
      if (!sveFormat) {
        const tok = this.newTaskToken(target);
        this.__fpr_set(target, tok);
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        target.exp_V = tok;
        target.exp_Hi = ZERO;
      } else if (shape !== 'eio') {
        // (-EIO: the payload is for a VL other than the one set; the VL change stays)
        this.sve_alloc(target);
        if (!target.sve_state) {
          // -ENOMEM (Debian 6.12.118 ptrace.c:1014-1020)
          target.TIF_SVE = false;
          target.fp_type = FpType.FPSIMD;
        } else {
          // refilled from V only if neither TIF_SVE nor streaming: for a header-only write
          // (whose expectation stays: sve.rst) a task in SVE mode keeps zeroes, and one that
          // was streaming gets uw's stale V registers back
          this.fpsimd_sync_to_sve(target);
          target.TIF_SVE = true;
          target.fp_type = FpType.SVE;
          if (shape === 'full') {
            const tok = this.newTaskToken(target);
            target.sve_V = tok;
            target.sve_Hi = tok;
            target.exp_V = tok;
            target.exp_Hi = tok;
          }
        }
      }
      this.fpsimd_flush_task_state(target);
    },
    /**
     * @models sve_set() → sve_set_common() — ptrace.c (B era): flush the target's binding, apply
     * the header's VL, allocate, and if system_supports_sme() clear SVCR.SM and set TIF_SVE
     * (NT_ARM_SVE; nothing of the two without SME), then "always zero V
     * regs, FPSR and FPCR" (sveSetZeroFpsimd: current's, the tracer's, in this tree) — and copy the
     * payload: FPSIMD format through __fpr_set() (TIF_SVE cleared, fp_type FPSIMD), SVE format
     * into sve_state (fp_type SVE).
     */
    '316283f276eb'(target: TaskView, sveFormat: boolean, vq: number, shape: SveWriteShape = 'full'): void {
      this.fpsimd_flush_task_state(target);
      const inherit = target.TIF_SVE_VL_INHERIT;
      this.sve_set_vector_length(target, vq, inherit, false);
      if (sveFormat) {
        this.sve_alloc(target);
        if (!target.sve_state) return; // -ENOMEM before anything but the VL changed (9f8bf718f292)
      }
      this.sveSetExitStreaming(target);
      this.sveSetZeroFpsimd(target); // whose uw: current's until 5cbb61bf4168, then the target's
      target.exp_SM = false;
      if (!sveFormat) {
        const tok = this.newTaskToken(target);
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        this.__fpr_set(target, tok);
        target.exp_V = tok;
        target.exp_Hi = ZERO;
        return;
      }
      target.fp_type = FpType.SVE;
      if (shape !== 'full') {
        // header only, or -EIO after the VL is set: the zeroed register image is the result,
        // on purpose (316283f276eb: a clean zero image before any payload; as 5cbb61bf4168's
        // message describes it, "for partial writes, header-only writes, and FPSIMD<->SVE
        // format switches")
        target.exp_V = ZERO;
        target.exp_Hi = ZERO;
        return;
      }
      const tok = this.newTaskToken(target);
      target.sve_V = tok;
      target.sve_Hi = tok;
      target.exp_V = tok;
      target.exp_Hi = tok;
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
  ssve_set: {
    /**
     * @models ssve_set() → sve_set_common(target, ARM64_VEC_SME) — ptrace.c v6.12 (Debian
     * 6.12.118): the header's VL (the task's own: no change), then enter streaming mode: SVCR.SM
     * set, sme_state allocated keeping ZA/ZT0 (sme_alloc(target, false)), TIF_SME, and sve_state
     * re-allocated zeroed if SVCR changed; then the payload: FPSIMD format through __fpr_set()
     * with TIF_SVE cleared and fp_type FPSIMD — streaming mode with an FPSIMD-format state, which
     * f916dd32a943 ("Mandate SVE payload for streaming-mode state") later refuses — or SVE format
     * into sve_state with fp_type SVE (TIF_SVE untouched: this is not the SVE regset); the
     * binding flushed on the way out. sve.rst: NT_ARM_SSVE writes enter streaming mode.
     */
    ef3be86021c3(target: TaskView, sveFormat: boolean): void {
      const tok = this.newTaskToken(target);
      const wasSm = target.svcr_SM;
      target.svcr_SM = true;
      if (!target.sme_state) this.sme_alloc(target);
      target.TIF_SME = true;
      if (!wasSm) this.sve_alloc(target);
      if (!sveFormat) {
        this.__fpr_set(target, tok);
        target.TIF_SVE = false;
        target.fp_type = FpType.FPSIMD;
        target.exp_Hi = ZERO;
      } else {
        this.sve_alloc(target);
        if (!target.sve_state) {
          // -ENOMEM (ptrace.c:1014-1020): TIF_SVE cleared, fp_type FPSIMD — but SVCR.SM and
          // TIF_SME were set above, and sme_alloc()'s result was never checked: the write fails
          // having left the task streaming without the buffers streaming mode needs
          target.TIF_SVE = false;
          target.fp_type = FpType.FPSIMD;
          this.fpsimd_flush_task_state(target);
          return;
        }
        this.fpsimd_sync_to_sve(target);
        target.fp_type = FpType.SVE;
        target.sve_V = tok;
        target.sve_Hi = tok;
        target.exp_Hi = tok;
      }
      target.exp_V = tok;
      target.exp_SM = true;
      this.fpsimd_flush_task_state(target);
    },
    /**
     * @models ssve_set() → sve_set_common(target, ARM64_VEC_SME) — ptrace.c (B): the binding
     * flushed first; an FPSIMD-format payload is refused (-EINVAL) with nothing else changed;
     * else sme_state kept or allocated, sve_state zeroed, SVCR.SM and TIF_SME (under
     * system_supports_sme(), which a kernel offering NT_ARM_SSVE has), the "always zero V
     * regs" memset (of current's uw before 5cbb61bf4168: sveSetZeroFpsimd), fp_type SVE and
     * the SVE payload.
     */
    '316283f276eb'(target: TaskView, sveFormat: boolean): void {
      this.fpsimd_flush_task_state(target);
      if (!sveFormat) return; // -EINVAL: streaming data must be SVE-formatted
      const tok = this.newTaskToken(target);
      if (!target.sme_state) this.sme_alloc(target);
      if (!target.sme_state) return; // -ENOMEM, nothing changed (9f8bf718f292)
      this.sve_alloc(target);
      if (!target.sve_state) return; // -ENOMEM, nothing changed
      target.svcr_SM = true;
      target.TIF_SME = true;
      this.sveSetZeroFpsimd(target);
      target.fp_type = FpType.SVE;
      target.sve_V = tok;
      target.sve_Hi = tok;
      target.exp_V = tok;
      target.exp_Hi = tok;
      target.exp_SM = true;
    },
  },
  sveSetZeroFpsimd: {
    /** sve_set_common() (B): "Always zero V regs, FPSR, and FPCR" — of *current*, the tracer. */
    '316283f276eb'(_target: TaskView): void {
      this.currentTask.uw_V = ZERO;
    },
    /** After 5cbb61bf4168: of the target. */
    '5cbb61bf4168'(target: TaskView): void {
      target.uw_V = ZERO;
    },
  },
  za_set: {
    /**
     * @models za_set() — ptrace.c v6.12 and B (the same code): the header's VL (the task's
     * own), sve_state allocated if absent (streaming mode needs it), sme_state allocated —
     * zeroed unless ZA was already on, which keeps ZT0; then with no payload ZA is turned off,
     * with one ZA is written and TIF_SME and SVCR.ZA set; the binding flushed on the way out.
     * sme.rst §7: a payload sets PSTATE.ZA, none clears it.
     */
    ef3be86021c3(target: TaskView, payload: boolean): void {
      if (!target.sve_state) this.sve_alloc(target);
      const wasZa = target.svcr_ZA;
      if (!wasZa || !target.sme_state) this.sme_alloc(target);
      if (!payload) {
        target.svcr_ZA = false;
        target.exp_ZAen = false;
        target.exp_ZA = ZERO;
        target.exp_ZT0 = ZERO;
      } else {
        const tok = this.newTaskToken(target);
        target.sme_ZA = tok;
        target.TIF_SME = true;
        target.svcr_ZA = true;
        target.exp_ZAen = true;
        target.exp_ZA = tok;
        if (!wasZa) target.exp_ZT0 = ZERO;
      }
      this.fpsimd_flush_task_state(target);
    },
  },
  zt_set: {
    /**
     * @models zt_set() — ptrace.c v6.12 and B: sve_state allocated if absent, sme_state
     * allocated zeroed if ZA was off (ZA then reads as zero), ZT0 written, SVCR.ZA and TIF_SME
     * set, the binding flushed (sme.rst §7: writes to NT_ARM_ZT set PSTATE.ZA).
     */
    ef3be86021c3(target: TaskView): void {
      if (!target.sve_state) this.sve_alloc(target);
      const wasZa = target.svcr_ZA;
      if (!wasZa) this.sme_alloc(target);
      const tok = this.newTaskToken(target);
      target.sme_ZT0 = tok;
      target.svcr_ZA = true;
      target.TIF_SME = true;
      target.exp_ZAen = true;
      target.exp_ZT0 = tok;
      if (!wasZa) target.exp_ZA = ZERO;
      this.fpsimd_flush_task_state(target);
    },
  },
  fpmr_set: {
    /** @models fpmr_set() — ptrace.c v6.12 and B: the new value into uw.fpmr, then flush the binding. */
    ef3be86021c3(target: TaskView): void {
      const tok = this.newTaskToken(target);
      target.uw_fpmr = tok;
      target.exp_FPMR = tok;
      this.fpsimd_flush_task_state(target);
    },
  },
  za_get: {
    /**
     * @models za_get() and zt_get() — ptrace.c v6.12 and B: the header says whether ZA is on;
     * ZA's data (and ZT0) from sme_state when it is. Observation point.
     */
    ef3be86021c3(target: TaskView): void {
      tracerReadsZa(this, target, 'za_get');
    },
  },
  tls_set: {
    /**
     * @models tls_set() — ptrace.c v5.19+ (Debian 6.12.118 ptrace.c:724-743): NT_ARM_TLS's
     * second register into the stopped tracee's thread.tpidr2_el0 (where SME is used); the
     * tracee's next switch in loads it.
     */
    ef3be86021c3(target: TaskView): void {
      const tok = this.newTaskToken(target);
      target.tpidr2 = tok;
      target.exp_TPIDR2 = tok;
    },
  },
  tls_get: {
    /** @models tls_get() — ptrace.c v5.19+ (Debian 6.12.118 ptrace.c:706-722): thread.tpidr2_el0. Observation point. */
    ef3be86021c3(target: TaskView): void {
      tracerReadsTpidr2(this, target, 'tls_get');
    },
  },
  fpmr_get: {
    /** @models fpmr_get() — ptrace.c v6.12 and B: uw.fpmr. Observation point. */
    ef3be86021c3(target: TaskView): void {
      tracerReadsFpmr(this, target, 'fpmr_get');
    },
  },
});
