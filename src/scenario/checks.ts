/**
 * Named bounded-check configurations: a machine, a depth and the event families to explore.
 * A scenario fixes one interleaving; a bounded check tries them all up to the bound. The
 * `standard` ones are what `fpctx matrix` runs for every variant: each finishes in a few
 * seconds and together they draw every event family; the kselftest analogues among them say
 * which test they mirror.
 */

import type { CheckBounds } from '../cli/api.js';

export interface NamedCheck {
  readonly name: string;
  /** One line: what it explores. */
  readonly description: string;
  /** The kernel test or thread it mirrors, when there is one. */
  readonly reference?: string;
  readonly bounds: CheckBounds;
  /** Part of the standard set (`fpctx matrix`). */
  readonly standard: boolean;
}

export const BOUNDED_CHECKS: readonly NamedCheck[] = [
  {
    name: '1cpu-kvm',
    description: 'two tasks and a vcpu thread on one CPU: the seed thread\'s world (switches, syscalls, SVE traps, kernel NEON, fork/exit, guest runs)',
    reference: 'linux-arm-kernel, 2017-11: [RFC PATCH 2/4] arm64/sve: KVM: Avoid dereference of dead task during guest entry',
    bounds: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 },
    standard: true,
  },
  {
    name: '1cpu-fork',
    description: 'two tasks on one CPU with fork into a dead task\'s task_struct (address reuse)',
    reference: '071b6d4a5d34 arm64: fpsimd: Prevent registers leaking from dead tasks',
    bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 },
    standard: true,
  },
  {
    name: '2cpu-kvm',
    description: 'a task and a vcpu thread migrating between two CPUs, guests on both',
    bounds: { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 },
    standard: true,
  },
  {
    name: 'sve-stress',
    description: 'one task migrating between two CPUs, taking signals (frames modified by the handler) with preemption and softirq NEON inside delivery and sigreturn',
    reference: 'tools/testing/selftests/arm64/fp/sve-stress, fpsimd-stress (irritator signals)',
    bounds: { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 15, events: ['core', 'neon', 'signal'] },
    standard: true,
  },
  {
    name: 'fp-stress',
    description: 'more tasks than CPUs: preemption, migration, kernel-mode NEON (task and softirq) and signals, every interleaving',
    reference: 'tools/testing/selftests/arm64/fp/fp-stress.c',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 10, events: ['core', 'neon', 'signal'] },
    standard: true,
  },
  {
    name: 'sve-ptrace',
    description: 'a tracer writing and reading a stopped task\'s FPSIMD and SVE regsets (with VL changes), the tracee resuming anywhere',
    reference: 'tools/testing/selftests/arm64/fp/sve-ptrace.c, fp-ptrace.c',
    bounds: { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 11, events: ['core', 'ptrace'] },
    standard: true,
  },
  {
    name: 'vec-syscfg',
    description: 'prctl VL changes (now, INHERIT, ONEXEC) and exec, with kernel NEON interleaved',
    reference: 'tools/testing/selftests/arm64/fp/vec-syscfg.c',
    bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'neon', 'exec', 'vl'] },
    standard: true,
  },
  {
    name: 'pm-hotplug',
    description: 'CPU low-power states and hotplug under a migrating task and kernel NEON',
    bounds: { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 13, events: ['core', 'neon', 'pm', 'hotplug'] },
    standard: true,
  },
  {
    name: 'kvm-signal',
    description: 'a task and a vcpu thread on one CPU with signals and softirq NEON around guest runs',
    bounds: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12, events: ['core', 'neon', 'kvm', 'signal'] },
    standard: true,
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

export function findCheck(name: string): NamedCheck | undefined {
  return BOUNDED_CHECKS.find((c) => c.name === name);
}
