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
import { KPath, NONE, Pos, TaskState, type TaskView } from './records.js';

/**
 * Event families: the explorer draws only the families a check enables (BootSpec.events), so
 * that a bound can be spent where it matters. Scenarios may use every event.
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
] as const;
export type EventFamily = (typeof EVENT_FAMILIES)[number];

/** The alphabet of the first model (issue 2): what checks explore unless told otherwise. */
export const DEFAULT_FAMILIES: readonly EventFamily[] = ['core', 'neon', 'fork', 'kvm'];

export function familyMask(families: readonly EventFamily[]): number {
  let m = 0;
  for (const f of families) m |= 1 << EVENT_FAMILIES.indexOf(f);
  return m;
}

/** What an event's parameters are. */
export type EventParams =
  | 'cpu' // runs on a CPU, acts on its current task
  | 'cpu+task' // runs on a CPU, names a (runnable) task
  | 'cpu+slot' // runs on a CPU, names a free slot (fork)
  | 'task'; // names a task, no particular CPU

export interface EventKind {
  readonly name: string;
  readonly family: EventFamily;
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

/** Current is inside a syscall, between kernel paths (not part-way through a multi-step one). */
function inSyscall(k: Kvm, cpu: number): TaskView | null {
  const t = curAt(k, cpu, Pos.KERNEL);
  return t?.in_syscall && t.kpath === KPath.NONE ? t : null;
}

/** Current is in the kernel (syscall or exception/IRQ from user), between kernel paths. */
function inKernel(k: Kvm, cpu: number): TaskView | null {
  const t = curAt(k, cpu, Pos.KERNEL);
  return t && t.kpath === KPath.NONE ? t : null;
}

/** A task stopped for ptrace, traced by current which is in a syscall on `cpu`. */
function tracee(k: Kvm, cpu: number, slot: number): TaskView | null {
  const target = k.tasks[slot]!;
  return inSyscall(k, cpu) && target.state === TaskState.STOPPED ? target : null;
}

export const EVENTS: readonly EventKind[] = [
  {
    name: 'switch',
    family: 'core',
    params: 'cpu+task',
    doc: 'schedule a runnable task onto the CPU (preempting or replacing current; migration if it last ran elsewhere)',
    needs: 'a runnable task, and a CPU whose current task can be preempted',
    enabled: (k, cpu, slot) => k.tasks[slot]!.state === TaskState.RUNNABLE && k.mayPreempt(k.cpus[cpu]!),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      k.__schedule(k.tasks[slot]!);
    },
  },
  {
    name: 'idle',
    family: 'core',
    params: 'cpu',
    doc: 'current blocks or is preempted and the CPU runs its idle task',
    needs: 'a CPU running a task that can be preempted',
    enabled: (k, cpu) => k.cpus[cpu]!.current !== NONE && k.mayPreempt(k.cpus[cpu]!),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.__schedule(null);
    },
  },
  {
    name: 'ret_to_user',
    family: 'core',
    params: 'cpu',
    doc: 'current returns to user space (restoring its FP state if foreign)',
    needs: 'current in the kernel (not part-way through a kernel path, not in the KVM run loop)',
    enabled: (k, cpu) => !!inKernel(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.ret_to_user();
    },
  },
  {
    name: 'fp_write',
    family: 'core',
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
    family: 'core',
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
    family: 'core',
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
    family: 'core',
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
    family: 'neon',
    params: 'cpu',
    doc: 'the current syscall uses kernel-mode NEON (kernel_neon_begin ... kernel_neon_end; from v6.8 a preemptible section ended by `continue`)',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.taskKernelNeon();
    },
  },
  {
    name: 'softirq_neon',
    family: 'neon',
    params: 'cpu',
    doc: 'a softirq on this CPU uses kernel-mode NEON (whatever current is doing, unless a guest runs)',
    needs: 'a CPU not running a guest',
    enabled: (k, cpu) => k.maySoftirq(k.cpus[cpu]!),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.interruptUser();
      k.softirqKernelNeon();
    },
  },
  {
    name: 'fork',
    family: 'fork',
    params: 'cpu+slot',
    doc: "the current syscall is fork(): a new user task is created in a free slot (possibly a dead task's)",
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
    family: 'fork',
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
    family: 'fork',
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
    family: 'kvm',
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
    family: 'kvm',
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
    family: 'kvm',
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
    family: 'kvm',
    params: 'cpu',
    doc: 'the guest exits to the host run loop',
    needs: 'current a vcpu thread whose guest is running',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.GUEST),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.runLoopGuestExit();
    },
  },
  // --- added by issue 4; appended so that earlier event indices (replay contract) are unchanged ---
  {
    name: 'continue',
    family: 'core',
    params: 'cpu',
    doc: 'current runs the next step of a kernel path the model splits at a preemption point (signal delivery, sigreturn, VL change)',
    needs: 'current part-way through a multi-step kernel path',
    enabled: (k, cpu) => {
      const t = curAt(k, cpu, Pos.KERNEL);
      return !!t && t.kpath !== KPath.NONE;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.kernelContinue();
    },
  },
  {
    name: 'irq',
    family: 'signal',
    params: 'cpu',
    doc: 'an interrupt from user space (a timer tick, say): the task enters the kernel with its state live and will leave through ret_to_user, where a pending signal is delivered',
    needs: 'current in user mode',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.interruptUser();
    },
  },
  {
    name: 'signal',
    family: 'signal',
    params: 'cpu',
    doc: 'a signal is delivered to current on its way back to user space: its FP state is preserved to a frame on the user stack and the handler is entered',
    needs: 'current in the kernel (from a syscall or an interrupted user), not already in a handler',
    enabled: (k, cpu) => {
      const t = inKernel(k, cpu);
      return !!t && !t.sig_frame;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.setup_rt_frame();
    },
  },
  {
    name: 'sigreturn',
    family: 'signal',
    params: 'cpu',
    doc: 'the signal handler returns (rt_sigreturn syscall): FP state is restored from the frame, as the handler may have left it',
    needs: 'current in user mode inside a signal handler',
    enabled: (k, cpu) => {
      const t = curAt(k, cpu, Pos.USER);
      return !!t && t.sig_frame;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.el0_svc();
      k.rt_sigreturn();
    },
  },
  {
    name: 'frame_write',
    family: 'signal',
    params: 'cpu',
    doc: 'the signal handler rewrites the FP registers saved in its frame (ucontext)',
    needs: 'current in user mode inside a signal handler',
    enabled: (k, cpu) => {
      const t = curAt(k, cpu, Pos.USER);
      return !!t && t.sig_frame;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userFrameWrite();
    },
  },
  {
    name: 'ptrace_stop',
    family: 'ptrace',
    params: 'cpu',
    doc: 'current stops for its tracer (signal-delivery or syscall stop) and is scheduled out',
    needs: 'current a task in the kernel, not in the KVM run loop',
    enabled: (k, cpu) => !!inKernel(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.ptrace_stop();
    },
  },
  {
    name: 'ptrace_cont',
    family: 'ptrace',
    params: 'task',
    doc: 'the tracer resumes a stopped task (PTRACE_CONT): it becomes runnable, still in the kernel',
    needs: 'a stopped task',
    enabled: (k, _cpu, slot) => k.tasks[slot]!.state === TaskState.STOPPED,
    apply: (k, _cpu, slot) => {
      k.ptrace_resume(k.tasks[slot]!);
    },
  },
  {
    name: 'ptrace_fpr',
    family: 'ptrace',
    params: 'cpu+task',
    doc: "current (the tracer, in a syscall) writes a stopped task's FPSIMD registers (PTRACE_SETREGSET NT_PRFPREG)",
    needs: 'current inside a syscall, and a stopped task',
    enabled: (k, cpu, slot) => !!tracee(k, cpu, slot),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      k.fpr_set(k.tasks[slot]!);
    },
  },
  {
    name: 'ptrace_sve_fpsimd',
    family: 'ptrace',
    params: 'cpu+task',
    doc: 'the tracer writes NT_ARM_SVE with an FPSIMD-format payload (same VL): the task leaves SVE mode',
    needs: 'current inside a syscall, and a stopped task',
    enabled: (k, cpu, slot) => !!tracee(k, cpu, slot),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      const t = k.tasks[slot]!;
      k.sve_set(t, false, t.sve_vq);
    },
  },
  {
    name: 'ptrace_sve',
    family: 'ptrace',
    params: 'cpu+task',
    doc: "the tracer writes NT_ARM_SVE with an SVE-format payload at the task's VL: the task gets SVE state",
    needs: 'current inside a syscall, and a stopped task',
    enabled: (k, cpu, slot) => !!tracee(k, cpu, slot),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      const t = k.tasks[slot]!;
      k.sve_set(t, true, t.sve_vq);
    },
  },
  {
    name: 'ptrace_sve_vl',
    family: 'ptrace',
    params: 'cpu+task',
    doc: 'the tracer writes NT_ARM_SVE with a header asking for the other VL and an SVE payload laid out for it',
    needs: 'current inside a syscall, and a stopped task',
    enabled: (k, cpu, slot) => !!tracee(k, cpu, slot),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      const t = k.tasks[slot]!;
      k.sve_set(t, true, k.otherVq(t.sve_vq));
    },
  },
  {
    name: 'ptrace_read',
    family: 'ptrace',
    params: 'cpu+task',
    doc: "the tracer reads a stopped task's NT_ARM_SVE regset (integrity check point)",
    needs: 'current inside a syscall, and a stopped task',
    enabled: (k, cpu, slot) => !!tracee(k, cpu, slot),
    apply: (k, cpu, slot) => {
      k.onCpu(cpu);
      k.sve_get(k.tasks[slot]!);
    },
  },
  {
    name: 'exec',
    family: 'exec',
    params: 'cpu',
    doc: 'the current syscall is execve(): the new program starts with zeroed FP state and the exec-time VL',
    needs: 'current a task (not a vcpu thread) inside a syscall',
    enabled: (k, cpu) => {
      const t = inSyscall(k, cpu);
      return !!t && t.vcpu === NONE;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.flush_thread();
    },
  },
  {
    name: 'set_vl',
    family: 'vl',
    params: 'cpu',
    doc: 'the current syscall is prctl(PR_SVE_SET_VL) for the other VL, effective now',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.sve_set_current_vl('now');
    },
  },
  {
    name: 'set_vl_inherit',
    family: 'vl',
    params: 'cpu',
    doc: 'prctl(PR_SVE_SET_VL, other VL | PR_SVE_VL_INHERIT): effective now and kept across exec',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.sve_set_current_vl('inherit');
    },
  },
  {
    name: 'set_vl_onexec',
    family: 'vl',
    params: 'cpu',
    doc: 'prctl(PR_SVE_SET_VL, other VL | PR_SVE_SET_VL_ONEXEC): effective at the next exec only',
    needs: 'current inside a syscall',
    enabled: (k, cpu) => !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.sve_set_current_vl('onexec');
    },
  },
  {
    name: 'cpu_pm',
    family: 'pm',
    params: 'cpu',
    doc: 'the CPU enters and leaves a low-power state that loses its registers (cpuidle, or system suspend from a syscall)',
    needs: 'an online CPU that is idle or whose current task is inside a syscall',
    enabled: (k, cpu) => {
      const c = k.cpus[cpu]!;
      return c.online && (c.current === NONE || !!inSyscall(k, cpu));
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.cpu_pm_cycle();
    },
  },
  {
    name: 'cpu_offline',
    family: 'hotplug',
    params: 'cpu',
    doc: 'CPU hotplug takes an idle CPU down (its tasks already migrated); fpsimd_cpu_dead runs on another CPU',
    needs: 'an idle online CPU, and another online CPU',
    enabled: (k, cpu) => {
      const c = k.cpus[cpu]!;
      return c.online && c.current === NONE && k.cpus.some((o) => o !== c && o.online);
    },
    apply: (k, cpu) => {
      k.takedown_cpu(cpu);
    },
  },
  {
    name: 'kvm_exit',
    family: 'kvm',
    params: 'cpu',
    doc: 'the run loop leaves KVM_RUN (vcpu_put): the vcpu thread is back in its ioctl syscall, on its way to the VMM',
    needs: 'current a vcpu thread in the KVM run loop',
    enabled: (k, cpu) => !!curAt(k, cpu, Pos.RUNLOOP),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.runLoopReturn();
    },
  },
  {
    name: 'cpu_online',
    family: 'hotplug',
    params: 'cpu',
    doc: 'CPU hotplug brings an offline CPU back',
    needs: 'an offline CPU',
    enabled: (k, cpu) => !k.cpus[cpu]!.online,
    apply: (k, cpu) => {
      k.bringup_cpu(cpu);
    },
  },
  // --- the SME era (v5.17+ variants): enabled only where the kernel class declares the feature ---
  {
    name: 'smstart_sm',
    family: 'sme',
    params: 'cpu',
    doc: 'user space enters streaming mode (SMSTART SM: Z/P/FFR and FPMR zeroed; traps to do_sme_acc first if SME is disabled for EL0)',
    needs: 'an SME system, current in user mode and not in streaming mode',
    enabled: (k, cpu) => {
      const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
      return !!t && !t.exp_SM;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userSmstart(true, false);
    },
  },
  {
    name: 'smstart_za',
    family: 'sme',
    params: 'cpu',
    doc: 'user space enables ZA (SMSTART ZA: ZA and ZT0 zeroed; traps first if SME is disabled for EL0)',
    needs: 'an SME system, current in user mode with ZA disabled',
    enabled: (k, cpu) => {
      const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
      return !!t && !t.exp_ZAen;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userSmstart(false, true);
    },
  },
  {
    name: 'smstop_sm',
    family: 'sme',
    params: 'cpu',
    doc: 'user space leaves streaming mode, keeping ZA (SMSTOP SM: Z/P/FFR and FPMR zeroed)',
    needs: 'an SME system, current in user mode in streaming mode',
    enabled: (k, cpu) => {
      const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
      return !!t && t.exp_SM;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userSmstop(true, false);
    },
  },
  {
    name: 'smstop',
    family: 'sme',
    params: 'cpu',
    doc: 'user space leaves streaming mode and disables ZA (SMSTOP)',
    needs: 'an SME system, current in user mode in streaming mode or with ZA enabled',
    enabled: (k, cpu) => {
      const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
      return !!t && (t.exp_SM || t.exp_ZAen);
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userSmstop(true, true);
    },
  },
  {
    name: 'za_write',
    family: 'sme',
    params: 'cpu',
    doc: 'user space writes ZA rows and ZT0 (za-test / zt-test pattern; traps first if SME is disabled for EL0)',
    needs: 'an SME system, current in user mode with ZA enabled',
    enabled: (k, cpu) => {
      const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
      return !!t && t.exp_ZAen;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userZaWrite();
    },
  },
  {
    name: 'set_sme_vl',
    family: 'sme',
    params: 'cpu',
    doc: 'the current syscall is prctl(PR_SME_SET_VL) for the other streaming VL, effective now (ZA is discarded)',
    needs: 'an SME system, current inside a syscall',
    enabled: (k, cpu) => k.hasSme && !!inSyscall(k, cpu),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.sme_set_current_vl();
    },
  },
  {
    name: 'ret_to_user_irq',
    family: 'core',
    params: 'cpu',
    doc: 'current returns from a syscall, reloading its FP state, and an IRQ arrives before the final return (do_notify_resume loops; `continue` completes the return)',
    needs: 'a v6.2+ kernel, current inside a syscall with its FP state not loaded',
    enabled: (k, cpu) => {
      if (!k.syscallExitWindow) return false;
      const t = inSyscall(k, cpu);
      return !!t && t.TIF_FOREIGN_FPSTATE;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.retToUserInterrupted();
    },
  },
  {
    name: 'fpmr_write',
    family: 'fpmr',
    params: 'cpu',
    doc: 'user space writes FPMR (MSR FPMR: the FP8 mode)',
    needs: 'a system with FEAT_FPMR, current in user mode',
    enabled: (k, cpu) => k.hasFpmr && !!curAt(k, cpu, Pos.USER),
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.userFpmrWrite();
    },
  },
  {
    name: 'guest_sve',
    family: 'kvm_sve',
    params: 'cpu',
    doc: 'an SVE guest reads and writes its Z/P/FFR registers (the first FP/SVE use in a run traps to the hypervisor)',
    needs: 'a kernel running SVE guests, current a vcpu thread whose SVE guest is running',
    enabled: (k, cpu) => {
      const t = k.features.guestSve ? curAt(k, cpu, Pos.GUEST) : null;
      return !!t && k.vcpus[t.vcpu]!.has_sve;
    },
    apply: (k, cpu) => {
      k.onCpu(cpu);
      k.guestSveUse();
    },
  },
];

export const EVENT_NAMES = EVENTS.map((e) => e.name);

/** Family bit of each event, by index. */
const FAMILY_BIT = EVENTS.map((e) => EVENT_FAMILIES.indexOf(e.family));

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
  FAST_ENABLED(k, out, k.cfg.cpus, k.cfg.slots, k.eventMask);
}

/**
 * The loop of enabledActions, unrolled over the event table. A plain loop calls every event's
 * `enabled` from one call site, which V8 then sees calling dozens of different closures
 * (megamorphic: no inlining, ~40 ns a call, most of the explorer's and simulator's time in the
 * kernel). Unrolled, each event's predicate has its own call site, which stays monomorphic and
 * is inlined. The unrolled function calls the same closures, in the same order, with the same
 * arguments as the loop would: it is the loop, written out once at load time.
 */
function compileEnabledActions(
  events: readonly EventKind[],
  familyBit: readonly number[],
): (k: Kvm, out: number[], ncpu: number, nslot: number, mask: number) => void {
  type Lister = (f: EventKind['enabled'], k: Kvm, out: number[], ncpu: number, nslot: number) => void;
  const loop: Record<EventParams, string> = {
    cpu: 'for (let c = 0; c < ncpu; c++) if (f(k, c, 0)) out.push(E | (c << 8));',
    'cpu+task': 'for (let c = 0; c < ncpu; c++) for (let t = 0; t < nslot; t++) if (f(k, c, t)) out.push(E | (c << 8) | (t << 16));',
    'cpu+slot': 'for (let c = 0; c < ncpu; c++) for (let t = 0; t < nslot; t++) if (f(k, c, t)) out.push(E | (c << 8) | (t << 16));',
    task: 'for (let t = 0; t < nslot; t++) if (f(k, 0, t)) out.push(E | (t << 16));',
  };
  // One lister per event, each its own function (own type feedback): its call of `f` only ever
  // sees that event's predicate.
  const listers = events.map(
    (ev, e) => new Function('f', 'k', 'out', 'ncpu', 'nslot', loop[ev.params].replaceAll('E', String(e))) as Lister,
  );
  const en = events.map((ev) => ev.enabled);
  const calls = events.map((_, e) => `if (((mask >>> ${familyBit[e]!}) & 1) !== 0) l${e}(en${e}, k, out, ncpu, nslot);`);
  const names = events.flatMap((_, e) => [`l${e}`, `en${e}`]);
  return new Function(...names, `return function enabledActionsUnrolled(k, out, ncpu, nslot, mask) {\n${calls.join('\n')}\n};`)(
    ...events.flatMap((_, e) => [listers[e], en[e]]),
  ) as never;
}

const FAST_ENABLED = compileEnabledActions(EVENTS, FAMILY_BIT);

/**
 * Runs action `a` (EVENTS[event].apply(k, cpu, arg)). A switch with one call site per event, for
 * the reason given at compileEnabledActions: `EVENTS[e].apply(...)` from one site is megamorphic.
 */
export const applyAction: (k: Kvm, a: number) => void = new Function(
  ...EVENTS.map((_, e) => `ap${e}`),
  `return function applyAction(k, a) {\n  const c = (a >>> 8) & 0xff, x = (a >>> 16) & 0xff;\n  switch (a & 0xff) {\n${EVENTS.map((_, e) => `    case ${e}: return ap${e}(k, c, x);`).join('\n')}\n    default: throw new RangeError('action ' + a + ' names no event');\n  }\n};`,
)(...EVENTS.map((ev) => ev.apply)) as never;

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
    return `${n.task(slot)} is ${['free', 'runnable', 'running', 'a zombie', 'stopped'][t.state]}${t.state === TaskState.RUNNING ? ` on cpu${t.on_cpu}` : ''}`;
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
