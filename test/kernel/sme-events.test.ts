/**
 * The SME-era events against the architecture and the kernel's documented ABI
 * (ARM DDI 0487 SME rules; Documentation/arch/arm64/sme.rst and sve.rst):
 *  - SMSTART SM / SMSTOP SM zero Z, P, FFR (so V too) and FPMR; SMSTART ZA zeroes ZA and ZT0;
 *    SMSTOP (ZA) disables ZA;
 *  - the first SME instruction traps while SME is disabled for EL0 (do_sme_acc) and is retried;
 *  - a syscall made in streaming mode returns with PSTATE.SM clear; ZA is preserved;
 *  - ZA and ZT0 are context-switched (sme_state);
 *  - prctl(PR_SME_SET_VL) discards ZA and leaves streaming mode;
 *  - v6.2+ reloads the state at syscall exit with IRQs on (ret_to_user_irq then `continue`);
 *  - an SVE guest's Z registers survive the host running something else.
 * v6.12-rc1 (SME enabled) unless a test says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { sveSaveBytes, VQ_BITS } from '../../src/arch/sizes.js';
import { ZERO } from '../../src/arch/tokens.js';
import { NO_EFFECTS } from '../../src/kernel/effects.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { KPath, Pos } from '../../src/kernel/records.js';
import { act, machine, slot } from '../helpers.js';

const AB = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }] };

/** A in user mode on cpu0 with SME enabled for EL0 (its first SMSTART trapped and was retried). */
function smeEnabled(variant = 'v6.12-rc1') {
  const k = machine(variant, AB);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'fpmr_write', 0);
  return k;
}
const A = (k: Kvm) => k.tasks[slot(k, 'A')]!;

describe('SMSTART / SMSTOP', () => {
  it('the first SMSTART traps to do_sme_acc (a split path), which sets TIF_SME; the retry enters streaming mode', () => {
    const k = smeEnabled();
    const c = k.cpus[0]!;
    expect(c.smen_el0).toBe(false);
    act(k, 'smstart_sm', 0);
    expect(A(k).pos).toBe(Pos.KERNEL);
    expect(A(k).kpath).toBe(KPath.SME_ACC);
    expect(c.regSM).toBe(false); // not executed yet
    act(k, 'continue', 0);
    expect(A(k).TIF_SME).toBe(true);
    act(k, 'ret_to_user', 0);
    expect(c.smen_el0).toBe(true);
    act(k, 'smstart_sm', 0);
    expect(c.regSM).toBe(true);
    expect([c.regV, c.regHi, c.regFPMR]).toEqual([ZERO, ZERO, ZERO]);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  function streaming(variant = 'v6.12-rc1') {
    const k = smeEnabled(variant);
    act(k, 'smstart_sm', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'smstart_sm', 0);
    return k;
  }

  it('SMSTART ZA zeroes ZA and ZT0; SMSTOP SM zeroes Z/P/FFR and FPMR but keeps ZA', () => {
    const k = streaming();
    const c = k.cpus[0]!;
    act(k, 'smstart_za', 0);
    expect(c.regZAen).toBe(true);
    expect([c.regZA, c.regZT0]).toEqual([ZERO, ZERO]);
    act(k, 'za_write', 0);
    act(k, 'sve_write', 0); // streaming SVE
    const za = c.regZA;
    expect(za).not.toBe(ZERO);
    expect(c.regHi).not.toBe(ZERO);
    act(k, 'smstop_sm', 0);
    expect(c.regSM).toBe(false);
    expect([c.regV, c.regHi, c.regFPMR]).toEqual([ZERO, ZERO, ZERO]);
    expect(c.regZAen).toBe(true);
    expect(c.regZA).toBe(za);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('SMSTOP leaves streaming mode and disables ZA', () => {
    const k = streaming();
    const c = k.cpus[0]!;
    act(k, 'smstart_za', 0);
    act(k, 'smstop', 0);
    expect([c.regSM, c.regZAen]).toEqual([false, false]);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('a syscall in streaming mode returns with PSTATE.SM clear and Z zeroed; ZA survives', () => {
    const k = streaming();
    const c = k.cpus[0]!;
    act(k, 'smstart_za', 0);
    act(k, 'za_write', 0);
    const za = c.regZA;
    act(k, 'syscall', 0);
    expect(c.regSM).toBe(false);
    expect([c.regV, c.regHi]).toEqual([ZERO, ZERO]);
    act(k, 'ret_to_user', 0);
    expect(c.regZAen).toBe(true);
    expect(c.regZA).toBe(za);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('ZA and ZT0 are saved into sme_state at a context switch and loaded back', () => {
    const k = streaming();
    const c = k.cpus[0]!;
    act(k, 'smstart_za', 0);
    act(k, 'za_write', 0);
    const za = c.regZA;
    act(k, 'irq', 0);
    act(k, 'switch', 0, slot(k, 'B'));
    expect([A(k).svcr_SM, A(k).svcr_ZA]).toEqual([true, true]);
    expect([A(k).sme_ZA, A(k).sme_ZT0]).toEqual([za, za]);
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    act(k, 'switch', 0, slot(k, 'A'));
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect([c.regSM, c.regZAen, c.regZA]).toEqual([true, true, za]);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('prctl(PR_SME_SET_VL) changes the streaming VL and discards ZA', () => {
    const k = streaming();
    act(k, 'smstart_za', 0);
    act(k, 'za_write', 0);
    const vq = A(k).sme_vq;
    act(k, 'syscall', 0);
    act(k, 'set_sme_vl', 0);
    expect(A(k).sme_vq).not.toBe(vq);
    expect([A(k).svcr_SM, A(k).svcr_ZA, A(k).TIF_SME]).toEqual([false, false, false]);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regZAen).toBe(false);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('no SME on v6.12 (SME depends on BROKEN) nor on v5.17: the SME events are not enabled', () => {
    for (const v of ['v5.17', 'v6.12']) {
      const m = machine(v, AB);
      act(m, 'switch', 0, slot(m, 'A'));
      act(m, 'ret_to_user', 0);
      for (const e of ['smstart_sm', 'smstart_za', 'za_write']) expect(() => act(m, e, 0), `${e} on ${v}`).toThrow(/not enabled/);
    }
  });
});

describe('ret_to_user_irq (v6.2+): the state is reloaded at syscall exit with IRQs on', () => {
  it('an IRQ between the reload and the final return can run softirq NEON; `continue` reloads again and returns', () => {
    const k = machine('v6.12', AB);
    const a = slot(k, 'A');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    const mine = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    act(k, 'switch', 0, slot(k, 'B')); // A sleeps in the syscall; B uses the registers
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    act(k, 'switch', 0, a);
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true);
    act(k, 'ret_to_user_irq', 0);
    expect(k.cpus[0]!.regV).toBe(mine); // loaded
    expect(A(k).kpath).toBe(KPath.RET_USER);
    expect(A(k).pos).toBe(Pos.KERNEL);
    act(k, 'softirq_neon', 0); // takes the registers: A's binding is dropped
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true);
    expect(act(k, 'continue', 0)).toBeNull();
    expect(A(k).pos).toBe(Pos.USER);
    expect(k.cpus[0]!.regV).toBe(mine);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('is not an event of v4.18 or v5.17 (the window is modelled where the save depends on being in a syscall)', () => {
    for (const v of ['v4.18', 'v5.17']) {
      const k = machine(v, AB);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'syscall', 0);
      act(k, 'switch', 0, slot(k, 'B'));
      act(k, 'switch', 0, slot(k, 'A'));
      expect(() => act(k, 'ret_to_user_irq', 0), v).toThrow(/not enabled/);
    }
  });
});

describe('guest_sve: an SVE vcpu (v5.2+)', () => {
  it('the guest\'s Z/P/FFR survive the host running another task in between; hyp restores the SVE layout', () => {
    for (const v of ['v5.17', 'v6.12', 'mainline']) {
      const k = machine(v, { cpus: 1, guestSve: true, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] });
      const b = slot(k, 'B');
      act(k, 'switch', 0, b);
      act(k, 'vcpu_enter', 0);
      expect(act(k, 'guest_sve', 0), v).toBeNull();
      act(k, 'vcpu_exit', 0);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'sve_write', 0);
      act(k, 'continue', 0);
      act(k, 'ret_to_user', 0);
      act(k, 'sve_write', 0);
      act(k, 'switch', 0, b);
      const hyp: { who: string; restore: boolean; bytes: number }[] = [];
      k.fx = { ...NO_EFFECTS, hyp: (_c, who, restore, bytes) => void hyp.push({ who, restore, bytes }) };
      act(k, 'vcpu_enter', 0);
      expect(act(k, 'guest_sve', 0), v).toBeNull(); // checkGuestView: its own Z/P/FFR
      expect(hyp.filter((h) => h.who === 'guest'), v).toEqual([{ who: 'guest', restore: true, bytes: sveSaveBytes(k.defaultVq * VQ_BITS) }]);
    }
  });

  it('is not an event without SVE guests (v4.18)', () => {
    const k = machine('v4.18', { cpus: 1, guestSve: true, tasks: [{ name: 'B', vcpu: true }] });
    act(k, 'switch', 0, slot(k, 'B'));
    act(k, 'vcpu_enter', 0);
    expect(() => act(k, 'guest_sve', 0)).toThrow(/not enabled/);
  });
});
