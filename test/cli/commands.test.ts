/**
 * The CLI contract: exit statuses, JSON shapes, text output essentials.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('fpctx run', () => {
  it('prints a timeline and an ok verdict, exit 0', async () => {
    const r = await cli('run', 'seed-kvm');
    expect(r.code).toBe(0);
    expect(r.out).toContain('fpsimd_thread_switch');
    expect(r.out).toContain('last_st NULL→&A.fpsimd_state');
    expect(r.out).toMatch(/verdict: ok/);
    expect(r.out).toMatch(/expected: ok — met/);
    for (const line of r.out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
  it('exits 1 on a violation and names it', async () => {
    const r = await cli('run', 'seed-uaf', '--variant', 'v4.15-rc1');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/VIOLATION of no-uaf \[FPC101\] at step 8, in sve_flush_cpu_state/);
  });
  it('--json prints one document with the contract fields', async () => {
    const r = await cli('run', 'seed-kvm-sve', '--variant', 'no-sve-flush', '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ variant: 'no-sve-flush', verdict: 'violation', states: 12, transitions: 11 });
    expect(doc.violation).toMatchObject({ invariant: 'integrity', kind: 'corrupt', step: 11 });
    expect(doc.violation.trace).toHaveLength(11);
    expect(doc.counters).toMatchObject({ saves: 2, loads: 2, flushes: 0 });
    expect(typeof doc.seconds).toBe('number');
    expect(doc.bounds).toMatchObject({ cpus: 1 });
  });
  it('--variant all prints a table', async () => {
    const r = await cli('run', 'seed-kvm', '--variant', 'all');
    // exit 1: v4.18-rc1 hits the WARN that b045e4d0f392 fixed when B is preempted in the run loop
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/flush-always\s+ok\s+2\s+1/);
    expect(r.out).toMatch(/rfc-2017\s+ok\s+1\s+1/);
    expect(r.out).toMatch(/v4\.18-rc1\s+kernel-warn @8/);
  });
  it('is deterministic: the same input gives byte-identical JSON apart from timing', async () => {
    const a = JSON.parse((await cli('run', 'fork-reuse', '--variant', 'v4.15-rc1', '--json')).out);
    const b = JSON.parse((await cli('run', 'fork-reuse', '--variant', 'v4.15-rc1', '--json')).out);
    delete a.seconds;
    delete b.seconds;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('fpctx check', () => {
  it('finds the seed use-after-free with --cpus 1 on default bounds otherwise', async () => {
    const r = await cli('check', '--variant', 'v4.15-rc1', '--cpus', '1');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/shortest counterexample \(7 steps\)/);
    expect(r.out).toMatch(/no-uaf/);
  });
  it('--json carries the contract fields', async () => {
    const r = await cli('check', '--variant', 'no-sve-flush', '--cpus', '1', '--tasks', '1', '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['variant', 'bounds', 'states', 'transitions', 'seconds', 'verdict', 'violation', 'counters']),
    );
    expect(doc.bounds).toEqual({ cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 });
    expect(doc.violation.trace.length).toBe(doc.violation.step);
    expect(doc.violation.trace[0]).toHaveProperty('state.cpus');
  });
  it('exits 0 with ok when nothing is found', async () => {
    const r = await cli('check', '--variant', 'rfc-2017', '--cpus', '1', '--tasks', '1', '--depth', '10', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ verdict: 'ok' });
  });
  it('--variant all prints a table and exits 1 if any variant fails', async () => {
    const r = await cli('check', '--variant', 'all', '--cpus', '1', '--tasks', '1', '--depth', '12');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/v4\.15-rc1\s+no-uaf/);
    expect(r.out).toMatch(/rfc-2017\s+ok/);
    expect(r.out).toMatch(/no-sve-flush\s+integrity\/corrupt/);
  });
});

describe('listings', () => {
  it('variants --json lists name, kernel, summary', async () => {
    const r = await cli('variants', '--json');
    const list = JSON.parse(r.out);
    expect(list.map((v: { name: string }) => v.name)).toEqual([
      'v4.15-rc1',
      'rfc-2017',
      'flush-always',
      'no-sve-flush',
      'v4.15',
      'v4.18-rc1',
      'v4.18',
      'v5.17',
      'v6.1.y',
      'v6.12-rc1',
      'v6.12',
      'v6.12.y',
      'mainline',
    ]);
    for (const v of list) expect(Object.keys(v)).toEqual(expect.arrayContaining(['name', 'kernel', 'summary']));
  });
  it('scenarios and events list the built-ins', async () => {
    expect((await cli('scenarios')).out).toMatch(/seed-kvm-sve/);
    expect((await cli('events')).out).toMatch(/vcpu_enter/);
  });
});

describe('the installed binary', () => {
  it('runs from dist with a shebang and returns the exit status', () => {
    const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const ok = spawnSync(process.execPath, [bin, 'run', 'seed-kvm', '--quiet'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/verdict: ok/);
    const bad = spawnSync(process.execPath, [bin, 'check', '--variant', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
