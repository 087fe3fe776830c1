/**
 * v5.17: KVM stops tracking the host's SVE state (8383741ab2e7). Each expectation is derived
 * from the K0 code the variant header cites (arch/arm64/kvm/fpsimd.c @0033cd93 and the v5.17
 * hyp switch code), not from the model's output:
 *  - kvm_arch_vcpu_load_fp() asserts BUG_ON(TIF_SVE): KVM_RUN is a syscall and the syscall
 *    entry discarded SVE;
 *  - kvm_hyp_handle_fpsimd() saves the host's V registers only (__fpsimd_save_state into
 *    current's uw.fpsimd_state), whatever EL0 did with SVE;
 *  - the same commit left KVM_ARM64_HOST_SVE_ENABLED set forever once set; d52d165d67c5 clears
 *    it at every vcpu_load.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FPSIMD_STATE_BYTES } from '../../src/arch/sizes.js';
import { ZERO } from '../../src/arch/tokens.js';
import { checkVariant } from '../../src/app/check.js';
import { NO_EFFECTS, type EffectSink } from '../../src/kernel/effects.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { KPath, type VcpuView } from '../../src/kernel/records.js';
import { findCheck } from '../../src/app/checks.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';

import { findVariant } from '../../src/variants/index.js';
import { act, machine, slot } from '../helpers.js';

type Hyp = { who: 'host' | 'guest'; restore: boolean; bytes: number };
function hypRecorder(k: Kvm): Hyp[] {
  const out: Hyp[] = [];
  const sink: EffectSink = { ...NO_EFFECTS, hyp: (_c, who, restore, bytes) => void out.push({ who, restore, bytes }) };
  k.fx = sink;
  return out;
}

/** The vcpu thread B, out of the run loop, has written B's data into its V registers and Z. */
function vmmUsedSve(k: Kvm) {
  act(k, 'switch', 0, slot(k, 'B'));
  act(k, 'kvm_exit', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0); // first SVE use traps (do_sve_acc: a two-step path since v5.13)
  act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
}

describe('v5.17: the host side of a guest run', () => {
  it('KVM_RUN enters with TIF_SVE clear: the syscall discarded SVE, so vcpu_load does not BUG', () => {
    const k = machine('v5.17');
    vmmUsedSve(k);
    const b = k.tasks[slot(k, 'B')]!;
    expect(b.TIF_SVE).toBe(true);
    act(k, 'syscall', 0);
    expect(b.TIF_SVE).toBe(false); // sve_user_discard()
    expect(act(k, 'kvm_run', 0)).toBeNull();
    const v = k.vcpus[0]!;
    expect(v.FP_HOST).toBe(true);
    expect(v.FP_ENABLED).toBe(false);
  });

  it("the first guest FP trap saves the host V registers only, into current's uw.fpsimd_state", () => {
    const k = machine('v5.17');
    vmmUsedSve(k);
    const b = k.tasks[slot(k, 'B')]!;
    const written = k.cpus[0]!.regV;
    const sveBefore = [b.sve_V, b.sve_Hi];
    act(k, 'syscall', 0);
    act(k, 'kvm_run', 0);
    act(k, 'vcpu_enter', 0);
    const hyp = hypRecorder(k);
    expect(act(k, 'guest_fp', 0)).toBeNull();
    // __fpsimd_save_state(): 32 V registers + FPSR/FPCR, never the SVE layout
    expect(hyp[0]).toEqual({ who: 'host', restore: false, bytes: FPSIMD_STATE_BYTES });
    expect(b.uw_V).toBe(written);
    expect([b.sve_V, b.sve_Hi]).toEqual(sveBefore); // sve_state untouched
    expect(k.vcpus[0]!.FP_HOST).toBe(false);
  });

  it('a ptrace SVE write to the VMM stopped at its KVM_RUN entry trips BUG_ON(TIF_SVE)', () => {
    const t = runScenario(loadScenario(join(BUILTIN_DIR, 'kvm-ptrace-vmm-sve.yaml')), findVariant('v5.17')!).trace;
    expect(t.violation).toMatchObject({ invariant: 'kernel-warn', where: 'kvm_arch_vcpu_load_fp', step: 17 });
    expect(t.steps[16]!.event).toBe('kvm_run');
  });
});

/** d52d165d67c5 applied: vcpu_load starts by clearing HOST_SVE_ENABLED. */
const V517Kernel = findVariant('v5.17')!.Kernel;
class V517Fixed extends V517Kernel {
  override kvm_arch_vcpu_load_fp(v: VcpuView): void {
    v.HOST_SVE_ENABLED = false;
    super.kvm_arch_vcpu_load_fp(v);
  }
}

describe('v5.17: HOST_SVE_ENABLED is never cleared (fixed by d52d165d67c5 in v5.19-rc3)', () => {
  /** A uses SVE, B's vcpu is loaded and put; A makes a syscall; B's vcpu is loaded and put again. */
  function twoLoads(k: Kvm) {
    const a = slot(k, 'A');
    const b = slot(k, 'B');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'continue', 0); // do_sve_acc: EL0 SVE enabled
    act(k, 'switch', 0, b); // vcpu_load with ZEN set: HOST_SVE_ENABLED
    act(k, 'switch', 0, a); // vcpu_put
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0); // A's SVE data, no trap
    act(k, 'syscall', 0); // discards SVE: TIF_SVE clear, ZEN clear
    act(k, 'switch', 0, b); // vcpu_load with ZEN clear
    act(k, 'switch', 0, a); // vcpu_put restores ZEN from the flag
    return k.tasks[a]!;
  }

  it('vcpu_put re-enables EL0 SVE for a task whose SVE state was discarded; it sees stale Z bits', () => {
    const k = machine('v5.17');
    const a = twoLoads(k);
    expect(k.vcpus[0]!.HOST_SVE_ENABLED).toBe(true);
    expect(a.TIF_SVE).toBe(false);
    expect(k.cpus[0]!.zen_el0).toBe(true); // SVE usable without the trap that would zero Z
    // the syscall ABI: the SVE part reads as zero after a syscall (or traps and is zeroed)
    expect(a.exp_Hi).toBe(ZERO);
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'integrity', kind: 'corrupt' });
  });

  it('with the flag cleared at every load the EL0 SVE enable follows TIF_SVE again', () => {
    const k = createMachine(V517Fixed, { cpus: 1, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] });
    const a = twoLoads(k);
    expect(k.vcpus[0]!.HOST_SVE_ENABLED).toBe(false);
    expect(k.cpus[0]!.zen_el0).toBe(false);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'sve_write', 0)).toBeNull();
    expect(a.kpath).toBe(KPath.SVE_ACC); // it traps; do_sve_acc() will zero the SVE part
  });

  it('the 1cpu-kvm bound finds exactly this, and nothing with the fix', () => {
    const bounds = findCheck('1cpu-kvm')!.bounds;
    const bug = checkVariant(findVariant('v5.17')!, bounds);
    expect(bug.violation).toMatchObject({ invariant: 'integrity', kind: 'corrupt', step: 12 });
    const fixed = checkVariant({ ...findVariant('v5.17')!, name: 'v5.17+d52d165d67c5', Kernel: V517Fixed }, bounds);
    // the stale-trap bug of 751ecf6afd65 needs a second CPU: with the flag fixed, one CPU is clean
    expect(fixed.violation).toBeUndefined();
    expect(fixed.depth).toBe(bounds.depth);
  });
});

describe('v5.17: do_sve_acc() converts in registers and may be preempted first (cccb78ce89c4)', () => {
  it('migrated part-way, it converts the memory copy; the stale binding on the old CPU is reused (751ecf6afd65)', () => {
    const k = machine('v5.17', { cpus: 2, tasks: [{ name: 'A' }] });
    const a = slot(k, 'A');
    act(k, 'switch', 0, a);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0); // trap taken on cpu0, SVE disabled there
    act(k, 'idle', 0);
    act(k, 'switch', 1, a);
    act(k, 'continue', 1); // do_sve_acc() on cpu1: state not live, fpsimd_to_sve in memory
    const t = k.tasks[a]!;
    expect(t.TIF_SVE).toBe(true);
    expect(t.fpsimd_cpu).toBe(0); // no fpsimd_flush_task_state() in v5.17
    act(k, 'idle', 1);
    act(k, 'switch', 0, a); // cpu0 still names A: the stale registers count as live
    expect(t.TIF_FOREIGN_FPSTATE).toBe(false);
    expect(k.cpus[0]!.zen_el0).toBe(false); // with SVE still trapping
    expect(act(k, 'idle', 0)).toMatchObject({ invariant: 'kernel-warn', where: 'fpsimd_save' });
  });
});
