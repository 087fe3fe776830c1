/**
 * The per-variant driver: applies a stream's actions to one variant's machine and counts what
 * it costs.
 *
 * What the stream cannot know, the driver does here:
 *  - a user instruction that trapped in this variant (an SVE access while EL0 SVE is disabled:
 *    el0_sve_acc left the task in the kernel) is retried after `ret_to_user`, as the CPU would;
 *  - an event the variant does not enable at that point is skipped and counted (a correct
 *    variant never skips: the stream mirrors the kernel's scheduling state);
 *  - violations do not stop the run: a cost run measures traffic, the checker judges
 *    correctness. The machine's `onViolation` hook records each violation and lets the kernel
 *    path carry on (Machine.fail returns instead of unwinding), as the real kernel would (a use-after-free read returns whatever memory
 *    holds, a task runs on with corrupt registers). Rows of variants that violated an invariant
 *    are marked; their traffic may be below the oracle's because they skip work that is needed.
 *  - token versions are 16-bit (src/arch/tokens.ts); long runs compact them from time to time
 *    with the checker's data-independence argument (relabelling a writer's versions consistently
 *    changes no comparison, hence no behaviour).
 */

import { VERSION_BITS } from '../arch/tokens.js';
import type { Violation } from '../spec/invariants.js';
import { EVENTS, EVENT_NAMES, eventCode, type EventKind } from '../kernel/events.js';
import { createMachine } from '../kernel/kernel.js';
import type { Kvm } from '../kernel/kvm.js';
import { ViolationStop } from '../kernel/machine.js';
import type { Layout } from '../kernel/layout.js';
import { GLOBAL, KPath, NONE, Pos, TASK, VCPU, type CpuView, type TaskView } from '../kernel/records.js';
import type { Variant } from '../variants/types.js';
import { CostSink, type CostCounters } from './counters.js';
import { DIRECT_EXEC, DIRECT_EXIT, META, META_COUNT_FROM, META_DIRECT, type ActionSource } from './stream.js';

export interface DriverStats {
  /** Kernel events applied (the stream's, plus trap retries). */
  modelEvents: number;
  /** Stream events this variant did not enable at that point (0 for a correct variant). */
  skipped: number;
  /** User instructions retried after trapping. */
  trapRetries: number;
  violations: number;
  /** The first violation, with the index of the stream event that hit it (1-based). */
  firstViolation?: Violation & { event: number };
}

/** Largest version a writer may reach before the driver compacts (16-bit versions). */
const COMPACT_AT = (1 << VERSION_BITS) - 8192;
const COMPACT_EVERY = 4096;

export class VariantDriver {
  readonly k: Kvm;
  readonly sink: CostSink;
  readonly stats: DriverStats = { modelEvents: 0, skipped: 0, trapRetries: 0, violations: 0 };
  /** Wall-clock seconds spent in `run` (excluded from deterministic output). */
  seconds = 0;

  private streamEvents = 0;
  private readonly sinkLabel: number[] = [];
  private readonly retToUser = eventCode('ret_to_user');
  /** Kernel paths split at preemption points are stepped with `continue`. */
  private readonly cont = eventCode('continue');
  private readonly fork = eventCode('fork');
  private readonly exit = eventCode('exit');
  private readonly execEv = eventCode('exec');
  private readonly contEvent: EventKind | null = EVENTS[this.cont]!;
  /** Events that run user instructions (declared `runs: 'user'`): they may trap. */
  private readonly userInsn: Uint8Array;
  private readonly layout: Layout;
  private readonly cpus: readonly CpuView[];
  private readonly tasks: readonly TaskView[];
  /** Word offsets of every writer's version counter, -1 for writers without one. */
  private readonly counters: Int32Array;

  constructor(
    readonly variant: Variant,
    private readonly source: ActionSource,
  ) {
    const k = createMachine(variant.Kernel, source.boot);
    this.k = k;
    k.onViolation = (v) => {
      this.stats.violations++;
      if (!this.stats.firstViolation) this.stats.firstViolation = { ...v, event: this.streamEvents };
    };
    const { layout } = k;
    this.layout = layout;
    this.cpus = k.cpus;
    this.tasks = k.tasks;
    this.sink = new CostSink({
      cpus: k.cfg.cpus,
      contexts: 1 + k.cfg.slots + k.cfg.vcpus,
      stOfTask: (slot) => layout.stOfTask(slot),
      eventNames: EVENT_NAMES,
    });
    for (const [slot, l] of source.initialLabels.entries()) this.sink.labelOf[layout.stOfTask(slot)] = this.labelFor(l);
    for (let v = 0; v < k.cfg.vcpus; v++) this.sink.labelOf[layout.stOfVcpu(v)] = this.sink.label(`guest${v}`);
    k.fx = this.sink;
    this.userInsn = Uint8Array.from(EVENTS, (e) => (e.runs === 'user' ? 1 : 0));
    this.counters = new Int32Array(layout.writerCount).fill(-1);
    for (let t = 0; t < k.cfg.slots; t++) this.counters[layout.writerOfTask(t)] = layout.slotOffset(t) + TASK.version;
    for (let v = 0; v < k.cfg.vcpus; v++) this.counters[layout.writerOfGuest(v)] = layout.vcpuOffset(v) + VCPU.version;
    this.counters[layout.kernelWriter] = GLOBAL.kernel_version;
  }

  private labelFor(sourceLabel: number): number {
    let l = this.sinkLabel[sourceLabel];
    if (l === undefined) {
      l = this.sink.label(this.source.labels[sourceLabel]!);
      this.sinkLabel[sourceLabel] = l;
    }
    return l;
  }

  /** Applies `n` actions of `buf`. */
  run(buf: Int32Array, n: number): void {
    const t0 = performance.now();
    const labelOf = this.sink.labelOf;
    const layout = this.layout;
    for (let i = 0; i < n; i++) {
      const a = buf[i]!;
      const e = a & 0xff;
      const cpu = (a >>> 8) & 0xff;
      const arg = a >>> 16;
      if (e === META) {
        if (a === META_COUNT_FROM) this.sink.reset();
        else if (arg >= META_DIRECT) this.direct((arg - META_DIRECT) >> 7, cpu, (arg - META_DIRECT) & 127);
        else labelOf[layout.stOfTask(cpu)] = this.labelFor(arg);
        continue;
      }
      this.streamEvents++;
      this.step(e, cpu, arg);
      if ((this.streamEvents & (COMPACT_EVERY - 1)) === 0) this.maybeCompact();
    }
    this.seconds += (performance.now() - t0) / 1000;
  }

  // The driver reads the machine through its own references to the CPU and task views: they are
  // of one class each whatever the variant, whereas the kernel object is of a different class per
  // variant (a megamorphic receiver once several variants have run in this process).

  /** The task slot current on `cpu`, NONE for the idle task. */
  private cur(cpu: number): number {
    return this.cpus[cpu]!.current;
  }

  /**
   * Current on `cpu` is part-way through a kernel path the alphabet splits: `continue`'s own
   * predicate, read through the driver's views so the common case (no path pending) costs no
   * call into the event table; the event's `enabled` still has the last word.
   */
  private midPath(cpu: number): boolean {
    const cur = this.cpus[cpu]!.current;
    if (cur === NONE) return false;
    const t = this.tasks[cur]!;
    return t.pos === Pos.KERNEL && t.kpath !== KPath.NONE;
  }

  private step(e: number, cpu: number, arg: number): void {
    const k = this.k;
    const ev = EVENTS[e]!;
    if (!ev.enabled(k, cpu, arg)) {
      this.stats.skipped++;
      return;
    }
    const sink = this.sink;
    sink.ev = e;
    // Whose memory the event reads or discards (see CostSink.memRead / discard).
    let ctx = 0;
    if (e === this.fork || e === this.exit) ctx = this.layout.stOfTask(this.cur(cpu));
    this.apply(ev, cpu, arg);
    if (ctx !== 0) {
      if (e === this.fork) sink.memRead(ctx);
      else sink.discard(ctx);
    }
    if (e === this.retToUser) sink.userRuns(cpu);
    // A kernel path the alphabet splits (signal delivery, sigreturn, VL change) runs to its end
    // before anything else happens on this CPU: the stream has no preemption inside it.
    const cont = this.contEvent;
    if (cont !== null) {
      for (let guard = 0; guard < 16 && this.midPath(cpu) && cont.enabled(k, cpu, 0); guard++) {
        sink.ev = this.cont;
        this.apply(cont, cpu, 0);
      }
    }
    if (this.userInsn[e]) {
      const cur = this.cur(cpu);
      if (cur !== NONE && this.tasks[cur]!.pos !== Pos.USER) {
        // Trapped (el0_sve_acc and friends): back to user space, and the instruction again.
        this.stats.trapRetries++;
        sink.ev = this.retToUser;
        this.apply(EVENTS[this.retToUser]!, cpu, 0);
        sink.userRuns(cpu);
        sink.ev = e;
        if (ev.enabled(k, cpu, arg)) this.apply(ev, cpu, arg);
      }
    }
  }

  /**
   * A kernel path the stream carries as a meta action (stream.ts META_DIRECT), run as the
   * variant's own kernel function on `cpu`: a tracer's regset write flushes the stopped tracee
   * (`slot`), as the kernel's fpr_set()/sve_set() do before they change its state; an exit from
   * the kernel outside a syscall is do_exit() to idle (what the `exit` event runs); a vcpu
   * thread's exec is flush_thread() (what the `exec` event runs).
   */
  private direct(op: number, slot: number, cpu: number): void {
    const k = this.k;
    k.onCpu(cpu);
    let ctx = 0;
    if (op === DIRECT_EXIT) {
      const cur = this.cur(cpu);
      if (cur === NONE) return;
      ctx = this.layout.stOfTask(cur);
      this.sink.ev = this.exit;
    }
    try {
      if (op === DIRECT_EXIT) k.do_exit(null);
      else if (op === DIRECT_EXEC) {
        this.sink.ev = this.execEv;
        k.flush_thread();
      } else k.fpsimd_flush_task_state(k.tasks[slot]!);
    } catch (err) {
      if (!(err instanceof ViolationStop)) throw err;
    }
    if (ctx !== 0) this.sink.discard(ctx);
  }

  private apply(ev: EventKind, cpu: number, arg: number): void {
    try {
      ev.apply(this.k, cpu, arg);
    } catch (err) {
      if (!(err instanceof ViolationStop)) throw err;
    }
    this.stats.modelEvents++;
  }

  /** Relabels token versions when a writer's counter nears 16 bits (see the file comment). */
  private maybeCompact(): void {
    const s = this.k.s;
    const counters = this.counters;
    let high = false;
    for (let w = 0; w < counters.length; w++) {
      const o = counters[w]!;
      if (o >= 0 && s[o]! > COMPACT_AT) high = true;
    }
    if (!high) return;
    const labels = new Map<number, number>();
    const next = new Int32Array(counters.length);
    const offs = this.k.layout.tokenOffsets;
    for (let i = 0; i < offs.length; i++) {
      const o = offs[i]!;
      const tok = s[o]!;
      const w = tok >>> VERSION_BITS;
      if (tok <= 1 || w >= counters.length || counters[w]! < 0) continue;
      let nt = labels.get(tok);
      if (nt === undefined) {
        nt = (w << VERSION_BITS) | ++next[w]!;
        labels.set(tok, nt);
      }
      s[o] = nt;
    }
    for (let w = 0; w < counters.length; w++) if (counters[w]! >= 0) s[counters[w]!] = next[w]!;
  }

  result(): CostCounters {
    return this.sink.result();
  }
}
