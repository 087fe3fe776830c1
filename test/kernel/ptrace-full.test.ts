/**
 * The `ptrace_full` family (issue 14 part 5): NT_ARM_SSVE, NT_ARM_ZA, NT_ARM_ZT and NT_ARM_FPMR
 * reads and writes on a stopped task, against sve.rst and sme.rst §7 ("any SETREGSET of
 * NT_ARM_SSVE will enter streaming mode"; a ZA payload sets PSTATE.ZA, none clears it; "writes
 * to NT_ARM_ZT will set PSTATE.ZA to 1"; "when PSTATE.ZA==0 reads of NT_ARM_ZT will report all
 * bits of ZTn as 0") and the sources (v6.12's ptrace.c; snapshot B's).
 * `mainline+5cbb61bf4168`: mainline's own sve_set_common() zeroes the tracer (docs/findings.md).
 */
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/arch/tokens.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

/** C wrote its FP registers, entered the kernel and stopped; the tracer T is in a syscall on cpu0. */
function stopped(expr: string): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(expr);
  const k = createMachine(v.Kernel, { cpus: 1, tasks: [{ name: 'C' }, { name: 'T' }] });
  act(k, 'switch', 0, slot(k, 'C'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'irq', 0);
  act(k, 'ptrace_stop', 0);
  act(k, 'switch', 0, slot(k, 'T'));
  act(k, 'ret_to_user', 0);
  act(k, 'syscall', 0);
  return k;
}
const C = (k: Kvm) => k.tasks[0]!;

/** The tracer lets C go; C runs again on cpu0. Returns the first violation. */
function resume(k: Kvm) {
  act(k, 'ptrace_cont', 0, 0);
  act(k, 'ret_to_user', 0);
  act(k, 'switch', 0, 0);
  return act(k, 'ret_to_user', 0) ?? act(k, 'fp_read', 0);
}

const VARIANTS = ['v6.12-rc1', 'mainline+5cbb61bf4168'];

describe('NT_ARM_SSVE', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: an SVE-format write enters streaming mode with the written state`, () => {
      const k = stopped(variant);
      act(k, 'ptrace_ssve', 0, 0);
      expect([C(k).svcr_SM, C(k).TIF_SME, C(k).fp_type]).toEqual([true, true, FpType.SVE]);
      expect(resume(k)).toBeNull();
      expect(k.cpus[0]!.regSM).toBe(true);
      expect(k.cpus[0]!.regHi).toBe(C(k).exp_Hi);
    });
  }

  it('mainline: an FPSIMD-format write is refused after the flush, and the task is unchanged', () => {
    const k = stopped('mainline+5cbb61bf4168');
    const before = [C(k).svcr_SM, C(k).fp_type, C(k).uw_V, C(k).exp_V];
    act(k, 'ptrace_ssve_fpsimd', 0, 0);
    expect([C(k).svcr_SM, C(k).fp_type, C(k).uw_V, C(k).exp_V]).toEqual(before);
    expect(C(k).fpsimd_cpu).toBe(0xff); // flushed: NR_CPUS
    expect(resume(k)).toBeNull();
  });

  it('v6.12-rc1: an FPSIMD-format write is accepted: streaming mode with an FPSIMD-format state', () => {
    const k = stopped('v6.12-rc1');
    act(k, 'ptrace_ssve_fpsimd', 0, 0);
    expect([C(k).svcr_SM, C(k).fp_type]).toEqual([true, FpType.FPSIMD]);
    expect(resume(k)).toBeNull();
    expect(k.cpus[0]!.regSM).toBe(true);
  });
});

describe('NT_ARM_ZA, NT_ARM_ZT and their reads', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: a ZA payload turns ZA on with it (ZT0 zero), the reads see both, the task resumes with them`, () => {
      const k = stopped(variant);
      expect(act(k, 'ptrace_read_za', 0, 0)).toBeNull(); // ZA off: header only
      act(k, 'ptrace_za', 0, 0);
      expect(C(k).svcr_ZA).toBe(true);
      expect(C(k).sme_ZT0).toBe(ZERO);
      expect(act(k, 'ptrace_read_za', 0, 0)).toBeNull();
      act(k, 'ptrace_zt', 0, 0); // ZA on: ZA kept, ZT0 written
      expect(C(k).sme_ZA).toBe(C(k).exp_ZA);
      expect(C(k).sme_ZT0).not.toBe(ZERO);
      expect(act(k, 'ptrace_read_za', 0, 0)).toBeNull();
      expect(resume(k)).toBeNull();
      expect([k.cpus[0]!.regZAen, k.cpus[0]!.regZA, k.cpus[0]!.regZT0]).toEqual([true, C(k).exp_ZA, C(k).exp_ZT0]);
    });

    it(`${variant}: a header-only ZA write turns ZA off; an NT_ARM_ZT write then turns it on with ZA zeroed`, () => {
      const k = stopped(variant);
      act(k, 'ptrace_za', 0, 0);
      act(k, 'ptrace_za_off', 0, 0);
      expect(C(k).svcr_ZA).toBe(false);
      expect(act(k, 'ptrace_read_za', 0, 0)).toBeNull();
      act(k, 'ptrace_zt', 0, 0);
      expect([C(k).svcr_ZA, C(k).sme_ZA]).toEqual([true, ZERO]);
      expect(resume(k)).toBeNull();
    });

    it(`${variant}: NT_ARM_FPMR written and read back; the task resumes with it`, () => {
      const k = stopped(variant);
      act(k, 'ptrace_fpmr', 0, 0);
      expect(act(k, 'ptrace_read_fpmr', 0, 0)).toBeNull();
      expect(resume(k)).toBeNull();
      expect(k.cpus[0]!.regFPMR).toBe(C(k).exp_FPMR);
    });
  }

  it('v6.12-rc1: NT_ARM_SSVE then NT_ARM_FPMR: the reload writes FPMR before SVCR, and entering streaming mode resets it (e5fa85fce08b)', () => {
    const k = stopped('v6.12-rc1');
    act(k, 'ptrace_ssve', 0, 0);
    act(k, 'ptrace_fpmr', 0, 0);
    act(k, 'ptrace_cont', 0, 0);
    act(k, 'ret_to_user', 0);
    act(k, 'switch', 0, 0);
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'integrity', kind: 'lost' });
  });
});
