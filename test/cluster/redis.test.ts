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
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkVariant, checkVariantRedis, type CheckResult } from '../../src/app/check.js';
import { simulateVariant } from '../../src/app/simulate.js';
import { findVariant } from '../../src/variants/index.js';
import { connect } from '../../src/cluster/redis.js';

const SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

let redisProc: ChildProcess | null = null;
let url = '';
const workers: ChildProcess[] = [];

/** A worker process; `crashAfter` makes it die by SIGKILL holding its n-th job. */
function startWorker(crashAfter?: number): ChildProcess {
  const env = { ...process.env, ...(crashAfter ? { FPCTX_WORKER_CRASH_AFTER: String(crashAfter) } : {}) };
  const w = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--reclaim-after', '1s'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  workers.push(w);
  return w;
}

/** Resolves once the worker has said it is taking jobs (it is then blocked on the job stream). */
function ready(w: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    w.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('taking jobs')) resolve();
    });
    w.once('exit', (code) => reject(new Error(`worker exited (${code}): ${text}`)));
  });
}

function exited(w: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve(w.signalCode ?? w.exitCode);
  return new Promise((resolve) => w.once('exit', (code, signal) => resolve(signal ?? code)));
}

/**
 * Starts a worker that crashes on its first job and waits until it is blocked on the stream,
 * then two healthy ones: Redis serves blocked readers in order, so the first job goes to it.
 */
async function crew(): Promise<ChildProcess> {
  const crasher = startWorker(1);
  await ready(crasher);
  await Promise.all([ready(startWorker()), ready(startWorker())]);
  return crasher;
}

function stopWorkers(): void {
  for (const w of workers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
}

const counts = (r: CheckResult) => ({
  verdict: r.verdict,
  states: r.states,
  transitions: r.transitions,
  levels: r.levels,
  exhausted: r.exhausted,
});

describe.skipIf(!SERVER && !process.env.CI)('check and simulate across processes through Redis', () => {
  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redisProc = spawn(SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        (await connect(url)).disconnect();
        break;
      } catch (e) {
        if (i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  afterAll(() => {
    stopWorkers();
    redisProc?.kill('SIGKILL');
  });

  it('check: the same states, transitions and levels as one process, with a worker killed mid-run', async () => {
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 7 };
    const crasher = await crew();
    const dist = await checkVariantRedis(v, b, { redis: url, partitions: 3 });
    expect(await exited(crasher)).toBe('SIGKILL');
    expect(counts(dist)).toEqual(counts(checkVariant(v, b)));
    stopWorkers();
  });

  it('check: the shortest counterexample, the same on every run, replaying to the violation', async () => {
    const v = findVariant('v4.15-rc1')!;
    const b = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 };
    const crasher = await crew();
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
    stopWorkers();
  });

  it('check: --memory caps what the run holds in Redis (incomplete, with the levels it completed)', async () => {
    const v = findVariant('rfc-2017')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 6 };
    await Promise.all([ready(startWorker()), ready(startWorker())]);
    const full = await checkVariantRedis(v, b, { redis: url, partitions: 2, memoryBytes: 1 << 30 });
    expect(full.verdict).toBe('ok');
    expect(full.peakBytes).toBeGreaterThan(0);
    // A level's frontier and visited sets take more than a byte: the first level end stops it.
    const capped = await checkVariantRedis(v, b, { redis: url, partitions: 2, memoryBytes: 1 });
    expect(capped.verdict).toBe('incomplete');
    expect(capped.limit?.kind).toBe('memory');
    expect(capped.completeDepth).toBe(1);
    expect(capped.levels.slice(0, 2)).toEqual(full.levels.slice(0, 2));
    stopWorkers();
  });

  it('simulate: the same runs, steps and failing run as one process, with a worker killed mid-run', async () => {
    const strip = (r: object) => JSON.stringify({ ...r, seconds: 0, stepsPerSecond: 0, workers: 0, peakBytes: 0, trace: undefined });
    const bounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0 };
    const crasher = await crew();
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
    stopWorkers();
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
