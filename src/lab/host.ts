/**
 * Running host programs for the lab. Every failure becomes a LabError: one line saying what
 * failed and where its log is, which `npm run lab` prints before exiting non-zero (never a stack
 * trace). A missing package is a LabError too, naming the command that installs it.
 */

import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export class LabError extends Error {}

export interface RunOptions {
  cwd?: string;
  /** Appends stdout and stderr to this log (instead of returning them only). */
  log?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Seconds before the command is killed. */
  timeout?: number;
}

/** Runs argv[0] with argv[1..]; returns stdout. Throws LabError with `what` on failure. */
export function run(argv: string[], what: string, opts: RunOptions = {}): string {
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    maxBuffer: 1 << 30,
    timeout: opts.timeout ? opts.timeout * 1000 : undefined,
    encoding: 'buffer',
  });
  const out = r.stdout?.toString('utf8') ?? '';
  const err = r.stderr?.toString('utf8') ?? '';
  if (opts.log) appendFileSync(opts.log, `$ ${argv.join(' ')}\n${out}${err}`);
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabError(`${what}: ${argv[0]} is not installed`);
    if (code === 'ETIMEDOUT') throw new LabError(`${what}: timed out after ${opts.timeout} s`);
    throw new LabError(`${what}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    const last = (err.trim() || out.trim()).split('\n').pop() ?? '';
    const where = opts.log ? ` (log: ${opts.log})` : '';
    throw new LabError(`${what}: exit status ${r.status ?? r.signal}${last ? `: ${last}` : ''}${where}`);
  }
  return out;
}

/** Runs a shell pipeline (`sh -c`), for the few steps that are naturally pipes. */
export function sh(script: string, what: string, opts: RunOptions = {}): string {
  return run(['sh', '-c', script], what, opts);
}

/** True when `prog` is on PATH. */
export function have(prog: string): boolean {
  return spawnSync('sh', ['-c', `command -v '${prog}' >/dev/null`]).status === 0;
}

/** The installed version of a Debian package, or null. */
export function dpkgVersion(pkg: string): string | null {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format syntax
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status} ${Version}', pkg], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const m = /^install ok installed (\S+)$/.exec(r.stdout.trim());
  return m ? m[1]! : null;
}

/** First line of `prog --version`, or null. */
export function versionLine(argv: string[]): string | null {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').trim() : null;
}

/** Single-quotes `s` for sh. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
