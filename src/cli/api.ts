/**
 * The programmatic API under the CLI: typed inputs, data results, no argv, no printing. Tests,
 * the benchmarks and the suite call these directly.
 */

import { resolve } from 'node:path';
import { explore, type ExploreProgress, type ExploreResult } from '../check/explore.js';
import { exploreParallel } from '../check/parallel.js';
import type { Violation } from '../check/invariants.js';
import type { ModelRecipe } from '../check/model.js';
import { zeroCounters, type Counters } from '../cost/counters.js';
import type { BootSpec } from '../kernel/boot.js';
import { KernelModel, KernelShrinkSubject } from '../kernel/model.js';
import { EVENT_NAMES, type EventFamily } from '../kernel/events.js';
import { CTRL, combineSlices, newControl, simulateSlice, type SimulateParams, type SliceResult } from '../check/simulate.js';
import { shrink } from '../check/shrink.js';
import { capWorkers, runWorkers } from '../check/workers.js';
import { portableRecipe } from '../cluster/recipe.js';
import type { SimulateJob } from '../check/worker.js';
import { recordRun } from '../trace/record.js';
import type { Trace, TraceStep } from '../trace/types.js';
import { findVariant, VARIANTS } from '../variants/index.js';
import { loadPluginVariant } from '../variants/plugin.js';
import type { Variant } from '../variants/types.js';

export interface CheckBounds {
  /** CPUs. */
  readonly cpus: number;
  /** User-task slots, each holding a runnable task at the start. */
  readonly tasks: number;
  /** vcpus, each with its own vcpu thread (an extra slot) starting inside the run loop. */
  readonly vcpus: number;
  /** Extra slots that start free, for fork. */
  readonly spare: number;
  /** Maximum number of steps from the initial state. */
  readonly depth: number;
  /** Event families to explore (default: DEFAULT_FAMILIES, the first model's alphabet). */
  readonly events?: readonly EventFamily[];
}

/**
 * Defaults: a configuration where every event kind is possible and the seed's use-after-free
 * is reachable (7 steps on one CPU). rfc-2017 is clean at exactly these bounds.
 */
export const DEFAULT_BOUNDS: CheckBounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 12 };

const TASK_NAMES = 'ABCDEFGHIJKLMNOP';

export function bootSpecOf(b: Omit<CheckBounds, 'depth'> & { readonly depth?: number }): BootSpec {
  return {
    cpus: b.cpus,
    tasks: [
      ...Array.from({ length: b.tasks }, (_, i) => ({ name: TASK_NAMES[i]! })),
      ...Array.from({ length: b.vcpus }, (_, i) => ({ name: `V${i}`, vcpu: true })),
    ],
    spareSlots: b.spare,
    ...(b.events ? { events: b.events } : {}),
  };
}

/** What a worker thread needs to build the same model (see src/check/model.ts ModelRecipe). */
export interface KernelModelArg {
  readonly variant: string;
  readonly boot: BootSpec;
}

/** The factory worker threads call: a KernelModel of a built-in variant. */
export function kernelModel(arg: KernelModelArg): KernelModel {
  const v = findVariant(arg.variant);
  if (!v) throw new Error(`FPC508 model bug: worker asked for unknown variant ${arg.variant}`);
  return new KernelModel(v.Kernel, arg.boot);
}

/** What a worker thread needs to rebuild a plug-in variant's model: the module's absolute path. */
export interface PluginModelArg {
  readonly source: string;
  readonly boot: BootSpec;
}

/**
 * The factory worker threads call for a plug-in variant (docs/variants.md): each worker loads the
 * module itself, since classes cannot cross threads. Async; the worker awaits the model.
 */
export async function kernelModelOfPlugin(arg: PluginModelArg): Promise<KernelModel> {
  const v = await loadPluginVariant(
    arg.source,
    findVariant,
    VARIANTS.map((b) => b.name),
  );
  return new KernelModel(v.Kernel, arg.boot);
}

export function kernelModelRecipe(variant: Variant, boot: BootSpec): ModelRecipe {
  if (variant.status === 'plugin' && variant.source) {
    return {
      module: import.meta.url,
      factory: 'kernelModelOfPlugin',
      arg: { source: resolve(variant.source), boot } satisfies PluginModelArg,
    };
  }
  return { module: import.meta.url, factory: 'kernelModel', arg: { variant: variant.name, boot } satisfies KernelModelArg };
}

export interface CheckOptions {
  /** Symmetry reduction over CPUs, task slots and vcpus (default true). */
  readonly symmetry?: boolean;
  /** Rename data versions by first occurrence (default true). */
  readonly relabel?: boolean;
  /** Cap on the explorer's stores, in bytes (default: a quarter of RAM). */
  readonly memoryBytes?: number;
  /** Wall-clock cap in seconds. */
  readonly timeSeconds?: number;
  /** With symmetry off, also count orbits (for comparing the two modes). */
  readonly countOrbits?: boolean;
  /** Report only violations of these invariants; other violating steps are dead ends. */
  readonly invariants?: readonly string[];
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Called once per completed level (kept for older callers). */
  readonly onLevel?: (depth: number, states: number, transitions: number) => void;
}

export type CheckViolation = Violation & {
  step: number;
  trace: TraceStep[];
  /** Length of the counterexample before shrinking (BFS counterexamples are already minimal). */
  originalLength: number;
  /** The machine the trace runs on (what `fpctx shrink` and `fpctx run` need to replay it). */
  boot: BootSpec;
};

export interface CheckResult {
  readonly variant: string;
  readonly bounds: CheckBounds;
  /** Distinct states stored: orbit representatives with symmetry, states without. */
  readonly states: number;
  readonly transitions: number;
  /** Deepest level reached. */
  readonly depth: number;
  readonly seconds: number;
  readonly verdict: 'ok' | 'violation' | 'incomplete';
  readonly violation?: CheckViolation;
  /** Register traffic along the counterexample (zero when there is none). */
  readonly counters: Counters;
  /** Peak bytes held by the explorer's stores (visited table, trace links, queue). */
  readonly peakBytes: number;
  readonly statesPerSecond: number;
  /** Every state within this many steps was explored. */
  readonly completeDepth: number;
  /** The whole reachable space lies within the bound. */
  readonly exhausted: boolean;
  readonly symmetry: boolean;
  readonly relabel: boolean;
  /** Orbits of reachable states (see README "Performance"), when known. */
  readonly orbits?: number;
  readonly inexactCanon: number;
  readonly collisionProbability: number;
  /** New states per level. */
  readonly levels: readonly number[];
  /** Which limit stopped an incomplete check. */
  readonly limit?: { readonly kind: 'memory' | 'time'; readonly message: string };
  /** The counterexample as a full trace (for the timeline and the report). */
  readonly trace?: Trace;
}

/** Explores `variant` to `bounds`. A function as `options` is the older `onLevel` callback. */
export function checkVariant(
  variant: Variant,
  bounds: CheckBounds,
  options: CheckOptions | ((depth: number, states: number, transitions: number) => void) = {},
): CheckResult {
  const opts: CheckOptions = typeof options === 'function' ? { onLevel: options } : options;
  const spec = bootSpecOf(bounds);
  const model = new KernelModel(variant.Kernel, spec);
  const r = explore(model, {
    maxDepth: bounds.depth,
    ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
    ...(opts.relabel !== undefined ? { relabel: opts.relabel } : {}),
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.countOrbits ? { countOrbits: true } : {}),
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onLevel ? { onLevel: opts.onLevel } : {}),
  });
  return checkResultOf(variant, bounds, spec, r);
}

/**
 * checkVariant on `workers` threads (src/check/parallel.ts); with one worker, the sequential
 * explorer. Orbit counting and onLevel are sequential-only.
 */
export async function checkVariantParallel(
  variant: Variant,
  bounds: CheckBounds,
  opts: CheckOptions & { workers: number; roundBytes?: number },
): Promise<CheckResult> {
  const workers = capWorkers(opts.workers);
  if (workers <= 1 || opts.relabel === false) return checkVariant(variant, bounds, opts);
  const spec = bootSpecOf(bounds);
  const model = new KernelModel(variant.Kernel, spec);
  const r = await exploreParallel(model, kernelModelRecipe(variant, spec), {
    maxDepth: bounds.depth,
    workers,
    ...(opts.roundBytes !== undefined ? { roundBytes: opts.roundBytes } : {}),
    ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return checkResultOf(variant, bounds, spec, r);
}

/**
 * checkVariant across processes (src/cluster/explore.ts): this process coordinates, the workers
 * (`fpctx worker --redis URL`) explore. The same states, transitions and verdicts as checkVariant.
 */
export async function checkVariantRedis(
  variant: Variant,
  bounds: CheckBounds,
  opts: CheckOptions & { redis: string; partitions?: number },
): Promise<CheckResult> {
  const spec = bootSpecOf(bounds);
  const model = new KernelModel(variant.Kernel, spec);
  const symmetry = opts.symmetry ?? true;
  const ropts = {
    maxDepth: bounds.depth,
    symmetry,
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.partitions ? { partitions: opts.partitions } : {}),
    deadline: opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER,
    onLevel: (depth: number, states: number, transitions: number, seconds: number) => {
      opts.onLevel?.(depth, states, transitions);
      opts.onProgress?.({ depth, maxDepth: bounds.depth, states, transitions, seconds, bytes: 0 });
    },
  };
  // Loaded here: the Redis client is needed by --redis runs only.
  const [{ connect }, { JobRun }, { exploreOnRedis, exploreSpec }] = await Promise.all([
    import('../cluster/redis.js'),
    import('../cluster/jobs.js'),
    import('../cluster/explore.js'),
  ]);
  const redis = await connect(opts.redis);
  try {
    const dspec = exploreSpec(portableRecipe(kernelModelRecipe(variant, spec)), ropts);
    const run = await JobRun.start(redis, dspec);
    try {
      return checkResultOf(variant, bounds, spec, await exploreOnRedis(run, model, dspec, ropts));
    } finally {
      await run.close();
    }
  } finally {
    redis.disconnect();
  }
}

/** Shapes an explorer result into the API's result, replaying a counterexample into a trace. */
export function checkResultOf(variant: Variant, bounds: CheckBounds, spec: BootSpec, r: ExploreResult): CheckResult {
  const extra = {
    peakBytes: r.peakBytes,
    statesPerSecond: r.seconds > 0 ? Math.round(r.states / r.seconds) : 0,
    completeDepth: r.completeDepth,
    exhausted: r.exhausted,
    symmetry: r.symmetry,
    relabel: r.relabel,
    ...(r.orbits !== undefined ? { orbits: r.orbits } : {}),
    inexactCanon: r.inexactCanon,
    collisionProbability: r.collisionProbability,
    levels: r.levels,
    ...(r.limit ? { limit: r.limit } : {}),
  };
  const head = { variant: variant.name, bounds, states: r.states, transitions: r.transitions, depth: r.depth, seconds: r.seconds };
  if (!r.violation) return { ...head, verdict: r.verdict === 'incomplete' ? 'incomplete' : 'ok', counters: zeroCounters(), ...extra };

  // Replay the path with full instrumentation: names, calls, effects, snapshots.
  const path = r.violation.path;
  const replay = recordRun(
    variant.name,
    variant.Kernel,
    spec,
    path.map((action) => ({ action })),
  );
  const tv = replay.trace.violation;
  if (!replay.ok || !tv || tv.step !== path.length || tv.invariant !== r.violation.violation.invariant) {
    throw new Error(`FPC504 model bug: replaying the counterexample of ${variant.name} does not reproduce it`);
  }
  return {
    ...head,
    verdict: 'violation',
    violation: { ...tv, trace: replay.trace.steps, originalLength: path.length, boot: spec },
    counters: replay.trace.counters,
    ...extra,
    trace: replay.trace,
  };
}

// --- simulation ---------------------------------------------------------------------------------

export interface SimulateBounds {
  readonly cpus: number;
  readonly tasks: number;
  readonly vcpus: number;
  readonly spare: number;
}

export interface SimulateOptions {
  readonly seed: number;
  readonly runs: number;
  /** Most steps per run. */
  readonly steps: number;
  /** Swarm configurations per run (default true). */
  readonly swarm?: boolean;
  /** Worker threads (default 1: in this thread). */
  readonly workers?: number;
  /** Coordinate worker processes through the Redis at this URL instead (src/cluster/simulate.ts). */
  readonly redis?: string;
  readonly timeSeconds?: number;
  /** Shrink a failing run (default true). */
  readonly shrink?: boolean;
  readonly onProgress?: (p: { steps: number; seconds: number }) => void;
}

export type SimulateViolation = CheckViolation & {
  /** The failing run, its seed, and its swarm configuration (kind → weight; absent = off). */
  run: number;
  runSeed: number;
  swarm: Record<string, number>;
  /** What shrinking removed from the machine. */
  removed: string[];
};

export interface SimulateResult {
  readonly variant: string;
  readonly bounds: SimulateBounds & { readonly steps: number };
  readonly seed: number;
  readonly swarm: boolean;
  readonly workers: number;
  /** Runs counted: all of them, or those up to and including the first failing one. */
  readonly runs: number;
  /** Steps taken in those runs. */
  readonly steps: number;
  /** States visited (each run's initial state and one per step; repeats counted). */
  readonly states: number;
  /** == steps. */
  readonly transitions: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Peak bytes of the simulator's own records (per-chunk results, the current path). */
  readonly peakBytes: number;
  readonly verdict: 'ok' | 'violation' | 'incomplete';
  readonly violation?: SimulateViolation;
  readonly counters: Counters;
  readonly limit?: { readonly kind: 'time'; readonly message: string };
  readonly trace?: Trace;
}

export async function simulateVariant(variant: Variant, bounds: SimulateBounds, opts: SimulateOptions): Promise<SimulateResult> {
  const spec = bootSpecOf(bounds);
  const params: SimulateParams = { seed: opts.seed >>> 0, runs: opts.runs, steps: opts.steps, swarm: opts.swarm ?? true };
  const workers = capWorkers(opts.workers ?? 1);
  const t0 = performance.now();
  const deadline = opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER;
  let slices: SliceResult[];
  let timedOut: boolean;
  const report = (steps: number) => opts.onProgress?.({ steps, seconds: (performance.now() - t0) / 1000 });
  if (opts.redis) {
    const [{ connect }, { JobRun }, { simulateOnRedis }] = await Promise.all([
      import('../cluster/redis.js'),
      import('../cluster/jobs.js'),
      import('../cluster/simulate.js'),
    ]);
    const redis = await connect(opts.redis);
    try {
      const recipe = portableRecipe(kernelModelRecipe(variant, spec));
      const run = await JobRun.start(redis, { engine: 'simulate', recipe, params, deadline });
      try {
        ({ slices, timedOut } = await simulateOnRedis(run, params, deadline));
      } finally {
        await run.close();
      }
    } finally {
      redis.disconnect();
    }
  } else if (workers === 1) {
    const model = new KernelModel(variant.Kernel, spec);
    const ctrl = newControl(false);
    let steps = 0;
    slices = [simulateSlice(model, params, ctrl, deadline, (n) => report((steps += n)))];
    timedOut = ctrl[CTRL.TIMEOUT] === 1;
  } else {
    // The calling thread is one of the N: it is already warm (no module load, no cold JIT) and
    // it leaves one thread fewer to start, which is most of what parallel runs lose to overhead.
    // It takes runs from the same shared counter as the worker threads, so the outcome is the
    // same as with any other split (see simulate.ts on determinism).
    const ctrl = newControl(true);
    const progress = new Float64Array(new SharedArrayBuffer(8 * workers));
    const recipe = kernelModelRecipe(variant, spec);
    const jobs: SimulateJob[] = Array.from({ length: workers - 1 }, (_, i) => ({
      kind: 'simulate',
      recipe,
      params,
      ctrl,
      deadline,
      progress,
      index: i + 1,
    }));
    const others = runWorkers<SliceResult>(jobs);
    let own: SliceResult;
    try {
      const model = new KernelModel(variant.Kernel, spec);
      own = simulateSlice(model, params, ctrl, deadline, (n) => {
        progress[0] = progress[0]! + n;
        report(progress.reduce((a, b) => a + b, 0));
      });
    } catch (e) {
      // Stop the other threads before giving up: no run is left to claim.
      Atomics.store(ctrl, CTRL.NEXT, params.runs);
      await others.catch(() => undefined);
      throw e;
    }
    const timer = setInterval(() => report(progress.reduce((a, b) => a + b, 0)), 250);
    try {
      slices = [own, ...(await others)];
    } finally {
      clearInterval(timer);
    }
    timedOut = Atomics.load(ctrl, CTRL.TIMEOUT) === 1;
  }
  const totals = combineSlices(slices, timedOut);
  const seconds = (performance.now() - t0) / 1000;
  const chunks = slices.reduce((n, s) => n + s.chunkStart.length, 0);
  const longest = slices.reduce((n, s) => Math.max(n, s.longest), 0);
  const allSteps = slices.reduce((n, s) => s.chunkSteps.reduce((a, b) => a + b, n), 0);
  const base = {
    variant: variant.name,
    bounds: { ...bounds, steps: opts.steps },
    seed: params.seed,
    swarm: params.swarm!,
    workers,
    runs: totals.runs,
    steps: totals.steps,
    states: totals.runs + totals.steps,
    transitions: totals.steps,
    seconds,
    stepsPerSecond: seconds > 0 ? Math.round(allSteps / seconds) : 0,
    peakBytes: 24 * chunks + 8 * longest * workers,
  };
  const f = totals.failure;
  if (!f) {
    return {
      ...base,
      verdict: totals.verdict,
      counters: zeroCounters(),
      ...(totals.verdict === 'incomplete'
        ? { limit: { kind: 'time' as const, message: `time limit of ${opts.timeSeconds}s reached after ${totals.runs} runs` } }
        : {}),
    };
  }
  const sh =
    opts.shrink === false ? { spec, actions: [...f.path], removed: [] as string[] } : shrinkRun(variant, spec, f.path, f.violation);
  const trace = traceOf(variant, sh.spec, sh.actions);
  const kinds = EVENT_NAMES;
  const swarm = Object.fromEntries(f.swarm.weights.flatMap((w, k) => (w > 0 ? [[kinds[k] ?? String(k), w]] : [])));
  return {
    ...base,
    verdict: 'violation',
    violation: {
      ...trace.violation!,
      trace: trace.steps,
      originalLength: f.path.length,
      run: f.run,
      runSeed: f.runSeed,
      swarm,
      boot: sh.spec,
      removed: sh.removed,
    },
    counters: trace.counters,
    trace,
  };
}

// --- shrinking ----------------------------------------------------------------------------------

export interface ShrinkOutcome {
  readonly spec: BootSpec;
  readonly actions: number[];
  readonly removed: string[];
  /** Candidate traces replayed. */
  readonly tests: number;
}

/** Shrinks a failing action sequence on `spec` (see src/check/shrink.ts). */
export function shrinkRun(variant: Variant, spec: BootSpec, actions: readonly number[], target: Violation): ShrinkOutcome {
  const r = shrink(new KernelShrinkSubject(variant.Kernel), spec, actions, target);
  return { spec: r.config, actions: r.actions, removed: r.removed, tests: r.tests };
}

/** Replays `actions` with full instrumentation; it must end in a violation (FPC504 otherwise). */
export function traceOf(
  variant: Variant,
  spec: BootSpec,
  actions: readonly number[],
): Trace & { violation: NonNullable<Trace['violation']> } {
  const rec = recordRun(
    variant.name,
    variant.Kernel,
    spec,
    actions.map((action) => ({ action })),
  );
  const v = rec.trace.violation;
  if (!rec.ok || !v || v.step !== actions.length)
    throw new Error(`FPC504 model bug: replaying a trace of ${variant.name} does not reproduce its violation`);
  return rec.trace as Trace & { violation: NonNullable<Trace['violation']> };
}
