/**
 * `simulate` across processes: the runs are cut into jobs of JOB_RUNS consecutive runs, each run
 * by simulateSlice exactly as a worker thread would run its share (src/check/simulate.ts). The
 * answer is defined as on one machine, the lowest-numbered failing run with the totals of the
 * runs up to it, and computed the same way (combineSlices), so it is the same for any number of
 * processes, any timing and any retried job.
 *
 * A failure found lowers the run's cutoff in Redis (an atomic minimum), and a job reads it
 * when it starts: jobs wholly above it skip their runs, which are not counted anyway. A job's
 * result is its SliceResult, counted once however often the job ran (jobs.ts).
 */

import type { ModelRecipe } from '../check/model.js';
import { CTRL, newControl, simulateSlice, type RunFailure, type SimulateParams, type SliceResult } from '../check/simulate.js';
import type { JobContext, JobHandler, JobRun } from './jobs.js';
import { buildModel } from './recipe.js';
import { K } from './redis.js';

/** Runs per job: a few hundred milliseconds of work, so a lost job costs little to redo. */
export const JOB_RUNS = 256;

export interface SimulateSpec {
  readonly engine: 'simulate';
  readonly recipe: ModelRecipe;
  readonly params: SimulateParams;
  readonly deadline: number;
}

interface Payload {
  readonly first: number;
}

/** A SliceResult as JSON (typed arrays as plain ones). */
interface SliceJson {
  readonly chunkStart: number[];
  readonly chunkRuns: number[];
  readonly chunkSteps: number[];
  readonly longest: number;
  readonly failure?: RunFailure;
  readonly timedOut: boolean;
}

const cutoffKey = (run: string) => `${K.run(run)}:cutoff`;

/** SET key to min(current, value), atomically; only while the run exists (KEYS[2], its spec: see dropRun). */
const LOWER = `if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end local c = redis.call('GET', KEYS[1]) if (not c) or tonumber(c) > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

export const simulateJobs: Record<string, JobHandler> = {
  'simulate.runs': (async (p: Payload, ctx: JobContext): Promise<SliceJson> => {
    const spec = ctx.spec as SimulateSpec;
    let model = ctx.cache.get('model') as Awaited<ReturnType<typeof buildModel>> | undefined;
    if (!model) ctx.cache.set('model', (model = await buildModel(spec.recipe)));
    const ctrl = newControl(false);
    ctrl[CTRL.NEXT] = p.first;
    const cutoff = await ctx.redis.get(cutoffKey(ctx.run));
    if (cutoff !== null) ctrl[CTRL.CUTOFF] = Number(cutoff);
    const params = { ...spec.params, runs: Math.min(spec.params.runs, p.first + JOB_RUNS) };
    const s = simulateSlice(model, params, ctrl, spec.deadline);
    if (s.failure) await ctx.redis.eval(LOWER, 2, cutoffKey(ctx.run), K.spec(ctx.run), String(s.failure.run));
    return {
      chunkStart: [...s.chunkStart],
      chunkRuns: [...s.chunkRuns],
      chunkSteps: [...s.chunkSteps],
      longest: s.longest,
      ...(s.failure ? { failure: s.failure } : {}),
      timedOut: ctrl[CTRL.TIMEOUT] === 1,
    };
  }) as JobHandler,
};

/** Runs `params` on the workers of `run`; the slices and whether the time limit cut them short. */
export async function simulateOnRedis(
  run: JobRun,
  params: SimulateParams,
  deadline: number,
): Promise<{ slices: SliceResult[]; timedOut: boolean }> {
  const payloads: Payload[] = [];
  for (let first = 0; first < params.runs; first += JOB_RUNS) payloads.push({ first });
  const out = await run.all<SliceJson>('simulate.runs', payloads, deadline);
  if (!out) return { slices: [], timedOut: true };
  return {
    slices: out.map((j) => ({
      chunkStart: Int32Array.from(j.chunkStart),
      chunkRuns: Int32Array.from(j.chunkRuns),
      chunkSteps: Float64Array.from(j.chunkSteps),
      longest: j.longest,
      ...(j.failure ? { failure: j.failure } : {}),
    })),
    timedOut: out.some((j) => j.timedOut),
  };
}
