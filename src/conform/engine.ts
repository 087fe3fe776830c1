/**
 * Trace validation (`fpctx conform`): a recorded execution of a real kernel is replayed through a
 * variant, and at every trace event the context-management calls the model makes are compared
 * with the calls the kernel made on that CPU up to its next event.
 *
 * Units. Each CPU's lines are cut at *anchor* events, the ones that start kernel work the
 * protocol reacts to: sched_switch, sys_enter, sys_exit, signal_deliver, kvm_entry, kvm_exit,
 * and three calls that are themselves the trace's record of an event the model has (an
 * exception or a request, not a decision of the protocol): `do_sve_acc`/`do_sme_acc`/
 * `do_fpsimd_acc` (the EL0 access traps) and `kernel_neon_begin` (a kernel-mode NEON section).
 * A unit is an anchor and every line of its CPU up to the next anchor. The other events
 * (fork, exec, exit, free, wakeups, migrations, markers) are *context*: they do not cut the
 * unit, but fork, exec, exit and free drive model events whose calls count in the unit open on
 * that CPU, because the kernel makes their calls before their tracepoint (exec's
 * flush_thread(), fork's arch_dup_task_struct()) or after it in the same unit.
 *
 * Compared calls. Only functions the kernel traced (the manifest's `tracing.functions`, or the
 * functions the trace shows) and the variant models (its kernel-named methods) are compared;
 * kernel calls of traced functions the variant does not have are counted per function
 * (`unmodelled`), never compared and never dropped silently.
 *
 * What the model cannot be told (user-mode FP use, whether the guest touched FP) comes from the
 * workloads' markers and from options, as docs/conformance.md lists.
 */

import { CountingSink } from '../cost/counters.js';
import { KTHREAD, NR_PTRACE, ptracePid, regsetWriteFlush } from '../cost/replay/parse.js';
import { EVENTS, eventIndex, explainDisabled } from '../kernel/events.js';
import { createMachine } from '../kernel/kernel.js';
import type { BootSpec } from '../kernel/boot.js';
import type { Kvm } from '../kernel/kvm.js';
import { ViolationStop } from '../kernel/machine.js';
import { KPath, NONE, Pos, TaskState, type TaskView } from '../kernel/records.js';
import type { CallEvent, LabEvent, LabTrace, SyscallEvent } from '../lab/trace.js';
import { snapshot } from '../trace/snapshot.js';
import { Calls, StepEffects, labelAction } from '../trace/record.js';
import type { MachineSnapshot, TraceStep } from '../trace/types.js';
import type { Variant } from '../variants/types.js';
import type { ConformTrace, Divergence, FunctionCount, KernelCall, ModelCall } from './types.js';

export interface ConformOptions {
  readonly variant: Variant;
  /** The functions the kernel traced (manifest), or null: the functions the trace shows. */
  readonly traced: readonly string[] | null;
  /** Does the guest use FP in every run (the lab's guests do)? */
  readonly guestFp: boolean;
  /**
   * Read the guest's FP use from the trace instead (`--guest-fp trace`): the guest owned the FP
   * registers in a run when the kernel bound its state at the exit
   * (`fpsimd_bind_state_to_cpu <-kvm_arch_vcpu_ctxsync_fp`, which both kernels call only then:
   * arch/arm64/kvm/fpsimd.c of 6.12.118 and 6.1.192). That call is then an input, not a check.
   */
  readonly guestFpFromTrace?: boolean;
  /** SVE vector length of the machine, bits. */
  readonly sveVlBits: number;
  /** How many divergences to keep in full. */
  readonly maxDivergences: number;
  /** Manifest facts for the output. */
  readonly kernel: string | null;
  readonly workload: string | null;
  /** The command line that reproduces a divergence, given its line. */
  readonly command: (line: number) => string;
  /** Keep only the unit that starts at this line (agreeing or not) in `divergences`. */
  readonly at?: number;
  /**
   * Lines of the units whose steps (machine snapshots, calls, effects) are recorded for the
   * output. Undefined: conformTrace runs once without any, then again with the lines of the
   * divergences it keeps, if there are any (a snapshot per step of every unit made a 200,000-event
   * trace take 3 GB and 40 s).
   */
  readonly detail?: ReadonlySet<number>;
}

/** Calls that are the trace's record of an event (an exception or a request), and open a unit. */
const TRAP_CALLS = new Set(['do_sve_acc', 'do_sme_acc', 'do_fpsimd_acc', 'kernel_neon_begin']);
/**
 * Calls that are the trace's only record of a request the model cannot express (ptrace regset
 * access, a vector-length change): they open a unit that is counted as not expressible. With
 * syscall events (the lab's workloads) the syscall's own unit is marked already.
 */
const REQUEST_CALLS: Record<string, string> = {
  fpr_get: 'ptrace request',
  fpr_set: 'ptrace request',
  sve_get: 'ptrace request',
  sve_set: 'ptrace request',
  vec_set_vector_length: 'prctl on a vector length',
  // prctl(PR_SVE_SET_VL)'s entry point: without syscall events it is the only record of the request.
  sve_set_current_vl: 'prctl on a vector length',
};
const ANCHORS = new Set(['switch', 'sys_enter', 'sys_exit', 'signal_deliver', 'kvm_entry', 'kvm_exit']);

// Syscall numbers (arm64 asm-generic table).
const NR_IOCTL = 29;
const NR_RT_SIGRETURN = 139;
const NR_PRCTL = 167;
const KVM_RUN = 'ae80';
/** prctl options that change or read a vector length (PR_SVE_SET_VL 50 ... PR_SME_GET_VL 64). */
const PR_VL = new Set(['32', '33', '3f', '40']);
/** PR_SVE_SET_VL's flags (include/uapi/linux/prctl.h). */
const PR_SVE_SET_VL_ONEXEC = 1 << 18;
const PR_SVE_VL_INHERIT = 1 << 17;

export function isAnchor(e: LabEvent): boolean {
  return ANCHORS.has(e.kind) || (e.kind === 'call' && (TRAP_CALLS.has(e.fn) || e.fn in REQUEST_CALLS));
}

/** The kernel-named methods of a variant's class: the functions the model can be compared on. */
export function modelledFunctions(k: Kvm): Set<string> {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(k); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (/^_*[a-z0-9]+(_[a-z0-9]+)+$/.test(n)) names.add(n);
  }
  return names;
}

interface Task {
  pid: number;
  comm: string;
  user: boolean;
  vcpu: boolean;
  /** Its syscalls are in the trace: user slices need no inference. */
  syscalls: boolean;
  slot: number;
}

interface Unit {
  line: number;
  cpu: number;
  kind: string;
  event: string;
  kernel: KernelCall[];
  model: ModelCall[];
  steps: TraceStep[];
  before: MachineSnapshot | null;
  unexpressed: string | null;
  mapping: string | null;
}

/** Runs one trace through a variant. */
export function conformTrace(trace: LabTrace, o: ConformOptions): ConformTrace {
  if (o.detail) return new Conformer(trace, o).run();
  const first = new Conformer(trace, { ...o, detail: new Set() }).run();
  if (first.divergences.length === 0) return first;
  return new Conformer(trace, { ...o, detail: new Set(first.divergences.map((d) => d.line)) }).run();
}

class Conformer {
  private readonly tasks = new Map<number, Task>();
  private readonly k: Kvm;
  private readonly calls = new Calls();
  private fx: StepEffects;
  private counting: CountingSink;
  private readonly compared: Set<string>;
  private readonly unmodelled: Record<string, number> = {};
  private readonly cpuOf = new Map<number, number>();
  private readonly boot: BootSpec;
  private readonly open: (Unit | null)[];
  private readonly units: Unit[] = [];
  private readonly context: Record<string, number> = {};
  private readonly violations: Record<string, number> = {};
  /** Per slot: switched out from user mode, so it returns there when switched back in. */
  private readonly resumeUser: boolean[];
  /** pid → pending user-mode writes announced by a marker, applied at its next return to user. */
  private readonly pendingWrite = new Map<number, string>();
  private readonly exiting = new Set<number>();
  /** pid → the unit of its fork's `fpsimd_preserve_current_state <-arch_dup_task_struct` (splitFork). */
  private readonly dupAt = new Map<number, Unit | null>();
  /** pid → the unit of its fork's `fpsimd_flush_task_state <-copy_thread` (splitFork). */
  private readonly copyAt = new Map<number, Unit | null>();
  private nextSlot: number;
  private readonly pidOfSlot: number[] = [];
  /** Per CPU, the index in trace.cpus[].events of each event: for lookahead. */
  private readonly indexOnCpu = new Map<LabEvent, number>();

  constructor(
    private readonly trace: LabTrace,
    private readonly o: ConformOptions,
  ) {
    this.classify();
    // A child whose parent the model does not run as a user task (a shell whose syscalls are not
    // traced and that never showed user work) cannot be forked by the model: it is booted as
    // present from the start, not yet run (fresh).
    for (const [child, parent] of this.parentOf) {
      const c = this.tasks.get(child)!;
      if (c.user && !c.vcpu && !this.tasks.get(parent)?.user) {
        this.bornInTrace.delete(child);
        this.fresh.add(child);
        this.orphans.add(child);
      }
    }
    const users = [...this.tasks.values()].filter((t) => t.user && !t.vcpu && !this.bornInTrace.has(t.pid));
    const vcpus = [...this.tasks.values()].filter((t) => t.vcpu);
    const forked = [...this.tasks.values()].filter((t) => t.user && this.bornInTrace.has(t.pid)).length;
    const order = [...users, ...vcpus];
    order.forEach((t, i) => {
      t.slot = i;
      this.pidOfSlot[i] = t.pid;
    });
    this.nextSlot = order.length;
    for (const [i, c] of trace.cpus.entries()) this.cpuOf.set(c.cpu, i);
    this.boot = {
      cpus: Math.max(1, trace.cpus.length),
      tasks: order.map((t) => ({ name: `${t.comm}-${t.pid}`, ...(t.vcpu ? { vcpu: true } : {}) })),
      spareSlots: forked + (order.length === 0 && forked === 0 ? 1 : 0),
      sveVlBits: o.sveVlBits,
    };
    this.k = createMachine(o.variant.Kernel, this.boot);
    this.k.traceCalls(this.calls);
    const counting = new CountingSink((ctx) => this.k.naming.context(ctx));
    this.counting = counting;
    this.fx = new StepEffects(this.k, counting);
    this.k.fx = this.fx;
    this.k.onViolation = (v) => {
      this.violations[v.invariant] = (this.violations[v.invariant] ?? 0) + 1;
    };
    const modelled = modelledFunctions(this.k);
    const traced = o.traced ?? [...new Set(trace.events.filter((e): e is CallEvent => e.kind === 'call').map((e) => e.fn))];
    this.compared = new Set(traced.filter((f) => modelled.has(f)));
    this.open = trace.cpus.map(() => null);
    this.resumeUser = Array.from({ length: order.length + (this.boot.spareSlots ?? 0) }, () => false);
    for (const c of trace.cpus) for (const [i, e] of c.events.entries()) this.indexOnCpu.set(e, i);
    this.bootVcpus(vcpus);
    for (const t of order) if (!this.orphans.has(t.pid)) this.unseen.add(t.pid);
    this.bootRunning();
    // The boot fix-up of vcpu threads is not the trace's: count from here.
    this.counting = new CountingSink((ctx) => this.k.naming.context(ctx));
    this.fx = new StepEffects(this.k, this.counting);
    this.k.fx = this.fx;
    // Booted children have not run: nothing of theirs is live anywhere.
    for (const pid of this.orphans) {
      const m = this.k.tasks[this.tasks.get(pid)!.slot]!;
      m.TIF_FOREIGN_FPSTATE = true;
    }
  }

  private readonly bornInTrace = new Set<number>();
  private readonly parentOf = new Map<number, number>();
  /** Children booted as present because their parent is not modelled (see the constructor). */
  private readonly orphans = new Set<number>();

  /** Which pids are user tasks, vcpu threads, and which are forked within the trace. */
  private classify(): void {
    const touch = (pid: number, comm: string): Task | null => {
      if (pid === 0) return null;
      let t = this.tasks.get(pid);
      if (!t) this.tasks.set(pid, (t = { pid, comm, user: false, vcpu: false, syscalls: false, slot: NONE }));
      return t;
    };
    const parentOf = this.parentOf;
    for (const e of this.trace.events) {
      const self = touch(e.pid, e.comm);
      switch (e.kind) {
        case 'sys_enter':
        case 'sys_exit':
          if (self) self.user = self.syscalls = true;
          break;
        case 'signal_deliver':
          if (self) self.user = true;
          break;
        case 'kvm_entry':
        case 'kvm_exit':
          if (self) self.user = self.vcpu = true;
          break;
        case 'exec':
          if (self) self.user = true;
          break;
        case 'call':
          if (self && (e.caller.startsWith('el0_') || e.caller === 'do_notify_resume')) self.user = true;
          break;
        case 'fork':
          if (!this.tasks.has(e.child)) {
            touch(e.child, e.childComm);
            this.bornInTrace.add(e.child);
            parentOf.set(e.child, e.pid);
          }
          break;
        case 'switch':
          touch(e.prevPid, e.prevComm);
          touch(e.nextPid, e.nextComm);
          break;
      }
    }
    // A child of a user task that is not a kernel thread by name is a user task (it returns to user).
    for (const [child, parent] of parentOf) {
      const c = this.tasks.get(child)!;
      if (!c.user && this.tasks.get(parent)?.user && !KTHREAD.test(c.comm)) c.user = true;
    }
  }

  /** vcpu threads boot inside the run loop (boot.ts); the trace starts with them in user space. */
  private bootVcpus(vcpus: Task[]): void {
    for (const t of vcpus) {
      this.act('switch', 0, t.slot);
      this.act('kvm_exit', 0, 0);
      this.act('ret_to_user', 0, 0);
      this.act('idle', 0, 0);
      // Nothing of it is in any CPU's registers: it has not run yet as far as the trace goes.
      const m = this.k.tasks[t.slot]!;
      this.k.fpsimd_flush_task_state(m);
      m.TIF_FOREIGN_FPSTATE = true;
    }
    this.resetStep();
  }

  /**
   * The user task each CPU runs when the trace begins (its first line's) ran there before the
   * first line: its state is live in that CPU's registers, loaded before the trace. Put it there
   * before counting starts (switch in, return to user: the load is not the trace's), and back
   * in the kernel if its first syscall line is a sys_exit (the trace began inside a syscall).
   */
  private bootRunning(): void {
    for (const [c, cpu] of this.trace.cpus.entries()) {
      const first = cpu.events[0];
      const t = first ? this.tasks.get(first.pid) : undefined;
      if (!t?.user || t.vcpu || t.slot === NONE || this.orphans.has(t.pid) || !this.unseen.has(t.pid)) continue;
      const m = this.k.tasks[t.slot]!;
      if (m.state !== TaskState.RUNNABLE) continue;
      if (!this.act('switch', c, t.slot)) continue;
      this.act('ret_to_user', c, 0);
      const sys = cpu.events.find((x) => x.pid === t.pid && (x.kind === 'sys_enter' || x.kind === 'sys_exit'));
      if (sys?.kind === 'sys_exit') this.act('syscall', c, 0);
      this.unseen.delete(t.pid);
    }
    this.resetStep();
  }

  run(): ConformTrace {
    for (const e of this.trace.events) this.line(e);
    for (let c = 0; c < this.open.length; c++) this.close(c, null);
    return this.result();
  }

  // --- units --------------------------------------------------------------------------------------

  private line(e: LabEvent): void {
    const c = this.cpuOf.get(e.cpu)!;
    if (!this.k.cpus[c]!.online) {
      // An offline CPU records nothing: its next line says it is back (cpuDead()).
      this.note('cpu hotplug (online)');
      this.direct(`cpu_online cpu${c}`, c, null, (k) => k.bringup_cpu(c), 'cpu_online');
    }
    if (isAnchor(e)) {
      this.close(c, e.line);
      this.open[c] = {
        line: e.line,
        cpu: e.cpu,
        kind: e.kind === 'call' ? e.fn : e.kind,
        event: describe(e),
        kernel: [],
        model: [],
        steps: [],
        before: this.o.detail?.has(e.line) === false ? null : snapshot(this.k),
        unexpressed: null,
        mapping: null,
      };
    }
    if (e.kind === 'call') {
      if (this.compared.has(e.fn)) this.open[c]?.kernel.push({ fn: e.fn, caller: e.caller, line: e.line });
      else if (this.o.traced === null || this.o.traced.includes(e.fn)) this.unmodelled[e.fn] = (this.unmodelled[e.fn] ?? 0) + 1;
    }
    this.map(e, c);
  }

  private close(c: number, end: number | null): void {
    const u = this.open[c];
    if (!u) return;
    this.open[c] = null;
    (u as Unit & { end: number | null }).end = end;
    this.units.push(u);
  }

  // --- the model ---------------------------------------------------------------------------------

  private resetStep(): void {
    this.calls.records = [];
    this.fx.records = [];
  }

  /**
   * Runs model event `name` on CPU c (arg: task slot where the event takes one). Its calls go
   * to the unit open on c. Returns false (and notes why in the unit) when the model refuses it.
   */
  private act(name: string, c: number, arg: number, unit: Unit | null = null): boolean {
    const ev = EVENTS[eventIndex(name)]!;
    if (!ev.enabled(this.k, c, arg)) {
      if (unit && !unit.mapping) unit.mapping = `the model cannot take '${name}': ${explainDisabled(this.k, ev, c, arg)}`;
      return false;
    }
    const label = labelAction(this.k, ev.code | (c << 8) | (arg << 16));
    this.resetStep();
    try {
      ev.apply(this.k, c, arg);
    } catch (e) {
      if (!(e instanceof ViolationStop)) throw e;
    }
    this.record(unit, ev.name, label.label, label.cpu, label.task);
    return true;
  }

  /** Runs a kernel path the alphabet has no event for (a kernel thread's switch), traced like one. */
  private direct(label: string, c: number, unit: Unit | null, f: (k: Kvm) => void, event = 'switch'): void {
    this.resetStep();
    this.k.onCpu(c);
    try {
      f(this.k);
    } catch (e) {
      if (!(e instanceof ViolationStop)) throw e;
    }
    this.record(unit, event, label, c, null);
  }

  private record(unit: Unit | null, event: string, label: string, cpu: number | null, task: string | null): void {
    if (!unit) return;
    for (const r of this.calls.records) if (this.compared.has(r.fn)) unit.model.push({ fn: r.fn, depth: r.depth });
    if (!unit.before) return; // not a unit the output shows in full (ConformOptions.detail)
    unit.steps.push({
      step: unit.steps.length + 1,
      event,
      cpu,
      task,
      label,
      calls: this.calls.records,
      effects: this.fx.records,
      state: snapshot(this.k),
    });
  }

  private cur(c: number): TaskView | null {
    const s = this.k.cpus[c]!.current;
    return s === NONE ? null : this.k.tasks[s]!;
  }

  /** Completes any multi-step kernel path current is in (the model splits some at preemption points). */
  private finishPath(c: number, u: Unit | null): void {
    for (let i = 0; i < 8; i++) {
      const t = this.cur(c);
      if (!t || t.pos !== Pos.KERNEL || t.kpath === KPath.NONE) return;
      if (!this.act('continue', c, 0, u)) return;
    }
  }

  /** Current on c returns to user space (completing a pending path first), then does any announced write. */
  private toUser(c: number, u: Unit | null): void {
    this.finishPath(c, u);
    const t = this.cur(c);
    if (!t) return;
    if (t.pos === Pos.RUNLOOP) this.act('kvm_exit', c, 0, u);
    if (t.pos === Pos.KERNEL) this.act('ret_to_user', c, 0, u);
    const w = this.pendingWrite.get(this.pidOfSlot[t.slot]!);
    if (w && t.pos === Pos.USER) {
      this.pendingWrite.delete(this.pidOfSlot[t.slot]!);
      this.act(w, c, 0, u);
    }
  }

  /** The task of `pid` is current on c in the model (a kernel thread or idle: nothing of the user's is). */
  private ensure(c: number, pid: number, u: Unit | null): TaskView | null {
    const t = this.tasks.get(pid);
    if (!t?.user || t.slot === NONE) return null;
    const m = this.k.tasks[t.slot]!;
    if (this.k.cpus[c]!.current === t.slot) return m;
    if (this.unseen.delete(pid)) {
      // Running when the trace began: the switch and whatever it loaded are before the trace.
      if (u && !u.unexpressed) u.unexpressed = 'trace start (the task was running before the first line)';
    }
    if (m.state === TaskState.RUNNING) {
      const other = m.on_cpu;
      if (other !== NONE && other !== c) this.act('idle', other, 0, null);
    }
    if (!this.act('switch', c, t.slot, u)) return null;
    return m;
  }

  private nextAnchor(e: LabEvent): LabEvent | null {
    const list = this.trace.cpus[this.cpuOf.get(e.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(e)! + 1; i < list.length; i++) if (isAnchor(list[i]!)) return list[i]!;
    return null;
  }

  /** vcpu threads (pid) inside KVM_RUN that were preempted before vcpu_load(). */
  private readonly pendingKvmRun = new Set<number>();

  /** Is KVM_RUN's `sys_enter` followed by the thread's own switch-out before any kvm_arch_vcpu_load? */
  private preemptedBeforeVcpuLoad(e: LabEvent): boolean {
    const list = this.trace.cpus[this.cpuOf.get(e.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(e)! + 1; i < list.length; i++) {
      const x = list[i]!;
      if (x.kind === 'call' && x.fn === 'kvm_arch_vcpu_load') return false;
      if (isAnchor(x)) return x.kind === 'switch' && x.prevPid === e.pid;
    }
    return false;
  }

  /** Slots whose syscall returned (sys_exit) but that were preempted before reaching user space. */
  private readonly pendingReturn = new Set<number>();

  /**
   * Is the task of sys_exit `e` switched out before it reaches user space? It is when the next
   * unit on the CPU is its own switch-out and the kernel did not reload its state in between
   * (exit_to_user_mode() schedules before fpsimd_restore_current_state() when a reschedule is
   * pending). If it needed no reload it may have returned and been preempted in user mode: the
   * model's calls are the same either way, it returns to user when switched back in.
   */
  private preemptedAtReturn(e: LabEvent): boolean {
    const list = this.trace.cpus[this.cpuOf.get(e.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(e)! + 1; i < list.length; i++) {
      const x = list[i]!;
      if (x.kind === 'call' && x.pid === e.pid && x.fn === 'fpsimd_restore_current_state' && x.caller === 'do_notify_resume') return false;
      if (isAnchor(x)) return x.kind === 'switch' && x.prevPid === e.pid && x.prevState.startsWith('R');
    }
    return false;
  }

  /** pid → its latest sys_enter (the arguments of the syscall it is in). */
  private readonly lastSysEnter = new Map<number, SyscallEvent>();

  /**
   * prctl(PR_SVE_SET_VL) reached vec_set_vector_length(): the unit stays not compared (the
   * trace does not carry the task's vector lengths, and the model has two), but the model's
   * task must follow what the request did to it, or every later unit of the task diverges (its
   * state flushed and TIF_SVE cleared: reloaded at the return, SVE trapping again). The request
   * changed the live VL when the kernel flushed the task in vec_set_vector_length() (fpsimd.c
   * of 6.12.118 and 6.1.192: the flush is skipped for ONEXEC and for the same VL): then the
   * model's `set_vl` (to its other VL) runs; with PR_SVE_VL_INHERIT in the request's flags,
   * `set_vl_inherit`; PR_SVE_SET_VL_ONEXEC, `set_vl_onexec`.
   */
  private vlChange(e: LabEvent, c: number, u: Unit | null): void {
    const t = this.ensure(c, e.pid, u);
    if (!t) return;
    const enter = this.lastSysEnter.get(e.pid);
    const arg = enter && enter.nr === NR_PRCTL ? Number.parseInt(enter.args[1] ?? '0', 16) : 0;
    const onexec = (arg & PR_SVE_SET_VL_ONEXEC) !== 0;
    if (!onexec && !this.kernelCallsUntilAnchor(e).some((x) => x.fn === 'fpsimd_flush_task_state' && x.caller === 'vec_set_vector_length'))
      return;
    this.inSyscall(c, t, u);
    this.finishPath(c, u);
    this.act(onexec ? 'set_vl_onexec' : arg & PR_SVE_VL_INHERIT ? 'set_vl_inherit' : 'set_vl', c, 0, u);
    this.finishPath(c, u);
    // Without syscall events nothing else says when the prctl returns: now, in this (not
    // compared) unit, where the kernel's reload at its return is too.
    if (!this.tasks.get(e.pid)!.syscalls) this.toUser(c, u);
  }

  /** The calls on e's CPU after e, up to its next anchor. */
  private kernelCallsUntilAnchor(e: LabEvent): CallEvent[] {
    const list = this.trace.cpus[this.cpuOf.get(e.cpu)!]!.events;
    const out: CallEvent[] = [];
    for (let i = this.indexOnCpu.get(e)! + 1; i < list.length; i++) {
      const x = list[i]!;
      if (isAnchor(x)) break;
      if (x.kind === 'call') out.push(x);
    }
    return out;
  }

  /**
   * Is the next unit on sys_exit's CPU a handled signal delivered to the same task (nothing of
   * the CPU's in between: the delivery is in the same return to user)?
   */
  private signalAtReturn(e: LabEvent, pid = e.pid): boolean {
    const list = this.trace.cpus[this.cpuOf.get(e.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(e)! + 1; i < list.length; i++) {
      const x = list[i]!;
      // An interrupt on this CPU in between (a line in hardirq context: a timer's signal_generate)
      // found the task back in user mode: the signal is delivered at the interrupt's return.
      if (x.flags.includes('h')) return false;
      // Reloaded first: the return's pass of do_notify_resume() did not deliver it.
      if (x.kind === 'call' && x.pid === pid && x.fn === 'fpsimd_restore_current_state' && x.caller === 'do_notify_resume') return false;
      if (isAnchor(x)) return x.kind === 'signal_deliver' && x.pid === pid && hasHandler(x.handler);
    }
    return false;
  }

  private note(kind: string): void {
    this.context[kind] = (this.context[kind] ?? 0) + 1;
  }

  private map(e: LabEvent, c: number): void {
    const u = this.open[c] ?? null;
    const anchor = isAnchor(e) ? u : null;
    switch (e.kind) {
      case 'switch': {
        const prev = this.tasks.get(e.prevPid);
        const next = this.tasks.get(e.nextPid);
        const nextUser = next?.user && next.slot !== NONE ? next : null;
        const cur = this.cur(c);
        if (cur && prev && cur.slot === prev.slot) this.resumeUser[cur.slot] = this.pendingReturn.delete(cur.slot) || cur.pos === Pos.USER;
        if (prev && this.exiting.has(prev.pid) && cur && cur.slot === prev.slot) {
          // The exiting task's last switch: the model's exit ends in the switch to idle.
          this.exiting.delete(prev.pid);
          const m = nextUser ? this.k.tasks[nextUser.slot]! : null;
          const to = m && m.state === TaskState.RUNNABLE ? m : null;
          this.direct(
            `exit cpu${c} (${prev.comm}-${prev.pid}) → ${to ? `${nextUser!.comm}-${nextUser!.pid}` : 'idle'}`,
            c,
            anchor,
            (k) => k.do_exit(to),
            'exit',
          );
          if (to) this.afterSwitchIn(c, nextUser!, anchor, e);
          else if (nextUser) this.switchIn(c, nextUser, anchor, e);
          return;
        }
        if (nextUser) this.switchIn(c, nextUser, anchor, e);
        else if (cur) this.act('idle', c, 0, anchor);
        else
          this.direct(`switch cpu${c} (kernel thread → ${e.nextPid === 0 ? 'idle' : 'kernel thread'})`, c, anchor, (k) =>
            k.__schedule(null),
          );
        return;
      }
      case 'sys_enter': {
        this.lastSysEnter.set(e.pid, e);
        const t = this.ensure(c, e.pid, anchor);
        if (!t) return;
        if (e.nr === NR_PTRACE && anchor) anchor.unexpressed = 'ptrace request';
        if (e.nr === NR_PRCTL && PR_VL.has(e.args[0] ?? '') && anchor) anchor.unexpressed = 'prctl on a vector length';
        this.finishPath(c, anchor);
        if (t.pos === Pos.KERNEL) this.act('ret_to_user', c, 0, anchor);
        if (e.nr === NR_RT_SIGRETURN && t.sig_frame) {
          this.act('sigreturn', c, 0, anchor);
          this.finishPath(c, anchor);
          return;
        }
        this.act('syscall', c, 0, anchor);
        if (e.nr === NR_IOCTL && e.args[1] === KVM_RUN && t.vcpu !== NONE) {
          // Preempted between the ioctl's entry and vcpu_load(): the run loop starts (and its
          // calls are made) when the thread is switched back in.
          if (this.preemptedBeforeVcpuLoad(e)) this.pendingKvmRun.add(e.pid);
          else this.act('kvm_run', c, 0, anchor);
        }
        return;
      }
      case 'sys_exit': {
        if (!this.ensure(c, e.pid, anchor)) return;
        // A signal delivered at this return: do_notify_resume() runs the handler setup before
        // it reloads the FP state (arch/arm64/kernel/signal.c of 6.12.118, do_notify_resume():
        // do_signal() precedes fpsimd_restore_current_state() in one pass of its loop), so the
        // return to user belongs to the signal's unit: stay in the kernel until then.
        if (this.signalAtReturn(e)) {
          this.finishPath(c, anchor);
          return;
        }
        // (Not in a task's first unit: whatever it must reload from before the trace goes there.)
        if (!anchor?.unexpressed?.startsWith('trace start') && this.preemptedAtReturn(e)) {
          // Preempted in exit_to_user_mode() before the reload: it returns when switched back in.
          this.finishPath(c, anchor);
          const t = this.cur(c);
          if (t) this.pendingReturn.add(t.slot);
          return;
        }
        this.toUser(c, anchor);
        return;
      }
      case 'kvm_entry': {
        const t = this.ensure(c, e.pid, anchor);
        if (!t) return;
        this.pendingKvmRun.delete(e.pid);
        if (t.pos !== Pos.RUNLOOP) {
          if (t.pos === Pos.USER) this.act('syscall', c, 0, anchor);
          this.act('kvm_run', c, 0, anchor);
        }
        this.act('vcpu_enter', c, 0, anchor);
        const used = this.o.guestFpFromTrace
          ? this.kernelCallsUntilAnchor(e).some((x) => x.fn === 'fpsimd_bind_state_to_cpu' && x.caller === 'kvm_arch_vcpu_ctxsync_fp')
          : this.o.guestFp;
        if (used) this.act('guest_fp', c, 0, anchor);
        this.act('vcpu_exit', c, 0, anchor);
        return;
      }
      case 'kvm_exit': {
        const t = this.ensure(c, e.pid, anchor);
        if (!t) return;
        // The run loop returns to the VMM when the next thing this CPU does is the ioctl's return.
        const next = this.nextAnchor(e);
        if (next && next.kind === 'sys_exit' && next.pid === e.pid && t.pos === Pos.RUNLOOP) this.act('kvm_exit', c, 0, anchor);
        return;
      }
      case 'signal_deliver': {
        const t = this.ensure(c, e.pid, anchor);
        if (!t) return;
        if (!hasHandler(e.handler)) return;
        if (t.pos === Pos.USER) this.act('irq', c, 0, anchor);
        this.finishPath(c, anchor);
        this.act('signal', c, 0, anchor);
        // The same pass of do_notify_resume() goes on to the return to user (the reload, if
        // TIF_FOREIGN_FPSTATE): it is in this unit, not in the task's next one.
        this.toUser(c, anchor);
        return;
      }
      case 'call': {
        const request = REQUEST_CALLS[e.fn];
        if (request) {
          // Already inside an unexpressed request (sve_set calls fpr_set...): one unit.
          if (anchor) anchor.unexpressed = request;
          if (e.fn === 'vec_set_vector_length' && e.caller === 'sve_set_current_vl') this.vlChange(e, c, anchor);
          return;
        }
        if (e.fn === 'fpsimd_flush_task_state') {
          if (e.caller === 'copy_thread') this.copyAt.set(e.pid, u);
          else this.regsetWriteFlush(e, c, anchor);
          return;
        }
        if (e.fn === 'fpsimd_preserve_current_state' && e.caller === 'arch_dup_task_struct') {
          this.dupAt.set(e.pid, u);
          return;
        }
        if (e.fn === 'fpsimd_flush_thread' && e.caller === 'flush_thread') {
          // exec's point of no return (begin_new_exec() -> flush_thread()): the model's exec
          // runs here, where the kernel made its calls, not at the sched_process_exec line,
          // which may come after the task was preempted and switched back in.
          if (this.tasks.get(e.pid)?.user && this.execAt(e, c, u)) this.execRun.add(e.pid);
          return;
        }
        if (e.fn === 'fpsimd_cpu_dead') {
          this.cpuDead(e, c, u);
          return;
        }
        if (!TRAP_CALLS.has(e.fn)) return;
        const t = this.ensure(c, e.pid, anchor);
        if (e.fn === 'kernel_neon_begin') {
          if (e.flags.includes('s') || e.flags.includes('h') || !t) {
            if (anchor) anchor.unexpressed = t ? null : 'kernel-mode NEON outside a user task';
            if (t) this.act('softirq_neon', c, 0, anchor);
            return;
          }
          if (t.pos === Pos.USER) this.act('syscall', c, 0, anchor);
          this.act('kernel_neon', c, 0, anchor);
          this.finishPath(c, anchor);
          return;
        }
        if (!t) return;
        if (e.fn === 'do_sve_acc') {
          if (t.pos !== Pos.USER) this.toUser(c, anchor);
          const task = this.tasks.get(e.pid)!;
          if (!task.syscalls && this.k.cpus[c]!.zen_el0 && t.TIF_SVE) {
            // The trap says EL0 SVE was off; the model has it on for a task whose syscalls the
            // trace does not record (light profile): a syscall (which discards SVE on kernels
            // before v6.2) happened in between. Enter and leave one.
            this.note('syscall inferred at an SVE trap');
            this.act('syscall', c, 0, anchor);
            this.toUser(c, anchor);
          }
          // The trap (do_sve_acc runs as the path's next step), the return, the write itself.
          this.act('sve_write', c, 0, anchor);
          this.finishPath(c, anchor);
          if (t.pos === Pos.KERNEL) {
            this.act('ret_to_user', c, 0, anchor);
            this.act('sve_write', c, 0, anchor);
          }
          return;
        }
        if (anchor) anchor.unexpressed = `${e.fn} trap`;
        return;
      }
      case 'fork': {
        this.note('fork');
        const parent = this.ensure(c, e.pid, u);
        const child = this.tasks.get(e.child);
        if (!parent || !child?.user || (child.slot !== NONE && !child.vcpu)) return;
        this.fresh.add(child.pid);
        // Without syscall events (the kselftests' light profile) the model may have the parent in
        // user mode: a fork is a syscall.
        this.inSyscall(c, parent, u);
        // A vcpu thread is booted as one (the model cannot turn a task into a vcpu thread): its
        // fork runs into a stand-in slot, which is never scheduled, so the parent's calls are made.
        const slot = this.nextSlot++;
        const dup = this.dupAt.get(e.pid) ?? u;
        const copy = this.copyAt.get(e.pid) ?? u;
        this.dupAt.delete(e.pid);
        this.copyAt.delete(e.pid);
        const from = u ? u.model.length : 0;
        if (!this.act('fork', c, slot, u)) return;
        if (u && dup && copy && (dup !== u || copy !== u)) this.splitFork(dup, copy, u, from);
        if (child.vcpu) return;
        this.k.naming.rename(slot, `${child.comm}-${child.pid}`);
        child.slot = slot;
        this.pidOfSlot[slot] = child.pid;
        return;
      }
      case 'exec': {
        this.note('exec');
        // Already run at the kernel's flush_thread() call (execAt()), in the unit that made it.
        if (this.execRun.delete(e.pid)) return;
        this.execAt(e, c, u);
        return;
      }
      case 'exit': {
        this.note('exit');
        const t = this.tasks.get(e.pid);
        if (t?.user && t.slot !== NONE && !t.vcpu) this.exiting.add(t.pid);
        return;
      }
      case 'free': {
        this.note('free');
        const t = this.tasks.get(e.task);
        if (!t || t.slot === NONE || this.k.tasks[t.slot]!.state !== TaskState.ZOMBIE) return;
        this.act('free', 0, t.slot, u);
        return;
      }
      case 'marker': {
        this.note('marker');
        if (e.action === 'fp_write' || e.action === 'sve_write') {
          // SVE use is seen through its trap (do_sve_acc); an announced FPSIMD write is applied
          // when the task is next in user mode.
          if (e.action === 'fp_write') this.pendingWrite.set(e.pid, 'fp_write');
        }
        return;
      }
      default:
        this.note(e.kind);
        return;
    }
  }

  /**
   * A fork split by a preemption: the kernel's copy_process() called arch_dup_task_struct() (its
   * `fpsimd_preserve_current_state <-arch_dup_task_struct` line) in unit `dup` and copy_thread()
   * (`fpsimd_flush_task_state <-copy_thread`) in unit `copy`, and the sched_process_fork line came
   * in unit `u`, the parent preempted and switched back in somewhere between (6.12.118 and
   * 6.1.192 kernel/fork.c: dup_task_struct() early in copy_process(), copy_thread() much later,
   * with allocations that may sleep or be preempted between). The model's `fork` makes all its
   * calls in one step at the fork line: those before copy_thread()'s first
   * `fpsimd_flush_task_state` are arch_dup_task_struct()'s (entry.ts copy_process) and count in
   * `dup`, the rest in `copy`, where the kernel made them. The model's state is the same either
   * way: the parent's save at the preemption's switch and the one in arch_dup_task_struct() leave
   * one copy in memory, and nothing else runs in the parent between.
   */
  private splitFork(dup: Unit, copy: Unit, u: Unit, from: number): void {
    const made = u.model.splice(from);
    const k = made.findIndex((m) => m.fn === 'fpsimd_flush_task_state');
    if (k < 0) {
      u.model.push(...made);
      return;
    }
    dup.model.push(...made.slice(0, k));
    copy.model.push(...made.slice(k));
    this.note('fork split by a preemption (its calls counted where the kernel made them)');
  }

  /**
   * A tracer's regset write flushed its tracee: `fpsimd_flush_task_state <-fpr_set` (NT_PRFPREG),
   * `<-sve_set` (NT_ARM_SVE), or `<-vec_set_vector_length` inside a ptrace request (a write that
   * changes the tracee's VL), called on the target (6.12.118 arch/arm64/kernel/ptrace.c:686-700
   * fpr_set(), 925-1058 sve_set_common(), which the trace shows inlined into sve_set(); 6.1.192
   * :691-705, 898-1036). The request's unit stays not
   * compared (the trace has no payload), but the tracee's state is flushed in the model as in the
   * kernel, so that its next return reloads (TIF_FOREIGN_FPSTATE) as the trace shows. The target
   * is the request's pid argument (ptrace(request, pid, ...) of the tracer's latest sys_enter).
   */
  private regsetWriteFlush(e: CallEvent, c: number, u: Unit | null): void {
    if (!regsetWriteFlush(e.caller)) return;
    const sys = this.lastSysEnter.get(e.pid);
    if (!sys || sys.nr !== NR_PTRACE) return;
    const target = this.tasks.get(ptracePid(sys.args));
    if (!target?.user || target.slot === NONE || target.pid === e.pid) return;
    const m = this.k.tasks[target.slot]!;
    if (m.state === TaskState.RUNNING || m.state === TaskState.FREE) return;
    this.note('ptrace regset write (tracee flushed)');
    this.direct(`ptrace regset write cpu${c} (${e.comm}-${e.pid} → ${target.comm}-${target.pid}): fpsimd_flush_task_state`, c, u, (k) =>
      k.fpsimd_flush_task_state(m),
    );
  }

  /**
   * CPU hotplug. `fpsimd_cpu_dead <-cpuhp_invoke_callback` is the trace's record of a CPU taken
   * down (the cpuhp "dead" callbacks run on the CPU doing the hotplug, e.line's; 6.12.118
   * arch/arm64/kernel/fpsimd.c fpsimd_cpu_dead(), 6.1.192 the same): the model's `takedown_cpu`
   * for the CPU that went quiet (the other CPU whose next line comes last: an offline CPU
   * records nothing), its calls counted in the unit open here. The dying CPU's last switch, from
   * its stopper thread to idle, has no sched_switch line (the CPU is already inactive), only its
   * `fpsimd_thread_switch` call: when that CPU's open unit holds more of those calls than the
   * model made there, the model makes that switch too. The CPU comes back (`bringup_cpu`) at its
   * next line.
   */
  private cpuDead(e: CallEvent, c: number, u: Unit | null): void {
    let dead = -1;
    let quiet = -1;
    for (const [d, cpu] of this.trace.cpus.entries()) {
      if (d === c || !this.k.cpus[d]!.online) continue;
      const next = cpu.events.find((x) => x.line > e.line);
      const at = next ? next.line : Number.MAX_SAFE_INTEGER;
      if (at > quiet) {
        quiet = at;
        dead = d;
      }
    }
    if (dead < 0) return;
    const du = this.open[dead] ?? null;
    if (this.cur(dead)) this.act('idle', dead, 0, du);
    if (du) {
      const kernel = du.kernel.filter((k) => k.fn === 'fpsimd_thread_switch').length;
      const model = du.model.filter((m) => m.fn === 'fpsimd_thread_switch').length;
      if (kernel > model) this.direct(`switch cpu${dead} (stopper → idle: the CPU goes down)`, dead, du, (k) => k.__schedule(null));
    }
    this.note('cpu hotplug (offline)');
    this.direct(`cpu_offline cpu${dead} (fpsimd_cpu_dead on cpu${c})`, c, u, (k) => k.takedown_cpu(dead), 'cpu_offline');
  }

  /** Tasks whose exec the model ran at their flush_thread() call: their sched_process_exec line is done. */
  private readonly execRun = new Set<number>();

  /** The model's exec of the task current at `e` (a sched_process_exec line or its flush_thread() call). */
  private execAt(e: LabEvent, c: number, u: Unit | null): boolean {
    const t = this.ensure(c, e.pid, u);
    if (!t) return false;
    this.inSyscall(c, t, u);
    // A vcpu thread execs before it creates its VM: the same path, which the alphabet keeps
    // from vcpu threads (their exec would end the VM).
    if (t.vcpu !== NONE) this.direct(`exec cpu${c} (${e.comm}-${e.pid})`, c, u, (k) => k.flush_thread(), 'exec');
    else this.act('exec', c, 0, u);
    return true;
  }

  /** Current `t` on c is inside a syscall the trace does not show the entry of: enter it. */
  private inSyscall(c: number, t: TaskView, u: Unit | null): void {
    if (t.pos === Pos.USER) this.act('syscall', c, 0, u);
    else if (t.pos === Pos.KERNEL && !t.in_syscall) {
      this.finishPath(c, u);
      this.act('ret_to_user', c, 0, u);
      this.act('syscall', c, 0, u);
    }
  }

  /** `next` is switched in on c; it resumes in user mode if it left from there or makes no traced syscalls. */
  private switchIn(c: number, next: Task, u: Unit | null, at: LabEvent | null = null): void {
    const m = this.k.tasks[next.slot]!;
    if (m.state === TaskState.RUNNING && m.on_cpu !== c) this.act('idle', m.on_cpu, 0, null);
    if (m.state !== TaskState.RUNNABLE) {
      if (u && !u.mapping)
        u.mapping = `switch to ${next.comm}-${next.pid}, which the model has ${['free', 'runnable', 'running', 'a zombie', 'stopped'][m.state]}`;
      return;
    }
    this.act('switch', c, next.slot, u);
    this.afterSwitchIn(c, next, u, at);
  }

  /**
   * A task switched in goes back to user space now if it left the CPU from there, if its
   * syscalls are not traced (nothing else will say when), or if it is a child that has not run
   * yet (ret_from_fork returns to user with no sys_exit line).
   */
  private afterSwitchIn(c: number, next: Task, u: Unit | null, at: LabEvent | null = null): void {
    this.unseen.delete(next.pid);
    if (this.pendingKvmRun.delete(next.pid)) {
      this.act('kvm_run', c, 0, u);
      return;
    }
    let fresh = this.fresh.delete(next.pid);
    if (fresh && !this.resumeUser[next.slot] && next.syscalls && at && !this.childReturnsNow(at, next.pid)) {
      // Preempted in ret_from_fork before it reached user space: it returns at a later switch-in.
      this.fresh.add(next.pid);
      fresh = false;
    }
    if (
      this.resumeUser[next.slot] &&
      next.syscalls &&
      at &&
      this.k.tasks[next.slot]!.TIF_FOREIGN_FPSTATE &&
      this.preemptedAgain(at, next.pid)
    ) {
      // Switched back in, but switched out again before it reached user space: it stays on its
      // way there and returns at a later switch-in (its state is reloaded then).
      this.resumeUser[next.slot] = false;
      this.pendingReturn.add(next.slot);
      return;
    }
    if (
      this.resumeUser[next.slot] &&
      next.syscalls &&
      at &&
      this.k.tasks[next.slot]!.TIF_FOREIGN_FPSTATE &&
      this.signalAtReturn(at, next.pid)
    ) {
      // Switched back in on its way to user space, with its state to reload and a signal
      // pending: the same pass of do_notify_resume() delivers the signal before it reloads (the
      // sys_exit rule), so the return and its reload belong to the signal's unit. Only where a
      // reload is due: with nothing to reload the return makes no call either way, and applying
      // the rule there cost 6.12 signals-sve 14 units (SVE frames; not diagnosed).
      this.resumeUser[next.slot] = false;
      return;
    }
    if (this.resumeUser[next.slot] || fresh || (!next.syscalls && !next.vcpu)) {
      this.resumeUser[next.slot] = false;
      this.toUser(c, u);
    }
  }

  /**
   * A task preempted on its way to user space (prev_state R: an interrupt taken in user mode, or
   * in the kernel) and switched back in at `at`, whose state the model must reload at its return
   * (TIF_FOREIGN_FPSTATE): does the trace show it switched out again, still runnable, before it
   * got there? A return that reloads is always on record (`fpsimd_restore_current_state
   * <-do_notify_resume`, 6.12.118 arch/arm64/kernel/entry-common.c:131-160, 6.1.192
   * arch/arm64/kernel/signal.c:1142-1175), and so
   * is being in user space (a syscall, an EL0 trap, a signal delivered on the way there). When
   * neither comes before the next unit on the CPU and that unit is its own switch-out with
   * prev_state R, it did not reach user space: exit_to_user_mode's loop (do_notify_resume) serves
   * _TIF_NEED_RESCHED before _TIF_FOREIGN_FPSTATE and an interrupt set it again, or it was
   * preempted inside the kernel. The two look alike in sched_switch (both `R`); this is what
   * tells them apart. (A task that needs no reload leaves no record either way: it returns.) A
   * task that exits before any such record (a SIGKILL delivered on its way) never returns either.
   */
  private preemptedAgain(at: LabEvent, pid: number): boolean {
    const list = this.trace.cpus[this.cpuOf.get(at.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(at)! + 1; i < list.length; i++) {
      const x = list[i]!;
      if (x.pid === pid) {
        if (x.kind === 'call' && x.fn === 'fpsimd_restore_current_state' && x.caller === 'do_notify_resume') return false;
        if (x.kind === 'sys_enter' || (x.kind === 'call' && TRAP_CALLS.has(x.fn))) return false;
        if (x.kind === 'signal_deliver') {
          if (hasHandler(x.handler)) return false;
          continue; // a default action (SIGKILL): it may die on the way
        }
        // Killed on its way to user space (do_signal() runs before the reload): it never returns.
        if (x.kind === 'exit') return true;
      }
      if (isAnchor(x)) return x.kind === 'switch' && x.prevPid === pid && x.prevState.startsWith('R');
    }
    return false;
  }

  /**
   * Does a child switched in (at `at`) return to user space in this run on the CPU? A child's
   * first return always reloads (copy_thread() flushed its state: TIF_FOREIGN_FPSTATE), so its
   * `fpsimd_restore_current_state <-do_notify_resume` line is the trace's record of that return,
   * as a syscall or an SVE trap of its own is of being in user space; a child switched out
   * before either (prev_state R+: preempted inside ret_from_fork) has not returned yet.
   */
  private childReturnsNow(at: LabEvent, pid: number): boolean {
    const list = this.trace.cpus[this.cpuOf.get(at.cpu)!]!.events;
    for (let i = this.indexOnCpu.get(at)! + 1; i < list.length; i++) {
      const x = list[i]!;
      if (x.kind === 'switch') return false;
      if (x.pid !== pid) continue;
      if (x.kind === 'call' && x.fn === 'fpsimd_restore_current_state' && x.caller === 'do_notify_resume') return true;
      if (x.kind === 'sys_enter' || x.kind === 'signal_deliver' || (x.kind === 'call' && TRAP_CALLS.has(x.fn))) return true;
    }
    return true;
  }

  /** Children forked in the trace that have not run yet. */
  private readonly fresh = new Set<number>();
  /** Tasks alive when the trace began that have not been seen running yet. */
  private readonly unseen = new Set<number>();

  // --- the verdict -------------------------------------------------------------------------------

  private result(): ConformTrace {
    const counts = new Map<string, FunctionCount>();
    const fc = (fn: string): FunctionCount => {
      let r = counts.get(fn);
      if (!r) counts.set(fn, (r = { fn, model: 0, kernel: 0 }));
      return r;
    };
    let replayed = 0;
    let agree = 0;
    const unexpressed: Record<string, number> = {};
    const causes: Record<string, number> = {};
    const divergences: Divergence[] = [];
    for (const u of this.units) {
      if (u.unexpressed) {
        if (this.o.at === u.line) divergences.push(this.divergence(u));
        unexpressed[u.unexpressed] = (unexpressed[u.unexpressed] ?? 0) + 1;
        continue;
      }
      if (this.o.at === u.line) divergences.push(this.divergence(u));
      replayed++;
      for (const k of u.kernel) fc(k.fn).kernel++;
      for (const m of u.model) fc(m.fn).model++;
      if (sameCalls(u)) {
        agree++;
        continue;
      }
      const cause = causeOf(u);
      causes[cause] = (causes[cause] ?? 0) + 1;
      if (this.o.at === undefined && divergences.length < this.o.maxDivergences) divergences.push(this.divergence(u));
    }
    const functions = [...counts.values()].sort((a, b) => (a.fn < b.fn ? -1 : 1));
    const total = this.counting.total;
    const model = {
      saves: total.saves,
      loads: total.loads,
      flushes: total.flushes,
      sveTraps: total.sveTraps,
      guestFpTraps: total.guestFpTraps,
      bytesSaved: total.bytesSaved,
      bytesLoaded: total.bytesLoaded,
    };
    const byContext = Object.fromEntries([...this.counting.byContext.entries()].map(([k, v]) => [k, { saves: v.saves, loads: v.loads }]));
    return {
      file: this.trace.file,
      kernel: this.o.kernel,
      workload: this.o.workload,
      variant: this.o.variant.name,
      cpus: this.boot.cpus,
      tasks: this.boot.tasks.length + (this.boot.spareSlots ?? 0),
      vcpus: this.boot.tasks.filter((t) => t.vcpu).length,
      lines: this.trace.events.length,
      replayed,
      agree,
      ratio: replayed === 0 ? 1 : agree / replayed,
      unexpressed: sorted(unexpressed),
      context: sorted(this.context),
      functions,
      unmodelled: sorted(this.unmodelled),
      model,
      byContext,
      causes: sorted(causes),
      divergences,
      violations: sorted(this.violations),
      verdict: agree === replayed ? 'agree' : 'diverge',
    };
  }

  private divergence(u: Unit): Divergence {
    const end = (u as Unit & { end: number | null }).end;
    const m = this.k.cfg;
    return {
      line: u.line,
      end,
      cpu: u.cpu,
      kind: u.kind,
      event: u.event,
      cause: u.unexpressed ? `not compared: ${u.unexpressed}` : causeOf(u),
      agree: !u.unexpressed && sameCalls(u),
      kernel: u.kernel,
      model: u.model,
      trace: {
        variant: this.o.variant.name,
        machine: { cpus: m.cpus, slots: m.slots, vcpus: m.vcpus, sveVlBits: m.sveVlBits },
        initial: u.before!,
        steps: u.steps,
        counters: emptyCounters(),
        byContext: {},
      },
      command: this.o.command(u.line),
    };
  }
}

/** A signal_deliver's handler other than SIG_DFL (0) or SIG_IGN (1): a frame is set up. */
function hasHandler(handler: string): boolean {
  return !(handler === '0' || handler === '1' || handler === '0x0' || handler === '0x1');
}

function sameCalls(u: Unit): boolean {
  return u.kernel.length === u.model.length && u.kernel.every((k, i) => k.fn === u.model[i]!.fn);
}

/** A short, stable name for why a unit diverges (what the table in docs/conformance.md counts). */
function causeOf(u: Unit): string {
  if (u.mapping) return `${u.kind}: mapping (${u.mapping.replace(/:.*$/, '')})`;
  const k = u.kernel.map((c) => c.fn);
  const m = u.model.map((c) => c.fn);
  const extra = (a: string[], b: string[]): string | null => {
    const left = [...b];
    for (const f of a) {
      const i = left.indexOf(f);
      if (i < 0) return f;
      left.splice(i, 1);
    }
    return null;
  };
  const kx = extra(k, m);
  if (kx) return `${u.kind}: kernel calls ${kx}, the model does not`;
  const mx = extra(m, k);
  if (mx) return `${u.kind}: the model calls ${mx}, the kernel does not`;
  return `${u.kind}: same calls, different order`;
}

function describe(e: LabEvent): string {
  const who = `${e.comm}-${e.pid}`;
  switch (e.kind) {
    case 'call':
      return `${who}: ${e.fn} <-${e.caller}`;
    case 'switch':
      return `sched_switch ${e.prevComm}-${e.prevPid} (${e.prevState}) ==> ${e.nextComm}-${e.nextPid}`;
    case 'sys_enter':
      return `${who}: sys_enter NR ${e.nr}${e.args.length ? ` (${e.args.slice(0, 2).join(', ')}, ...)` : ''}`;
    case 'sys_exit':
      return `${who}: sys_exit NR ${e.nr} = ${e.ret ?? '?'}`;
    case 'kvm_exit':
      return `${who}: kvm_exit ${e.reason}${e.ec >= 0 ? ` EC 0x${e.ec.toString(16)}` : ''}`;
    case 'signal_deliver':
      return `${who}: signal_deliver sig ${e.sig}`;
    default:
      return `${who}: ${e.kind}`;
  }
}

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function emptyCounters(): ConformTrace extends never ? never : import('../cost/counters.js').Counters {
  return new CountingSink(() => '').total;
}
