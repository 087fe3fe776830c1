/**
 * rt_sigreturn with the allocation of thread.sve_state failing (the `alloc` family's nomem at
 * the SIGRETURN path's copy step). What the trees do: v4.15's sve_alloc() ends in
 * BUG_ON(!task->thread.sve_state), a BUG by design then, which the model does not offer; from v5.x restore_sve_fpsimd_context() checks the buffer,
 * clears TIF_SVE and returns -ENOMEM, and rt_sigreturn takes the bad-frame exit (SIGSEGV) —
 * Debian 6.1.192 signal.c:341-345, 6.12.118 signal.c:469-473.
 *
 * A task that never used SVE has no sve_state; its handler gives the frame an SVE payload
 * (frame_sve_payload, as CRIU may), so the copy step must allocate.
 */
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { EVENTS, eventIndex } from '../../src/kernel/events.js';
import { KPath, TaskState } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

function boot(variant: string): Kvm {
  return createMachine(variantOfExpression(variant)!.Kernel, { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }] });
}
const A = (k: Kvm) => k.tasks[slot(k, 'A')]!;
const nomemEnabled = (k: Kvm) => EVENTS[eventIndex('nomem')]!.enabled(k, 0, 0);

/** A (FPSIMD only, no sve_state) takes a signal; its handler adds SVE register data to the frame and returns. */
function atCopyStep(k: Kvm): void {
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'irq', 0);
  act(k, 'signal', 0);
  while (A(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'frame_sve_payload', 0);
  expect(A(k).sve_state).toBe(false);
  act(k, 'sigreturn', 0);
  expect([A(k).kpath, A(k).kstep]).toEqual([KPath.SIGRETURN, 1]);
}

/**
 * v4.x (no sigframe family): A uses SVE and takes a signal (an SVE frame); the handler changes
 * its VL twice with prctl, back to the frame's: each change frees sve_state (v4.15
 * sve_set_vector_length()), so sigreturn's copy step must allocate.
 */
function atCopyStepV4(k: Kvm): void {
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  if (A(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'irq', 0);
  act(k, 'signal', 0);
  while (A(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  for (let i = 0; i < 2; i++) {
    act(k, 'syscall', 0);
    act(k, 'set_vl', 0);
    while (A(k).kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
  }
  expect(A(k).sve_state).toBe(false);
  expect(A(k).sig_sve).toBe(true);
  act(k, 'sigreturn', 0);
  expect([A(k).kpath, A(k).kstep]).toEqual([KPath.SIGRETURN, 1]);
}

describe('sigreturn of an SVE record with kzalloc failing', () => {
  for (const variant of ['v4.15', 'v4.18']) {
    it(`${variant}: sve_alloc() BUGs on failure by design, so the failure is not offered`, () => {
      const k = boot(variant);
      atCopyStepV4(k);
      expect(nomemEnabled(k)).toBe(false);
      expect(act(k, 'continue', 0)).toBeNull();
      expect(A(k).sve_state).toBe(true);
    });
  }
  for (const variant of ['v5.17', 'v6.1.y', 'v6.12', 'v6.12-rc1', 'mainline', 'mainline+d2907cbe9ea0']) {
    it(`${variant}: -ENOMEM, a bad frame: SIGSEGV, and the other task is unharmed`, () => {
      const k = boot(variant);
      atCopyStep(k);
      expect(nomemEnabled(k)).toBe(true);
      expect(act(k, 'nomem', 0)).toBeNull();
      expect(A(k).state).toBe(TaskState.ZOMBIE);
      expect(A(k).TIF_SVE).toBe(false);
      expect(A(k).sve_state).toBe(false);
      act(k, 'switch', 0, slot(k, 'B'));
      act(k, 'ret_to_user', 0);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  }
  it('without the failure the same sigreturn restores the frame', () => {
    const k = boot('v6.12');
    atCopyStep(k);
    expect(act(k, 'continue', 0)).toBeNull();
    expect(A(k).sve_state).toBe(true);
  });
  it('a task that already has sve_state allocates nothing at the copy step: nomem is not enabled', () => {
    const k = boot('v5.17');
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    if (A(k).kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'irq', 0);
    act(k, 'signal', 0);
    while (A(k).kpath) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sigreturn', 0);
    expect([A(k).kpath, A(k).kstep]).toEqual([KPath.SIGRETURN, 1]);
    expect(A(k).sve_state).toBe(true);
    expect(nomemEnabled(k)).toBe(false);
  });
});
