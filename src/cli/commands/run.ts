/**
 * `fpctx run <scenario>`: execute a fixed event script, print the timeline and the verdict.
 */

import { expectationText } from '../../app/report.js';
import { loadScenario, resolveScenarioPath, withHardware, type Scenario } from '../../scenario/load.js';
import { notApplicable } from '../../scenario/features.js';
import { runScenario, type ScenarioRun } from '../../scenario/run.js';
import { renderTimeline, renderVerdict, wrapRow } from '../../trace/text.js';
import type { Io } from '../io.js';
import { hwFlag, resolveVariants } from '../options.js';

export interface RunFlags {
  variant?: string;
  hw?: string;
  json?: boolean;
  quiet?: boolean;
}

export function runJson(r: ScenarioRun): object {
  const t = r.trace;
  return {
    scenario: r.scenario.name,
    variant: t.variant,
    bounds: { ...t.machine, steps: r.scenario.steps.length },
    states: t.steps.length + 1,
    transitions: t.steps.length,
    seconds: 0,
    verdict: t.violation ? 'violation' : 'ok',
    ...(t.violation ? { violation: { ...t.violation, trace: t.steps } } : {}),
    counters: t.counters,
    byContext: t.byContext,
    ...(r.expected !== undefined ? { expected: r.expected, expectationMet: r.expectationMet } : {}),
    initial: t.initial,
    trace: t.steps,
  };
}

export async function runRun(file: string, f: RunFlags, io: Io): Promise<number> {
  const hw = hwFlag(f.hw);
  const scenario: Scenario = withHardware(loadScenario(resolveScenarioPath(file)), hw);
  const all = await resolveVariants(f.variant, { fallback: scenario.variant ?? 'rfc-2017' });
  // Variants without a feature the scenario requires: n/a. Asked for exactly one such variant
  // (or only such), runScenario's error says so (exit 2).
  const na = all.length > 1 ? all.filter((v) => notApplicable(scenario.requires, v, scenario.boot.hw)) : [];
  const variants = na.length === all.length ? all : all.filter((v) => !na.includes(v));
  const runs = variants.map((v) => {
    const t0 = performance.now();
    const r = runScenario(scenario, v);
    return { r, seconds: (performance.now() - t0) / 1000 };
  });
  const failed = runs.some(({ r }) => !!r.trace.violation);
  if (f.json) {
    const docs = runs.map(({ r, seconds }) => ({ ...runJson(r), seconds }));
    const naDocs = na.map((v) => ({
      scenario: scenario.name,
      variant: v.name,
      verdict: 'n/a',
      reason: notApplicable(scenario.requires, v, scenario.boot.hw),
    }));
    io.out(
      JSON.stringify(docs.length === 1 && naDocs.length === 0 ? docs[0] : { scenario: scenario.name, runs: [...docs, ...naDocs] }, null, 2),
    );
    return failed ? 1 : 0;
  }
  const st = io.style;
  const width = io.columns;
  if (runs.length === 1) {
    const { r } = runs[0]!;
    if (!f.quiet) {
      io.out(st.bold(`${scenario.name}  on ${r.trace.variant}${r.trace.machine.hw ? ` (hw ${r.trace.machine.hw})` : ''}`));
      if (scenario.description) for (const l of wrapRow('', '', scenario.description.split(' '), width, ' ')) io.out(st.dim(l.trimStart()));
      io.out('');
      const notes = r.notes;
      for (const l of renderTimeline(r.trace, { style: st, width, notes })) io.out(l);
      io.out('');
    }
    for (const l of renderVerdict(r.trace, { style: st, width })) io.out(l);
    if (r.expected !== undefined) {
      const met = r.expectationMet ? st.good('met') : st.bad('NOT met');
      io.out(`expected: ${expectationText(r.expected)} — ${met}`);
    }
    return failed ? 1 : 0;
  }
  io.out(st.bold(`${scenario.name}  on every variant`));
  const vw = Math.max(14, ...all.map((v) => v.name.length));
  io.out(['variant'.padEnd(vw), 'verdict'.padEnd(28), 'loads'.padStart(6), 'saves'.padStart(6), 'expected'.padEnd(22)].join(' '));
  for (const variant of all) {
    const run = runs.find(({ r }) => r.trace.variant === variant.name);
    if (!run) {
      io.out([variant.name.padEnd(vw), st.dim(`n/a (${notApplicable(scenario.requires, variant, scenario.boot.hw)})`)].join(' '));
      continue;
    }
    const r = run.r;
    const v = r.trace.violation;
    const verdict = (v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''} @${v.step}` : 'ok').padEnd(28);
    const exp = r.expected === undefined ? '' : `${expectationText(r.expected)} ${r.expectationMet ? '✓' : '✗'}`;
    io.out(
      [
        r.trace.variant.padEnd(vw),
        v ? st.bad(verdict) : st.good(verdict),
        String(r.trace.counters.loads).padStart(6),
        String(r.trace.counters.saves).padStart(6),
        exp,
      ].join(' '),
    );
  }
  return failed ? 1 : 0;
}
