/**
 * A job layer over Redis that knows nothing about what the jobs compute: a coordinator submits
 * waves of jobs of a named kind, worker processes anywhere take them, run the handler for that
 * kind and write its result. The engines (explore.ts, simulate.ts here, and `hunt` when it
 * exists: it only has to add its kinds to the worker's table) are built on it.
 *
 * Reliability. Jobs are entries of one Redis stream read through a consumer group, so each is
 * delivered to one worker and stays *pending* until that worker acknowledges it. A worker that
 * dies (killed, machine lost) leaves its job pending; any live worker claims jobs pending for
 * longer than `reclaimAfterMs` (XAUTOCLAIM) and runs them again. A result is written once per
 * job (HSETNX in the wave's hash) before the job is acknowledged, and a worker that meets a job
 * whose result exists only acknowledges it; so a job may *run* twice (a dead worker's, or a slow
 * one's that was presumed dead) but its result is *counted* once. Handlers must therefore be
 * idempotent in what they write elsewhere (explore.ts says how its are).
 *
 * Each job names its run; a run's spec (what its handlers need, e.g. the model recipe) is stored
 * once under the run. A job whose run no longer exists (finished, or its coordinator gave up) is
 * acknowledged and dropped.
 */

import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { dropRun, K } from './redis.js';

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly redis: Redis;
  readonly run: string;
  /** The run's spec, as the coordinator stored it. */
  readonly spec: unknown;
  /** Per-run scratch kept between jobs of the same run in this worker (a built model, say). */
  readonly cache: Map<string, unknown>;
}

export type JobHandler = (payload: never, ctx: JobContext) => Promise<unknown> | unknown;

// --- the coordinator's side ---------------------------------------------------------------------

export class JobRun {
  private wave = 0;
  /** Stream ids of every job this run submitted: deleted from the shared stream by close(). */
  private readonly entries: string[] = [];
  /** Kinds of the jobs submitted one by one (submit), by handle. */
  private readonly single = new Map<number, string>();
  private constructor(
    readonly redis: Redis,
    /** A second connection for blocking reads. */
    private readonly blocking: Redis,
    readonly id: string,
  ) {}

  /** Stores the spec and makes sure the job stream and its group exist. */
  static async start(redis: Redis, spec: unknown): Promise<JobRun> {
    await ensureGroup(redis);
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    await redis.set(K.spec(id), JSON.stringify(spec));
    return new JobRun(redis, redis.duplicate(), id);
  }

  private async add(kind: string, wave: number, payloads: readonly unknown[]): Promise<void> {
    for (let i = 0; i < payloads.length; i += 1000) {
      const p = this.redis.pipeline();
      for (let j = i; j < Math.min(i + 1000, payloads.length); j++)
        p.xadd(K.jobs, '*', 'run', this.id, 'wave', String(wave), 'id', String(j), 'kind', kind, 'payload', JSON.stringify(payloads[j]));
      for (const [e, id] of (await p.exec()) ?? []) {
        if (e) throw e;
        this.entries.push(String(id));
      }
    }
  }

  private parse<R>(kind: string, raw: string): R {
    const v = JSON.parse(raw) as R | { error: string };
    if (v && typeof v === 'object' && 'error' in v && typeof v.error === 'string')
      throw new Error(`FPC522 a worker failed a ${kind} job: ${v.error}`);
    return v as R;
  }

  /** Blocks until a result is written (or about a second passes); false once `deadline` passed. */
  private async nap(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    // Woken by every result written; the timeout only bounds how late a deadline is noticed.
    await this.blocking.blpop(K.done(this.id), Math.min(1, Math.max(0.05, left / 1000)));
    return true;
  }

  /**
   * Submits one job per payload and waits for all their results, returned in payload order;
   * null if `deadline` (Date.now() time) passed first.
   */
  async all<R>(kind: string, payloads: readonly unknown[], deadline = Number.MAX_SAFE_INTEGER): Promise<R[] | null> {
    const wave = ++this.wave;
    const results = K.results(this.id, wave);
    await this.add(kind, wave, payloads);
    while ((await this.redis.hlen(results)) < payloads.length) if (!(await this.nap(deadline))) return null;
    const raw = await this.redis.hgetall(results);
    await this.redis.unlink(results);
    return payloads.map((_, i) => this.parse<R>(kind, raw[String(i)]!));
  }

  /** Submits one job on its own (a wave of one); the handle names it to `take`. */
  async submit(kind: string, payload: unknown): Promise<number> {
    const wave = ++this.wave;
    await this.add(kind, wave, [payload]);
    this.single.set(wave, kind);
    return wave;
  }

  /**
   * Waits until at least one of the submitted jobs `handles` has its result, and returns every
   * one that has (handle → result); null if `deadline` passed first.
   */
  async take<R>(handles: readonly number[], deadline = Number.MAX_SAFE_INTEGER): Promise<Map<number, R> | null> {
    for (;;) {
      const p = this.redis.pipeline();
      for (const h of handles) p.hget(K.results(this.id, h), '0');
      const got = new Map<number, R>();
      for (const [n, [e, v]] of ((await p.exec()) ?? []).entries()) {
        if (e) throw e;
        if (typeof v === 'string') got.set(handles[n]!, this.parse<R>(this.single.get(handles[n]!) ?? '', v));
      }
      if (got.size > 0) {
        await this.redis.unlink(...[...got.keys()].map((h) => K.results(this.id, h)));
        for (const h of got.keys()) this.single.delete(h);
        return got;
      }
      if (!(await this.nap(deadline))) return null;
    }
  }

  /**
   * Deletes the run's data and its jobs from the shared stream (those not yet taken, and those
   * a worker still holds: its late result then finds no run and writes nothing, see serveOne).
   */
  async close(): Promise<void> {
    await dropRun(this.redis, this.id);
    for (let i = 0; i < this.entries.length; i += 1000) await this.redis.xdel(K.jobs, ...this.entries.slice(i, i + 1000));
    this.entries.length = 0;
    this.blocking.disconnect();
  }
}

async function ensureGroup(r: Redis): Promise<void> {
  try {
    await r.xgroup('CREATE', K.jobs, K.group, '0', 'MKSTREAM');
  } catch (e) {
    if (!(e instanceof Error && e.message.includes('BUSYGROUP'))) throw e;
  }
}

// --- the worker's side --------------------------------------------------------------------------

export interface ServeOptions {
  /** Claim jobs another worker has held this long without acknowledging (default 30 s). */
  readonly reclaimAfterMs?: number;
  /** Stop when this returns true (checked between jobs). */
  readonly stop?: () => boolean;
  /** Called after each job, with its kind and whether this worker's result was the one kept. */
  readonly onJob?: (kind: string, counted: boolean) => void;
  /** Told about a failed exchange with Redis (the worker waits a second and goes on). */
  readonly onError?: (e: Error) => void;
  /**
   * Test hook (FPCTX_WORKER_CRASH_AFTER): after running this many jobs, die by SIGKILL with the
   * last one done but neither recorded nor acknowledged, the worst moment to be lost.
   */
  readonly crashAfter?: number;
}

type Entry = [id: string, fields: string[]];

interface WorkerState {
  readonly consumer: string;
  readonly reclaim: number;
  ran: number;
  current: { run: string; spec: unknown; cache: Map<string, unknown> } | null;
}

/** Takes and runs jobs until `stop()`; one at a time (the handlers are CPU-bound). */
export async function serveJobs(redis: Redis, handlers: Record<string, JobHandler>, opts: ServeOptions = {}): Promise<void> {
  await ensureGroup(redis);
  const w: WorkerState = { consumer: `${hostname()}:${process.pid}`, reclaim: opts.reclaimAfterMs ?? 30_000, ran: 0, current: null };
  while (!opts.stop?.()) {
    try {
      await serveOne(redis, handlers, opts, w);
    } catch (e) {
      // Redis unreachable or restarted: a job this worker held stays pending and is reclaimed.
      opts.onError?.(e instanceof Error ? e : new Error(String(e)));
      w.current = null;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Takes one job (or none within half a second) and runs it. */
async function serveOne(redis: Redis, handlers: Record<string, JobHandler>, opts: ServeOptions, w: WorkerState): Promise<void> {
  // A dead worker's jobs first: they hold up a wave that everything else waits for.
  const claimed = (await redis.xautoclaim(K.jobs, K.group, w.consumer, w.reclaim, '0-0', 'COUNT', 1)) as [string, Entry[]];
  let entry = claimed[1][0];
  if (!entry) {
    const read = (await redis.xreadgroup('GROUP', K.group, w.consumer, 'COUNT', 1, 'BLOCK', 500, 'STREAMS', K.jobs, '>')) as
      | [string, Entry[]][]
      | null;
    entry = read?.[0]?.[1][0];
  }
  if (!entry) return;
  const [sid, list] = entry;
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) f[list[i]!] = list[i + 1]!;
  const finish = async () => {
    await redis.xack(K.jobs, K.group, sid);
    await redis.xdel(K.jobs, sid);
  };
  const run = f.run ?? '';
  const results = K.results(run, Number(f.wave));
  if (w.current?.run !== run) {
    const spec = await redis.get(K.spec(run));
    w.current = spec === null ? null : { run, spec: JSON.parse(spec), cache: new Map() };
  }
  const current = w.current;
  if (!current || (await redis.hexists(results, f.id ?? ''))) {
    await finish(); // the run is over, or the job was done by someone else
    return;
  }
  const handler = handlers[f.kind ?? ''];
  let value: unknown;
  try {
    value = handler
      ? await handler(JSON.parse(f.payload ?? 'null') as never, { redis, run, spec: current.spec, cache: current.cache })
      : { error: `this worker does not know jobs of kind '${f.kind}'` };
  } catch (e) {
    // Lost Redis: leave the job pending, to be run again. Anything else is the handler's own
    // failure, which running it again would repeat: the coordinator reports it (FPC522).
    if (redis.status !== 'ready') throw e;
    value = { error: e instanceof Error ? e.message : String(e) };
  }
  if (opts.crashAfter !== undefined && ++w.ran >= opts.crashAfter) process.kill(process.pid, 'SIGKILL');
  const counted = (await redis.hsetnx(results, f.id ?? '', JSON.stringify(value))) === 1;
  // Only while the run exists: a late result must not recreate a dropped run's keys.
  if (!(await redis.exists(K.spec(run)))) await redis.unlink(results);
  else await redis.lpush(K.done(run), '1');
  await finish();
  opts.onJob?.(f.kind ?? '', counted);
}
