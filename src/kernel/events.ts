/**
 * The nondeterministic alphabet: everything that can happen next on the machine.
 *
 * Each event is one kernel path (or one user-space action) on one CPU, enabled only where the
 * kernel allows it. The checker enumerates enabled events; scenarios name them; the simulator
 * and the cost model draw them. Events call the variant's methods, so a variant changes what
 * an event does by overriding kernel functions, never by editing this table.
 *
 * An action is encoded in one integer: event index | cpu << 8 | arg << 16, where `arg` is a
 * task slot for events that take one.
 */

import type { Kvm } from './kvm.js';
import { NONE, Pos, TaskState, type TaskView } from './records.js';

/** What an event's parameters are. */
export type EventParams =
  | 'cpu' // runs on a CPU, acts on its current task
  | 'cpu+task' // runs on a CPU, names a (runnable) task
  | 'cpu+slot' // runs on a CPU, names a free slot (fork)
  | 'task'; // names a task, no particular CPU

export interface EventKind {
  readonly name: string;
  readonly params: EventParams;
  /** One line for the CLI reference and the scenario docs. */
  readonly doc: string;
  /** When the event is enabled, in words (for "not enabled" errors). */
  readonly needs: string;
  enabled(k: Kvm, cpu: number, arg: number): boolean;
  apply(k: Kvm, cpu: number, arg: number): void;
}

function cur(k: Kvm, cpu: number): TaskView | null {
  const slot = k.cpus[cpu]!.current;
  return slot === NONE ? null : k.tasks[slot]!;
}

function curAt(k: Kvm, cpu: number, pos: number): TaskView | null {
  const t = cur(k, cpu);
  return t && t.pos === pos ? t : null;
}

function inSyscall(k: Kvm, cpu: number): TaskView | null {
  const t = curAt(k, cpu, Pos.KERNEL);
  return t && t.in_syscall ? t : null;
}

export const EVENTS: readonly EventKind[] = [
  {
    name: 'switch',
    params: 'cpu+task',
    doc: 'schedule a runnable task onto the CPU (preempting or replacing current; migration if it last ran elsewhere)',
    needs: 'a runnable task, and a CPU whose current task can be preempted',
    enabled: (k, cpu, slot) => k.tasks[slot]!.state === TaskState.RUNNABLE && k.mayPreempt(k.cpus[cpu]!),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      k.__switch_to(k.tasks[slot]!);
    },
  },
  {
    name: 'idle',
    params: 'cpu',
    doc: 'current blocks or is preempted and the CPU runs its idle task',
    needs: 'a CPU running a task that can be preempted',
    enabled: (k, cpu) => k.cpus[cpu]!.current !== NONE && k.mayPreempt(k.cpus[cpu]!),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.__switch_to(null);
    },
  },
  {
    name: 'ret_to_user',
    params: 'cpu',
    doc: 'current returns to user space (restoring its FP state if foreign); from the run loop, KVM_RUN returns first',
    needs: 'current in the kernel or in the KVM run loop',
    enabled: (k, cpu) => {
      const t = cur(k, cpu);
      return !!t && (t.pos === Pos.KERNEL || t.pos === Pos.RUNLOOP);
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      if (k.currentTask.pos === Pos.RUNLOOP) k.runLoopReturn();
      k.ret_to_user();
    },
  },
  {
    name: 'fp_write',
    params: 'cpu',
    doc: 'user space writes its V registers with FPSIMD instructions (zeroes the SVE part)',
    needs: 'current in user mode',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userFpWrite();
    },
  },
  {
    name: 'sve_write',
    params: 'cpu',
    doc: 'user space writes Z/P/FFR with SVE instructions (traps to do_sve_acc first if SVE is disabled for EL0)',
    needs: 'current in user mode',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userSveWrite();
    },
  },
  {
    name: 'fp_read',
    params: 'cpu',
    doc: 'user space reads its registers back and compares them with what it wrote (integrity check point)',
    needs: 'current in user mode',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userFpRead();
    },
  },
  {
    name: 'syscall',
    params: 'cpu',
    doc: 'user space enters a system call (the entry path may discard SVE state)',
    needs: 'current in user mode',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.el0_svc();
    },
  },
  {
    name: 'kernel_neon',
    params: 'cpu',
    doc: 'the current syscall uses kernel-mode NEON (kernel_neon_begin ... kernel_neon_end)',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.kernel_neon_begin();
      k.kernelNeonUse();
      k.kernel_neon_end();
    },
  },
  {
    name: 'softirq_neon',
    params: 'cpu',
    doc: 'a softirq on this CPU uses kernel-mode NEON (whatever current is doing, unless a guest runs)',
    needs: 'a CPU not running a guest',
    enabled: (k, cpu) => k.maySoftirq(k.cpus[cpu]!),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.interruptUser();
      k.kernel_neon_begin();
      k.kernelNeonUse();
      k.kernel_neon_end();
    },
  },
  {
    name: 'fork',
    params: 'cpu+slot',
    doc: 'the current syscall is fork(): a new user task is created in a free slot (possibly a dead task\'s)',
    needs: 'current inside a syscall, and a free slot',
    enabled: (k, cpu, slot) => {
      const t = inSyscall(k, cpu);
      return !!t && t.mm && k.tasks[slot]!.state === TaskState.FREE;
    },
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      k.copy_process(k.tasks[slot]!);
    },
  },
  {
    name: 'exit',
    params: 'cpu',
    doc: 'the current syscall is exit(): the task becomes a zombie and the CPU goes idle',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.do_exit();
    },
  },
  {
    name: 'free',
    params: 'task',
    doc: 'a zombie is reaped and its task_struct freed (the slot may be reused by a later fork)',
    needs: 'a zombie task',
    enabled: (k, _cpu, slot) => k.tasks[slot]!.state === TaskState.ZOMBIE,
    apply: (k, _cpu, slot) => {
      k.release_task(k.tasks[slot]!);
    },
  },
  {
    name: 'kvm_run',
    params: 'cpu',
    doc: 'the current syscall of a vcpu thread is ioctl(KVM_RUN): it enters the run loop',
    needs: 'current a vcpu thread inside a syscall',
    enabled: (k, cpu) => {
      const t = inSyscall(k, cpu);
      return !!t && t.vcpu !== NONE;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.kvm_arch_vcpu_ioctl_run();
    },
  },
  {
    name: 'vcpu_enter',
    params: 'cpu',
    doc: 'the run loop prepares (pre-entry FP flush) and enters the guest',
    needs: 'current a vcpu thread in the KVM run loop',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.RUNLOOP),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.runLoopEnterGuest();
    },
  },
  {
    name: 'guest_fp',
    params: 'cpu',
    doc: 'the guest reads and writes FP registers (the first use in a run traps to the hypervisor)',
    needs: 'current a vcpu thread whose guest is running',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.GUEST),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.guestFpUse();
    },
  },
  {
    name: 'vcpu_exit',
    params: 'cpu',
    doc: 'the guest exits to the host run loop',
    needs: 'current a vcpu thread whose guest is running',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.GUEST),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.runLoopGuestExit();
    },
  },
];

export const EVENT_NAMES = EVENTS.map((e) => e.name);

export function eventIndex(name: string): number {
  return EVENTS.findIndex((e) => e.name === name);
}

// --- action encoding -----------------------------------------------------------------------------

export function encodeAction(event: number, cpu: number, arg: number): number {
  return event | (cpu << 8) | (arg << 16);
}

export function decodeAction(a: number): { event: number; cpu: number; arg: number } {
  return { event: a & 0xff, cpu: (a >>> 8) & 0xff, arg: (a >>> 16) & 0xff };
}

/**
 * Every enabled action of the machine's current state, in a fixed order (event, then CPU, then
 * argument). The order is part of the contract: counterexamples are rebuilt by replaying
 * actions, and the same state must always offer the same list.
 */
export function enabledActions(k: Kvm, out: number[]): void {
  const ncpu = k.cfg.cpus;
  const nslot = k.cfg.slots;
  for (let e = 0; e < EVENTS.length; e++) {
    const ev = EVENTS[e]!;
    switch (ev.params) {
      case 'cpu':
        for (let c = 0; c < ncpu; c++) if (ev.enabled(k, c, 0)) out.push(encodeAction(e, c, 0));
        break;
      case 'cpu+task':
      case 'cpu+slot':
        for (let c = 0; c < ncpu; c++)
          for (let t = 0; t < nslot; t++) if (ev.enabled(k, c, t)) out.push(encodeAction(e, c, t));
        break;
      case 'task':
        for (let t = 0; t < nslot; t++) if (ev.enabled(k, 0, t)) out.push(encodeAction(e, 0, t));
        break;
    }
  }
}

/** Why `ev` is not enabled at (cpu, arg), in one clause, for error messages. */
export function explainDisabled(k: Kvm, ev: EventKind, cpu: number, arg: number): string {
  const n = k.naming;
  const where = (c: number): string => {
    const t = cur(k, c);
    if (!t) return `cpu${c} is idle`;
    const pos = ['user mode', 'the kernel', 'the KVM run loop', 'guest mode'][t.pos]!;
    return `cpu${c} runs ${n.task(t.slot)} in ${pos}${t.pos === Pos.KERNEL && t.in_syscall ? ' (syscall)' : ''}`;
  };
  const state = (slot: number): string => {
    const t = k.tasks[slot]!;
    return `${n.task(slot)} is ${['free', 'runnable', 'running', 'a zombie'][t.state]}${t.state === TaskState.RUNNING ? ` on cpu${t.on_cpu}` : ''}`;
  };
  switch (ev.params) {
    case 'cpu':
      return `it needs ${ev.needs}; ${where(cpu)}`;
    case 'cpu+task':
      return `it needs ${ev.needs}; ${state(arg)}, ${where(cpu)}`;
    case 'cpu+slot':
      return `it needs ${ev.needs}; ${where(cpu)}, slot ${arg} is ${k.tasks[arg]!.state === TaskState.FREE ? 'free' : 'in use'}`;
    case 'task':
      return `it needs ${ev.needs}; ${state(arg)}`;
  }
}
