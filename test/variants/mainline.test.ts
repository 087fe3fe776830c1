/**
 * mainline (snapshots B, E, H). Each expectation is derived from the code the variant header
 * cites:
 *  - kvm_arch_vcpu_load_fp() calls fpsimd_save_and_flush_cpu_state() (fbc7e61195e2): the host's
 *    live state is saved and unbound before the guest runs, and hyp never saves host state;
 *  - the cost of that: a host task whose binding survived a guest run that never touched FP in
 *    v6.12 now reloads its state;
 *  - the syscall to_save window (E): from syscall entry, a save takes the FPSIMD format;
 *  - sve_set_common() zeroes current's (the tracer's) uw.fpsimd_state, fixed by 5cbb61bf4168;
 *    with that fixed, the clone() fix e0cb0f26594c shows: ptrace-fork is clean.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FPSIMD_STATE_BYTES, VQ_BITS, sveSaveBytes } from '../../src/arch/sizes.js';
import { ZERO } from '../../src/arch/tokens.js';
import { checkVariant } from '../../src/app/check.js';
import { Format, NO_EFFECTS, type EffectSink } from '../../src/kernel/effects.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { FpType, type TaskView } from '../../src/kernel/records.js';
import { findCheck } from '../../src/app/checks.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';

import { findVariant } from '../../src/variants/index.js';
import { act, machine, slot } from '../helpers.js';

type Fx = { kind: string; who?: string; restore?: boolean; bytes?: number; format?: number; ctx?: number };
function record(k: Kvm): Fx[] {
  const out: Fx[] = [];
  const sink: EffectSink = {
    ...NO_EFFECTS,
    save: (_c, ctx, format, bytes) => void out.push({ kind: 'save', ctx, format, bytes }),
    load: (_c, ctx, format, bytes) => void out.push({ kind: 'load', ctx, format, bytes }),
    flushCpu: () => void out.push({ kind: 'flush_cpu' }),
    hyp: (_c, who, restore, bytes) => void out.push({ kind: 'hyp', who, restore, bytes }),
  };
  k.fx = sink;
  return out;
}

/** The VMM thread B back in user space with FPSIMD data live, then entering KVM_RUN. */
function vmmEntersKvmRun(variant: string) {
  const k = machine(variant, { cpus: 1, tasks: [{ name: 'B', vcpu: true }] });
  const b = slot(k, 'B');
  act(k, 'switch', 0, b);
  act(k, 'kvm_exit', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'fp_write', 0);
  const mine = k.cpus[0]!.regV;
  act(k, 'syscall', 0);
  return { k, b: k.tasks[b]!, mine };
}

describe('mainline: eager save+flush of the host state at vcpu_load', () => {
  it('vcpu_load saves the live host state into the thread and unbinds it; the guest trap saves no host state', () => {
    const { k, b, mine } = vmmEntersKvmRun('mainline');
    const fx = record(k);
    act(k, 'kvm_run', 0);
    expect(fx).toEqual([
      { kind: 'save', ctx: k.layout.stOfTask(b.slot), format: Format.FPSIMD, bytes: FPSIMD_STATE_BYTES },
      { kind: 'flush_cpu' },
    ]);
    expect(b.uw_V).toBe(mine);
    expect(b.TIF_FOREIGN_FPSTATE).toBe(true);
    expect(k.cpus[0]!.last_st).toBe(0);
    fx.length = 0;
    act(k, 'vcpu_enter', 0);
    act(k, 'guest_fp', 0);
    expect(fx.filter((e) => e.kind === 'hyp')).toEqual([{ kind: 'hyp', who: 'guest', restore: true, bytes: FPSIMD_STATE_BYTES }]);
    act(k, 'vcpu_exit', 0);
    act(k, 'kvm_exit', 0);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(mine);
  });

  it('v6.12 instead leaves the host state live at vcpu_load and saves it in hyp at the first guest FP trap', () => {
    const { k, b, mine } = vmmEntersKvmRun('v6.12');
    const fx = record(k);
    act(k, 'kvm_run', 0);
    expect(fx).toEqual([]);
    expect(b.TIF_FOREIGN_FPSTATE).toBe(false);
    act(k, 'vcpu_enter', 0);
    act(k, 'guest_fp', 0);
    expect(fx.filter((e) => e.kind === 'hyp')).toEqual([
      { kind: 'hyp', who: 'host', restore: false, bytes: FPSIMD_STATE_BYTES },
      { kind: 'hyp', who: 'guest', restore: true, bytes: FPSIMD_STATE_BYTES },
    ]);
    expect(b.uw_V).toBe(mine);
  });

  it('costs a host task a (redundant) SVE reload after a guest run that never used FP (kvm-guest-no-fp)', () => {
    const sc = loadScenario(join(BUILTIN_DIR, 'kvm-guest-no-fp.yaml'));
    const v612 = runScenario(sc, findVariant('v6.12')!).trace;
    const main = runScenario(sc, findVariant('mainline')!).trace;
    expect(v612.violation).toBeUndefined();
    expect(main.violation).toBeUndefined();
    // v6.12: A loads once (its first return; the trap converts in registers) and its binding
    // survives the guest run. mainline: vcpu_load's flush drops A's binding, so A reloads its
    // SVE state although the registers still held it.
    const sve = sveSaveBytes(4 * VQ_BITS);
    expect(v612.byContext.A).toMatchObject({ loads: 1, redundantLoads: 0, bytesLoaded: FPSIMD_STATE_BYTES });
    expect(main.byContext.A).toMatchObject({ loads: 2, redundantLoads: 1, bytesLoaded: FPSIMD_STATE_BYTES + sve });
    expect(main.counters.flushes - v612.counters.flushes).toBe(1);
    expect(main.counters.hypHostSaves).toBe(0);
  });
});

describe('mainline: the syscall to_save window (entry-common.c, 398edaa12f9c)', () => {
  function sveLive() {
    const k = machine('mainline', { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }] });
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    act(k, 'continue', 0);
    act(k, 'ret_to_user', 0);
    act(k, 'sve_write', 0);
    return k;
  }

  it('from syscall entry a save takes the FPSIMD format; TIF_SVE is kept', () => {
    const k = sveLive();
    const a = k.tasks[slot(k, 'A')]!;
    act(k, 'syscall', 0);
    expect(k.cpus[0]!.to_save).toBe(FpType.FPSIMD);
    expect(a.TIF_SVE).toBe(true);
    const fx = record(k);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(fx[0]).toMatchObject({ kind: 'save', format: Format.FPSIMD });
    expect(a.fp_type).toBe(FpType.FPSIMD);
  });

  it('outside a syscall the binding decides from TIF_SVE: SVE format', () => {
    const k = sveLive();
    const a = k.tasks[slot(k, 'A')]!;
    expect(k.cpus[0]!.to_save).toBe(FpType.CURRENT);
    act(k, 'irq', 0);
    const fx = record(k);
    act(k, 'switch', 0, slot(k, 'B'));
    expect(fx[0]).toMatchObject({ kind: 'save', format: Format.SVE });
    expect(a.fp_type).toBe(FpType.SVE);
  });
});

/** 5cbb61bf4168 applied: sve_set_common() zeroes the target's uw.fpsimd_state, not the tracer's. */
const MainlineKernel = findVariant('mainline')!.Kernel;
class MainlinePtraceFixed extends MainlineKernel {
  override sve_set(target: TaskView, sveFormat: boolean, vq: number): void {
    const tracer = this.currentTask;
    const kept = tracer.uw_V;
    super.sve_set(target, sveFormat, vq);
    tracer.uw_V = kept;
    if (sveFormat) target.uw_V = ZERO;
  }
}

describe("mainline: sve_set_common() zeroes the tracer's FPSIMD state (5cbb61bf4168)", () => {
  it('a tracer that was switched out inside its syscall loses its V registers to the SETREGSET', () => {
    const r = checkVariant(findVariant('mainline')!, findCheck('sve-ptrace')!.bounds);
    expect(r.violation).toMatchObject({ invariant: 'integrity', kind: 'lost', step: 8 });
    expect(r.violation!.message).toMatch(/sees 0 in its V/);
  });

  it('with 5cbb61bf4168, sve-ptrace and ptrace-fork (the clone() fix e0cb0f26594c) are clean at their bounds', () => {
    const fixed = { ...findVariant('mainline')!, name: 'mainline+5cbb61bf4168', Kernel: MainlinePtraceFixed };
    for (const name of ['sve-ptrace', 'ptrace-fork']) {
      const bounds = findCheck(name)!.bounds;
      const r = checkVariant(fixed, bounds);
      expect(r.violation, name).toBeUndefined();
      expect(r.depth, name).toBe(bounds.depth);
    }
  });
});
