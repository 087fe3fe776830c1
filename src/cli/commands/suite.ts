/**
 * `fpctx suite` (what `npm start` runs): every variant on every built-in scenario, the standard
 * bounded checks, and the shortest counterexample of the seed bug.
 */

import { join } from 'node:path';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../scenario/load.js';
import { runScenario } from '../../scenario/run.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { VARIANTS, findVariant } from '../../variants/index.js';
import { checkVariant, type CheckBounds, type CheckResult } from '../api.js';
import type { Io } from '../io.js';

/** The standard bounded checks: small enough to run in seconds, big enough to find the known bugs. */
export const STANDARD_CHECKS: readonly { name: string; bounds: CheckBounds }[] = [
  { name: '1cpu-kvm', bounds: { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 } },
  { name: '1cpu-fork', bounds: { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 14 } },
  { name: '2cpu-kvm', bounds: { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 } },
];

export interface SuiteFlags {
  json?: boolean;
  quiet?: boolean;
}

function verdictOf(v: { invariant: string; kind?: string } | undefined): string {
  return v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''}` : 'ok';
}

export function runSuite(f: SuiteFlags, io: Io): number {
  const st = io.style;
  const scenarios = builtinScenarioNames().map((n) => loadScenario(join(BUILTIN_DIR, `${n}.yaml`)));
  const scenarioRows = VARIANTS.map((v) => ({
    variant: v.name,
    results: scenarios.map((s) => {
      const r = runScenario(s, v);
      return { scenario: s.name, verdict: verdictOf(r.trace.violation), expectationMet: r.expectationMet, loads: r.trace.counters.loads };
    }),
  }));
  const checkRows: { variant: string; check: string; result: CheckResult }[] = [];
  for (const v of VARIANTS) {
    for (const c of STANDARD_CHECKS) {
      if (!f.json && !f.quiet) io.progress(`checking ${v.name} at ${c.name}…`);
      checkRows.push({ variant: v.name, check: c.name, result: checkVariant(v, c.bounds) });
    }
  }
  io.progressDone();
  const seed = checkVariant(findVariant('v4.15-rc1')!, { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12 });
  const unmet = scenarioRows.flatMap((r) => r.results.filter((x) => x.expectationMet === false).map((x) => `${r.variant} on ${x.scenario}`));

  if (f.json) {
    io.out(JSON.stringify({
      scenarios: scenarioRows,
      checks: checkRows.map(({ variant, check, result }) => ({ variant, check, bounds: result.bounds, verdict: result.verdict, violation: result.violation && { invariant: result.violation.invariant, kind: result.violation.kind, step: result.violation.step }, states: result.states, seconds: result.seconds })),
      seedCounterexample: seed.violation,
      unmetExpectations: unmet,
    }, null, 2));
    return unmet.length ? 1 : 0;
  }

  io.out(st.bold('fpctx suite: every variant on the built-in scenarios and the standard bounded checks'));
  io.out('');
  const colW = 18;
  io.out(['variant'.padEnd(14), ...scenarios.map((s) => s.name.slice(0, colW).padEnd(colW))].join(' '));
  for (const row of scenarioRows) {
    const cells = row.results.map((x) => {
      const text = `${x.verdict}${x.expectationMet === false ? ' ✗' : ''}`.slice(0, colW).padEnd(colW);
      return x.verdict === 'ok' ? st.good(text) : st.bad(text);
    });
    io.out([row.variant.padEnd(14), ...cells].join(' '));
  }
  io.out('');
  io.out(['variant'.padEnd(14), ...STANDARD_CHECKS.map((c) => c.name.padEnd(colW))].join(' '));
  for (const v of VARIANTS) {
    const cells = STANDARD_CHECKS.map((c) => {
      const r = checkRows.find((x) => x.variant === v.name && x.check === c.name)!.result;
      const text = (r.violation ? `${verdictOf(r.violation)}@${r.violation.step}` : 'ok').slice(0, colW).padEnd(colW);
      return r.violation ? st.bad(text) : st.good(text);
    });
    io.out([v.name.padEnd(14), ...cells].join(' '));
  }
  io.out(st.dim(STANDARD_CHECKS.map((c) => `${c.name}: cpus=${c.bounds.cpus} tasks=${c.bounds.tasks} vcpus=${c.bounds.vcpus} depth=${c.bounds.depth}`).join('; ')));
  if (seed.trace && !f.quiet) {
    io.out('');
    io.out(st.bold(`the seed bug: shortest counterexample for v4.15-rc1 (${seed.states} states explored)`));
    for (const l of renderTimeline(seed.trace, { style: st, width: io.columns })) io.out(l);
    for (const l of renderVerdict(seed.trace, { style: st, width: io.columns })) io.out(l);
  }
  io.out('');
  if (unmet.length) io.out(st.bad(`expectations not met: ${unmet.join(', ')}`));
  else io.out(st.good('all scenario expectations met'));
  return unmet.length ? 1 : 0;
}
