/**
 * `hunt --redis URL`: hunt's schedule (src/app/hunt.ts) as queue jobs of `fpctx worker`
 * processes (src/cluster/jobs.ts), with the answer of the hunt in one process for the same
 * budget and seed: the same jobs, spends, findings, traces and `cut`.
 *
 * The schedule is sequential in what it spends: a job's share is what the jobs before it left.
 * The coordinator therefore runs jobs *speculatively* and records them in schedule order
 * (HuntLedger, the same accounting as one process): a check is submitted early with SPECULATE
 * times the share it would get if every job before it spent exactly its own, and its outcome is
 * cut down to the real share once that is known (outcomeFor: a check that stops at its share
 * explores a prefix, level by level, of the same search). A check whose real share turns out
 * larger than the one it ran with, and that stopped at that share, runs again with the real
 * one; so does a simulation whose runs differ (simulations are only submitted once every check
 * is recorded, when their runs are known but for the first's spend). Speculation costs work,
 * never the answer.
 *
 * Workers run the jobs with runHuntJob, as one process does; `--time` is a Date.now() deadline
 * every worker applies to its job, and the coordinator stops waiting at it (`cut`).
 */

import { resolve } from 'node:path';
import { JobRun, type JobContext, type JobHandler } from '../cluster/jobs.js';
import { connect, lostRedis } from '../cluster/redis.js';
import { InputError } from '../errors.js';
import { VARIANTS } from '../variants/index.js';
import { variantOfExpression } from '../variants/expression.js';
import { loadPluginVariant } from '../variants/plugin.js';
import type { Variant } from '../variants/types.js';
import {
  HuntLedger,
  type HuntJob,
  type HuntOptions,
  type HuntResult,
  type JobOutcome,
  type JobParam,
  outcomeFor,
  planHunt,
  runHuntJob,
} from './hunt.js';

/** A check is submitted early with this many times its expected share (see the header). */
export const SPECULATE = 2;

/** How a worker finds the variant: a built-in name or expression, or a plug-in's absolute path. */
type VariantRef = { readonly expression: string } | { readonly plugin: string };

interface HuntSpec {
  readonly engine: 'hunt';
  readonly variant: VariantRef;
  readonly without: readonly string[];
  readonly deadline: number;
}

interface HuntPayload {
  readonly job: HuntJob;
  readonly param: JobParam;
}

type Done = JobOutcome & { readonly seconds: number };

function refOf(v: Variant): VariantRef {
  if (v.status === 'plugin' && v.source) return { plugin: resolve(v.source) };
  if (variantOfExpression(v.name)) return { expression: v.name };
  throw new InputError(`hunt --redis needs a variant the workers can name (built-in, expression or plug-in file), not '${v.name}'`);
}

async function variantOf(ref: VariantRef): Promise<Variant> {
  if ('plugin' in ref)
    return loadPluginVariant(
      ref.plugin,
      variantOfExpression,
      VARIANTS.map((b) => b.name),
    );
  const v = variantOfExpression(ref.expression);
  if (!v) throw new Error(`this worker does not know the variant '${ref.expression}'`);
  return v;
}

/** The job kinds a worker adds for hunt (src/cli/commands/worker.ts passes them to runWorker). */
export const huntJobs: Record<string, JobHandler> = {
  'hunt.job': (async (p: HuntPayload, ctx: JobContext): Promise<Done> => {
    const spec = ctx.spec as HuntSpec;
    let v = ctx.cache.get('variant') as Variant | undefined;
    if (!v) ctx.cache.set('variant', (v = await variantOf(spec.variant)));
    const t0 = performance.now();
    const o = await runHuntJob(v, p.job, spec.without, p.param, spec.deadline);
    return { ...o, seconds: (performance.now() - t0) / 1000 };
  }) as JobHandler,
};

/** What `hunt --redis` reports beside the hunt: how much speculation cost. */
export interface HuntRedisStats {
  /** Jobs submitted; of them, those whose outcome was not the one recorded (run again, or left over at a cut). */
  readonly submitted: number;
  readonly unused: number;
}

/** Can an outcome run with `had` answer for a job whose parameter is `want`? Only by running it. */
function mayAnswer(had: JobParam, want: JobParam): boolean {
  if ('share' in had && 'share' in want) return had.share >= want.share;
  return JSON.stringify(had) === JSON.stringify(want);
}

export async function huntVariantRedis(
  variant: Variant,
  opts: HuntOptions & { readonly redis: string; readonly onStats?: (s: HuntRedisStats) => void },
): Promise<HuntResult> {
  const plan = planHunt(variant, opts);
  const ledger = new HuntLedger(plan, opts);
  const deadline = opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER;
  const spec: HuntSpec = { engine: 'hunt', variant: refOf(variant), without: plan.without, deadline };
  const n = plan.schedule.length;
  /** Per job: the outcomes in hand (the one with the largest share answers most), the parameters in flight. */
  const outcomes: Done[][] = Array.from({ length: n }, () => []);
  const flying: JobParam[][] = Array.from({ length: n }, () => []);
  const handles = new Map<number, { i: number; param: JobParam }>();
  let submitted = 0;
  const redis = await connect(opts.redis);
  try {
    const run = await JobRun.start(redis, spec);
    try {
      const submit = async (i: number, param: JobParam) => {
        const h = await run.submit('hunt.job', { job: plan.schedule[i]!, param } satisfies HuntPayload);
        handles.set(h, { i, param });
        flying[i]!.push(param);
        submitted++;
      };
      let shown = -1;
      while (!ledger.done) {
        // Record every job, in order, whose outcome is in hand.
        for (;;) {
          const i = ledger.next;
          if (ledger.done) break;
          const want = ledger.paramOf(i);
          let o: JobOutcome | null = null;
          let from: Done | undefined;
          for (const x of outcomes[i]!) if ((o = outcomeFor((from = x), want))) break;
          if (!o || !from) break;
          ledger.record(o, from.seconds);
          outcomes[i]!.length = 0;
        }
        if (ledger.done) break;
        const next = ledger.next;
        if (next !== shown) ledger.progress((shown = next));
        // The next job must be running with a parameter that can answer for it.
        const want = ledger.paramOf(next);
        if (!flying[next]!.some((p) => mayAnswer(p, want))) await submit(next, want);
        // Later ones speculatively, each once: checks with a margin; simulations once every
        // check is recorded (their runs follow from the checks' spend).
        for (let i = next + 1; i < n; i++) {
          if (flying[i]!.length > 0 || outcomes[i]!.length > 0) continue;
          if (plan.schedule[i]!.kind === 'simulate' && next < plan.nChecks) break;
          const p = ledger.paramOf(i);
          await submit(i, 'share' in p ? { share: p.share * SPECULATE } : p);
        }
        const got = await run.take<Done>([...handles.keys()], deadline);
        if (!got) {
          ledger.cut = true;
          break;
        }
        for (const [h, o] of got) {
          const { i, param } = handles.get(h)!;
          handles.delete(h);
          const f = flying[i]!;
          f.splice(f.indexOf(param), 1);
          if (i < ledger.next) continue; // recorded already
          // Largest share first: it answers for every smaller one.
          outcomes[i]!.push(o);
          outcomes[i]!.sort((a, b) => (b.kind === 'check' ? b.share : 0) - (a.kind === 'check' ? a.share : 0));
        }
      }
      opts.onStats?.({ submitted, unused: submitted - ledger.jobs.length });
    } finally {
      await run.close();
    }
  } catch (e) {
    throw lostRedis(e, redis, opts.redis);
  } finally {
    redis.disconnect();
  }
  return ledger.result();
}
