/**
 * Part 8 of issue 14 (faithfulness audit): the functions whose model did not match the tree
 * it cites, each tested against that tree's code and the documented ABI.
 *  - v6.12's sve_set_common() (ptrace.c, Debian 6.12.118; the same since v5.19) leaves
 *    streaming mode on an NT_ARM_SVE write when the system has SME, zeroing sve_state if SVCR
 *    changed (sve.rst: "any SETREGSET of NT_ARM_SVE will exit streaming mode").
 *  - snapshot B's sve_set_common() clears SVCR.SM and sets TIF_SVE only under
 *    system_supports_sme(): without SME an SVE-format write leaves TIF_SVE as it was (fixed by
 *    128a7494a9f1, after the snapshot).
 *  - snapshot B's restore_sve_fpsimd_context() sets SVCR.SM without TIF_SME for a streaming
 *    frame and leaves SVCR.SM alone for a non-streaming one; d2907cbe9ea0 (Jan 2026) made it
 *    set TIF_SME / clear SVCR.SM.
 */
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/arch/tokens.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, TaskState } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

const CT = { cpus: 1, tasks: [{ name: 'C' }, { name: 'T' }] };

function boot(expr: string): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(`no variant ${expr}`);
  return createMachine(v.Kernel, CT);
}

/** C streaming (SME enabled for EL0, SMSTART SM done), written in streaming mode. */
function streamingC(expr: string): Kvm {
  const k = boot(expr);
  act(k, 'switch', 0, slot(k, 'C'));
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  act(k, 'smstart_sm', 0);
  act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'smstart_sm', 0);
  act(k, 'sve_write', 0);
  return k;
}

/** C (in user mode on cpu0) enters the kernel and stops; T runs and is in a syscall. */
function stopAndTrace(k: Kvm): void {
  act(k, 'irq', 0);
  act(k, 'ptrace_stop', 0);
  act(k, 'switch', 0, slot(k, 'T'));
  act(k, 'ret_to_user', 0);
  act(k, 'syscall', 0);
}

const C = (k: Kvm) => k.tasks[slot(k, 'C')]!;

describe('NT_ARM_SVE writes leave streaming mode (sve_set_common, v5.19+)', () => {
  for (const variant of ['v6.12-rc1', 'mainline']) {
    for (const ev of ['ptrace_sve', 'ptrace_sve_fpsimd']) {
      it(`${variant}: ${ev} on a streaming task clears SVCR.SM, and the task resumes non-streaming with what was written`, () => {
        const k = streamingC(variant);
        stopAndTrace(k);
        expect(C(k).svcr_SM).toBe(true);
        act(k, ev, 0, slot(k, 'C'));
        expect(C(k).svcr_SM).toBe(false);
        expect(C(k).TIF_SVE).toBe(ev === 'ptrace_sve');
        expect(C(k).fp_type).toBe(ev === 'ptrace_sve' ? FpType.SVE : FpType.FPSIMD);
        act(k, 'ptrace_read', 0, slot(k, 'C'));
        act(k, 'ptrace_cont', 0, slot(k, 'C'));
        act(k, 'ret_to_user', 0);
        act(k, 'switch', 0, slot(k, 'C'));
        expect(act(k, 'ret_to_user', 0)).toBeNull();
        expect(k.cpus[0]!.regSM).toBe(false);
        expect(act(k, 'fp_read', 0)).toBeNull();
      });
    }
  }
});

describe('snapshot B: SVCR.SM and TIF_SVE only under system_supports_sme()', () => {
  it('mainline without SME (sme-reenable reverted): an SVE-format write leaves TIF_SVE clear with fp_type SVE', () => {
    const k = boot('mainline-sme-reenable');
    expect(k.hasSme).toBe(false);
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    stopAndTrace(k);
    expect(C(k).TIF_SVE).toBe(false);
    act(k, 'ptrace_sve', 0, slot(k, 'C'));
    expect(C(k).TIF_SVE).toBe(false); // set only inside the SME block
    expect(C(k).fp_type).toBe(FpType.SVE);
    expect(C(k).sve_Hi).not.toBe(ZERO);
    // the tracee resumes: task_fpsimd_load() finds SVE-format state without TIF_SVE and warns
    act(k, 'ptrace_cont', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'switch', 0, slot(k, 'C'));
    expect(act(k, 'ret_to_user', 0)).toMatchObject({ invariant: 'kernel-warn' });
  });

  it('128a7494a9f1 drops the guard: TIF_SVE is set, and the tracee resumes without a warning', () => {
    const k = boot('mainline-sme-reenable+128a7494a9f1');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    stopAndTrace(k);
    act(k, 'ptrace_sve', 0, slot(k, 'C'));
    expect(C(k).TIF_SVE).toBe(true);
    act(k, 'ptrace_cont', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'switch', 0, slot(k, 'C'));
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('snapshot B: restore_sve_fpsimd_context() before and after d2907cbe9ea0', () => {
  /** C streaming with TIF_SME, in its handler; the frame holds streaming state. */
  function inHandler(expr: string): Kvm {
    const k = streamingC(expr);
    act(k, 'irq', 0);
    act(k, 'signal', 0);
    for (let i = 0; i < 3 && C(k).kpath !== 0; i++) act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    expect(C(k).sig_frame).toBe(true);
    expect(C(k).sig_sm).toBe(true);
    return k;
  }
  function sigreturn(k: Kvm): void {
    act(k, 'sigreturn', 0);
    for (let i = 0; i < 4 && C(k).kpath !== 0; i++) act(k, 'continue', 0);
    expect(C(k).state).toBe(TaskState.RUNNING);
  }

  it('B: a streaming frame sets SVCR.SM and leaves TIF_SME as it was (clear when the frame came from elsewhere, as with CRIU)', () => {
    const k = inHandler('mainline');
    C(k).TIF_SME = false; // a task that never used SME, restoring a frame saved by another
    sigreturn(k);
    expect(C(k).svcr_SM).toBe(true);
    expect(C(k).TIF_SME).toBe(false);
  });

  it('d2907cbe9ea0: the same frame sets TIF_SME with SVCR.SM', () => {
    const k = inHandler('mainline+d2907cbe9ea0');
    C(k).TIF_SME = false;
    sigreturn(k);
    expect(C(k).svcr_SM).toBe(true);
    expect(C(k).TIF_SME).toBe(true);
  });
});

/**
 * Part 8, second round (fpsimd/kvm/entry/process functions against the tree each cites).
 *  - Debian 6.12.118 has 01098d893fa8 (fpsimd.c:1565-1597: fpsimd_thread_switch() flushes the
 *    binding, then loads next's kernel-mode NEON state): v6.12.y now carries it. Flushing first
 *    leaves fpsimd_last_state empty, so fpsimd_load_kernel_state() can no longer elide the load.
 *  - Debian 6.12.118's VHE guest exit (kvm_reset_cptr_el2(), kvm_emulate.h:618-640) enables SVE
 *    for host EL1 only (CPACR_EL1.ZEN = ZEN_EL1EN): host EL0 stays trapped after a guest run.
 *    Enabling EL0 too came with e62dd507844f (Reorganise CPTR trap manipulation), after the
 *    save+flush of fbc7e61195e2 that v6.12.y has; the model had put it under fbc7e61195e2.
 */
describe('v6.12.y: the 6.12 stable tree, not later code', () => {
  function preemptedInKernelNeon(expr: string): { k: Kvm; loads: number[] } {
    const k = boot(expr);
    const loads: number[] = [];
    const sink = k.fx;
    k.fx = {
      ...sink,
      load: (cpu, ctx, ...rest) => {
        loads.push(ctx);
        sink.load(cpu, ctx, ...rest);
      },
    };
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'kernel_neon', 0);
    act(k, 'switch', 0, slot(k, 'T'));
    act(k, 'switch', 0, slot(k, 'C'));
    return { k, loads };
  }
  it('v6.12.y (01098d893fa8): switching back to a task preempted in kernel-mode NEON reloads its kernel state (fpsimd_last_state was flushed first)', () => {
    const { k, loads } = preemptedInKernelNeon('v6.12.y');
    expect(loads.filter((st) => st === k.layout.stOfKernelState(slot(k, 'C')))).toHaveLength(1);
    expect(k.cpus[0]!.last_st).toBe(0);
    expect(act(k, 'continue', 0)).toBeNull();
  });
  it('v6.12 (before 01098d893fa8): the same switch elides the load (load, then flush)', () => {
    const { k, loads } = preemptedInKernelNeon('v6.12');
    expect(loads.filter((st) => st === k.layout.stOfKernelState(slot(k, 'C')))).toHaveLength(0);
    expect(act(k, 'continue', 0)).toBeNull();
  });

  const VM = { cpus: 1, tasks: [{ name: 'V', vcpu: true }] };
  for (const [variant, zen] of [
    ['v6.12', false],
    ['v6.12.y', false],
    ['mainline', true],
  ] as const) {
    it(`${variant}: after a guest run that used FP, host EL0 SVE access is ${zen ? 'enabled (e62dd507844f)' : 'still trapped (kvm_reset_cptr_el2: EL1 only)'}`, () => {
      const v = variantOfExpression(variant);
      if (!v) throw new Error(variant);
      const k = createMachine(v.Kernel, VM);
      act(k, 'switch', 0, slot(k, 'V'));
      act(k, 'vcpu_enter', 0);
      act(k, 'guest_fp', 0);
      act(k, 'vcpu_exit', 0);
      expect(k.cpus[0]!.zen_el0).toBe(zen);
    });
  }
});

/**
 * v4.15's sve_alloc() (snapshot O) zeroes an existing buffer for sve_state_size(current): in a
 * tracer's NT_ARM_SVE write that is the tracer's VL. e35ac9d0b56e (v5.15, "Use correct size
 * when reinitialising SVE state") sizes it by the task: before it, a tracer with a larger VL
 * than its tracee writes past the tracee's buffer, as the commit message says.
 */
describe('sve_alloc() zeroes for the caller (current) before e35ac9d0b56e', () => {
  function writeAtSmallerVl(expr: string): ReturnType<typeof act> {
    const k = boot(expr);
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    stopAndTrace(k);
    // The tracer gives C the other (smaller) VL: C's buffer is freed and reallocated for it.
    expect(act(k, 'ptrace_sve_vl', 0, slot(k, 'C'))).toBeNull();
    const c = C(k);
    const t = k.tasks[slot(k, 'T')]!;
    expect(c.sve_vq).toBeLessThan(t.sve_vq);
    expect(c.sve_state_vq).toBe(c.sve_vq);
    // A second write at C's VL reuses the buffer: sve_alloc() zeroes it.
    return act(k, 'ptrace_sve', 0, slot(k, 'C'));
  }
  for (const variant of ['v4.15', 'v4.18', 'v4.18-rc1']) {
    it(`${variant}: zeroing at the tracer's VL overflows the tracee's buffer (memory-safety)`, () => {
      const v = writeAtSmallerVl(variant);
      expect(v?.invariant).toBe('memory-safety');
      expect(v?.where).toBe('sve_alloc');
    });
  }
  for (const variant of ['v5.17', 'v4.18+e35ac9d0b56e']) {
    it(`${variant}: zeroing at the tracee's own VL stays inside its buffer`, () => {
      expect(writeAtSmallerVl(variant)).toBeNull();
    });
  }
});

describe("v4.15's task_fpsimd_save(): a VL mismatch WARNs, SIGKILLs and saves nothing (snapshot O)", () => {
  it('with violations collected (check --continue), the registers are not written at the wrong VL', () => {
    const k = boot('v4.15');
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0); // the SVE trap
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0); // C's SVE state is live
    const c = C(k);
    expect(c.TIF_SVE).toBe(true);
    expect(c.TIF_FOREIGN_FPSTATE).toBe(false);
    const saved = [c.sve_V, c.sve_Hi];
    expect(k.cpus[0]!.regV).not.toBe(saved[0]);
    k.cpus[0]!.hw_vq = k.otherVq(c.sve_vq); // RDVL no longer agrees with thread.sve_vl
    const seen: string[] = [];
    k.onViolation = (v) => void seen.push(`${v.invariant}@${v.where}`);
    act(k, 'switch', 0, slot(k, 'T'));
    expect(seen).toEqual(['kernel-warn@task_fpsimd_save']);
    expect([c.sve_V, c.sve_Hi]).toEqual(saved);
  });
});
