/**
 * The `alloc` family (issue 14 part 3): an allocation in a kernel path fails (kzalloc returns
 * NULL) and the path does what its tree does with that: do_sve_acc()/do_sme_acc() kill the task
 * (force_sig(SIGKILL), fpsimd.c v5.13+ and 6.12.118); vec_set_vector_length() (A era and
 * 6.12.118, fpsimd.c:835-929) frees sve_state, reallocates it and does not look at the result.
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { EVENTS, eventIndex } from '../../src/kernel/events.js';
import { KPath, TaskState } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

function boot(expr: string): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(expr);
  return createMachine(v.Kernel, { cpus: 1, tasks: [{ name: 'C' }, { name: 'T' }] });
}
const C = (k: Kvm) => k.tasks[slot(k, 'C')]!;
const nomemEnabled = (k: Kvm) => EVENTS[eventIndex('nomem')]!.enabled(k, 0, 0);

describe('the SVE and SME traps: a failed allocation kills the task', () => {
  for (const variant of ['v5.17', 'v6.1.y', 'v6.12', 'v6.12-rc1', 'mainline']) {
    it(`${variant}: the SVE trap's sve_alloc() fails: SIGKILL, and no other task is harmed`, () => {
      const k = boot(variant);
      act(k, 'switch', 0, slot(k, 'C'));
      act(k, 'ret_to_user', 0);
      act(k, 'sve_write', 0); // traps: the SVE_ACC path
      expect(C(k).kpath).toBe(KPath.SVE_ACC);
      expect(C(k).sve_state).toBe(false);
      expect(nomemEnabled(k)).toBe(true);
      expect(act(k, 'nomem', 0)).toBeNull();
      expect(C(k).state).toBe(TaskState.ZOMBIE);
      expect(C(k).sve_state).toBe(false);
    });
  }
  it('v6.12-rc1: the SME trap with sme_alloc() failing: SIGKILL', () => {
    const k = boot('v6.12-rc1');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'smstart_za', 0);
    expect(C(k).kpath).toBe(KPath.SME_ACC);
    expect(act(k, 'nomem', 0)).toBeNull();
    expect(C(k).state).toBe(TaskState.ZOMBIE);
  });
  it('a trap whose buffer already exists allocates nothing: nomem is not enabled', () => {
    const k = boot('v5.17');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0); // v5.17 discards SVE: TIF_SVE clear, the buffer kept
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    expect(C(k).kpath).toBe(KPath.SVE_ACC);
    expect(C(k).sve_state).toBe(true);
    expect(nomemEnabled(k)).toBe(false);
  });
});

/**
 * v6.12-rc1's vec_set_vector_length() for the SVE VL keeps SVCR.ZA and TIF_SME when ZA is on
 * (only "if the task has neither SM nor ZA" is SME dropped), then sve_free(); sve_alloc(task,
 * true) with no check. If that kzalloc fails the task returns with ZA on, TIF_SME set and no
 * sve_state; SMSTART SM does not trap (TIF_SME), and the next save stores the streaming Z/P
 * registers through last->sve_state = NULL. 49ce484187f7 (change_live_vector_length(), v6.16)
 * allocates the new buffer before changing anything and returns -ENOMEM on failure.
 */
describe('a VL change whose reallocation fails (vec_set_vector_length, A era)', () => {
  function zaOnThenSetVl(variant: string): Kvm {
    const k = boot(variant);
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'smstart_za', 0); // traps: the SME_ACC path
    if (C(k).kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'smstart_za', 0); // retried: ZA on
    act(k, 'za_write', 0);
    act(k, 'syscall', 0);
    act(k, 'set_vl', 0);
    return k;
  }
  it('v6.12-rc1: ZA on, the SVE VL changes, sve_alloc() fails; SMSTART SM, and the next save writes through a NULL sve_state (memory-safety)', () => {
    const k = zaOnThenSetVl('v6.12-rc1');
    expect(C(k).kpath).toBe(KPath.SET_VL);
    expect(nomemEnabled(k)).toBe(true);
    expect(act(k, 'nomem', 0)).toBeNull();
    expect(C(k).sve_state).toBe(false);
    expect(C(k).TIF_SME).toBe(true);
    expect(C(k).svcr_ZA).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'smstart_sm', 0)).toBeNull(); // no trap: TIF_SME is set
    const v = act(k, 'switch', 0, slot(k, 'T'));
    expect(v).toMatchObject({ invariant: 'memory-safety', where: 'fpsimd_save_user_state' });
  });
  it('v6.12-rc1: the same steps with the allocation succeeding are clean', () => {
    const k = zaOnThenSetVl('v6.12-rc1');
    expect(act(k, 'continue', 0)).toBeNull();
    expect(C(k).sve_state).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'smstart_sm', 0)).toBeNull();
    expect(act(k, 'switch', 0, slot(k, 'T'))).toBeNull();
  });
  it('mainline (49ce484187f7): the VL change is one step that allocates first; there is no step to fail', () => {
    const k = zaOnThenSetVl('mainline');
    expect(C(k).kpath).toBe(KPath.NONE);
    expect(nomemEnabled(k)).toBe(false);
  });
  it('v5.17: the model frees and leaves the reallocation to the next use: nomem is not enabled', () => {
    const k = boot('v5.17');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'set_vl', 0);
    expect(C(k).kpath).toBe(KPath.SET_VL);
    expect(nomemEnabled(k)).toBe(false);
  });

  it('v6.1.y (6.1.192 fpsimd.c:900-911, sve_alloc() unchecked): the reallocation can fail; the task is left without sve_state and TIF_SVE clear, and its next SVE trap allocates again', () => {
    const k = boot('v6.1.y');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'set_vl', 0);
    expect(nomemEnabled(k)).toBe(true);
    expect(act(k, 'nomem', 0)).toBeNull();
    expect([C(k).kpath, C(k).sve_state, C(k).TIF_SVE]).toEqual([KPath.NONE, false, false]);
    act(k, 'ret_to_user', 0);
    expect(act(k, 'sve_write', 0)).toBeNull();
    expect(act(k, 'continue', 0)).toBeNull();
    expect([C(k).sve_state, C(k).TIF_SVE]).toEqual([true, true]);
  });
});
