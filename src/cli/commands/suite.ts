/**
 * `fpctx suite` (what `npm start` runs): every variant on every built-in scenario, the standard
 * bounded checks, the shortest counterexample of the seed bug, and the kvm-host cost comparison. Prints the tables and the seed counterexample, and writes all of
 * it, every trace included, as one self-contained HTML report (fpctx-report.html by default).
 */

import { type SuiteResult, runSuiteChecks, suiteReport } from '../../app/suite.js';
import { checkWritable, DEFAULT_REPORT_FILE, writeReport } from '../../app/report.js';
import type { ScenarioRun } from '../../scenario/run.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { VARIANTS } from '../../variants/index.js';
import type { Io } from '../io.js';

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

/** `run` is what produces the results (the tests pass results of their own). */
export function runSuite(f: SuiteFlags, io: Io, run: (progress?: (what: string) => void) => SuiteResult = runSuiteChecks): number {
  const st = io.style;
  const reportPath = f.report === false ? undefined : (f.report ?? DEFAULT_REPORT_FILE);
  // Outputs that cannot be written fail now, not after the whole suite has run.
  if (reportPath) checkWritable(reportPath, '--report');
  if (f.perfetto) checkWritable(f.perfetto, '--perfetto');
  const r = run(f.json || f.quiet ? undefined : (what) => io.progress(what));
  io.progressDone();
  const writeOutputs = () =>
    reportPath || f.perfetto
      ? writeReport(
          suiteReport(r),
          { ...(reportPath ? { output: reportPath } : {}), ...(f.perfetto ? { perfetto: f.perfetto } : {}) },
          { output: '--report' },
        )
      : undefined;

  if (f.json) {
    // The report's location goes in the document; nothing else may reach stdout.
    const written = writeOutputs()?.html;
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
  for (const l of writeOutputs()?.lines ?? []) io.out(l);
  return r.unmet.length ? 1 : 0;
}
