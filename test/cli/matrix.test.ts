/**
 * fpctx matrix: variants × scenarios + bounded checks, text / --json / --md, and what counts
 * as unexpected (exit 1). Also check --events.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { computeMatrix } from '../../src/app/matrix.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { findCheck } from '../../src/app/checks.js';
import { findVariant } from '../../src/variants/index.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('fpctx matrix', () => {
  it('--json: one cell per variant and column, the known findings, nothing unexpected', async () => {
    const r = await cli('matrix', '--variant', 'v4.15-rc1,v4.18', '--checks', '1cpu-fork', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    expect(m.variants.map((v: { name: string }) => v.name)).toEqual(['v4.15-rc1', 'v4.18']);
    expect(m.cells).toHaveLength(2 * (m.scenarios.length + 1));
    const cell = (v: string, col: string) => m.cells.find((c: { variant: string; column: string }) => c.variant === v && c.column === col);
    expect(cell('v4.15-rc1', 'fork-reuse')).toMatchObject({
      type: 'scenario',
      scenario: 'fork-reuse',
      verdict: 'violation',
      violation: { invariant: 'integrity', kind: 'leak', code: 'FPC102', step: 13 },
      expectationMet: true,
      unexpected: false,
    });
    expect(cell('v4.15-rc1', 'seed-uaf')).toMatchObject({
      verdict: 'violation',
      violation: { invariant: 'no-uaf', where: 'sve_flush_cpu_state' },
    });
    expect(cell('v4.15-rc1', '1cpu-fork')).toMatchObject({
      type: 'check',
      check: '1cpu-fork',
      bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 },
      verdict: 'violation',
      violation: { kind: 'leak', step: 12 },
    });
    // bounds are numbers only (the event families, when chosen, are a separate field)
    for (const c of m.cells) for (const x of Object.values(c.bounds)) expect(typeof x).toBe('number');
    expect(cell('v4.18', '1cpu-fork')).toMatchObject({ verdict: 'ok' });
    for (const c of m.cells) expect(typeof c.seconds).toBe('number');
    expect(m.scenarios.find((s: { name: string }) => s.name === 'sve-ptrace').reference).toMatch(/sve-ptrace\.c/);
  });

  it('--md prints a Markdown table with a row per scenario and check', async () => {
    const r = await cli('matrix', '--variant', 'v4.15,v4.18-rc1', '--checks', 'none', '--md');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('|  | `v4.15` | `v4.18-rc1` |');
    expect(lines[1]).toBe('| --- | --- | --- |');
    expect(r.out).toMatch(/\| scenario `kvm-sve-trap-restore` \| ok \| kernel-warn @12 \|/);
  });

  it("a check named like a scenario (fp-stress) shows its own verdict, not the scenario's", async () => {
    // v6.12: scenario fp-stress is ok; the check fp-stress finds the FPMR signal-record bug at step 3
    const md = await cli('matrix', '--variant', 'v6.12', '--checks', 'fp-stress', '--md');
    expect(md.out).toMatch(/\| scenario `fp-stress` \| ok \|/);
    expect(md.out).toMatch(/\| check `fp-stress` \| integrity\/lost @3 in setup_sigframe/);
    const text = await cli('matrix', '--variant', 'v6.12', '--checks', 'fp-stress');
    const rows = text.out.split('\n').filter((l) => l.startsWith('  fp-stress '));
    expect(rows.map((l) => l.trim().split(/\s+/)[1])).toEqual(['ok', 'lost@3']);
  });

  it('text: fits 100 columns, legend and short verdicts', async () => {
    const r = await cli('matrix', '--checks', 'none');
    expect(r.code).toBe(0);
    for (const line of r.out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(r.out).toMatch(/seed-uaf\s+uaf@8/);
  });

  it('a check that exceeds --max-states is incomplete, not ok', () => {
    const m = computeMatrix([findVariant('v4.15')!], [], [findCheck('1cpu-kvm')!], { maxStates: 1000 });
    expect(m.cells[0]).toMatchObject({ verdict: 'incomplete', unexpected: false });
    expect(m.cells[0]!.states).toBeGreaterThan(1000);
  });

  it('unexpected: an expectation not met, or (with none stated) a violation in a released kernel', () => {
    const rc1 = findVariant('v4.15-rc1')!;
    const sc = loadScenario(join(BUILTIN_DIR, 'fork-reuse.yaml'));
    const check = findCheck('1cpu-fork')!;
    // a known finding is expected, not unexpected
    const known = computeMatrix([rc1], [sc], [check]);
    expect(known.cells.map((c) => [c.expectationMet, c.unexpected])).toEqual([
      [true, false],
      [true, false],
    ]);
    // rc1's code under the name v4.15: both expectations ('ok') are broken
    const regressed = computeMatrix([{ ...findVariant('v4.15')!, Kernel: rc1.Kernel }], [sc], [check]);
    expect(regressed.cells.map((c) => [c.expectationMet, c.unexpected])).toEqual([
      [false, true],
      [false, true],
    ]);
    // a plug-in release with no stated expectation: a violation in a check is unexpected
    const plugin = computeMatrix([{ ...rc1, name: 'my-release', status: 'release' as const }], [], [check]);
    expect(plugin.cells[0]).toMatchObject({ verdict: 'violation', unexpected: true });
    expect(plugin.cells[0]!.expectationMet).toBeUndefined();
  });

  it('bad --checks is one line, exit 2', async () => {
    const r = await cli('matrix', '--checks', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fpctx: --checks: unknown check 'nope' \(known: 1cpu-kvm, /);
  });
});

describe('fpctx check --events', () => {
  it('explores the families named: the v4.15-rc1 sigreturn bug needs signals', async () => {
    const base = ['check', '--variant', 'v4.15-rc1', '--cpus', '2', '--tasks', '1', '--vcpus', '0', '--depth', '13', '--json'];
    const without = JSON.parse((await cli(...base)).out);
    expect(without.verdict).toBe('ok');
    const r = await cli(...base, '--events', 'core,signal');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.events).toEqual(['core', 'signal']);
    expect(doc.bounds).toEqual({ cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 13 });
    expect(doc.violation).toMatchObject({ invariant: 'integrity', kind: 'lost', step: 13 });
  });
  it('rejects an unknown family in one line', async () => {
    const r = await cli('check', '--events', 'core,teleport');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fpctx: --events: unknown event or family 'teleport' \(families: core, neon, /);
    expect(r.err.split('\n')).toHaveLength(1);
  });
});
