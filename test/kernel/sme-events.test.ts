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
 *
 * The second part runs the same ABI on both SME variants (v6.12-rc1 and mainline), with fork
 * with ZA live (za-fork), signal delivery and return with streaming mode and ZA live, and the
 * kernels without SME.
 */
import { describe, expect, it } from 'vitest';
import { sveSaveBytes, VQ_BITS } from '../../src/arch/sizes.js';
import { ZERO, dataToken, versionOf, writerOf } from '../../src/arch/tokens.js';
import { NO_EFFECTS } from '../../src/kernel/effects.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, KPath, Pos, TaskState } from '../../src/kernel/records.js';
import { EVENTS } from '../../src/kernel/events.js';
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
  it("the guest's Z/P/FFR survive the host running another task in between; hyp restores the SVE layout", () => {
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
      expect(
        hyp.filter((h) => h.who === 'guest'),
        v,
      ).toEqual([{ who: 'guest', restore: true, bytes: sveSaveBytes(k.defaultVq * VQ_BITS) }]);
    }
  });

  it('is not an event without SVE guests (v4.18)', () => {
    const k = machine('v4.18', { cpus: 1, guestSve: true, tasks: [{ name: 'B', vcpu: true }] });
    act(k, 'switch', 0, slot(k, 'B'));
    act(k, 'vcpu_enter', 0);
    expect(() => act(k, 'guest_sve', 0)).toThrow(/not enabled/);
  });
});

// --- the SME ABI on every SME variant: fork, signals, kernels without SME -------------------------

const SME_VARIANTS = ['v6.12-rc1', 'mainline'] as const;
const SPEC2 = { cpus: 2, tasks: [{ name: 'A' }, { name: 'Q' }], spareSlots: 1 };

const taskA = (k: Kvm) => k.tasks[slot(k, 'A')]!;

/** Runs `continue` on cpu0 while A is part-way through a kernel path (variants split paths differently). */
function finishPath(k: Kvm, cpu = 0) {
  while (taskA(k).kpath !== KPath.NONE && taskA(k).state === TaskState.RUNNING) expect(act(k, 'continue', cpu)).toBeNull();
}

/** User SVE writes on cpu0, taking (and finishing) the SVE access trap first if EL0 SVE is disabled. */
function sveWrite(k: Kvm) {
  act(k, 'sve_write', 0);
  if (taskA(k).pos === Pos.KERNEL) {
    finishPath(k);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    act(k, 'sve_write', 0);
  }
  expect(taskA(k).pos).toBe(Pos.USER);
}

/** A in user space on cpu0, its first SME instruction trapped and handled: SME enabled for EL0. */
function smeUser(variant: string): Kvm {
  const k = machine(variant, SPEC2);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  expect(k.cpus[0]!.smen_el0).toBe(false);
  act(k, 'smstart_za', 0); // traps: el0_sme_acc
  expect(taskA(k).pos).toBe(Pos.KERNEL);
  expect(k.cpus[0]!.regZAen).toBe(false); // the trapped instruction did not execute
  finishPath(k);
  expect(taskA(k).TIF_SME).toBe(true);
  expect(act(k, 'ret_to_user', 0)).toBeNull();
  expect(k.cpus[0]!.smen_el0).toBe(true);
  return k;
}

for (const variant of SME_VARIANTS) {
  describe(`${variant}: SMSTART and SMSTOP (ARM DDI 0487, sme.rst §3)`, () => {
    it('the first SME instruction traps (do_sme_acc: TIF_SME, sme_state); the retried one does not', () => {
      const k = smeUser(variant);
      expect(taskA(k).sme_state).toBe(true);
      expect(act(k, 'smstart_za', 0)).toBeNull();
      expect(taskA(k).pos).toBe(Pos.USER);
      expect(k.cpus[0]!.regZAen).toBe(true);
    });

    it('SMSTART SM zeroes Z/P/FFR (V included) and FPMR; ZA is untouched', () => {
      const k = smeUser(variant);
      const c = k.cpus[0]!;
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = c.regZA;
      sveWrite(k);
      act(k, 'fpmr_write', 0);
      expect(c.regV).not.toBe(ZERO);
      expect(c.regHi).not.toBe(ZERO);
      expect(act(k, 'smstart_sm', 0)).toBeNull();
      expect(c.regSM).toBe(true);
      expect([c.regV, c.regHi, c.regFPMR]).toEqual([ZERO, ZERO, ZERO]);
      expect(c.regZA).toBe(za);
      expect(act(k, 'fp_read', 0)).toBeNull(); // user space expects exactly that
    });

    it('SMSTOP SM zeroes the streaming registers and FPMR again, and keeps ZA enabled with its data', () => {
      const k = smeUser(variant);
      const c = k.cpus[0]!;
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = c.regZA;
      act(k, 'smstart_sm', 0);
      act(k, 'sve_write', 0);
      act(k, 'fpmr_write', 0);
      expect(act(k, 'smstop_sm', 0)).toBeNull();
      expect(c.regSM).toBe(false);
      expect([c.regV, c.regHi, c.regFPMR]).toEqual([ZERO, ZERO, ZERO]);
      expect(c.regZAen).toBe(true);
      expect(c.regZA).toBe(za);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('SMSTART ZA zeroes ZA and ZT0 and leaves the vector registers alone', () => {
      const k = smeUser(variant);
      const c = k.cpus[0]!;
      act(k, 'fp_write', 0);
      const v = c.regV;
      expect(act(k, 'smstart_za', 0)).toBeNull();
      expect([c.regZA, c.regZT0]).toEqual([ZERO, ZERO]);
      expect(c.regV).toBe(v);
      expect(taskA(k).exp_ZA).toBe(ZERO);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('SMSTOP disables ZA (and streaming mode); ZA can be written again only after SMSTART ZA', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      expect(act(k, 'smstop', 0)).toBeNull();
      expect(k.cpus[0]!.regZAen).toBe(false);
      expect(taskA(k).exp_ZAen).toBe(false);
      expect(EVENTS.find((e) => e.name === 'za_write')!.enabled(k, 0, 0)).toBe(false);
      expect(act(k, 'smstart_za', 0)).toBeNull();
      expect(k.cpus[0]!.regZA).toBe(ZERO); // nothing of the old ZA comes back
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  });

  describe(`${variant}: system calls (sme.rst §4)`, () => {
    it('a syscall made in streaming mode clears PSTATE.SM (Z zeroed) and preserves PSTATE.ZA and ZA', () => {
      const k = smeUser(variant);
      const c = k.cpus[0]!;
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = c.regZA;
      act(k, 'smstart_sm', 0);
      act(k, 'sve_write', 0);
      expect(act(k, 'syscall', 0)).toBeNull();
      expect(c.regSM).toBe(false);
      expect(c.regV).toBe(ZERO);
      expect(c.regZAen).toBe(true);
      expect(c.regZA).toBe(za);
      expect(taskA(k).exp_SM).toBe(false);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('ZA survives a syscall that blocks, and a migration, while other tasks run', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = taskA(k).exp_ZA;
      act(k, 'syscall', 0);
      act(k, 'switch', 0, slot(k, 'Q'));
      act(k, 'switch', 1, slot(k, 'A'));
      expect(act(k, 'ret_to_user', 1)).toBeNull();
      expect(k.cpus[1]!.regZAen).toBe(true);
      expect(k.cpus[1]!.regZA).toBe(za);
      expect(act(k, 'fp_read', 1)).toBeNull();
    });

    it("fork() with ZA live: the child has PSTATE.SM clear and PSTATE.ZA set, with a copy of the parent's ZA (za-fork)", () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = taskA(k).exp_ZA;
      act(k, 'smstart_sm', 0);
      act(k, 'syscall', 0);
      const free = k.tasks.find((t) => t.state === TaskState.FREE)!;
      expect(act(k, 'fork', 0, free.slot)).toBeNull();
      const child = free;
      expect(child.svcr_SM).toBe(false);
      expect(child.svcr_ZA).toBe(true);
      expect(child.TIF_SME).toBe(true);
      // the child's copy is its own data (the same version, attributed to the child)
      expect(writerOf(child.sme_ZA)).toBe(k.layout.writerOfTask(child.slot));
      expect(versionOf(child.sme_ZA)).toBe(versionOf(za));
      expect(child.exp_ZA).toBe(dataToken(k.layout.writerOfTask(child.slot), versionOf(za)));
      act(k, 'switch', 1, child.slot);
      expect(act(k, 'ret_to_user', 1)).toBeNull();
      expect(k.cpus[1]!.regZAen).toBe(true);
      expect(k.cpus[1]!.regSM).toBe(false);
      expect(act(k, 'fp_read', 1)).toBeNull();
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'fp_read', 0)).toBeNull();
      expect(k.cpus[0]!.regZA).toBe(za);
    });
  });

  describe(`${variant}: signals (sme.rst §5)`, () => {
    it('the handler runs with PSTATE.SM and PSTATE.ZA clear; the frame holds the streaming registers and ZA; sigreturn restores both', () => {
      const k = smeUser(variant);
      const c = k.cpus[0]!;
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      act(k, 'smstart_sm', 0);
      act(k, 'sve_write', 0);
      const { exp_V: z, exp_ZA: za } = taskA(k);
      act(k, 'irq', 0);
      expect(act(k, 'signal', 0)).toBeNull();
      finishPath(k);
      const a = taskA(k);
      expect(a.sig_sm).toBe(true);
      expect(a.sig_sve).toBe(true);
      expect(a.sig_vq).toBe(a.sme_vq);
      expect(a.sig_zV).toBe(z);
      expect(a.sig_za).toBe(true);
      expect(a.sig_ZA).toBe(za);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(c.regSM).toBe(false);
      expect(c.regZAen).toBe(false);
      expect(act(k, 'fp_read', 0)).toBeNull();
      act(k, 'fp_write', 0); // the handler uses FPSIMD
      expect(act(k, 'sigreturn', 0)).toBeNull();
      finishPath(k);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(c.regSM).toBe(true);
      expect(c.regZAen).toBe(true);
      expect(c.regZA).toBe(za);
      expect(c.regV).toBe(z);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('sigreturn from a frame whose za_context has no register data leaves ZA disabled, even if the handler enabled it', () => {
      const k = smeUser(variant);
      act(k, 'fp_write', 0); // no ZA: the frame's za_context has no register data
      act(k, 'irq', 0);
      act(k, 'signal', 0);
      finishPath(k);
      expect(taskA(k).sig_za).toBe(false);
      act(k, 'ret_to_user', 0);
      act(k, 'smstart_za', 0); // the handler enables ZA itself
      act(k, 'za_write', 0);
      act(k, 'sigreturn', 0);
      finishPath(k);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(k.cpus[0]!.regZAen).toBe(false); // sme.rst: no ZA data in the frame → ZA disabled
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  });

  describe(`${variant}: ptrace of a task stopped in streaming mode`, () => {
    it('an NT_PRFPREG write reaches the streaming registers (zero-extended); SVCR.SM and ZA are kept', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = taskA(k).exp_ZA;
      act(k, 'smstart_sm', 0);
      act(k, 'sve_write', 0);
      act(k, 'irq', 0);
      act(k, 'ptrace_stop', 0);
      const a = taskA(k);
      expect([a.svcr_SM, a.svcr_ZA, a.fp_type]).toEqual([true, true, FpType.SVE]);
      act(k, 'switch', 1, slot(k, 'Q'));
      act(k, 'ret_to_user', 1);
      act(k, 'syscall', 1);
      expect(act(k, 'ptrace_fpr', 1, a.slot)).toBeNull();
      // snapshot A: sve_sync_from_fpsimd_zeropad() for TIF_SVE *or* SVCR.SM
      expect(a.sve_V).toBe(a.exp_V);
      expect(a.sve_Hi).toBe(ZERO);
      expect(act(k, 'ptrace_read', 1, a.slot)).toBeNull();
      act(k, 'ptrace_cont', 0, a.slot);
      act(k, 'idle', 1);
      act(k, 'switch', 0, a.slot);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(k.cpus[0]!.regSM).toBe(true);
      expect(k.cpus[0]!.regZA).toBe(za);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  });

  describe(`${variant}: PR_SME_SET_VL (sme.rst §6)`, () => {
    it('changing the SME VL clears PSTATE.ZA and keeps the V registers', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      act(k, 'fp_write', 0);
      const v = taskA(k).exp_V;
      const svq = taskA(k).sme_vq;
      act(k, 'syscall', 0);
      expect(act(k, 'set_sme_vl', 0)).toBeNull();
      expect(taskA(k).sme_vq).not.toBe(svq);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(k.cpus[0]!.regZAen).toBe(false);
      expect(k.cpus[0]!.regV).toBe(v);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  });
}

describe('kernels without SME never enable the SME events', () => {
  const SME_EVENTS = EVENTS.filter((e) => e.family === 'sme').map((e) => e.name);

  for (const variant of ['v4.18', 'v5.17', 'v6.12']) {
    it(`${variant}: no SME event is enabled for a task in user space or in a syscall`, () => {
      const k = machine(variant, SPEC2);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      for (const name of SME_EVENTS) expect(EVENTS.find((e) => e.name === name)!.enabled(k, 0, 0), name).toBe(false);
      act(k, 'syscall', 0);
      for (const name of SME_EVENTS) expect(EVENTS.find((e) => e.name === name)!.enabled(k, 0, 0), name).toBe(false);
    });
  }

  it('FPMR is written by user space on v6.12 (FEAT_FPMR, v6.9+) but not on v5.17', () => {
    const fpmr = EVENTS.find((e) => e.name === 'fpmr_write')!;
    for (const [variant, enabled] of [
      ['v5.17', false],
      ['v6.12', true],
      ['mainline', true],
    ] as const) {
      const k = machine(variant, SPEC2);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      expect(fpmr.enabled(k, 0, 0), variant).toBe(enabled);
    }
  });
});
