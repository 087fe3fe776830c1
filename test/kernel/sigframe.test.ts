/**
 * The `sigframe` family (issue 14 part 1): frames user space (or CRIU) lays out itself, and what
 * each variant's rt_sigreturn() does with them, against the documented ABI
 * (Documentation/arch/arm64/sve.rst §5 "Signal return", sme.rst §5) and the source: v6.12
 * (Debian 6.12.118's signal.c, less its 2026 stable backports) for v6.12-rc1, snapshot B for
 * mainline, d2907cbe9ea0's diff for `mainline+d2907cbe9ea0`.
 */
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/arch/tokens.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, TaskState } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { checkVariant } from '../../src/app/check.js';
import { act, slot } from '../helpers.js';

/** A (one CPU, alone or with B) in its signal handler, in user mode; its frame as the kernel wrote it. */
function inHandler(expr: string, withB = false): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(expr);
  const k = createMachine(v.Kernel, { cpus: 1, tasks: withB ? [{ name: 'A' }, { name: 'B' }] : [{ name: 'A' }] });
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'irq', 0);
  act(k, 'signal', 0);
  while (A(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  expect(A(k).sig_frame).toBe(true);
  return k;
}
const A = (k: Kvm) => k.tasks[0]!;

/** rt_sigreturn and every step of its path; the first violation, if any. */
function sigreturn(k: Kvm) {
  let v = act(k, 'sigreturn', 0);
  while (!v && A(k).state === TaskState.RUNNING && A(k).kpath) v = act(k, 'continue', 0);
  return v;
}

describe('frames the kernel rejects with SIGSEGV (the task is killed)', () => {
  for (const variant of ['v6.12-rc1', 'v6.12', 'mainline', 'v5.17']) {
    for (const edit of ['frame_drop_fpsimd', 'frame_dup', 'frame_vl']) {
      it(`${variant}: ${edit}`, () => {
        const k = inHandler(variant);
        act(k, edit, 0);
        expect(sigreturn(k)).toBeNull();
        expect(A(k).state).toBe(TaskState.ZOMBIE);
      });
    }
  }
  it('v6.12 (SME compiled out): a frame claiming streaming mode', () => {
    const k = inHandler('v6.12');
    expect(k.hasSme).toBe(false);
    // frame_sm needs SME; the field is what a user-written frame can say anyway
    expect(() => act(k, 'frame_sm', 0)).toThrow(/not enabled/);
  });
});

describe('frames the kernel accepts', () => {
  for (const variant of ['v6.12-rc1', 'v6.12', 'mainline']) {
    it(`${variant}: no sve_context: the FPSIMD registers alone, non-streaming, the SVE part zero (sve.rst §5)`, () => {
      const k = inHandler(variant);
      act(k, 'frame_sve_payload', 0); // give the frame an SVE payload first ...
      act(k, 'frame_drop_sve', 0); // ... then remove the record: no VL checked, no payload used
      expect(sigreturn(k)).toBeNull();
      expect(A(k).state).toBe(TaskState.RUNNING);
      expect(A(k).fp_type).toBe(FpType.FPSIMD);
      expect(A(k).TIF_SVE).toBe(false);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'fp_read', 0)).toBeNull();
      expect(A(k).exp_Hi).toBe(ZERO);
    });
  }

  // v6.12-rc1's sigreturn loads the task's memory without saving the handler's live state first
  // (fpsimd_update_current_state → task_fpsimd_load): a record the frame lacks is not "left as
  // it is" but reverts to the state saved before the handler. Snapshot B saves and flushes at
  // the start of sigreturn (929fa99b1215), so the handler's values survive.
  it('v6.12-rc1: no za_context: the handler’s ZA is lost (memory reloaded without a save)', () => {
    const k = inHandler('v6.12-rc1');
    act(k, 'smstart_za', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'smstart_za', 0);
    act(k, 'za_write', 0);
    act(k, 'frame_drop_za', 0);
    expect(sigreturn(k)).toBeNull();
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'integrity' });
    expect(k.cpus[0]!.regZAen).toBe(false);
  });

  it('v6.12-rc1: no fpmr_context: the handler’s FPMR is lost', () => {
    const k = inHandler('v6.12-rc1');
    act(k, 'fpmr_write', 0);
    act(k, 'frame_drop_fpmr', 0);
    expect(sigreturn(k)).toBeNull();
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'integrity', kind: 'lost' });
  });

  for (const variant of ['mainline', 'mainline+d2907cbe9ea0']) {
    it(`${variant}: no za_context: ZA stays as the handler left it`, () => {
      const k = inHandler(variant);
      act(k, 'smstart_za', 0);
      act(k, 'continue', 0); // the SME trap (TIF_SME)
      act(k, 'ret_to_user', 0);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = k.cpus[0]!.regZA;
      act(k, 'frame_drop_za', 0);
      expect(sigreturn(k)).toBeNull();
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(k.cpus[0]!.regZAen).toBe(true);
      expect(k.cpus[0]!.regZA).toBe(za);
      expect(A(k).exp_ZA).toBe(za);
    });

    it(`${variant}: no fpmr_context: FPMR stays as the handler left it`, () => {
      const k = inHandler(variant);
      act(k, 'fpmr_write', 0);
      const fpmr = k.cpus[0]!.regFPMR;
      act(k, 'frame_drop_fpmr', 0);
      expect(sigreturn(k)).toBeNull();
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(k.cpus[0]!.regFPMR).toBe(fpmr);
    });
  }
});

describe('SVE_SIG_FLAG_SM set by user space', () => {
  it('v6.12-rc1: a streaming record without payload is accepted and restored as non-streaming (before "Mandate SVE payload for streaming-mode state")', () => {
    const k = inHandler('v6.12-rc1');
    act(k, 'frame_sm', 0);
    expect(A(k).sig_sve).toBe(false);
    expect(sigreturn(k)).toBeNull();
    expect(A(k).state).toBe(TaskState.RUNNING);
    expect(A(k).svcr_SM).toBe(false);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });

  it('mainline: the same frame is rejected (snapshot B: a header-only streaming record fails the size check)', () => {
    const k = inHandler('mainline');
    act(k, 'frame_sm', 0);
    expect(sigreturn(k)).toBeNull();
    expect(A(k).state).toBe(TaskState.ZOMBIE);
  });

  it('v6.12-rc1: with a payload, fpsimd_context.vregs are not merged into a streaming restore: the task runs with the payload’s Z[127:0] (c94f2f326146)', () => {
    const k = inHandler('v6.12-rc1');
    act(k, 'frame_sm', 0);
    act(k, 'frame_sve_payload', 0); // Z/P data of a new version; vregs keep the old one
    expect(sigreturn(k)).toBeNull();
    expect(A(k).svcr_SM).toBe(true);
    const v = act(k, 'ret_to_user', 0);
    expect(v).toMatchObject({ invariant: 'integrity', kind: 'lost' });
  });

  it('v6.12-rc1+c94f2f326146 (split out of the 929fa99b1215 series by the audit): the merge follows fp_type, so the same frame resumes with the frame’s V registers', () => {
    const k = inHandler('v6.12-rc1+c94f2f326146');
    act(k, 'frame_sm', 0);
    act(k, 'frame_sve_payload', 0);
    expect(sigreturn(k)).toBeNull();
    expect(A(k).svcr_SM).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });

  it('mainline: the same frame on a task that never used SME sets SVCR.SM without TIF_SME; the next save finds the live streaming VL unset (WARN, SIGKILL) — d2907cbe9ea0 case (1)', () => {
    const k = inHandler('mainline', true);
    expect(A(k).TIF_SME).toBe(false);
    act(k, 'frame_sm', 0);
    act(k, 'frame_sve_payload', 0);
    expect(sigreturn(k)).toBeNull();
    expect([A(k).svcr_SM, A(k).TIF_SME]).toEqual([true, false]);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull(); // V merged from fpsimd_context (B merges by fp_type)
    expect(act(k, 'switch', 0, slot(k, 'B'))).toMatchObject({ invariant: 'kernel-warn' });
  });

  it('mainline+d2907cbe9ea0: TIF_SME is set with SVCR.SM, and the save is clean', () => {
    const k = inHandler('mainline+d2907cbe9ea0', true);
    act(k, 'frame_sm', 0);
    act(k, 'frame_sve_payload', 0);
    expect(sigreturn(k)).toBeNull();
    expect([A(k).svcr_SM, A(k).TIF_SME]).toEqual([true, true]);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull();
    expect(act(k, 'switch', 0, slot(k, 'B'))).toBeNull();
  });
});

describe('a non-streaming SVE record with a payload on an SME-only CPU (sme-only-sve-payload)', () => {
  // The check the Debian 6.1.192 and 6.12.118 trees have and B lacks (docs/findings.md): without
  // it the record becomes fp_type SVE outside streaming mode on a CPU that has no SVE to load.
  const bounds = { cpus: 1, tasks: 1, vcpus: 0, spare: 0, events: ['core', 'signal', 'sigframe'] as const, hw: 'sme' };
  const memorySafety = (name: string, depth: number) =>
    checkVariant(variantOfExpression(name)!, { ...bounds, depth }, { continue: true }).violations?.filter(
      (v) => v.invariant === 'memory-safety',
    ) ?? [];
  it('v6.12-rc1 and mainline load it: memory-safety in task_fpsimd_load, and the fix is named', () => {
    for (const [name, steps] of [
      ['v6.12-rc1', 9],
      ['mainline', 10],
    ] as const) {
      const found = memorySafety(name, steps);
      expect(
        found.map((v) => [v.where, v.step]),
        name,
      ).toEqual([['task_fpsimd_load', steps]]);
      expect(found[0]!.fixedBy?.map((f) => [f.id, f.confirmed])).toContainEqual(['sme-only-sve-payload', true]);
    }
  });
  it('with the check the record is refused (SIGSEGV) and nothing unsafe is reachable', () => {
    expect(memorySafety('v6.12-rc1+sme-only-sve-payload', 11)).toEqual([]);
    expect(memorySafety('mainline+sme-only-sve-payload', 11)).toEqual([]);
  });
  it('changes nothing on a CPU with SVE', () => {
    const sve = { ...bounds, hw: 'sve,sme', depth: 8 };
    // Both without the dead-data abstraction (a derived variant never has it: src/app/check.ts).
    const without = checkVariant(variantOfExpression('v6.12-rc1')!, sve, { abstraction: false });
    const withFix = checkVariant(variantOfExpression('v6.12-rc1+sme-only-sve-payload')!, sve, { abstraction: false });
    expect(withFix.states).toBe(without.states);
    expect(withFix.transitions).toBe(without.transitions);
  });
});
