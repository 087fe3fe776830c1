/**
 * `fpctx report`: the HTML report (and optionally the Perfetto trace and the ReportData) of
 * scenarios, a bounded check, or saved `--json` documents, merged into one file.
 *
 *   fpctx report seed-uaf --variant all -o uaf.html
 *   fpctx report --check --variant v4.15-rc1 --cpus 1 --perfetto uaf.json
 *   fpctx check --variant all --json > c.json; fpctx cost kvm-host --variant all --json > k.json
 *   fpctx report c.json k.json -o review.html
 */

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INVARIANTS } from '../../spec/invariants.js';
import { InputError } from '../../errors.js';
import { checkRow, checkTrace, runRow, scenarioTrace } from '../../report/build.js';
import { emptyReport, mergeReports, type ReportData, type ReportTrace } from '../../report/data.js';
import { renderReport } from '../../report/html.js';
import { loadReportDocument } from '../../report/load.js';
import { loadScenario, resolveScenarioPath } from '../../scenario/load.js';
import { notApplicable } from '../../scenario/features.js';
import { runScenario } from '../../scenario/run.js';
import { perfettoJson } from '../../trace/perfetto.js';
import { VARIANTS } from '../../variants/index.js';
import { checkVariant } from '../api.js';
import type { Io } from '../io.js';
import { resolveVariants, variantFlag } from '../options.js';
import type { Variant } from '../../variants/types.js';
import { parseBounds, type CheckFlags } from './check.js';
import { expectationText } from './run.js';

export interface ReportFlags extends CheckFlags {
  output?: string;
  perfetto?: string;
  data?: string;
  check?: boolean;
  title?: string;
}

export const DEFAULT_REPORT_FILE = 'fpctx-report.html';

/** Variant and invariant catalogues as data, for the report's header tables and explanations. */
export function catalogues(): Pick<ReportData, 'variants' | 'invariants'> {
  return {
    variants: VARIANTS.map((v) => ({ name: v.name, kernel: v.kernel, summary: v.summary, ...(v.mutation ? { mutation: true } : {}) })),
    invariants: [...INVARIANTS],
  };
}

/** Runs a scenario file or built-in on the chosen variants, as report data. */
export function scenarioReport(arg: string, variant: string | undefined, resolved?: readonly Variant[]): ReportData {
  const scenario = loadScenario(resolveScenarioPath(arg));
  const variants = resolved ?? variantFlag(variant, scenario.variant ?? 'rfc-2017', true);
  const out = emptyReport(`${scenario.name}`);
  out.traces = [];
  out.runs = [];
  for (const v of variants) {
    const na = variants.length > 1 ? notApplicable(scenario.requires, v) : undefined;
    if (na) {
      out.runs.push({ variant: v.name, scenario: scenario.name, verdict: 'n/a' });
      continue;
    }
    const r = runScenario(scenario, v);
    const rt = scenarioTrace(
      r.trace,
      { name: scenario.name, arg, ...(scenario.description ? { description: scenario.description } : {}), notes: r.notes },
      {
        ...(r.expected !== undefined ? { expected: expectationText(r.expected) } : {}),
        ...(r.expectationMet !== undefined ? { expectationMet: r.expectationMet } : {}),
      },
    );
    out.traces.push(rt);
    out.runs.push(runRow(rt));
  }
  out.commands = [`fpctx run ${arg} --variant ${variant ?? variants[0]!.name}`];
  return out;
}

function checkReport(f: ReportFlags, io: Io, resolved?: readonly Variant[]): ReportData {
  const variants = resolved ?? variantFlag(f.variant, 'rfc-2017', true);
  const bounds = parseBounds(f);
  const out = emptyReport('fpctx check');
  const traces: ReportTrace[] = [];
  const rows = variants.map((v) => {
    const t0 = performance.now();
    const r = checkVariant(v, bounds, (depth, states) => {
      if (!f.quiet)
        io.progress(`${v.name}: depth ${depth}/${bounds.depth}  ${states} states  ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    });
    io.progressDone();
    const rt = checkTrace({ ...r, bounds: { ...r.bounds } });
    if (rt) traces.push(rt);
    return checkRow({ ...r, bounds: { ...r.bounds } }, 'check', rt?.id);
  });
  const b = Object.entries(bounds)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  for (const r of rows) r.check = b;
  out.checks = [{ title: `Bounded check at ${b}`, note: 'Exhaustive breadth-first exploration: a violation is the shortest one.', rows }];
  if (traces.length) out.traces = traces;
  out.commands = [
    `fpctx check --variant ${f.variant ?? 'rfc-2017'} ${Object.entries(bounds)
      .map(([k, v]) => `--${k} ${v}`)
      .join(' ')}`,
  ];
  return out;
}

/** Does the report show a violation (exit status 1, as for run and check)? */
export function reportHasViolation(d: ReportData): boolean {
  return (
    !!d.traces?.some((t) => t.trace.violation) ||
    !!d.checks?.some((c) => c.rows.some((r) => r.violation)) ||
    !!d.runs?.some((r) => r.verdict !== 'ok' && r.verdict !== 'n/a')
  );
}

function write(path: string, content: string, flag: string): void {
  try {
    writeFileSync(path, content);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, undefined, flag);
  }
}

export function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** Writes the requested outputs and says where; returns the HTML path written, if any. */
export function writeReport(
  data: ReportData,
  f: { output?: string; perfetto?: string; data?: string; quiet?: boolean },
  io: Io,
): string | undefined {
  const html = f.output ?? (f.perfetto || f.data ? undefined : DEFAULT_REPORT_FILE);
  const traces = data.traces ?? [];
  if (html) {
    const page = renderReport(data);
    write(html, page, '--output');
    const what = [
      `${traces.length} trace${traces.length === 1 ? '' : 's'}`,
      data.checks?.length
        ? `${data.checks.reduce((n, c) => n + c.rows.length, 0)} check result${data.checks.reduce((n, c) => n + c.rows.length, 0) === 1 ? '' : 's'}`
        : '',
      data.cost?.length ? 'cost' : '',
    ]
      .filter(Boolean)
      .join(', ');
    io.out(`report: ${html} (${kib(Buffer.byteLength(page))}; ${what})`);
    io.out(`  open ${pathToFileURL(resolve(html)).href}`);
  }
  if (f.perfetto) {
    write(f.perfetto, perfettoJson(traces.map((t) => ({ title: t.title, trace: t.trace }))), '--perfetto');
    io.out(
      `perfetto: ${f.perfetto} (${traces.length} trace${traces.length === 1 ? '' : 's'}; open it in ui.perfetto.dev or chrome://tracing)`,
    );
  }
  if (f.data) {
    write(f.data, `${JSON.stringify(data, null, 1)}\n`, '--data');
    io.out(`data: ${f.data} (fpctx report ${f.data} rebuilds the report)`);
  }
  return html;
}

export async function runReport(inputs: string[], f: ReportFlags, io: Io): Promise<number> {
  // An explicit --variant goes through the shared resolver (plug-in modules too).
  const resolved = f.variant !== undefined ? await resolveVariants(f.variant) : undefined;
  const docs: ReportData[] = [];
  for (const arg of inputs) {
    if (arg === '-' || arg.endsWith('.json')) docs.push(loadReportDocument(arg));
    else docs.push(scenarioReport(arg, f.variant, resolved));
  }
  if (f.check) docs.push(checkReport(f, io, resolved));
  if (!docs.length)
    throw new InputError(
      'nothing to report: name a scenario, a saved --json document (or - for stdin), or give --check',
      undefined,
      undefined,
      '<input>',
    );
  const only = docs.length === 1 ? docs[0]!.title : undefined;
  const merged = mergeReports(
    docs,
    f.title ?? (only === undefined ? 'fpctx report' : only.startsWith('fpctx') ? only : `fpctx report: ${only}`),
  );
  Object.assign(merged, { ...catalogues(), ...(merged.variants?.length ? { variants: merged.variants } : {}) });
  writeReport(merged, f, io);
  return reportHasViolation(merged) ? 1 : 0;
}
