/**
 * `fpctx worker --redis URL`: a worker process for `check --redis`, `simulate --redis` and
 * `hunt --redis` (and any later engine built on src/cluster/jobs.ts). Runs until stopped (SIGINT/SIGTERM end it after
 * the current job) or, with --jobs N, after N jobs. Exit 0; bad flags or an unreachable Redis 2.
 */

import { Command } from 'commander';
import { redisUrl } from '../../cluster/url.js';
import type { Io } from '../io.js';
import type { CommandFactory } from '../main.js';
import { intFlag, timeFlag } from '../options.js';
import { InputError } from '../../errors.js';

export interface WorkerFlags {
  redis?: string;
  reclaimAfter?: string;
  giveUpAfter?: string;
  jobs?: string;
  quiet?: boolean;
}

export async function runWorkerCommand(f: WorkerFlags, io: Io): Promise<number> {
  if (f.redis === undefined) throw new InputError('is required (e.g. --redis redis://127.0.0.1:6379)', undefined, undefined, '--redis');
  const url = redisUrl(f.redis);
  const duration = (flag: string, text: string | undefined) => {
    try {
      return timeFlag(text);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.message, undefined, undefined, flag);
      throw e;
    }
  };
  const reclaim = duration('--reclaim-after', f.reclaimAfter);
  const giveUp = duration('--give-up-after', f.giveUpAfter);
  const maxJobs = f.jobs !== undefined ? intFlag('--jobs', f.jobs, 1, 1e9, 1) : undefined;
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (!f.quiet) io.err(`fpctx worker: taking jobs from ${url} (pid ${process.pid})`);
  const [{ runWorker }, { huntJobs }] = await Promise.all([import('../../cluster/worker.js'), import('../../app/hunt-redis.js')]);
  const n = await runWorker(url, {
    kinds: huntJobs,
    ...(reclaim !== undefined ? { reclaimAfterMs: reclaim * 1000 } : {}),
    ...(giveUp !== undefined ? { giveUpAfterMs: giveUp * 1000 } : {}),
    ...(maxJobs !== undefined ? { maxJobs } : {}),
    stop: () => stopping,
    // One line when Redis is lost (restarting, a network hiccup) and one when it is back; a
    // server gone for longer than --give-up-after ends the worker (FPC601, exit 69).
    onError: (e) => io.err(`fpctx worker: lost Redis (${e.message}); retrying every second`),
    onBack: () => io.err('fpctx worker: Redis is back'),
  });
  if (!f.quiet) io.err(`fpctx worker: ${n} jobs done`);
  return 0;
}

export const workerCommand: CommandFactory = (io, done) =>
  new Command('worker')
    .description('take jobs of check, simulate and hunt --redis runs from a Redis, until stopped')
    .option('--redis <url>', 'the Redis the coordinators use, e.g. redis://10.0.0.5:6379')
    .option('--reclaim-after <duration>', "run again a job another worker has held this long (a dead worker's; default 30s)")
    .option('--give-up-after <duration>', 'exit (status 69) when Redis has been unreachable this long (default 5m)')
    .option('--jobs <n>', 'stop after this many jobs')
    .option('--quiet', 'no start and end lines on stderr')
    .action(async (opts) => done(await runWorkerCommand(opts, io)));
