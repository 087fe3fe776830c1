/**
 * What the cluster tests share: a local redis-server on a free loopback port, worker processes of
 * the built CLI (dist/), and waits on explicit events (a line a worker prints, a process's exit or
 * stop, Redis's pending list), never on a fixed sleep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { connect } from '../../src/cluster/redis.js';

export const SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
export const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** A redis-server on a free loopback port, answering. */
export async function startRedis(): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const proc = spawn(SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      (await connect(url)).disconnect();
      return { proc, url };
    } catch (e) {
      if (i > 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export class Crew {
  readonly workers: ChildProcess[] = [];
  /** Everything each worker printed on stderr. */
  readonly stderr = new Map<ChildProcess, string>();
  constructor(readonly url: string) {}

  /** A worker process; env FPCTX_WORKER_CRASH_AFTER / FPCTX_WORKER_PAUSE_AFTER make it die or stop holding its n-th job. */
  start(env: Record<string, string> = {}, flags: string[] = []): ChildProcess {
    const w = spawn(process.execPath, [BIN, 'worker', '--redis', this.url, '--reclaim-after', '1s', ...flags], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.stderr.set(w, '');
    w.stderr!.on('data', (d: Buffer) => this.stderr.set(w, this.stderr.get(w) + d.toString()));
    this.workers.push(w);
    return w;
  }

  /** Resolves once the worker has said it is taking jobs (it is then blocked on the job stream). */
  ready(w: ChildProcess): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.stderr.get(w)!.includes('taking jobs')) resolve();
      };
      w.stderr!.on('data', check);
      check();
      w.once('exit', (code) => reject(new Error(`worker exited (${code}): ${this.stderr.get(w)}`)));
    });
  }

  /**
   * A worker that dies (or stops, with `pause`) on its first job, started and blocked on the
   * stream before two healthy ones: Redis serves blocked readers in order, so the first job
   * goes to it.
   */
  async withFaulty(pause = false): Promise<ChildProcess> {
    const faulty = this.start(pause ? { FPCTX_WORKER_PAUSE_AFTER: '1' } : { FPCTX_WORKER_CRASH_AFTER: '1' });
    await this.ready(faulty);
    await Promise.all([this.ready(this.start()), this.ready(this.start())]);
    return faulty;
  }

  stop(): void {
    for (const w of this.workers.splice(0)) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  }
}

export function exited(w: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (w.exitCode !== null || w.signalCode !== null) return Promise.resolve(w.signalCode ?? w.exitCode);
  return new Promise((resolve) => w.once('exit', (code, signal) => resolve(signal ?? code)));
}

/** Polls until `f` holds (each poll an exchange with the process or Redis; no verdict depends on timing). */
export async function until(f: () => boolean | Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Whether process `pid` is stopped (SIGSTOP): its state in /proc is `T`. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

/** Every key in Redis, sorted. */
export async function allKeys(r: Redis): Promise<string[]> {
  return (await r.keys('*')).sort();
}

/** Jobs delivered to a worker and not acknowledged. */
export async function pendingJobs(r: Redis): Promise<number> {
  const p = (await r.xpending('fpctx:jobs', 'workers')) as [number, ...unknown[]];
  return Number(p[0]);
}

/**
 * Waits until no worker holds a job (a job it was running when its run ended is acknowledged
 * and dropped), then says what is left: the keys, and the jobs in the shared stream.
 */
export async function leftOver(r: Redis): Promise<{ keys: string[]; jobs: number }> {
  await until(async () => (await pendingJobs(r)) === 0, 'the workers to be idle');
  return { keys: await allKeys(r), jobs: await r.xlen('fpctx:jobs') };
}
