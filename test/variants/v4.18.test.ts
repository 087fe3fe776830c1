/**
 * v4.18: KVM on the host's context tracking. What its changes fixed and what they cost, each
 * expectation derived from the v4.18 code (src/variants/v4.18.ts cites it).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { checkVariant } from '../../src/app/check.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';
import { ZERO } from '../../src/arch/tokens.js';
import { NR_CPUS, Pos } from '../../src/kernel/records.js';
import type { Kvm as V418Kernel } from '../../src/kernel/kvm.js';
import { act, machine, slot } from '../helpers.js';

const run = (scenario: string, variant: string) =>
  runScenario(loadScenario(join(BUILTIN_DIR, `${scenario}.yaml`)), findVariant(variant)!).trace;

/** The vcpu thread B alone on cpu0, back inside KVM_RUN, its guest having used FP once. */
function guestUsedFp(variant = 'v4.18') {
  const k = machine(variant, { cpus: 1, tasks: [{ name: 'B', vcpu: true }] });
  act(k, 'switch', 0, slot(k, 'B'));
  act(k, 'vcpu_enter', 0);
  act(k, 'guest_fp', 0);
  act(k, 'vcpu_exit', 0);
  return k;
}

describe('v4.18: what the host-context integration saves', () => {
  it('an SVE host task keeps its binding across a guest run that never used FP (v4.15 reloads it)', () => {
    const v418 = run('kvm-guest-no-fp', 'v4.18');
    const v415 = run('kvm-guest-no-fp', 'v4.15');
    expect(v418.violation).toBeUndefined();
    // A loads at its first return, then in SVE format after the trap; v4.15 once more after the guest
    expect(v418.byContext.A!.loads).toBe(2);
    expect(v415.byContext.A!.loads).toBe(3);
    // and v4.18 left A's EL0 SVE enabled: its last SVE write did not trap
    expect(v418.counters.sveTraps).toBe(1);
    const a = v418.steps.at(-1)!.state.tasks.find((t) => t.name === 'A')!;
    expect(a.flags.TIF_SVE).toBe(true);
  });

  it('an FPSIMD-only host task skips its reload after a guest that never used FP (flush-always does not)', () => {
    for (const [variant, loads] of [
      ['v4.18', 1],
      ['rfc-2017', 1],
      ['flush-always', 2],
    ] as const) {
      const k = machine(variant);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'fp_write', 0);
      act(k, 'switch', 0, slot(k, 'B'));
      act(k, 'vcpu_enter', 0);
      act(k, 'vcpu_exit', 0);
      act(k, 'switch', 0, slot(k, 'A'));
      const a = k.tasks[slot(k, 'A')]!;
      // the binding survived exactly when the reload is skipped
      expect(a.TIF_FOREIGN_FPSTATE, variant).toBe(loads === 2);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      expect(act(k, 'fp_read', 0)).toBeNull();
    }
  });

  it('costs a reload in the seed scenario: the guest state stays live after exit, so A loses the CPU', () => {
    const v418 = run('seed-kvm', 'v4.18');
    const rfc = run('seed-kvm', 'rfc-2017');
    expect(v418.byContext.A!.loads).toBe(2);
    expect(rfc.byContext.A!.loads).toBe(1);
    // but the hypervisor never saves or restores host registers itself: vcpu B was foreign at
    // entry (A's state was bound), so FP_HOST was dropped and A's state was already saved
    expect(v418.counters.hypHostSaves).toBe(0);
    expect(v418.counters.hypHostRestores).toBe(0);
    expect(rfc.counters.hypHostSaves).toBe(1);
    expect(rfc.counters.hypHostRestores).toBe(1);
    // the guest's registers are written back once, by vcpu_put through the vcpu's binding
    expect(v418.byContext.G0!.saves).toBe(1);
  });
});

describe('v4.18 KVM functions', () => {
  it("kvm_arch_vcpu_ctxsync_fp binds the vcpu and clears the thread's flag (the vcpu state is live)", () => {
    const k = guestUsedFp();
    const b = k.tasks[slot(k, 'B')]!;
    const v = k.vcpus[0]!;
    expect(k.cpus[0]!.last_st).toBe(k.layout.stOfVcpu(0));
    expect(b.TIF_FOREIGN_FPSTATE).toBe(false);
    expect(b.TIF_SVE).toBe(false);
    expect(v.FP_ENABLED).toBe(true);
    // the guest's registers are still in the CPU: its memory copy is older
    expect(k.cpus[0]!.regV).toBe(v.exp_V);
    expect(v.fp_V).not.toBe(v.exp_V);
  });

  it('a re-entry with the guest state still loaded does not trap', () => {
    const k = guestUsedFp();
    act(k, 'vcpu_enter', 0);
    expect(k.cpus[0]!.guest_fp_trap).toBe(false);
    expect(act(k, 'guest_fp', 0)).toBeNull();
  });

  it('update_fp_enabled: after kernel-mode NEON in the run loop the guest traps and reloads from the vcpu', () => {
    const k = guestUsedFp();
    const v = k.vcpus[0]!;
    const live = k.cpus[0]!.regV;
    act(k, 'softirq_neon', 0);
    expect(v.fp_V).toBe(live); // kernel_neon_begin saved the guest's registers into the vcpu
    expect(k.tasks[slot(k, 'B')]!.TIF_FOREIGN_FPSTATE).toBe(true);
    act(k, 'vcpu_enter', 0);
    expect(v.FP_ENABLED).toBe(false);
    expect(v.FP_HOST).toBe(false);
    expect(k.cpus[0]!.guest_fp_trap).toBe(true);
    expect(act(k, 'guest_fp', 0)).toBeNull();
  });

  it("the first guest FP trap saves the vcpu thread's live state into its own task_struct (FP_HOST)", () => {
    const k = machine('v4.18', { cpus: 1, tasks: [{ name: 'B', vcpu: true }] });
    const b = k.tasks[slot(k, 'B')]!;
    act(k, 'switch', 0, b.slot);
    act(k, 'kvm_exit', 0);
    act(k, 'ret_to_user', 0); // the VMM runs with its state live
    act(k, 'fp_write', 0);
    const vmm = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    act(k, 'kvm_run', 0); // vcpu_load: FP_HOST
    expect(k.vcpus[0]!.FP_HOST).toBe(true);
    act(k, 'vcpu_enter', 0);
    expect(b.uw_V).not.toBe(vmm);
    act(k, 'guest_fp', 0);
    expect(b.uw_V).toBe(vmm);
    expect(k.vcpus[0]!.FP_HOST).toBe(false);
    // ... and the VMM gets it back after KVM_RUN
    act(k, 'vcpu_exit', 0);
    act(k, 'kvm_exit', 0);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(vmm);
  });

  it('kvm_arch_vcpu_put_fp restores the EL0 SVE setting vcpu_load saw when the guest did not use FP', () => {
    const k = machine('v4.18');
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.zen_el0).toBe(true);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(k.vcpus[0]!.HOST_SVE_ENABLED).toBe(true);
    act(k, 'vcpu_enter', 0);
    expect(k.cpus[0]!.zen_el0).toBe(false); // VHE: CPACR_EL1 has no EL0 SVE enable in the guest
    act(k, 'vcpu_exit', 0);
    expect(k.cpus[0]!.zen_el0).toBe(false); // CPACR_EL1_DEFAULT
    act(k, 'switch', 0, slot(k, 'A'));
    expect(k.cpus[0]!.zen_el0).toBe(true);
  });

  it('vcpu_put from the scheduler (IRQs off) saves the guest and makes the thread reload later', () => {
    const k = guestUsedFp();
    const v = k.vcpus[0]!;
    const live = k.cpus[0]!.regV;
    act(k, 'idle', 0);
    expect(v.fp_V).toBe(live);
    expect(k.cpus[0]!.last_st).toBe(0);
    expect(k.tasks[slot(k, 'B')]!.TIF_FOREIGN_FPSTATE).toBe(true);
  });
});

describe('v4.18 host functions (what changed from v4.15)', () => {
  it('fpsimd_flush_cpu_state marks current foreign (d8ad71fa38a9); v4.15 leaves the flag', () => {
    for (const [variant, foreign] of [
      ['v4.18', true],
      ['v4.15', false],
    ] as const) {
      const k = machine(variant);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      k.onCpu(0);
      k.fpsimd_flush_cpu_state();
      expect(k.tasks[slot(k, 'A')]!.TIF_FOREIGN_FPSTATE, variant).toBe(foreign);
    }
  });

  it('a dying task is saved at its last switch (no task->mm check, df3fb9682045); v4.15 abandons it', () => {
    for (const [variant, saved] of [
      ['v4.18', true],
      ['v4.15', false],
    ] as const) {
      const k = machine(variant);
      const a = k.tasks[slot(k, 'A')]!;
      act(k, 'switch', 0, a.slot);
      act(k, 'ret_to_user', 0);
      act(k, 'fp_write', 0);
      const live = k.cpus[0]!.regV;
      act(k, 'syscall', 0);
      act(k, 'exit', 0);
      expect(a.uw_V === live, variant).toBe(saved);
    }
  });

  it('the EL0 SVE trap is set by fpsimd_bind_task_to_cpu, not by the load (0cff8e776f8f)', () => {
    const k = machine('v4.18');
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    k.onCpu(0);
    k.task_fpsimd_load();
    expect(k.cpus[0]!.zen_el0).toBe(false);
    (k as unknown as V418Kernel).fpsimd_bind_task_to_cpu();
    expect(k.cpus[0]!.zen_el0).toBe(true);
    expect(k.tasks[slot(k, 'A')]!.fpsimd_cpu).toBe(0);
  });

  it('fpsimd_save writes through fpsimd_last_state, and a NULL pointer with a live flag is caught', () => {
    const k = guestUsedFp();
    k.onCpu(0);
    k.cpus[0]!.last_st = 0; // a binding lost without marking current foreign
    expect(() => (k as unknown as V418Kernel).fpsimd_save()).toThrow();
    expect(k.violation?.invariant).toBe('no-uaf');
  });

  it('no binding outlives a flushed task: copy_thread still flushes the child', () => {
    const k = machine('v4.18', { cpus: 1, tasks: [{ name: 'P' }], spareSlots: 1 });
    act(k, 'switch', 0, 0);
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'fork', 0, 1);
    expect(k.tasks[1]!.fpsimd_cpu).toBe(NR_CPUS);
    expect(k.tasks[1]!.exp_Hi).toBe(ZERO);
    expect(k.tasks[1]!.pos).toBe(Pos.KERNEL);
  });
});

describe('v4.18 exhaustively', () => {
  it('is clean on one CPU with two tasks and a vcpu, depth 12 (the KVM alphabet)', () => {
    const r = checkVariant(findVariant('v4.18')!, { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 });
    expect(r.verdict).toBe('ok');
    expect(r.depth).toBe(12);
  });
  it('is clean on two CPUs with a task and a vcpu, depth 10 (migration of both)', () => {
    expect(checkVariant(findVariant('v4.18')!, { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 }).verdict).toBe('ok');
  });
  it('v4.18-rc1 is not: preempting the vcpu thread in the run loop hits the WARN that b045e4d0f392 fixed', () => {
    const r = checkVariant(findVariant('v4.18-rc1')!, { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 8 });
    expect(r.violation).toMatchObject({ invariant: 'kernel-warn', where: 'local_bh_enable' });
    // the shortest way: the vcpu thread is scheduled in (vcpu_load), then out again
    expect(r.violation?.trace.map((s) => s.event)).toEqual(['switch', 'switch']);
  });
});
