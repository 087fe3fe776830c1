/**
 * `--vl` (issue 14 part 2 of this stop): the machine's maximum vector lengths as a parameter of
 * check, simulate and hunt. The bug it makes reachable: until 63de2b3859ba, __efi_fpsimd_begin()'s
 * fallback saved the live streaming registers through a pointer to efi_sve_state's FFR slot laid
 * out for sve_max_vl() (Debian 6.12.118 fpsimd.c __efi_fpsimd_begin; the sve_save macro stores Z
 * and P below the FFR pointer at the live VL), so a streaming VL above the SVE maximum writes
 * before the buffer. The defaults (SVE 512, SME 256 bits) never give that; equal VLs are in
 * bounds.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { parseVectorLengths, vectorLengthsName } from '../../src/arch/sizes.js';
import { planHunt } from '../../src/app/hunt.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { parseHw, type Hardware } from '../../src/arch/hw.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('parseVectorLengths', () => {
  it('reads sve= and sme= in any order, either alone; spells them sve first', () => {
    expect(parseVectorLengths('sme=512,sve=256')).toEqual({ sve: 256, sme: 512 });
    expect(parseVectorLengths('sme=1024')).toEqual({ sme: 1024 });
    expect(vectorLengthsName({ sme: 512, sve: 256 })).toBe('sve=256,sme=512');
  });
  it('refuses what is not a vector length or not a key', () => {
    expect(parseVectorLengths('sve=100')).toMatch(/100 is not a vector length/);
    expect(parseVectorLengths('sve=4096')).toMatch(/not a vector length/);
    expect(parseVectorLengths('za=256')).toMatch(/is not sve=BITS or sme=BITS/);
    expect(parseVectorLengths('sve=256,sve=512')).toBe('sve given twice');
    expect(parseVectorLengths('')).toMatch(/^empty/);
  });
});

describe('--vl on the command line', () => {
  it('a bad value is one line, exit 2, on check, simulate and hunt', async () => {
    for (const cmd of [['check'], ['simulate', '--runs', '1'], ['hunt', '--budget', '1000']]) {
      const r = await cli(...cmd, '--vl', 'sve=384,sme=100');
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe('fpctx: --vl: sme=100: 100 is not a vector length (a multiple of 128 from 128 to 2048)');
    }
  });

  const efi = [
    'check',
    '--variant',
    'v6.12-rc1',
    '--cpus',
    '1',
    '--tasks',
    '1',
    '--vcpus',
    '0',
    '--events',
    'core,sme,efi',
    '--depth',
    '7',
  ];
  it('check: the EFI streaming save is out of bounds only with the streaming VL above the SVE one', async () => {
    // Shortest: switch in, return to user, SMSTART (the SME trap), its second step, return,
    // SMSTART again (streaming now), the EFI call: 7 steps.
    const r = await cli(...efi, '--vl', 'sme=512,sve=256', '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.vl).toBe('sve=256,sme=512');
    expect(Object.values(doc.bounds).every((x) => typeof x === 'number')).toBe(true);
    expect(doc.violation).toMatchObject({ invariant: 'memory-safety', where: '__efi_fpsimd_begin', step: 7 });
    expect(doc.violation.boot).toMatchObject({ sveVlBits: 256, smeVlBits: 512 });
    // Equal VLs: the layout for sve_max_vl() fits the streaming registers. Defaults: SME smaller.
    expect((await cli(...efi, '--vl', 'sve=512,sme=512')).code).toBe(0);
    expect((await cli(...efi)).code).toBe(0);
    // 63de2b3859ba removed the fallback: an IRQs-off call is kernel-mode NEON.
    const fixed = ['check', '--variant', 'mainline+5cbb61bf4168+63de2b3859ba', ...efi.slice(3)];
    expect((await cli(...fixed, '--vl', 'sve=256,sme=512')).code).toBe(0);
  });
});

describe("hunt's vector lengths", () => {
  const efiJobs = (expr: string, opts: { hw?: Hardware; vl?: string } = {}) => {
    const plan = planHunt(variantOfExpression(expr)!, { ...(opts.hw ? { hardware: [opts.hw] } : {}), ...(opts.vl ? { vl: opts.vl } : {}) });
    return { efi: plan.schedule.filter((j) => j.events.includes('efi')), other: plan.schedule.filter((j) => !j.events.includes('efi')) };
  };
  it("runs efi's jobs with the streaming VL above the SVE one where the kernel and the CPU have SME", () => {
    const { efi, other } = efiJobs('mainline');
    expect(efi.length).toBeGreaterThan(0);
    expect(efi.every((j) => j.vl === 'sve=256,sme=512')).toBe(true);
    expect(other.every((j) => j.vl === undefined)).toBe(true);
  });
  it('not where the build lacks SME (v6.12: SME depends on BROKEN) or the CPU does', () => {
    expect(efiJobs('v6.12').efi.every((j) => j.vl === undefined)).toBe(true);
    expect(efiJobs('mainline', { hw: parseHw('sve,fpmr') as Hardware }).efi.every((j) => j.vl === undefined)).toBe(true);
  });
  it('--vl applies to every job', () => {
    const { efi, other } = efiJobs('mainline', { vl: 'sve=1024' });
    expect([...efi, ...other].every((j) => j.vl === 'sve=1024')).toBe(true);
  });
});
