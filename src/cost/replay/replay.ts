/**
 * Replaying a kernel trace (ftrace text, see parse.ts) as a cost-model stream.
 *
 * Two passes over the file, each line by line in bounded memory:
 *
 *  1. Scan: validate every line (a malformed one stops everything with file:line), learn the
 *     CPUs, and every task *incarnation* (a pid from its first mention, or its fork, to its
 *     free): whether it is a user task (it makes syscalls, runs a guest, takes signals, execs; or
 *     nothing says it is a kernel thread), a vcpu thread (kvm_entry/kvm_exit), and when it was
 *     forked and freed. That sizes the machine: one slot per user task alive at the start, plus
 *     as many spare slots as forked user tasks are ever alive at once.
 *  2. Replay: map each line onto intents (stream.ts), which the normalizer expands into model
 *     events:
 *       - every supported line's header names the task current on that CPU: it is scheduled
 *         there if it is not (kernel threads and the idle task leave the CPU idle: they own no
 *         user FP state);
 *       - sched_switch: the previous task's user slice ends (see FP use), the next one runs;
 *       - sys_enter ends a user slice with a syscall, sys_exit returns to user space;
 *       - sched_process_fork forks the child into a free slot, sched_process_exit exits,
 *         sched_process_free reaps, sched_process_exec execs (where the event alphabet has exec);
 *       - kvm_entry enters the guest (KVM_RUN first if needed), kvm_exit leaves it, after a guest
 *         FP use if the guest uses FP or the exit says it trapped on FP (ESR EC FP_ASIMD, SVE);
 *       - signal_deliver with a handler is a signal (dropped and counted while the event alphabet
 *         has no signal events); sched_wakeup and sched_migrate_task only name current.
 *     Where the trace does not record a task's syscalls (scheduler-only traces: Android's
 *     systrace/atrace, most `trace-cmd report`s recorded by others), its user slices are inferred
 *     from the scheduler: a task switched in returns to user mode and runs there until its next
 *     switch, where prev_state says how it left (R, R+ or 0: preempted by an interrupt in user
 *     mode; anything else: it blocked, so it entered the kernel by a syscall). A task whose
 *     syscalls are traced is in user mode between sys_exit and sys_enter, and returns to user
 *     mode when switched back in after a preemption in user mode. Every inference is counted
 *     (`Inferred`) and printed with the table.
 *     A trace does not say when user code touches FP registers: `--fp-use` decides per task
 *     (always, never, or with probability p, by a hash of --seed and the task), and a task that
 *     uses FP writes its registers once per user slice, at the slice's end. `--sve-use` does the
 *     same for SVE. vcpu threads are booted as vcpu threads whatever their origin (the model
 *     cannot turn a task into one later).
 */

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import type { BootSpec } from '../../kernel/boot.js';
import { CAPACITY } from '../../kernel/layout.js';
import { NONE, Pos, TaskState } from '../../kernel/records.js';
import { hashUnit } from '../rng.js';
import { IntentSource, Normalizer } from '../stream.js';
import { LineReader } from './lines.js';
import {
  Ev,
  foreignEvidence,
  KTHREAD,
  NR_PTRACE,
  NR_RT_SIGRETURN,
  runnableState,
  TraceParser,
  type TraceFormat,
  type TraceLine,
} from './parse.js';

/** How often tasks use FP: `always`, `never`, or `p=<probability>`. */
export interface UseFlag {
  readonly text: string;
  readonly p: number;
}

export function parseUseFlag(flag: string, value: string): UseFlag {
  if (value === 'always') return { text: value, p: 1 };
  if (value === 'never') return { text: value, p: 0 };
  const m = /^p=(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/.exec(value);
  if (!m) throw new InputError(`expected always, never or p=<probability in [0, 1]>, got '${value}'`, undefined, undefined, flag);
  return { text: value, p: Number(m[1]) };
}

export interface ReplayOptions {
  readonly fpUse: UseFlag;
  readonly sveUse: UseFlag;
  readonly seed: number;
  readonly sveVlBits: number;
  /** Called now and then with the bytes read (pass 1, then pass 2) and the file size. */
  readonly onRead?: (pass: 1 | 2, bytes: number, total: number) => void;
}

export { NR_RT_SIGRETURN };
/** ESR exception classes of a guest FP access trap. */
const EC_FP_ASIMD = 0x07;
const EC_SVE = 0x19;

// --- incarnations, shared by both passes -------------------------------------------------------------

/** Facts about one task incarnation (gathered in pass 1). */
interface Incarnation {
  pid: number;
  comm: string;
  /** Created by a sched_process_fork line (as opposed to alive when the trace began). */
  born: boolean;
  /** Incarnation id of the forking task, -1 if none or unknown. */
  parent: number;
  /** Makes syscalls, takes signals, execs: certainly has user state. */
  userEvidence: boolean;
  /** Its syscalls are in the trace (sys_enter/sys_exit lines): its user slices need no inference. */
  syscalls: boolean;
  vcpu: boolean;
  /** Lines of the fork and the free (Infinity if not freed within the trace). */
  birth: number;
  death: number;
  /** Classification (set after pass 1). */
  user: boolean;
}

/**
 * pid → current incarnation. Both passes visit the same mentions in the same order, so they
 * number incarnations alike; pass 2 keeps only the numbering, not the facts.
 */
class PidTable {
  private readonly cur = new Map<number, number>();
  count = 0;

  constructor(private readonly onNew?: (id: number, pid: number, comm: string, born: boolean, parent: number) => void) {}

  /**
   * The incarnation of `pid` (created if it has none); pid 0 (idle) is -1. Its comm is the
   * line's header comm, or the line's other comm (`str`) when `other`: decoded only if new.
   */
  touch(pid: number, l: TraceLine, other: boolean): number {
    if (pid === 0) return -1;
    let id = this.cur.get(pid);
    if (id === undefined) id = this.create(pid, other ? l.str() : l.comm(), false, -1);
    return id;
  }

  /** A fork: `pid` starts a new incarnation, whatever it was before. */
  fork(pid: number, comm: string, parent: number): number {
    return this.create(pid, comm, true, parent);
  }

  free(pid: number): void {
    this.cur.delete(pid);
  }

  /** The current incarnation of `pid`, or -1 (without creating one). */
  peek(pid: number): number {
    return this.cur.get(pid) ?? -1;
  }

  private create(pid: number, comm: string, born: boolean, parent: number): number {
    const id = this.count++;
    this.cur.set(pid, id);
    this.onNew?.(id, pid, comm, born, parent);
    return id;
  }
}

/** Visits the task mentions of one line in a fixed order; returns the header's incarnation. */
function visit(l: TraceLine, t: PidTable): { self: number; other: number } {
  let other = -1;
  switch (l.kind) {
    case Ev.SWITCH: {
      const self = t.touch(l.pid, l, false);
      other = t.touch(l.pid2, l, true);
      return pair(self, other);
    }
    case Ev.FORK: {
      const self = t.touch(l.pid, l, false);
      other = t.fork(l.pid2, l.str(), self);
      return pair(self, other);
    }
    case Ev.WAKEUP:
    case Ev.MIGRATE:
    case Ev.EXIT:
    case Ev.FREE:
    case Ev.EXEC: {
      const self = t.touch(l.pid, l, false);
      // exec's other "comm" is a file name: the header names the task
      other = l.kind === Ev.EXEC ? t.touch(l.pid2, l, false) : t.touch(l.pid2, l, true);
      if (l.kind === Ev.FREE) t.free(l.pid2);
      return pair(self, other);
    }
    default:
      return pair(t.touch(l.pid, l, false), other);
  }
}

/** visit()'s result, reused (one per line would be garbage). */
const VISITED = { self: -1, other: -1 };
function pair(self: number, other: number): { self: number; other: number } {
  VISITED.self = self;
  VISITED.other = other;
  return VISITED;
}

// --- pass 1 -----------------------------------------------------------------------------------------

export interface TraceScan {
  /** The path read (a spooled copy for standard input). */
  readonly file: string;
  /** What messages and the output call it: the path, or `<stdin>`. */
  readonly name: string;
  readonly format: TraceFormat;
  readonly lines: number;
  readonly bytes: number;
  /** Trace CPU ids in model order. */
  readonly cpuIds: number[];
  readonly incarnations: Incarnation[];
  /** Incarnations that get a slot at boot (user tasks alive at the start, and every vcpu thread). */
  readonly bootOrder: number[];
  readonly spareSlots: number;
  readonly kernelThreads: number;
  readonly traceEvents: Record<string, number>;
  readonly unknownEvents: Record<string, number>;
  readonly otherLines: number;
  readonly lostEvents: number;
  /**
   * Per CPU (model order): the incarnation its first supported line names as current (-1: idle),
   * and whether that task's first syscall line on that CPU is a sys_exit (the trace began inside
   * one of its syscalls). See startBoundary().
   */
  readonly firstOnCpu: readonly { inc: number; inSyscall: boolean }[];
  /**
   * Lines of switch-ins after which the task did not reach user space (conform's rule, see
   * preemptedAgain in src/conform/engine.ts): it shows no reload, syscall, SVE trap or handled
   * signal before its own next switch-out with a runnable prev_state (or its exit). Empty for a
   * trace that records no reloads (`fpsimd_restore_current_state <-do_notify_resume`): there the
   * absence of one says nothing.
   */
  readonly noReturn: ReadonlySet<number>;
  /**
   * Lines of sys_exits after which the task was switched out still runnable before it reloaded
   * or showed user space (conform's rule for a task preempted between its sys_exit and its
   * reload: exit_to_user_mode() scheduled first): it returns to user space when switched back
   * in. Empty for a trace that records no reloads.
   */
  readonly deferredReturn: ReadonlySet<number>;
  /**
   * Lines of sys_exits whose return delivers a signal first (conform's rule): the CPU's next
   * event line is a signal_deliver with a handler to the same task. do_notify_resume() runs
   * do_signal() before it reloads the registers, and on 6.12 before fpsimd_syscall_exit(): the
   * frame is written from inside the syscall. Any other event line on that CPU in between (a
   * timer interrupt's signal_generate, a wakeup) means the task returned and was interrupted.
   */
  readonly signalAtReturn: ReadonlySet<number>;
}

export function scanTrace(file: string, onProgress?: (bytes: number, total: number) => void, name: string = file): TraceScan {
  const total = fileSize(file, name);
  const reader = new LineReader(file, name);
  const parser = new TraceParser(name);
  const inc: Incarnation[] = [];
  const table = new PidTable((id, pid, comm, born, parent) => {
    inc[id] = { pid, comm, born, parent, userEvidence: false, syscalls: false, vcpu: false, birth: 0, death: Infinity, user: false };
  });
  const foreign = (why: string, event: string): never => {
    throw new InputError(`${why}: not an arm64 trace (fpctx models arm64 only; record on an arm64 machine)`, name, reader.line, event);
  };
  const cpus = new Set<number>();
  const traceEvents: Record<string, number> = {};
  const unknownEvents: Record<string, number> = {};
  let otherLines = 0;
  let lost = 0;
  /** Per trace CPU id: its first line's incarnation; `sys` once that task's first syscall line there is seen. */
  const first = new Map<number, { inc: number; inSyscall: boolean; sys: boolean }>();
  /** Per trace CPU id: the task switched in there last, the line, and whether it showed user space since. */
  const watch = new Map<number, { inc: number; line: number; sign: boolean }>();
  const noReturn = new Set<number>();
  /** Per trace CPU id: the task whose sys_exit came last there, and the line, until it shows user space. */
  const exited = new Map<number, { inc: number; line: number }>();
  const deferredReturn = new Set<number>();
  /** Per trace CPU id: a sys_exit that was that CPU's last event line (signalAtReturn). */
  const lastExit = new Map<number, { inc: number; line: number }>();
  const signalAtReturn = new Set<number>();
  let reloads = 0;
  try {
    while (reader.next()) {
      const l = parser.parse(reader.buf, reader.start, reader.end, reader.line);
      if (l.kind === Ev.OTHER) {
        otherLines++;
        continue;
      }
      if (l.kind === Ev.LOST) {
        lost += l.lost;
        continue;
      }
      if (l.kind === Ev.UNKNOWN) {
        lastExit.delete(l.cpu);
        const n = unknownEvents[l.name];
        if (n === undefined) {
          const why = foreignEvidence(l.name);
          if (why) foreign(why, l.name);
        }
        unknownEvents[l.name] = (n ?? 0) + 1;
        continue;
      }
      if (l.foreign) foreign(l.foreign, l.name);
      traceEvents[l.name] = (traceEvents[l.name] ?? 0) + 1;
      cpus.add(l.cpu);
      const { self, other } = visit(l, table);
      let f = first.get(l.cpu);
      if (!f) first.set(l.cpu, (f = { inc: self, inSyscall: false, sys: false }));
      const le = lastExit.get(l.cpu);
      if (le) {
        lastExit.delete(l.cpu);
        if (l.kind === Ev.SIGNAL && le.inc === self && l.str() !== '0' && l.str() !== '1') signalAtReturn.add(le.line);
      }
      if (l.kind === Ev.SYS_EXIT && self >= 0) lastExit.set(l.cpu, { inc: self, line: reader.line });
      const x = exited.get(l.cpu);
      if (x && x.inc === self) {
        if (l.kind === Ev.SWITCH && runnableState(l.state())) deferredReturn.add(x.line);
        if (l.kind === Ev.SWITCH || l.kind === Ev.RELOAD || l.kind === Ev.SYS_ENTER || l.kind === Ev.SVE_TRAP || l.kind === Ev.SIGNAL)
          exited.delete(l.cpu);
      } else if (x && l.kind === Ev.SWITCH) exited.delete(l.cpu);
      if (l.kind === Ev.SYS_EXIT && self >= 0) exited.set(l.cpu, { inc: self, line: reader.line });
      const w = watch.get(l.cpu);
      if (l.kind === Ev.SWITCH) {
        if (w && w.inc === self && !w.sign && runnableState(l.state())) noReturn.add(w.line);
        watch.set(l.cpu, { inc: other, line: reader.line, sign: false });
      } else if (w && w.inc === self && !w.sign) {
        if (l.kind === Ev.RELOAD || l.kind === Ev.SYS_ENTER || l.kind === Ev.SVE_TRAP) w.sign = true;
        else if (l.kind === Ev.SIGNAL && l.str() !== '0' && l.str() !== '1') w.sign = true;
        else if (l.kind === Ev.EXIT && other === self) noReturn.add(w.line);
      }
      if (l.kind === Ev.RELOAD) reloads++;
      switch (l.kind) {
        case Ev.SYS_ENTER:
        case Ev.SYS_EXIT:
          if (self >= 0) inc[self]!.userEvidence = inc[self]!.syscalls = true;
          if (self === f.inc && !f.sys) {
            f.sys = true;
            f.inSyscall = l.kind === Ev.SYS_EXIT;
          }
          break;
        case Ev.SIGNAL:
          if (self >= 0) inc[self]!.userEvidence = true;
          break;
        case Ev.KVM_ENTRY:
        case Ev.KVM_EXIT:
          if (self >= 0) inc[self]!.userEvidence = inc[self]!.vcpu = true;
          break;
        case Ev.EXEC:
          if (other >= 0) inc[other]!.userEvidence = true;
          break;
        case Ev.FORK:
          inc[other]!.birth = reader.line;
          break;
        case Ev.FREE:
          if (other >= 0) inc[other]!.death = reader.line;
          break;
      }
      if ((reader.line & 0xffff) === 0) onProgress?.(reader.bytes, total);
    }
  } finally {
    reader.close();
  }
  if (Object.keys(traceEvents).length === 0) {
    throw new InputError(
      'no supported trace events (sched_switch, sys_enter, kvm_entry, ...): see examples/README.md for how to record a trace',
      name,
    );
  }
  // Classify in creation order: a parent is classified before its children.
  let kernelThreads = 0;
  for (const i of inc) {
    const parentKernel = i.parent >= 0 && !inc[i.parent]!.user;
    i.user = i.vcpu || i.userEvidence || (!KTHREAD.test(i.comm) && !parentKernel && i.pid !== 2);
    if (!i.user) kernelThreads++;
  }
  const bootOrder: number[] = [];
  inc.forEach((i, id) => {
    if (i.user && (!i.born || i.vcpu)) bootOrder.push(id);
  });
  // Spare slots: the most forked user tasks (vcpu threads are booted) alive at once.
  const changes: [number, number][] = [];
  for (const i of inc) if (i.born && i.user && !i.vcpu) changes.push([i.birth, 1], [i.death, -1]);
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let alive = 0;
  let spare = 0;
  for (const [, d] of changes) spare = Math.max(spare, (alive += d));
  const cpuIds = [...cpus].sort((a, b) => a - b);
  const scan: TraceScan = {
    file,
    name,
    format: parser.format,
    lines: reader.line,
    bytes: reader.bytes,
    cpuIds,
    incarnations: inc,
    bootOrder,
    spareSlots: spare,
    kernelThreads,
    traceEvents: sortedRecord(traceEvents),
    unknownEvents: sortedRecord(unknownEvents),
    otherLines,
    lostEvents: lost,
    noReturn: reloads > 0 ? noReturn : new Set(),
    deferredReturn: reloads > 0 ? deferredReturn : new Set(),
    signalAtReturn,
    firstOnCpu: cpuIds.map((id) => {
      const f = first.get(id)!;
      return { inc: f.inc, inSyscall: f.inSyscall };
    }),
  };
  checkCapacity(scan);
  return scan;
}

function fileSize(file: string, name: string): number {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, name, undefined, undefined, 'FPC402');
  }
  if (st.isDirectory()) throw new InputError('cannot read: EISDIR', name, undefined, undefined, 'FPC402');
  return st.size;
}

function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function checkCapacity(s: TraceScan): void {
  if (s.cpuIds.length > CAPACITY.cpus) {
    throw new InputError(
      `the trace uses ${s.cpuIds.length} CPUs; the model holds at most ${CAPACITY.cpus}: record fewer (trace-cmd record -M <cpumask>)`,
      s.name,
    );
  }
  const vcpus = s.bootOrder.filter((id) => s.incarnations[id]!.vcpu).length;
  if (vcpus > CAPACITY.vcpus)
    throw new InputError(`the trace has ${vcpus} vcpu threads; the model holds at most ${CAPACITY.vcpus}`, s.name);
  const slots = s.bootOrder.length + s.spareSlots;
  if (slots === 0) throw new InputError('the trace shows no user task: nothing owns FP state', s.name);
  if (slots > CAPACITY.slots) {
    throw new InputError(
      `the trace needs ${slots} task slots (${s.bootOrder.length} user tasks alive at the start, ${s.spareSlots} forked ones alive at once); ` +
        `the model holds at most ${CAPACITY.slots}: record a shorter window or fewer CPUs`,
      s.name,
    );
  }
}

// --- pass 2 -----------------------------------------------------------------------------------------

/** What the replay inferred because the trace does not say it (printed with the table). */
export interface Inferred {
  /** User tasks whose syscalls are not in the trace: their user slices come from the scheduler alone. */
  tasks: number;
  /** Returns to user mode no trace line shows: at a switch-in (or at a task's first line). */
  userReturns: number;
  /** Switches out of user mode with a runnable prev_state (R, R+, 0): preempted by an interrupt. */
  preemptions: number;
  /** Switches out of user mode with a sleeping prev_state by a task whose syscalls are not traced: a blocking syscall. */
  blockingSyscalls: number;
}

export class TraceSource extends IntentSource {
  readonly boot: BootSpec;
  readonly labels: string[] = [];
  readonly initialLabels: number[];
  protected readonly n: Normalizer;
  /** Trace facts the replay could not map, by kind. */
  readonly unmapped: Record<string, number> = {};
  readonly inferred: Inferred = { tasks: 0, userReturns: 0, preemptions: 0, blockingSyscalls: 0 };
  /** User slices that ended in the replay, and those in which the task wrote FP or SVE registers. */
  userSlices = 0;
  fpSlices = 0;

  private readonly reader: LineReader;
  private readonly parser: TraceParser;
  private readonly table = new PidTable();
  private readonly inc: Incarnation[];
  private readonly slotOf: Int32Array;
  private readonly cpuOf = new Map<number, number>();
  private readonly labelIds = new Map<string, number>();
  /** Per incarnation: 1 = writes FPSIMD each user slice, 2 = writes SVE; guest: uses FP each run. */
  private readonly userFp: Uint8Array;
  private readonly guestFp: Uint8Array;
  /** Per incarnation: 1 if its user slices are inferred from the scheduler (no syscall lines of its own). */
  private readonly infer: Uint8Array;
  /** Per slot: switched out while in user mode, so it returns there when switched back in. */
  private readonly resumeUser: Uint8Array;
  /** Per slot: switched back in but out again before it reached user space (scan.noReturn): still on its way. */
  private readonly pendingReturn: Uint8Array;
  /** Per CPU: the vector-length request in progress is the current task's own (prctl), not ptrace's. */
  private readonly vlOwn: Uint8Array;
  /** Per incarnation: the pid argument of its latest sys_enter if that was ptrace(), else absent. */
  private readonly ptraceTarget = new Map<number, number>();
  /** Tracees flushed by a tracer's regset write (META_TRACEE_WRITE). */
  traceeWrites = 0;
  private readonly total: number;
  private started = false;

  constructor(
    readonly scan: TraceScan,
    private readonly opts: ReplayOptions,
  ) {
    super();
    this.inc = scan.incarnations;
    const users = scan.bootOrder.filter((id) => !this.inc[id]!.vcpu);
    const vcpus = scan.bootOrder.filter((id) => this.inc[id]!.vcpu);
    const order = [...users, ...vcpus]; // boot.ts slotOrder: user tasks, then vcpu threads
    this.boot = {
      cpus: scan.cpuIds.length,
      tasks: order.map((id) => ({ name: `${this.inc[id]!.comm}-${this.inc[id]!.pid}`, ...(this.inc[id]!.vcpu ? { vcpu: true } : {}) })),
      spareSlots: scan.spareSlots,
      sveVlBits: opts.sveVlBits,
    };
    this.initialLabels = order.map((id) => this.label(this.inc[id]!.comm));
    this.n = new Normalizer(this.boot);
    this.slotOf = new Int32Array(this.inc.length).fill(NONE);
    for (const [slot, id] of order.entries()) this.slotOf[id] = slot;
    for (const [c, id] of scan.cpuIds.entries()) this.cpuOf.set(id, c);
    this.userFp = new Uint8Array(this.inc.length);
    this.guestFp = new Uint8Array(this.inc.length);
    // One uniform draw per task: SVE with probability sve, else FPSIMD with probability fp.
    const sve = opts.sveUse.p;
    const fp = opts.fpUse.p;
    this.inc.forEach((_, id) => {
      const u = hashUnit(opts.seed, 2 * id);
      this.userFp[id] = u < sve ? 2 : u < sve + fp * (1 - sve) ? 1 : 0;
      this.guestFp[id] = hashUnit(opts.seed, 2 * id + 1) < fp ? 1 : 0;
    });
    this.infer = new Uint8Array(this.inc.length);
    this.inc.forEach((i, id) => {
      if (i.user && !i.vcpu && !i.syscalls) {
        this.infer[id] = 1;
        this.inferred.tasks++;
      }
    });
    this.resumeUser = new Uint8Array(this.boot.tasks.length + scan.spareSlots);
    this.pendingReturn = new Uint8Array(this.boot.tasks.length + scan.spareSlots);
    this.vlOwn = new Uint8Array(scan.cpuIds.length);
    this.total = scan.bytes;
    this.reader = new LineReader(scan.file, scan.name);
    this.parser = new TraceParser(scan.name);
  }

  get unsupported(): Readonly<Record<string, number>> {
    return this.n.unsupported;
  }

  private label(comm: string): number {
    let l = this.labelIds.get(comm);
    if (l === undefined) {
      l = this.labels.length;
      this.labels.push(comm);
      this.labelIds.set(comm, l);
    }
    return l;
  }

  private miss(what: string): void {
    this.unmapped[what] = (this.unmapped[what] ?? 0) + 1;
  }

  protected produce(): boolean {
    if (!this.started) {
      this.started = true;
      this.startBoundary();
      return true;
    }
    const r = this.reader;
    while (r.next()) {
      const l = this.parser.parse(r.buf, r.start, r.end, r.line);
      if ((this.reader.line & 0xffff) === 0) this.opts.onRead?.(2, this.reader.bytes, this.total);
      if (l.kind === Ev.OTHER || l.kind === Ev.LOST || l.kind === Ev.UNKNOWN) continue;
      this.map(l);
      if (this.n.queued > 0) return true;
    }
    this.reader.close();
    return false;
  }

  /**
   * The start-of-trace boundary, the same rule as `fpctx conform`'s (src/conform/engine.ts
   * bootRunning): the user task each CPU runs at its first line ran there before the trace, its
   * state loaded into that CPU's registers then. It is switched in and returned to user mode
   * before counting starts (that load is not the trace's), and put back in the kernel if its
   * first syscall line there is a sys_exit (the trace began inside that syscall). Without the
   * boundary every such task costs one load the kernel never made in the trace (the +1 load of
   * small traces, docs/conformance.md part 4). vcpu threads boot in their run loop: left alone.
   */
  private startBoundary(): void {
    const { n } = this;
    for (const [c, f] of this.scan.firstOnCpu.entries()) {
      const s = this.slot(f.inc);
      if (s === NONE || this.inc[f.inc]!.vcpu || n.state[s] !== TaskState.RUNNABLE || n.onCpu[s] !== NONE) continue;
      if (!n.run(c, s)) continue;
      n.toUser(c);
      if (f.inSyscall) n.syscall(c);
    }
    n.countFromHere();
  }

  /** The slot of a user incarnation that has one, or NONE. */
  private slot(id: number): number {
    return id >= 0 && this.inc[id]!.user ? this.slotOf[id]! : NONE;
  }

  /** The header's task is current on c: schedule it, or leave the CPU idle for kernel threads. */
  private ensure(c: number, id: number): number {
    const { n } = this;
    const s = this.slot(id);
    if (s === NONE) {
      if (n.cur(c) !== NONE) n.idle(c);
      return NONE;
    }
    if (n.cur(c) !== s) {
      if (!n.run(c, s)) return NONE;
      this.switchedIn(c, id, s);
    }
    return s;
  }

  /**
   * Task `id` now runs on c in slot s: it goes back to user mode if nothing in the trace will
   * say when (its syscalls are not traced), or if it left the CPU from user mode.
   */
  private switchedIn(c: number, id: number, s: number, line = -1): void {
    const { n } = this;
    if (this.resumeUser[s] && !this.infer[id] && this.scan.noReturn.has(line)) {
      // Switched out again (or killed) before it reached user space: it returns later.
      this.pendingReturn[s] = 1;
      this.resumeUser[s] = 0;
      return;
    }
    if ((this.infer[id] || this.resumeUser[s]) && n.pos[s] !== Pos.USER && n.pos[s] !== Pos.GUEST) {
      if (n.toUser(c)) this.inferred.userReturns++;
    }
    this.resumeUser[s] = 0;
  }

  /**
   * Task `id`, current on c, is switched out with prev_state `state`. A task in user mode ends
   * its user slice; one whose syscalls are not traced and that did not stay runnable blocked,
   * which in user mode means a syscall.
   */
  private switchOut(c: number, id: number, state: string): void {
    const { n } = this;
    const s = n.cur(c);
    if (s === NONE || id < 0 || this.slotOf[id] !== s) return;
    const inUser = n.pos[s] === Pos.USER;
    this.resumeUser[s] = inUser || this.pendingReturn[s] ? 1 : 0;
    this.pendingReturn[s] = 0;
    if (!inUser) return;
    this.sliceEnd(c, id, false);
    if (!this.infer[id]) return;
    if (runnableState(state)) this.inferred.preemptions++;
    else if (n.syscall(c)) this.inferred.blockingSyscalls++;
  }

  /**
   * The user slice of task `id`, current on c, ends: it writes its registers if it uses FP. A
   * syscall always ends a user slice (the task returns to user space first if the model has it
   * in the kernel); a switch ends one only if the task was in user mode.
   */
  private sliceEnd(c: number, id: number, syscall: boolean): void {
    const s = this.n.cur(c);
    if (s === NONE || id < 0 || this.slotOf[id] !== s) return;
    if (!syscall && this.n.pos[s] !== Pos.USER) return;
    this.userSlices++;
    if (this.userFp[id] === 2) this.n.userSve(c);
    else if (this.userFp[id] === 1) this.n.userFp(c);
    else return;
    this.fpSlices++;
  }

  private map(l: TraceLine): void {
    const { n } = this;
    const c = this.cpuOf.get(l.cpu)!;
    const { self, other } = visit(l, this.table);
    switch (l.kind) {
      case Ev.SWITCH: {
        this.switchOut(c, self, l.state());
        const s = this.slot(other);
        if (s === NONE) {
          if (n.cur(c) !== NONE) n.idle(c);
        } else if (n.cur(c) !== s && !n.run(c, s)) this.miss('switch to a task that has exited');
        else this.switchedIn(c, other, s, this.reader.line);
        break;
      }
      case Ev.WAKEUP:
      case Ev.MIGRATE:
        this.ensure(c, self);
        break;
      case Ev.FORK: {
        if (this.ensure(c, self) === NONE || !this.inc[other]!.user || this.inc[other]!.vcpu) break;
        const free = this.freeSlot();
        if (free === NONE || !n.fork(c, free)) {
          this.miss('fork with no slot free');
          break;
        }
        this.slotOf[other] = free;
        this.resumeUser[free] = 0;
        n.meta(free, this.label(l.str()));
        break;
      }
      case Ev.EXEC: {
        const s = this.ensure(c, self);
        if (s === NONE) break;
        if (this.inc[self]!.vcpu) n.vcpuExec(c);
        else n.exec(c);
        n.meta(s, this.label(basename(l.str())));
        break;
      }
      case Ev.EXIT: {
        const s = this.ensure(c, self);
        if (s === NONE) break;
        if (this.inc[self]!.vcpu) this.miss('vcpu thread exit');
        else n.exitHere(c);
        break;
      }
      case Ev.FREE: {
        this.ensure(c, self);
        const s = other >= 0 ? this.slotOf[other]! : NONE;
        if (s === NONE) break;
        if (n.state[s] === TaskState.ZOMBIE) {
          n.free(s);
          this.slotOf[other] = NONE;
        } else this.miss('free of a task that did not exit');
        break;
      }
      case Ev.KVM_ENTRY:
        if (this.ensure(c, self) !== NONE && this.inc[self]!.vcpu) n.guestEnter(c);
        break;
      case Ev.KVM_EXIT:
        if (this.ensure(c, self) === NONE || !this.inc[self]!.vcpu) break;
        if (this.guestFp[self] || l.num === EC_FP_ASIMD || l.num === EC_SVE) n.guestFp(c);
        n.guestExit(c);
        break;
      case Ev.SYS_ENTER: {
        const s = this.ensure(c, self);
        if (s === NONE) break;
        this.sliceEnd(c, self, true);
        if (l.num === NR_PTRACE && l.pid2 >= 0) this.ptraceTarget.set(self, l.pid2);
        else this.ptraceTarget.delete(self);
        if (l.num === NR_RT_SIGRETURN && n.inHandler[s]) n.sigreturn(c);
        else n.syscall(c);
        break;
      }
      case Ev.SYS_EXIT: {
        const s = this.ensure(c, self);
        if (s === NONE) break;
        // Preempted before its reload (scan.deferredReturn): it returns when switched back in.
        if (this.scan.deferredReturn.has(this.reader.line) && !this.inc[self]!.vcpu) this.pendingReturn[s] = 1;
        else if (!this.scan.signalAtReturn.has(this.reader.line)) n.toUser(c);
        break;
      }
      case Ev.SVE_TRAP: {
        // The kernel trapped the task's SVE instruction: it ran SVE code in this user slice
        // whatever --sve-use says (the driver retries the write after the trap if the variant
        // trapped too).
        if (this.ensure(c, self) === NONE) break;
        n.userSve(c);
        break;
      }
      case Ev.VL_REQ:
        this.vlOwn[c] = l.num;
        break;
      case Ev.SET_VL: {
        // prctl's request (vec_set_vector_length <-sve_set_current_vl, the line before on this
        // CPU) changes current's VL; a ptrace regset write's changes its stopped tracee's.
        if (this.vlOwn[c]) {
          if (this.ensure(c, self) !== NONE) n.setVl(c);
        } else this.traceeWrite(c, self, true);
        this.vlOwn[c] = 0;
        break;
      }
      case Ev.TRACEE_FLUSH:
        this.traceeWrite(c, self, false);
        break;
      case Ev.NEON: {
        if (l.num === 1) {
          n.softirqNeon(c);
          break;
        }
        if (this.ensure(c, self) !== NONE) n.kernelNeon(c);
        else this.miss('kernel-mode NEON outside a user task');
        break;
      }
      case Ev.SIGNAL: {
        if (this.ensure(c, self) === NONE) break;
        // sa_handler 0 (SIG_DFL) and 1 (SIG_IGN) run no handler: no frame, no FP effect.
        const handler = l.str();
        if (handler !== '0' && handler !== '1') n.signal(c);
        break;
      }
    }
  }

  /**
   * A regset write by tracer `id` on c flushed its tracee (parse.ts regsetWriteFlush, the rule
   * `fpctx conform` applies): the ptrace call's pid argument, if the replay has it as a user task
   * that is not running (stopped for the tracer).
   */
  private traceeWrite(c: number, id: number, vl: boolean): void {
    if (id < 0 || this.ensure(c, id) === NONE) return;
    const pid = this.ptraceTarget.get(id);
    if (pid === undefined) return;
    const target = this.table.peek(pid);
    const s = this.slot(target);
    if (s === NONE || target === id || this.n.onCpu[s] !== NONE || this.n.state[s] === TaskState.FREE) return;
    this.n.traceeWrite(s, c, vl);
    this.traceeWrites++;
  }

  private freeSlot(): number {
    for (let s = 0; s < this.n.slots; s++) if (this.n.state[s] === TaskState.FREE) return s;
    return NONE;
  }
}
