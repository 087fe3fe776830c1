/**
 * The suite (what `npm start` runs): every variant on every built-in scenario, the standard
 * bounded checks, the shortest counterexample of the seed bug, and the kvm-host cost
 * comparison; and all of it as report data, every trace included.
 */

import { join } from 'node:path';
import { costWorkload } from '../cost/api.js';
import { checkRow, checkTrace, costSectionFromDoc, runRow, scenarioTrace } from '../report/build.js';
import { emptyReport, type CostSection, type ReportData, type ReportTrace } from '../report/data.js';
import { notApplicable } from '../scenario/features.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../scenario/load.js';
import { runScenario, type ScenarioRun } from '../scenario/run.js';
import { findVariant, VARIANTS } from '../variants/index.js';
import { checkVariant, type CheckBounds, type CheckResult } from './check.js';
import { catalogues, expectationText } from './report.js';

/** The standard bounded checks: small enough to run in seconds, big enough to find the known bugs. */
export const STANDARD_CHECKS: readonly { name: string; bounds: CheckBounds }[] = [
  { name: '1cpu-kvm', bounds: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 } },
  { name: '1cpu-fork', bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 } },
  { name: '2cpu-kvm', bounds: { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 } },
];

/** Where the seed's use-after-free is shortest: one CPU, one task, one vcpu. */
export const SEED_CHECK = { variant: 'v4.15-rc1', bounds: { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 } as CheckBounds };

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

/** Runs everything the suite reports; `progress` hears what is being done. */
export function runSuiteChecks(progress?: (what: string) => void): SuiteResult {
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
      progress?.(`checking ${v.name} at ${c.name}…`);
      checks.push({ variant: v.name, check: c.name, result: checkVariant(v, c.bounds) });
    }
  }
  progress?.('the seed bug: shortest counterexample…');
  const seed = checkVariant(findVariant(SEED_CHECK.variant)!, SEED_CHECK.bounds);
  progress?.('kvm-host cost…');
  const cost = kvmHostCost();
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
