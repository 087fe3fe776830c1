/**
 * Event streams for the cost model: workload *intents* turned into model *events*, once, for
 * every variant.
 *
 * A workload (generated from a profile, or replayed from a kernel trace) speaks in intents:
 * "task X runs on cpu 2", "current writes its FP registers", "current makes a syscall", "the
 * vcpu thread's guest uses FP", "softirq NEON on cpu 1". The `Normalizer` expands each intent
 * into the model events (src/kernel/events.ts) that the kernel forces around it, from a mirror of
 * the scheduling state that every variant shares:
 *
 *   - user code runs only in user mode: before it, the current task returns to user space
 *     (`ret_to_user`; from inside the KVM run loop, KVM_RUN returns first);
 *   - kernel-mode NEON in a task needs a syscall: a task in user mode makes one first;
 *   - a vcpu thread enters its guest from a KVM_RUN ioctl: from user mode that is a syscall,
 *     then `kvm_run`, then `vcpu_enter`; a guest must exit before its thread can be switched out;
 *   - a task running on another CPU is switched out there before it runs here (migration).
 *
 * What the normalizer cannot know is variant-specific and is left to the per-variant driver
 * (src/cost/driver.ts): an instruction that traps in one variant (an SVE access with EL0 SVE
 * disabled) and not in another is retried there after `ret_to_user`.
 *
 * The result is one sequence of actions (events.ts encoding: event | cpu << 8 | arg << 16),
 * identical for every variant and for the oracle. Streams are pulled chunk by chunk (`fill`),
 * so no stream is ever held whole in memory. A *meta action* (event index META) carries stream
 * information that is not a kernel event: the label of a task slot's new incarnation.
 */

import type { BootSpec } from '../kernel/boot.js';
import { slotOrder } from '../kernel/boot.js';
import { EVENTS, eventIndex } from '../kernel/events.js';
import { NONE, Pos, TaskState } from '../kernel/records.js';

/** Event index of meta actions (never a kernel event). */
export const META = 0xff;
/** Meta action: slot (cpu field) now holds a task labelled `arg` (an index into the source's labels). */
export function metaLabel(slot: number, label: number): number {
  if (label >= META_DIRECT) throw new Error(`FPC517 model bug: label ${label} collides with META_DIRECT`);
  return META | (slot << 8) | (label << 16);
}
/**
 * Meta action: counting starts here. What came before is the source's account of the machine as
 * it was when its record began (a replayed trace: the task each CPU was already running, its
 * state loaded before the first line), not traffic of the record: the driver and the oracle
 * drop what they counted so far, keeping the machine state. Slot field 0xff, above any slot
 * (CAPACITY.slots < 255), so it is never a label action.
 */
export const META_COUNT_FROM = META | (0xff << 8);
/**
 * Meta actions for kernel paths a replayed trace shows and the event alphabet cannot take in the
 * state the stream has (label field META_DIRECT + op·128 + cpu; labels stay below it, metaLabel):
 *
 *  - DIRECT_TRACEE_WRITE(_VL): a ptrace regset write by the tracer on `cpu` replaced stopped task
 *    `slot`'s state in memory (and maybe its vector length). The kernel flushes the tracee
 *    (fpsimd_flush_task_state(), src/cost/replay/parse.ts regsetWriteFlush), so its next return
 *    to user space loads the new state. The alphabet's ptrace events need a task the model has
 *    stopped, which a replayed stream does not track.
 *  - DIRECT_EXIT: current on `cpu` (slot field unused) exits from the kernel outside a syscall (a
 *    fatal signal on its way back to user space: do_exit() from get_signal()). The alphabet's
 *    `exit` is a syscall; reaching one would first return to user space and load its state,
 *    which the kernel never does.
 *  - DIRECT_EXEC: a vcpu thread on `cpu` execs (a VMM execs before it creates its VM, as the
 *    lab's does): flush_thread() (the alphabet keeps `exec` from vcpu threads: their exec would
 *    end the VM; `fpctx conform` runs flush_thread() the same way).
 *
 * The driver runs the variant's own kernel function; the oracle does what the event would.
 */
export const META_DIRECT = 0x7e00;
export const DIRECT_TRACEE_WRITE = 0;
export const DIRECT_TRACEE_WRITE_VL = 1;
export const DIRECT_EXIT = 2;
export const DIRECT_EXEC = 3;
export function metaDirect(op: number, slot: number, cpu: number): number {
  return META | (slot << 8) | ((META_DIRECT + op * 128 + cpu) << 16);
}

export function encode(event: number, cpu: number, arg: number): number {
  return event | (cpu << 8) | (arg << 16);
}

/** A stream of actions for the cost model. */
export interface ActionSource {
  /** The machine every variant boots. */
  readonly boot: BootSpec;
  /** Context labels (task classes, comms); meta actions and `initialLabels` index into it. */
  readonly labels: string[];
  /** Label index of each initial slot (slot order: see boot.ts slotOrder). */
  readonly initialLabels: readonly number[];
  /** Writes up to buf.length actions into buf; returns how many (0: the stream has ended). */
  fill(buf: Int32Array): number;
}

/**
 * Codes of the events the normalizer emits, resolved once from their declarations
 * (src/kernel/families/): a missing one is a model bug at load time, not a silent drop.
 */
export class EventIds {
  readonly switch = need('switch');
  readonly idle = need('idle');
  readonly ret_to_user = need('ret_to_user');
  readonly fp_write = need('fp_write');
  readonly sve_write = need('sve_write');
  readonly fp_read = need('fp_read');
  readonly syscall = need('syscall');
  readonly kernel_neon = need('kernel_neon');
  readonly softirq_neon = need('softirq_neon');
  readonly fork = need('fork');
  readonly exit = need('exit');
  readonly free = need('free');
  readonly kvm_run = need('kvm_run');
  readonly vcpu_enter = need('vcpu_enter');
  readonly guest_fp = need('guest_fp');
  readonly vcpu_exit = need('vcpu_exit');
  readonly kvm_exit = need('kvm_exit');
  readonly exec = need('exec');
  readonly irq = need('irq');
  readonly signal = need('signal');
  readonly sigreturn = need('sigreturn');
  readonly set_vl = need('set_vl');
}

function need(name: string): number {
  const i = eventIndex(name);
  if (i < 0) throw new Error(`FPC517 model bug: the cost model needs event '${name}', which no family in src/kernel/families/ declares`);
  return i;
}

/** Intents the event alphabet does not model (SME use in a workload); counted and reported when dropped. */
export type OptionalIntent = 'sme';

/**
 * The scheduling state every variant shares (who runs where, in which mode), mirrored from the
 * kernel's own bookkeeping (entry.ts, kvm.ts), and the expansion of intents into events.
 * Methods return false when the intent cannot happen in the current state (nothing is emitted).
 */
export class Normalizer {
  readonly ids = new EventIds();
  readonly cpus: number;
  readonly slots: number;
  readonly current: Int32Array;
  readonly state: Int8Array;
  readonly pos: Int8Array;
  readonly inSyscall: Uint8Array;
  readonly onCpu: Int32Array;
  readonly isVcpu: Uint8Array;
  /** CPU a task last ran on, -1 if never (for schedulers that prefer cache affinity). */
  readonly lastCpu: Int32Array;
  /** The task is in a signal handler (a frame is on its stack). */
  readonly inHandler: Uint8Array;
  /** Actions emitted, excluding meta actions. */
  emitted = 0;
  /** Intents dropped because the event alphabet has no event for them. */
  readonly unsupported: Record<string, number> = {};

  private q = new Int32Array(256);
  private qHead = 0;
  private qTail = 0;

  constructor(readonly boot: BootSpec) {
    const order = slotOrder(boot);
    this.cpus = boot.cpus;
    this.slots = order.length + (boot.spareSlots ?? 0);
    this.current = new Int32Array(this.cpus).fill(NONE);
    this.state = new Int8Array(this.slots);
    this.pos = new Int8Array(this.slots);
    this.inSyscall = new Uint8Array(this.slots);
    this.onCpu = new Int32Array(this.slots).fill(NONE);
    this.isVcpu = new Uint8Array(this.slots);
    this.lastCpu = new Int32Array(this.slots).fill(-1);
    this.inHandler = new Uint8Array(this.slots);
    // boot.ts: user tasks start runnable in the kernel, vcpu threads runnable in the run loop.
    order.forEach((t, slot) => {
      this.state[slot] = TaskState.RUNNABLE;
      this.isVcpu[slot] = t.vcpu ? 1 : 0;
      this.pos[slot] = t.vcpu ? Pos.RUNLOOP : Pos.KERNEL;
      this.inSyscall[slot] = t.vcpu ? 1 : 0;
    });
  }

  // --- the action queue ----------------------------------------------------------------------------

  private push(a: number): void {
    if (this.qTail === this.q.length) {
      if (this.qHead > 0) {
        this.q.copyWithin(0, this.qHead, this.qTail);
        this.qTail -= this.qHead;
        this.qHead = 0;
      } else {
        const g = new Int32Array(this.q.length * 2);
        g.set(this.q);
        this.q = g;
      }
    }
    this.q[this.qTail++] = a;
  }

  get queued(): number {
    return this.qTail - this.qHead;
  }

  /** Moves queued actions into buf from index i; returns the new index. */
  drain(buf: Int32Array, i: number): number {
    while (i < buf.length && this.qHead < this.qTail) buf[i++] = this.q[this.qHead++]!;
    if (this.qHead === this.qTail) this.qHead = this.qTail = 0;
    return i;
  }

  meta(slot: number, label: number): void {
    this.push(metaLabel(slot, label));
  }

  /** A tracer on cpu wrote stopped task `slot`'s registers (META_DIRECT). */
  traceeWrite(slot: number, cpu: number, vl: boolean): void {
    this.push(metaDirect(vl ? DIRECT_TRACEE_WRITE_VL : DIRECT_TRACEE_WRITE, slot, cpu));
  }

  /** Everything emitted so far is warm-up: counting starts here (META_COUNT_FROM). */
  countFromHere(): void {
    this.push(META_COUNT_FROM);
  }

  private emit(event: number, cpu: number, arg: number): void {
    this.push(encode(event, cpu, arg));
    this.emitted++;
  }

  // --- mirrored kernel transitions (one per event; see entry.ts / kvm.ts) -----------------------------

  private doSwitch(c: number, next: number): void {
    const prev = this.current[c]!;
    this.emit(next === NONE ? this.ids.idle : this.ids.switch, c, next === NONE ? 0 : next);
    if (prev !== NONE) {
      if (this.pos[prev] === Pos.USER) {
        this.pos[prev] = Pos.KERNEL; // preempted from user mode: on an IRQ (interruptUser)
        this.inSyscall[prev] = 0;
      }
      if (this.state[prev] === TaskState.RUNNING) this.state[prev] = TaskState.RUNNABLE;
      this.onCpu[prev] = NONE;
      this.lastCpu[prev] = c;
    }
    if (next !== NONE) {
      this.state[next] = TaskState.RUNNING;
      this.onCpu[next] = c;
    }
    this.current[c] = next;
  }

  private doRetToUser(c: number): void {
    const t = this.current[c]!;
    this.emit(this.ids.ret_to_user, c, 0);
    this.pos[t] = Pos.USER;
    this.inSyscall[t] = 0;
  }

  private doSyscall(c: number): void {
    const t = this.current[c]!;
    this.emit(this.ids.syscall, c, 0);
    this.pos[t] = Pos.KERNEL;
    this.inSyscall[t] = 1;
  }

  private doVcpuExit(c: number): void {
    this.emit(this.ids.vcpu_exit, c, 0);
    this.pos[this.current[c]!] = Pos.RUNLOOP;
  }

  // --- intents ------------------------------------------------------------------------------------

  /** The task on `c`, or NONE. */
  cur(c: number): number {
    return this.current[c]!;
  }

  /** Runs `slot` on `c` (switching it out of another CPU first if it runs there). */
  run(c: number, slot: number): boolean {
    if (this.current[c] === slot) return true;
    const st = this.state[slot];
    if (st !== TaskState.RUNNABLE && st !== TaskState.RUNNING) return false;
    const elsewhere = this.onCpu[slot]!;
    if (elsewhere !== NONE) this.idle(elsewhere);
    const cur = this.current[c]!;
    if (cur !== NONE && this.pos[cur] === Pos.GUEST) this.doVcpuExit(c);
    this.doSwitch(c, slot);
    return true;
  }

  /** The CPU's current task stops running (blocks or is preempted) and the CPU goes idle. */
  idle(c: number): boolean {
    const cur = this.current[c]!;
    if (cur === NONE) return false;
    if (this.pos[cur] === Pos.GUEST) this.doVcpuExit(c);
    this.doSwitch(c, NONE);
    return true;
  }

  /** The current task is (back) in user mode: returns there if it is in the kernel or run loop. */
  toUser(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE) return false;
    const p = this.pos[t];
    if (p === Pos.USER) return true;
    if (p === Pos.GUEST) this.doVcpuExit(c);
    if (this.pos[t] === Pos.RUNLOOP) {
      // Leaving the run loop (vcpu_put, back in the ioctl) comes first.
      this.emit(this.ids.kvm_exit, c, 0);
      this.pos[t] = Pos.KERNEL;
      this.inSyscall[t] = 1;
    }
    this.doRetToUser(c);
    return true;
  }

  /** User code writes the V registers with FPSIMD instructions. */
  userFp(c: number): boolean {
    if (!this.toUser(c)) return false;
    this.emit(this.ids.fp_write, c, 0);
    return true;
  }

  /** User code writes Z/P/FFR with SVE instructions (the driver retries after a trap). */
  userSve(c: number): boolean {
    if (!this.toUser(c)) return false;
    this.emit(this.ids.sve_write, c, 0);
    return true;
  }

  /** User code reads its registers back (an integrity check point). */
  userRead(c: number): boolean {
    if (!this.toUser(c)) return false;
    this.emit(this.ids.fp_read, c, 0);
    return true;
  }

  /** The current task enters a syscall (from user mode). */
  syscall(c: number): boolean {
    if (!this.toUser(c)) return false;
    this.doSyscall(c);
    return true;
  }

  /** The current task is inside a syscall (entering one if needed). */
  private inSys(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE) return false;
    if (this.pos[t] === Pos.KERNEL && this.inSyscall[t]) return true;
    return this.syscall(c);
  }

  /** The current task's syscall uses kernel-mode NEON. */
  kernelNeon(c: number): boolean {
    if (!this.inSys(c)) return false;
    this.emit(this.ids.kernel_neon, c, 0);
    return true;
  }

  /** A softirq on `c` uses kernel-mode NEON (not while a guest runs there). */
  softirqNeon(c: number): boolean {
    const t = this.current[c]!;
    if (t !== NONE && this.pos[t] === Pos.GUEST) return false;
    this.emit(this.ids.softirq_neon, c, 0);
    if (t !== NONE && this.pos[t] === Pos.USER) {
      this.pos[t] = Pos.KERNEL; // the softirq ran on an IRQ taken from user mode
      this.inSyscall[t] = 0;
    }
    return true;
  }

  /**
   * The current task forks a child into free slot `child`. A vcpu thread may fork too (a VMM
   * that starts its workers after creating the VM, as the lab's seed-kvm does): copy_process()
   * gives the child no vcpu, a plain user task.
   */
  fork(c: number, child: number): boolean {
    if (this.state[child] !== TaskState.FREE || !this.inSys(c)) return false;
    this.emit(this.ids.fork, c, child);
    this.inHandler[child] = 0;
    this.state[child] = TaskState.RUNNABLE;
    this.pos[child] = Pos.KERNEL;
    this.inSyscall[child] = 1;
    this.onCpu[child] = NONE;
    this.lastCpu[child] = -1;
    return true;
  }

  /** The current task exits (it becomes a zombie, the CPU goes idle). */
  exit(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || this.isVcpu[t] || !this.inSys(c)) return false;
    this.emit(this.ids.exit, c, 0);
    this.state[t] = TaskState.ZOMBIE;
    this.onCpu[t] = NONE;
    this.current[c] = NONE;
    return true;
  }

  /**
   * The current task exits where it is, as a trace shows it: inside the kernel outside a syscall
   * (a fatal signal on its way back to user space) it exits from there (META_DIRECT
   * DIRECT_EXIT), without the return to user space (and the load) that exit()'s syscall needs.
   */
  exitHere(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || this.isVcpu[t]) return false;
    if (this.pos[t] !== Pos.KERNEL || this.inSyscall[t]) return this.exit(c);
    this.push(metaDirect(DIRECT_EXIT, 0, c));
    this.state[t] = TaskState.ZOMBIE;
    this.onCpu[t] = NONE;
    this.current[c] = NONE;
    return true;
  }

  /** A zombie is reaped; its slot becomes free. */
  free(slot: number): boolean {
    if (this.state[slot] !== TaskState.ZOMBIE) return false;
    this.emit(this.ids.free, 0, slot);
    this.state[slot] = TaskState.FREE;
    return true;
  }

  /** The current vcpu thread runs its guest (entering KVM_RUN first if needed). */
  guestEnter(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || !this.isVcpu[t]) return false;
    const p = this.pos[t];
    if (p === Pos.GUEST) return true;
    if (p !== Pos.RUNLOOP) {
      if (!(p === Pos.KERNEL && this.inSyscall[t])) this.syscall(c);
      this.emit(this.ids.kvm_run, c, 0);
    }
    this.emit(this.ids.vcpu_enter, c, 0);
    this.pos[t] = Pos.GUEST;
    return true;
  }

  /** The guest on `c` uses FP (entering it first if needed). */
  guestFp(c: number): boolean {
    if (!this.guestEnter(c)) return false;
    this.emit(this.ids.guest_fp, c, 0);
    return true;
  }

  /** The guest on `c` exits to the run loop. */
  guestExit(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || this.pos[t] !== Pos.GUEST) return false;
    this.doVcpuExit(c);
    return true;
  }

  /**
   * The current task's syscall is prctl(PR_SVE_SET_VL) and changes its live vector length (to
   * the model's other VL: it has two): its state is flushed and TIF_SVE cleared.
   */
  setVl(c: number): boolean {
    if (!this.inSys(c)) return false;
    this.emit(this.ids.set_vl, c, 0);
    return true;
  }

  /** The current task's syscall is execve(): fresh FP state. */
  exec(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || this.isVcpu[t] || !this.inSys(c)) return false;
    this.emit(this.ids.exec, c, 0);
    return true;
  }

  /** The current vcpu thread execs inside its execve() (META_DIRECT DIRECT_EXEC), as a trace shows it. */
  vcpuExec(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || !this.isVcpu[t] || this.pos[t] !== Pos.KERNEL || !this.inSyscall[t]) return false;
    this.push(metaDirect(DIRECT_EXEC, 0, c));
    return true;
  }

  /**
   * A signal with a handler is delivered to the current task on its way back to user space (its
   * FP state goes to a frame on the user stack; the handler runs next). From user mode the task
   * is interrupted first. No nesting.
   */
  signal(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || this.inHandler[t]) return false;
    const p = this.pos[t];
    if (p === Pos.USER) {
      this.emit(this.ids.irq, c, 0);
      this.pos[t] = Pos.KERNEL;
      this.inSyscall[t] = 0;
    } else if (p !== Pos.KERNEL) return false;
    this.emit(this.ids.signal, c, 0);
    this.inHandler[t] = 1;
    return true;
  }

  /** The handler returns (rt_sigreturn): FP state comes back from the frame. */
  sigreturn(c: number): boolean {
    const t = this.current[c]!;
    if (t === NONE || !this.inHandler[t] || !this.toUser(c)) return false;
    this.emit(this.ids.sigreturn, c, 0);
    this.pos[t] = Pos.KERNEL; // rt_sigreturn is a syscall
    this.inSyscall[t] = 1;
    this.inHandler[t] = 0;
    return true;
  }

  /** An intent the event alphabet has no event for: counted, nothing emitted. */
  drop(what: OptionalIntent): false {
    this.unsupported[what] = (this.unsupported[what] ?? 0) + 1;
    return false;
  }
}

/**
 * Base of the stream sources: `produce()` feeds intents to the normalizer until it has queued
 * something (or returns false at the end); `fill` drains the queue, stopping at `limit` events.
 */
export abstract class IntentSource implements ActionSource {
  abstract readonly boot: BootSpec;
  abstract readonly labels: string[];
  abstract readonly initialLabels: readonly number[];
  protected abstract readonly n: Normalizer;
  /** Maximum events (meta actions excluded); Infinity for none. */
  protected limit = Infinity;
  private delivered = 0;
  private ended = false;

  /** Feeds at least one intent to the normalizer; false when the workload has ended. */
  protected abstract produce(): boolean;

  fill(buf: Int32Array): number {
    let i = 0;
    while (i < buf.length && this.delivered < this.limit) {
      if (this.n.queued === 0) {
        if (this.ended || !this.produce()) {
          this.ended = true;
          if (this.n.queued === 0) break;
        }
        continue;
      }
      const start = i;
      i = this.n.drain(buf, i);
      for (let j = start; j < i; j++) {
        if ((buf[j]! & 0xff) === META) continue;
        if (++this.delivered === this.limit) {
          i = j + 1;
          break;
        }
      }
    }
    return i;
  }
}

/** Number of real kernel events in an EVENTS-encoded list (excludes meta actions). */
export function isKernelEvent(a: number): boolean {
  return (a & 0xff) !== META && (a & 0xff) < EVENTS.length;
}

/**
 * A fixed, small stream written as intents (tests, documentation examples): `script` runs once,
 * up front, against the normalizer. Every task is labelled by its boot name.
 */
export class ScriptSource extends IntentSource {
  readonly labels: string[];
  readonly initialLabels: number[];
  protected readonly n: Normalizer;

  constructor(
    readonly boot: BootSpec,
    script: (n: Normalizer, slot: (name: string) => number) => void,
  ) {
    super();
    const order = slotOrder(boot);
    this.labels = order.map((t) => t.name);
    this.initialLabels = order.map((_, i) => i);
    this.n = new Normalizer(boot);
    script(this.n, (name) => {
      const i = order.findIndex((t) => t.name === name);
      if (i < 0) throw new Error(`no task ${name}`);
      return i;
    });
  }

  protected produce(): boolean {
    return false;
  }
}
