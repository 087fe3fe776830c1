/**
 * `fpctx suite` (what `npm start` runs): every variant on every built-in scenario, the standard
 * bounded checks, the shortest counterexample of the seed bug, and the kvm-host cost comparison. Prints the tables and the seed counterexample, and writes all of
 * it, every trace included, as one self-contained HTML report (fpctx-report.html by default).
 */

import { join } from 'node:path';
import { checkRow, checkTrace, costSectionFromDoc, runRow, scenarioTrace } from '../../report/build.js';
import { costWorkload } from '../../cost/api.js';
import { emptyReport, type CostSection, type ReportData, type ReportTrace } from '../../report/data.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../scenario/load.js';
import { notApplicable } from '../../scenario/features.js';
import { runScenario, type ScenarioRun } from '../../scenario/run.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { VARIANTS, findVariant } from '../../variants/index.js';
import { checkVariant, type CheckBounds, type CheckResult } from '../api.js';
import type { Io } from '../io.js';
import { catalogues, DEFAULT_REPORT_FILE, writeReport } from './report.js';
import { expectationText } from './run.js';

/** The standard bounded checks: small enough to run in seconds, big enough to find the known bugs. */
export const STANDARD_CHECKS: readonly { name: string; bounds: CheckBounds }[] = [
  { name: '1cpu-kvm', bounds: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 } },
  { name: '1cpu-fork', bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 } },
  { name: '2cpu-kvm', bounds: { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 } },
];

/** Where the seed's use-after-free is shortest: one CPU, one task, one vcpu. */
export const SEED_CHECK = { variant: 'v4.15-rc1', bounds: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 } as CheckBounds };

export interface SuiteFlags {
  json?: boolean;
  quiet?: boolean;
  /** HTML report path; false with --no-report. */
  report?: string | false;
  perfetto?: string;
}

function verdictOf(v: { invariant: string; kind?: string } | undefined): string {
  return v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''}` : 'ok';
}

/**
 * The kvm-host cost comparison (the seed's trade-off in numbers): every variant on the same
 * generated stream, as a ratio to the oracle. See docs/cost.md.
 */
export function kvmHostCost(): CostSection | undefined {
  return costSectionFromDoc(costWorkload('kvm-host', VARIANTS) as unknown as Record<string, unknown>);
}

export interface SuiteResult {
  /** Runs of each scenario on the variants it applies to; `na`: the others, with the reason. */
  scenarios: { scenario: string; runs: ScenarioRun[]; na?: { variant: string; reason: string }[] }[];
  checks: { variant: string; check: string; result: CheckResult }[];
  seed: CheckResult;
  cost?: CostSection;
  unmet: string[];
}

/**
 * Runs everything the suite reports; `cost: false` leaves out the kvm-host cost comparison
 * (about half the suite's CPU time), for callers that bring their own cost section.
 */
export function runSuiteChecks(io: Io, progress: boolean, opts: { cost?: boolean } = {}): SuiteResult {
  const scenarios = builtinScenarioNames().map((n) => loadScenario(join(BUILTIN_DIR, `${n}.yaml`)));
  const scenarioRuns = scenarios.map((s) => {
    const na = VARIANTS.flatMap((v) => {
      const reason = notApplicable(s.requires, v);
      return reason ? [{ variant: v.name, reason }] : [];
    });
    const runs = VARIANTS.filter((v) => !na.some((x) => x.variant === v.name)).map((v) => runScenario(s, v));
    return { scenario: s.name, runs, ...(na.length ? { na } : {}) };
  });
  const checks: SuiteResult['checks'] = [];
  for (const v of VARIANTS) {
    for (const c of STANDARD_CHECKS) {
      if (progress) io.progress(`checking ${v.name} at ${c.name}…`);
      checks.push({ variant: v.name, check: c.name, result: checkVariant(v, c.bounds) });
    }
  }
  if (progress) io.progress('the seed bug: shortest counterexample…');
  const seed = checkVariant(findVariant(SEED_CHECK.variant)!, SEED_CHECK.bounds);
  if (progress && opts.cost !== false) io.progress('kvm-host cost…');
  const cost = opts.cost === false ? undefined : kvmHostCost();
  io.progressDone();
  const unmet = scenarioRuns.flatMap((s) =>
    s.runs.filter((r) => r.expectationMet === false).map((r) => `${r.trace.variant} on ${s.scenario}`),
  );
  return { scenarios: scenarioRuns, checks, seed, ...(cost ? { cost } : {}), unmet };
}

/** The suite as report data: verdict tables, cost, and every trace (the seed bug first). */
export function suiteReport(r: SuiteResult): ReportData {
  const data: ReportData = {
    ...emptyReport('fpctx suite: every variant on the built-in scenarios and the standard bounded checks'),
    commands: ['npm start   # = fpctx suite'],
    summary: [
      `${VARIANTS.length} variants × ${r.scenarios.length} scenarios, ${STANDARD_CHECKS.length} bounded checks per variant; ` +
        (r.unmet.length ? `expectations NOT met: ${r.unmet.join(', ')}.` : 'every scenario expectation met.'),
      `The seed bug (v4.15-rc1 follows fpsimd_last_state to a freed task before guest entry) is shown first, as the shortest counterexample the checker finds.`,
    ],
    ...catalogues(),
  };
  const traces: ReportTrace[] = [];
  const seedTrace = checkTrace({ ...r.seed, bounds: { ...r.seed.bounds } }, 'seed');
  if (seedTrace) {
    seedTrace.id = 'seed';
    seedTrace.title = `The seed bug: shortest counterexample for ${r.seed.variant}`;
    seedTrace.description =
      `The 2017 thread's use-after-free, as the checker finds it: exhaustive breadth-first exploration of ${r.seed.variant} on one CPU, ` +
      `one task and one vcpu thread (${r.seed.states} states) reaches it in ${r.seed.violation?.step ?? '?'} steps, and no shorter path exists. ` +
      'A binds its state on cpu0, exits and is freed; fpsimd_last_state still names its storage; the pre-entry flush before the guest runs follows it.';
    traces.push(seedTrace);
    data.featured = 'seed';
  }
  const rows = r.checks.map(({ check, result }) => {
    const rt = checkTrace({ ...result, bounds: { ...result.bounds } }, check);
    if (rt) traces.push(rt);
    return checkRow({ ...result, bounds: { ...result.bounds } }, check, rt?.id);
  });
  data.checks = [
    {
      title: 'Standard bounded checks: every interleaving up to the bounds',
      note: `${[...new Map(r.checks.map((c) => [c.check, c.result.bounds])).entries()]
        .map(([n, b]) => `${n}: cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} depth=${b.depth}`)
        .join('; ')}. A violation is the shortest one (breadth-first).`,
      rows,
    },
  ];
  data.runs = [];
  for (const s of r.scenarios) {
    for (const run of s.runs) {
      const sc = run.scenario;
      const rt = scenarioTrace(
        run.trace,
        { name: sc.name, ...(sc.description ? { description: sc.description } : {}), notes: run.notes },
        {
          ...(run.expected !== undefined ? { expected: expectationText(run.expected) } : {}),
          ...(run.expectationMet !== undefined ? { expectationMet: run.expectationMet } : {}),
        },
      );
      traces.push(rt);
      data.runs.push(runRow(rt));
    }
    for (const x of s.na ?? []) data.runs.push({ variant: x.variant, scenario: s.scenario, verdict: 'n/a' });
  }
  if (r.cost) data.cost = [r.cost];
  data.traces = traces;
  return data;
}

/** `run` is what produces the results (the tests pass results of their own). */
export function runSuite(f: SuiteFlags, io: Io, run: (io: Io, progress: boolean) => SuiteResult = runSuiteChecks): number {
  const st = io.style;
  const r = run(io, !f.json && !f.quiet);
  const reportPath = f.report === false ? undefined : (f.report ?? DEFAULT_REPORT_FILE);
  const writeOutputs = (out: Io) =>
    reportPath || f.perfetto
      ? writeReport(suiteReport(r), { ...(reportPath ? { output: reportPath } : {}), ...(f.perfetto ? { perfetto: f.perfetto } : {}) }, out)
      : undefined;

  if (f.json) {
    // The report's location goes in the document; nothing else may reach stdout.
    const silent: Io = { ...io, out: () => {} };
    const written = writeOutputs(silent);
    io.out(
      JSON.stringify(
        {
          scenarios: r.scenarios
            .flatMap((s) => s.runs.map((x) => ({ s: s.scenario, x })))
            .reduce<{ variant: string; results: object[] }[]>((acc, { s, x }) => {
              let row = acc.find((a) => a.variant === x.trace.variant);
              if (!row) acc.push((row = { variant: x.trace.variant, results: [] }));
              row.results.push({
                scenario: s,
                verdict: verdictOf(x.trace.violation),
                expectationMet: x.expectationMet,
                loads: x.trace.counters.loads,
              });
              return acc;
            }, [])
            .map((row) => ({
              ...row,
              results: [
                ...row.results,
                ...r.scenarios.flatMap((s) =>
                  (s.na ?? [])
                    .filter((x) => x.variant === row.variant)
                    .map((x) => ({ scenario: s.scenario, verdict: 'n/a', reason: x.reason })),
                ),
              ],
            })),
          checks: r.checks.map(({ variant, check, result }) => ({
            variant,
            check,
            bounds: result.bounds,
            verdict: result.verdict,
            violation: result.violation && {
              invariant: result.violation.invariant,
              kind: result.violation.kind,
              step: result.violation.step,
            },
            states: result.states,
            seconds: result.seconds,
          })),
          seedCounterexample: r.seed.violation && { ...r.seed.violation, variant: r.seed.variant, initial: r.seed.trace?.initial },
          ...(r.cost ? { cost: r.cost } : {}),
          unmetExpectations: r.unmet,
          ...(written ? { report: written } : {}),
        },
        null,
        2,
      ),
    );
    return r.unmet.length ? 1 : 0;
  }

  io.out(st.bold('fpctx suite: every variant on the built-in scenarios and the standard bounded checks'));
  io.out('');
  // Columns fit the longest verdict or scenario name (at most 22), and the scenarios are wrapped
  // into blocks of columns so that every line stays within the terminal (100 columns in tests).
  const variantsShown = VARIANTS.filter((x) =>
    r.scenarios.some((s) => s.runs.some((run) => run.trace.variant === x.name) || s.na?.some((n) => n.variant === x.name)),
  );
  const cellText = (x: ScenarioRun) => `${verdictOf(x.trace.violation)}${x.expectationMet === false ? ' ✗' : ''}`;
  const widest = Math.max(...r.scenarios.flatMap((s) => [s.scenario.length, ...s.runs.map((x) => cellText(x).length)]));
  const scW = Math.max(12, Math.min(22, widest));
  const perBlock = Math.max(1, Math.floor((io.columns - 14) / (scW + 1)));
  for (let b = 0; b < r.scenarios.length; b += perBlock) {
    const block = r.scenarios.slice(b, b + perBlock);
    if (b > 0) io.out('');
    io.out(['variant'.padEnd(14), ...block.map((s) => s.scenario.slice(0, scW).padEnd(scW))].join(' ').trimEnd());
    for (const v of variantsShown) {
      const cells = block.map((s) => {
        const x = s.runs.find((run) => run.trace.variant === v.name);
        if (!x) return st.dim('n/a'.padEnd(scW));
        const text = cellText(x).slice(0, scW).padEnd(scW);
        return x.trace.violation ? st.bad(text) : st.good(text);
      });
      io.out([v.name.padEnd(14), ...cells].join(' ').trimEnd());
    }
  }
  io.out('');
  const chW = 22;
  const checkNames = [...new Set(r.checks.map((c) => c.check))];
  io.out(['variant'.padEnd(14), ...checkNames.map((c) => c.padEnd(chW))].join(' ').trimEnd());
  for (const v of [...new Set(r.checks.map((c) => c.variant))]) {
    const cells = checkNames.map((c) => {
      const res = r.checks.find((x) => x.variant === v && x.check === c)?.result;
      const text = (!res ? '-' : res.violation ? `${verdictOf(res.violation)}@${res.violation.step}` : 'ok').slice(0, chW).padEnd(chW);
      return res?.violation ? st.bad(text) : st.good(text);
    });
    io.out([v.padEnd(14), ...cells].join(' ').trimEnd());
  }
  for (const c of checkNames) {
    const b = r.checks.find((x) => x.check === c)!.result.bounds;
    io.out(st.dim(`  ${c}: cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} spare=${b.spare} depth=${b.depth}`));
  }
  if (r.cost) {
    io.out('');
    io.out(st.bold(`${r.cost.title}${r.cost.events !== undefined ? ` (${r.cost.events} events)` : ''}`));
    const n = (x: number) => x.toLocaleString('en-US');
    io.out(
      [
        'variant'.padEnd(14),
        'bytes moved'.padStart(14),
        'loads'.padStart(10),
        'redundant'.padStart(10),
        'saves'.padStart(10),
        '× oracle'.padStart(9),
      ].join(' '),
    );
    for (const row of r.cost.rows) {
      const ratio = row.oracleRatio === undefined ? '' : row.oracleRatio === null ? '∞' : row.oracleRatio.toFixed(2);
      io.out(
        [
          row.variant.padEnd(14),
          n(row.bytes).padStart(14),
          n(row.loads).padStart(10),
          n(row.redundantLoads).padStart(10),
          n(row.saves).padStart(10),
          ratio.padStart(9),
        ].join(' '),
      );
    }
    if (r.cost.oracle?.bytes !== undefined)
      io.out(
        [
          'oracle'.padEnd(14),
          n(r.cost.oracle.bytes).padStart(14),
          n(r.cost.oracle.loads ?? 0).padStart(10),
          ''.padStart(10),
          n(r.cost.oracle.saves ?? 0).padStart(10),
          '1.00'.padStart(9),
        ].join(' '),
      );
  }
  const seed = r.seed;
  if (seed.trace && !f.quiet) {
    io.out('');
    io.out(st.bold(`the seed bug: shortest counterexample for ${seed.variant} (${seed.states} states explored)`));
    for (const l of renderTimeline(seed.trace, { style: st, width: io.columns })) io.out(l);
    for (const l of renderVerdict(seed.trace, { style: st, width: io.columns })) io.out(l);
  }
  io.out('');
  if (r.unmet.length) io.out(st.bad(`expectations not met: ${r.unmet.join(', ')}`));
  else io.out(st.good('all scenario expectations met'));
  writeOutputs(io);
  return r.unmet.length ? 1 : 0;
}
