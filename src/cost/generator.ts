/**
 * The workload generator: a profile (src/cost/profile.ts) and a seed in, an endless stream of
 * intents out, expanded into model events by the Normalizer (src/cost/stream.ts).
 *
 * The model of time is a sequence of *decisions*. Each decision picks a CPU uniformly and moves
 * what runs there one step on (docs/cost.md has the full description):
 *  - with probability `softirq_neon` a softirq uses kernel-mode NEON on that CPU instead;
 *  - an idle CPU schedules a runnable task: with probability 1 - `migration` one that last ran
 *    there (or never ran), else any; weighted by class `weight`;
 *  - a host task runs one *user slice*: it returns to user space if it was in the kernel, writes
 *    SVE (`sve`) or else FPSIMD (`fp`) registers, may take a signal; then it makes a syscall
 *    (`syscall`: kernel-mode NEON with `kernel_neon`, fork with `fork`, exit with `exit`, blocking
 *    with `block`, else straight back to user) or is preempted by the timer (`preempt`) or keeps
 *    the CPU;
 *  - a vcpu thread runs one *guest run*: enter, use FP (`guest_fp`), exit; then the exit goes to
 *    the VMM in user space (`exit_to_user`), or the vcpu blocks (1/`guest_runs`), or is
 *    preempted (`preempt`), or re-enters at the next decision. Back in user space the VMM's own
 *    slice may use FP (`fp`).
 *  - a task that blocks or is preempted is replaced by another runnable task, or with
 *    probability `idle` the CPU goes idle.
 * Zombies are reaped at once. The stream is deterministic in (profile, seed).
 */

import type { Hardware } from '../arch/hw.js';
import type { BootSpec } from '../kernel/boot.js';
import { NONE, Pos, TaskState } from '../kernel/records.js';
import type { Profile, TaskClass } from './profile.js';
import { Rng } from './rng.js';
import { IntentSource, Normalizer } from './stream.js';

/** Consecutive decisions without an event after which the stream ends anyway (rates too small to matter). */
const GIVE_UP = 1_000_000;

export interface GeneratorOptions {
  /** Overrides the profile's seed. */
  readonly seed?: number;
  /** Overrides the profile's stream length. */
  readonly events?: number;
  /**
   * The CPU every variant runs on (`--hw`; default: each variant's own). Without SVE a class's
   * SVE work runs on its FPSIMD path (what a program built for both does on such a CPU), drawn
   * from the same random choices, so the stream differs from the default one only there.
   */
  readonly hw?: Hardware;
}

export class WorkloadGenerator extends IntentSource {
  readonly boot: BootSpec;
  readonly labels: string[];
  readonly initialLabels: number[];
  protected readonly n: Normalizer;
  private readonly rng: Rng;
  private readonly classes: readonly TaskClass[];
  /** Class index of each slot's task, -1 for a free slot. */
  private readonly classOf: Int32Array;
  private readonly population: Int32Array;
  private readonly weights: Float64Array;
  /** Whether the CPU has SVE (GeneratorOptions.hw). */
  private readonly sve: boolean;

  constructor(
    readonly profile: Profile,
    opts: GeneratorOptions = {},
  ) {
    super();
    this.classes = profile.classes;
    this.labels = profile.classes.map((c) => c.name);
    this.limit = opts.events ?? profile.events;
    this.rng = new Rng(opts.seed ?? profile.seed);
    // Boot order (boot.ts slotOrder): user tasks first, then vcpu threads, then spare slots.
    const tasks: { name: string; vcpu?: boolean; cls: number }[] = [];
    const users = profile.classes.flatMap((c, i) =>
      c.vcpu ? [] : Array.from({ length: c.count }, (_, j) => ({ name: `${c.name}${j}`, cls: i })),
    );
    const vcpus = profile.classes.flatMap((c, i) =>
      c.vcpu ? Array.from({ length: c.count }, (_, j) => ({ name: `${c.name}${j}`, vcpu: true, cls: i })) : [],
    );
    tasks.push(...users, ...vcpus);
    const spare = profile.classes.reduce((s, c) => s + (c.max - c.count), 0);
    this.boot = {
      cpus: profile.cpus,
      tasks: tasks.map((t) => ({ name: t.name, ...(t.vcpu ? { vcpu: true } : {}) })),
      spareSlots: spare,
      sveVlBits: profile.sveVlBits,
      ...(opts.hw ? { hw: opts.hw } : {}),
    };
    this.sve = opts.hw?.sve ?? true;
    this.initialLabels = tasks.map((t) => t.cls);
    this.n = new Normalizer(this.boot);
    this.classOf = new Int32Array(this.n.slots).fill(-1);
    for (const [slot, t] of tasks.entries()) this.classOf[slot] = t.cls;
    this.population = Int32Array.from(profile.classes, (c) => c.count);
    this.weights = new Float64Array(this.n.slots);
  }

  /** Intents the event alphabet could not express, by kind. */
  get unsupported(): Readonly<Record<string, number>> {
    return this.n.unsupported;
  }

  /**
   * Decides until something happens. A decision may change nothing observable (an idle CPU with
   * nothing to run, a task running user code without FP); when nothing can ever happen again
   * (see `quiescent`), or a million decisions in a row change nothing, the stream ends early.
   */
  protected produce(): boolean {
    for (let empty = 1; empty <= GIVE_UP; empty++) {
      this.decide();
      if (this.n.queued > 0) return true;
      if ((empty & 63) === 0 && this.quiescent()) return false;
    }
    return false;
  }

  /**
   * No decision can emit an event any more: no softirqs, no idle CPU with a task to run, and
   * every running task is a host task in user mode whose class never uses FP, never makes a
   * syscall and is never preempted.
   */
  private quiescent(): boolean {
    const { n } = this;
    if (this.profile.softirqNeon > 0) return false;
    let idleCpu = false;
    for (let c = 0; c < n.cpus; c++) {
      const t = n.cur(c);
      if (t === NONE) {
        idleCpu = true;
        continue;
      }
      const cls = this.classes[this.classOf[t]!]!;
      if (cls.vcpu || n.pos[t] !== Pos.USER || cls.fp > 0 || cls.sve > 0 || cls.syscall > 0 || cls.preempt > 0) return false;
    }
    if (idleCpu) for (let s = 0; s < n.slots; s++) if (n.state[s] === TaskState.RUNNABLE) return false;
    return true;
  }

  private decide(): boolean {
    const { n, rng } = this;
    const c = rng.int(n.cpus);
    if (rng.chance(this.profile.softirqNeon) && n.softirqNeon(c)) return true;
    const t = n.cur(c);
    if (t === NONE) {
      const s = this.pick(c, NONE);
      if (s !== NONE) n.run(c, s);
      return true;
    }
    const cls = this.classes[this.classOf[t]!]!;
    if (cls.vcpu) this.guestRun(c, t, cls);
    else this.userSlice(c, t, cls);
    return true;
  }

  /** One user-mode slice of host task t on c, and how it ends. */
  private userSlice(c: number, t: number, cls: TaskClass): void {
    const { n, rng } = this;
    n.toUser(c);
    if (rng.chance(cls.sve)) {
      if (this.sve) n.userSve(c);
      else n.userFp(c);
    } else if (rng.chance(cls.fp)) n.userFp(c);
    if (rng.chance(cls.sme)) n.drop('sme');
    if (rng.chance(cls.signal) && n.signal(c)) {
      // The handler runs (using FP like the task's own code), then returns.
      n.toUser(c);
      if (rng.chance(cls.fp)) n.userFp(c);
      n.sigreturn(c);
      n.toUser(c);
    }
    if (rng.chance(cls.syscall)) {
      n.syscall(c);
      if (rng.chance(cls.kernelNeon)) n.kernelNeon(c);
      const ci = this.classOf[t]!;
      if (rng.chance(cls.fork) && this.population[ci]! < cls.max) {
        const child = this.freeSlot();
        if (child !== NONE && n.fork(c, child)) {
          this.classOf[child] = ci;
          this.population[ci]!++;
          n.meta(child, ci);
        }
      } else if (rng.chance(cls.exit) && this.population[ci]! > 1) {
        n.exit(c);
        n.free(t);
        this.classOf[t] = -1;
        this.population[ci]!--;
        return;
      }
      if (rng.chance(cls.block)) this.switchAway(c, t);
      else n.toUser(c);
    } else if (rng.chance(cls.preempt)) this.switchAway(c, t);
  }

  /** One guest run of vcpu thread t on c, and what follows the exit. */
  private guestRun(c: number, t: number, cls: TaskClass): void {
    const { n, rng } = this;
    if (n.pos[t] === Pos.USER || (n.pos[t] === Pos.KERNEL && !n.inSyscall[t])) {
      // The VMM in user space (handling an exit, or preempted there) before KVM_RUN again.
      n.toUser(c);
      if (rng.chance(cls.fp)) n.userFp(c);
    }
    n.guestEnter(c);
    if (rng.chance(cls.guestFp)) n.guestFp(c);
    n.guestExit(c);
    if (rng.chance(cls.exitToUser)) n.toUser(c);
    else if (rng.chance(1 / cls.guestRuns)) this.switchAway(c, t);
    else if (rng.chance(cls.preempt)) this.switchAway(c, t);
  }

  /** The task on c blocks or is preempted: another runnable task runs, or the CPU idles. */
  private switchAway(c: number, t: number): void {
    if (this.rng.chance(this.profile.idle)) {
      this.n.idle(c);
      return;
    }
    const s = this.pick(c, t);
    if (s !== NONE) this.n.run(c, s);
    else this.n.idle(c);
  }

  /** A runnable task for c (not `except`), or NONE: cache-affine unless migrating, by weight. */
  private pick(c: number, except: number): number {
    const { n, rng, weights } = this;
    const migrate = rng.chance(this.profile.migration);
    let total = 0;
    let affineTotal = 0;
    for (let s = 0; s < n.slots; s++) {
      weights[s] = 0;
      if (s === except || n.state[s] !== TaskState.RUNNABLE) continue;
      const w = this.classes[this.classOf[s]!]!.weight;
      weights[s] = w;
      total += w;
      const last = n.lastCpu[s]!;
      if (last === c || last === -1) affineTotal += w;
    }
    if (total === 0) return NONE;
    const affineOnly = !migrate && affineTotal > 0;
    let r = rng.float() * (affineOnly ? affineTotal : total);
    let chosen = NONE;
    for (let s = 0; s < n.slots; s++) {
      const w = weights[s]!;
      if (w === 0) continue;
      if (affineOnly && n.lastCpu[s] !== c && n.lastCpu[s] !== -1) continue;
      chosen = s;
      r -= w;
      if (r < 0) break;
    }
    return chosen;
  }

  private freeSlot(): number {
    for (let s = 0; s < this.n.slots; s++) if (this.n.state[s] === TaskState.FREE) return s;
    return NONE;
  }
}
