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
 *    BUG_ONs, so failure is not explored there;
 *  - NT_ARM_SSVE header only / -EIO (sve.rst: "any SETREGSET of NT_ARM_SSVE will enter
 *    streaming mode"; -EIO is "the same as if the payload were omitted" with the FPSIMD state
 *    preserved): 6.12's sve_set_common() (ptrace.c:957-1030) zeroes sve_state twice on the way
 *    and refills nothing once SVCR.SM is set; its -EIO returns before fp_type, leaving the
 *    FPSIMD-format V registers the VL change converted, which task_fpsimd_load() loads;
 *  - NT_ARM_ZA -EIO (sme.rst §7: as if the payload were omitted, so ZA off, with the VL
 *    change's consequences: v6.12's vec_set_vector_length() clears SVCR.SM and ZA, B's
 *    change_live_vector_length() only ZA).
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
      'ptrace_ssve_hdr',
      'ptrace_ssve_eio',
      'ptrace_za_eio',
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

/** C enters streaming mode through the tracer (a full NT_ARM_SSVE write), stopped all along. */
function streaming(expr: string): Kvm {
  const k = written(expr, false);
  stopAndTrace(k);
  expect(act(k, 'ptrace_ssve', 0, slot(k, 'C'))).toBeNull();
  expect(C(k).svcr_SM).toBe(true);
  return k;
}

describe('a header-only NT_ARM_SSVE write', () => {
  it('v6.12-rc1: to a task not streaming, it enters streaming mode with sve_state zeroed: its V registers are lost', () => {
    const k = written('v6.12-rc1', false);
    stopAndTrace(k);
    const v = C(k).uw_V;
    expect(act(k, 'ptrace_ssve_hdr', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).svcr_SM, C(k).TIF_SME, C(k).fp_type, C(k).sve_V, C(k).sve_Hi]).toEqual([true, true, FpType.SVE, ZERO, ZERO]);
    expect([C(k).exp_V, C(k).exp_Hi, C(k).exp_SM]).toEqual([v, ZERO, true]);
    expect(act(k, 'ptrace_read', 0, slot(k, 'C'))).toMatchObject({ invariant: 'integrity', kind: 'lost', where: 'sve_get' });
  });

  it('v6.12-rc1: to a streaming task, its streaming registers are zeroed (sve_alloc) and not refilled: lost when it resumes', () => {
    const k = streaming('v6.12-rc1');
    const z = C(k).sve_V;
    expect(z).not.toBe(ZERO);
    expect(act(k, 'ptrace_ssve_hdr', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).sve_V, C(k).sve_Hi, C(k).exp_V, C(k).exp_Hi]).toEqual([ZERO, ZERO, z, z]);
    expect(resume(k)).toMatchObject({ invariant: 'integrity', kind: 'lost' });
  });

  it('mainline (with 5cbb61bf4168): streaming mode with the zeroed image, on purpose; the task resumes with it', () => {
    for (const k of [streaming('mainline+5cbb61bf4168'), written('mainline+5cbb61bf4168', true)]) {
      if (!C(k).svcr_SM) stopAndTrace(k);
      expect(act(k, 'ptrace_ssve_hdr', 0, slot(k, 'C'))).toBeNull();
      expect([C(k).svcr_SM, C(k).fp_type, C(k).sve_V, C(k).sve_Hi]).toEqual([true, FpType.SVE, ZERO, ZERO]);
      expect([C(k).exp_V, C(k).exp_Hi, C(k).exp_SM]).toEqual([ZERO, ZERO, true]);
      expect(resume(k)).toBeNull();
      expect(k.cpus[0]!.regSM).toBe(true);
    }
  });
});

describe('an NT_ARM_SSVE write asking for an unsupported streaming VL (-EIO after the VL change)', () => {
  it('v6.12-rc1: the streaming VL changes, the task is streaming with fp_type FPSIMD and resumes with its V registers', () => {
    const k = written('v6.12-rc1', true);
    stopAndTrace(k);
    const svq = C(k).sme_vq;
    const v = C(k).sve_V;
    expect(act(k, 'ptrace_ssve_eio', 0, slot(k, 'C'))).toBeNull();
    expect(C(k).sme_vq).toBe(k.otherSmeVq(svq));
    expect(C(k).sme_vq).not.toBe(svq);
    expect([C(k).svcr_SM, C(k).TIF_SVE, C(k).fp_type, C(k).uw_V]).toEqual([true, false, FpType.FPSIMD, v]);
    expect([C(k).exp_V, C(k).exp_Hi, C(k).exp_SM]).toEqual([v, ZERO, true]);
    expect(resume(k)).toBeNull();
    expect([k.cpus[0]!.regSM, k.cpus[0]!.regV]).toEqual([true, v]);
  });

  it('mainline (with 5cbb61bf4168): the zeroed image in streaming mode, ZA off; the task resumes with it', () => {
    const k = streaming('mainline+5cbb61bf4168');
    act(k, 'ptrace_za', 0, slot(k, 'C'));
    expect(C(k).svcr_ZA).toBe(true);
    expect(act(k, 'ptrace_ssve_eio', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).svcr_SM, C(k).svcr_ZA, C(k).sve_V, C(k).exp_V, C(k).exp_ZAen]).toEqual([true, false, ZERO, ZERO, false]);
    expect(resume(k)).toBeNull();
  });
});

describe('an NT_ARM_ZA write asking for an unsupported streaming VL (-EIO after the VL change)', () => {
  it('v6.12-rc1: the VL change clears SVCR.SM and ZA (V kept); ZA stays off; the task resumes non-streaming', () => {
    const k = streaming('v6.12-rc1');
    act(k, 'ptrace_za', 0, slot(k, 'C'));
    const v = C(k).sve_V;
    const svq = C(k).sme_vq;
    expect(act(k, 'ptrace_za_eio', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).sme_vq, C(k).svcr_SM, C(k).svcr_ZA, C(k).TIF_SME]).toEqual([k.otherSmeVq(svq), false, false, false]);
    expect([C(k).uw_V, C(k).exp_V, C(k).exp_SM, C(k).exp_ZAen, C(k).exp_ZA]).toEqual([v, v, false, false, ZERO]);
    expect(resume(k)).toBeNull();
    expect(k.cpus[0]!.regSM).toBe(false);
  });

  it('mainline (with 5cbb61bf4168): the VL change keeps SVCR.SM (V kept, the rest zero) and clears ZA; the task resumes streaming', () => {
    const k = streaming('mainline+5cbb61bf4168');
    act(k, 'ptrace_za', 0, slot(k, 'C'));
    const v = C(k).sve_V;
    expect(act(k, 'ptrace_za_eio', 0, slot(k, 'C'))).toBeNull();
    expect([C(k).svcr_SM, C(k).svcr_ZA, C(k).sve_V, C(k).sve_Hi]).toEqual([true, false, v, ZERO]);
    expect([C(k).exp_V, C(k).exp_Hi, C(k).exp_SM, C(k).exp_ZAen]).toEqual([v, ZERO, true, false]);
    expect(resume(k)).toBeNull();
    expect(k.cpus[0]!.regSM).toBe(true);
  });
});
