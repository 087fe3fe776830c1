/**
 * `fpctx hunt`: everything the checker can find on one variant, in one command.
 *
 * A fixed schedule of jobs, cheapest first: bounded checks with `continue` over event-family
 * combinations (core with each family the variant has, singly; the default alphabet; core with
 * every family) on small machine shapes (1-2 CPUs, 1-2 tasks, a vcpu where the family needs
 * one, a spare slot for fork), then swarm simulation with `continue` over every family on
 * bigger machines (2-3 CPUs). Results are deduplicated by violation class (violationClass),
 * keeping the shortest trace; each comes with a command that reproduces it and the modelled fix
 * that matches it, if any.
 *
 * Hardware. By default every job runs on the variant's own CPU. With `hardware` (`--hw X`, or
 * `--hw all`: every configuration the kernel distinguishes, src/app/hardware.ts) the schedule
 * runs on each CPU listed, in the same budget: the checks and simulations then share it
 * among more jobs. A class found on another CPU is its own finding (`class@hw`), since the same
 * class on different hardware is usually a different bug (an SVE-only system running code
 * written for SME).
 *
 * Determinism. The work is bounded by a *budget* in states (checks) and steps (simulation), not
 * by the clock: each check starts no BFS level past its share of states (ExploreOptions
 * .maxStates), and unspent shares pass on to the next job, so the same variant, budget and seed
 * give the same jobs, the same findings and the same traces on any machine. `timeSeconds` is
 * only an outer cap: when it cuts the schedule the result says so (`cut`), and what was found
 * before is still reported, but it then depends on the machine's speed.
 */

import { type Hardware, hwName, parseHw } from '../arch/hw.js';
import { violationClass } from '../check/model.js';
import type { EventFamily } from '../kernel/events.js';
import { FAMILIES, selectionText } from '../kernel/events.js';
import type { Trace } from '../trace/types.js';
import type { Variant } from '../variants/types.js';
import { type CheckBounds, type CheckViolation, checkVariant, type FixHint, fixHints } from './check.js';
import { isDefaultHardware } from './hardware.js';
import { simulateVariant } from './simulate.js';
import { defaultHardware } from '../kernel/machine.js';

export interface HuntOptions {
  /** States (checks) plus steps (simulation) to spend in all (default HUNT_BUDGET). */
  readonly budget?: number;
  readonly seed?: number;
  /** Wall-clock cap in seconds: ends the schedule early (the result then says `cut`). */
  readonly timeSeconds?: number;
  /** Families to hunt over (default: every family the variant has). */
  readonly families?: readonly EventFamily[];
  /** Events left out (by name) in every job. */
  readonly without?: readonly string[];
  /** CPUs to hunt on, in order (default: the variant's own only; an entry equal to it means it). */
  readonly hardware?: readonly Hardware[];
  /**
   * Vector lengths of every job (`--vl` spelling, CheckBounds.vl). Default: the machine's
   * defaults, but a family's FamilyDecl.huntVlWithSme for the jobs with it.
   */
  readonly vl?: string;
  /**
   * Keeps only the violations this accepts (`fpctx mutants`: those that tell a mutant from the
   * original); the classes of the others are listed in `ignored`.
   */
  readonly keep?: (v: CheckViolation, actions: readonly number[]) => boolean;
  /** Ends the schedule after the job that finds a finding this accepts (`fpctx mutants`). */
  readonly stop?: (f: HuntFinding) => boolean;
  /** Called before each job. */
  readonly onProgress?: (p: HuntProgress) => void;
}

export interface HuntProgress {
  readonly job: number;
  readonly jobs: number;
  readonly what: string;
  readonly spent: number;
  readonly budget: number;
  readonly findings: number;
  readonly seconds: number;
}

/** About a minute of one core (measured on v4.18-rc1: 3M took 19 CPU-s), well within the 5-minute default cap. */
export const HUNT_BUDGET = 10_000_000;

/** Share of the budget the checks get; the simulation gets the rest (and what checks left). */
const CHECK_SHARE = 0.7;

export interface HuntJob {
  readonly kind: 'check' | 'simulate';
  readonly cpus: number;
  readonly tasks: number;
  readonly vcpus: number;
  readonly spare: number;
  readonly events: readonly EventFamily[];
  /** The CPU as `--hw` spells it; absent on the variant's own. */
  readonly hw?: string;
  /** The vector lengths as `--vl` spells them; absent at the defaults. */
  readonly vl?: string;
}

export interface HuntJobResult extends HuntJob {
  /** States (check) or steps (simulate) spent. */
  readonly spent: number;
  /** Check: every state within this many steps was explored; simulate: runs done. */
  readonly reach: number;
  /** Check: the whole reachable space (violations aside) was explored. */
  readonly exhausted?: boolean;
  /** Classes this job found (new or not). */
  readonly classes: readonly string[];
  readonly seconds: number;
}

export interface HuntFinding {
  /** violationClass of the violation, with `@hw` when found on a CPU other than the variant's own. */
  readonly class: string;
  /** The CPU it was found on (`--hw` spelling); absent on the variant's own. */
  readonly hw?: string;
  readonly violation: CheckViolation;
  /** The job (index into `jobs`) whose trace is kept: the shortest, the earliest on a tie. */
  readonly job: number;
  /** Budget spent up to the end of the job that first found this class (deterministic). */
  readonly firstSpent: number;
  /** Seconds from the start of the hunt when it was first found (machine-dependent). */
  readonly firstSeconds: number;
  /** A command that reproduces it. */
  readonly command: string;
  readonly fixedBy: readonly FixHint[];
  readonly trace: Trace;
  /** The trace as actions on `violation.boot` (what a replay on another variant needs). */
  readonly actions: readonly number[];
}

export interface HuntResult {
  readonly variant: string;
  readonly budget: number;
  readonly seed: number;
  readonly families: readonly EventFamily[];
  readonly without: readonly string[];
  /** The CPUs hunted on, in order (`--hw` spelling; `default` for the variant's own). */
  readonly hardware: readonly string[];
  readonly jobs: readonly HuntJobResult[];
  /** Jobs in the schedule (more than `jobs.length` when the time cap cut it). */
  readonly scheduled: number;
  readonly spent: number;
  readonly seconds: number;
  /** The time cap ended the schedule early: the result depends on the machine's speed. */
  readonly cut: boolean;
  /** `stop` ended the schedule early. */
  readonly stopped: boolean;
  /** Shortest first (then by class). */
  readonly findings: readonly HuntFinding[];
  /** With `keep`: classes of violations it did not keep. */
  readonly ignored: readonly string[];
  readonly verdict: 'ok' | 'violation' | 'incomplete';
}

/** The families a variant's kernel has (a family whose feature it lacks is never enabled). */
export function familiesOf(variant: Variant): EventFamily[] {
  const f = variant.Kernel.features as unknown as Record<string, boolean | undefined>;
  return FAMILIES.filter((d) => !d.requires || f[d.requires] === true).map((d) => d.name);
}

/** The smallest machine on which every event of `events` can happen. */
function smallest(events: readonly EventFamily[]): Omit<HuntJob, 'kind' | 'events'> {
  const has = (f: EventFamily) => events.includes(f);
  return {
    cpus: has('hotplug') ? 2 : 1,
    tasks: has('ptrace') ? 2 : 1,
    vcpus: has('kvm') || has('kvm_sve') || has('kvmvl') ? 1 : 0,
    spare: has('fork') ? 1 : 0,
  };
}

/**
 * The schedule for `families`: checks cheapest first, then simulation. Deterministic.
 *
 * Checks: core alone, core with each family, core with each pair of families, the default
 * alphabet, every family; each on the smallest machine its events need (a second task for
 * ptrace, a vcpu for KVM, a spare slot for fork, a second CPU for hotplug). Then the single
 * families and the default alphabet again with a second task, a second CPU, and both. Bugs
 * need two families at most in every finding so far (ptrace with fork, signals with KVM, VL
 * changes with exec); a third family in a check mostly dilutes its budget, and the swarm
 * simulation covers the combinations of many.
 */
export function huntSchedule(families: readonly EventFamily[]): HuntJob[] {
  const others = families.filter((f) => f !== 'core');
  const combos: EventFamily[][] = [];
  const add = (c: readonly string[]) => {
    const sorted = families.filter((f) => c.includes(f));
    if (!combos.some((x) => x.join() === sorted.join())) combos.push(sorted);
  };
  add(['core']);
  for (const f of others) add(['core', f]);
  const singles = combos.length;
  for (let a = 0; a < others.length; a++) for (let b = a + 1; b < others.length; b++) add(['core', others[a]!, others[b]!]);
  // kvmvl's finding needs a guest, its VL choice and a host save in the window after exit: a
  // softirq's kernel-mode NEON (neon) with the run loop (kvm), three families besides core.
  if (families.includes('kvmvl')) add(['core', 'neon', 'kvm', 'kvmvl']);
  add(['core', 'neon', 'fork', 'kvm']);
  add(families);
  const jobs: HuntJob[] = [];
  const push = (events: EventFamily[], g: { cpus: number; tasks: number }) => {
    const s = smallest(events);
    const job = { kind: 'check' as const, ...s, cpus: Math.min(2, s.cpus + g.cpus), tasks: s.tasks + g.tasks, events };
    if (!jobs.some((j) => JSON.stringify(j) === JSON.stringify(job))) jobs.push(job);
  };
  for (const events of combos) push(events, { cpus: 0, tasks: 0 });
  const wider = [...combos.slice(0, singles), ...combos.slice(-2, -1)];
  for (const g of [
    { cpus: 0, tasks: 1 },
    { cpus: 1, tasks: 0 },
    { cpus: 1, tasks: 1 },
  ])
    for (const events of wider) push(events, g);
  jobs.push({ kind: 'simulate', cpus: 2, tasks: 2, vcpus: 1, spare: 1, events: [...families] });
  jobs.push({ kind: 'simulate', cpus: 3, tasks: 3, vcpus: 1, spare: 1, events: [...families] });
  return jobs;
}

/** Everything a hunt's schedule is made of, fixed before any job runs. */
export interface HuntPlan {
  readonly variant: Variant;
  readonly budget: number;
  readonly seed: number;
  readonly families: readonly EventFamily[];
  readonly without: readonly string[];
  /** The CPUs hunted on, in order; `undefined` is the variant's own. */
  readonly cpus: readonly (string | undefined)[];
  readonly schedule: readonly HuntJob[];
  readonly nChecks: number;
}

export function planHunt(variant: Variant, opts: HuntOptions = {}): HuntPlan {
  const families = opts.families ? familiesOf(variant).filter((f) => opts.families!.includes(f)) : familiesOf(variant);
  // The CPUs in the order asked for, each once; the variant's own is `undefined` (no --hw).
  const cpus: (string | undefined)[] = [];
  for (const h of opts.hardware ?? [undefined]) {
    const name = h === undefined || isDefaultHardware(variant, h) ? undefined : hwName(h);
    if (!cpus.includes(name)) cpus.push(name);
  }
  // Every CPU's checks first, then every CPU's simulations: the budget shares below count on it.
  const base = huntSchedule(families);
  const onEach = (kind: HuntJob['kind']) => cpus.flatMap((hw) => base.filter((j) => j.kind === kind).map((j) => (hw ? { ...j, hw } : j)));
  const schedule: HuntJob[] = [...onEach('check'), ...onEach('simulate')];
  // A family may name CPU options its events need to show anything (FamilyDecl.huntOn: kvmvl
  // runs KVM in nVHE mode); a job with it gets them where the CPU admits them (nVHE needs SVE).
  const withHuntOn = (j: HuntJob): HuntJob => {
    const extra = Object.assign({}, ...FAMILIES.filter((d) => d.huntOn && j.events.includes(d.name)).map((d) => d.huntOn));
    if (Object.keys(extra).length === 0) return j;
    const h = j.hw === undefined ? defaultHardware(variant.Kernel.features) : parseHw(j.hw);
    if (typeof h === 'string') return j;
    const more = parseHw(hwName({ ...h, ...extra }));
    return typeof more === 'string' ? j : { ...j, hw: hwName(more) };
  };
  // Vector lengths: `vl` for every job when asked; else a family's own where the kernel and the
  // job's CPU have SME (FamilyDecl.huntVlWithSme).
  const withVl = (j: HuntJob): HuntJob => {
    if (opts.vl !== undefined) return { ...j, vl: opts.vl };
    const vl = FAMILIES.find((d) => d.huntVlWithSme && j.events.includes(d.name))?.huntVlWithSme;
    if (vl === undefined || !variant.Kernel.features.sme) return j;
    const h = j.hw === undefined ? defaultHardware(variant.Kernel.features) : parseHw(j.hw);
    return typeof h !== 'string' && h.sme ? { ...j, vl } : j;
  };
  for (const [n, j] of schedule.entries()) schedule[n] = withVl(withHuntOn(j));
  return {
    variant,
    budget: opts.budget ?? HUNT_BUDGET,
    seed: opts.seed ?? 0,
    families,
    without: opts.without ?? [],
    cpus,
    schedule,
    nChecks: schedule.filter((j) => j.kind === 'check').length,
  };
}

/** What a job is run with: a check's share of states, or a simulation's runs and seed. */
export type JobParam = { readonly share: number } | { readonly runs: number; readonly seed: number };

/** Steps per simulated run. */
const SIM_STEPS = 200;

/**
 * What one job found, as plain data (it crosses processes under `hunt --redis`). A check's
 * levels (new states per level, as ExploreResult.levels) let a run with a larger share stand
 * for one with a smaller share (truncateCheck).
 */
export type JobOutcome =
  | {
      readonly kind: 'check';
      readonly share: number;
      readonly states: number;
      readonly completeDepth: number;
      readonly exhausted: boolean;
      readonly levels: readonly number[];
      readonly limit?: string;
      readonly violations: readonly CheckViolation[];
      readonly traces: readonly Trace[];
      readonly paths: readonly (readonly number[])[];
    }
  | {
      readonly kind: 'simulate';
      readonly runs: number;
      readonly seed: number;
      readonly steps: number;
      readonly incomplete: boolean;
      readonly violations: readonly (CheckViolation & { readonly run: number })[];
      readonly traces: readonly Trace[];
      readonly paths: readonly (readonly number[])[];
    };

/** A check's shape flags (`--cpus 1 --tasks 2 ...`), as its reproducing command spells them. */
function shapeOf(job: HuntJob): string {
  return `--cpus ${job.cpus} --tasks ${job.tasks} --vcpus ${job.vcpus} --spare ${job.spare}${job.hw ? ` --hw ${job.hw}` : ''}${job.vl ? ` --vl ${job.vl}` : ''}`;
}

/** Runs one job of the schedule in this process; `deadline` is a Date.now() time. */
export async function runHuntJob(
  variant: Variant,
  job: HuntJob,
  without: readonly string[],
  param: JobParam,
  deadline: number,
): Promise<JobOutcome> {
  const left = (deadline - Date.now()) / 1000;
  const timed = Number.isFinite(left) ? { timeSeconds: Math.max(0.001, left) } : {};
  const { kind: _kind, hw, vl, ...shape } = job;
  if ('share' in param) {
    const bounds: CheckBounds = {
      ...shape,
      depth: 1000,
      ...(without.length ? { without } : {}),
      ...(hw ? { hw } : {}),
      ...(vl ? { vl } : {}),
    };
    const r = checkVariant(variant, bounds, { continue: true, maxStates: param.share, ...timed });
    return {
      kind: 'check',
      share: param.share,
      states: r.states,
      completeDepth: r.completeDepth,
      exhausted: r.exhausted,
      levels: r.levels,
      ...(r.limit ? { limit: r.limit.kind } : {}),
      violations: r.violations ?? [],
      traces: r.traces ?? [],
      paths: r.paths ?? [],
    };
  }
  const r = await simulateVariant(
    variant,
    { ...shape, ...(without.length ? { without } : {}), ...(hw ? { hw } : {}), ...(vl ? { vl } : {}) },
    { seed: param.seed, runs: param.runs, steps: SIM_STEPS, continue: true, ...timed },
  );
  return {
    kind: 'simulate',
    runs: param.runs,
    seed: param.seed,
    steps: r.steps,
    incomplete: r.verdict === 'incomplete',
    violations: r.violations ?? [],
    traces: r.traces ?? [],
    paths: r.paths ?? [],
  };
}

/**
 * The outcome a job run with `param` has, from an outcome `o` of the same job run with another
 * parameter; null when `o` cannot tell. A simulation must have had the same runs and seed. A
 * check that stopped at its share (no level is started past it, ExploreOptions.maxStates) has
 * explored a prefix of the same breadth-first search whatever its share, level by level: with a
 * smaller share the search stops at the first level that reaches it, and finds the violations
 * of the steps up to there (each class's first, hence shortest, trace is in that prefix too). A
 * larger share is answered by a check that ended before its own share (exhausted, or a limit).
 */
export function outcomeFor(o: JobOutcome, param: JobParam): JobOutcome | null {
  if (o.kind === 'simulate') return 'runs' in param && param.runs === o.runs && param.seed === o.seed ? o : null;
  if (!('share' in param)) return null;
  if (param.share === o.share) return o;
  let total = 0;
  for (let d = 0; d <= o.completeDepth && d < o.levels.length; d++) {
    total += o.levels[d]!;
    if (total < param.share) continue;
    const keep = o.violations.map((v, i) => (v.step <= d ? i : -1)).filter((i) => i >= 0);
    return {
      kind: 'check',
      share: param.share,
      states: total,
      completeDepth: d,
      exhausted: false,
      levels: o.levels.slice(0, d + 1),
      violations: keep.map((i) => o.violations[i]!),
      traces: keep.map((i) => o.traces[i]!),
      paths: keep.map((i) => o.paths[i]!),
    };
  }
  // No level reached the share: the same outcome, unless `o` stopped only because of its own.
  const stoppedAtShare = !o.exhausted && o.limit === undefined && o.completeDepth < 1000;
  return stoppedAtShare ? null : { ...o, share: param.share };
}

/**
 * The hunt's accounting, job by job in schedule order: each job's parameter follows from what
 * the jobs before it spent (an equal share of what is left, unspent shares passing on), and its
 * outcome is recorded into the findings. Shared by the hunt in one process and `hunt --redis`,
 * so both give the same answer for the same outcomes.
 */
export class HuntLedger {
  readonly jobs: HuntJobResult[] = [];
  private readonly found = new Map<string, HuntFinding>();
  private readonly ignored = new Set<string>();
  spent = 0;
  private checkPool: number;
  cut = false;
  stopped = false;
  private readonly t0 = performance.now();

  constructor(
    readonly plan: HuntPlan,
    private readonly opts: HuntOptions,
  ) {
    this.checkPool = Math.floor(plan.budget * CHECK_SHARE);
  }

  /** The next job to record (== jobs.length), or the schedule's length when the hunt is over. */
  get next(): number {
    return this.done ? this.plan.schedule.length : this.jobs.length;
  }

  get done(): boolean {
    return this.cut || this.stopped || this.jobs.length >= this.plan.schedule.length;
  }

  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /**
   * The parameter of job `i` if every job before it not yet recorded spends `assumed(j)` (its own
   * parameter's worth by default): exact for the next job, an estimate for later ones.
   */
  paramOf(i: number, assumed?: (j: number, p: JobParam) => number): JobParam {
    const { schedule, nChecks, budget, seed } = this.plan;
    let pool = this.checkPool;
    let spent = this.spent;
    for (let j = this.jobs.length; ; j++) {
      const job = schedule[j]!;
      let p: JobParam;
      if (job.kind === 'check') p = { share: Math.max(1, Math.floor(pool / (nChecks - j))) };
      else {
        const k = j - nChecks;
        const share = Math.max(1, Math.floor((budget - spent) / (schedule.length - nChecks - k)));
        p = { runs: Math.max(1, Math.floor(share / SIM_STEPS)), seed: (seed + k) >>> 0 };
      }
      if (j === i) return p;
      const s = assumed ? assumed(j, p) : 'share' in p ? p.share : p.runs * SIM_STEPS;
      if (job.kind === 'check') pool -= s;
      spent += s;
    }
  }

  /** Tells the progress callback that job `i` starts (or is the next to be recorded). */
  progress(i: number): void {
    const job = this.plan.schedule[i]!;
    this.opts.onProgress?.({
      job: i,
      jobs: this.plan.schedule.length,
      what: `${job.kind} ${shapeOf(job).replaceAll('--', '').replaceAll(' ', '')} ${selectionText({ families: job.events, without: this.plan.without })}`,
      spent: this.spent,
      budget: this.plan.budget,
      findings: this.found.size,
      seconds: this.elapsed(),
    });
  }

  /** Records the outcome of the next job (run with paramOf(next)). */
  record(o: JobOutcome, seconds: number): void {
    const i = this.jobs.length;
    const job = this.plan.schedule[i]!;
    const { variant, without } = this.plan;
    const sel = selectionText({ families: job.events, without });
    const shape = shapeOf(job);
    if (o.kind === 'check') {
      if (o.limit === 'time') this.cut = true;
      this.checkPool -= o.states;
      this.spent += o.states;
      for (const [k, v] of o.violations.entries())
        this.note(
          i,
          v,
          o.traces[k]!,
          o.paths[k]!,
          `fpctx check --variant ${variant.name} ${shape} --depth ${v.step} --events ${sel} --continue`,
          job.hw,
        );
      this.jobs.push({
        ...job,
        spent: o.states,
        reach: o.completeDepth,
        exhausted: o.exhausted,
        classes: o.violations.map(violationClass),
        seconds,
      });
    } else {
      if (o.incomplete) this.cut = true;
      this.spent += o.steps;
      for (const [n, v] of o.violations.entries())
        this.note(
          i,
          v,
          o.traces[n]!,
          o.paths[n]!,
          `fpctx simulate --variant ${variant.name} ${shape} --seed ${o.seed} --runs ${v.run + 1} --steps ${SIM_STEPS} --events ${sel} --continue`,
          job.hw,
        );
      this.jobs.push({ ...job, spent: o.steps, reach: o.runs, classes: o.violations.map(violationClass), seconds });
    }
    if (!this.cut && this.opts.stop && [...this.found.values()].some(this.opts.stop)) this.stopped = true;
  }

  private note(jobIndex: number, v: CheckViolation, trace: Trace, actions: readonly number[], command: string, hw?: string): void {
    const key = hw ? `${violationClass(v)}@${hw}` : violationClass(v);
    if (this.opts.keep && !this.opts.keep(v, actions)) {
      this.ignored.add(key);
      return;
    }
    const had = this.found.get(key);
    if (had && had.violation.step <= v.step) return;
    this.found.set(key, {
      class: key,
      ...(hw ? { hw } : {}),
      violation: v,
      job: jobIndex,
      firstSpent: had ? had.firstSpent : this.spent,
      firstSeconds: had ? had.firstSeconds : this.elapsed(),
      command,
      fixedBy: fixHints(this.plan.variant, v, actions),
      trace,
      actions,
    });
  }

  result(): HuntResult {
    const findings = [...this.found.values()].sort(
      (a, b) => a.violation.step - b.violation.step || (a.class < b.class ? -1 : a.class > b.class ? 1 : 0),
    );
    const p = this.plan;
    return {
      variant: p.variant.name,
      budget: p.budget,
      seed: p.seed,
      families: p.families,
      without: p.without,
      hardware: p.cpus.map((h) => h ?? 'default'),
      jobs: this.jobs,
      scheduled: p.schedule.length,
      spent: this.spent,
      seconds: this.elapsed(),
      cut: this.cut,
      stopped: this.stopped,
      findings,
      ignored: [...this.ignored].sort(),
      verdict: findings.length > 0 ? 'violation' : this.cut ? 'incomplete' : 'ok',
    };
  }
}

/** Runs the schedule in this process, one job after the other. */
export async function huntVariant(v: Variant, opts: HuntOptions = {}): Promise<HuntResult> {
  const ledger = new HuntLedger(planHunt(v, opts), opts);
  const deadline = opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.POSITIVE_INFINITY;
  while (!ledger.done) {
    const i = ledger.next;
    if (Date.now() >= deadline) {
      ledger.cut = true;
      break;
    }
    ledger.progress(i);
    const j0 = performance.now();
    const o = await runHuntJob(v, ledger.plan.schedule[i]!, ledger.plan.without, ledger.paramOf(i), deadline);
    ledger.record(o, (performance.now() - j0) / 1000);
  }
  return ledger.result();
}
