/**
 * `npm run bench`: runs every case in bench/cases/ (or those named on the command line) and
 * prints one JSON object per line: {"bench": NAME, "value": N, "unit": U, ...extra}.
 * Each case module exports `cases: BenchCase[]`. A case marked `slow` (minutes: complete
 * verdicts, the mutation score) runs only when named, or with `--all`.
 */

import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';

export interface BenchResult {
  readonly bench: string;
  readonly value: number;
  readonly unit: string;
  readonly [extra: string]: unknown;
}

export interface BenchCase {
  readonly name: string;
  run(): Promise<BenchResult[]> | BenchResult[];
  /** Takes minutes: run only when named on the command line, or with --all. */
  readonly slow?: boolean;
}

const dir = fileURLToPath(new URL('./cases/', import.meta.url));
const all = process.argv.includes('--all');
const only = process.argv.slice(2).filter((a) => a !== '--all');
const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
};
process.stderr.write(`bench on ${JSON.stringify(machine)}\n`);
for (const f of readdirSync(dir)
  .filter((x) => x.endsWith('.ts'))
  .sort()) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { cases: BenchCase[] };
  for (const c of mod.cases) {
    if (only.length ? !only.some((o) => c.name.includes(o)) : c.slow && !all) continue;
    for (const r of await c.run()) process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
