/**
 * Report assembly: scenarios, a bounded check and saved documents as ReportData
 * (src/report/data.ts), merged and written as the HTML report, the Perfetto trace and the data
 * file. What to say about the files written is returned as lines; the CLI prints them.
 */

import { accessSync, constants, type Stats, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INVARIANTS } from '../spec/invariants.js';
import { InputError } from '../errors.js';
import { checkRow, checkTrace, runRow, scenarioTrace } from '../report/build.js';
import { emptyReport, type ReportData, type ReportTrace } from '../report/data.js';
import { renderReport } from '../report/html.js';
import { notApplicable } from '../scenario/features.js';
import { loadScenario, resolveScenarioPath, withHardware } from '../scenario/load.js';
import type { Hardware } from '../arch/hw.js';
import { runScenario, type ScenarioRun } from '../scenario/run.js';
import { perfettoJson } from '../trace/perfetto.js';
import { VARIANTS } from '../variants/index.js';
import type { Variant } from '../variants/types.js';
import { type CheckBounds, type CheckOptions, checkVariant } from './check.js';
import { variantFlag } from './variants.js';

export const DEFAULT_REPORT_FILE = 'fpctx-report.html';

/** An expectation in words: `ok`, `integrity/corrupt at step 11`. */
export function expectationText(exp: ScenarioRun['expected']): string {
  if (exp === undefined) return 'none';
  if (exp === 'ok') return 'ok';
  return `${exp.invariant}${exp.kind ? `/${exp.kind}` : ''}${exp.step ? ` at step ${exp.step}` : ''}`;
}

/** Variant and invariant catalogues as data, for the report's header tables and explanations. */
export function catalogues(): Pick<ReportData, 'variants' | 'invariants'> {
  return {
    variants: VARIANTS.map((v) => ({ name: v.name, kernel: v.kernel, summary: v.summary, ...(v.mutation ? { mutation: true } : {}) })),
    invariants: [...INVARIANTS],
  };
}

/** Runs a scenario file or built-in on the chosen variants, as report data. */
export function scenarioReport(arg: string, variant: string | undefined, resolved?: readonly Variant[], hw?: Hardware): ReportData {
  const scenario = withHardware(loadScenario(resolveScenarioPath(arg)), hw);
  const variants = resolved ?? variantFlag(variant, scenario.variant ?? 'rfc-2017', true);
  const out = emptyReport(`${scenario.name}`);
  out.traces = [];
  out.runs = [];
  for (const v of variants) {
    const na = variants.length > 1 ? notApplicable(scenario.requires, v, scenario.boot.hw) : undefined;
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

/**
 * A bounded check of each variant as report data. `variantText` is the --variant value as the
 * user gave it (for the command that reproduces the check); `onLevel` sees every level.
 */
export function checkReport(
  variants: readonly Variant[],
  bounds: CheckBounds,
  variantText: string | undefined,
  onLevel?: (variant: string, depth: number, states: number) => void,
  limits: Pick<CheckOptions, 'memoryBytes' | 'timeSeconds'> = {},
): ReportData {
  const out = emptyReport('fpctx check');
  const traces: ReportTrace[] = [];
  const rows = variants.map((v) => {
    const r = checkVariant(v, bounds, { ...limits, onLevel: (depth, states) => onLevel?.(v.name, depth, states) });
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
    `fpctx check --variant ${variantText ?? 'rfc-2017'} ${Object.entries(bounds)
      .map(([k, v]) => `--${k} ${v}`)
      .join(' ')}`,
  ];
  return out;
}

/** Did a limit (--time, --memory) stop a check in the report (exit status 3, as for check)? */
export function reportIncomplete(d: ReportData): boolean {
  return !!d.checks?.some((c) => c.rows.some((r) => r.verdict === 'incomplete'));
}

/** Does the report show a violation (exit status 1, as for run and check)? */
export function reportHasViolation(d: ReportData): boolean {
  return (
    !!d.traces?.some((t) => t.trace.violation) ||
    !!d.checks?.some((c) => c.rows.some((r) => r.violation)) ||
    !!d.runs?.some((r) => r.verdict !== 'ok' && r.verdict !== 'n/a')
  );
}

/**
 * Fails fast, before any work, when `path` cannot be written: a directory, or in a directory
 * that does not exist or cannot be written. The error names `flag`.
 */
export function checkWritable(path: string, flag: string): void {
  const fail = (why: string): never => {
    throw new InputError(`cannot write ${path}: ${why}`, undefined, undefined, flag, 'FPC402');
  };
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) fail('it is a directory');
  const dir = dirname(resolve(path));
  try {
    if (!statSync(dir).isDirectory()) fail(`${dir} is not a directory`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    fail(`no directory ${dir}`);
  }
  try {
    accessSync(st ? path : dir, constants.W_OK);
  } catch {
    fail('permission denied');
  }
}

function write(path: string, content: string, flag: string): void {
  try {
    writeFileSync(path, content);
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, undefined, undefined, flag, 'FPC402');
  }
}

export function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** What writeReport wrote: the HTML path, if any, and one line per file to tell the user. */
export interface ReportWritten {
  readonly html?: string;
  readonly lines: string[];
}

/** The flag that names each output, for errors (`suite` calls the HTML report `--report`). */
export interface OutputFlagNames {
  readonly output?: string;
}

/** Writes the requested outputs (the HTML report unless only --perfetto/--data is asked for). */
export function writeReport(
  data: ReportData,
  f: { output?: string; perfetto?: string; data?: string },
  names: OutputFlagNames = {},
): ReportWritten {
  const html = f.output ?? (f.perfetto || f.data ? undefined : DEFAULT_REPORT_FILE);
  const traces = data.traces ?? [];
  const lines: string[] = [];
  if (html) {
    const page = renderReport(data);
    write(html, page, names.output ?? '--output');
    const what = [
      `${traces.length} trace${traces.length === 1 ? '' : 's'}`,
      data.checks?.length
        ? `${data.checks.reduce((n, c) => n + c.rows.length, 0)} check result${data.checks.reduce((n, c) => n + c.rows.length, 0) === 1 ? '' : 's'}`
        : '',
      data.cost?.length ? 'cost' : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`report: ${html} (${kib(Buffer.byteLength(page))}; ${what})`);
    lines.push(`  open ${pathToFileURL(resolve(html)).href}`);
  }
  if (f.perfetto) {
    write(f.perfetto, perfettoJson(traces.map((t) => ({ title: t.title, trace: t.trace }))), '--perfetto');
    lines.push(
      `perfetto: ${f.perfetto} (${traces.length} trace${traces.length === 1 ? '' : 's'}; open it in ui.perfetto.dev or chrome://tracing)`,
    );
  }
  if (f.data) {
    write(f.data, `${JSON.stringify(data, null, 1)}\n`, '--data');
    lines.push(`data: ${f.data} (fpctx report ${f.data} rebuilds the report)`);
  }
  return { ...(html ? { html } : {}), lines };
}
