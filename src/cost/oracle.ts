/**
 * The oracle: the least register traffic any correct protocol could move for a given event
 * stream, knowing the future. docs/cost.md gives the definition and the proof that it is a lower
 * bound; in short:
 *
 *  - Universe. Every context (a task's user FP state, a guest's FP state) keeps its state in the
 *    register file of some CPU or in its own save area in memory, and moves it only by whole
 *    saves (registers → memory) and loads (memory → registers) in the kernel's formats: 528 bytes
 *    for FPSIMD state, 546·VQ + 8 for SVE state while the context's SVE part is live.
 *  - Demands. A host task needs its latest state in the registers of CPU c whenever it returns
 *    to user space on c (`ret_to_user`): arm64 does not trap FPSIMD use, so from then on user code
 *    may read any register. A guest needs its state when it uses FP (`guest_fp`): KVM traps a
 *    guest's first FP access in every era, so a guest that does not touch FP needs nothing.
 *  - Registers are lost to their holder when another context's state is loaded there, when
 *    kernel-mode NEON uses them, and (later events) when the CPU powers down.
 *
 * Loads are forced: a demand needs a load exactly when the CPU's registers do not hold the
 * context's latest data (whatever a protocol does, a register file holds one context's data, and
 * only a demand or a clobber changes it). Saves are the only choice, and the cheapest is exact: a
 * context's data needs one save iff it is dirty (not yet in memory) when it leaves the last
 * register file holding it, and some context whose latest data it is demands it again. Deciding
 * "demands it again" needs the future; the oracle defers the decision instead of looking ahead:
 * lost dirty data becomes *pending*, and the save is counted when (if) a demand finds it missing.
 * One streaming pass, memory bounded by the number of contexts.
 *
 * Data is identified by value, not by owner: a forked child starts with its parent's data, and if
 * that data is still in a register file the child may use it without a load (a lower bound must
 * allow it; the kernel itself always reloads a child). Events the oracle does not know are treated
 * as doing nothing to FP state: ignoring a demand, a clobber or a write can only lower the bound.
 *
 * `lazy` computes a second, lower bound for host tasks: demands only where user code actually
 * uses FP in the stream (fp_write, sve_write, fp_read), as a protocol that trapped every first
 * use for free could achieve. It tells how much eager restore at return to user costs at most.
 */

import { FPSIMD_STATE_BYTES, sveSaveBytes } from '../arch/sizes.js';
import { DEFAULT_SVE_VL_BITS, machineConfigOf, slotOrder, type BootSpec } from '../kernel/boot.js';
import { EVENTS, eventCode } from '../kernel/events.js';
import { Layout } from '../kernel/layout.js';
import { NONE } from '../kernel/records.js';
import { DIRECT_EXEC, DIRECT_EXIT, META, META_COUNT_FROM, META_DIRECT } from './stream.js';

enum Op {
  NOP,
  SWITCH,
  IDLE,
  RET_TO_USER,
  FP_WRITE,
  SVE_WRITE,
  FP_READ,
  SYSCALL,
  CLOBBER,
  FORK,
  EXIT,
  GUEST_FP,
  EXEC,
  SIGNAL,
  SIGRETURN,
  /** The signal handler rewrote the FP state in its frame. */
  FRAME_WRITE,
  /** A ptrace regset write replaced a stopped tracee's (arg) state in memory. */
  PTRACE_WRITE,
  /** Like PTRACE_WRITE, and the tracee's vector length may have changed. */
  PTRACE_WRITE_VL,
  /** The current task's vector length may have changed (prctl). */
  SET_VL,
}

/**
 * What each event means to the oracle, by name. Names not listed (and events added later) are
 * NOP, which keeps the bound a bound (see the file comment).
 */
const OPS: Record<string, Op> = {
  switch: Op.SWITCH,
  idle: Op.IDLE,
  ret_to_user: Op.RET_TO_USER,
  fp_write: Op.FP_WRITE,
  sve_write: Op.SVE_WRITE,
  fp_read: Op.FP_READ,
  syscall: Op.SYSCALL,
  kernel_neon: Op.CLOBBER,
  softirq_neon: Op.CLOBBER,
  cpu_pm: Op.CLOBBER,
  cpu_offline: Op.CLOBBER,
  fork: Op.FORK,
  exit: Op.EXIT,
  guest_fp: Op.GUEST_FP,
  exec: Op.EXEC,
  signal: Op.SIGNAL,
  sigreturn: Op.SIGRETURN,
  frame_write: Op.FRAME_WRITE,
  ptrace_fpr: Op.PTRACE_WRITE,
  ptrace_sve_fpsimd: Op.PTRACE_WRITE,
  ptrace_sve: Op.PTRACE_WRITE,
  ptrace_sve_vl: Op.PTRACE_WRITE_VL,
  set_vl: Op.SET_VL,
  set_vl_inherit: Op.SET_VL,
  set_vl_onexec: Op.SET_VL,
};
// Every key names a declared event (src/kernel/families/): a renamed event is a load-time error here, not a silent NOP.
for (const name of Object.keys(OPS)) eventCode(name);

/** SVE state at the smallest vector length (128 bits). */
const MIN_SVE_BYTES = sveSaveBytes(128);

export interface OracleResult {
  /** Bytes saved + loaded. */
  bytes: number;
  loads: number;
  saves: number;
  bytesLoaded: number;
  bytesSaved: number;
}

export class Oracle {
  private readonly ops: Uint8Array;
  private readonly layout: Layout;
  private readonly vcpuOfSlot: Int32Array;
  private readonly fpsimdBytes = FPSIMD_STATE_BYTES;
  /**
   * Per context: the size of its SVE state. The boot VL, until an event that may change the VL
   * (prctl, ptrace): then the smallest VL, since the oracle does not know the new one and must
   * not overcount.
   */
  private readonly sveBytes: Int32Array;

  // Per context (storage identity): its latest data, and that data's size in the current form.
  private readonly cur: Int32Array;
  private readonly size: Int32Array;
  /** Data at the last signal delivery (what sigreturn restores). */
  private readonly frame: Int32Array;
  // Per CPU: the task running, the data its registers hold (0 = nobody's), dirty = not in memory.
  private readonly current: Int32Array;
  private readonly regs: Int32Array;
  private readonly regsSize: Int32Array;
  private readonly dirty: Uint8Array;
  /** How many contexts have each live data id as their latest data. */
  private readonly refs = new Map<number, number>();
  /** Live data lost from the registers while dirty: the save it would need (bytes). */
  private readonly pending = new Map<number, number>();
  private nextId = 1;

  loads = 0;
  saves = 0;
  bytesLoaded = 0;
  bytesSaved = 0;

  constructor(
    boot: BootSpec,
    private readonly lazy = false,
  ) {
    this.ops = Uint8Array.from(EVENTS, (e) => OPS[e.name] ?? Op.NOP);
    const cfg = machineConfigOf(boot);
    this.layout = new Layout(cfg);
    const contexts = 1 + cfg.slots + cfg.vcpus;
    this.sveBytes = new Int32Array(contexts).fill(sveSaveBytes(boot.sveVlBits ?? DEFAULT_SVE_VL_BITS));
    this.cur = new Int32Array(contexts);
    this.size = new Int32Array(contexts).fill(this.fpsimdBytes);
    this.frame = new Int32Array(contexts);
    this.current = new Int32Array(cfg.cpus).fill(NONE);
    this.regs = new Int32Array(cfg.cpus);
    this.regsSize = new Int32Array(cfg.cpus);
    this.dirty = new Uint8Array(cfg.cpus);
    this.vcpuOfSlot = new Int32Array(cfg.slots).fill(NONE);
    // boot.ts: every initial task and guest has its own data, in memory; CPUs hold nobody's.
    let v = 0;
    slotOrder(boot).forEach((t, slot) => {
      this.setCur(this.layout.stOfTask(slot), this.nextId++);
      if (t.vcpu) {
        this.vcpuOfSlot[slot] = v;
        this.setCur(this.layout.stOfVcpu(v), this.nextId++);
        v++;
      }
    });
  }

  result(): OracleResult {
    return {
      bytes: this.bytesLoaded + this.bytesSaved,
      loads: this.loads,
      saves: this.saves,
      bytesLoaded: this.bytesLoaded,
      bytesSaved: this.bytesSaved,
    };
  }

  /** Consumes `n` actions of `buf`. */
  feed(buf: Int32Array, n: number): void {
    for (let i = 0; i < n; i++) this.step(buf[i]!);
  }

  step(a: number): void {
    const e = a & 0xff;
    if (e === META) {
      // Warm-up over (stream.ts): the registers and memory stay as they are, the counts restart.
      if (a === META_COUNT_FROM) this.loads = this.saves = this.bytesLoaded = this.bytesSaved = 0;
      else if (a >>> 16 >= META_DIRECT) {
        const op = ((a >>> 16) - META_DIRECT) >> 7;
        const c = ((a >>> 16) - META_DIRECT) & 127;
        if (op === DIRECT_EXIT) this.exit(c);
        else if (op === DIRECT_EXEC) this.exec(c);
        else this.traceeWrite((a >>> 8) & 0xff, op !== 0);
      }
      return;
    }
    const c = (a >>> 8) & 0xff;
    const arg = a >>> 16;
    const t = this.current[c]!;
    const x = t === NONE ? 0 : this.layout.stOfTask(t);
    switch (this.ops[e]) {
      case Op.SWITCH:
        this.current[c] = arg;
        break;
      case Op.IDLE:
        this.current[c] = NONE;
        break;
      case Op.RET_TO_USER:
        if (x && !this.lazy) this.demand(x, c);
        break;
      case Op.FP_WRITE:
        if (x) this.write(x, c, this.fpsimdBytes);
        break;
      case Op.SVE_WRITE:
        if (x) this.write(x, c, this.sveBytes[x]!);
        break;
      case Op.FP_READ:
        if (x) this.demand(x, c);
        break;
      case Op.SYSCALL:
        // The syscall ABI lets the kernel discard everything beyond the FPSIMD part.
        if (x) this.narrow(x, c);
        break;
      case Op.CLOBBER:
        this.lose(c);
        this.regs[c] = 0;
        break;
      case Op.FORK: {
        const child = this.layout.stOfTask(arg);
        this.setCur(child, this.cur[x]!);
        this.size[child] = this.fpsimdBytes; // copy_thread: the child starts without live SVE state
        this.sveBytes[child] = this.sveBytes[x]!;
        break;
      }
      case Op.EXIT:
        this.exit(c);
        break;
      case Op.GUEST_FP: {
        const v = t === NONE ? NONE : this.vcpuOfSlot[t]!;
        if (v !== NONE) this.write(this.layout.stOfVcpu(v), c, this.fpsimdBytes);
        break;
      }
      case Op.EXEC:
        this.exec(c);
        break;
      case Op.SIGNAL:
        if (x) {
          this.toMemory(this.cur[x]!); // the signal frame needs the state in memory
          this.frame[x] = this.cur[x]!;
        }
        break;
      case Op.SIGRETURN:
        if (x && this.frame[x]) {
          this.setCur(x, this.frame[x]!);
          this.size[x] = this.fpsimdBytes;
          this.frame[x] = 0;
        }
        break;
      case Op.FRAME_WRITE:
        if (x && this.frame[x]) this.frame[x] = this.nextId++; // new data, in memory (the user stack)
        break;
      case Op.PTRACE_WRITE:
      case Op.PTRACE_WRITE_VL:
        this.traceeWrite(arg, this.ops[e] === Op.PTRACE_WRITE_VL);
        break;
      case Op.SET_VL:
        if (x) this.sveBytes[x] = MIN_SVE_BYTES;
        break;
    }
  }

  /** Current on c execs: fresh zeroed state, in memory. */
  private exec(c: number): void {
    const t = this.current[c]!;
    if (t === NONE) return;
    const x = this.layout.stOfTask(t);
    this.setCur(x, this.nextId++);
    this.size[x] = this.fpsimdBytes;
  }

  /** Current on c exits: its data is dead, the CPU idle. */
  private exit(c: number): void {
    const t = this.current[c]!;
    if (t !== NONE) this.setCur(this.layout.stOfTask(t), 0);
    this.current[c] = NONE;
  }

  /** A ptrace regset write replaced task `slot`'s state (new data, in its memory). */
  private traceeWrite(slot: number, vl: boolean): void {
    const tracee = this.layout.stOfTask(slot);
    this.setCur(tracee, this.nextId++);
    this.size[tracee] = this.fpsimdBytes;
    if (vl) this.sveBytes[tracee] = MIN_SVE_BYTES;
  }

  // --- the rules -------------------------------------------------------------------------------------

  private setCur(x: number, d: number): void {
    const old = this.cur[x]!;
    if (old === d) return;
    if (old !== 0) {
      const n = this.refs.get(old)! - 1;
      if (n === 0) {
        this.refs.delete(old);
        this.pending.delete(old);
      } else this.refs.set(old, n);
    }
    this.cur[x] = d;
    if (d !== 0) this.refs.set(d, (this.refs.get(d) ?? 0) + 1);
  }

  /** CPU c's registers are about to be overwritten: live dirty data there becomes pending. */
  private lose(c: number): void {
    const d = this.regs[c]!;
    if (d !== 0 && this.dirty[c] && this.refs.has(d)) this.pending.set(d, this.regsSize[c]!);
    this.dirty[c] = 0;
  }

  /** Data `d` must be in memory now: counts its save if it is pending or dirty somewhere. */
  private toMemory(d: number): void {
    const p = this.pending.get(d);
    if (p !== undefined) {
      this.saves++;
      this.bytesSaved += p;
      this.pending.delete(d);
      return;
    }
    for (let c = 0; c < this.regs.length; c++) {
      if (this.regs[c] === d && this.dirty[c]) {
        this.saves++;
        this.bytesSaved += this.regsSize[c]!;
        this.dirty[c] = 0;
        return;
      }
    }
  }

  /** Context x needs its latest data in CPU c's registers. */
  private demand(x: number, c: number): void {
    const d = this.cur[x]!;
    if (d === 0 || this.regs[c] === d) return;
    this.toMemory(d);
    this.loads++;
    this.bytesLoaded += this.size[x]!;
    this.lose(c);
    this.regs[c] = d;
    this.regsSize[c] = this.size[x]!;
  }

  /** Context x, running on c, writes new data of `bytes` form. */
  private write(x: number, c: number, bytes: number): void {
    this.demand(x, c);
    const old = this.regs[c]!;
    const wasDirty = this.dirty[c];
    const oldSize = this.regsSize[c]!;
    this.setCur(x, this.nextId++);
    // The old data, if somebody else (a forked child) still has it as latest, is lost here.
    if (old !== 0 && wasDirty && this.refs.has(old)) this.pending.set(old, oldSize);
    this.regs[c] = this.cur[x]!;
    this.dirty[c] = 1;
    this.regsSize[c] = bytes;
    this.size[x] = bytes;
  }

  private narrow(x: number, c: number): void {
    this.size[x] = this.fpsimdBytes;
    if (this.regs[c] === this.cur[x]) this.regsSize[c] = this.fpsimdBytes;
  }
}
