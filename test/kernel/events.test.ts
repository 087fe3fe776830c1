/**
 * The host events against the kernel's documented behaviour (Documentation/arm64/sve.txt of
 * the era, and the code cited in src/kernel/entry.ts and fpsimd.ts): what a signal frame
 * holds, what sigreturn restores, what ptrace writes do to TIF_SVE and the memory copy, exec
 * resets, the syscall ABI, PM and hotplug losing registers, VL changes. v4.15 unless a test
 * says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { GARBAGE, ZERO } from '../../src/arch/tokens.js';
import { sveRegsBytes } from '../../src/arch/sizes.js';
import { CountingSink } from '../../src/cost/counters.js';
import { NR_CPUS, Pos, TaskState, KPath } from '../../src/kernel/records.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { act, machine, slot } from '../helpers.js';

const TWO = { cpus: 1, tasks: [{ name: 'A' }, { name: 'T' }] };
const TWO_CPUS = { cpus: 2, tasks: [{ name: 'A' }, { name: 'T' }] };

/** A in user space on cpu0 with live SVE state (its first SVE use has trapped). */
function sveLive(variant = 'v4.15', spec: Parameters<typeof machine>[1] = TWO) {
  const k = machine(variant, spec);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  return k;
}

const A = (k: Kvm) => k.tasks[slot(k, 'A')]!;

/** Delivers a signal to A on cpu0 (A must be in the kernel) and enters its handler. */
function deliver(k: Kvm) {
  expect(act(k, 'signal', 0)).toBeNull();
  expect(A(k).kpath).toBe(KPath.SIGNAL);
  expect(act(k, 'continue', 0)).toBeNull();
  expect(act(k, 'ret_to_user', 0)).toBeNull();
}

function sigreturn(k: Kvm) {
  act(k, 'sigreturn', 0);
  while (A(k).kpath !== KPath.NONE && A(k).state === TaskState.RUNNING) act(k, 'continue', 0);
}

describe('signal delivery: what the frame holds', () => {
  it('with SVE live (an interrupt): fpsimd_context V, and sve_context with register data and the VL', () => {
    const k = sveLive();
    const a = A(k);
    act(k, 'irq', 0);
    const fx = new CountingSink(() => '');
    const frames: number[] = [];
    k.fx = {
      ...fx,
      save: fx.save.bind(fx),
      load: fx.load.bind(fx),
      flushCpu: fx.flushCpu.bind(fx),
      flushTask: fx.flushTask.bind(fx),
      trap: fx.trap.bind(fx),
      hyp: fx.hyp.bind(fx),
      frame: (_c, _s, _op, bytes) => void frames.push(bytes),
    };
    deliver(k);
    expect(a.sig_frame).toBe(true);
    expect(a.sig_V).toBe(a.exp_V);
    expect(a.sig_sve).toBe(true);
    expect(a.sig_zV).toBe(a.exp_V);
    expect(a.sig_Hi).toBe(a.exp_Hi);
    expect(a.sig_vq).toBe(a.sve_vq);
    expect(frames).toEqual([528 + sveRegsBytes(a.sve_vq * 128)]);
  });

  it('after a syscall (SVE discarded at entry): the sve_context has no register data', () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    deliver(k);
    expect(A(k).sig_sve).toBe(false);
    expect(A(k).sig_V).toBe(A(k).exp_V);
  });

  it('the handler starts with the interrupted registers: no reload, its reads pass', () => {
    const k = sveLive();
    const before = { V: k.cpus[0]!.regV, hi: k.cpus[0]!.regHi };
    act(k, 'irq', 0);
    deliver(k);
    expect({ V: k.cpus[0]!.regV, hi: k.cpus[0]!.regHi }).toEqual(before);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('a preemption between preserving the state and writing the frame does not change the frame', () => {
    const k = sveLive();
    act(k, 'irq', 0);
    act(k, 'signal', 0);
    act(k, 'switch', 0, slot(k, 'T')); // preempted inside setup_rt_frame
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'continue', 0);
    expect(A(k).sig_V).toBe(A(k).exp_V);
    expect(A(k).sig_Hi).toBe(A(k).exp_Hi);
  });
});

describe('sigreturn', () => {
  it('restores the frame as the handler left it (a handler that rewrote its ucontext)', () => {
    const k = sveLive();
    act(k, 'irq', 0);
    deliver(k);
    act(k, 'frame_write', 0);
    const frame = A(k).sig_V;
    sigreturn(k);
    expect(A(k).sig_frame).toBe(false);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(frame);
    expect(k.cpus[0]!.regHi).toBe(frame);
    expect(A(k).TIF_SVE).toBe(true); // the frame had SVE register data
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('undoes the irritator: registers the handler clobbered come back from the frame', () => {
    const k = sveLive();
    const mine = { V: k.cpus[0]!.regV, hi: k.cpus[0]!.regHi };
    act(k, 'irq', 0);
    deliver(k);
    act(k, 'sve_write', 0); // the handler clobbers Z/P/FFR
    sigreturn(k);
    act(k, 'ret_to_user', 0);
    expect({ V: k.cpus[0]!.regV, hi: k.cpus[0]!.regHi }).toEqual(mine);
  });

  it('SVE path: the task side is flushed, then the flag set, before the frame is copied in', () => {
    const k = sveLive();
    act(k, 'irq', 0);
    deliver(k);
    act(k, 'sigreturn', 0);
    const a = A(k);
    expect(a.kpath).toBe(KPath.SIGRETURN);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    // preempted and scheduled back on the same CPU: the flag must stay set (wrong_cpu), so no
    // context switch saves the registers over the buffer being filled
    act(k, 'idle', 0);
    act(k, 'switch', 0, a.slot);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
  });

  it('a frame without SVE register data leaves the task in FPSIMD mode', () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    deliver(k);
    sigreturn(k);
    expect(A(k).TIF_SVE).toBe(false);
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.zen_el0).toBe(false);
  });

  it("a frame whose sve_context.vl is not the task's VL is refused: SIGSEGV kills the task", () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    deliver(k);
    act(k, 'syscall', 0); // the handler changes its VL
    act(k, 'set_vl', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sigreturn', 0);
    expect(A(k).state).toBe(TaskState.ZOMBIE);
  });
});

describe('ptrace regset writes to a stopped task', () => {
  function stopped(variant = 'v4.15') {
    const k = sveLive(variant);
    act(k, 'irq', 0);
    act(k, 'ptrace_stop', 0);
    act(k, 'switch', 0, slot(k, 'T'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    return k;
  }

  it('stopping saves the live state; a stopped task cannot be scheduled until PTRACE_CONT', () => {
    const k = stopped();
    const a = A(k);
    expect(a.state).toBe(TaskState.STOPPED);
    expect(a.sve_Hi).toBe(a.exp_Hi);
    expect(() => act(k, 'switch', 0, a.slot)).toThrow(/not enabled/);
    act(k, 'ptrace_cont', 0, a.slot);
    expect(a.state).toBe(TaskState.RUNNABLE);
  });

  it('NT_PRFPREG on an SVE task: V replaced, zero-padded into sve_state (the SVE view shows it zero-extended)', () => {
    const k = stopped();
    const a = A(k);
    act(k, 'ptrace_fpr', 0, a.slot);
    expect(a.TIF_SVE).toBe(true);
    expect(a.sve_V).toBe(a.uw_V);
    expect(a.sve_Hi).toBe(ZERO);
    expect(a.exp_Hi).toBe(ZERO);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
    expect(act(k, 'ptrace_read', 0, a.slot)).toBeNull();
  });

  it('NT_ARM_SVE with an FPSIMD payload takes the task out of SVE mode', () => {
    const k = stopped();
    const a = A(k);
    act(k, 'ptrace_sve_fpsimd', 0, a.slot);
    expect(a.TIF_SVE).toBe(false);
    expect(a.uw_V).toBe(a.exp_V);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
  });

  it('NT_ARM_SVE with an SVE payload sets TIF_SVE and replaces sve_state', () => {
    const k = stopped();
    const a = A(k);
    act(k, 'ptrace_sve_fpsimd', 0, a.slot);
    act(k, 'ptrace_sve', 0, a.slot);
    expect(a.TIF_SVE).toBe(true);
    expect(a.sve_state).toBe(true);
    expect([a.sve_V, a.sve_Hi]).toEqual([a.exp_V, a.exp_Hi]);
    expect(a.exp_Hi).not.toBe(ZERO);
  });

  it('a header asking for another VL changes it (buffer reallocated), then takes the payload', () => {
    const k = stopped();
    const a = A(k);
    const vq = a.sve_vq;
    act(k, 'ptrace_sve_vl', 0, a.slot);
    expect(a.sve_vq).not.toBe(vq);
    expect(a.TIF_SVE).toBe(true);
    expect(a.sve_V).toBe(a.exp_V);
  });

  it('the tracee resumed on the CPU it left reloads: the write broke its stale binding', () => {
    const k = stopped();
    const a = A(k);
    act(k, 'ptrace_fpr', 0, a.slot);
    act(k, 'ptrace_cont', 0, a.slot);
    act(k, 'switch', 0, a.slot);
    expect(k.cpus[0]!.last_st).not.toBe(k.layout.stOfTask(a.slot)); // T ran there since
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('exec (fpsimd_flush_thread)', () => {
  it('zero FPSIMD state, no SVE, binding flushed, flag set, frame gone', () => {
    const k = sveLive();
    act(k, 'irq', 0);
    deliver(k);
    act(k, 'syscall', 0);
    act(k, 'exec', 0);
    const a = A(k);
    expect([a.uw_V, a.TIF_SVE, a.sve_state, a.fpsimd_cpu, a.TIF_FOREIGN_FPSTATE, a.sig_frame]).toEqual([
      ZERO,
      false,
      false,
      NR_CPUS,
      true,
      false,
    ]);
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.regV).toBe(ZERO);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('the VL is reset to sve_vl_onexec or the default; onexec is kept only with INHERIT', () => {
    const k = machine('v4.15', TWO);
    const a = A(k);
    const dflt = a.sve_vq;
    const syscall = () => {
      act(k, 'ret_to_user', 0);
      act(k, 'syscall', 0);
    };
    act(k, 'switch', 0, a.slot);
    syscall();
    act(k, 'set_vl_onexec', 0);
    expect(a.sve_vq).toBe(dflt); // not now
    syscall();
    act(k, 'exec', 0);
    expect(a.sve_vq).not.toBe(dflt);
    expect(a.sve_vl_onexec).toBe(0);
    syscall();
    act(k, 'exec', 0);
    expect(a.sve_vq).toBe(dflt); // not inherited: back to the default
    syscall();
    act(k, 'set_vl_inherit', 0);
    act(k, 'continue', 0);
    const other = a.sve_vq;
    expect(other).not.toBe(dflt);
    syscall();
    act(k, 'exec', 0);
    expect(a.sve_vq).toBe(other);
    expect(a.TIF_SVE_VL_INHERIT).toBe(true);
  });
});

describe('the syscall ABI', () => {
  it('after a syscall the SVE part is inaccessible; the next SVE use traps and reads zero, never stale', () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    expect(A(k).TIF_SVE).toBe(false);
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.zen_el0).toBe(false);
    // the registers still physically hold the old SVE data; a trap must not expose it
    expect(k.cpus[0]!.regHi).not.toBe(ZERO);
    act(k, 'sve_write', 0); // traps
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.regHi).toBe(ZERO);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('CPU power management', () => {
  it('v4.15: a user task in a syscall has its live state saved, the binding dropped, and reloads after', () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    act(k, 'cpu_pm', 0);
    const c = k.cpus[0]!;
    expect([c.regV, c.regHi, c.last_st, c.hw_vq]).toEqual([GARBAGE, GARBAGE, 0, 0]);
    expect(A(k).uw_V).toBe(A(k).exp_V);
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true); // CPU_PM_EXIT
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });

  it('from idle: whoever was bound must reload when it comes back', () => {
    const k = sveLive();
    act(k, 'idle', 0);
    act(k, 'cpu_pm', 0);
    act(k, 'switch', 0, slot(k, 'A'));
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('v4.18: CPU_PM_ENTER saves and flushes (which marks current foreign); EXIT does nothing', () => {
    const k = sveLive('v4.18');
    act(k, 'syscall', 0);
    act(k, 'cpu_pm', 0);
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true);
    expect(k.cpus[0]!.last_st).toBe(0);
  });
});

describe('CPU hotplug', () => {
  it('an idle CPU goes down (registers lost, binding cleared by fpsimd_cpu_dead) and nothing runs there until it is back', () => {
    const k = sveLive('v4.15', TWO_CPUS);
    act(k, 'idle', 0);
    expect(() => act(k, 'cpu_offline', 1)).not.toThrow(); // cpu1 idle too
    act(k, 'cpu_online', 1);
    act(k, 'cpu_offline', 0);
    const c = k.cpus[0]!;
    expect([c.online, c.last_st, c.regV]).toEqual([false, 0, GARBAGE]);
    expect(() => act(k, 'switch', 0, slot(k, 'A'))).toThrow(/not enabled/);
    expect(() => act(k, 'cpu_offline', 1)).toThrow(/not enabled/); // the last online CPU
    act(k, 'switch', 1, slot(k, 'A'));
    expect(act(k, 'ret_to_user', 1)).toBeNull();
    act(k, 'cpu_online', 0);
    expect(k.cpus[0]!.online).toBe(true);
  });
});

describe('vector length changes (prctl PR_SVE_SET_VL)', () => {
  it('takes two steps with a preemption point between; the SVE task ends up in FPSIMD format at the new VL', () => {
    const k = sveLive();
    const a = A(k);
    const vq = a.sve_vq;
    act(k, 'syscall', 0);
    act(k, 'set_vl', 0);
    expect(a.kpath).toBe(KPath.SET_VL);
    expect(a.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(a.fpsimd_cpu).toBe(NR_CPUS);
    expect(a.sve_vq).toBe(vq); // not yet
    act(k, 'switch', 0, slot(k, 'T')); // preemptible here
    act(k, 'switch', 0, a.slot);
    act(k, 'continue', 0);
    expect(a.kpath).toBe(KPath.NONE);
    expect(a.sve_vq).not.toBe(vq);
    expect(a.sve_state).toBe(false);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0); // traps: buffer reallocated at the new VL
    act(k, 'ret_to_user', 0);
    expect(k.cpus[0]!.hw_vq).toBe(a.sve_vq);
    act(k, 'sve_write', 0);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });

  it('asking for the VL the task already has changes nothing (no flush, no extra step)', () => {
    const k = machine('v4.15', TWO);
    const a = A(k);
    act(k, 'switch', 0, a.slot);
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    k.onCpu(0);
    expect(k.sve_set_vector_length(a, a.sve_vq, false, false)).toBe(false);
    expect(a.kpath).toBe(KPath.NONE);
  });
});

describe('kernel-mode NEON', () => {
  it('in a syscall (v4.15: preemption disabled until kernel_neon_end, one step): state saved, task foreign', () => {
    const k = sveLive();
    act(k, 'syscall', 0);
    const live = k.cpus[0]!.regV;
    act(k, 'kernel_neon', 0);
    expect(A(k).uw_V).toBe(live);
    expect(A(k).TIF_FOREIGN_FPSTATE).toBe(true);
    expect(k.layout.describeWriter(k.cpus[0]!.regV >>> 16).kind).toBe('kernel');
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });

  it('from a softirq interrupting live SVE state in user space: saved in SVE format, reloaded on return', () => {
    const k = sveLive();
    const hi = k.cpus[0]!.regHi;
    act(k, 'softirq_neon', 0);
    expect(A(k).sve_Hi).toBe(hi);
    expect(A(k).pos).toBe(Pos.KERNEL);
    act(k, 'ret_to_user', 0);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('fork', () => {
  it("the child copies the parent's preserved state, the VL and the handler frame; loses TIF_SVE; is unbound", () => {
    const k = machine('v4.15', { cpus: 1, tasks: [{ name: 'A' }], spareSlots: 1 });
    act(k, 'switch', 0, 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'irq', 0);
    act(k, 'signal', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0); // fork from inside the handler
    act(k, 'fork', 0, 1);
    const [p, c] = [k.tasks[0]!, k.tasks[1]!];
    expect(c.TIF_SVE).toBe(false);
    expect(c.sve_state).toBe(false);
    expect(c.fpsimd_cpu).toBe(NR_CPUS);
    expect(c.sve_vq).toBe(p.sve_vq);
    expect(c.sig_frame).toBe(true);
    expect(k.naming.token(c.uw_V)).toBe(k.naming.token(p.uw_V).replace('A', 'B'));
    act(k, 'switch', 0, 1);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});
