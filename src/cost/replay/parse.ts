/**
 * Parsing ftrace text: the output of `trace-cmd report` and of /sys/kernel/tracing/trace.
 *
 * Both print one event per line:
 *
 *   <comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <timestamp>: <event>: <fields>
 *
 *     bash-1234    [001] d..2.  5678.901234: sched_switch: prev_comm=bash prev_pid=1234 ...   (ftrace)
 *     bash-1234  [001]  5678.901234: sched_switch:         bash:1234 [120] S ==> swapper/1:0 [120]  (trace-cmd)
 *
 * `comm` may contain spaces and dashes (the pid is the last `-<digits>` before the CPU); the
 * TGID column appears with the record-tgid option; the flags column (irqs-off, need-resched,
 * hardirq/softirq, preempt depth, migrate-disable) with ftrace's irq-info option and with
 * `trace-cmd report -l`. Fields follow each event's TP_printk format, except where trace-cmd's
 * sched plugin prints sched_switch and sched_wakeup its own way. Every shape is accepted for
 * the events the replay uses; other events are recognised by the header alone and counted.
 */

import { InputError } from '../../errors.js';

export const Ev = {
  SWITCH: 0,
  WAKEUP: 1,
  FORK: 2,
  EXEC: 3,
  EXIT: 4,
  FREE: 5,
  MIGRATE: 6,
  KVM_ENTRY: 7,
  KVM_EXIT: 8,
  SYS_ENTER: 9,
  SYS_EXIT: 10,
  SIGNAL: 11,
  /** An event line of a kind the replay does not use. */
  UNKNOWN: 12,
  /** Not an event: a comment, a header, an empty-CPU note. */
  OTHER: 13,
  /** A lost-events note (ring buffer overrun). */
  LOST: 14,
} as const;
export type EvKind = (typeof Ev)[keyof typeof Ev];

/** The events the replay uses, by name (trace-cmd and ftrace spell them alike). */
const KINDS: Record<string, EvKind> = {
  sched_switch: Ev.SWITCH,
  sched_wakeup: Ev.WAKEUP,
  sched_wakeup_new: Ev.WAKEUP,
  sched_waking: Ev.WAKEUP,
  sched_process_fork: Ev.FORK,
  sched_process_exec: Ev.EXEC,
  sched_process_exit: Ev.EXIT,
  sched_process_free: Ev.FREE,
  sched_migrate_task: Ev.MIGRATE,
  kvm_entry: Ev.KVM_ENTRY,
  kvm_exit: Ev.KVM_EXIT,
  sys_enter: Ev.SYS_ENTER,
  sys_exit: Ev.SYS_EXIT,
  signal_deliver: Ev.SIGNAL,
};

/** One parsed line; the parser reuses a single instance (read it before the next line). */
export class TraceLine {
  kind: EvKind = Ev.OTHER;
  /** Event name as printed (without a `system:` prefix). */
  name = '';
  /** Header: the task current on `cpu` when the event fired. */
  comm = '';
  pid = 0;
  cpu = 0;
  /** Payload, by kind:
   *  SWITCH: pid = prev pid, pid2 = next pid, str = next comm, state = prev_state
   *  WAKEUP, EXIT, FREE: pid2 = the task, str = its comm
   *  FORK: pid2 = child pid, str = child comm
   *  EXEC: pid2 = the task, str = filename
   *  MIGRATE: pid2 = the task, num = destination CPU
   *  KVM_EXIT: num = exception class (ESR EC) or -1 when not printed
   *  SYS_ENTER, SYS_EXIT: num = syscall number
   *  SIGNAL: num = signal, str = sa_handler (hex) */
  pid2 = 0;
  num = 0;
  str = '';
  state = '';
  /** LOST: number of events lost. */
  lost = 0;
}

/** The line format seen first: 'ftrace' (key=value fields) or 'trace-cmd' (plugin output). */
export type TraceFormat = 'ftrace' | 'trace-cmd' | 'unknown';

const HEADER = /^\s*(.*?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:(\S+)\s+)?(\d+(?:\.\d+)?):\s+(?:\w+:)?(\w+):(?:\s+|$)(.*)$/;

const SWITCH_FTRACE = /^prev_comm=(.*) prev_pid=(\d+) prev_prio=-?\d+ prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=-?\d+\s*$/;
const SWITCH_TRACECMD = /^(.*):(\d+) \[-?\d+\] (\S+) ==> (.*):(\d+) \[-?\d+\]\s*$/;
const WAKEUP_FTRACE = /^comm=(.*) pid=(\d+) prio=-?\d+(?: success=\d+)?(?: target_cpu=\d+)?\s*$/;
const WAKEUP_TRACECMD = /^(.*):(\d+) \[-?\d+\](?: success=\d+)?(?: CPU:\d+)?\s*$/;
const FORK = /^comm=(.*) pid=(\d+) child_comm=(.*) child_pid=(\d+)\s*$/;
const EXEC = /^filename=(.*) pid=(\d+) old_pid=(\d+)\s*$/;
const PROCESS = /^comm=(.*) pid=(\d+) prio=-?\d+(?: \w+=\S+)*\s*$/;
const MIGRATE = /^comm=(.*) pid=(\d+) prio=-?\d+ orig_cpu=(\d+) dest_cpu=(\d+)\s*$/;
const KVM_EXIT_EC = /HSR_EC: 0x([0-9a-fA-F]+)/;
const SYS_ENTER = /^NR (-?\d+) \(/;
const SYS_EXIT = /^NR (-?\d+) = -?\d+\s*$/;
const SIGNAL = /^sig=(\d+) errno=-?\d+ code=-?\d+ sa_handler=([0-9a-fA-F]+) sa_flags=[0-9a-fA-F]+\s*$/;

const LOST = /^CPU:\s*\d+ \[LOST (\d+) EVENTS\]\s*$/;
/** Non-event lines both tools print: headers, notes. */
const NOT_EVENT = /^(?:\s*$|#|cpus=\d+\s*$|version = \d+\s*$|CPU \d+ is empty\s*$|##### CPU \d+ buffer started ####\s*$|\s*<\.\.\.>-\d+\s*$)/;

export class TraceParser {
  readonly line = new TraceLine();
  format: TraceFormat = 'unknown';

  constructor(readonly file: string) {}

  /** Parses `text` (line number `lineNo`) into `this.line`; throws InputError on malformed input. */
  parse(text: string, lineNo: number): TraceLine {
    const l = this.line;
    const m = HEADER.exec(text);
    if (!m) {
      const lost = LOST.exec(text);
      if (lost) {
        l.kind = Ev.LOST;
        l.lost = Number(lost[1]);
        return l;
      }
      if (NOT_EVENT.test(text)) {
        l.kind = Ev.OTHER;
        return l;
      }
      throw new InputError(`not an ftrace event line: '${clip(text)}'`, this.file, lineNo);
    }
    l.comm = m[1]!;
    l.pid = Number(m[2]);
    l.cpu = Number(m[3]);
    l.name = m[6]!;
    const kind = KINDS[l.name];
    if (kind === undefined) {
      l.kind = Ev.UNKNOWN;
      return l;
    }
    l.kind = kind;
    const f = m[7]!;
    const bad = (): never => {
      throw new InputError(`cannot parse the fields '${clip(f)}'`, this.file, lineNo, l.name);
    };
    switch (kind) {
      case Ev.SWITCH: {
        let s = SWITCH_FTRACE.exec(f);
        if (s) {
          this.seen('ftrace');
          l.pid = Number(s[2]);
          l.state = s[3]!;
          l.str = s[4]!;
          l.pid2 = Number(s[5]);
        } else if ((s = SWITCH_TRACECMD.exec(f))) {
          this.seen('trace-cmd');
          l.pid = Number(s[2]);
          l.state = s[3]!;
          l.str = s[4]!;
          l.pid2 = Number(s[5]);
        } else bad();
        break;
      }
      case Ev.WAKEUP: {
        let s = WAKEUP_FTRACE.exec(f);
        if (s) this.seen('ftrace');
        else if ((s = WAKEUP_TRACECMD.exec(f))) this.seen('trace-cmd');
        else bad();
        l.str = s![1]!;
        l.pid2 = Number(s![2]);
        break;
      }
      case Ev.FORK: {
        const s = FORK.exec(f) ?? bad();
        l.pid2 = Number(s[4]);
        l.str = s[3]!;
        break;
      }
      case Ev.EXEC: {
        const s = EXEC.exec(f) ?? bad();
        l.str = s[1]!;
        l.pid2 = Number(s[2]);
        break;
      }
      case Ev.EXIT:
      case Ev.FREE: {
        const s = PROCESS.exec(f) ?? bad();
        l.str = s[1]!;
        l.pid2 = Number(s[2]);
        break;
      }
      case Ev.MIGRATE: {
        const s = MIGRATE.exec(f) ?? bad();
        l.str = s[1]!;
        l.pid2 = Number(s[2]);
        l.num = Number(s[4]);
        break;
      }
      case Ev.KVM_ENTRY:
        break;
      case Ev.KVM_EXIT: {
        const s = KVM_EXIT_EC.exec(f);
        l.num = s ? parseInt(s[1]!, 16) : -1;
        break;
      }
      case Ev.SYS_ENTER: {
        const s = SYS_ENTER.exec(f) ?? bad();
        l.num = Number(s[1]);
        break;
      }
      case Ev.SYS_EXIT: {
        const s = SYS_EXIT.exec(f) ?? bad();
        l.num = Number(s[1]);
        break;
      }
      case Ev.SIGNAL: {
        const s = SIGNAL.exec(f) ?? bad();
        l.num = Number(s[1]);
        l.str = s[2]!;
        break;
      }
    }
    return l;
  }

  private seen(f: TraceFormat): void {
    if (this.format === 'unknown') this.format = f;
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
