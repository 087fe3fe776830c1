/**
 * A worker process (`fpctx worker --redis URL`): takes jobs of every kind fpctx distributes
 * until it is stopped. The kinds of this layer are listed here; engines of higher layers (hunt,
 * src/app/hunt-redis.ts) are passed in by the command (WorkerOptions.kinds).
 */

import { exploreJobs } from './explore.js';
import { serveJobs, type JobHandler } from './jobs.js';
import { connect } from './redis.js';
import { simulateJobs } from './simulate.js';

export const JOB_KINDS: Record<string, JobHandler> = { ...exploreJobs, ...simulateJobs };

export interface WorkerOptions {
  /** More job kinds (those of engines above this layer). */
  readonly kinds?: Record<string, JobHandler>;
  readonly reclaimAfterMs?: number;
  /** Stop after this many jobs (default: never). */
  readonly maxJobs?: number;
  readonly onJob?: (kind: string, counted: boolean) => void;
  readonly onError?: (e: Error) => void;
  readonly onBack?: () => void;
  readonly giveUpAfterMs?: number;
  readonly stop?: () => boolean;
}

export async function runWorker(url: string, opts: WorkerOptions = {}): Promise<number> {
  const redis = await connect(url, '--redis', true);
  let jobs = 0;
  const crash = process.env.FPCTX_WORKER_CRASH_AFTER;
  const pause = process.env.FPCTX_WORKER_PAUSE_AFTER;
  try {
    await serveJobs(
      redis,
      { ...JOB_KINDS, ...opts.kinds },
      {
        ...(opts.reclaimAfterMs !== undefined ? { reclaimAfterMs: opts.reclaimAfterMs } : {}),
        ...(crash ? { crashAfter: Number(crash) } : {}),
        ...(pause ? { pauseAfter: Number(pause) } : {}),
        stop: () => (opts.maxJobs !== undefined && jobs >= opts.maxJobs) || !!opts.stop?.(),
        onJob: (kind, counted) => {
          jobs++;
          opts.onJob?.(kind, counted);
        },
        ...(opts.onError ? { onError: opts.onError } : {}),
        ...(opts.onBack ? { onBack: opts.onBack } : {}),
        ...(opts.giveUpAfterMs !== undefined ? { giveUpAfterMs: opts.giveUpAfterMs } : {}),
      },
    );
  } finally {
    redis.disconnect();
  }
  return jobs;
}
