/**
 * A job layer over Redis that knows nothing about what the jobs compute: a coordinator submits
 * waves of jobs of a named kind, worker processes anywhere take them, run the handler for that
 * kind and write its result. The engines (explore.ts, simulate.ts here; hunt's in
 * src/app/hunt-redis.ts, whose kinds `fpctx worker` adds to the worker's table) are built on it.
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
 * acknowledged and dropped, and a job that outlives its run writes nothing (ifRun).
 *
 * Ends. A run removes its keys and its jobs when it ends, however it ends (close(), from the
 * engines' `finally`); SIGINT/SIGTERM make the coordinator's next wait throw Interrupted, so
 * Ctrl-C goes through the same clean-up.
 */

import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { Interrupted, Unavailable } from '../errors.js';
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

/**
 * Runs the commands, in one script (atomic), only while the run exists (its spec key) and, with
 * `unless`, while that key does not: a job that outlives its run (a worker presumed dead that
 * comes back, a job still running when its coordinator stopped) writes nothing, so no key of a
 * dropped run comes back (redis.ts, dropRun), and of two runs of a job that must write once, the
 * second writes nothing. A script, not WATCH/MULTI: a WATCH does not survive a reconnect, a
 * script's check and writes cannot be separated by one. The commands' replies, or null when
 * nothing was written.
 */
export async function ifRun(
  redis: Redis,
  run: string,
  cmds: readonly (readonly (string | Buffer)[])[],
  unless?: string,
): Promise<unknown[] | null> {
  const args = cmds.flatMap((c) => [String(c.length), ...c]);
  const keys = unless ? [K.spec(run), unless] : [K.spec(run)];
  return (await redis.eval(IF_RUN, keys.length, ...keys, ...args)) as unknown[] | null;
}

/** KEYS[1] must exist, KEYS[2] (if given) must not; ARGV: per command, its length then its words. */
const IF_RUN = `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then return false end
local out = {}
local i = 1
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  out[#out + 1] = redis.call(unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return out`;

export type JobHandler = (payload: never, ctx: JobContext) => Promise<unknown> | unknown;

// --- the coordinator's side ---------------------------------------------------------------------

/**
 * How long a coordinator's run outlives its last sign of life: the coordinator renews its
 * `alive` key every quarter of this, and a worker that finds a run without one removes it. A
 * coordinator's event loop is never blocked that long (its work is waiting on Redis); a
 * coordinator cut off from Redis gives up within seconds anyway. FPCTX_RUN_LEASE_MS shortens it
 * for tests.
 */
const RUN_LEASE_MS = Number(process.env.FPCTX_RUN_LEASE_MS) || 60_000;
/** How often a worker looks for dead runs (FPCTX_SWEEP_EVERY_MS for tests). */
const SWEEP_EVERY_MS = Number(process.env.FPCTX_SWEEP_EVERY_MS) || 30_000;

export class JobRun {
  private wave = 0;
  /** Renews the lease (cleared by close()). */
  private readonly heartbeat: NodeJS.Timeout;
  private expired = false;
  /** Stream ids of every job this run submitted: deleted from the shared stream by close(). */
  private readonly entries: string[] = [];
  /** Kinds of the jobs submitted one by one (submit), by handle. */
  private readonly single = new Map<number, string>();
  /** Set by SIGINT/SIGTERM: the next wait throws Interrupted, and the engine's `finally` closes the run. */
  private interrupted = false;
  private readonly onSignal = () => {
    // A second Ctrl-C does not wait for the clean-up.
    if (this.interrupted) process.exit(130);
    this.interrupted = true;
  };
  private constructor(
    readonly redis: Redis,
    /** A second connection for blocking reads. */
    private readonly blocking: Redis,
    readonly id: string,
  ) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    // A failed renewal is not an error of its own: the commands the run waits on report a lost
    // Redis. A lease found gone means a worker took this run for dead and removed it (this
    // process was stopped, or cut off, for longer than the lease): the next wait says so.
    this.heartbeat = setInterval(() => {
      redis.pexpire(K.alive(id), RUN_LEASE_MS).then(
        (n) => {
          if (n === 0) this.expired = true;
        },
        () => undefined,
      );
    }, RUN_LEASE_MS / 4);
    this.heartbeat.unref();
  }

  /**
   * Stores the spec and makes sure the job stream and its group exist. Until close(), SIGINT and
   * SIGTERM end the run through its clean-up (Interrupted), not the process at once.
   */
  static async start(redis: Redis, spec: unknown): Promise<JobRun> {
    await ensureGroup(redis);
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    // The lease before the spec: a spec without a lease is a dead run to any worker.
    await redis.set(K.alive(id), '1', 'PX', RUN_LEASE_MS);
    await redis.set(K.spec(id), JSON.stringify(spec));
    const blocking = redis.duplicate();
    blocking.on('error', () => undefined); // errors surface through the commands, as in connect()
    return new JobRun(redis, blocking, id);
  }

  /** Stops the run as SIGINT does (tests). */
  interrupt(): void {
    this.interrupted = true;
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
    if (this.interrupted) throw new Interrupted('interrupted; the run was removed from Redis');
    if (this.expired)
      throw new Unavailable(
        `FPC602 the run's lease expired (no renewal for ${RUN_LEASE_MS / 1000}s: was this process stopped?) and a worker removed its data`,
      );
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
    clearInterval(this.heartbeat);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.blocking.disconnect();
    // Redis lost for good: nothing to remove, and the error that ends the run says so.
    if (this.redis.status !== 'ready') return;
    await dropRun(this.redis, this.id);
    for (let i = 0; i < this.entries.length; i += 1000) await this.redis.xdel(K.jobs, ...this.entries.slice(i, i + 1000));
    this.entries.length = 0;
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
  /** Told once when Redis is lost (the worker retries every second) and once when it is back. */
  readonly onError?: (e: Error) => void;
  readonly onBack?: () => void;
  /**
   * Give up (reject with FPC601) when Redis has been unreachable this long (default 5 min): a
   * server gone for good ends the worker instead of a silent retry loop.
   */
  readonly giveUpAfterMs?: number;
  /**
   * Test hook (FPCTX_WORKER_CRASH_AFTER): after running this many jobs, die by SIGKILL with the
   * last one done but neither recorded nor acknowledged, the worst moment to be lost.
   */
  readonly crashAfter?: number;
  /** Test hook (FPCTX_WORKER_PAUSE_AFTER): as crashAfter, but SIGSTOP (the test sends SIGCONT). */
  readonly pauseAfter?: number;
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
  let lostSince: number | null = null;
  const giveUp = opts.giveUpAfterMs ?? 300_000;
  let nextSweep = 0;
  while (!opts.stop?.()) {
    try {
      if (Date.now() >= nextSweep) {
        await sweepDeadRuns(redis);
        nextSweep = Date.now() + SWEEP_EVERY_MS;
      }
      await serveOne(redis, handlers, opts, w);
      if (lostSince !== null) opts.onBack?.();
      lostSince = null;
    } catch (e) {
      // Redis unreachable or restarted: a job this worker held stays pending and is reclaimed
      // (by this worker too, once it is back).
      const err = e instanceof Error ? e : new Error(String(e));
      if (lostSince === null) {
        lostSince = Date.now();
        opts.onError?.(err);
      } else if (Date.now() - lostSince >= giveUp)
        throw new Unavailable(`FPC601 lost Redis for ${Math.round((Date.now() - lostSince) / 1000)}s, giving up (${err.message})`);
      w.current = null;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Removes every run whose coordinator's lease has expired (a coordinator killed with SIGKILL,
 * or its machine lost, cannot remove its run: this is the clean-up it would have done, minus
 * the job entries, which workers delete as they meet them). Returns the runs removed.
 */
export async function sweepDeadRuns(redis: Redis): Promise<string[]> {
  const dead: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'fpctx:run:*:spec', 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const run = k.slice('fpctx:run:'.length, -':spec'.length);
      if ((await redis.exists(K.alive(run))) === 0) dead.push(run);
    }
  } while (cursor !== '0');
  for (const run of dead) await dropRun(redis, run);
  return dead;
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
  w.ran++;
  if (opts.crashAfter !== undefined && w.ran >= opts.crashAfter) process.kill(process.pid, 'SIGKILL');
  // Stopped until SIGCONT: presumed dead, its job runs again elsewhere, then it comes back.
  if (opts.pauseAfter !== undefined && w.ran === opts.pauseAfter) process.kill(process.pid, 'SIGSTOP');
  // Only while the run exists: a late result must not recreate a dropped run's keys.
  const replies = await ifRun(redis, run, [
    ['HSETNX', results, f.id ?? '', JSON.stringify(value)],
    ['LPUSH', K.done(run), '1'],
  ]);
  const counted = replies?.[0] === 1;
  await finish();
  opts.onJob?.(f.kind ?? '', counted);
}
