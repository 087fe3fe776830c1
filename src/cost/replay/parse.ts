/**
 * Parsing ftrace text: the output of `trace-cmd report` and of /sys/kernel/tracing/trace.
 *
 * Both print one event per line:
 *
 *   <comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <timestamp>: [<system>:]<event>: <fields>
 *
 *     bash-1234    [001] d..2.  5678.901234: sched_switch: prev_comm=bash prev_pid=1234 ...   (ftrace)
 *     bash-1234  [001]  5678.901234: sched_switch:         bash:1234 [120] S ==> swapper/1:0 [120]  (trace-cmd)
 *
 * `comm` may contain spaces and dashes (the pid is the last `-<digits>` before the CPU); the
 * TGID column appears with the record-tgid option; the flags column (irqs-off, need-resched,
 * hardirq/softirq, preempt depth, migrate-disable) with ftrace's irq-info option and with
 * `trace-cmd report -l` (its preempt-depth digits are hex). Fields follow each event's TP_printk
 * format, except where trace-cmd's sched plugin prints sched_switch and sched_wakeup its own way
 * (libtraceevent's plugin_sched_switch.c: `comm:pid [prio] S ==> comm:pid [prio]`; trace-cmd 1.x's compact `pid:prio:S ==> pid:prio: comm` and
 * `pid:?:? +   pid:prio:? comm Success`), and except the syscall tracer's own lines
 * (kernel/trace/trace_syscalls.c, print_syscall_enter/exit: `sys_read(fd: 3, ...)` and
 * `sys_read -> 0x0`, which have no `event:` before them; trace-cmd prints the same events as
 * `sys_enter_read:` / `sys_exit_read:`). Every shape is accepted for the events the replay uses;
 * other events are recognised by the header alone and counted.
 *
 * A trace of another architecture's KVM (x86's `kvm_exit: vcpu 0 reason EPT_VIOLATION ...`,
 * `kvm_entry: vcpu 0, rip 0x...`, its `x86_fpu_*` or `kvm_msr`/`kvm_cr`/`kvm_pio` events) is
 * recognised: `TraceLine.foreign` names the evidence, and the replay refuses the trace.
 *
 * Speed: a 1 GB trace is ten million lines, read twice. The header and the frequent events
 * (sched_switch, sched_wakeup, sys_enter/exit, kvm_entry/exit) are parsed from the bytes, without
 * making strings; the regular expressions below are the specification, used for everything else
 * and whenever the byte-level path is not sure, so both paths accept exactly the same lines.
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
  /** A function-tracer line `do_sve_acc <-el0_sve_acc`: user code trapped on an SVE instruction. */
  SVE_TRAP: 15,
  /** A function-tracer line `kernel_neon_begin <-...`: num = 1 in softirq or hardirq context, else 0. */
  NEON: 16,
  /** A function-tracer line `fpsimd_flush_task_state <-vec_set_vector_length`: a VL change flushed the task. */
  SET_VL: 17,
  /** A function-tracer line `vec_set_vector_length <-caller`: num = 1 when the caller is prctl's (sve_set_current_vl), 0 for ptrace's. */
  VL_REQ: 18,
  /** A function-tracer line `fpsimd_restore_current_state <-do_notify_resume`: the task reloads its state on its way to user space. */
  RELOAD: 19,
  /**
   * A function-tracer line `fpsimd_flush_task_state <-fpr_set` or `<-sve_set`: a ptrace regset
   * write flushed its tracee (see regsetWriteFlush).
   */
  TRACEE_FLUSH: 20,
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
const KNOWN = Object.entries(KINDS).map(([name, kind]) => ({ name, kind, bytes: Buffer.from(name, 'latin1') }));

/** The rt_sigreturn syscall number on arm64 (include/uapi/asm-generic/unistd.h, __NR_rt_sigreturn). */
export const NR_RT_SIGRETURN = 139;
/** arm64's ptrace syscall number (include/uapi/asm-generic/unistd.h). */
export const NR_PTRACE = 117;

/**
 * Whether a traced call `fpsimd_flush_task_state <-caller` is a ptrace regset write flushing its
 * tracee, when it is made inside the tracer's `ptrace()` call: fpr_set() (NT_PRFPREG) and
 * sve_set_common() (NT_ARM_SVE, which the trace shows inlined into sve_set()) flush the target
 * before they change its state (6.12.118 arch/arm64/kernel/ptrace.c:686-700, 925-1058; 6.1.192
 * :691-705, 898-1036), and a write that changes the VL does it in vec_set_vector_length(). One
 * rule for `fpctx conform` and `fpctx replay`: the tracee (the ptrace call's pid argument) is
 * flushed, so its next return to user space reloads.
 */
export function regsetWriteFlush(caller: string): boolean {
  return caller === 'fpr_set' || caller === 'sve_set' || caller === 'vec_set_vector_length';
}

/** The pid argument of a ptrace sys_enter from its printed arguments (hex, no 0x), or -1. */
export function ptracePid(args: readonly string[]): number {
  const a = args[1];
  if (a === undefined || !/^[0-9a-f]+$/i.test(a)) return -1;
  return Number.parseInt(a, 16);
}

/**
 * The kind of an event name: the table above, or one syscall's own event (`sys_enter_read`,
 * `sys_exit_read`: the syscalls/ system, one event per syscall).
 */
function kindOf(name: string): EvKind {
  const k = KINDS[name];
  if (k !== undefined) return k;
  if (name.startsWith('sys_enter_')) return Ev.SYS_ENTER;
  if (name.startsWith('sys_exit_')) return Ev.SYS_EXIT;
  return Ev.UNKNOWN;
}

/** The syscall number the replay needs from a per-syscall event name: rt_sigreturn's, else -1. */
function nrOfName(syscall: string): number {
  return syscall === 'rt_sigreturn' ? NR_RT_SIGRETURN : -1;
}

/** Event names only x86's KVM and FPU code define (arch/x86/kvm/trace.h, arch/x86/include/asm/trace/fpu.h). */
const X86_EVENT =
  /^(?:x86_fpu_\w+|kvm_(?:fpu|msr|cr|pio|cpuid|apic\w*|inj_virq|inj_exception|nested_\w+|emulate_insn|pv_eoi|vmexit_inject|ple_window_update|hypercall|pic_set_irq|ioapic_set_irq))$/;

/** Why an event line shows another architecture's trace, or '' (see TraceLine.foreign). */
export function foreignEvidence(name: string): string {
  return X86_EVENT.test(name) ? `the event ${name} exists only on x86` : '';
}

/**
 * Kernel threads by name: they own no user FP state. One list for `fpctx replay` and `fpctx
 * conform` (the rest of a trace's tasks are told apart by what they do: syscalls, signals, KVM
 * runs, exec, EL0 traps). Kernel thread names are set by the kernel (kthread_create's format
 * strings); a user task could take one with prctl(PR_SET_NAME), which no trace here does.
 */
export const KTHREAD =
  /^(?:swapper|kthreadd|kworker\/|ksoftirqd\/|migration\/|rcu|cpuhp\/|idle_inject\/|watchdog|irq\/|kcompactd|kswapd|khugepaged|kauditd|khungtaskd|oom_reaper|writeback|kblockd|kintegrityd|kdevtmpfs|jbd2\/|ext4-|scsi_|card\d|kthrotld|ksmd|kvm-|vhost-|netns|mm_percpu_wq|inet_frag_wq|ipv6_addrconf|zswap|blkcg_punt_bio|tpm_dev_wq|xfs|md|edac-poller|devfreq_wq|watchdogd|hwrng|psimon|pr\/)/;

/**
 * Whether a task switched out with this prev_state was still runnable (preempted) rather than
 * blocked: ftrace prints `R` or `R+` (preempted), a letter or letters for sleeping states; older
 * kernels and tools print the number (TASK_RUNNING is 0, the sleeping states are the low eight
 * bits; the preempted mark TASK_REPORT_MAX / TASK_STATE_MAX lies above them).
 */
export function runnableState(state: string): boolean {
  if (/^(?:\d+|0x[0-9a-fA-F]+)$/.test(state)) return (Number(state) & 0xff) === 0;
  return state.startsWith('R');
}

/** One parsed line; the parser reuses a single instance (read it before the next line). */
export class TraceLine {
  kind: EvKind = Ev.OTHER;
  /** Event name as printed (without a `system:` prefix). */
  name = '';
  /** Header: the task current on `cpu` when the event fired. */
  pid = 0;
  cpu = 0;
  /** Payload, by kind:
   *  SWITCH: pid = prev pid, pid2 = next pid, str() = next comm, state() = prev_state
   *  WAKEUP, EXIT, FREE: pid2 = the task, str() = its comm
   *  FORK: pid2 = child pid, str() = child comm
   *  EXEC: pid2 = the task, str() = filename
   *  MIGRATE: pid2 = the task, num = destination CPU
   *  KVM_EXIT: num = exception class (ESR EC) or -1 when not printed
   *  SYS_ENTER, SYS_EXIT: num = syscall number; SYS_ENTER of ptrace: pid2 = its pid argument (-1 if unreadable)
   *  SIGNAL: num = signal, str() = sa_handler (hex) */
  pid2 = 0;
  num = 0;
  /** LOST: number of events lost. */
  lost = 0;
  /** KVM_ENTRY, KVM_EXIT: why the line is another architecture's ('' if it is arm64's or cannot tell). */
  foreign = '';

  /** Strings are decoded from byte ranges of `buf` on demand, or were set directly (s* = -1). */
  buf: Buffer = Buffer.alloc(0);
  commS = 0;
  commE = 0;
  strS = 0;
  strE = 0;
  stateS = 0;
  stateE = 0;
  commText = '';
  strText = '';
  stateText = '';

  /** The header's comm. */
  comm(): string {
    return this.commS < 0 ? this.commText : this.buf.toString('utf8', this.commS, this.commE);
  }
  str(): string {
    return this.strS < 0 ? this.strText : this.buf.toString('utf8', this.strS, this.strE);
  }
  state(): string {
    return this.stateS < 0 ? this.stateText : this.buf.toString('latin1', this.stateS, this.stateE);
  }

  setComm(s: string): void {
    this.commS = -1;
    this.commText = s;
  }
  setStr(s: string): void {
    this.strS = -1;
    this.strText = s;
  }
  setState(s: string): void {
    this.stateS = -1;
    this.stateText = s;
  }
}

/** The line format seen first: 'ftrace' (key=value fields) or 'trace-cmd' (plugin output). */
export type TraceFormat = 'ftrace' | 'trace-cmd' | 'unknown';

// The specification of every shape, as regular expressions.
const HEADER = /^\s*(.*?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:(\S+)\s+)?(\d+(?:\.\d+)?):\s+(?:\w+:)?(\w+):(?:\s+|$)(.*)$/;
const SWITCH_FTRACE =
  /^prev_comm=(.*) prev_pid=(\d+) prev_prio=-?\d+ prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=-?\d+\s*$/;
const SWITCH_TRACECMD = /^(.*):(\d+) \[-?\d+\] (\S+) ==> (.*):(\d+) \[-?\d+\]\s*$/;
/** trace-cmd 1.x's compact plugin: prev_pid:prev_prio:state ==> next_pid:next_prio: next_comm. */
const SWITCH_COMPACT = /^(\d+):-?\d+:(\S+) ==> (\d+):-?\d+: (.*?)\s*$/;
const WAKEUP_FTRACE = /^comm=(.*) pid=(\d+) prio=-?\d+(?: success=\d+)?(?: target_cpu=\d+)?\s*$/;
const WAKEUP_TRACECMD = /^(.*):(\d+) \[-?\d+\](?: success=\d+)?(?: CPU:\d+)?\s*$/;
/** trace-cmd 1.x's compact plugin: waker_pid:prio:state +   pid:prio:state comm [Success|Failed]. */
const WAKEUP_COMPACT = /^\d+:(?:-?\d+|\?):\S+ \+ +(\d+):-?\d+:\S+ (.*?)(?: Success| Failed)?\s*$/;
const FORK = /^comm=(.*) pid=(\d+) child_comm=(.*) child_pid=(\d+)\s*$/;
const EXEC = /^filename=(.*) pid=(\d+) old_pid=(\d+)\s*$/;
const PROCESS = /^comm=(.*) pid=(\d+) prio=-?\d+(?: \w+=\S+)*\s*$/;
const MIGRATE = /^comm=(.*) pid=(\d+) prio=-?\d+ orig_cpu=(\d+) dest_cpu=(\d+)\s*$/;
const KVM_EXIT_EC = /HSR_EC: 0x([0-9a-fA-F]+)/;
/** x86's kvm_exit ("[vcpu %u ]reason %s rip 0x%lx ...") and kvm_entry ("vcpu %u, rip 0x%lx"). */
const X86_KVM = /(?:^|\s)reason [\w ]+? rip 0x|^vcpu \d+, rip 0x/;
const SYS_ENTER = /^NR (-?\d+) \(/;
const SYS_ENTER_ARGS = /^NR -?\d+ \(([^)]*)\)/;

/** A sys_enter line's printed arguments (`NR 117 (7, a4, 0, ...)`: hex without 0x). */
export function argsOf(fields: string): string[] {
  const m = SYS_ENTER_ARGS.exec(fields);
  return m ? m[1]!.split(/,\s*/) : [];
}
const SYS_EXIT = /^NR (-?\d+) = -?\d+\s*$/;
const SIGNAL = /^sig=(\d+) errno=-?\d+ code=-?\d+ sa_handler=([0-9a-fA-F]+) sa_flags=[0-9a-fA-F]+\s*$/;
const LOST = /^CPU:\s*\d+ \[LOST (\d+) EVENTS\]\s*$/;
/**
 * The syscall tracer's own lines: the header, then `sys_<name>(<args>)` or `sys_<name> -> 0x<ret>`
 * in place of `event: fields` (print_syscall_enter/exit print no event name).
 */
const SYSCALL_TRACER =
  /^\s*(.*?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:(\S+)\s+)?(\d+(?:\.\d+)?):\s+sys_(\w+)(?:\(.*\)| -> (?:0x[0-9a-fA-F]+|-?\d+))\s*$/;
/**
 * The function tracer's lines (`func <-caller` in place of `event: fields`), as the real-kernel lab
 * records them beside the events: kernel calls, not events. Replay derives the calls from the
 * events, so it reads these as nothing (`fpctx conform` is what compares them), except the two
 * that are the trace's only record of an event the model has (as `fpctx conform` reads them
 * too, src/conform/engine.ts): `do_sve_acc <-el0_sve_acc` (an EL0 SVE access trap: the task ran
 * SVE code) and `kernel_neon_begin` (a kernel-mode NEON section, in a task or in softirq or
 * hardirq context by the flags column); and `fpsimd_flush_task_state <-vec_set_vector_length`,
 * the record that a vector-length request changed the live VL (conform infers it the same way).
 */
const FUNCTION_TRACER = /^\s*(.*?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:(\S+)\s+)?(\d+(?:\.\d+)?):\s+([\w.$]+) <-([\w.$]+)\s*$/;
/** Non-event lines both tools print: headers, notes. */
const NOT_EVENT = /^(?:\s*$|#|cpus=\d+\s*$|version = \d+\s*$|CPU \d+ is empty\s*$|##### CPU \d+ buffer started ####\s*$)/;

const SP = 32;

export class TraceParser {
  readonly line = new TraceLine();
  format: TraceFormat = 'unknown';

  /** @param fast use the byte-level paths (false: the regular expressions only; tests compare both) */
  constructor(
    readonly file: string,
    private readonly fast = true,
  ) {}

  /** Parses `text` (tests, small inputs). */
  parseText(text: string, lineNo: number): TraceLine {
    const b = Buffer.from(text, 'utf8');
    return this.parse(b, 0, b.length, lineNo);
  }

  /** Parses buf[start, end) (line number `lineNo`) into `this.line`; throws InputError on malformed input. */
  parse(buf: Buffer, start: number, end: number, lineNo: number): TraceLine {
    const l = this.line;
    l.buf = buf;
    let f = this.fast ? this.header(buf, start, end) : -1;
    let fields: string | null = null;
    if (f < 0) {
      // Not the common shape: the regular expression decides.
      const text = buf.toString('utf8', start, end);
      const m = HEADER.exec(text);
      if (!m) {
        const sys = SYSCALL_TRACER.exec(text);
        if (sys) {
          l.setComm(sys[1]!);
          l.pid = Number(sys[2]);
          l.cpu = Number(sys[3]);
          const exit = sys[0].includes(' -> ');
          l.kind = exit ? Ev.SYS_EXIT : Ev.SYS_ENTER;
          l.name = exit ? 'sys_exit' : 'sys_enter';
          l.num = nrOfName(sys[6]!);
          return l;
        }
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
        const fn = FUNCTION_TRACER.exec(text);
        if (fn) {
          const trap = fn[6] === 'do_sve_acc' && fn[7] === 'el0_sve_acc';
          const neon = fn[6] === 'kernel_neon_begin';
          const vl = fn[6] === 'fpsimd_flush_task_state' && fn[7] === 'vec_set_vector_length';
          const req = fn[6] === 'vec_set_vector_length';
          const reload = fn[6] === 'fpsimd_restore_current_state' && fn[7] === 'do_notify_resume';
          const tracee = fn[6] === 'fpsimd_flush_task_state' && !vl && regsetWriteFlush(fn[7] ?? '');
          l.kind = trap
            ? Ev.SVE_TRAP
            : neon
              ? Ev.NEON
              : vl
                ? Ev.SET_VL
                : req
                  ? Ev.VL_REQ
                  : reload
                    ? Ev.RELOAD
                    : tracee
                      ? Ev.TRACEE_FLUSH
                      : Ev.OTHER;
          if (l.kind === Ev.OTHER) return l;
          l.setComm(fn[1]!);
          l.pid = Number(fn[2]);
          l.cpu = Number(fn[3]);
          l.name = fn[6]!;
          l.num = neon ? (/[sh]/.test(fn[4] ?? '') ? 1 : 0) : req ? (fn[7] === 'sve_set_current_vl' ? 1 : 0) : 0;
          l.foreign = '';
          return l;
        }
        throw new InputError(`not an ftrace event line: '${clip(text)}'`, this.file, lineNo);
      }
      l.setComm(m[1]!);
      l.pid = Number(m[2]);
      l.cpu = Number(m[3]);
      l.name = m[6]!;
      l.kind = kindOf(l.name);
      fields = m[7]!;
      f = end;
    }
    if (l.kind === Ev.UNKNOWN) return l;
    if ((l.kind === Ev.SYS_ENTER || l.kind === Ev.SYS_EXIT) && l.name !== 'sys_enter' && l.name !== 'sys_exit') {
      // One syscall's own event: its name says which; its fields (the arguments, the return) are not needed.
      l.num = nrOfName(l.name.slice(l.kind === Ev.SYS_ENTER ? 10 : 9));
      return l;
    }
    l.foreign = '';
    switch (l.kind) {
      case Ev.SWITCH:
        if (fields === null && this.switchBytes(buf, f, end)) return l;
        break;
      case Ev.WAKEUP:
        if (fields === null && this.wakeupBytes(buf, f, end)) return l;
        break;
      case Ev.KVM_ENTRY:
        if (startsWith(buf, f, end, VCPU_SP)) this.x86(fields ?? buf.toString('latin1', f, end));
        return l;
      case Ev.KVM_EXIT:
        l.num = fields === null ? ecBytes(buf, f, end) : ecOf(fields);
        if (l.num < 0) this.x86(fields ?? buf.toString('latin1', f, end));
        return l;
      case Ev.SYS_ENTER:
      case Ev.SYS_EXIT:
        if (fields === null && this.syscallBytes(buf, f, end, l.kind === Ev.SYS_EXIT)) {
          if (l.kind === Ev.SYS_ENTER && l.num === NR_PTRACE) l.pid2 = ptracePid(argsOf(buf.toString('latin1', f, end)));
          return l;
        }
        break;
    }
    this.fields(fields ?? buf.toString('utf8', f, end), lineNo);
    return l;
  }

  /** The fields of `this.line.kind` by the regular expressions. */
  private fields(f: string, lineNo: number): void {
    const l = this.line;
    const bad = (): never => {
      throw new InputError(`cannot parse the fields '${clip(f)}'`, this.file, lineNo, l.name);
    };
    switch (l.kind) {
      case Ev.SWITCH: {
        let s = SWITCH_FTRACE.exec(f);
        if (s) this.seen('ftrace');
        else if ((s = SWITCH_COMPACT.exec(f))) {
          this.seen('trace-cmd');
          l.pid = Number(s[1]);
          l.setState(s[2]!);
          l.pid2 = Number(s[3]);
          l.setStr(s[4]!);
          break;
        } else if ((s = SWITCH_TRACECMD.exec(f))) this.seen('trace-cmd');
        else bad();
        l.pid = Number(s![2]);
        l.setState(s![3]!);
        l.setStr(s![4]!);
        l.pid2 = Number(s![5]);
        break;
      }
      case Ev.WAKEUP: {
        let s = WAKEUP_FTRACE.exec(f);
        if (s) this.seen('ftrace');
        else if ((s = WAKEUP_COMPACT.exec(f))) {
          this.seen('trace-cmd');
          l.pid2 = Number(s[1]);
          l.setStr(s[2]!);
          break;
        } else if ((s = WAKEUP_TRACECMD.exec(f))) this.seen('trace-cmd');
        else bad();
        l.setStr(s![1]!);
        l.pid2 = Number(s![2]);
        break;
      }
      case Ev.FORK: {
        const s = FORK.exec(f) ?? bad();
        l.pid2 = Number(s[4]);
        l.setStr(s[3]!);
        break;
      }
      case Ev.EXEC: {
        const s = EXEC.exec(f) ?? bad();
        l.setStr(s[1]!);
        l.pid2 = Number(s[2]);
        break;
      }
      case Ev.EXIT:
      case Ev.FREE: {
        const s = PROCESS.exec(f) ?? bad();
        l.setStr(s[1]!);
        l.pid2 = Number(s[2]);
        break;
      }
      case Ev.MIGRATE: {
        const s = MIGRATE.exec(f) ?? bad();
        l.setStr(s[1]!);
        l.pid2 = Number(s[2]);
        l.num = Number(s[4]);
        break;
      }
      case Ev.SYS_ENTER: {
        const s = SYS_ENTER.exec(f) ?? bad();
        l.num = Number(s[1]);
        if (l.num === NR_PTRACE) l.pid2 = ptracePid(argsOf(f));
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
        l.setStr(s[2]!);
        break;
      }
    }
  }

  /** Marks a KVM line that only x86 prints (see X86_KVM). */
  private x86(fields: string): void {
    const m = X86_KVM.exec(fields);
    if (m) this.line.foreign = `'${clip(fields)}' is x86's format (arm64's names an ESR class and a PC)`;
  }

  private seen(f: TraceFormat): void {
    if (this.format === 'unknown') this.format = f;
  }

  // --- the byte-level paths: each returns false (or -1) when unsure; the regexes then decide ----

  /**
   * The header of buf[s, e): sets comm, pid, cpu, name and kind; returns the offset of the
   * fields, or -1 if the line is not in the common shape (see HEADER).
   */
  private header(b: Buffer, s: number, e: number): number {
    const l = this.line;
    // The CPU field: the first " [digits]".
    let open = s;
    let cpu = -1;
    let close = 0;
    for (; open < e - 3; open++) {
      if (b[open] !== SP || b[open + 1] !== 91) continue;
      let j = open + 2;
      let v = 0;
      while (j < e && isDigit(b[j]!)) v = v * 10 + b[j++]! - 48;
      if (j > open + 2 && j < e && b[j] === 93) {
        cpu = v;
        close = j;
        break;
      }
    }
    if (cpu < 0) return -1;
    // Before it: "<comm>-<pid>", then optionally "(<tgid>)".
    let k = open;
    while (k > s && b[k - 1] === SP) k--;
    if (b[k - 1] === 41) {
      // "(" spaces, then digits or dashes, ")": the TGID column.
      k--;
      const inner = k;
      const dash = b[k - 1] === 45;
      while (k > s && (dash ? b[k - 1] === 45 : isDigit(b[k - 1]!))) k--;
      if (k === inner) return -1;
      while (k > s && b[k - 1] === SP) k--;
      if (k === s || b[k - 1] !== 40) return -1;
      k--;
      const paren = k;
      while (k > s && b[k - 1] === SP) k--;
      if (k === paren) return -1; // HEADER needs a space before "("
    }
    let pid = 0;
    let mul = 1;
    const pidEnd = k;
    while (k > s && isDigit(b[k - 1]!)) {
      pid += (b[k - 1]! - 48) * mul;
      mul *= 10;
      k--;
    }
    if (k === pidEnd || k <= s || b[k - 1] !== 45) return -1;
    let cs = s;
    while (cs < k - 1 && (b[cs] === SP || b[cs] === 9)) cs++;
    // After it: spaces, optional flags, then "<timestamp>:" and spaces.
    let i = close + 1;
    if (b[i] !== SP) return -1;
    while (i < e && b[i] === SP) i++;
    let t = scanTimestamp(b, i, e);
    if (t < 0) {
      while (i < e && b[i] !== SP) i++; // the flags token
      while (i < e && b[i] === SP) i++;
      t = scanTimestamp(b, i, e);
      if (t < 0) return -1;
    }
    if (b[t] !== 58 || b[t + 1] !== SP) return -1;
    let n = t + 2;
    while (n < e && b[n] === SP) n++;
    // "[system:]event:" followed by a space or the end of the line.
    let c = n;
    while (c < e && isWord(b[c]!)) c++;
    if (c === n || b[c] !== 58) return -1;
    if (c + 1 < e && b[c + 1] !== SP) {
      n = c + 1;
      c = n;
      while (c < e && isWord(b[c]!)) c++;
      if (c === n || b[c] !== 58 || (c + 1 < e && b[c + 1] !== SP)) return -1;
    }
    l.commS = cs;
    l.commE = k - 1;
    l.pid = pid;
    l.cpu = cpu;
    l.kind = Ev.UNKNOWN;
    for (const known of KNOWN) {
      if (known.bytes.length === c - n && startsWith(b, n, c, known.bytes)) {
        l.kind = known.kind;
        l.name = known.name;
        break;
      }
    }
    if (l.kind === Ev.UNKNOWN) {
      l.name = b.toString('latin1', n, c);
      l.kind = kindOf(l.name);
    }
    let f = c + 1;
    while (f < e && b[f] === SP) f++;
    return f;
  }

  /** sched_switch in either tool's shape; false if not exactly one of them. */
  private switchBytes(b: Buffer, f: number, e: number): boolean {
    const l = this.line;
    if (startsWith(b, f, e, PREV_COMM)) {
      // prev_comm=<c> prev_pid=<d> prev_prio=<-d> prev_state=<S> ==> next_comm=<c> next_pid=<d> next_prio=<-d>
      const a = find(b, f, e, PREV_PID);
      if (a < 0) return false;
      const pp = digits(b, a + PREV_PID.length, e);
      if (pp < 0 || !startsWith(b, pp, e, PREV_PRIO)) return false;
      const pr = signedDigits(b, pp + PREV_PRIO.length, e);
      if (pr < 0 || !startsWith(b, pr, e, PREV_STATE)) return false;
      const st = pr + PREV_STATE.length;
      let se = st;
      while (se < e && b[se] !== SP) se++;
      if (se === st || !startsWith(b, se, e, ARROW_NEXT)) return false;
      const nc = se + ARROW_NEXT.length;
      const np = findLast(b, nc, e, NEXT_PID);
      if (np < 0) return false;
      const pd = digits(b, np + NEXT_PID.length, e);
      if (pd < 0 || !startsWith(b, pd, e, NEXT_PRIO)) return false;
      const q = trailingSpace(b, signedDigits(b, pd + NEXT_PRIO.length, e), e);
      if (q !== e) return false;
      this.seen('ftrace');
      l.pid = num(b, a + PREV_PID.length, pp);
      l.stateS = st;
      l.stateE = se;
      l.strS = nc;
      l.strE = np;
      l.pid2 = num(b, np + NEXT_PID.length, pd);
      return true;
    }
    // <comm>:<pid> [<prio>] <state> ==> <comm>:<pid> [<prio>]
    const arrow = find(b, f, e, ARROW);
    if (arrow < 0) return false;
    const left = this.commPidPrio(b, f, arrow, true);
    if (!left) return false;
    const rs = arrow + ARROW.length;
    const right = this.commPidPrio(b, rs, e, false);
    if (!right) return false;
    this.seen('trace-cmd');
    l.pid = left.pid;
    l.stateS = left.stateS;
    l.stateE = arrow;
    l.strS = rs;
    l.strE = right.colon;
    l.pid2 = right.pid;
    return true;
  }

  /** "<comm>:<pid> [<prio>]" then " <state>" (withState) or the end of the line. */
  private commPidPrio(b: Buffer, s: number, e: number, withState: boolean): { pid: number; colon: number; stateS: number } | null {
    // The last " [" before the end (or before the state) opens the priority.
    let br = e - 1;
    if (withState) {
      while (br > s && b[br] !== SP) br--; // the state token
      if (br <= s || br === e - 1) return null;
      const stateS = br + 1;
      if (b[br - 1] !== 93) return null;
      const r = this.commPidPrio(b, s, br, false);
      return r && { ...r, stateS };
    }
    let end = e;
    while (end > s && b[end - 1] === SP) end--;
    if (b[end - 1] !== 93) return null;
    br = end - 2;
    while (br > s && b[br] !== 91) br--;
    if (br <= s || b[br - 1] !== SP) return null;
    if (signedDigits(b, br + 1, end - 1) !== end - 1) return null;
    const pidEnd = br - 1;
    let k = pidEnd;
    while (k > s && isDigit(b[k - 1]!)) k--;
    if (k === pidEnd || b[k - 1] !== 58) return null;
    return { pid: num(b, k, pidEnd), colon: k - 1, stateS: -1 };
  }

  /** sched_wakeup / _new / waking, either shape. */
  private wakeupBytes(b: Buffer, f: number, e: number): boolean {
    const l = this.line;
    if (startsWith(b, f, e, COMM_EQ)) {
      const p = findLast(b, f, e, PID_EQ);
      if (p < 0) return false;
      const pd = digits(b, p + PID_EQ.length, e);
      if (pd < 0 || !startsWith(b, pd, e, PRIO_EQ)) return false;
      let q = signedDigits(b, pd + PRIO_EQ.length, e);
      if (q < 0) return false;
      if (startsWith(b, q, e, SUCCESS_EQ)) q = digits(b, q + SUCCESS_EQ.length, e);
      if (q >= 0 && startsWith(b, q, e, TARGET_CPU_EQ)) q = digits(b, q + TARGET_CPU_EQ.length, e);
      if (trailingSpace(b, q, e) !== e) return false;
      this.seen('ftrace');
      l.strS = f + COMM_EQ.length;
      l.strE = p;
      l.pid2 = num(b, p + PID_EQ.length, pd);
      return true;
    }
    return false; // trace-cmd's shape is rarer: the regex reads it
  }

  private syscallBytes(b: Buffer, f: number, e: number, exit: boolean): boolean {
    if (!startsWith(b, f, e, NR)) return false;
    let i = f + NR.length;
    const neg = b[i] === 45;
    if (neg) i++;
    const d = digits(b, i, e);
    if (d < 0) return false;
    if (exit) {
      if (!startsWith(b, d, e, EQ) || trailingSpace(b, signedDigits(b, d + EQ.length, e), e) !== e) return false;
    } else if (!startsWith(b, d, e, SP_PAREN)) return false;
    this.line.num = (neg ? -1 : 1) * num(b, i, d);
    return true;
  }
}

const bytes = (s: string) => Buffer.from(s, 'latin1');
const PREV_COMM = bytes('prev_comm=');
const PREV_PID = bytes(' prev_pid=');
const PREV_PRIO = bytes(' prev_prio=');
const PREV_STATE = bytes(' prev_state=');
const ARROW_NEXT = bytes(' ==> next_comm=');
const NEXT_PID = bytes(' next_pid=');
const NEXT_PRIO = bytes(' next_prio=');
const ARROW = bytes(' ==> ');
const COMM_EQ = bytes('comm=');
const PID_EQ = bytes(' pid=');
const PRIO_EQ = bytes(' prio=');
const SUCCESS_EQ = bytes(' success=');
const TARGET_CPU_EQ = bytes(' target_cpu=');
const NR = bytes('NR ');
const EQ = bytes(' = ');
const SP_PAREN = bytes(' (');
const HSR_EC = bytes('HSR_EC: 0x');
const VCPU_SP = bytes('vcpu ');

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function isWord(ch: number): boolean {
  return isDigit(ch) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95;
}

function startsWith(b: Buffer, at: number, e: number, p: Buffer): boolean {
  if (at < 0 || at + p.length > e) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

function find(b: Buffer, s: number, e: number, p: Buffer): number {
  const first = p[0];
  for (let i = s; i + p.length <= e; i++) if (b[i] === first && startsWith(b, i, e, p)) return i;
  return -1;
}

function findLast(b: Buffer, s: number, e: number, p: Buffer): number {
  const first = p[0];
  for (let i = e - p.length; i >= s; i--) if (b[i] === first && startsWith(b, i, e, p)) return i;
  return -1;
}

/** End of a run of at least one digit at `at`, or -1. */
function digits(b: Buffer, at: number, e: number): number {
  if (at < 0) return -1;
  let i = at;
  while (i < e && isDigit(b[i]!)) i++;
  return i > at ? i : -1;
}

function signedDigits(b: Buffer, at: number, e: number): number {
  if (at < 0) return -1;
  return digits(b, b[at] === 45 ? at + 1 : at, e);
}

function trailingSpace(b: Buffer, at: number, e: number): number {
  if (at < 0) return -1;
  let i = at;
  while (i < e && (b[i] === SP || b[i] === 9)) i++;
  return i;
}

function num(b: Buffer, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + b[i]! - 48;
  return v;
}

/** digits, optionally '.' digits, at `at`: the end offset, or -1. */
function scanTimestamp(b: Buffer, at: number, e: number): number {
  const d = digits(b, at, e);
  if (d < 0) return -1;
  if (b[d] !== 46) return d;
  const frac = digits(b, d + 1, e);
  return frac < 0 ? -1 : frac;
}

function ecBytes(b: Buffer, f: number, e: number): number {
  const at = find(b, f, e, HSR_EC);
  if (at < 0) return -1;
  let v = 0;
  let i = at + HSR_EC.length;
  const s = i;
  for (; i < e; i++) {
    const ch = b[i]!;
    const h = isDigit(ch) ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : ch >= 65 && ch <= 70 ? ch - 55 : -1;
    if (h < 0) break;
    v = v * 16 + h;
  }
  return i > s ? v : -1;
}

function ecOf(f: string): number {
  const s = KVM_EXIT_EC.exec(f);
  return s ? parseInt(s[1]!, 16) : -1;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
