/**
 * How an event family is declared: one module per family in this folder, each listing its
 * events with everything the rest of the program needs to know about them — where the event
 * runs, the kernel feature it requires, whether it is a user instruction that may trap or a
 * kernel path some variant splits, its arguments, when it is enabled and the kernel entry it
 * calls. src/kernel/events.ts assembles the alphabet from these modules; the scenario runner,
 * the cost driver and stream, the explorer and `fpctx events` read the declarations and keep no
 * lists of their own.
 */

import type { KernelFeatures } from '../machine.js';
import type { Kvm } from '../kvm.js';
import { KPath, NONE, Pos, TaskState, type TaskView } from '../records.js';

/**
 * The families, in the order of their bits in an event mask (`--events`, BootSpec.events). The
 * explorer draws only the families a check enables, so a bound is spent where it matters;
 * scenarios may use every event.
 */
export const EVENT_FAMILIES = [
  'core',
  'neon',
  'fork',
  'kvm',
  'signal',
  'ptrace',
  'exec',
  'vl',
  'pm',
  'hotplug',
  'sme',
  'fpmr',
  'kvm_sve',
  'sigframe',
  'ptrace_full',
  'atomic',
] as const;
export type EventFamily = (typeof EVENT_FAMILIES)[number];

/** What an event's parameters are. */
export type EventParams =
  | 'cpu' // runs on a CPU, acts on its current task
  | 'cpu+task' // runs on a CPU, names a (runnable, stopped) task
  | 'cpu+slot' // runs on a CPU, names a free slot (fork)
  | 'task'; // names a task, no particular CPU

/**
 * Where the event's code runs:
 *  - `user`: an instruction of the current task in user mode; it leaves the task in user mode
 *    unless it traps (the cost driver retries a trapped one after `ret_to_user`);
 *  - `entry`: user space enters the kernel (a syscall, an interrupt);
 *  - `kernel`: a kernel path of the current task (syscall work, return to user, the KVM run loop);
 *  - `guest`: the guest of the current vcpu thread;
 *  - `cpu`: the named CPU itself (the scheduler, a softirq, a low-power state), whatever current does;
 *  - `other-cpu`: another CPU acts on the named one (hotplug's fpsimd_cpu_dead runs elsewhere);
 *  - `task`: no CPU in particular (reaping, a tracer's resume).
 */
export type EventRuns = 'user' | 'entry' | 'kernel' | 'guest' | 'cpu' | 'other-cpu' | 'task';

/**
 * What one action of an event may read or write, for partial-order reduction (issue 15): the
 * CPUs, task slots and vcpus whose records it touches, and whether it touches machine-wide
 * state (the global record, or every CPU). Declarations may supply it through `touches`; none
 * does yet, and a missing `touches` means "may touch anything".
 */
export interface Footprint {
  readonly cpus: number[];
  readonly slots: number[];
  readonly vcpus: number[];
  shared: boolean;
}

interface EventBase {
  readonly name: string;
  /**
   * The event's action code (bits 0-7 of an action). The codes fix the order in which the
   * explorer lists a state's enabled actions, hence which of equally short counterexamples it
   * reports and the traces it prints: new events take the next free code.
   */
  readonly code: number;
  readonly runs: EventRuns;
  /** One line for the CLI reference and the scenario docs. */
  readonly doc: string;
  /** When the event is enabled, in words (for "not enabled" errors). */
  readonly needs: string;
  /**
   * A user instruction that traps to the kernel in some variants (SVE or SME access traps,
   * lazy FP) and runs directly in others: a scenario written for a trapping variant follows it
   * with `ret_to_user`, recorded as a no-op where no trap was taken.
   */
  readonly traps?: true;
  /**
   * A kernel path that is several steps (`continue`) in at least one variant, or that ends in
   * one: a `continue` written after it is a no-op where the variant ran it atomically.
   */
  readonly path?: true;
  /** Whether the event is enabled at (cpu, arg): the kernel's preconditions, in the state. */
  enabled(k: Kvm, cpu: number, arg: number): boolean;
  /** Partial-order reduction's footprint of the action (see Footprint); absent: anything. */
  touches?(k: Kvm, cpu: number, arg: number, out: Footprint): void;
}

/** An event on a CPU's current task (or the CPU): `run` is called on that CPU. */
export interface CpuEventDecl extends EventBase {
  readonly params: 'cpu';
  /** The kernel entry. Runs on `cpu` (smp_processor_id()), except for `other-cpu` events. */
  run(k: Kvm, cpu: number): void;
}

/** An event that names a task or a slot: `run` receives its task record. */
export interface TaskEventDecl extends EventBase {
  readonly params: 'cpu+task' | 'cpu+slot' | 'task';
  /** The kernel entry, on `cpu` for cpu+task and cpu+slot events. */
  run(k: Kvm, t: TaskView, cpu: number): void;
}

export type EventDecl = CpuEventDecl | TaskEventDecl;

export interface FamilyDecl {
  readonly name: EventFamily;
  /** The kernel feature without which none of its events is ever enabled (KernelFeatures). */
  readonly requires?: Exclude<keyof KernelFeatures, 'ext'>;
  /** One line: what the family models. */
  readonly doc: string;
  readonly events: readonly EventDecl[];
}

// --- predicates the families share ---------------------------------------------------------------

/** `current` on `cpu`, or null for the idle task. */
export function cur(k: Kvm, cpu: number): TaskView | null {
  const slot = k.cpus[cpu]!.current;
  return slot === NONE ? null : k.tasks[slot]!;
}

/** `current` on `cpu` when it is at position `pos` (Pos), else null. */
export function curAt(k: Kvm, cpu: number, pos: number): TaskView | null {
  const t = cur(k, cpu);
  return t && t.pos === pos ? t : null;
}

/** Current is inside a syscall, between kernel paths (not part-way through a multi-step one). */
export function inSyscall(k: Kvm, cpu: number): TaskView | null {
  const t = curAt(k, cpu, Pos.KERNEL);
  return t?.in_syscall && t.kpath === KPath.NONE ? t : null;
}

/** Current is in the kernel (syscall or exception/IRQ from user), between kernel paths. */
export function inKernel(k: Kvm, cpu: number): TaskView | null {
  const t = curAt(k, cpu, Pos.KERNEL);
  return t && t.kpath === KPath.NONE ? t : null;
}

/** A task stopped for ptrace, traced by current which is in a syscall on `cpu`. */
export function tracee(k: Kvm, cpu: number, slot: number): TaskView | null {
  const target = k.tasks[slot]!;
  return inSyscall(k, cpu) && target.state === TaskState.STOPPED ? target : null;
}
