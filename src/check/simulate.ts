/**
 * Random simulation with swarm configurations, for machines too big to exhaust.
 *
 * A run is a random walk from the initial state over enabled actions, up to `steps` steps. Each
 * run has its own seed, derived from the user's seed and the run number (rng.ts), and draws a
 * *swarm configuration* from it first (Groce et al., "Swarm testing", ISSTA 2012): every action
 * kind is switched on with probability 1/2 and given a weight from 1 to 8, and the walk then
 * only takes actions of enabled kinds, choosing among them in proportion to their kind's weight.
 * Leaving features out at random reaches deep corners that a uniform walk over everything
 * dilutes (a run without `softirq_neon` keeps its tasks' registers live for long stretches, one
 * with heavy `switch` migrates constantly). A run ends at `steps`, at the first violation, or
 * when no action of an enabled kind is enabled. `swarm: false` enables every kind with weight 1.
 *
 * Determinism. The outcome is defined as: every run in order; the answer is the first failing
 * run (lowest number), with the totals of runs up to it. Workers claim runs in increasing
 * chunks and skip only runs above the lowest failure found so far, so every run below it is
 * executed: the answer is the same for any number of workers and any timing. Only a time limit
 * makes it depend on speed (and then the verdict is "incomplete").
 *
 * Data versions grow without bound in a long walk; every 32 steps the state's versions are
 * renamed (data independence), which changes no enabled action and no verdict.
 */

import { canonFor } from './explore.js';
import { type Model, type Violation, violationClass } from './model.js';
import { Rng, runSeed } from './rng.js';

export interface SimulateParams {
  readonly seed: number;
  /** Number of runs. */
  readonly runs: number;
  /** Most steps per run. */
  readonly steps: number;
  /** Draw a swarm configuration per run (default true). */
  readonly swarm?: boolean;
  /**
   * Run every run, and keep the lowest-numbered failing run of every violation class
   * (violationClass) instead of stopping at the first failure: the same answer for any split.
   */
  readonly continue?: boolean;
}

export interface SwarmConfig {
  /** Per action kind: weight, 0 = switched off. */
  readonly weights: readonly number[];
}

export interface RunFailure {
  readonly run: number;
  readonly runSeed: number;
  readonly swarm: SwarmConfig;
  /** Actions from the initial state; the last one violates. */
  readonly path: readonly number[];
  readonly violation: Violation;
}

/** Shared control words (an Int32Array, over a SharedArrayBuffer when workers share it). */
export const CTRL = {
  /** Next run number to claim. */
  NEXT: 0,
  /** Lowest failing run found so far (INT32_MAX if none). */
  CUTOFF: 1,
  /** Set when a time limit stopped the work. */
  TIMEOUT: 2,
  SIZE: 4,
} as const;

export function newControl(shared: boolean): Int32Array {
  const c = new Int32Array(shared ? new SharedArrayBuffer(4 * CTRL.SIZE) : new ArrayBuffer(4 * CTRL.SIZE));
  c[CTRL.CUTOFF] = 0x7fffffff;
  return c;
}

/**
 * What one thread did, per chunk of runs it claimed: the chunk's first run, how many of its runs
 * ran, their steps (a Float64Array: sums can pass 2^31); plus the failure it found and its
 * longest run. A chunk is cut short only by a failure in it or by a lower failure elsewhere (then
 * it starts above that failure), so counting whole chunks that start at or below the final
 * cutoff counts exactly the runs up to it. Bookkeeping is 24 bytes per 64 runs.
 */
export interface SliceResult {
  readonly chunkStart: Int32Array;
  readonly chunkRuns: Int32Array;
  readonly chunkSteps: Float64Array;
  readonly longest: number;
  readonly failure?: RunFailure;
  /** With `continue`: this slice's lowest failing run of each class. */
  readonly failures?: readonly RunFailure[];
}

/**
 * A swarm configuration over `kinds` action kinds; only those in `drawn` (default all) get a
 * weight, in `drawn`'s order, the others 0 — they never occur in this configuration.
 */
export function swarmConfig(rng: Rng, kinds: number, swarm: boolean, drawn?: readonly number[]): SwarmConfig {
  const weights: number[] = new Array<number>(kinds).fill(drawn ? 0 : 1);
  const omit = swarm ? 0.5 * rng.float() : 0;
  const draw = (k: number) => {
    weights[k] = !swarm ? 1 : rng.float() < omit ? 0 : 1 + rng.below(8);
  };
  if (drawn) for (const k of drawn) draw(k);
  else for (let k = 0; k < kinds; k++) draw(k);
  return { weights };
}

const CHUNK = 64;

/**
 * Runs claimed from `ctrl` until all `params.runs` are done (or the cutoff/time says stop).
 * `progress(steps)` is called now and then with the steps done since the last call.
 */
export function simulateSlice(
  model: Model,
  params: SimulateParams,
  ctrl: Int32Array,
  deadline: number,
  progress?: (steps: number) => void,
): SliceResult {
  const kinds = model.actionKinds?.length ?? 1;
  const kindOf = model.kindOf ? (a: number) => model.kindOf!(a) : () => 0;
  const swarm = params.swarm ?? true;
  const canon = canonFor(model, false);
  const words = model.words;
  let s = new Int32Array(words);
  let next = new Int32Array(words);
  const init = model.initial();
  const list: number[] = [];
  const path: number[] = [];
  const starts: number[] = [];
  const counts: number[] = [];
  const sums: number[] = [];
  let longest = 0;
  let failure: RunFailure | undefined;
  const failures = new Map<string, RunFailure>();
  let pending = 0;
  let lastCheck = Date.now();

  claim: for (;;) {
    const first = Atomics.add(ctrl, CTRL.NEXT, CHUNK);
    if (first >= params.runs) break;
    const chunk = starts.length;
    starts.push(first);
    counts.push(0);
    sums.push(0);
    for (let run = first; run < Math.min(first + CHUNK, params.runs); run++) {
      if (run > Atomics.load(ctrl, CTRL.CUTOFF)) break claim;
      const seed = runSeed(params.seed, run);
      const rng = new Rng(seed);
      const cfg = swarmConfig(rng, kinds, swarm, model.drawnKinds);
      const w = cfg.weights;
      s.set(init);
      path.length = 0;
      let steps = 0;
      let violation: Violation | null = null;
      while (steps < params.steps) {
        list.length = 0;
        model.actions(s, list);
        let total = 0;
        for (let i = 0; i < list.length; i++) total += w[kindOf(list[i]!)]!;
        if (total === 0) break;
        let r = rng.float() * total;
        let a = list[0]!;
        for (let i = 0; i < list.length; i++) {
          const wi = w[kindOf(list[i]!)]!;
          if (r < wi) {
            a = list[i]!;
            break;
          }
          r -= wi;
        }
        path.push(a);
        steps++;
        violation = model.step(s, a, next);
        if (violation) break;
        const t = s;
        s = next;
        next = t;
        if ((steps & 31) === 0) canon.canonicalize(s, s);
      }
      counts[chunk]!++;
      sums[chunk]! += steps;
      if (steps > longest) longest = steps;
      pending += steps;
      if (violation && params.continue) {
        const key = violationClass(violation);
        const f = failures.get(key);
        if (!f || run < f.run) failures.set(key, { run, runSeed: seed, swarm: cfg, path: path.slice(), violation });
        if (!failure || run < failure.run) failure = failures.get(key);
      } else if (violation) {
        // Lower the cutoff to this run (atomic minimum).
        for (;;) {
          const cur = Atomics.load(ctrl, CTRL.CUTOFF);
          if (cur <= run || Atomics.compareExchange(ctrl, CTRL.CUTOFF, cur, run) === cur) break;
        }
        if (!failure || run < failure.run) failure = { run, runSeed: seed, swarm: cfg, path: path.slice(), violation };
      }
      if (pending >= 4096) {
        const now = Date.now();
        if (now - lastCheck >= 100) {
          lastCheck = now;
          progress?.(pending);
          pending = 0;
          if (now > deadline) {
            Atomics.store(ctrl, CTRL.TIMEOUT, 1);
            break claim;
          }
        }
      }
      if (Atomics.load(ctrl, CTRL.TIMEOUT)) break claim;
    }
  }
  progress?.(pending);
  return {
    chunkStart: Int32Array.from(starts),
    chunkRuns: Int32Array.from(counts),
    chunkSteps: Float64Array.from(sums),
    longest,
    ...(failure ? { failure } : {}),
    ...(params.continue ? { failures: [...failures.values()] } : {}),
  };
}

export interface SimulateTotals {
  readonly verdict: 'ok' | 'violation' | 'incomplete';
  /** Runs counted: all runs, or those up to and including the first failing one. */
  readonly runs: number;
  readonly steps: number;
  readonly failure?: RunFailure;
  /** With `continue`: the lowest failing run of every class, by run number. */
  readonly failures?: readonly RunFailure[];
}

/** Combines slices: the lowest failing run wins, and only runs up to it are counted. */
export function combineSlices(slices: readonly SliceResult[], timedOut: boolean): SimulateTotals {
  let failure: RunFailure | undefined;
  for (const sl of slices) if (sl.failure && (!failure || sl.failure.run < failure.run)) failure = sl.failure;
  let failures: RunFailure[] | undefined;
  if (slices.some((sl) => sl.failures)) {
    const by = new Map<string, RunFailure>();
    for (const sl of slices)
      for (const f of sl.failures ?? []) {
        const key = violationClass(f.violation);
        const b = by.get(key);
        if (!b || f.run < b.run) by.set(key, f);
      }
    failures = [...by.values()].sort((a, b) => a.run - b.run);
  }
  // With `continue` every run ran: all are counted.
  const cutoff = failure && !failures ? failure.run : Infinity;
  let runs = 0;
  let steps = 0;
  for (const sl of slices) {
    for (let i = 0; i < sl.chunkStart.length; i++) {
      if (sl.chunkStart[i]! > cutoff) continue;
      runs += sl.chunkRuns[i]!;
      steps += sl.chunkSteps[i]!;
    }
  }
  const verdict = failure ? 'violation' : timedOut ? 'incomplete' : 'ok';
  return { verdict, runs, steps, ...(failure ? { failure } : {}), ...(failures ? { failures } : {}) };
}
