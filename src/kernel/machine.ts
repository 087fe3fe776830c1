/**
 * The simulated machine: the state buffer, views over it, and the services every kernel path
 * needs (which CPU is executing, the checked task accessor, violation and effect reporting).
 *
 * Kernel functions are methods of subclasses (src/kernel/fpsimd.ts, entry.ts, kvm.ts) and
 * versions installed by commits (src/kernel/versions/, src/history/). Naming convention, relied on by the call tracer: methods that model
 * a kernel function carry the kernel's snake_case name; helpers of the model are camelCase.
 */

import { ZERO, dataToken, versionOf, writerOf, type Token } from '../arch/tokens.js';
import { invariantInfo, judgePart, type IntegrityKind, type InvariantId, type Violation } from '../check/invariants.js';
import { NO_EFFECTS, type EffectSink } from './effects.js';
import { Layout, type MachineConfig } from './layout.js';
import { Naming } from './naming.js';
import { CpuView, GlobalView, NONE, TaskState, TaskView, VcpuView } from './records.js';

/** Thrown to unwind a kernel path once a violation is recorded. Never escapes Machine.run(). */
export class ViolationStop {
  constructor(readonly violation: Violation) {}
}

/**
 * What a kernel build supports beyond FPSIMD/SVE, declared by a variant class (a static
 * property, inherited by subclasses and plug-ins). The event families of the SME era are
 * enabled only where the matching feature is: older variants and existing checks are unchanged.
 */
export interface KernelFeatures {
  /** The layout has the SME-era extension words (required by each feature below). */
  readonly ext: boolean;
  /** system_supports_sme(): streaming mode, ZA, ZT0 (SME2), TIF_SME, the SME access trap. */
  readonly sme: boolean;
  /** system_supports_fpmr(): FEAT_FPMR, context-switched with the FP state (v6.9+). */
  readonly fpmr: boolean;
  /** KVM runs SVE guests (vcpu_has_sve) and saves their SVE state through the host's binding (v5.2+). */
  readonly guestSve: boolean;
}

export const NO_FEATURES: KernelFeatures = { ext: false, sme: false, fpmr: false, guestSve: false };

/** Receives the kernel functions a path calls, for the timeline. */
export interface CallTracer {
  enter(fn: string): void;
  leave(): void;
}

export class Machine {
  /** What this kernel build supports (see KernelFeatures); variants of the SME era override it. */
  static readonly features: KernelFeatures = NO_FEATURES;

  readonly layout: Layout;
  readonly cfg: MachineConfig;
  /** The state. Fixed buffer: states are copied in (`load`) and out (`snapshotWords`). */
  readonly s: Int32Array;
  readonly g: GlobalView;
  readonly cpus: readonly CpuView[];
  readonly tasks: readonly TaskView[];
  readonly vcpus: readonly VcpuView[];

  /** The CPU executing the current kernel path: smp_processor_id(). */
  cpu: CpuView;
  fx: EffectSink = NO_EFFECTS;
  naming: Naming;
  /** Last recorded violation of the current step. */
  violation: Violation | null = null;
  /**
   * Which event families the explorer may draw (bit i = family i of EVENT_FAMILIES in
   * src/kernel/events.ts). Configuration, not state: scenarios name their events explicitly
   * and are not filtered.
   */
  eventMask = 0xffff;
  /**
   * IRQs are disabled on the executing CPU for the code now running (the scheduler's
   * preempt-notifier calls, for instance). Not state: set and cleared within one step.
   */
  irqsOff = false;
  private tracer: CallTracer | null = null;

  constructor(cfg: MachineConfig, names: readonly string[] = []) {
    this.cfg = cfg;
    this.layout = new Layout(cfg);
    this.s = new Int32Array(this.layout.words);
    this.g = new GlobalView(this.s, 0);
    const ext = cfg.ext === true;
    this.cpus = Array.from({ length: cfg.cpus }, (_, c) => new CpuView(this.s, this.layout.cpuOffset(c), c, ext));
    this.tasks = Array.from({ length: cfg.slots }, (_, t) => new TaskView(this.s, this.layout.slotOffset(t), t, ext));
    this.vcpus = Array.from({ length: cfg.vcpus }, (_, v) => new VcpuView(this.s, this.layout.vcpuOffset(v), v, ext));
    this.cpu = this.cpus[0]!;
    this.naming = new Naming(this.layout, names);
  }

  // --- state in and out -------------------------------------------------------------------------

  load(state: Int32Array): void {
    this.s.set(state);
  }

  snapshotWords(): Int32Array {
    return this.s.slice();
  }

  /** The features of this kernel's class (KernelFeatures). */
  get features(): KernelFeatures {
    return (this.constructor as typeof Machine).features;
  }

  /** system_supports_sme() on the modelled system. */
  get hasSme(): boolean {
    return this.features.sme;
  }

  /** system_supports_fpmr() on the modelled system. */
  get hasFpmr(): boolean {
    return this.features.fpmr;
  }

  // --- execution context --------------------------------------------------------------------------

  /** Runs the following kernel code on CPU `c`. */
  onCpu(c: number): CpuView {
    this.cpu = this.cpus[c]!;
    return this.cpu;
  }

  /** `current` on the executing CPU, or null for the idle task. */
  get current(): TaskView | null {
    const slot = this.cpu.current;
    return slot === NONE ? null : this.tasks[slot]!;
  }

  /** `current` where the path requires a task (a model bug otherwise). */
  get currentTask(): TaskView {
    // `current`'s body again rather than a call of the getter: kernel objects are of a class per
    // variant, so each getter call through `this` is a megamorphic lookup in a cost run.
    const slot = this.cpu.current;
    if (slot === NONE) throw new Error(`FPC501 model bug: no current task on cpu${this.cpu.id}`);
    return this.tasks[slot]!;
  }

  // --- the checked task accessor -----------------------------------------------------------------

  /**
   * Follows `fpsimd_last_state.st` of the executing CPU to the task_struct that contains it
   * (the kernel's container_of()). This is the only place the model turns a per-CPU pointer into
   * a task, and it is where a use-after-free is detected: the pointer is never cleared when its
   * task dies, so it may name freed memory, or memory since reused by another task.
   */
  derefLastStateTask(where: string): TaskView | null {
    const c = this.cpu;
    const slot = this.layout.taskOfSt(c.last_st);
    if (slot < 0) return null;
    const t = this.tasks[slot]!;
    if (c.last_dangling) {
      const reuse = t.state === TaskState.FREE ? 'freed' : `freed and reused by ${this.naming.task(slot)}`;
      this.fail('no-uaf', undefined, where, `cpu${c.id} follows fpsimd_last_state to a task_struct that was ${reuse}`);
    }
    return t;
  }

  /**
   * Writes the V registers to the storage `fpsimd_last_state.st` names (the v4.18+
   * fpsimd_save() way: "via last rather than via current"). The store is a dereference: it is
   * a use-after-free if the storage was freed, and an oops if the pointer is NULL. Returns the
   * storage identity written, and whether it already held those registers (for the cost model).
   */
  storeVToLastState(where: string): { st: number; unmodified: boolean } {
    const c = this.cpu;
    const st = c.last_st;
    if (st === 0) this.fail('no-uaf', undefined, where, `cpu${c.id} stores its registers through a NULL fpsimd_last_state`);
    const slot = this.layout.taskOfSt(st);
    if (slot >= 0) {
      this.derefLastStateTask(where);
      const t = this.tasks[slot]!;
      const unmodified = t.uw_V === c.regV;
      t.uw_V = c.regV;
      return { st, unmodified };
    }
    const v = this.layout.vcpuOfSt(st);
    if (v >= 0) {
      const vc = this.vcpus[v]!;
      const unmodified = vc.fp_V === c.regV;
      vc.fp_V = c.regV;
      return { st, unmodified };
    }
    throw new Error(`FPC513 model bug: fpsimd_last_state.st ${st} names no storage`);
  }

  // --- violations ---------------------------------------------------------------------------------

  fail(invariant: InvariantId, kind: IntegrityKind | undefined, where: string, message: string): never {
    const v: Violation = { invariant, ...(kind ? { kind } : {}), code: invariantInfo(invariant).code, message, where };
    this.violation = v;
    throw new ViolationStop(v);
  }

  /** A kernel WARN_ON(): the condition the kernel's author declared impossible. */
  warnOn(cond: boolean, where: string, message: string): boolean {
    if (cond) this.fail('kernel-warn', undefined, where, `WARN_ON in ${where}: ${message}`);
    return cond;
  }

  /**
   * Integrity of a user context on the executing CPU: the V part always, the SVE part when EL0
   * can access it without trapping (otherwise the first access traps and do_sve_acc rebuilds it).
   */
  checkUserView(t: TaskView, where: string): void {
    const c = this.cpu;
    const own = this.layout.writerOfTask(t.slot);
    const n = this.naming;
    if (this.cfg.ext && c.regSM !== t.exp_SM) {
      // ssve-test / za-test read SVCR back (svcr_barf): the mode itself is part of the state.
      this.fail('integrity', 'corrupt', where, `${n.task(t.slot)} on cpu${c.id} runs with PSTATE.SM=${+c.regSM}, it set ${+t.exp_SM}`);
    }
    let kind = judgePart('V', t.exp_V, c.regV, own);
    let part = 'V';
    let expected = t.exp_V;
    let actual = c.regV;
    // Z/P beyond V: accessible without a trap through CPACR_EL1.ZEN, or in streaming mode SMEN.
    const streaming = this.cfg.ext && c.regSM;
    const sveOpen = streaming ? c.smen_el0 : c.zen_el0;
    if (!kind && streaming && c.smen_el0 && c.hw_svq !== t.sme_vq) {
      this.fail(
        'integrity',
        'corrupt',
        where,
        `${n.task(t.slot)} on cpu${c.id} runs streaming SVE at VL ${c.hw_svq * 128}, its SME VL is ${t.sme_vq * 128}`,
      );
    }
    if (!kind && !streaming && c.zen_el0 && t.TIF_SVE && c.hw_vq !== t.sve_vq) {
      // RDVL disagrees with the VL the task set (sve-test's vl_barf): its Z/P data is laid out
      // for another length, whatever the tokens say.
      this.fail(
        'integrity',
        'corrupt',
        where,
        `${n.task(t.slot)} on cpu${c.id} runs SVE at VL ${c.hw_vq * 128}, its VL is ${t.sve_vq * 128}`,
      );
    }
    if (!kind && sveOpen) {
      kind = judgePart('Hi', t.exp_Hi, c.regHi, own);
      part = 'SVE part';
      expected = t.exp_Hi;
      actual = c.regHi;
    } else if (!kind && !streaming && !t.TIF_SVE && t.exp_Hi !== ZERO) {
      // SVE state user space wrote (EL0 SVE was enabled although TIF_SVE was clear) that the
      // kernel does not track: its next SVE access traps, and do_sve_acc() hands it zeroed
      // Z/P/FFR above V. What it reads back is zero, not what it wrote.
      kind = 'corrupt';
      part = 'SVE part (untracked: EL0 SVE access traps and do_sve_acc zeroes it)';
      expected = t.exp_Hi;
      actual = ZERO;
    }
    if (!kind && this.cfg.ext) this.checkSmeUserView(t, c, where);
    if (kind) {
      const n = this.naming;
      this.fail(
        'integrity',
        kind,
        where,
        `${n.task(t.slot)} on cpu${c.id} sees ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
      );
    }
  }

  /**
   * The SME-era parts of a user context's view (layouts with the extension): PSTATE.ZA as user
   * space set it, ZA and ZT0 while it is enabled, FPMR on systems with FEAT_FPMR.
   */
  checkSmeUserView(t: TaskView, c: CpuView, where: string): void {
    const own = this.layout.writerOfTask(t.slot);
    const n = this.naming;
    if (c.regZAen !== t.exp_ZAen) {
      this.fail(
        'integrity',
        t.exp_ZAen ? 'lost' : 'corrupt',
        where,
        `${n.task(t.slot)} on cpu${c.id} runs with PSTATE.ZA=${+c.regZAen}, it set ${+t.exp_ZAen}`,
      );
    }
    const parts: [string, Token, Token][] = [];
    if (t.exp_ZAen) parts.push(['ZA', t.exp_ZA, c.regZA], ['ZT0', t.exp_ZT0, c.regZT0]);
    if (this.hasFpmr) parts.push(['FPMR', t.exp_FPMR, c.regFPMR]);
    for (const [part, expected, actual] of parts) {
      const kind = judgePart('V', expected, actual, own);
      if (kind)
        this.fail(
          'integrity',
          kind,
          where,
          `${n.task(t.slot)} on cpu${c.id} sees ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
        );
    }
  }

  /**
   * Integrity of a task-level kernel-mode NEON section (v6.8+, preemptible): when it uses the
   * registers again they hold what it last wrote (kselftest kernel-test: the digest matches).
   */
  checkKernelView(t: TaskView, where: string): void {
    const c = this.cpu;
    const kind = judgePart('V', t.exp_kst, c.regV, this.layout.kernelWriter);
    if (kind) {
      const n = this.naming;
      this.fail(
        'kernel-integrity',
        kind,
        where,
        `${n.task(t.slot)}'s kernel-mode NEON on cpu${c.id} sees ${n.token(c.regV)}, expected ${n.token(t.exp_kst)}`,
      );
    }
  }

  /**
   * Integrity of a task's FP state as held in memory, where a tracer reads it (PTRACE_GETREGSET
   * on a stopped task). The view depends on the format: NT_ARM_SVE reports the SVE registers
   * when TIF_SVE is set, else only V (the rest reads as zero).
   */
  checkMemoryView(t: TaskView, where: string): void {
    const own = this.layout.writerOfTask(t.slot);
    const memV = t.TIF_SVE ? t.sve_V : t.uw_V;
    const memHi = t.TIF_SVE ? t.sve_Hi : 0;
    let kind = judgePart('V', t.exp_V, memV, own);
    let part = 'V';
    let expected = t.exp_V;
    let actual = memV;
    if (!kind) {
      kind = judgePart('Hi', t.exp_Hi, memHi, own);
      part = 'SVE part';
      expected = t.exp_Hi;
      actual = memHi;
    }
    if (kind) {
      const n = this.naming;
      this.fail(
        'integrity',
        kind,
        where,
        `the tracer reads ${n.token(actual)} in ${n.task(t.slot)}'s ${part}, expected ${n.token(expected)}`,
      );
    }
  }

  /**
   * Integrity of a freshly written signal frame: the handler finds in its ucontext the state
   * the interrupted code had (fpsimd_context always; sve_context register data when present).
   */
  checkFrameView(t: TaskView, where: string): void {
    const own = this.layout.writerOfTask(t.slot);
    let kind = judgePart('V', t.exp_V, t.sig_V, own);
    let part = 'fpsimd_context';
    let expected = t.exp_V;
    let actual = t.sig_V;
    if (!kind && t.sig_sve) {
      kind = judgePart('Hi', t.exp_Hi, t.sig_Hi, own);
      part = 'sve_context';
      expected = t.exp_Hi;
      actual = t.sig_Hi;
    }
    if (kind) {
      const n = this.naming;
      this.fail(
        'integrity',
        kind,
        where,
        `${n.task(t.slot)}'s signal handler finds ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
      );
    }
  }

  checkGuestView(v: VcpuView, where: string): void {
    const c = this.cpu;
    const own = this.layout.writerOfGuest(v.id);
    const kind = judgePart('V', v.exp_V, c.regV, own);
    if (!kind && this.cfg.ext && v.has_sve) {
      const hi = judgePart('Hi', v.exp_Hi, c.regHi, own);
      if (hi) {
        const n = this.naming;
        this.fail(
          'guest-integrity',
          hi,
          where,
          `guest ${n.guest(v.id)} on cpu${c.id} sees ${n.token(c.regHi)} in its SVE part, expected ${n.token(v.exp_Hi)}`,
        );
      }
    }
    if (kind) {
      const n = this.naming;
      this.fail(
        'guest-integrity',
        kind,
        where,
        `guest ${n.guest(v.id)} on cpu${c.id} sees ${n.token(c.regV)}, expected ${n.token(v.exp_V)}`,
      );
    }
  }

  // --- data tokens ----------------------------------------------------------------------------------

  /** A fresh data value written by the task in `t` (user FP/SVE instruction). */
  newTaskToken(t: TaskView): Token {
    t.version = t.version + 1;
    return dataToken(this.layout.writerOfTask(t.slot), t.version);
  }

  newGuestToken(v: VcpuView): Token {
    v.version = v.version + 1;
    return dataToken(this.layout.writerOfGuest(v.id), v.version);
  }

  newKernelToken(): Token {
    this.g.kernel_version = this.g.kernel_version + 1;
    return dataToken(this.layout.kernelWriter, this.g.kernel_version);
  }

  /**
   * The slot's task_struct is freed: its data, wherever it still lies (registers, the KVM host
   * save area, other tasks' memory), is re-attributed to the dead incarnation, and per-CPU
   * pointers to its storage are marked dangling (ghost state; the kernel does not clear them).
   */
  releaseSlot(slot: number): void {
    const from = this.layout.writerOfTask(slot);
    const to = this.layout.writerOfDead(slot);
    const offs = this.layout.tokenOffsets;
    const s = this.s;
    for (let i = 0; i < offs.length; i++) {
      const o = offs[i]!;
      const t = s[o]!;
      if (writerOf(t) === from) s[o] = dataToken(to, versionOf(t));
    }
    const st = this.layout.stOfTask(slot);
    const kst = this.cfg.ext ? this.layout.stOfKernelState(slot) : -1;
    for (const c of this.cpus) if (c.last_st === st || c.last_st === kst) c.last_dangling = true;
    this.naming.onFree(slot);
  }

  // --- tracing ----------------------------------------------------------------------------------------

  /**
   * Wraps every kernel-named method (snake_case, see the file comment) on this instance so that
   * `tracer` sees each call. Used by the scenario runner; the checker never pays for it.
   */
  traceCalls(tracer: CallTracer): void {
    this.tracer = tracer;
    const seen = new Set<string>();
    for (let p = Object.getPrototypeOf(this); p && p !== Machine.prototype; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) {
        if (seen.has(name) || name === 'constructor' || !/^_*[a-z0-9]+(_[a-z0-9]+)+$/.test(name)) continue;
        const desc = Object.getOwnPropertyDescriptor(p, name);
        if (!desc || typeof desc.value !== 'function') continue;
        seen.add(name);
        const fn = desc.value as (...args: unknown[]) => unknown;
        Object.defineProperty(this, name, {
          value: (...args: unknown[]) => {
            this.tracer?.enter(name);
            try {
              return fn.apply(this, args);
            } finally {
              this.tracer?.leave();
            }
          },
          configurable: true,
        });
      }
    }
  }
}
