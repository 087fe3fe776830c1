/**
 * Issue 14 part 5: the NT_ARM_SVE / NT_ARM_SSVE writes beyond a full payload, against each
 * tree's sve_set()/sve_set_common() and Documentation/arch/arm64/sve.rst:
 *  - header only: sve.rst (v4.15 to v6.16: "only the vector length and flags are changed");
 *    the code before 316283f276eb zeroes sve_state (sve_alloc()) and refills it from V only if
 *    TIF_SVE is clear (fpsimd_sync_to_sve()), so a task in SVE mode loses its registers;
 *    316283f276eb zeroes every header-only write on purpose (a clean zero image);
 *  - an unsupported VL with a payload: the VL is set, then -EIO (sve.rst: "the thread's
 *    FPSIMD state is preserved");
 *  - -ENOMEM: 6.12's sve_set_common() (ptrace.c:1014-1020) clears TIF_SVE and returns; for
 *    NT_ARM_SSVE it has already set SVCR.SM and TIF_SME (ptrace.c:957-986), which the task
 *    resumes with; B allocates before it changes anything (9f8bf718f292). v4.15's sve_alloc()
 *    BUG_ONs, so failure is not explored there.
 */
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/arch/tokens.js';
import { DEFAULT_FAMILIES, EVENTS, familyMask } from '../../src/kernel/events.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

function boot(expr: string): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(`no variant ${expr}`);
  return createMachine(v.Kernel, { cpus: 1, tasks: [{ name: 'C' }, { name: 'T' }] });
}

const C = (k: Kvm) => k.tasks[slot(k, 'C')]!;

/** C has written V registers, and with `sve` its SVE registers too (TIF_SVE set). */
function written(expr: string, sve: boolean): Kvm {
  const k = boot(expr);
  act(k, 'switch', 0, slot(k, 'C'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  if (sve) {
    act(k, 'sve_write', 0);
    if (C(k).kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
  }
  return k;
}

/** C enters the kernel on an interrupt and stops; T runs and is in a syscall. */
function stopAndTrace(k: Kvm): void {
  act(k, 'irq', 0);
  act(k, 'ptrace_stop', 0);
  act(k, 'switch', 0, slot(k, 'T'));
  act(k, 'ret_to_user', 0);
  act(k, 'syscall', 0);
}

/** The tracer resumes C, which runs and reads its registers: the first violation, if any. */
function resume(k: Kvm) {
  act(k, 'ptrace_cont', 0, slot(k, 'C'));
  act(k, 'ret_to_user', 0);
  act(k, 'switch', 0, slot(k, 'C'));
  return act(k, 'ret_to_user', 0) ?? act(k, 'fp_read', 0);
}

describe('the ptrace_edge family', () => {
  it('is off by default', () => {
    const mask = familyMask(DEFAULT_FAMILIES);
    const bit = familyMask(['ptrace_edge']);
    expect(mask & bit).toBe(0);
    expect(EVENTS.filter((e) => e.family === 'ptrace_edge').map((e) => e.name)).toEqual([
      'ptrace_sve_hdr',
      'ptrace_sve_eio',
      'ptrace_sve_nomem',
      'ptrace_ssve_nomem',
    ]);
  });
});

describe('a header-only NT_ARM_SVE write', () => {
  for (const variant of ['v4.18', 'v5.17', 'v6.1.y', 'v6.12']) {
    it(`${variant}: to a task in SVE mode, the registers are zeroed (sve_alloc) and not refilled (TIF_SVE set): the tracer reads them lost`, () => {
      const k = written(variant, true);
      stopAndTrace(k);
      expect(C(k).TIF_SVE).toBe(true);
      const vq = C(k).sve_vq;
      const before = C(k).exp_V;
      expect(act(k, 'ptrace_sve_hdr', 0, slot(k, 'C'))).toBeNull();
      expect([C(k).sve_vq, C(k).TIF_SVE, C(k).sve_V, C(k).sve_Hi]).toEqual([vq, true, ZERO, ZERO]);
      expect(C(k).exp_V).toBe(before); // sve.rst: only the VL and flags change
      expect(act(k, 'ptrace_read', 0, slot(k, 'C'))).toMatchObject({ invariant: 'integrity', kind: 'lost' });
    });

    it(`${variant}: to a task in FPSIMD mode, sve_state is its V registers zero-extended and it resumes with them`, () => {
      const k = written(variant, false);
      stopAndTrace(k);
      expect(C(k).TIF_SVE).toBe(false);
      const v = C(k).uw_V;
      expect(act(k, 'ptrace_sve_hdr', 0, slot(k, 'C'))).toBeNull();
      expect([C(k).TIF_SVE, C(k).sve_V, C(k).sve_Hi]).toEqual([true, v, ZERO]);
      expect(act(k, 'ptrace_read', 0, slot(k, 'C'))).toBeNull();
      expect(resume(k)).toBeNull();
    });
  }

  it('mainline (with 5cbb61bf4168): the zeroed register image is the result, on purpose; the task resumes with it', () => {
    const k = written('mainline+5cbb61bf4168', true);
    stopAndTrace(k);
    expect(act(k, 'ptrace_sve_hdr', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).fp_type, C(k).sve_V, C(k).sve_Hi, C(k).uw_V]).toEqual([FpType.SVE, ZERO, ZERO, ZERO]);
    expect([C(k).exp_V, C(k).exp_Hi]).toEqual([ZERO, ZERO]);
    expect(act(k, 'ptrace_read', 0, slot(k, 'C'))).toBeNull();
    expect(resume(k)).toBeNull();
  });
});

describe('an NT_ARM_SVE write asking for an unsupported VL (-EIO after the VL change)', () => {
  for (const variant of ['v5.17', 'v6.12']) {
    it(`${variant}: the VL changes, the task leaves SVE mode with its V registers, the payload is refused`, () => {
      const k = written(variant, true);
      stopAndTrace(k);
      const vq = C(k).sve_vq;
      const v = C(k).sve_V;
      expect(act(k, 'ptrace_sve_eio', 0, slot(k, 'C'))).toBeNull();
      expect(C(k).sve_vq).toBe(k.otherVq(vq));
      expect([C(k).TIF_SVE, C(k).uw_V, C(k).exp_V, C(k).exp_Hi]).toEqual([false, v, v, ZERO]);
      expect(act(k, 'ptrace_read', 0, slot(k, 'C'))).toBeNull();
      expect(resume(k)).toBeNull();
    });
  }
});

describe('NT_ARM_SVE / NT_ARM_SSVE writes whose allocation fails', () => {
  it('v4.15: not explored — sve_alloc() treats failure as impossible and BUG_ONs', () => {
    const k = written('v4.15', false);
    stopAndTrace(k);
    expect(() => act(k, 'ptrace_sve_nomem', 0, slot(k, 'C'))).toThrow(/not enabled/);
    k.withAllocFailing(() => {
      expect(() => k.sve_alloc(C(k))).toThrow();
    });
    expect(k.violation).toMatchObject({ invariant: 'kernel-warn', where: 'sve_alloc' });
  });

  it('v6.12: -ENOMEM with TIF_SVE clear and nothing else changed; the task resumes with its V registers', () => {
    const k = written('v6.12', false);
    stopAndTrace(k);
    const v = C(k).uw_V;
    expect(act(k, 'ptrace_sve_nomem', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).sve_state, C(k).TIF_SVE, C(k).fp_type, C(k).exp_V]).toEqual([false, false, FpType.FPSIMD, v]);
    expect(resume(k)).toBeNull();
  });

  it('is enabled only for a task without the buffer the write allocates', () => {
    const k = written('v6.12', true);
    stopAndTrace(k);
    expect(C(k).sve_state).toBe(true);
    expect(() => act(k, 'ptrace_sve_nomem', 0, slot(k, 'C'))).toThrow(/not enabled/);
  });

  it('v6.12-rc1: NT_ARM_SSVE fails with SVCR.SM and TIF_SME already set; the task resumes in streaming mode it never entered', () => {
    const k = written('v6.12-rc1', false);
    stopAndTrace(k);
    expect(act(k, 'ptrace_ssve_nomem', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).svcr_SM, C(k).TIF_SME, C(k).sve_state, C(k).exp_SM]).toEqual([true, true, false, false]);
    expect(resume(k)).toMatchObject({ invariant: 'integrity', kind: 'corrupt' });
  });

  it('mainline (9f8bf718f292): NT_ARM_SSVE allocates first and fails with nothing changed', () => {
    const k = written('mainline+5cbb61bf4168', false);
    stopAndTrace(k);
    expect(act(k, 'ptrace_ssve_nomem', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).svcr_SM, C(k).TIF_SME]).toEqual([false, false]);
    expect(resume(k)).toBeNull();
  });
});
