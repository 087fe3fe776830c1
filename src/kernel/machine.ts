/**
 * The simulated machine: the state buffer, views over it, and the services every kernel path
 * needs (which CPU is executing, the checked task accessor, violation and effect reporting).
 *
 * Kernel functions are methods of subclasses (src/kernel/fpsimd.ts, entry.ts, kvm.ts) and
 * versions installed by commits (src/kernel/versions/, src/history/). Naming convention, relied on by the call tracer: methods that model
 * a kernel function carry the kernel's snake_case name; helpers of the model are camelCase.
 */

import type { Hardware } from '../arch/hw.js';
import { EVENT_FAMILIES } from './families/declare.js';
import { dataToken, versionOf, writerOf, type Token } from '../arch/tokens.js';
import { invariantInfo, type IntegrityKind, type InvariantId, type Violation } from '../spec/invariants.js';
import { lastStateFollowed, storedThroughNull } from '../spec/observe.js';
import { NO_EFFECTS, type EffectSink } from './effects.js';
import { Layout, type MachineConfig } from './layout.js';
import { Naming } from './naming.js';
import { CpuView, GlobalView, NONE, TaskState, TaskView, VcpuView } from './records.js';

/** The `atomic` family's bit in an event mask: not a family of events but a switch (families/atomic.ts). */
const ATOMIC_BIT = 1 << EVENT_FAMILIES.indexOf('atomic');

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

/**
 * The CPU a kernel build runs on unless told otherwise (`--hw`): the one its variant was first
 * modelled on, so every existing scenario, check and golden keeps its meaning. SVE always (the
 * history starts with the SVE series); SME with SME2 and FPMR where the build uses them. FA64
 * is off: the model keeps FFR inside the Z/P token, so FA64 changes nothing it represents.
 */
export function defaultHardware(f: KernelFeatures): Hardware {
  return { sve: true, sme: f.sme, sme2: f.sme, fa64: false, fpmr: f.fpmr, nvhe: false };
}

/**
 * What the kernel uses of `hw`: a feature counts only where the build has code for it (an old
 * kernel on newer hardware leaves the new state alone and its instructions undefined at EL0).
 * SVE support is in every modelled build (CONFIG_ARM64_SVE since v4.15).
 */
export function effectiveHardware(f: KernelFeatures, hw: Hardware): Hardware {
  const sme = f.sme && hw.sme;
  // nVHE with SVE guests: KVM saves and restores SVE state for nVHE from v5.12 (8c8010d69c13);
  // older builds refuse KVM on an SVE system without VHE, so the model's v4.x KVM stays VHE.
  const nvhe = f.guestSve && hw.sve && hw.nvhe;
  return { sve: hw.sve, sme, sme2: sme && hw.sme2, fa64: sme && hw.fa64, fpmr: f.fpmr && hw.fpmr, nvhe };
}

/** Receives the kernel functions a path calls, for the timeline. */
export interface CallTracer {
  enter(fn: string): void;
  leave(): void;
}

/**
 * The machine's services the specification (src/spec/) relies on: how violations are reported
 * (`fail`, and `warnOn` for the kernel's own assertions), the checked pointer accessors that host
 * the use-after-free observation, and the ghost bookkeeping of data ownership and freed memory.
 * A kernel class that redefined one could weaken the property it is judged by, so none may:
 * the constructor refuses such a class, and the plug-in loader says so as bad input.
 */
export const SEALED: readonly string[] = [
  'fail',
  'warnOn',
  'derefLastStateTask',
  'storeVToLastState',
  'releaseSlot',
  'newTaskToken',
  'newGuestToken',
  'newKernelToken',
];

/** The first sealed member (SEALED) that class `K` or a class between it and Machine redefines, if any. */
export function sealedOverride(K: abstract new (...args: never[]) => unknown): string | undefined {
  for (let p = K.prototype as object | null; p && p !== Machine.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of SEALED) if (Object.hasOwn(p, name)) return name;
  }
  return undefined;
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
  eventMask = ~ATOMIC_BIT;
  /** Events left out inside the enabled families (by code, 1 = off; `--events -name`), or null. */
  eventOff: Uint8Array | null = null;
  /**
   * The machine's CPU (`--hw`; configuration, not state: one run has one CPU model, so the
   * fingerprint of a state need not include it). Set through setHardware.
   */
  hw: Hardware;
  /** system_supports_sve(): the CPU has SVE (every modelled build can use it). */
  hasSve = true;
  /** system_supports_sme(): the CPU has SME and the build uses it. */
  hasSme = false;
  /** system_supports_sme2(): ZT0 exists. */
  hasSme2 = false;
  /** system_supports_fa64(): FFR and the full instruction set in streaming mode. */
  hasFa64 = false;
  /** system_supports_fpmr(). */
  hasFpmr = false;
  /** KVM may give a vcpu SVE (kvm_arm_init_sve needs system_supports_sve(), and the build runs SVE guests). */
  hasGuestSve = false;
  /**
   * KVM runs in nVHE mode (`--hw ...,nvhe`): the host and its guests share ZCR_EL1. Used only
   * where it decides the host's SVE VL after a guest run (src/kernel/versions/kvm.ts, the
   * `kvmvl` family); the EL0 trap enables keep their VHE handling (see docs/findings.md).
   */
  hasNvhe = false;
  /**
   * IRQs are disabled on the executing CPU for the code now running (the scheduler's
   * preempt-notifier calls, for instance). Not state: set and cleared within one step.
   */
  irqsOff = false;
  /**
   * The fork being run is a clone() with CLONE_SETTLS (the `clone_settls` event): copy_thread()
   * then gives the child TPIDR2 0. Not state: set and cleared within one step.
   */
  cloneSettls = false;
  /**
   * Lenient machines (the cost driver's, which count every violation of a long stream and run
   * on): where `fail` hands each violation instead of unwinding the step. Null: it throws.
   */
  onViolation: ((v: Violation) => void) | null = null;
  private tracer: CallTracer | null = null;

  constructor(cfg: MachineConfig, names: readonly string[] = []) {
    const sealed = sealedOverride(new.target);
    if (sealed) throw new Error(`FPC521 model bug: kernel class ${new.target.name} redefines ${sealed}, which the specification relies on`);
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
    this.hw = defaultHardware(new.target.features);
    this.setHardware(this.hw);
  }

  /** Makes the machine's CPU `hw` (before boot; the system_supports_*() answers follow it). */
  setHardware(hw: Hardware): void {
    const f = this.features;
    const e = effectiveHardware(f, hw);
    this.hw = hw;
    this.hasSve = e.sve;
    this.hasSme = e.sme;
    this.hasSme2 = e.sme2;
    this.hasFa64 = e.fa64;
    this.hasFpmr = e.fpmr;
    this.hasGuestSve = f.guestSve && e.sve;
    this.hasNvhe = e.nvhe;
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

  /**
   * Whether the `atomic` family is enabled: some kernel paths then run in the finer steps the
   * kernel can be interrupted between (src/kernel/families/atomic.ts).
   */
  get splitPaths(): boolean {
    return (this.eventMask & ATOMIC_BIT) !== 0;
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
    // The spec judges `last_dangling` itself; the guard only spares naming the slot on every save.
    if (c.last_dangling) lastStateFollowed(this, t.state === TaskState.FREE ? null : this.naming.task(slot), where);
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
    storedThroughNull(this, st === 0, where, 'stores its registers through a NULL fpsimd_last_state');
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

  /**
   * Reports a violation the specification (src/spec/) found: unwinds the step, or, with
   * `onViolation` set, records it and returns, so that the code after the observation runs on.
   */
  fail(invariant: InvariantId, kind: IntegrityKind | undefined, where: string, message: string): never {
    const v: Violation = { invariant, ...(kind ? { kind } : {}), code: invariantInfo(invariant).code, message, where };
    this.violation = v;
    if (this.onViolation !== null) {
      this.onViolation(v);
      return undefined as never;
    }
    throw new ViolationStop(v);
  }

  /** A kernel WARN_ON(): the condition the kernel's author declared impossible. */
  warnOn(cond: boolean, where: string, message: string): boolean {
    if (cond) this.fail('kernel-warn', undefined, where, `WARN_ON in ${where}: ${message}`);
    return cond;
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
