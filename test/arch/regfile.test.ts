import { describe, expect, it } from 'vitest';
import { fpsimdWriteRegs, sveFlushLiveRegs, sveWriteRegs, type FpRegisters } from '../../src/arch/regfile.js';
import { GARBAGE, ZERO, dataToken, isData, versionOf, writerOf } from '../../src/arch/tokens.js';
import { FPSIMD_STATE_BYTES, sveRegsBytes, zaBytes, isValidVectorLength } from '../../src/arch/sizes.js';

describe('tokens', () => {
  it('encode writer and version and decode them back', () => {
    const t = dataToken(5, 300);
    expect(writerOf(t)).toBe(5);
    expect(versionOf(t)).toBe(300);
    expect(isData(t)).toBe(true);
    expect(isData(ZERO)).toBe(false);
    expect(isData(GARBAGE)).toBe(false);
    expect(writerOf(ZERO)).toBe(0);
  });
});

describe('register file rules', () => {
  it('an FPSIMD write of V zeroes the SVE part (Z above 128, P, FFR)', () => {
    const r: FpRegisters = { regV: dataToken(1, 1), regHi: dataToken(1, 1) };
    fpsimdWriteRegs(r, dataToken(2, 1));
    expect(r).toEqual({ regV: dataToken(2, 1), regHi: ZERO });
  });
  it('an SVE write sets both parts', () => {
    const r: FpRegisters = { regV: GARBAGE, regHi: GARBAGE };
    sveWriteRegs(r, dataToken(3, 2), dataToken(3, 2));
    expect(r).toEqual({ regV: dataToken(3, 2), regHi: dataToken(3, 2) });
  });
  it('sve_flush_live keeps V and zeroes the rest', () => {
    const r: FpRegisters = { regV: dataToken(3, 2), regHi: dataToken(3, 2) };
    sveFlushLiveRegs(r);
    expect(r).toEqual({ regV: dataToken(3, 2), regHi: ZERO });
  });
});

describe('sizes', () => {
  it('match the kernel structures', () => {
    // 32 x 16 B of V registers, FPSR and FPCR (4 B each), 8 B reserved
    expect(FPSIMD_STATE_BYTES).toBe(32 * 16 + 4 + 4 + 8);
    // SVE_SIG_REGS_SIZE: 546 B per quadword; 8736 B at 2048 bits ("maximum ~8KB")
    expect(sveRegsBytes(128)).toBe(546);
    expect(sveRegsBytes(2048)).toBe(8736);
    // ZA is SVL x SVL bits: 64 KiB at 2048 bits
    expect(zaBytes(2048)).toBe(65536);
    expect(isValidVectorLength(384)).toBe(true);
    expect(isValidVectorLength(100)).toBe(false);
    expect(isValidVectorLength(4096)).toBe(false);
  });
});
