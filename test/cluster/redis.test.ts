/**
 * check and simulate across processes through Redis (src/cluster/): a local redis-server on a
 * loopback port, worker processes of the built CLI (dist/), and the coordinator in this process.
 * One worker in each run is made to die by SIGKILL holding a job it has done but not recorded
 * (FPCTX_WORKER_CRASH_AFTER), the worst moment to be lost: the job must be run again by another
 * worker, and nothing it wrote before dying may be counted twice. Results are compared with the
 * single-process engines'.
 *
 * .ci/run installs redis-server; a machine without it skips this file, except under CI.
 */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVariant, checkVariantRedis, type CheckResult } from '../../src/app/check.js';
import { simulateVariant } from '../../src/app/simulate.js';
import { findVariant } from '../../src/variants/index.js';
import { connect } from '../../src/cluster/redis.js';
import type { Redis } from 'ioredis';
import { BIN, Crew, exited, leftOver, SERVER, startRedis } from './harness.js';

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

describe.skipIf(!SERVER && !process.env.CI)('check and simulate across processes through Redis', () => {
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

  it('check: the same states, transitions and levels as one process, with a worker killed mid-run', async () => {
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 7 };
    const crasher = await crew.withFaulty();
    const dist = await checkVariantRedis(v, b, { redis: url, partitions: 3 });
    expect(await exited(crasher)).toBe('SIGKILL');
    expect(counts(dist)).toEqual(counts(checkVariant(v, b)));
    // The dead worker's job was claimed and acknowledged by another; the run left nothing.
    expect(await leftOver(admin)).toEqual({ keys: ['fpctx:jobs'], jobs: 0 });
    crew.stop();
  });

  it('check: the shortest counterexample, the same on every run, replaying to the violation', async () => {
    const v = findVariant('v4.15-rc1')!;
    const b = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 };
    const crasher = await crew.withFaulty();
    const a = await checkVariantRedis(v, b, { redis: url, partitions: 2 });
    expect(await exited(crasher)).toBe('SIGKILL');
    const c = await checkVariantRedis(v, b, { redis: url, partitions: 2 });
    const seq = checkVariant(v, b);
    expect(a.verdict).toBe('violation');
    expect(a.violation?.invariant).toBe(seq.violation?.invariant);
    expect(a.violation?.step).toBe(seq.violation?.step);
    // checkResultOf replayed the path with full instrumentation; its trace ends in the violation.
    expect(a.violation?.trace).toHaveLength(seq.violation!.step);
    expect(JSON.stringify(c.violation)).toBe(JSON.stringify(a.violation));
    expect(c.states).toBe(a.states);
    // A run exhausting a small space: exhausted, like the single process.
    const small = { cpus: 1, tasks: 1, vcpus: 0, spare: 0, depth: 200 };
    const r = findVariant('rfc-2017')!;
    expect(counts(await checkVariantRedis(r, small, { redis: url }))).toEqual(counts(checkVariant(r, small)));
    crew.stop();
  });

  it('check: --memory caps what the run holds in Redis (incomplete, with the levels it completed)', async () => {
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 6 };
    await Promise.all([crew.ready(crew.start()), crew.ready(crew.start())]);
    const full = await checkVariantRedis(v, b, { redis: url, partitions: 2, memoryBytes: 1 << 30 });
    expect(full.verdict).toBe('ok');
    expect(full.peakBytes).toBeGreaterThan(0);
    // A level's frontier and visited sets take more than a byte: the first level end stops it.
    const capped = await checkVariantRedis(v, b, { redis: url, partitions: 2, memoryBytes: 1 });
    expect(capped.verdict).toBe('incomplete');
    expect(capped.limit?.kind).toBe('memory');
    expect(capped.completeDepth).toBe(1);
    expect(capped.levels.slice(0, 2)).toEqual(full.levels.slice(0, 2));
    crew.stop();
  });

  it('simulate: the same runs, steps and failing run as one process, with a worker killed mid-run', async () => {
    const strip = (r: object) => JSON.stringify({ ...r, seconds: 0, stepsPerSecond: 0, workers: 0, peakBytes: 0, trace: undefined });
    const bounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0 };
    const crasher = await crew.withFaulty();
    const ok = { seed: 3, runs: 1500, steps: 60 };
    // The first model's alphabet, where rfc-2017 is clean (simulate draws from every family by
    // default, and there rfc-2017 has the ptrace-fork bug of every version before mainline).
    const clean = { ...bounds, events: ['core', 'neon', 'fork', 'kvm'] as const };
    const dist = await simulateVariant(findVariant('rfc-2017')!, clean, { ...ok, redis: url });
    expect(await exited(crasher)).toBe('SIGKILL');
    const one = await simulateVariant(findVariant('rfc-2017')!, clean, ok);
    expect(dist.verdict).toBe('ok');
    expect(strip(dist)).toBe(strip(one));
    // A failing run: the lowest-numbered one, its totals, and the same shrunk trace.
    const bad = { seed: 0, runs: 3000, steps: 200 };
    const v = findVariant('v4.15-rc1')!;
    const d2 = await simulateVariant(v, bounds, { ...bad, redis: url });
    expect(d2.verdict).toBe('violation');
    expect(strip(d2)).toBe(strip(await simulateVariant(v, bounds, bad)));
    crew.stop();
  });

  it('bad --redis values are one line and exit 2', () => {
    const bad = spawnSync(process.execPath, [BIN, 'check', '--redis', 'http://127.0.0.1:1', '--depth', '2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe("fpctx: --redis: expected a redis:// or rediss:// URL, got 'http://127.0.0.1:1'");
    const none = spawnSync(process.execPath, [BIN, 'simulate', '--redis', 'redis://127.0.0.1:1', '--runs', '1'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
  });
});
