/**
 * The SME-era events against the SME ABI (Documentation/arch/arm64/sme.rst) and the
 * architecture's rules for PSTATE.SM and PSTATE.ZA, on the variants with SME (v6.12-rc1 and
 * mainline): what SMSTART/SMSTOP zero, the SME access trap, a syscall in streaming mode, fork
 * with ZA live, signal delivery and return with streaming mode and ZA live, and that kernels
 * without SME (v5.17, v6.12) never enable these events.
 */
import { describe, expect, it } from 'vitest';
import { ZERO, dataToken, versionOf, writerOf } from '../../src/arch/tokens.js';
import { EVENTS } from '../../src/kernel/events.js';
import { KPath, Pos, TaskState } from '../../src/kernel/records.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { act, machine, slot } from '../helpers.js';

const SME_VARIANTS = ['v6.12-rc1', 'mainline'] as const;
const SPEC = { cpus: 2, tasks: [{ name: 'A' }, { name: 'Q' }], spareSlots: 1 };

const A = (k: Kvm) => k.tasks[slot(k, 'A')]!;

/** Runs `continue` on cpu0 while A is part-way through a kernel path (variants split paths differently). */
function finishPath(k: Kvm, cpu = 0) {
  while (A(k).kpath !== KPath.NONE && A(k).state === TaskState.RUNNING) expect(act(k, 'continue', cpu)).toBeNull();
}

/** User SVE writes on cpu0, taking (and finishing) the SVE access trap first if EL0 SVE is disabled. */
function sveWrite(k: Kvm) {
  act(k, 'sve_write', 0);
  if (A(k).pos === Pos.KERNEL) {
    finishPath(k);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    act(k, 'sve_write', 0);
  }
  expect(A(k).pos).toBe(Pos.USER);
}

/** A in user space on cpu0, its first SME instruction trapped and handled: SME enabled for EL0. */
function smeUser(variant: string): Kvm {
  const k = machine(variant, SPEC);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  expect(k.cpus[0]!.smen_el0).toBe(false);
  act(k, 'smstart_za', 0); // traps: el0_sme_acc
  expect(A(k).pos).toBe(Pos.KERNEL);
  expect(k.cpus[0]!.regZAen).toBe(false); // the trapped instruction did not execute
  finishPath(k);
  expect(A(k).TIF_SME).toBe(true);
  expect(act(k, 'ret_to_user', 0)).toBeNull();
  expect(k.cpus[0]!.smen_el0).toBe(true);
  return k;
}

for (const variant of SME_VARIANTS) {
  describe(`${variant}: SMSTART and SMSTOP (ARM DDI 0487, sme.rst §3)`, () => {
    it('the first SME instruction traps (do_sme_acc: TIF_SME, sme_state); the retried one does not', () => {
      const k = smeUser(variant);
      expect(A(k).sme_state).toBe(true);
      expect(act(k, 'smstart_za', 0)).toBeNull();
      expect(A(k).pos).toBe(Pos.USER);
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
      expect(A(k).exp_ZA).toBe(ZERO);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('SMSTOP disables ZA (and streaming mode); ZA can be written again only after SMSTART ZA', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      expect(act(k, 'smstop', 0)).toBeNull();
      expect(k.cpus[0]!.regZAen).toBe(false);
      expect(A(k).exp_ZAen).toBe(false);
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
      expect(A(k).exp_SM).toBe(false);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'fp_read', 0)).toBeNull();
    });

    it('ZA survives a syscall that blocks, and a migration, while other tasks run', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = A(k).exp_ZA;
      act(k, 'syscall', 0);
      act(k, 'switch', 0, slot(k, 'Q'));
      act(k, 'switch', 1, slot(k, 'A'));
      expect(act(k, 'ret_to_user', 1)).toBeNull();
      expect(k.cpus[1]!.regZAen).toBe(true);
      expect(k.cpus[1]!.regZA).toBe(za);
      expect(act(k, 'fp_read', 1)).toBeNull();
    });

    it('fork() with ZA live: the child has PSTATE.SM clear and PSTATE.ZA set, with a copy of the parent\'s ZA (za-fork)', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      const za = A(k).exp_ZA;
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
      const { exp_V: z, exp_ZA: za } = A(k);
      act(k, 'irq', 0);
      expect(act(k, 'signal', 0)).toBeNull();
      finishPath(k);
      const a = A(k);
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
      expect(A(k).sig_za).toBe(false);
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

  describe(`${variant}: PR_SME_SET_VL (sme.rst §6)`, () => {
    it('changing the SME VL clears PSTATE.ZA and keeps the V registers', () => {
      const k = smeUser(variant);
      act(k, 'smstart_za', 0);
      act(k, 'za_write', 0);
      act(k, 'fp_write', 0);
      const v = A(k).exp_V;
      const svq = A(k).sme_vq;
      act(k, 'syscall', 0);
      expect(act(k, 'set_sme_vl', 0)).toBeNull();
      expect(A(k).sme_vq).not.toBe(svq);
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
      const k = machine(variant, SPEC);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      for (const name of SME_EVENTS) expect(EVENTS.find((e) => e.name === name)!.enabled(k, 0, 0), name).toBe(false);
      act(k, 'syscall', 0);
      for (const name of SME_EVENTS) expect(EVENTS.find((e) => e.name === name)!.enabled(k, 0, 0), name).toBe(false);
    });
  }

  it('FPMR is written by user space on v6.12 (FEAT_FPMR, v6.9+) but not on v5.17', () => {
    const fpmr = EVENTS.find((e) => e.name === 'fpmr_write')!;
    for (const [variant, enabled] of [['v5.17', false], ['v6.12', true], ['mainline', true]] as const) {
      const k = machine(variant, SPEC);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      expect(fpmr.enabled(k, 0, 0), variant).toBe(enabled);
    }
  });
});
