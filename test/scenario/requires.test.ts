/**
 * Feature gating (`requires:`): validation of the field and of the events a scenario uses, and
 * "n/a" — neither ok nor a violation — wherever a scenario meets a variant without the feature
 * (run --variant all, run --json, matrix text/json/md, the suite's tables and report), with one
 * error line (exit 2) when such a variant is asked for alone.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { computeMatrix } from '../../src/app/matrix.js';
import { matrixMarkdown, shortCell } from '../../src/cli/commands/matrix.js';
import { suiteReport, type SuiteResult } from '../../src/app/suite.js';
import { BUILTIN_DIR, loadScenario, parseScenario } from '../../src/scenario/load.js';
import { missingFeatures, notApplicable } from '../../src/scenario/features.js';
import { runScenario } from '../../src/scenario/run.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const yaml = (requires: string, event = 'smstart_sm') => `name: t
${requires}
machine:
  cpus: 1
  tasks: [{ name: A }]
steps:
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: ${event}, task: A }
`;

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
}

describe('requires: validation', () => {
  it('accepts known features, once each', () => {
    expect(parseScenario(yaml('requires: [sme, fpmr, sme]'), 't.yaml').requires).toEqual(['sme', 'fpmr']);
    expect(parseScenario(yaml('', 'fp_write'), 't.yaml').requires).toEqual([]);
  });

  it('an unknown feature is an error naming file, line and field, and the known features', () => {
    const e = inputError(() => parseScenario(yaml('requires: [sme, sve2]'), 't.yaml'));
    expect(e.format()).toBe('t.yaml:2: requires[1]: unknown feature "sve2" (features: sme, fpmr, sve_guests)');
  });

  it('a scenario that uses an SME event without requiring sme is rejected at that step', () => {
    const e = inputError(() => parseScenario(yaml(''), 't.yaml'));
    expect(e.line).toBe(9);
    expect(e.field).toBe('steps[2].event');
    expect(e.message).toMatch(/'smstart_sm' exists only on kernels with sme: declare it with `requires: \[sme\]`/);
    const f = inputError(() => parseScenario(yaml('requires: [sme]', 'fpmr_write'), 't.yaml'));
    expect(f.message).toMatch(/requires: \[sme, fpmr\]/);
  });

  it('what each variant lacks, from its class features', () => {
    expect(missingFeatures(['sme', 'fpmr'], findVariant('v4.15')!)).toEqual(['sme', 'fpmr']);
    expect(missingFeatures(['sme', 'fpmr'], findVariant('v5.17')!)).toEqual(['sme', 'fpmr']);
    expect(missingFeatures(['sme', 'fpmr'], findVariant('v6.12')!)).toEqual(['sme']);
    expect(missingFeatures(['sme', 'fpmr', 'sve_guests'], findVariant('v6.12-rc1')!)).toEqual([]);
    expect(missingFeatures(['sve_guests'], findVariant('v5.17')!)).toEqual([]);
    expect(notApplicable([], findVariant('v4.15')!)).toBeUndefined();
  });
});

describe('n/a where the variant lacks the feature', () => {
  it('runScenario on such a variant is bad input, not a verdict', () => {
    const sc = loadScenario(join(BUILTIN_DIR, 'za-test.yaml'));
    const e = inputError(() => runScenario(sc, findVariant('v6.12')!));
    expect(e.format()).toBe('--variant: v6.12 has no sme (scenario za-test requires it; n/a there)');
    expect(inputError(() => runScenario(loadScenario(join(BUILTIN_DIR, 'fpmr-streaming.yaml')), findVariant('v5.17')!)).message).toBe(
      'v5.17 has no sme or fpmr (scenario fpmr-streaming requires it; n/a there)',
    );
  });

  it('fpctx run on one such variant: one error line, exit 2', async () => {
    const r = await cli('run', 'za-test', '--variant', 'v6.12');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toBe('fpctx: --variant: v6.12 has no sme (scenario za-test requires it; n/a there)');
  });

  it('fpctx run --variant all: n/a rows for the variants without SME, in variant order; exit 0', async () => {
    const r = await cli('run', 'za-test', '--variant', 'all');
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').slice(2);
    expect(rows.map((l) => l.split(/\s+/)[0])).toEqual(VARIANTS.map((v) => v.name));
    for (const v of VARIANTS) {
      const row = rows.find((l) => l.startsWith(`${v.name} `))!;
      if (v.name === 'v6.12-rc1' || v.name === 'mainline') expect(row).toMatch(/\bok\b.*ok ✓/);
      else expect(row).toMatch(/n\/a \(needs sme\)$/);
    }
  });

  it('fpctx run --json with several variants: n/a documents with the reason', async () => {
    const r = await cli('run', 'fpmr-exec', '--variant', 'v5.17,v6.12,mainline', '--json');
    expect(r.code).toBe(1); // v6.12's known finding (a90878f297d3)
    const doc = JSON.parse(r.out);
    expect(doc.runs.map((x: { variant: string; verdict: string }) => [x.variant, x.verdict])).toEqual([
      ['v6.12', 'violation'],
      ['mainline', 'ok'],
      ['v5.17', 'n/a'],
    ]);
    expect(doc.runs[2].reason).toBe('needs fpmr');
  });

  it('matrix: n/a cells (never unexpected), in text, JSON and Markdown', async () => {
    const sc = loadScenario(join(BUILTIN_DIR, 'za-test.yaml'));
    const m = computeMatrix([findVariant('v6.12')!, findVariant('mainline')!], [sc], []);
    const na = m.cells.find((c) => c.variant === 'v6.12')!;
    expect(na).toMatchObject({ verdict: 'n/a', reason: 'needs sme', unexpected: false });
    expect(na.expectationMet).toBeUndefined();
    expect(shortCell(na)).toBe('n/a');
    expect(m.cells.find((c) => c.variant === 'mainline')).toMatchObject({ verdict: 'ok', expectationMet: true });
    expect(m.scenarios[0]).toMatchObject({ name: 'za-test', requires: ['sme'] });
    expect(matrixMarkdown(m).find((l) => l.startsWith('| scenario `za-test`'))).toBe('| scenario `za-test` | n/a (needs sme) | ok |');
    const text = await cli('matrix', '--variant', 'v6.12,v6.12-rc1', '--checks', 'none');
    expect(text.code).toBe(0);
    expect(text.out.split('\n').find((l) => l.trim().startsWith('za-test'))).toMatch(/^\s+za-test\s+n\/a\s+ok$/);
    expect(text.out.split('\n').find((l) => l.trim().startsWith('fpmr-exec'))).toMatch(/^\s+fpmr-exec\s+lost@8\s+lost@8$/);
    expect(text.out).not.toMatch(/unexpected: .*za-test/);
  });

  it('fpctx report <scenario> --variant all: n/a cells in the verdict table, not violations (exit 0)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fpctx-req-')), 'r.html');
    const r = await cli('report', 'za-test', '--variant', 'all', '-o', file);
    expect(r.code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('v6.12 on za-test: n/a');
    expect(html).not.toContain('NOT met');
  });

  it("suite: n/a cells in the table and the report's verdict rows, not counted as unmet", () => {
    const sc = loadScenario(join(BUILTIN_DIR, 'za-test.yaml'));
    const runs = ['v6.12-rc1', 'mainline'].map((v) => runScenario(sc, findVariant(v)!));
    const r: SuiteResult = {
      scenarios: [{ scenario: 'za-test', runs, na: [{ variant: 'v6.12', reason: 'needs sme' }] }],
      checks: [],
      seed: {
        variant: 'v4.15-rc1',
        bounds: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 1 },
        verdict: 'ok',
        states: 1,
        transitions: 0,
        depth: 0,
        seconds: 0,
      } as unknown as SuiteResult['seed'],
      unmet: [],
    };
    const data = suiteReport(r);
    expect(data.runs).toContainEqual({ variant: 'v6.12', scenario: 'za-test', verdict: 'n/a' });
    expect(data.runs!.filter((x) => x.scenario === 'za-test' && x.verdict === 'ok')).toHaveLength(2);
  });
});
