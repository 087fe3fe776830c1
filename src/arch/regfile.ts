/**
 * One CPU's FP register file and the trap controls that guard it.
 *
 * Two parts are modelled, each holding one token:
 *  - the V part: V0-V31 (= Z0-Z31 bits [127:0]) with FPSR/FPCR;
 *  - the SVE part ("hi"): Z0-Z31 bits above 128, P0-P15 and FFR.
 *
 * The rule the seed depends on (ARM ARM, "SVE: Z register writes by AdvSIMD instructions"): any
 * non-streaming FPSIMD write of a V register zeroes the bits of the Z register above 128. So an
 * FPSIMD-only save/restore (KVM's host context in v4.15) cannot preserve a task's SVE part: after
 * restoring only V, the SVE part reads as zero. We fold P/FFR into the same part; the kernel
 * saves and restores them together with the Z bits, so nothing in the protocol tells them apart.
 */

import { GARBAGE, ZERO, type Token } from './tokens.js';
import type { RecordSpec } from '../state/struct.js';

/** Hardware fields of a CPU: registers and trap controls, no kernel knowledge. */
export const CPU_ARCH_FIELDS = [
  { name: 'regV', kind: 'token', init: GARBAGE, doc: 'V0-V31, FPSR, FPCR (low 128 bits of Z0-Z31)' },
  { name: 'regHi', kind: 'token', init: GARBAGE, doc: 'Z0-Z31 above bit 128, P0-P15, FFR' },
  {
    name: 'zen_el0',
    kind: 'bool',
    init: 0,
    doc: 'CPACR_EL1.ZEN EL0 enable: set = EL0 SVE instructions do not trap (do_sve_acc)',
  },
  {
    name: 'guest_fp_trap',
    kind: 'bool',
    init: 1,
    doc: 'CPTR_EL2.TFP (or CPACR_EL1.FPEN under VHE) while a guest runs: set = guest FP traps to hyp',
  },
] as const satisfies RecordSpec;

export interface FpRegisters {
  regV: Token;
  regHi: Token;
}

/** A non-streaming FPSIMD write (user FP instruction, kernel NEON, fpsimd_load_state): zeroes the SVE part. */
export function fpsimdWriteRegs(r: FpRegisters, v: Token): void {
  r.regV = v;
  r.regHi = ZERO;
}

/** An SVE write of the full Z/P/FFR state (user SVE instruction, sve_load_state). */
export function sveWriteRegs(r: FpRegisters, v: Token, hi: Token): void {
  r.regV = v;
  r.regHi = hi;
}

/** `sve_flush_live`: each Vn moved to itself (keeps the V part, zeroes Z above 128), P/FFR cleared. */
export function sveFlushLiveRegs(r: FpRegisters): void {
  r.regHi = ZERO;
}

/** Register contents lost (power-down, reset): nobody's data. */
export function loseRegs(r: FpRegisters): void {
  r.regV = GARBAGE;
  r.regHi = GARBAGE;
}
