/**
 * Seeded swarm simulation (src/check/simulate.ts) of a variant, on this thread or on workers,
 * with the first failing run shrunk (src/check/shrink.ts) and replayed into a trace.
 */

import {
  CTRL,
  combineSlices,
  newControl,
  type RunFailure,
  simulateSlice,
  type SimulateParams,
  type SliceResult,
} from '../check/simulate.js';
import type { SimulateJob } from '../check/worker.js';
import { capWorkers, runWorkers } from '../check/workers.js';
import { portableRecipe } from '../cluster/recipe.js';
import { zeroCounters, type Counters } from '../cost/counters.js';
import type { BootSpec } from '../kernel/boot.js';
import { EVENT_FAMILIES, EVENT_NAMES, type EventFamily } from '../kernel/events.js';
import { KernelModel } from '../kernel/model.js';
import type { Trace } from '../trace/types.js';
import type { Variant } from '../variants/types.js';
import { bootSpecOf, type CheckViolation, fixHints } from './check.js';
import { kernelModelRecipe } from './recipes.js';
import { shrinkRun, traceOf } from './shrink.js';

export interface SimulateBounds {
  readonly cpus: number;
  readonly tasks: number;
  readonly vcpus: number;
  readonly spare: number;
  /** Event families drawn from (default: every family; those the variant lacks are never enabled). */
  readonly events?: readonly EventFamily[];
  /** Events of those families left out (by name). */
  readonly without?: readonly string[];
  /** The CPU as `--hw` spells it (default: the variant's own). */
  readonly hw?: string;
  /** The vector lengths as `--vl` spells them (CheckBounds.vl). */
  readonly vl?: string;
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
  /** Every run, and the lowest failing run of every violation class (SimulateParams.continue). */
  readonly continue?: boolean;
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
  /** With `continue`: the lowest failing run of every class, shrunk, by run number. */
  readonly violations?: readonly SimulateViolation[];
  readonly counters: Counters;
  readonly limit?: { readonly kind: 'time'; readonly message: string };
  readonly trace?: Trace;
  /** With `continue`: each of `violations` as a full trace, in the same order. */
  readonly traces?: readonly Trace[];
  /** With `continue`: each of `violations` as actions on its (shrunk) machine. */
  readonly paths?: readonly (readonly number[])[];
}

export async function simulateVariant(variant: Variant, bounds: SimulateBounds, opts: SimulateOptions): Promise<SimulateResult> {
  // Every family but `kvmvl`, `ptrace_edge`, `efi` and `tpidr2` unless told: kvmvl gives the vcpus SVE,
  // which changes the machine; ptrace_edge's header-only write finds a bug every release before
  // 316283f276eb has; efi came later, and the default alphabet's seeds stay what they were.
  const spec = bootSpecOf({
    ...bounds,
    events: bounds.events ?? EVENT_FAMILIES.filter((f) => f !== 'kvmvl' && f !== 'ptrace_edge' && f !== 'efi' && f !== 'tpidr2'),
  });
  const params: SimulateParams = {
    seed: opts.seed >>> 0,
    runs: opts.runs,
    steps: opts.steps,
    swarm: opts.swarm ?? true,
    ...(opts.continue ? { continue: true } : {}),
  };
  const workers = capWorkers(opts.workers ?? 1);
  const t0 = performance.now();
  const deadline = opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER;
  let slices: SliceResult[];
  let timedOut: boolean;
  const report = (steps: number) => opts.onProgress?.({ steps, seconds: (performance.now() - t0) / 1000 });
  if (opts.redis) {
    const [{ connect, lostRedis }, { JobRun }, { simulateOnRedis }] = await Promise.all([
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
    } catch (e) {
      throw lostRedis(e, redis, opts.redis);
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
  const failed = (totals.failures ?? [f]).map((x) => failedRun(variant, spec, x, opts.shrink !== false));
  const first = failed.find((x) => x.violation.run === f.run)!;
  return {
    ...base,
    verdict: 'violation',
    violation: first.violation,
    ...(totals.failures ? { violations: failed.map((x) => ({ ...x.violation, fixedBy: fixHints(variant, x.violation, x.actions) })) } : {}),
    counters: first.trace.counters,
    trace: first.trace,
    ...(totals.failures ? { traces: failed.map((x) => x.trace), paths: failed.map((x) => x.actions) } : {}),
  };
}

/** A failing run, shrunk (unless told not to) and replayed into a trace. */
function failedRun(
  variant: Variant,
  spec: BootSpec,
  f: RunFailure,
  shrink: boolean,
): { violation: SimulateViolation; trace: Trace; actions: readonly number[] } {
  const sh = !shrink ? { spec, actions: [...f.path], removed: [] as string[] } : shrinkRun(variant, spec, f.path, f.violation);
  const trace = traceOf(variant, sh.spec, sh.actions);
  const kinds = EVENT_NAMES;
  const swarm = Object.fromEntries(f.swarm.weights.flatMap((w, k) => (w > 0 ? [[kinds[k] ?? String(k), w]] : [])));
  return {
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
    trace,
    actions: sh.actions,
  };
}
