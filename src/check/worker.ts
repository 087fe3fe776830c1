/**
 * Worker thread entry (see workers.ts): builds the model from the job's recipe, runs the job,
 * posts `{type: 'result', value}` (or `{type: 'error', error}`) and ends.
 */

import { parentPort, workerData } from 'node:worker_threads';
import type { Model, ModelRecipe } from './model.js';
import { simulateSlice, type SimulateParams } from './simulate.js';
import { serveExplore, type ExploreJob } from './parallel.js';

export interface SimulateJob {
  readonly kind: 'simulate';
  readonly recipe: ModelRecipe;
  readonly params: SimulateParams;
  readonly ctrl: Int32Array;
  /** Date.now() deadline (workers do not share performance.now()'s origin). */
  readonly deadline: number;
  /** Float64 steps-done counter per worker, for the progress line. */
  readonly progress: Float64Array;
  readonly index: number;
}

export type Job = SimulateJob | ExploreJob;

async function modelOf(recipe: ModelRecipe): Promise<Model> {
  // A factory may be async (plug-in variants load their module in each worker).
  const mod = (await import(recipe.module)) as Record<string, (arg: unknown) => Model | Promise<Model>>;
  const f = mod[recipe.factory];
  if (typeof f !== 'function') throw new Error(`FPC508 ${recipe.module} exports no ${recipe.factory}()`);
  return f(recipe.arg);
}

async function run(job: Job): Promise<unknown> {
  const model = await modelOf(job.recipe);
  switch (job.kind) {
    case 'explore':
      // A long-lived server: answers the coordinator's messages until it is terminated.
      serveExplore(job, model, port!);
      return NO_RESULT;
    case 'simulate':
      return simulateSlice(model, job.params, job.ctrl, job.deadline, (n) => {
        job.progress[job.index] = job.progress[job.index]! + n;
      });
  }
}

const NO_RESULT = Symbol('no result');
const port = parentPort;
if (port) {
  const job = (workerData as { job: Job }).job;
  run(job).then(
    (value) => {
      if (value !== NO_RESULT) port.postMessage({ type: 'result', value });
    },
    (e: unknown) => port.postMessage({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
}
