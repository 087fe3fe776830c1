/**
 * Saved JSON documents back into report data: every kind fpctx prints, the report's own data
 * file, and the one-line errors for documents that are not right.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { scenarioReport } from '../../src/app/report.js';
import { InputError } from '../../src/errors.js';
import { checkCommand } from '../../src/report/build.js';
import { renderReport } from '../../src/report/html.js';
import { loadReportDocument } from '../../src/report/load.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FIX = join(import.meta.dirname, 'fixtures');

async function save(name: string, ...argv: string[]): Promise<string> {
  const io = memoryIo();
  await main(argv, io);
  const file = join(dir, name);
  writeFileSync(file, io.stdout.join('\n'));
  return file;
}

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

describe('reading saved documents', () => {
  it('run --json: the same trace as the live run, initial state included', async () => {
    const file = await save('run.json', 'run', 'seed-uaf', '--variant', 'v4.15-rc1', '--json');
    const doc = loadReportDocument(file);
    const live = scenarioReport('seed-uaf', 'v4.15-rc1').traces![0]!;
    expect(doc.traces).toHaveLength(1);
    const t = doc.traces![0]!;
    expect(t.initialUnknown).toBeUndefined();
    expect(t.trace.initial).toEqual(live.trace.initial);
    expect(t.trace.steps).toEqual(live.trace.steps);
    expect(t.trace.violation).toEqual(live.trace.violation);
    expect(t.trace.machine).toEqual(live.trace.machine);
    expect(t.expected).toBe('no-uaf at step 8');
    expect(t.expectationMet).toBe(true);
    expect(doc.runs).toEqual([
      expect.objectContaining({ variant: 'v4.15-rc1', scenario: 'seed-uaf', verdict: 'no-uaf', step: 8, traceId: t.id }),
    ]);
  });

  it('run --json --variant all: one trace per variant', async () => {
    const doc = loadReportDocument(await save('runs.json', 'run', 'seed-kvm', '--variant', 'all', '--json'));
    expect(doc.traces!.map((t) => t.trace.variant)).toEqual([
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
    // v4.18 and later reload the host's state after a guest that used FP (the guest's state was
    // live; mainline and the two stable kernels had already saved and flushed it at vcpu_load)
    expect(doc.runs!.map((r) => r.loads)).toEqual([1, 1, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('run --json keeps the implied and no-op steps of the scenario runner, marked, through a saved document', async () => {
    const doc = loadReportDocument(await save('vs.json', 'run', 'vec-syscfg', '--variant', 'mainline', '--json'));
    const steps = doc.traces![0]!.trace.steps;
    // mainline: do_sve_acc() is completed by implied steps; its atomic VL change makes the
    // written `continue` a no-op
    expect(steps.filter((s) => s.implied).map((s) => s.label)).toEqual(expect.arrayContaining(['continue cpu0 (P) (implied)']));
    expect(steps.filter((s) => s.noop).map((s) => s.label)).toEqual(['continue cpu0 (P) (nothing to continue)']);
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    expect(renderReport(doc)).toContain('(nothing to continue)');
  });

  it('check --json: the counterexample, drawable from its first step', async () => {
    const doc = loadReportDocument(await save('check.json', 'check', '--variant', 'v4.15-rc1', '--cpus', '1', '--tasks', '1', '--json'));
    expect(doc.checks![0]!.rows).toEqual([
      expect.objectContaining({
        variant: 'v4.15-rc1',
        verdict: 'violation',
        violation: expect.objectContaining({ invariant: 'no-uaf', step: 7 }),
      }),
    ]);
    const t = doc.traces![0]!;
    expect(t.kind).toBe('counterexample');
    expect(t.initialUnknown).toBeUndefined();
    // boot: every CPU idle with nothing bound
    expect(t.trace.initial.cpus.map((c) => [c.current, c.last.st])).toEqual([[null, 'NULL']]);
    expect(t.reproduce).toBe('fpctx check --variant v4.15-rc1 --cpus 1 --tasks 1 --vcpus 1 --spare 0 --depth 12');
  });

  it('check --variant all --json: a row per variant, a trace per violation', async () => {
    const doc = loadReportDocument(
      await save('all.json', 'check', '--variant', 'all', '--cpus', '1', '--tasks', '1', '--depth', '12', '--json'),
    );
    const rows = doc.checks![0]!.rows;
    expect(rows.map((r) => [r.variant, r.verdict])).toEqual([
      ['v4.15-rc1', 'violation'],
      ['rfc-2017', 'ok'],
      ['flush-always', 'ok'],
      ['no-sve-flush', 'violation'],
      ['v4.15', 'ok'],
      ['v4.18-rc1', 'violation'],
      ['v4.18', 'ok'],
      ['v5.17', 'violation'], // d52d165d67c5
      ['v6.1.y', 'ok'], // has d52d165d67c5 and the backport of fbc7e61195e2
      ['v6.12-rc1', 'violation'], // fbc7e61195e2
      ['v6.12', 'violation'],
      ['v6.12.y', 'ok'], // fbc7e61195e2 backported
      ['mainline', 'ok'],
    ]);
    expect(doc.traces!.map((t) => t.trace.variant)).toEqual(['v4.15-rc1', 'no-sve-flush', 'v4.18-rc1', 'v5.17', 'v6.12-rc1', 'v6.12']);
    for (const r of rows) expect(r.traceId === undefined).toBe(r.verdict === 'ok');
  });

  it('cost --json (the issue 5 contract): bars per variant and the oracle', () => {
    const doc = loadReportDocument(join(FIX, 'cost-kvm-host.json'));
    const c = doc.cost![0]!;
    expect(c.profile).toBe('kvm-host');
    expect(c.events).toBe(2000);
    expect(c.rows.map((r) => r.variant)).toEqual(['v4.15-rc1', 'rfc-2017', 'flush-always', 'no-sve-flush']);
    const html = renderReport(doc);
    // flush-always moves 633600 B against the oracle's 337920 B
    expect(html).toContain(`×${(633600 / 337920).toFixed(2)}`);
    expect(html).toContain('ratio to the oracle (1 = optimal)');
  });

  it('a full cost document: scalar columns kept, timing and nested breakdowns dropped, violations and waste shown', () => {
    const doc = loadReportDocument(join(FIX, 'cost-kvm-host-full.json'));
    const c = doc.cost![0]!;
    expect(c.title).toBe('Cost on kvm-host');
    expect(c.note).toBe('seed 1 · 2 CPUs · 3 tasks · 1 vcpu thread · SVE VL 512');
    expect(c.oracle).toEqual({ bytes: 1056000, loads: 1000, saves: 1000, bytesLoaded: 528000, bytesSaved: 528000 });
    const [rfc, mut] = c.rows;
    expect(Object.keys(rfc!)).not.toEqual(expect.arrayContaining(['timing']));
    for (const k of ['parts', 'waste', 'topWaste', 'perCpu', 'perContext', 'timing', 'kernel']) expect(rfc).not.toHaveProperty(k);
    expect(mut).toMatchObject({ oracleRatio: null, correct: false, violation: 'integrity/corrupt', violations: 3 });
    expect(c.waste).toEqual({
      'rfc-2017': [expect.objectContaining({ source: 'A', count: 60 }), expect.objectContaining({ source: 'hyp' })],
    });
    const html = renderReport(doc);
    expect(html).not.toContain('[object Object]');
    expect(html).toContain('<td class="num">∞</td>');
    expect(html).toContain('<td class="bad">integrity/corrupt</td>');
    expect(html).toContain('redundant-load A ×60 (31,680 B)');
  });

  it('fpctx matrix --json (issue 4): scenario cells make the verdict table, check cells the bounded-check table', () => {
    const doc = loadReportDocument(join(FIX, 'matrix-issue4.json'));
    // 3 variants × 3 scenarios, and 3 variants × 2 named checks
    expect(doc.runs).toHaveLength(9);
    expect(doc.runs!.find((r) => r.variant === 'v4.15-rc1' && r.scenario === 'seed-uaf')).toMatchObject({
      verdict: 'no-uaf',
      step: 8,
      expectationMet: true,
    });
    const rows = doc.checks![0]!.rows;
    expect(rows.map((r) => `${r.variant}/${r.check}/${r.verdict}`)).toEqual([
      'v4.15-rc1/1cpu-kvm/violation',
      'v4.15-rc1/sve-stress/violation',
      'rfc-2017/1cpu-kvm/ok',
      'rfc-2017/sve-stress/ok',
      'v4.18/1cpu-kvm/ok',
      'v4.18/sve-stress/incomplete',
    ]);
    // a named check's bounds come from the matrix's check list, event families included
    expect(rows[1]!.bounds).toEqual({ cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 15, events: ['core', 'neon', 'signal'] });
    expect(rows[0]!.violation).toMatchObject({ invariant: 'no-uaf', step: 7 });
    const html = renderReport(doc);
    expect(html).toMatch(/<td class="warn"[^>]*>incomplete<\/td>/);
    expect(html).toContain('cpus=2 tasks=1 vcpus=0 spare=0 depth=15 events=core,neon,signal');
  });

  it('names what fpctx check cannot repeat from flags', () => {
    expect(checkCommand('v4.18', { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 15, events: ['core', 'neon'] })).toBe(
      'fpctx check --variant v4.18 --cpus 2 --tasks 1 --vcpus 0 --spare 0 --depth 15  # with events=core,neon',
    );
  });

  it('report --data round-trips: the same data gives the same page', async () => {
    const file = join(dir, 'data.json');
    const io = memoryIo();
    expect(await main(['report', 'seed-kvm-sve', '--variant', 'all', '-o', join(dir, 'a.html'), '--data', file], io)).toBe(1);
    expect(await main(['report', file, '-o', join(dir, 'b.html')], memoryIo())).toBe(1);
    expect(readFileSync(join(dir, 'b.html'), 'utf8')).toBe(readFileSync(join(dir, 'a.html'), 'utf8'));
  });
});

describe('bad documents: one line naming the file, the line and the field', () => {
  it('malformed JSON names the line', () => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, '{\n  "variant": "x",\n  "verdict": ok\n}\n');
    const e = inputError(() => loadReportDocument(f));
    // `  "verdict": ok`: the o of ok is the 14th character of line 3.
    expect(e.format()).toMatch(new RegExp(`^${f}:3:14: malformed JSON: `));
  });

  it('a missing field names its path and line', async () => {
    const file = await save('run2.json', 'run', 'seed-kvm', '--json');
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    delete doc.trace[2].state.cpus[0].regs;
    const text = JSON.stringify(doc, null, 2);
    writeFileSync(file, text);
    const e = inputError(() => loadReportDocument(file));
    expect(e.field).toBe('trace[2].state.cpus[0].regs');
    expect(e.message).toBe('missing required field');
    // the line of the cpu record that lacks it
    const lines = text.split('\n');
    expect(e.line).toBeGreaterThan(0);
    expect(lines.slice(0, e.line).join('\n')).toContain('"current"');
  });

  it('a document of no known kind, or of an unknown report format, is refused', () => {
    const f = join(dir, 'other.json');
    writeFileSync(f, '{"hello": 1}');
    expect(inputError(() => loadReportDocument(f)).message).toMatch(/^not an fpctx document/);
    writeFileSync(f, '{"format": "fpctx-report/9", "title": "x"}');
    expect(inputError(() => loadReportDocument(f)).format()).toBe(
      // `{"format": ` is 11 characters: the value starts in column 12.
      `${f}:1:12: format: unknown format 'fpctx-report/9' (this fpctx reads fpctx-report/1)`,
    );
    expect(inputError(() => loadReportDocument(join(dir, 'absent.json'))).format()).toBe(
      `${join(dir, 'absent.json')}: cannot read: ENOENT`,
    );
  });
});
