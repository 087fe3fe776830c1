/**
 * The lab's trace format, typed: what `fpctx conform` (issue 12) consumes.
 *
 * A lab trace is the text of /sys/kernel/tracing/trace recorded by lab/guest/init: the
 * `function` tracer limited to the context-management functions (config.ts FTRACE_FILTER) plus
 * trace events, with the global clock, the irq-info flags column, and trace_marker lines written
 * by the workloads. Two line shapes follow the common header
 *
 *   <comm>-<pid> [<cpu>] <flags> <seconds>: <event>: <fields>        a trace event
 *   <comm>-<pid> [<cpu>] <flags> <seconds>: <function> <-<caller>     a function call
 *
 * This module reads both into LabEvents, in file order (ftrace merges the per-CPU buffers by
 * timestamp, so file order is time order) and grouped per CPU. The fields of the events that
 * `fpctx replay` also reads (sched_switch, fork, exec, exit, free, migrate, sys_enter/exit,
 * kvm_exit, signal_deliver) are taken from src/cost/replay/parse.ts's TraceParser, so both
 * commands read those lines identically; the function-call shape, timestamps, flags and the
 * remaining events are read here. lab/README.md maps each kind to the model's events.
 *
 * Bad input is an InputError naming the file and line: exit status 2 in any command.
 */

import { InputError } from '../errors.js';
import { readTraceBytes } from '../cost/replay/lines.js';
import { argsOf, Ev, TraceParser } from '../cost/replay/parse.js';

/** Fields every line has. */
export interface LineHeader {
  /** 1-based line number in the trace file. */
  line: number;
  /** Trace clock (the guest's `global` clock) in nanoseconds; printed with microsecond precision. */
  ts: number;
  cpu: number;
  /** The task current on `cpu` when the line was recorded (0 = the idle task). */
  pid: number;
  comm: string;
  /** ftrace's irq-info column, e.g. "d...." (irqs off), "b...." (bottom halves off), "....." */
  flags: string;
}

/** A call of one traced kernel function, with the function that called it. */
export interface CallEvent extends LineHeader {
  kind: 'call';
  fn: string;
  caller: string;
}

export interface SwitchEvent extends LineHeader {
  kind: 'switch';
  prevPid: number;
  prevComm: string;
  /** prev_state: R (preempted, still runnable), S/D (blocked), ... */
  prevState: string;
  nextPid: number;
  nextComm: string;
}

/** sched_wakeup / sched_wakeup_new: `task` becomes runnable (targetCpu when printed). */
export interface WakeupEvent extends LineHeader {
  kind: 'wakeup';
  name: 'sched_wakeup' | 'sched_wakeup_new' | 'sched_waking';
  task: number;
  taskComm: string;
  targetCpu: number | null;
}

export interface ForkEvent extends LineHeader {
  kind: 'fork';
  child: number;
  childComm: string;
}

export interface ExecEvent extends LineHeader {
  kind: 'exec';
  task: number;
  filename: string;
}

/** sched_process_exit (the task is exiting) or sched_process_free (its task_struct is freed). */
export interface ProcessEvent extends LineHeader {
  kind: 'exit' | 'free';
  task: number;
  taskComm: string;
}

export interface MigrateEvent extends LineHeader {
  kind: 'migrate';
  task: number;
  taskComm: string;
  origCpu: number;
  destCpu: number;
}

export interface SyscallEvent extends LineHeader {
  kind: 'sys_enter' | 'sys_exit';
  nr: number;
  /** sys_exit only: the return value. */
  ret: number | null;
  /** sys_enter only: the six argument registers as printed (hex, no 0x), empty otherwise. */
  args: string[];
}

export interface SignalGenerateEvent extends LineHeader {
  kind: 'signal_generate';
  sig: number;
  /** The target task. */
  task: number;
  taskComm: string;
  /** 0 delivered, 1 ignored, 2 already pending, ... (the kernel's TRACE_SIGNAL_* codes). */
  result: number;
}

export interface SignalDeliverEvent extends LineHeader {
  kind: 'signal_deliver';
  sig: number;
  /** The handler address (hex, as printed). */
  handler: string;
}

export interface KvmEntryEvent extends LineHeader {
  kind: 'kvm_entry';
  /** Guest PC (hex). */
  pc: string;
}

export interface KvmExitEvent extends LineHeader {
  kind: 'kvm_exit';
  /** "TRAP", "IRQ", ... as printed before the colon. */
  reason: string;
  /** ESR_EL2.EC of a trap (e.g. 0x24 DABT_LOW), -1 when not printed. */
  ec: number;
  pc: string;
}

export interface KvmUserspaceExitEvent extends LineHeader {
  kind: 'kvm_userspace_exit';
  reason: string;
}

/**
 * A line a workload wrote to trace_marker: "fplab <workload> <role> <action> <n> [rest...]".
 * Markers are how the lab sees what ftrace cannot: user-mode FP/SVE writes (fp_write,
 * sve_write), the user-space check after them (fp_check ... ok|bad), the VMM's KVM_RUN calls
 * (kvm_run), migrations asked for (migrate), ptrace requests. Other marker text keeps role null.
 */
export interface MarkerEvent extends LineHeader {
  kind: 'marker';
  text: string;
  workload: string | null;
  role: string | null;
  action: string | null;
  n: number | null;
  rest: string[];
}

/** Any other trace event, with its fields as printed. */
export interface OtherEvent extends LineHeader {
  kind: 'other';
  name: string;
  fields: string;
}

export type LabEvent =
  | CallEvent
  | SwitchEvent
  | WakeupEvent
  | ForkEvent
  | ExecEvent
  | ProcessEvent
  | MigrateEvent
  | SyscallEvent
  | SignalGenerateEvent
  | SignalDeliverEvent
  | KvmEntryEvent
  | KvmExitEvent
  | KvmUserspaceExitEvent
  | MarkerEvent
  | OtherEvent;
export type LabEventKind = LabEvent['kind'];

export interface CpuTrace {
  cpu: number;
  /** This CPU's lines in time order. */
  events: LabEvent[];
  /** Only the function calls, in time order (a view of `events`). */
  calls: CallEvent[];
}

export interface LabTrace {
  file: string;
  /** `# tracer: <name>` from the header, or null. */
  tracer: string | null;
  /** entries-in-buffer/entries-written from the header (they differ when events were dropped). */
  entriesInBuffer: number | null;
  entriesWritten: number | null;
  /** Every line that is an event or a call, in file (= time) order. */
  events: LabEvent[];
  /** Per CPU, ascending by CPU number. */
  cpus: CpuTrace[];
  /** Ring-buffer overrun notes ("CPU:1 [LOST 120 EVENTS]"): a trace with any is incomplete. */
  lost: { cpu: number; count: number; line: number }[];
}

// The header, with the timestamp and flags captured (the replay's HEADER does not keep them).
const HEAD = /^\s*(.*?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:(\S+)\s+)?(\d+)(?:\.(\d+))?:\s+(.*)$/;
const CALL = /^([\w.$]+) <-([\w.$]+(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?)\s*$/;
const EVENT = /^(?:\w+:)?(\w+):(?:\s+(.*))?$/;
const LOST = /^CPU:\s*(\d+) \[LOST (\d+) EVENTS\]\s*$/;
const NOT_EVENT = /^(?:\s*$|#|CPU \d+ is empty\s*$|##### CPU \d+ buffer started ####\s*$)/;
const SYS_EXIT_RET = /^NR -?\d+ = (-?\d+)\s*$/;
const WAKEUP_CPU = /target_cpu=(\d+)/;
const SIG_GEN = /^sig=(\d+) errno=-?\d+ code=-?\d+ comm=(.*) pid=(\d+) grp=\d+ res=(\d+)\s*$/;
const KVM_ENTRY = /PC: (0x[0-9a-fA-F]+)/;
const KVM_EXIT = /^(\w+): (?:HSR_EC: 0x([0-9a-fA-F]+) \([^)]*\), )?PC: (0x[0-9a-fA-F]+)\s*$/;
const KVM_USER = /^reason (\S+)/;

/** Parses the text of a lab trace. */
export function parseLabTrace(text: string, file: string): LabTrace {
  const replay = new TraceParser(file, false);
  const trace: LabTrace = { file, tracer: null, entriesInBuffer: null, entriesWritten: null, events: [], cpus: [], lost: [] };
  const perCpu = new Map<number, CpuTrace>();
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const no = i + 1;
    if (raw.startsWith('#')) {
      const t = /^# tracer: (\S+)/.exec(raw);
      if (t) trace.tracer = t[1]!;
      const e = /entries-in-buffer\/entries-written: (\d+)\/(\d+)/.exec(raw);
      if (e) {
        trace.entriesInBuffer = Number(e[1]);
        trace.entriesWritten = Number(e[2]);
      }
      continue;
    }
    const lost = LOST.exec(raw);
    if (lost) {
      trace.lost.push({ cpu: Number(lost[1]), count: Number(lost[2]), line: no });
      continue;
    }
    if (NOT_EVENT.test(raw)) continue;
    const m = HEAD.exec(raw);
    if (!m) throw new InputError(`not an ftrace line: '${clip(raw)}'`, file, no, undefined, 'FPC403');
    const frac = (m[6] ?? '').padEnd(9, '0').slice(0, 9);
    const h: LineHeader = {
      line: no,
      ts: Number(m[5]) * 1e9 + Number(frac),
      cpu: Number(m[3]),
      pid: Number(m[2]),
      comm: m[1]!,
      flags: m[4] ?? '',
    };
    const rest = m[7]!;
    const call = CALL.exec(rest);
    let ev: LabEvent;
    if (call) ev = { ...h, kind: 'call', fn: call[1]!, caller: call[2]! };
    else {
      const em = EVENT.exec(rest);
      if (!em) throw new InputError(`neither an event nor a function call: '${clip(rest)}'`, file, no, undefined, 'FPC403');
      ev = event(h, em[1]!, em[2] ?? '', raw, replay, file);
    }
    trace.events.push(ev);
    let c = perCpu.get(ev.cpu);
    if (!c) perCpu.set(ev.cpu, (c = { cpu: ev.cpu, events: [], calls: [] }));
    c.events.push(ev);
    if (ev.kind === 'call') c.calls.push(ev);
  }
  trace.cpus = [...perCpu.values()].sort((a, b) => a.cpu - b.cpu);
  return trace;
}

/**
 * Reads a lab trace file: text, or gzip (the committed `.trace.gz` fixtures), told apart by the
 * same rule as `fpctx replay` (src/cost/replay/lines.ts: gzip's magic bytes, not the name).
 */
export function readLabTrace(file: string): LabTrace {
  return parseLabTrace(readTraceBytes(file).toString('utf8'), file);
}

function event(h: LineHeader, name: string, fields: string, raw: string, replay: TraceParser, file: string): LabEvent {
  const bad = (): never => {
    throw new InputError(`cannot parse the fields '${clip(fields)}'`, file, h.line, name, 'FPC403');
  };
  // The replay's parser reads the events it knows (same spelling, same checks).
  const known = () => replay.parseText(raw, h.line);
  switch (name) {
    case 'sched_switch': {
      const l = known();
      if (l.kind !== Ev.SWITCH) bad();
      const prev = /prev_comm=(.*) prev_pid=/.exec(fields);
      return {
        ...h,
        kind: 'switch',
        prevPid: l.pid,
        prevComm: prev ? prev[1]! : '',
        prevState: l.state(),
        nextPid: l.pid2,
        nextComm: l.str(),
      };
    }
    case 'sched_wakeup':
    case 'sched_wakeup_new':
    case 'sched_waking': {
      const l = known();
      const cpu = WAKEUP_CPU.exec(fields);
      return { ...h, kind: 'wakeup', name, task: l.pid2, taskComm: l.str(), targetCpu: cpu ? Number(cpu[1]) : null };
    }
    case 'sched_process_fork': {
      const l = known();
      return { ...h, kind: 'fork', child: l.pid2, childComm: l.str() };
    }
    case 'sched_process_exec': {
      const l = known();
      return { ...h, kind: 'exec', task: l.pid2, filename: l.str() };
    }
    case 'sched_process_exit':
    case 'sched_process_free': {
      const l = known();
      return { ...h, kind: name === 'sched_process_exit' ? 'exit' : 'free', task: l.pid2, taskComm: l.str() };
    }
    case 'sched_migrate_task': {
      const l = known();
      const o = /orig_cpu=(\d+)/.exec(fields) ?? bad();
      return { ...h, kind: 'migrate', task: l.pid2, taskComm: l.str(), origCpu: Number(o[1]), destCpu: l.num };
    }
    case 'sys_enter':
    case 'sys_exit': {
      const l = known();
      const ret = name === 'sys_exit' ? SYS_EXIT_RET.exec(fields) : null;
      return { ...h, kind: name, nr: l.num, ret: ret ? Number(ret[1]) : null, args: name === 'sys_enter' ? argsOf(fields) : [] };
    }
    case 'signal_generate': {
      const s = SIG_GEN.exec(fields) ?? bad();
      return { ...h, kind: 'signal_generate', sig: Number(s[1]), taskComm: s[2]!, task: Number(s[3]), result: Number(s[4]) };
    }
    case 'signal_deliver': {
      const l = known();
      return { ...h, kind: 'signal_deliver', sig: l.num, handler: l.str() };
    }
    case 'kvm_entry': {
      const s = KVM_ENTRY.exec(fields) ?? bad();
      return { ...h, kind: 'kvm_entry', pc: s[1]! };
    }
    case 'kvm_exit': {
      const s = KVM_EXIT.exec(fields) ?? bad();
      return { ...h, kind: 'kvm_exit', reason: s[1]!, ec: s[2] ? parseInt(s[2], 16) : -1, pc: s[3]! };
    }
    case 'kvm_userspace_exit': {
      const s = KVM_USER.exec(fields) ?? bad();
      return { ...h, kind: 'kvm_userspace_exit', reason: s[1]! };
    }
    case 'tracing_mark_write':
    case 'print':
      return marker(h, fields);
    default:
      return { ...h, kind: 'other', name, fields };
  }
}

function marker(h: LineHeader, text: string): MarkerEvent {
  const w = text.trim().split(/\s+/);
  if (w[0] === 'fplab' && w.length >= 4) {
    const n = w[4] !== undefined && /^\d+$/.test(w[4]) ? Number(w[4]) : null;
    return { ...h, kind: 'marker', text, workload: w[1]!, role: w[2]!, action: w[3]!, n, rest: w.slice(n === null ? 4 : 5) };
  }
  return { ...h, kind: 'marker', text, workload: null, role: null, action: null, n: null, rest: [] };
}

/** Counts per kind, with function calls also counted per function (`call:<fn>`) and other
 * events per name (`other:<name>`); keys sorted, for manifests and reports. */
export function countEvents(t: LabTrace): Record<string, number> {
  const c = new Map<string, number>();
  const inc = (k: string): void => {
    c.set(k, (c.get(k) ?? 0) + 1);
  };
  for (const e of t.events) {
    inc(e.kind);
    if (e.kind === 'call') inc(`call:${e.fn}`);
    else if (e.kind === 'other') inc(`other:${e.name}`);
  }
  return Object.fromEntries([...c.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The pids of the tasks a workload's markers came from (its own tasks), by role. */
export function markerRoles(t: LabTrace, workload?: string): Map<string, Set<number>> {
  const r = new Map<string, Set<number>>();
  for (const e of t.events) {
    if (e.kind !== 'marker' || e.role === null || (workload && e.workload !== workload)) continue;
    let s = r.get(e.role);
    if (!s) r.set(e.role, (s = new Set()));
    s.add(e.pid);
  }
  return r;
}

function clip(s: string): string {
  return s.length > 70 ? `${s.slice(0, 67)}...` : s;
}
