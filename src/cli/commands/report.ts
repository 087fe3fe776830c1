/**
 * `fpctx report`: the HTML report (and optionally the Perfetto trace and the ReportData) of
 * scenarios, a bounded check, or saved `--json` documents, merged into one file.
 *
 *   fpctx report seed-uaf --variant all -o uaf.html
 *   fpctx report --check --variant v4.15-rc1 --cpus 1 --perfetto uaf.json
 *   fpctx check --variant all --json > c.json; fpctx cost kvm-host --variant all --json > k.json
 *   fpctx report c.json k.json -o review.html
 */

import {
  catalogues,
  checkReport,
  checkWritable,
  DEFAULT_REPORT_FILE,
  reportHasViolation,
  reportIncomplete,
  scenarioReport,
  writeReport,
} from '../../app/report.js';
import { InputError } from '../../errors.js';
import { mergeReports, type ReportData } from '../../report/data.js';
import { loadReportDocument } from '../../report/load.js';
import type { Io } from '../io.js';
import { hwFlag, memoryFlag, resolveVariants, timeFlag, variantFlag } from '../options.js';
import { parseBounds, type CheckFlags } from './check.js';

export interface ReportFlags extends CheckFlags {
  output?: string;
  perfetto?: string;
  data?: string;
  check?: boolean;
  title?: string;
}

export async function runReport(inputs: string[], f: ReportFlags, io: Io): Promise<number> {
  // An explicit --variant goes through the shared resolver (plug-in modules too).
  const resolved = f.variant !== undefined ? await resolveVariants(f.variant) : undefined;
  // Outputs that cannot be written fail before any scenario runs or check explores.
  const html = f.output ?? (f.perfetto || f.data ? undefined : DEFAULT_REPORT_FILE);
  if (html) checkWritable(html, '--output');
  if (f.perfetto) checkWritable(f.perfetto, '--perfetto');
  if (f.data) checkWritable(f.data, '--data');
  const docs: ReportData[] = [];
  for (const arg of inputs) {
    if (arg === '-' || arg.endsWith('.json')) docs.push(loadReportDocument(arg));
    else docs.push(scenarioReport(arg, f.variant, resolved, hwFlag(f.hw)));
  }
  let checked: ReportData | undefined;
  if (f.check) {
    const bounds = parseBounds(f);
    const timeSeconds = timeFlag(f.time);
    const memoryBytes = memoryFlag(f.memory);
    const t0 = performance.now();
    checked = checkReport(
      resolved ?? variantFlag(f.variant, 'rfc-2017', true),
      bounds,
      f.variant,
      (name, depth, states) => {
        if (!f.quiet)
          io.progress(`${name}: depth ${depth}/${bounds.depth}  ${states} states  ${((performance.now() - t0) / 1000).toFixed(1)}s`);
      },
      { memoryBytes, ...(timeSeconds !== undefined ? { timeSeconds } : {}) },
    );
    docs.push(checked);
    io.progressDone();
  }
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
  const written = writeReport(merged, f);
  // --quiet: nothing on stdout; the exit status says whether the report shows a violation.
  if (!f.quiet) for (const l of written.lines) io.out(l);
  // Exit 3 only for the check run here (a saved incomplete document is just drawn).
  return reportHasViolation(merged) ? 1 : checked && reportIncomplete(checked) ? 3 : 0;
}
