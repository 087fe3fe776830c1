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
 *
 * SME-era machines add PSTATE.SM (streaming mode: the Z/P parts then hold the streaming
 * registers at the streaming VL), PSTATE.ZA with the ZA array and ZT0, and FPMR; see the SME
 * section below for their rules (zeroing on mode changes, SMSTOP).
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

// --- SME: streaming mode, ZA, ZT0, FPMR (FEAT_SME, FEAT_SME2, FEAT_FPMR) ---------------------------

/**
 * Hardware fields a CPU has on an SME-era machine (appended to the CPU record only when the
 * variant's layout has the SME-era extension, so older variants' state is unchanged).
 *
 * In streaming mode (PSTATE.SM) the Z/P registers are the *streaming* ones, laid out for the
 * streaming vector length (SVL, SMCR_EL1.LEN): the model keeps them in the same two parts as
 * non-streaming SVE (regV = Z[127:0] with FPSR/FPCR, regHi = Z above 128, P, and FFR when FA64),
 * and `hw_svq` says which length they have. ZA is SVL×SVL bits, ZT0 (SME2) 512 bits; both exist
 * only while PSTATE.ZA is set.
 */
export const CPU_SME_ARCH_FIELDS = [
  { name: 'regSM', kind: 'bool', doc: 'PSTATE.SM (SVCR.SM): streaming SVE mode' },
  { name: 'regZAen', kind: 'bool', doc: 'PSTATE.ZA (SVCR.ZA): ZA and ZT0 storage enabled' },
  { name: 'regZA', kind: 'token', init: GARBAGE, doc: 'the ZA array (SVL x SVL bits), meaningful while PSTATE.ZA' },
  { name: 'regZT0', kind: 'token', init: GARBAGE, doc: 'ZT0 (SME2, 512 bits), meaningful while PSTATE.ZA' },
  { name: 'regFPMR', kind: 'token', init: GARBAGE, doc: 'FPMR (FEAT_FPMR, the FP8 mode register)' },
  {
    name: 'regTPIDR2',
    kind: 'token',
    init: ZERO,
    doc: "TPIDR2_EL0 (SME: the ZA lazy-save pointer), switched with the task; idle's (a kernel thread's) is 0",
  },
  {
    name: 'smen_el0',
    kind: 'bool',
    doc: 'CPACR_EL1.SMEN EL0 enable: set = EL0 SME instructions (SMSTART, ZA access, streaming SVE) do not trap (do_sme_acc)',
  },
  { name: 'hw_svq', kind: 'int', doc: 'SMCR_EL1.LEN as the streaming VL in quadwords, as last programmed (sme_set_vq); 0 = unknown' },
] as const satisfies RecordSpec;

export interface SmeRegisters extends FpRegisters {
  regSM: boolean;
  regZAen: boolean;
  regZA: Token;
  regZT0: Token;
  regFPMR: Token;
  regTPIDR2: Token;
}

/**
 * PSTATE.SM changes (SMSTART SM, SMSTOP SM, or an MSR SVCR that flips SM): the architecture
 * sets every Z, P and FFR bit to zero, FPSR to its reset value and FPMR to zero (ARM DDI 0487
 * L.a, as quoted by the kernel's task_smstop_sm()). The V part token includes FPSR, so it
 * becomes ZERO too (reset contents, nobody's data). No effect if SM does not change.
 */
export function setStreamingMode(r: SmeRegisters, sm: boolean): void {
  if (r.regSM === sm) return;
  r.regSM = sm;
  r.regV = ZERO;
  r.regHi = ZERO;
  r.regFPMR = ZERO;
}

/**
 * PSTATE.ZA changes: enabling ZA zeroes the ZA array and ZT0; disabling it makes their contents
 * inaccessible (the model zeroes them: nothing can read them until they are enabled again,
 * which zeroes them). No effect if ZA does not change.
 */
export function setZaEnable(r: SmeRegisters, za: boolean): void {
  if (r.regZAen === za) return;
  r.regZAen = za;
  r.regZA = ZERO;
  r.regZT0 = ZERO;
}

/** SMSTOP (SVCR_SMSTOP_SMZA): leave streaming mode and disable ZA. */
export function smstop(r: SmeRegisters): void {
  setStreamingMode(r, false);
  setZaEnable(r, false);
}

/** Register contents lost (power-down): SME state too; PSTATE.SM/ZA come back clear. */
export function loseSmeRegs(r: SmeRegisters): void {
  r.regSM = false;
  r.regZAen = false;
  r.regZA = GARBAGE;
  r.regZT0 = GARBAGE;
  r.regFPMR = GARBAGE;
}
