/**
 * The connection to Redis, and the names of everything fpctx keeps there.
 *
 * Every key starts with `fpctx:`; a coordinator's run keeps its data under `fpctx:run:<id>:`
 * and deletes it at the end, so one Redis can serve several runs (and other programs) at once.
 * A coordinator that cannot (killed with SIGKILL, its machine gone) stops renewing its lease,
 * and a worker removes the run once the lease has expired (jobs.ts, sweepDeadRuns). The only
 * shared keys are the job stream and its consumer group (jobs.ts).
 */

import { Redis } from 'ioredis';
import { InputError, Unavailable } from '../errors.js';

export { redisUrl } from './url.js';

/**
 * Connects, and waits until the server answers. Unreachable servers are an input error of the
 * flag (exit 2) after a few attempts, not an endless retry loop. Once connected, a lost
 * connection is retried for ever when `persistent` (a worker outlives a Redis restart), and
 * for about ten seconds otherwise (a coordinator then fails; its run is lost anyway).
 */
export async function connect(url: string, flag = '--redis', persistent = false): Promise<Redis> {
  let up = false;
  const r = new Redis(url, {
    lazyConnect: true,
    // A coordinator's commands wait through its reconnection window and fail with it; a
    // worker's fail after three attempts, and its loop retries (jobs.ts, serveJobs).
    maxRetriesPerRequest: persistent ? 3 : null,
    enableOfflineQueue: true,
    retryStrategy: (n) => (up && persistent ? 1000 : n > 20 ? null : Math.min(50 * n, 500)),
  });
  // Errors surface through the commands that fail; an 'error' event without a listener would
  // end the process with a stack trace.
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    up = true;
  } catch (e) {
    r.disconnect();
    throw new InputError(`cannot reach Redis at ${url}: ${e instanceof Error ? e.message : String(e)}`, undefined, undefined, flag);
  }
  return r;
}

/** Key names. */
export const K = {
  /** The stream of jobs all workers read (one consumer group, `workers`). */
  jobs: 'fpctx:jobs',
  group: 'workers',
  run: (run: string) => `fpctx:run:${run}`,
  /** What a run's workers need: the model recipe and the engine's parameters (JSON). */
  spec: (run: string) => `fpctx:run:${run}:spec`,
  /** The coordinator's lease: a key it keeps from expiring while it lives (jobs.ts, RUN_LEASE_MS). */
  alive: (run: string) => `fpctx:run:${run}:alive`,
  /** One wave of jobs' results: a hash job id → JSON, written once per job (HSETNX). */
  results: (run: string, wave: number) => `fpctx:run:${run}:w:${wave}`,
  /** A list pushed to whenever a result is written, for the coordinator to block on. */
  done: (run: string) => `fpctx:run:${run}:done`,
};

/**
 * Deletes everything a run stored. The spec goes first: a worker writes for a run only in a
 * script that finds the spec there first (jobs.ts, ifRun), so nothing it writes
 * after this starts survives, and what it wrote before is there for the SCAN to find.
 */
export async function dropRun(r: Redis, run: string): Promise<void> {
  await r.unlink(K.spec(run));
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${K.run(run)}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * An error of a coordinator's exchange with Redis, as the one line it ends with: a lost server
 * (the client gave up reconnecting, about ten seconds) is FPC601 naming the URL; anything else
 * (a worker's failed job, FPC522; Ctrl-C) is passed on as it is.
 */
export function lostRedis(e: unknown, r: Redis, url: string): unknown {
  if (!(e instanceof Error) || e.message.startsWith('FPC') || e.name === 'Interrupted' || r.status === 'ready') return e;
  return new Unavailable(`FPC601 lost Redis at ${url} (${e.message})`);
}
