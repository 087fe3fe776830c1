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

function withoutFlag(events: readonly EventFamily[], without: readonly string[]): string {
  return selectionText({ families: events, without });
}

export async function huntVariant(variant: Variant, opts: HuntOptions = {}): Promise<HuntResult> {
  const t0 = performance.now();
  const budget = opts.budget ?? HUNT_BUDGET;
  const seed = opts.seed ?? 0;
  const families = opts.families ? familiesOf(variant).filter((f) => opts.families!.includes(f)) : familiesOf(variant);
  const without = opts.without ?? [];
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
  for (const [n, j] of schedule.entries()) schedule[n] = withHuntOn(j);
  const nChecks = schedule.filter((j) => j.kind === 'check').length;
  const nSims = schedule.length - nChecks;
  const deadline = opts.timeSeconds !== undefined ? t0 + opts.timeSeconds * 1000 : Infinity;
  const jobs: HuntJobResult[] = [];
  const found = new Map<string, HuntFinding>();
  let spent = 0;
  let checkPool = Math.floor(budget * CHECK_SHARE);
  let cut = false;
  let stopped = false;
  const ignored = new Set<string>();
  const elapsed = () => (performance.now() - t0) / 1000;

  const note = (jobIndex: number, v: CheckViolation, trace: Trace, actions: readonly number[], command: string, hw?: string) => {
    const key = hw ? `${violationClass(v)}@${hw}` : violationClass(v);
    if (opts.keep && !opts.keep(v, actions)) {
      ignored.add(key);
      return;
    }
    const had = found.get(key);
    if (had && had.violation.step <= v.step) return;
    found.set(key, {
      class: key,
      ...(hw ? { hw } : {}),
      violation: v,
      job: jobIndex,
      firstSpent: had ? had.firstSpent : spent,
      firstSeconds: had ? had.firstSeconds : elapsed(),
      command,
      fixedBy: fixHints(variant, v, actions),
      trace,
      actions,
    });
  };

  for (let i = 0; i < schedule.length; i++) {
    const job = schedule[i]!;
    const left = (deadline - performance.now()) / 1000;
    if (left <= 0) {
      cut = true;
      break;
    }
    const sel = withoutFlag(job.events, without);
    const shape = `--cpus ${job.cpus} --tasks ${job.tasks} --vcpus ${job.vcpus} --spare ${job.spare}${job.hw ? ` --hw ${job.hw}` : ''}`;
    opts.onProgress?.({
      job: i,
      jobs: schedule.length,
      what: `${job.kind} ${shape.replaceAll('--', '').replaceAll(' ', '')} ${sel}`,
      spent,
      budget,
      findings: found.size,
      seconds: elapsed(),
    });
    const j0 = performance.now();
    if (job.kind === 'check') {
      // An equal share of what the checks have left; an unspent share passes on.
      const share = Math.max(1, Math.floor(checkPool / (nChecks - i)));
      const { kind: _kind, hw, ...shapeOfJob } = job;
      const bounds: CheckBounds = {
        ...shapeOfJob,
        depth: 1000,
        events: job.events,
        ...(without.length ? { without } : {}),
        ...(hw ? { hw } : {}),
      };
      const r = checkVariant(variant, bounds, {
        continue: true,
        maxStates: share,
        ...(Number.isFinite(left) ? { timeSeconds: left } : {}),
      });
      if (r.verdict === 'incomplete' || r.limit) cut = r.limit?.kind === 'time' || cut;
      const vs = r.violations ?? [];
      checkPool -= r.states;
      spent += r.states;
      for (const [k, v] of vs.entries())
        note(
          i,
          v,
          r.traces![k]!,
          r.paths![k]!,
          `fpctx check --variant ${variant.name} ${shape} --depth ${v.step} --events ${sel} --continue`,
          job.hw,
        );
      jobs.push({
        ...job,
        spent: r.states,
        reach: r.completeDepth,
        exhausted: r.exhausted,
        classes: vs.map(violationClass),
        seconds: (performance.now() - j0) / 1000,
      });
    } else {
      const k = i - nChecks;
      const share = Math.max(1, Math.floor((budget - spent) / (nSims - k)));
      const steps = 200;
      const runs = Math.max(1, Math.floor(share / steps));
      const runSeed = (seed + k) >>> 0;
      const r = await simulateVariant(
        variant,
        {
          cpus: job.cpus,
          tasks: job.tasks,
          vcpus: job.vcpus,
          spare: job.spare,
          events: job.events,
          ...(without.length ? { without } : {}),
          ...(job.hw ? { hw: job.hw } : {}),
        },
        { seed: runSeed, runs, steps, continue: true, ...(Number.isFinite(left) ? { timeSeconds: left } : {}) },
      );
      if (r.verdict === 'incomplete') cut = true;
      const vs = r.violations ?? [];
      spent += r.steps;
      for (const [n, v] of vs.entries()) {
        note(
          i,
          v,
          r.traces![n]!,
          r.paths![n]!,
          `fpctx simulate --variant ${variant.name} ${shape} --seed ${runSeed} --runs ${v.run + 1} --steps ${steps} --events ${sel} --continue`,
          job.hw,
        );
      }
      jobs.push({ ...job, spent: r.steps, reach: r.runs, classes: vs.map(violationClass), seconds: (performance.now() - j0) / 1000 });
    }
    if (cut) break;
    if (opts.stop && [...found.values()].some(opts.stop)) {
      stopped = true;
      break;
    }
  }
  const findings = [...found.values()].sort(
    (a, b) => a.violation.step - b.violation.step || (a.class < b.class ? -1 : a.class > b.class ? 1 : 0),
  );
  return {
    variant: variant.name,
    budget,
    seed,
    families,
    without,
    hardware: cpus.map((h) => h ?? 'default'),
    jobs,
    scheduled: schedule.length,
    spent,
    seconds: elapsed(),
    cut,
    stopped,
    findings,
    ignored: [...ignored].sort(),
    verdict: findings.length > 0 ? 'violation' : cut ? 'incomplete' : 'ok',
  };
}
