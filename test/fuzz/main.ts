/**
 * `npm run fuzz [-- --cases N] [--seed S] [--only READER]`: the long fuzz run (issue 16 part 6).
 * N cases (default 10,000) spread over the input readers and the flag sets, each run through the
 * CLI in this process. Prints the count of each exit status per reader and every failure (exit
 * 70, a stack trace, bad input not on one line, a case over the time-out), then one JSON line
 * with the totals; exits 1 if there was any failure. Same seed, same cases.
 */

import fc from 'fast-check';
import { type Corpus, flagCases, loadCorpus, readerCases } from './cases.js';
import { cleanup, failureOf, type FuzzCase, runCase } from './harness.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const total = Number(arg('--cases', '10000'));
const seed = Number(arg('--seed', '16'));
const only = arg('--only', '');
const TIMEOUT_MS = Number(arg('--timeout-ms', '30000'));

const corpus: Corpus = await loadCorpus();
const arbs: Record<string, fc.Arbitrary<FuzzCase>> = { ...readerCases(corpus), flags: flagCases };
const names = Object.keys(arbs).filter((n) => !only || n === only);
const per = Math.ceil(total / names.length);

const counts: Record<string, Record<string, number>> = {};
const failures: { reader: string; failure: string; argv: readonly string[]; files: Record<string, number> }[] = [];
let slowest = 0;
const u0 = process.cpuUsage();
const t0 = performance.now();
for (const [k, name] of names.entries()) {
  const cases = fc.sample(arbs[name]!, { numRuns: per, seed: seed + k });
  for (const c of cases) {
    const o = await runCase(c);
    slowest = Math.max(slowest, o.ms);
    const row = (counts[c.reader] ??= {});
    row[String(o.code)] = (row[String(o.code)] ?? 0) + 1;
    const f = failureOf(o, TIMEOUT_MS);
    if (f) {
      failures.push({
        reader: c.reader,
        failure: f,
        argv: c.argv,
        files: Object.fromEntries(Object.entries(c.files).map(([n, t]) => [n, t.length])),
      });
      process.stderr.write(`FAIL ${c.reader}: ${f.split('\n')[0]}\n  argv: ${JSON.stringify(c.argv)}\n`);
    }
  }
  process.stderr.write(`${name}: ${per} cases, exit codes ${JSON.stringify(counts[names[k]!] ?? {})}\n`);
}
cleanup();
const u = process.cpuUsage(u0);
const byCode: Record<string, number> = {};
for (const row of Object.values(counts)) for (const [code, n] of Object.entries(row)) byCode[code] = (byCode[code] ?? 0) + n;
for (const [reader, row] of Object.entries(counts)) process.stdout.write(`${reader.padEnd(18)} ${JSON.stringify(row)}\n`);
process.stdout.write(
  `${JSON.stringify({
    cases: per * names.length,
    seed,
    exitCodes: byCode,
    failures: failures.length,
    slowestCaseSeconds: +(slowest / 1000).toFixed(2),
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
    cpuSeconds: +((u.user + u.system) / 1e6).toFixed(1),
    loadavg: (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim(),
  })}\n`,
);
process.exit(failures.length ? 1 : 0);
