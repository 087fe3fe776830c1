/**
 * Unit tests of the v4.15 host functions (src/kernel/fpsimd.ts) against what fpsimd.c v4.15 does.
 */
import { describe, expect, it } from 'vitest';
import { GARBAGE, ZERO, dataToken } from '../../src/arch/tokens.js';
import { NR_CPUS, Pos, TaskState } from '../../src/kernel/records.js';
import { act, machine, slot } from '../helpers.js';

/** A running in user space on cpu0 with its state loaded and bound. */
function aBound(variant = 'rfc-2017') {
  const k = machine(variant);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  return k;
}

describe('fpsimd_thread_switch', () => {
  it('clears TIF_FOREIGN_FPSTATE only when both sides of the binding agree', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'switch', 0, slot(k, 'B'));
    expect(k.tasks[slot(k, 'B')]!.TIF_FOREIGN_FPSTATE).toBe(true); // B never loaded here
    act(k, 'switch', 0, a.slot);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(false); // last_st names A and A.fpsimd_cpu = 0
  });
  it('sets the flag when the task side was flushed although the CPU still names the task', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'switch', 0, slot(k, 'B'));
    k.onCpu(0);
    k.fpsimd_flush_task_state(a);
    act(k, 'switch', 0, a.slot);
    expect(k.cpus[0]!.last_st).toBe(k.layout.stOfTask(a.slot));
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
  });
  it('saves the outgoing user task only when its state is live', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'fp_write', 0);
    const live = k.cpus[0]!.regV;
    expect(a.uw_V).not.toBe(live);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(a.uw_V).toBe(live);
  });
});

describe('fpsimd_restore_current_state / task_fpsimd_load / fpsimd_bind_to_cpu', () => {
  it('loads FPSIMD format (SVE part zeroed), binds both sides and disables EL0 SVE', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    const c = k.cpus[0]!;
    expect(c.regV).toBe(a.uw_V);
    expect(c.regHi).toBe(ZERO);
    expect(c.last_st).toBe(k.layout.stOfTask(a.slot));
    expect(c.last_sve_in_use).toBe(false);
    expect(a.fpsimd_cpu).toBe(0);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(false);
    expect(c.zen_el0).toBe(false);
  });
  it('does nothing when the flag is clear', () => {
    const k = aBound();
    act(k, 'fp_write', 0);
    const v = k.cpus[0]!.regV;
    k.onCpu(0);
    k.fpsimd_restore_current_state();
    expect(k.cpus[0]!.regV).toBe(v);
  });
});

describe('fpsimd_flush_cpu_state and sve_flush_cpu_state', () => {
  it('fpsimd_flush_cpu_state sets last_st to NULL and nothing else (v4.15)', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    k.onCpu(0);
    k.fpsimd_flush_cpu_state();
    expect(k.cpus[0]!.last_st).toBe(0);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(false);
    expect(a.fpsimd_cpu).toBe(0);
  });
  it('rfc-2017 flushes only a binding made while TIF_SVE was set', () => {
    const k = aBound();
    k.onCpu(0);
    k.sve_flush_cpu_state();
    expect(k.cpus[0]!.last_st).not.toBe(0); // FPSIMD-only binding kept
    act(k, 'sve_write', 0); // traps, TIF_SVE set
    act(k, 'ret_to_user', 0); // reload in SVE format, sve_in_use = 1
    expect(k.cpus[0]!.last_sve_in_use).toBe(true);
    k.onCpu(0);
    k.sve_flush_cpu_state();
    expect(k.cpus[0]!.last_st).toBe(0);
  });
  it('v4.15-rc1 follows the pointer to the task: a use-after-free once the task is freed', () => {
    const k = aBound('v4.15-rc1');
    const a = slot(k, 'A');
    act(k, 'syscall', 0);
    act(k, 'exit', 0);
    act(k, 'free', 0, a);
    expect(k.cpus[0]!.last_dangling).toBe(true);
    k.onCpu(0);
    expect(() => k.sve_flush_cpu_state()).toThrow();
    expect(k.violation?.invariant).toBe('no-uaf');
  });
  it('rfc-2017 never follows the pointer, so a dead binding is harmless', () => {
    const k = aBound('rfc-2017');
    act(k, 'syscall', 0);
    act(k, 'exit', 0);
    act(k, 'free', 0, slot(k, 'A'));
    k.onCpu(0);
    k.sve_flush_cpu_state();
    expect(k.violation).toBeNull();
  });
});

describe('kernel_neon_begin', () => {
  it('saves the live user state, marks it foreign and breaks the CPU binding', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'fp_write', 0);
    const live = k.cpus[0]!.regV;
    act(k, 'syscall', 0);
    act(k, 'kernel_neon', 0);
    expect(a.uw_V).toBe(live);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(k.cpus[0]!.last_st).toBe(0);
    expect(k.layout.describeWriter(k.cpus[0]!.regV >>> 16).kind).toBe('kernel');
    // and the task gets its own state back on the way out
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(live);
  });
  it('from a softirq interrupting user space, forces the task through ret_to_user', () => {
    const k = aBound();
    act(k, 'softirq_neon', 0);
    expect(k.tasks[slot(k, 'A')]!.pos).toBe(Pos.KERNEL);
  });
});

describe('do_sve_acc', () => {
  it('converts the memory copy to SVE format (zero-padded), sets TIF_SVE and forces a reload', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'fp_write', 0);
    const v = k.cpus[0]!.regV;
    act(k, 'sve_write', 0); // EL0 SVE disabled: traps
    expect(a.TIF_SVE).toBe(true);
    expect(a.sve_state).toBe(true);
    expect(a.sve_V).toBe(v);
    expect(a.sve_Hi).toBe(ZERO);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(a.pos).toBe(Pos.KERNEL);
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.zen_el0).toBe(true);
    act(k, 'sve_write', 0); // now executes
    expect(k.cpus[0]!.regHi).toBe(k.cpus[0]!.regV);
  });
  it('warns if TIF_SVE was already set (the trap should have been off)', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    a.TIF_SVE = true;
    k.onCpu(0);
    expect(() => k.do_sve_acc()).toThrow();
    expect(k.violation?.invariant).toBe('kernel-warn');
  });
});

describe('el0_svc (v4.15 syscall entry)', () => {
  it('discards SVE: clears TIF_SVE and disables EL0 SVE', () => {
    const k = aBound();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'sve_write', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'syscall', 0);
    expect(a.TIF_SVE).toBe(false);
    expect(k.cpus[0]!.zen_el0).toBe(false);
    expect(a.exp_Hi).toBe(ZERO);
    expect(a.in_syscall).toBe(true);
  });
});

describe('fork and exit', () => {
  it('copy_thread flushes the child (v4.15) but not in v4.15-rc1', () => {
    for (const [variant, expected] of [
      ['rfc-2017', NR_CPUS],
      ['v4.15-rc1', 0],
    ] as const) {
      const k = machine(variant, { cpus: 1, tasks: [{ name: 'P' }], spareSlots: 1 });
      act(k, 'switch', 0, 0);
      act(k, 'ret_to_user', 0);
      act(k, 'syscall', 0);
      act(k, 'fork', 0, 1);
      const child = k.tasks[1]!;
      expect(child.state).toBe(TaskState.RUNNABLE);
      expect(child.fpsimd_cpu).toBe(expected);
      expect(child.TIF_SVE).toBe(false);
      // the child's copy of the parent's data is attributed to the child
      expect(k.layout.describeWriter(child.exp_V >>> 16)).toEqual({ kind: 'task', index: 1 });
    }
  });
  it('freeing a slot re-attributes its data to the dead task and marks bindings dangling', () => {
    const k = aBound();
    const a = slot(k, 'A');
    act(k, 'syscall', 0);
    act(k, 'exit', 0);
    expect(k.tasks[a]!.mm).toBe(false);
    expect(k.cpus[0]!.current).toBe(-1);
    act(k, 'free', 0, a);
    expect(k.layout.describeWriter(k.cpus[0]!.regV >>> 16)).toEqual({ kind: 'dead', index: a });
    expect(k.cpus[0]!.last_dangling).toBe(true);
    expect(k.naming.token(k.cpus[0]!.regV)).toBe('†A#1');
  });
});

describe('initial state', () => {
  it("tasks start unbound with their own data in memory; CPUs hold nobody's data", () => {
    const k = machine();
    const a = k.tasks[slot(k, 'A')]!;
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
    expect(a.uw_V).toBe(dataToken(k.layout.writerOfTask(a.slot), 1));
    expect(k.cpus[0]!.regV).toBe(GARBAGE);
    expect(k.tasks[slot(k, 'B')]!.pos).toBe(Pos.RUNLOOP);
  });
});
