/**
 * `fpctx report` and the suite's report: what they write, what they say, their exit statuses,
 * and bad input as one line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkVariant } from '../../src/app/check.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { runSuite } from '../../src/cli/commands/suite.js';
import { SEED_CHECK, type SuiteResult } from '../../src/app/suite.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant, VARIANTS } from '../../src/variants/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

describe('fpctx report', () => {
  it('writes the report of a scenario run, says where, and exits 1 when it shows a violation', async () => {
    const file = join(dir, 'uaf.html');
    const r = await cli('report', 'seed-uaf', '--variant', 'v4.15-rc1', '-o', file);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(new RegExp(`^report: ${file} \\(\\d+ KiB; 1 trace\\)$`));
    expect(r.out[1]).toBe(`  open ${pathToFileURL(file).href}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<article class="trace" id="trace-run-seed-uaf-v4.15-rc1"');
    expect(html).toContain('FPC101 no-uaf');
  });

  it('exits 0 when nothing in the report is a violation (a scenario on its own variant)', async () => {
    const r = await cli('report', 'seed-kvm', '-o', join(dir, 'kvm.html'));
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'kvm.html'), 'utf8')).toContain('seed-kvm on rfc-2017');
  });

  it('runs a bounded check with --check and reports its counterexample', async () => {
    const file = join(dir, 'check.html');
    const r = await cli('report', '--check', '--variant', 'all', '--cpus', '1', '--tasks', '1', '--depth', '10', '-o', file);
    expect(r.code).toBe(1);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('Bounded check at cpus=1 tasks=1 vcpus=1 spare=0 depth=10');
    expect(html).toContain('Reproduce: <code>fpctx check --variant v4.15-rc1 --cpus 1 --tasks 1 --vcpus 1 --spare 0 --depth 10</code>');
  });

  it('--perfetto alone writes only the trace-event file', async () => {
    const p = join(dir, 'only.json');
    const cwdReport = join(process.cwd(), 'fpctx-report.html');
    const before = existsSync(cwdReport) ? readFileSync(cwdReport, 'utf8') : null;
    const r = await cli('report', 'seed-kvm', '--variant', 'v4.15-rc1,rfc-2017,flush-always,no-sve-flush', '--perfetto', p);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([`perfetto: ${p} (4 traces; open it in ui.perfetto.dev or chrome://tracing)`]);
    expect(JSON.parse(readFileSync(p, 'utf8')).traceEvents.length).toBeGreaterThan(100);
    expect(existsSync(cwdReport) ? readFileSync(cwdReport, 'utf8') : null).toBe(before);
  });

  it('merges several inputs into one report, and reads a document from stdin', () => {
    const check = spawnSync(process.execPath, [BIN, 'check', '--variant', 'no-sve-flush', '--cpus', '1', '--tasks', '1', '--json'], {
      encoding: 'utf8',
    });
    expect(check.status).toBe(1);
    const file = join(dir, 'merged.html');
    const r = spawnSync(process.execPath, [BIN, 'report', '-', 'seed-kvm-sve', '--variant', 'no-sve-flush', '-o', file], {
      input: check.stdout,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('no-sve-flush: shortest counterexample');
    expect(html).toContain('seed-kvm-sve on no-sve-flush');
  });

  it('bad input: one line naming the file or the flag, exit 2', async () => {
    const none = await cli('report');
    expect(none.code).toBe(2);
    expect(none.err).toEqual([
      'fpctx: <input>: nothing to report: name a scenario, a saved --json document (or - for stdin), or give --check',
    ]);
    const missing = await cli('report', join(dir, 'absent.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toEqual([`fpctx: ${join(dir, 'absent.json')}: cannot read: ENOENT`]);
    const unwritable = await cli('report', 'seed-kvm', '-o', join(dir, 'no', 'such', 'dir.html'));
    expect(unwritable.code).toBe(2);
    // Checked before the scenario runs: the directory it would go in does not exist.
    expect(unwritable.err).toEqual([
      `fpctx: --output: cannot write ${join(dir, 'no', 'such', 'dir.html')}: no directory ${join(dir, 'no', 'such')}`,
    ]);
    const flag = await cli('report', '--check', '--cpus', 'x');
    expect(flag.code).toBe(2);
    expect(flag.err).toEqual(["fpctx: --cpus: expected an integer, got 'x'"]);
  });
});

describe('fpctx suite (npm start)', () => {
  it('prints the tables and the seed counterexample, writes the report and says where', async () => {
    const file = join(dir, 'suite.html');
    const r = await cli('suite', '--report', file);
    expect(r.code).toBe(0);
    const out = r.out.join('\n');
    // the scenario table and the checks table, verdicts unabbreviated
    // (blocks of scenario columns; find a scenario's column by its header)
    const cellOf = (scenario: string, variant: string) => {
      const block = out.split('\n\n').find((b) => new RegExp(`^variant .* ${scenario}( |$)`, 'm').test(b))!;
      const [head, ...rows] = block.split('\n');
      const col = head!.search(new RegExp(` ${scenario}( |$)`)) + 1;
      return rows
        .find((r) => r.startsWith(`${variant} `))!
        .slice(col)
        .split(/\s+/)[0];
    };
    expect(cellOf('seed-uaf', 'v4.15-rc1')).toBe('no-uaf');
    expect(cellOf('seed-kvm-sve', 'v4.15-rc1')).toBe('ok');
    // an SME scenario is n/a where the kernel has no SME
    expect(cellOf('za-test', 'v6.12')).toBe('n/a');
    expect(cellOf('za-test', 'mainline')).toBe('ok');
    expect(out).toMatch(/no-sve-flush +integrity\/corrupt@11 +ok +ok/);
    expect(out).toContain('the seed bug: shortest counterexample for v4.15-rc1');
    expect(out).toMatch(/verdict: VIOLATION of no-uaf \[FPC101\] at step 7, in sve_flush_cpu_state/);
    expect(r.out.at(-2)).toMatch(new RegExp(`^report: ${file} \\(\\d+ KiB; \\d+ traces, ${3 * VARIANTS.length} check results, cost\\)$`));
    // the kvm-host cost table: flush-always moves more bytes than rfc-2017 (its extra reloads),
    // and no correct variant moves less than the oracle
    const bytes = (v: string) => Number(out.match(new RegExp(`^${v.replace('.', '\\.')} +([\\d,]+) `, 'm'))![1]!.replace(/,/g, ''));
    expect(out).toContain('Cost on kvm-host');
    expect(bytes('flush-always')).toBeGreaterThan(bytes('rfc-2017'));
    expect(bytes('rfc-2017')).toBeGreaterThanOrEqual(bytes('oracle'));
    for (const l of r.out.slice(0, -1)) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(readFileSync(file, 'utf8')).toContain('The seed bug: shortest counterexample for v4.15-rc1');
  });

  it('--json names the report in the document; --no-report writes none', () => {
    // A small stand-in for the full run (the test above runs the real one): the seed scenario on
    // every variant, one cheap bounded check each, and the seed counterexample.
    const sc = loadScenario(join(BUILTIN_DIR, 'seed-uaf.yaml'));
    const bounds = { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 8 };
    const small = (): SuiteResult => ({
      scenarios: [{ scenario: sc.name, runs: VARIANTS.map((v) => runScenario(sc, v)) }],
      checks: VARIANTS.map((v) => ({ variant: v.name, check: 'small', result: checkVariant(v, bounds) })),
      seed: checkVariant(findVariant(SEED_CHECK.variant)!, SEED_CHECK.bounds),
      unmet: [],
    });
    const file = join(dir, 'suite-json.html');
    const io = memoryIo();
    expect(runSuite({ json: true, report: file }, io, small)).toBe(0);
    const doc = JSON.parse(io.stdout.join('\n'));
    expect(doc.report).toBe(file);
    expect(existsSync(file)).toBe(true);
    expect(doc.seedCounterexample).toMatchObject({ invariant: 'no-uaf', step: 7, variant: 'v4.15-rc1' });
    expect(doc.seedCounterexample.initial.cpus).toHaveLength(1);
    expect(doc.scenarios.map((s: { variant: string }) => s.variant)).toEqual(VARIANTS.map((v) => v.name));
    const quiet = memoryIo();
    runSuite({ quiet: true, report: false }, quiet, small);
    expect(quiet.stdout.some((l) => l.startsWith('report:'))).toBe(false);
  });
});
