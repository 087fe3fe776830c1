/**
 * Worker threads for the engines. Each worker builds its own model from a ModelRecipe (the
 * model is plain JS objects over typed arrays and cannot be shared), and the threads share only
 * SharedArrayBuffers (control words, the parallel explorer's visited table).
 *
 * The worker entry is worker.ts next to this file. Compiled (dist/), it is a .js module and
 * starts directly; from TypeScript sources (tests, `npm run bench` under tsx) the bootstrap
 * registers tsx in the worker first. Either way the worker is started from a tiny inline script,
 * so no separate JS file has to exist in src/.
 */

import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => { process.stderr.write('fpctx worker: ' + (e && e.stack || e) + '\\n'); process.exit(70); });
`;

function entry(): { entry: string; tsx: string | null } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const api = createRequire(here)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs');
    return { entry: new URL('./worker.ts', here).href, tsx: pathToFileURL(api).href };
  }
  return { entry: new URL('./worker.js', here).href, tsx: null };
}

/** Starts a worker on `job` (structured-cloned; SharedArrayBuffers in it are shared). */
export function startWorker(job: unknown): Worker {
  return new Worker(BOOT, { eval: true, workerData: { ...entry(), job } });
}

/** Runs one worker per job and resolves with their results in job order. */
export function runWorkers<R>(jobs: readonly unknown[], onMessage?: (i: number, msg: unknown) => void): Promise<R[]> {
  return Promise.all(
    jobs.map(
      (job, i) =>
        new Promise<R>((resolve, reject) => {
          const w = startWorker(job);
          let result: { ok: true; value: R } | null = null;
          w.on('message', (m: { type: string; value?: R; error?: string; message?: unknown }) => {
            if (m.type === 'result') result = { ok: true, value: m.value as R };
            else if (m.type === 'error') reject(new Error(m.error));
            else onMessage?.(i, m.message);
          });
          w.on('error', reject);
          w.on('exit', (code) => {
            if (result) resolve(result.value);
            else reject(new Error(`FPC509 worker ${i} exited with status ${code} before answering`));
          });
        }),
    ),
  );
}

/** A sensible default worker count: the machine's parallelism. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * The worker threads an engine really starts for `--workers N`: at most the machine's
 * parallelism (but at least 2, so the parallel engines behave the same on a one-core machine).
 * The engines are CPU-bound, so a thread beyond the cores adds no speed, only its start-up time
 * (a module load and a cold JIT, which no time limit can interrupt) and tens of MB of heap that
 * no store budget sees: 64 threads on 2 cores ran 39 s past a 10 s limit and used 2 GB under a
 * 512 MB cap (issue 16).
 */
export function capWorkers(requested: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(requested), Math.max(2, cores)));
}
