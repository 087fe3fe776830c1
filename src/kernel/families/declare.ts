/**
 * How an event family is declared: one module per family in this folder, each listing its
 * events with everything the rest of the program needs to know about them — where the event
 * runs, the kernel feature it requires, whether it is a user instruction that may trap or a
 * kernel path some variant splits, its arguments, when it is enabled and the kernel entry it
 * calls. src/kernel/events.ts assembles the alphabet from these modules; the scenario runner,
 * the cost driver and stream, the explorer and `fpctx events` read the declarations and keep no
 * lists of their own.
 */

import type { Hardware } from '../../arch/hw.js';
import { writerOf } from '../../arch/tokens.js';
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
  'alloc',
  'kvmvl',
  'ptrace_edge',
  'efi',
  'tpidr2',
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
 * What one action of an event may read or write, for partial-order reduction (issue 15,
 * src/kernel/por.ts): the CPUs, task slots and vcpus whose records it touches, and whether it
 * touches machine-wide state (the global record, or every CPU). A declaration supplies it
 * through `touches`, computed from the state the action is taken in.
 *
 * A missing `touches` means "may touch anything": the reduction is then off for every check
 * whose event families include that event (a footprint only says something if every event that
 * may run declares one, since an undeclared event could touch a CPU's records at any future step).
 *
 * The rule every declared footprint follows, on which the reduction's soundness rests (por.ts):
 * an event on CPU c touches only c, c's current task and that task's vcpu, the storage c's
 * binding (fpsimd_last_state) names, and tasks that are not running (a runnable task it
 * schedules, a free slot it forks into, a zombie it reaps, with the CPUs whose binding names
 * that zombie and the records holding its data). It never touches a task running on another
 * CPU, nor that CPU. `test/kernel/por.test.ts` checks that every word an action changes lies
 * inside its declared footprint.
 */
export interface Footprint {
  readonly cpus: number[];
  readonly slots: number[];
  readonly vcpus: number[];
  shared: boolean;
}

/** A task slot and the vcpu its thread runs, if any. */
export function touchTask(k: Kvm, slot: number, out: Footprint): void {
  if (slot === NONE) return;
  out.slots.push(slot);
  const v = k.tasks[slot]!.vcpu;
  if (v !== NONE) out.vcpus.push(v);
}

/**
 * An action on `cpu` that acts on the CPU and its current task: the CPU, current and its vcpu,
 * and the task or vcpu whose storage the CPU's binding names (a save through
 * fpsimd_last_state writes there, and a v4.15-rc1 flush follows it).
 */
export function touchCpu(k: Kvm, cpu: number, out: Footprint): void {
  const c = k.cpus[cpu]!;
  out.cpus.push(cpu);
  touchTask(k, c.current, out);
  const st = c.last_st;
  if (st === 0) return;
  const l = k.layout;
  const t = l.taskOfSt(st);
  const v = l.vcpuOfSt(st);
  if (t >= 0) touchTask(k, t, out);
  else if (v >= 0) {
    out.vcpus.push(v);
    touchTask(k, k.vcpus[v]!.thread, out);
  } else if (k.cfg.ext) {
    const kt = l.taskOfKernelSt(st);
    if (kt >= 0) touchTask(k, kt, out);
  }
}

/** The record (CPU, slot, vcpu, or the global one) a word of the state belongs to. */
export function touchWord(k: Kvm, offset: number, out: Footprint): void {
  const l = k.layout;
  if (offset < l.cpuBase) out.shared = true;
  else if (offset < l.slotBase) out.cpus.push(Math.floor((offset - l.cpuBase) / l.cpuSpec.length));
  else if (offset < l.vcpuBase) out.slots.push(Math.floor((offset - l.slotBase) / l.taskSpec.length));
  else out.vcpus.push(Math.floor((offset - l.vcpuBase) / l.vcpuSpec.length));
}

/**
 * Reaping a zombie (release_task): its slot and vcpu, every CPU whose binding names its storage
 * (marked dangling), and every record holding data it wrote (re-attributed to its dead
 * incarnation: Machine.releaseSlot).
 */
export function touchReap(k: Kvm, slot: number, out: Footprint): void {
  touchTask(k, slot, out);
  const l = k.layout;
  const st = l.stOfTask(slot);
  const kst = k.cfg.ext ? l.stOfKernelState(slot) : -1;
  k.cpus.forEach((c, i) => {
    if (c.last_st === st || c.last_st === kst) out.cpus.push(i);
  });
  const w = l.writerOfTask(slot);
  const offs = l.tokenOffsets;
  for (let i = 0; i < offs.length; i++) if (writerOf(k.s[offs[i]!]!) === w) touchWord(k, offs[i]!, out);
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
  /**
   * CPU options under which the family's events show what they are about (kvmvl: nVHE, where
   * the guest's VL reaches the host). `hunt` adds them to a job with the family, where the
   * CPU admits them (src/arch/hw.ts).
   */
  readonly huntOn?: Partial<Hardware>;
  /**
   * Vector lengths (`--vl` spelling) under which the family's events show what they are about,
   * where the kernel and the CPU have SME (efi: a streaming VL above the SVE one, which the
   * default VLs never give). `hunt` runs a job with the family at them unless told `--vl`.
   */
  readonly huntVlWithSme?: string;
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

/**
 * A tracer's regset access (PTRACE_GETREGSET/SETREGSET): current, in a syscall on its CPU,
 * reads or writes a stopped task's registers, when the CPU has what the regset needs (`cpuHas`).
 */
export function tracerAccess(
  name: string,
  code: number,
  doc: string,
  cpuHas: (k: Kvm) => boolean,
  run: TaskEventDecl['run'],
  needs = 'current inside a syscall, and a stopped task',
  targetHas: (t: TaskView) => boolean = () => true,
): TaskEventDecl {
  return {
    name,
    code,
    params: 'cpu+task',
    runs: 'kernel',
    doc,
    needs,
    enabled: (k, cpu, slot) => {
      if (!cpuHas(k)) return false;
      const t = tracee(k, cpu, slot);
      return !!t && targetHas(t);
    },
    run,
  };
}
