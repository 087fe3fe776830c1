/**
 * `fpctx conform` on committed lab traces (lab/traces/): the variants written from the Debian
 * trees must keep agreeing with the kernels they were read from, and the first divergence the
 * lab README predicted (save+flush at vcpu load, fbc7e61195e2 backported) must show against
 * the upstream releases that lack it. Expected figures are the agreement floor of
 * docs/conformance.md and counts read off the traces by hand (grep of the .trace.gz text).
 */

import { describe, expect, it } from 'vitest';
import { conform } from '../../src/app/conform.js';
import { findVariant } from '../../src/variants/index.js';

const run = (file: string, variant: string, extra: { at?: number; maxDivergences?: number } = {}) =>
  conform({
    files: [file],
    variant: findVariant(variant)!,
    variantArg: variant,
    guestFp: true,
    guestFpFromTrace: true,
    maxDivergences: 100,
    threshold: 0.99,
    ...extra,
  }).traces[0]!;

describe('conform on the lab traces', () => {
  it("a fork split by a preemption: arch_dup_task_struct()'s calls count in the unit where the kernel made them", () => {
    // 6.12 kvm-sve-guest lines 359-378 (zcat | sed -n): the VMM's clone() (sys_enter NR 220) calls
    // fpsimd_preserve_current_state <-arch_dup_task_struct, is preempted (R+) at 369, switched
    // back in at 372, then copy_thread's fpsimd_flush_task_state and sched_process_fork follow.
    const dup = run('lab/traces/6.12/kvm-sve-guest.trace.gz', 'v6.12.y', { at: 359 }).divergences[0]!;
    expect(dup.kernel.map((k) => k.fn)).toEqual(['fpsimd_preserve_current_state', 'fpsimd_save_user_state']);
    expect(dup.model.map((m) => m.fn)).toEqual(['fpsimd_preserve_current_state', 'fpsimd_save_user_state']);
    const t = run('lab/traces/6.12/kvm-sve-guest.trace.gz', 'v6.12.y', { at: 372 });
    const sw = t.divergences[0]!;
    expect(sw.agree).toBe(true);
    expect(sw.model.map((m) => m.fn)).toEqual(['fpsimd_thread_switch', 'fpsimd_save_user_state', 'fpsimd_flush_task_state']);
    expect(t.context['fork split by a preemption (its calls counted where the kernel made them)']).toBe(1);
  });

  it('v6.12.y agrees with the 6.12.118 seed-kvm trace on at least 99 % of its events', () => {
    const t = run('lab/traces/6.12/seed-kvm.trace.gz', 'v6.12.y');
    expect(t.kernel).toBe('6.12.118+deb12-arm64');
    expect(t.ratio).toBeGreaterThanOrEqual(0.99);
    expect(t.verdict).toBe('agree');
    // zcat seed-kvm.trace.gz | grep -c 'kvm_arch_vcpu_load_fp <-': 85 vcpu loads, each saving and
    // flushing the host state (fpsimd_save_and_flush_cpu_state <-kvm_arch_vcpu_load_fp).
    const f = (fn: string) => t.functions.find((x) => x.fn === fn)!;
    expect(f('kvm_arch_vcpu_load_fp')).toEqual({ fn: 'kvm_arch_vcpu_load_fp', model: 85, kernel: 85 });
    expect(f('fpsimd_thread_switch').kernel).toBe(260); // one per sched_switch (260 in the manifest)
    expect(f('fpsimd_thread_switch').model).toBe(260);
  });

  it('v6.12 (no fbc7e61195e2) diverges at every KVM_RUN: the kernel saves and flushes at vcpu load', () => {
    const t = run('lab/traces/6.12/seed-kvm.trace.gz', 'v6.12');
    expect(t.verdict).toBe('diverge');
    const cause = 'sys_enter: kernel calls fpsimd_save_and_flush_cpu_state, the model does not';
    expect(t.causes[cause]).toBe(81); // 81 KVM_RUN ioctls that start in user space (the marker count)
    const d = t.divergences.find((x) => x.cause === cause)!;
    expect(d.kernel.map((k) => k.fn)).toContain('fpsimd_save_and_flush_cpu_state');
    expect(d.model.map((m) => m.fn)).not.toContain('fpsimd_save_and_flush_cpu_state');
    expect(d.command).toMatch(/^npx fpctx conform lab\/traces\/6\.12\/seed-kvm\.trace\.gz --variant v6\.12 --at \d+$/);
  });

  it('v6.1.y agrees with the 6.1.192 seed-kvm trace; v5.17 does not', () => {
    expect(run('lab/traces/6.1/seed-kvm.trace.gz', 'v6.1.y').ratio).toBeGreaterThanOrEqual(0.99);
    expect(run('lab/traces/6.1/seed-kvm.trace.gz', 'v5.17').ratio).toBeLessThan(0.95);
  });

  it('CPU hotplug: fpsimd_cpu_dead is the record of a CPU taken down, and the model takes it down too', () => {
    // zcat hotplug.trace.gz | grep -c 'fpsimd_cpu_dead <-': one `echo 0 > cpu1/online` on each kernel.
    for (const [file, variant] of [
      ['lab/traces/6.12/hotplug.trace.gz', 'v6.12.y'],
      ['lab/traces/6.1/hotplug.trace.gz', 'v6.1.y'],
    ] as const) {
      const t = run(file, variant);
      expect(t.functions.find((x) => x.fn === 'fpsimd_cpu_dead')).toEqual({ fn: 'fpsimd_cpu_dead', model: 1, kernel: 1 });
      expect(t.context['cpu hotplug (offline)']).toBe(1);
      expect(t.context['cpu hotplug (online)']).toBe(1);
      expect(Object.keys(t.causes).some((c) => c.includes('fpsimd_cpu_dead'))).toBe(false);
    }
  });

  it('a ptrace regset write flushes the tracee: its reloads match the kernel', () => {
    // zcat ptrace.trace.gz | grep -c 'task_fpsimd_load <-': 23 loads by 6.12.118; the tracer's
    // PTRACE_SETREGSET NT_PRFPREG calls fpsimd_flush_task_state <-fpr_set on the stopped child
    // (5 rounds), whose next return reloads.
    const t = run('lab/traces/6.12/ptrace.trace.gz', 'v6.12.y');
    expect(t.model.loads).toBe(23);
    expect(t.context['ptrace regset write (tracee flushed)']).toBe(5);
    expect(Object.keys(t.causes).some((c) => c.startsWith('switch: kernel calls fpsimd_restore_current_state'))).toBe(false);
  });

  it('--at shows the unit at a line, with the model steps drawn from the machine before it', () => {
    const first = run('lab/traces/6.12/seed-kvm.trace.gz', 'v6.12').divergences[0]!;
    const t = run('lab/traces/6.12/seed-kvm.trace.gz', 'v6.12', { at: first.line });
    expect(t.divergences).toHaveLength(1);
    expect(t.divergences[0]!.line).toBe(first.line);
    expect(t.divergences[0]!.trace.steps.length).toBeGreaterThan(0);
    expect(t.divergences[0]!.trace.initial.cpus).toHaveLength(2);
  });
});

/**
 * The agreement floor of every committed trace on the variant read from its kernel, and the
 * agreeing units (measured 2026-12-05, docs/conformance.md; percent, rounded down; every trace
 * recorded with syscall events, fp-stress too since issue 12's fourth round): a model or mapping
 * change that loses one agreeing unit on a trace fails here (the count: on the two fp-stress
 * traces, 187,311 and 189,865 compared units, 0.01 % is 19 units: fp-stress.test.ts, a file of its
 * own so that it runs beside this one).
 */
const FLOORS: [string, string, number, number][] = [
  ['lab/traces/6.12/fork-exec.trace.gz', 'v6.12.y', 100.0, 489],
  ['lab/traces/6.12/hotplug.trace.gz', 'v6.12.y', 100.0, 423],
  ['lab/traces/6.12/kernel-neon.trace.gz', 'v6.12.y', 100.0, 377],
  ['lab/traces/6.12/kselftest-fp-ptrace.trace.gz', 'v6.12.y', 99.85, 708],
  ['lab/traces/6.12/kselftest-sve-probe-vls.trace.gz', 'v6.12.y', 100.0, 311],
  ['lab/traces/6.12/kselftest-sve-ptrace.trace.gz', 'v6.12.y', 100.0, 646],
  ['lab/traces/6.12/kselftest-vec-syscfg.trace.gz', 'v6.12.y', 100.0, 1342],
  ['lab/traces/6.12/kselftest-za-fork.trace.gz', 'v6.12.y', 99.57, 237],
  ['lab/traces/6.12/kselftest-za-ptrace.trace.gz', 'v6.12.y', 100.0, 233],
  ['lab/traces/6.12/kvm-sve-guest.trace.gz', 'v6.12.y', 100.0, 817],
  ['lab/traces/6.12/migrate.trace.gz', 'v6.12.y', 100.0, 425],
  ['lab/traces/6.12/prctl-vl.trace.gz', 'v6.12.y', 100.0, 341],
  ['lab/traces/6.12/ptrace.trace.gz', 'v6.12.y', 100.0, 432],
  ['lab/traces/6.12/seed-kvm-sve.trace.gz', 'v6.12.y', 100.0, 1203],
  ['lab/traces/6.12/seed-kvm.trace.gz', 'v6.12.y', 100.0, 1230],
  ['lab/traces/6.12/signals-sve.trace.gz', 'v6.12.y', 100.0, 451],
  ['lab/traces/6.12/signals.trace.gz', 'v6.12.y', 100.0, 360],
  ['lab/traces/6.1/fork-exec.trace.gz', 'v6.1.y', 100.0, 523],
  ['lab/traces/6.1/hotplug.trace.gz', 'v6.1.y', 100.0, 520],
  ['lab/traces/6.1/kernel-neon.trace.gz', 'v6.1.y', 100.0, 385],
  ['lab/traces/6.1/kselftest-sve-probe-vls.trace.gz', 'v6.1.y', 100.0, 230],
  ['lab/traces/6.1/kselftest-sve-ptrace.trace.gz', 'v6.1.y', 100.0, 3036],
  ['lab/traces/6.1/kselftest-vec-syscfg.trace.gz', 'v6.1.y', 100.0, 1795],
  ['lab/traces/6.1/kselftest-za-fork.trace.gz', 'v6.1.y', 100.0, 229],
  ['lab/traces/6.1/kselftest-za-ptrace.trace.gz', 'v6.1.y', 100.0, 240],
  ['lab/traces/6.1/kvm-sve-guest.trace.gz', 'v6.1.y', 99.77, 886],
  ['lab/traces/6.1/migrate.trace.gz', 'v6.1.y', 100.0, 397],
  ['lab/traces/6.1/prctl-vl.trace.gz', 'v6.1.y', 100.0, 365],
  ['lab/traces/6.1/ptrace.trace.gz', 'v6.1.y', 99.57, 468],
  ['lab/traces/6.1/seed-kvm-sve.trace.gz', 'v6.1.y', 99.86, 1484],
  ['lab/traces/6.1/seed-kvm.trace.gz', 'v6.1.y', 100.0, 1337],
  ['lab/traces/6.1/signals-sve.trace.gz', 'v6.1.y', 100.0, 423],
  ['lab/traces/6.1/signals.trace.gz', 'v6.1.y', 100.0, 384],
];

describe('conform agreement floors on every committed lab trace', () => {
  it.each(FLOORS)('%s on %s agrees on at least %s %% (%s units)', (file, variant, floor, agree) => {
    const t = run(file, variant, { maxDivergences: 0 }); // counts only: one pass, no step snapshots
    expect(t.ratio * 100).toBeGreaterThanOrEqual(floor);
    expect(t.agree).toBeGreaterThanOrEqual(agree);
  });
});
