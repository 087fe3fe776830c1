/**
 * Named bounded-check configurations: a machine, a depth and the event families to explore.
 * A scenario fixes one interleaving; a bounded check tries them all up to the bound. The
 * `standard` ones are what `fpctx matrix` runs for every variant: each finishes in a few
 * seconds and together they draw every event family; the kselftest analogues among them say
 * which test they mirror.
 */

import type { ScenarioFeature } from '../scenario/features.js';
import type { CheckBounds } from './check.js';

/** What a check is known to find in a variant: nothing, or a violation (docs/findings.md). */
export type CheckExpectation = 'ok' | { readonly invariant: string; readonly kind?: string; readonly step?: number };

export interface NamedCheck {
  readonly name: string;
  /** One line: what it explores. */
  readonly description: string;
  /** The kernel test or thread it mirrors, when there is one. */
  readonly reference?: string;
  readonly bounds: CheckBounds;
  /** Kernel features the check explores (SME, FPMR): n/a on variants without them. */
  readonly requires?: readonly ScenarioFeature[];
  /** Part of the standard set (`fpctx matrix`). */
  readonly standard: boolean;
  /**
   * Known outcomes per built-in variant (every standard check states one for each; the
   * matrix reports a difference as unexpected). Each violation is explained in
   * docs/findings.md.
   */
  readonly expect?: Readonly<Record<string, CheckExpectation>>;
}

const CLEAN = {
  'v4.15-rc1': 'ok',
  'rfc-2017': 'ok',
  'flush-always': 'ok',
  'no-sve-flush': 'ok',
  'v4.15': 'ok',
  'v4.18-rc1': 'ok',
  'v4.18': 'ok',
  'v5.17': 'ok',
  'v6.1.y': 'ok',
  'v6.12-rc1': 'ok',
  'v6.12': 'ok',
  'v6.12.y': 'ok',
  mainline: 'ok',
} as const;
const UAF = { invariant: 'no-uaf' } as const;
const BH_WARN = { invariant: 'kernel-warn', step: 2 } as const; // b045e4d0f392
const CORRUPT = { invariant: 'integrity', kind: 'corrupt' } as const;
const CLONE_LOST = { invariant: 'integrity', kind: 'lost' } as const; // e0cb0f26594c
/** 751ecf6afd65: do_sve_acc() migrated part-way leaves a stale binding; RDVL mismatch WARN (SIGKILL). */
const STALE_SVE_TRAP = { invariant: 'kernel-warn', step: 9 } as const;
/** d52d165d67c5: HOST_SVE_ENABLED never cleared, vcpu_put re-enables EL0 SVE for a task without TIF_SVE. */
const HOST_SVE_ENABLED = { invariant: 'integrity', kind: 'corrupt', step: 12 } as const;
/** fbc7e61195e2: fpsimd_kvm_prepare() converts a stale sve_state over the FPSIMD state saved in a syscall. */
const KVM_PREPARE_LOST = { invariant: 'integrity', kind: 'lost', step: 11 } as const;
/** 929fa99b1215: the FPMR signal record is read from the live register while current's state is not loaded. */
const FPMR_SIGNAL = { invariant: 'integrity', kind: 'lost', step: 3 } as const;
/** 5cbb61bf4168: sve_set_common() zeroes the tracer's uw.fpsimd_state instead of the target's. */
const TRACER_ZEROED = { invariant: 'integrity', kind: 'lost', step: 8 } as const;
/** 49ce484187f7: a VL change converts a stale sve_state over the FPSIMD state saved in the syscall. */
const VL_STALE = { invariant: 'integrity', kind: 'lost', step: 9 } as const;
/** e35ac9d0b56e (v5.15): sve_alloc() zeroes a tracee's buffer for the tracer's (larger) VL. */
const ALLOC_OVERFLOW = { invariant: 'memory-safety', step: 7 } as const;

export const BOUNDED_CHECKS: readonly NamedCheck[] = [
  {
    name: '1cpu-kvm',
    description:
      "two tasks and a vcpu thread on one CPU: the seed thread's world (switches, syscalls, SVE traps, kernel NEON, fork/exit, guest runs)",
    reference: 'linux-arm-kernel, 2017-11: [RFC PATCH 2/4] arm64/sve: KVM: Avoid dereference of dead task during guest entry',
    bounds: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 },
    standard: true,
    expect: {
      ...CLEAN,
      'v4.15-rc1': UAF,
      'no-sve-flush': CORRUPT,
      'v4.18-rc1': BH_WARN,
      'v5.17': HOST_SVE_ENABLED,
      'v6.12-rc1': KVM_PREPARE_LOST,
      'v6.12': KVM_PREPARE_LOST,
    },
  },
  {
    name: '1cpu-fork',
    description: "two tasks on one CPU with fork into a dead task's task_struct (address reuse)",
    reference: '071b6d4a5d34 arm64: fpsimd: Prevent registers leaking from dead tasks',
    bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 },
    standard: true,
    expect: { ...CLEAN, 'v4.15-rc1': { invariant: 'integrity', kind: 'leak' } },
  },
  {
    name: '2cpu-kvm',
    description: 'a task and a vcpu thread migrating between two CPUs, guests on both',
    bounds: { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 },
    standard: true,
    expect: { ...CLEAN, 'v4.15-rc1': UAF, 'v4.18-rc1': BH_WARN, 'v5.17': STALE_SVE_TRAP, 'v6.12-rc1': STALE_SVE_TRAP },
  },
  {
    name: 'sve-stress',
    description:
      'one task migrating between two CPUs, taking signals (frames modified by the handler) with preemption and softirq NEON inside delivery and sigreturn',
    reference: 'tools/testing/selftests/arm64/fp/sve-stress, fpsimd-stress (irritator signals)',
    bounds: { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 15, events: ['core', 'neon', 'signal'] },
    standard: true,
    // a45448313706; 751ecf6afd65 on v5.17; the FPMR record (929fa99b1215) on v6.12(-rc1)
    expect: {
      ...CLEAN,
      'v4.15-rc1': { invariant: 'integrity', kind: 'lost' },
      'v5.17': STALE_SVE_TRAP,
      'v6.12-rc1': FPMR_SIGNAL,
      'v6.12': FPMR_SIGNAL,
      'v6.12.y': FPMR_SIGNAL, // 929fa99b1215 is not in 6.12.118 (fpsimd.c:1698 unchanged)
    },
  },
  {
    name: 'fp-stress',
    description: 'more tasks than CPUs: preemption, migration, kernel-mode NEON (task and softirq) and signals, every interleaving',
    reference: 'tools/testing/selftests/arm64/fp/fp-stress.c',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 10, events: ['core', 'neon', 'signal'] },
    standard: true,
    expect: { ...CLEAN, 'v5.17': STALE_SVE_TRAP, 'v6.12-rc1': FPMR_SIGNAL, 'v6.12': FPMR_SIGNAL, 'v6.12.y': FPMR_SIGNAL },
  },
  {
    name: 'sve-ptrace',
    description: "a tracer writing and reading a stopped task's FPSIMD and SVE regsets (with VL changes), the tracee resuming anywhere",
    reference: 'tools/testing/selftests/arm64/fp/sve-ptrace.c, fp-ptrace.c',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 11, events: ['core', 'ptrace'] },
    standard: true,
    expect: {
      ...CLEAN,
      'v4.15-rc1': ALLOC_OVERFLOW,
      'rfc-2017': ALLOC_OVERFLOW,
      'flush-always': ALLOC_OVERFLOW,
      'no-sve-flush': ALLOC_OVERFLOW,
      'v4.15': ALLOC_OVERFLOW,
      'v4.18-rc1': ALLOC_OVERFLOW,
      'v4.18': ALLOC_OVERFLOW,
      'v5.17': STALE_SVE_TRAP,
      'v6.12-rc1': STALE_SVE_TRAP,
      mainline: TRACER_ZEROED,
    },
  },
  {
    name: 'ptrace-fork',
    description: 'a tracer editing a task stopped inside a syscall, which then forks (the child must inherit the edited state)',
    reference: 'e0cb0f26594c arm64/fpsimd: Consistently preserve FPSIMD state during clone()',
    // without a VL change: before e35ac9d0b56e a tracer's second SVE write at a smaller VL
    // overflows the tracee's buffer in 7 steps (sve-ptrace shows that), hiding the clone bug
    bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 1, depth: 13, events: ['core', 'fork', 'ptrace'], without: ['ptrace_sve_vl'] },
    standard: true,
    // v4.15-rc1 shows its shorter fork bug (071b6d4a5d34, a child in a reused task_struct) first
    expect: {
      'v4.15-rc1': { invariant: 'integrity', kind: 'leak' },
      'rfc-2017': CLONE_LOST,
      'flush-always': CLONE_LOST,
      'no-sve-flush': CLONE_LOST,
      'v4.15': CLONE_LOST,
      'v4.18-rc1': CLONE_LOST,
      'v4.18': CLONE_LOST,
      'v5.17': CLONE_LOST,
      'v6.1.y': CLONE_LOST, // e0cb0f26594c is in neither Debian tree (process.c arch_dup_task_struct)
      'v6.12-rc1': CLONE_LOST,
      'v6.12': CLONE_LOST,
      'v6.12.y': CLONE_LOST,
      // mainline (fixed e0cb0f26594c) shows its sve_set_common() bug first (5cbb61bf4168)
      mainline: TRACER_ZEROED,
    },
  },
  {
    name: 'vec-syscfg',
    description: 'prctl VL changes (now, INHERIT, ONEXEC) and exec, with kernel NEON interleaved',
    reference: 'tools/testing/selftests/arm64/fp/vec-syscfg.c',
    bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'neon', 'exec', 'vl'] },
    standard: true,
    expect: { ...CLEAN, 'v6.12-rc1': VL_STALE, 'v6.12': VL_STALE, 'v6.12.y': VL_STALE }, // 49ce484187f7 not in 6.12.118
  },
  {
    name: 'pm-hotplug',
    description: 'CPU low-power states and hotplug under a migrating task and kernel NEON',
    bounds: { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 13, events: ['core', 'neon', 'pm', 'hotplug'] },
    standard: true,
    expect: { ...CLEAN, 'v5.17': STALE_SVE_TRAP, 'v6.12-rc1': STALE_SVE_TRAP },
  },
  {
    name: 'kvm-signal',
    description: 'a task and a vcpu thread on one CPU with signals and softirq NEON around guest runs',
    bounds: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12, events: ['core', 'neon', 'kvm', 'signal'] },
    standard: true,
    expect: {
      ...CLEAN,
      'no-sve-flush': CORRUPT,
      'v4.18-rc1': BH_WARN,
      'v5.17': HOST_SVE_ENABLED,
      'v6.12-rc1': FPMR_SIGNAL,
      'v6.12': FPMR_SIGNAL,
      'v6.12.y': FPMR_SIGNAL,
    },
  },
  {
    name: 'sme-stress',
    description:
      'two SME tasks on two CPUs: streaming mode, ZA/ZT0 and the SME access trap, SME VL changes, preemption and migration (n/a without SME)',
    reference: 'tools/testing/selftests/arm64/fp/za-stress, ssve-stress, zt-stress (fp-stress.c running za-test, ssve-test, zt-test)',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'sme'] },
    requires: ['sme'],
    standard: true,
    // v6.12-rc1: the SME form of 49ce484187f7, PR_SME_SET_VL in a syscall after an SVE trap
    expect: { 'v6.12-rc1': { ...VL_STALE, step: 8 }, mainline: 'ok' },
  },
  {
    name: 'fp-stress-deep',
    description: 'fp-stress at a larger bound (minutes, not part of the matrix)',
    reference: 'tools/testing/selftests/arm64/fp/fp-stress.c',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 13, events: ['core', 'neon', 'signal'] },
    standard: false,
  },
];

export const STANDARD_MATRIX_CHECKS: readonly NamedCheck[] = BOUNDED_CHECKS.filter((c) => c.standard);

/** Does a check outcome match an expectation? */
export function meetsCheckExpectation(v: { invariant: string; kind?: string; step: number } | undefined, e: CheckExpectation): boolean {
  if (e === 'ok') return !v;
  if (!v || v.invariant !== e.invariant) return false;
  if (e.kind !== undefined && v.kind !== e.kind) return false;
  if (e.step !== undefined && v.step !== e.step) return false;
  return true;
}

export function findCheck(name: string): NamedCheck | undefined {
  return BOUNDED_CHECKS.find((c) => c.name === name);
}
