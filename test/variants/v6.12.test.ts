/**
 * v6.12 (and v6.12-rc1, the same code with SME enabled and without 751ecf6afd65). Each
 * expectation is derived from the snapshot A/K code the variant header cites:
 *  - fpsimd_save_user_state(): the SVE format when to_save is CURRENT, TIF_SVE is set and we
 *    are not in a syscall (8c845e273104), else FPSIMD; the format is recorded in fp_type;
 *  - a syscall keeps TIF_SVE and EL0 SVE enabled and zeroes the live SVE part;
 *  - task-level kernel-mode NEON is preemptible: TIF_KERNEL_FPSTATE makes the context switch
 *    save and restore the kernel's registers (kernel_fpsimd_state), not the user's;
 *  - FPMR is saved with the rest (uw.fpmr) and loaded back;
 *  - do_sve_acc() flushes the task's binding when it converts in memory (751ecf6afd65);
 *  - KVM: fpsimd_kvm_prepare() at vcpu_load converts the memory copy to FPSIMD if TIF_SVE.
 */
import { describe, expect, it } from 'vitest';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../../src/arch/sizes.js';
import { ZERO } from '../../src/arch/tokens.js';
import { Format, NO_EFFECTS, type EffectSink, type FormatId } from '../../src/kernel/effects.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, KPath, NR_CPUS } from '../../src/kernel/records.js';
import { act, machine, slot } from '../helpers.js';

const AB = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }] };

type Save = { ctx: number; format: FormatId; bytes: number };
function saves(k: Kvm): Save[] {
  const out: Save[] = [];
  const sink: EffectSink = { ...NO_EFFECTS, save: (_c, ctx, format, bytes) => void out.push({ ctx, format, bytes }) };
  k.fx = sink;
  return out;
}

/** A on cpu0 in user mode with live SVE state (TIF_SVE set, EL0 SVE enabled). */
function sveLive(variant: string, spec = AB) {
  const k = machine(variant, spec);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'continue', 0); // do_sve_acc(): state live, converted in registers
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  return k;
}

describe('v6.12: fp_type and to_save', () => {
  it('a syscall keeps TIF_SVE and EL0 SVE, and zeroes the live SVE part', () => {
    const k = sveLive('v6.12');
    const a = k.tasks[slot(k, 'A')]!;
    const v = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    expect(a.TIF_SVE).toBe(true);
    expect(k.cpus[0]!.zen_el0).toBe(true);
    expect(k.cpus[0]!.regHi).toBe(ZERO);
    expect(k.cpus[0]!.regV).toBe(v);
  });

  it('switched out inside a syscall: saved in FPSIMD format, fp_type FPSIMD', () => {
    const k = sveLive('v6.12');
    const a = k.tasks[slot(k, 'A')]!;
    const v = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    const s = saves(k);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(s).toEqual([{ ctx: k.layout.stOfTask(a.slot), format: Format.FPSIMD, bytes: FPSIMD_STATE_BYTES }]);
    expect(a.fp_type).toBe(FpType.FPSIMD);
    expect(a.uw_V).toBe(v);
    expect(a.TIF_SVE).toBe(true); // still allowed SVE: the next load zero-extends
  });

  it('preempted from user mode (an IRQ): saved in SVE format at its VL, fp_type SVE', () => {
    const k = sveLive('v6.12');
    const a = k.tasks[slot(k, 'A')]!;
    const z = k.cpus[0]!.regHi;
    act(k, 'irq', 0);
    const s = saves(k);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(s).toEqual([{ ctx: k.layout.stOfTask(a.slot), format: Format.SVE, bytes: sveSaveBytes(a.sve_vq * VQ_BITS) }]);
    expect(a.fp_type).toBe(FpType.SVE);
    expect(a.sve_Hi).toBe(z);
  });
});

describe('v6.12: preemptible kernel-mode NEON (TIF_KERNEL_FPSTATE)', () => {
  it('a section preempted by B keeps its registers; the user state is reloaded at the return', () => {
    const k = machine('v6.12', AB);
    const a = slot(k, 'A');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    const user = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    act(k, 'kernel_neon', 0);
    const ta = k.tasks[a]!;
    expect(ta.TIF_KERNEL_FPSTATE).toBe(true);
    expect(ta.kpath).toBe(KPath.KERNEL_NEON);
    expect(ta.uw_V).toBe(user); // kernel_neon_begin saved the user state first
    const kernel = k.cpus[0]!.regV;
    const s = saves(k);
    act(k, 'switch', 0, slot(k, 'B')); // preempted inside the section
    expect(s[0]).toEqual({ ctx: k.layout.stOfKernelState(a), format: Format.FPSIMD, bytes: FPSIMD_STATE_BYTES });
    expect(ta.kernel_st).toBe(kernel);
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0); // B clobbers the registers
    act(k, 'switch', 0, a); // the kernel state is loaded back
    expect(k.cpus[0]!.regV).toBe(kernel);
    expect(act(k, 'continue', 0)).toBeNull(); // the section's check of its registers, kernel_neon_end
    expect(ta.TIF_KERNEL_FPSTATE).toBe(false);
    expect(ta.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(user);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('v5.17 runs the whole section in one step (not preemptible)', () => {
    const k = machine('v5.17', AB);
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'kernel_neon', 0);
    expect(k.tasks[slot(k, 'A')]!.kpath).toBe(KPath.NONE);
  });
});

describe('v6.12: FPMR', () => {
  it('is saved into uw.fpmr at a context switch and loaded back before the return', () => {
    const k = machine('v6.12', AB);
    const a = slot(k, 'A');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'fpmr_write', 0);
    const fpmr = k.cpus[0]!.regFPMR;
    act(k, 'irq', 0);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(k.tasks[a]!.uw_fpmr).toBe(fpmr);
    act(k, 'ret_to_user', 0);
    act(k, 'fpmr_write', 0);
    expect(k.cpus[0]!.regFPMR).not.toBe(fpmr);
    act(k, 'switch', 0, a);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regFPMR).toBe(fpmr);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('is not there before v6.9: fpmr_write is not enabled on v5.17', () => {
    const k = machine('v5.17', AB);
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    expect(() => act(k, 'fpmr_write', 0)).toThrow(/not enabled/);
  });

  it("the signal record reads the live FPMR even when current's state is not loaded (v6.9-v6.15)", () => {
    // do_notify_resume() delivers the signal before it restores the FP state; A was just
    // switched in, so the registers are not A's: preserve_fpmr_context() records another FPMR
    for (const [variant, ok] of [
      ['v6.12', false],
      ['mainline', true],
    ] as const) {
      const k = machine(variant, AB);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'signal', 0);
      const v = act(k, 'continue', 0);
      if (ok) expect(v, variant).toBeNull();
      else expect(v, variant).toMatchObject({ invariant: 'integrity', kind: 'lost', where: 'setup_sigframe' });
    }
  });
});

describe('751ecf6afd65: do_sve_acc() on a CPU the state is not live on', () => {
  function migratedTrap(variant: string) {
    const k = machine(variant, { cpus: 2, tasks: [{ name: 'A' }] });
    const a = slot(k, 'A');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'idle', 0);
    act(k, 'switch', 1, a);
    act(k, 'continue', 1);
    return { k, t: k.tasks[a]! };
  }

  it('v6.12-rc1 leaves the task bound to cpu0, whose stale registers are reused later (WARN + SIGKILL)', () => {
    const { k, t } = migratedTrap('v6.12-rc1');
    expect(t.fpsimd_cpu).toBe(0);
    act(k, 'idle', 1);
    act(k, 'switch', 0, t.slot);
    expect(t.TIF_FOREIGN_FPSTATE).toBe(false);
    expect(act(k, 'idle', 0)).toMatchObject({ invariant: 'kernel-warn', where: 'fpsimd_save_user_state' });
  });

  it('v6.12 flushes the binding: the task reloads its converted SVE state wherever it runs next', () => {
    const { k, t } = migratedTrap('v6.12');
    expect(t.fpsimd_cpu).toBe(NR_CPUS);
    expect(t.fp_type).toBe(FpType.SVE);
    act(k, 'idle', 1);
    act(k, 'switch', 0, t.slot);
    expect(t.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.zen_el0).toBe(true);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('v6.12 KVM: fpsimd_kvm_prepare() at vcpu_load (93ae6b01bafe)', () => {
  it('converts the memory copy to FPSIMD when TIF_SVE is set: a stale sve_state overwrites the V registers saved in the syscall (fbc7e61195e2)', () => {
    // the VMM B uses SVE, enters KVM_RUN (TIF_SVE kept), a softirq saves B's registers in
    // FPSIMD format (in a syscall); vcpu_load then runs sve_to_fpsimd() from sve_state, which
    // still holds what sve_alloc() left there
    const k = machine('v6.12', { cpus: 1, tasks: [{ name: 'B', vcpu: true }] });
    const b = slot(k, 'B');
    act(k, 'switch', 0, b);
    act(k, 'kvm_exit', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    const mine = k.cpus[0]!.regV;
    act(k, 'sve_write', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'softirq_neon', 0);
    const t = k.tasks[b]!;
    expect(t.fp_type).toBe(FpType.FPSIMD);
    expect(t.uw_V).not.toBe(ZERO);
    act(k, 'kvm_run', 0);
    expect(t.TIF_SVE).toBe(false);
    expect(t.uw_V).toBe(t.sve_V); // the stale copy
    expect(t.uw_V).not.toBe(mine);
    act(k, 'kvm_exit', 0);
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'integrity', kind: 'lost' });
  });
});
