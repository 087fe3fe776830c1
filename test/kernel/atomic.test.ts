/**
 * The `atomic` family (issue 14 part 6): a switch, not events. Off (the default families, and
 * every scenario), paths run as before; on, v6.12's fpsimd_signal_preserve_current_state() runs
 * as its two halves — fpsimd_preserve_current_state() in the FP context, sve_to_fpsimd() after
 * it — with a preemption or a softirq possible in between (fpsimd.c v6.12: the second half is
 * outside get_cpu_fpsimd_context()).
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, KPath, NR_CPUS } from '../../src/kernel/records.js';
import { findVariant } from '../../src/variants/index.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';
import type { EventFamily } from '../../src/kernel/events.js';

function boot(variant: string, events?: EventFamily[]): Kvm {
  return createMachine(findVariant(variant)!.Kernel, { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], ...(events ? { events } : {}) });
}

/** A has SVE state live on cpu0 and is interrupted: a signal is pending on its way back. */
function sveTaskInterrupted(k: Kvm): void {
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'sve_write', 0);
  if (k.tasks[0]!.kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'irq', 0);
}

describe('the atomic switch', () => {
  it('is off by default and in scenarios, on when the family is asked for', () => {
    expect(boot('v6.12-rc1').splitPaths).toBe(false);
    expect(boot('v6.12-rc1', ['core', 'signal']).splitPaths).toBe(false);
    expect(boot('v6.12-rc1', ['core', 'signal', 'atomic']).splitPaths).toBe(true);
  });

  it('v6.12-rc1 off: signal delivery preserves the state in one step', () => {
    const k = boot('v6.12-rc1', ['core', 'signal']);
    sveTaskInterrupted(k);
    act(k, 'signal', 0);
    expect([k.tasks[0]!.kpath, k.tasks[0]!.kstep]).toEqual([KPath.SIGNAL, 1]);
  });

  for (const between of ['softirq_neon', 'switch']) {
    it(`v6.12-rc1 on: the two halves, with ${between === 'switch' ? 'a preemption' : 'a softirq’s kernel-mode NEON'} between them; the handler's frame holds the task's SVE state`, () => {
      const k = boot('v6.12-rc1', ['core', 'signal', 'neon', 'atomic']);
      sveTaskInterrupted(k);
      const A = k.tasks[0]!;
      const live = k.cpus[0]!.regHi;
      act(k, 'signal', 0);
      expect([A.kpath, A.kstep]).toEqual([KPath.SIGNAL, 3]);
      expect(A.fp_type).toBe(FpType.SVE); // first half saved the live SVE state
      if (between === 'switch') {
        expect(act(k, 'switch', 0, slot(k, 'B'))).toBeNull();
        act(k, 'ret_to_user', 0);
        act(k, 'fp_write', 0);
        act(k, 'irq', 0);
        expect(act(k, 'switch', 0, slot(k, 'A'))).toBeNull();
      } else {
        expect(act(k, 'softirq_neon', 0)).toBeNull();
      }
      expect(act(k, 'continue', 0)).toBeNull(); // second half
      expect([A.kpath, A.kstep]).toEqual([KPath.SIGNAL, 1]);
      expect(act(k, 'continue', 0)).toBeNull(); // the frame: judged at handler entry
      expect(A.sig_Hi).toBe(live);
      expect(A.sig_V).toBe(A.sve_V);
    });
  }
});

/**
 * rt_sigreturn's flush before the SVE block is copied in (restore_sve_fpsimd_context(), run
 * with preemption enabled: its own comment in signal.c, v4.15 to 6.12): fpsimd_cpu = NR_CPUS,
 * then TIF_FOREIGN_FPSTATE. With `atomic` the model stops between the two stores (SIGRETURN
 * step 4).
 */
describe('the atomic switch: the two stores of the flush at sigreturn', () => {
  /** A, with SVE state live, takes a signal and its handler returns with the frame as written. */
  function inSigreturn(variant: string, events: EventFamily[]): Kvm {
    const k = boot(variant, events);
    sveTaskInterrupted(k);
    act(k, 'signal', 0);
    while (k.tasks[0]!.kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    expect(k.tasks[0]!.sig_sve).toBe(true);
    act(k, 'sigreturn', 0);
    return k;
  }

  for (const variant of ['v4.15', 'v5.17', 'v6.12-rc1']) {
    it(`${variant} off: one step, both stores`, () => {
      const k = inSigreturn(variant, ['core', 'signal']);
      const A = k.tasks[0]!;
      expect([A.kpath, A.kstep]).toEqual([KPath.SIGRETURN, 1]);
      expect(A.fpsimd_cpu).toBe(NR_CPUS);
      expect(A.TIF_FOREIGN_FPSTATE).toBe(true);
    });

    for (const between of ['switch', 'softirq_neon']) {
      it(`${variant} on: fpsimd_cpu broken first; ${between === 'switch' ? 'a preemption' : 'a softirq’s kernel-mode NEON'} before the flag is set is harmless, and the frame is what the task resumes with`, () => {
        const k = inSigreturn(variant, ['core', 'signal', 'neon', 'atomic']);
        const A = k.tasks[0]!;
        expect([A.kpath, A.kstep]).toEqual([KPath.SIGRETURN, 4]);
        expect(A.fpsimd_cpu).toBe(NR_CPUS);
        expect(A.TIF_FOREIGN_FPSTATE).toBe(false); // the registers are still A's
        if (between === 'switch') {
          expect(act(k, 'switch', 0, slot(k, 'B'))).toBeNull(); // saves A's live registers
          act(k, 'ret_to_user', 0);
          act(k, 'fp_write', 0);
          act(k, 'irq', 0);
          expect(act(k, 'switch', 0, slot(k, 'A'))).toBeNull();
          expect(A.TIF_FOREIGN_FPSTATE).toBe(true); // wrong_cpu: fpsimd_cpu was already broken
        } else {
          expect(act(k, 'softirq_neon', 0)).toBeNull();
          expect(A.TIF_FOREIGN_FPSTATE).toBe(true);
        }
        expect(act(k, 'continue', 0)).toBeNull(); // the second store
        expect([A.kpath, A.kstep]).toEqual([KPath.SIGRETURN, 1]);
        while (A.kpath) expect(act(k, 'continue', 0)).toBeNull();
        expect(act(k, 'ret_to_user', 0)).toBeNull();
        expect(act(k, 'fp_read', 0)).toBeNull();
      });
    }
  }
});

/**
 * A VL change's second step (after put_cpu_fpsimd_context(), preemptible) on the 6.1 line:
 * Debian 6.1.192's vec_set_vector_length() (fpsimd.c:900-911) sets the new VL, then frees
 * sve_state and reallocates it zeroed (d4d5be94a878 with 05d881b85b48, both backported), so
 * the buffer exists and is sized for the new VL when the path ends. 6.1.42 had d4d5be94a878
 * alone: the reallocation came before task_set_vl(), sizing the buffer for the old VL
 * (CVE-2023-53184): after a change to a larger VL the next SVE trap zeroes past its end.
 */
describe("the VL change's reallocation on the 6.1 line", () => {
  /** A, in a syscall, asks for the other VL twice (512 → 256 → 512 bits); returns A. */
  function twoChanges(k: Kvm) {
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    const A = k.tasks[0]!;
    const first = A.sve_vq;
    act(k, 'set_vl', 0);
    act(k, 'continue', 0);
    expect(A.sve_vq).not.toBe(first);
    return { A, first, second: A.sve_vq };
  }

  it('v6.1.y: sve_state is reallocated at once, sized for the VL just set', () => {
    const k = boot('v6.1.y', ['core', 'vl']);
    const { A, first, second } = twoChanges(k);
    expect(A.sve_state).toBe(true);
    expect(A.sve_state_vq).toBe(second);
    act(k, 'set_vl', 0);
    act(k, 'continue', 0);
    expect([A.sve_vq, A.sve_state, A.sve_state_vq]).toEqual([first, true, first]);
    act(k, 'ret_to_user', 0);
    expect(act(k, 'sve_write', 0)).toBeNull();
    expect(act(k, 'continue', 0)).toBeNull(); // do_sve_acc(): sve_alloc() zeroes a buffer of the right size
  });

  it('v6.1.y without 05d881b85b48: the buffer is sized for the old VL; growing the VL makes the next SVE trap overflow it', () => {
    const k = boot('v6.1.y', ['core', 'vl']);
    const e = variantOfExpression('v6.1.y-05d881b85b48-6.1')!;
    const k2 = createMachine(e.Kernel, { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], events: ['core', 'vl'] });
    expect(k.defaultVq).toBeGreaterThan(k.altVq); // the first change shrinks the VL, the second grows it
    const { A, first, second } = twoChanges(k2);
    expect(A.sve_state_vq).toBe(first); // allocated before the VL was set
    act(k2, 'set_vl', 0);
    act(k2, 'continue', 0);
    expect([A.sve_vq, A.sve_state_vq]).toEqual([first, second]);
    act(k2, 'ret_to_user', 0);
    act(k2, 'sve_write', 0);
    expect(act(k2, 'continue', 0)?.invariant).toBe('memory-safety');
  });
});

/**
 * v4.15/v4.18's do_sve_acc() (fpsimd.c v4.15) calls sve_alloc() — kzalloc(GFP_KERNEL), which may
 * sleep — before local_bh_disable(): the trap can be preempted there. With `atomic` the trap is
 * the SVE_ACC kernel path (as v5.x's el0_sve_acc always is) and its body runs on `continue`.
 */
describe('the atomic switch: v4.x SVE trap before its sleeping allocation', () => {
  for (const variant of ['v4.15', 'v4.18']) {
    it(`${variant} off: the trap is one step`, () => {
      const k = boot(variant, ['core']);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'fp_write', 0);
      act(k, 'sve_write', 0);
      expect(k.tasks[0]!.kpath).toBe(KPath.NONE);
      expect(k.tasks[0]!.TIF_SVE).toBe(true);
    });

    it(`${variant} on: a preemption and another task's FP use before the body are harmless; A resumes with its V registers and SVE enabled`, () => {
      const k = boot(variant, ['core', 'atomic']);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'fp_write', 0);
      const A = k.tasks[0]!;
      const v = k.cpus[0]!.regV;
      expect(act(k, 'sve_write', 0)).toBeNull();
      expect([A.kpath, A.TIF_SVE, A.sve_state]).toEqual([KPath.SVE_ACC, false, false]);
      expect(act(k, 'switch', 0, slot(k, 'B'))).toBeNull(); // saves A's V registers
      expect(A.uw_V).toBe(v);
      act(k, 'ret_to_user', 0);
      act(k, 'fp_write', 0);
      act(k, 'irq', 0);
      expect(act(k, 'switch', 0, slot(k, 'A'))).toBeNull();
      expect(act(k, 'continue', 0)).toBeNull(); // sve_alloc(), then the conversion from uw
      expect([A.kpath, A.TIF_SVE, A.sve_state, A.sve_V]).toEqual([KPath.NONE, true, true, v]);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'sve_write', 0)).toBeNull(); // no second trap: SVE is enabled
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it(`${variant} on, with alloc: the split trap's allocation is not failed (sve_alloc() BUG_ONs: "Should Not Fail")`, () => {
      const k = boot(variant, ['core', 'alloc', 'atomic']);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'sve_write', 0);
      expect(k.tasks[0]!.kpath).toBe(KPath.SVE_ACC);
      expect(() => act(k, 'nomem', 0)).toThrow(/not enabled/);
    });
  }
});
