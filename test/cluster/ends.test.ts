/**
 * The cluster (src/cluster/, `--redis`) at its edges: hunt's jobs on workers; how a run ends
 * (its `--time` cut, a failed job, Ctrl-C) and what it leaves in Redis (nothing but the shared
 * job stream, empty); a worker presumed dead that comes back; connections dropped mid-run; a
 * Redis server gone for good. Every wait is on an explicit event (a level absorbed, a process
 * stopped or exited, Redis's pending list empty); the verdicts never depend on timing.
 *
 * .ci/run installs redis-server; a machine without it skips this file, except under CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVariant, checkVariantRedis, type CheckResult } from '../../src/app/check.js';
import { huntVariant } from '../../src/app/hunt.js';
import { huntVariantRedis } from '../../src/app/hunt-redis.js';
import { JobRun } from '../../src/cluster/jobs.js';
import { connect } from '../../src/cluster/redis.js';
import { findVariant } from '../../src/variants/index.js';
import { BIN, Crew, exited, isStopped, leftOver, SERVER, startRedis, until } from './harness.js';

let redisProc: ChildProcess | null = null;
let url = '';
let admin: Redis;
let crew: Crew;

const counts = (r: CheckResult) => ({
  verdict: r.verdict,
  states: r.states,
  transitions: r.transitions,
  levels: r.levels,
  exhausted: r.exhausted,
});
const stable = (r: object) => JSON.stringify(r, (k, v) => (k === 'seconds' || k === 'firstSeconds' ? undefined : v));
const CLEAN = { keys: ['fpctx:jobs'], jobs: 0 };
const rfc = findVariant('rfc-2017')!;
const SMALL = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 7 };

/** A coordinator process (the CLI), and a promise of its exit status and stderr. */
function coordinator(
  args: string[],
  env: Record<string, string> = {},
): { proc: ChildProcess; done: Promise<{ status: number | null; stderr: string }> } {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { proc, done: new Promise((resolve) => proc.once('exit', (status) => resolve({ status, stderr }))) };
}

/** Resolves once some run has absorbed level `d` (its marker keys exist): the run is under way. */
const absorbed = (r: Redis, d: number) => until(async () => (await r.keys(`fpctx:run:*:a:${d}:*`)).length > 0, `level ${d}`);

describe.skipIf(!SERVER && !process.env.CI)('the cluster at its edges', () => {
  beforeAll(async () => {
    ({ proc: redisProc, url } = await startRedis());
    admin = await connect(url);
    crew = new Crew(url);
  });
  afterAll(() => {
    crew.stop();
    admin?.disconnect();
    redisProc?.kill('SIGKILL');
  });

  it('hunt --redis: the same jobs, spends, findings, traces and cut as one process, with a worker killed mid-run', async () => {
    const v = findVariant('v4.18-rc1')!;
    const opts = { budget: 60_000, families: ['core', 'kvm'] as const };
    const crasher = await crew.withFaulty();
    let stats = { submitted: 0, unused: 0 };
    const dist = await huntVariantRedis(v, { ...opts, families: [...opts.families], redis: url, onStats: (s) => (stats = s) });
    expect(await exited(crasher)).toBe('SIGKILL');
    const one = await huntVariant(v, { ...opts, families: [...opts.families] });
    expect(stable(dist)).toBe(stable(one));
    expect(one.findings.length).toBeGreaterThan(0);
    expect(stats.submitted).toBeGreaterThanOrEqual(one.jobs.length);
    expect(await leftOver(admin)).toEqual(CLEAN);
    crew.stop();
  });

  it('leaves nothing in Redis after a --time cut, a failed job, and Ctrl-C', async () => {
    await Promise.all([crew.ready(crew.start()), crew.ready(crew.start())]);
    // The cut: the deadline is before the first wave can end (the first nap sees it).
    const cut = await checkVariantRedis(rfc, { ...SMALL, depth: 40 }, { redis: url, timeSeconds: 1e-6 });
    expect(cut.verdict).toBe('incomplete');
    expect(cut.limit?.kind).toBe('time');
    expect(await leftOver(admin)).toEqual(CLEAN);
    // A failed job (a kind no worker knows), under the same try/finally as every engine.
    const redis = await connect(url);
    const run = await JobRun.start(redis, { engine: 'none' });
    await expect(
      (async () => {
        try {
          await run.all('no.such.kind', [1, 2, 3]);
        } finally {
          await run.close();
        }
      })(),
    ).rejects.toThrow(/FPC522 a worker failed a no\.such\.kind job/);
    redis.disconnect();
    expect(await leftOver(admin)).toEqual(CLEAN);
    // Ctrl-C on a coordinator process, once a level is absorbed: exit 130, one line, no keys.
    const c = coordinator(['check', '--redis', url, '--variant', 'rfc-2017', '--depth', '40', '--time', '60s', '--partitions', '3']);
    await absorbed(admin, 3);
    c.proc.kill('SIGINT');
    const { status, stderr } = await c.done;
    expect(status).toBe(130);
    expect(stderr.trim()).toBe('fpctx: interrupted; the run was removed from Redis');
    expect(await leftOver(admin)).toEqual(CLEAN);
    crew.stop();
  });

  it('a coordinator killed with SIGKILL: its lease lapses and a worker removes its run; one stopped past its lease ends with one line', async () => {
    // A one-second lease, and workers that look for dead runs five times a second.
    const fast = { FPCTX_SWEEP_EVERY_MS: '200' };
    await Promise.all([crew.ready(crew.start(fast)), crew.ready(crew.start(fast))]);
    const args = ['check', '--redis', url, '--variant', 'rfc-2017', '--depth', '40', '--time', '60s', '--partitions', '3'];
    const killed = coordinator(args, { FPCTX_RUN_LEASE_MS: '1000' });
    await absorbed(admin, 3);
    killed.proc.kill('SIGKILL');
    await killed.done;
    await until(async () => JSON.stringify(await leftOver(admin)) === JSON.stringify(CLEAN), 'the dead run to be removed');
    // Stopped (Ctrl-Z) for longer than its lease: its run is removed under it; continued, it
    // says so and fails, rather than waiting for results that no worker will write.
    const stopped = coordinator(args, { FPCTX_RUN_LEASE_MS: '1000' });
    await absorbed(admin, 3);
    stopped.proc.kill('SIGSTOP');
    await until(async () => (await admin.keys('fpctx:run:*')).length === 0, 'the stopped run to be removed');
    stopped.proc.kill('SIGCONT');
    const { status, stderr } = await stopped.done;
    expect(status).toBe(69);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^fpctx: FPC602 the run's lease expired/)]);
    await until(async () => JSON.stringify(await leftOver(admin)) === JSON.stringify(CLEAN), 'the stream to be emptied');
    crew.stop();
  });

  it('a worker presumed dead that comes back: its job ran elsewhere, its late writes count for nothing', async () => {
    const paused = await crew.withFaulty(true);
    let resumed = false;
    const dist = await checkVariantRedis(rfc, SMALL, {
      redis: url,
      partitions: 3,
      onLevel: (depth) => {
        // Level 3 cannot end before the paused worker's first job was claimed and run again; it
        // stops itself once that job is done (unrecorded), and is woken here.
        if (depth === 3)
          void until(() => isStopped(paused.pid!), 'the worker to stop').then(() => {
            paused.kill('SIGCONT');
            resumed = true;
          });
      },
    });
    expect(counts(dist)).toEqual(counts(checkVariant(rfc, SMALL)));
    await until(() => resumed, 'the worker to be resumed');
    // Back, it finishes its late job (its result not counted, its writes harmless) before it
    // obeys SIGTERM: once it has exited, nothing more can come from it.
    paused.kill('SIGTERM');
    expect(await exited(paused)).toBe(0);
    expect(crew.stderr.get(paused)).toMatch(/fpctx worker: [1-9]\d* jobs done/);
    expect(await leftOver(admin)).toEqual(CLEAN);
    crew.stop();
  });

  it('connections dropped mid-run (CLIENT KILL): the coordinator and the workers reconnect, the counts are exact', async () => {
    await Promise.all([crew.ready(crew.start()), crew.ready(crew.start())]);
    let killed = 0;
    const dist = await checkVariantRedis(rfc, SMALL, {
      redis: url,
      partitions: 3,
      onLevel: (depth) => {
        if (depth === 2 || depth === 5)
          void admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes').then((n) => (killed += Number(n)));
      },
    });
    expect(counts(dist)).toEqual(counts(checkVariant(rfc, SMALL)));
    // The coordinator's two connections and each worker's one, twice (or at least once each).
    expect(killed).toBeGreaterThanOrEqual(4);
    expect(await leftOver(admin)).toEqual(CLEAN);
    crew.stop();
  });

  it('a Redis server gone for good: the coordinator and the worker each end with one line, non-zero', async () => {
    const gone = await startRedis();
    const spare = new Crew(gone.url);
    const w = spare.start({}, ['--give-up-after', '2s']);
    await spare.ready(w);
    const probe = await connect(gone.url);
    const c = coordinator(['check', '--redis', gone.url, '--variant', 'rfc-2017', '--depth', '40', '--time', '60s', '--partitions', '2']);
    await absorbed(probe, 2);
    probe.disconnect();
    gone.proc.kill('SIGKILL');
    const { status, stderr } = await c.done;
    // The environment failed, not fpctx: EX_UNAVAILABLE, and no "internal error".
    expect(status).toBe(69);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^fpctx: FPC601 lost Redis at ${gone.url} \\(`))]);
    expect(await exited(w)).toBe(69);
    const lines = spare.stderr.get(w)!.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^fpctx: FPC601 lost Redis for \d+s, giving up/);
    // One line when lost, one when giving up: no line per retry.
    expect(lines.filter((l) => l.includes('lost Redis')).length).toBe(2);
  });
});
