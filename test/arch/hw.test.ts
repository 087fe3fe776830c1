/**
 * The CPU's extensions as a value (src/arch/hw.ts): parsing `--hw`, its canonical spelling, and
 * the architectural dependencies (SME2 and FA64 are SME features; SME without SVE is legal).
 */
import { describe, expect, it } from 'vitest';
import { FPSIMD_ONLY, HW_FEATURES, hwName, parseHw, type Hardware } from '../../src/arch/hw.js';

describe('parseHw', () => {
  it('reads a comma list in any order, spaces allowed, to the same record', () => {
    expect(parseHw('sme2, sve ,sme')).toEqual({ sve: true, sme: true, sme2: true, fa64: false, fpmr: false, nvhe: false });
    expect(parseHw('fpmr')).toEqual({ ...FPSIMD_ONLY, fpmr: true });
  });

  it('fpsimd alone is the CPU without extensions', () => {
    expect(parseHw('fpsimd')).toEqual(FPSIMD_ONLY);
    expect(typeof parseHw('fpsimd,sve')).toBe('string');
  });

  it('SME without SVE is a legal CPU (sme.rst: streaming mode needs no SVE)', () => {
    expect(parseHw('sme')).toEqual({ ...FPSIMD_ONLY, sme: true });
  });

  it('refuses SME2 or FA64 without SME, unknown names and an empty list, in one line', () => {
    expect(parseHw('sve,sme2')).toBe('sme2 needs sme (ZT0 is an SME2 register)');
    expect(parseHw('fa64')).toBe('fa64 needs sme (it is the full instruction set in streaming mode)');
    expect(parseHw('sve,sve2')).toBe("unknown hardware feature 'sve2' (features: sve, sme, sme2, fa64, fpmr, nvhe; or fpsimd alone)");
    // nVHE is modelled only for what it does to SVE VLs (the kvmvl family): it needs SVE.
    expect(parseHw('nvhe')).toBe('nvhe needs sve (it is modelled only for what it does to SVE vector lengths)');
    expect(parseHw('nvhe,sve')).toEqual({ ...FPSIMD_ONLY, sve: true, nvhe: true });
    expect(parseHw(' , ')).toMatch(/^empty hardware list/);
  });

  it('hwName is canonical: every legal CPU round-trips through its name', () => {
    let legal = 0;
    for (let bits = 0; bits < 1 << HW_FEATURES.length; bits++) {
      const hw = Object.fromEntries(HW_FEATURES.map((f, i) => [f, (bits & (1 << i)) !== 0])) as Hardware;
      const back = parseHw(hwName(hw));
      if (((hw.sme2 || hw.fa64) && !hw.sme) || (hw.nvhe && !hw.sve)) {
        expect(typeof back).toBe('string');
        continue;
      }
      legal++;
      expect(back).toEqual(hw);
    }
    // Independent legal choices: (sme, sme2, fa64) 4 with sme + 1 without; (sve, nvhe) 2 with
    // sve + 1 without; fpmr 2. 5 * 3 * 2 = 30.
    expect(legal).toBe(30);
  });
});
