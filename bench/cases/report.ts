/**
 * The main job and its report: wall time of the whole suite (what `npm start` does after the
 * build; the target is well under a minute on 2 cores), the time to render the HTML report and
 * the Perfetto export from its data, and the report's size.
 */
import type { BenchCase } from '../main.js';
import { runSuiteChecks, suiteReport } from '../../src/app/suite.js';
import { renderReport } from '../../src/report/html.js';
import { perfettoJson } from '../../src/trace/perfetto.js';

export const cases: BenchCase[] = [
  {
    name: 'report',
    run() {
      const t0 = performance.now();
      const result = runSuiteChecks();
      const suiteSecs = (performance.now() - t0) / 1000;
      const data = suiteReport(result);
      const t1 = performance.now();
      const html = renderReport(data);
      const renderMs = performance.now() - t1;
      const t2 = performance.now();
      const perfetto = perfettoJson((data.traces ?? []).map((t) => ({ title: t.title, trace: t.trace })));
      const perfettoMs = performance.now() - t2;
      const traces = data.traces?.length ?? 0;
      return [
        { bench: 'suite-wall', value: Math.round(suiteSecs * 100) / 100, unit: 's', traces },
        { bench: 'report-render', value: Math.round(renderMs), unit: 'ms', traces },
        { bench: 'report-size', value: Buffer.byteLength(html), unit: 'B', traces },
        { bench: 'perfetto-render', value: Math.round(perfettoMs), unit: 'ms', bytes: Buffer.byteLength(perfetto), traces },
      ];
    },
  },
];
