/**
 * `fpctx mutants`: the mutation score of `hunt` over the modelled history (src/app/mutants.ts):
 * per fix commit, whether hunting on its release with the fix reverted finds the violation the
 * fix is about, and how much budget (and time) that took. Exit 0 when every fix is detected,
 * 1 when one is missed, 2 on bad input.
 */

import { Command } from 'commander';
import { HUNT_BUDGET } from '../../app/hunt.js';
import { type MutantsResult, mutationScore } from '../../app/mutants.js';
import { InputError } from '../../errors.js';
import { FIX_COMMITS } from '../../history/fixes.js';
import type { Io } from '../io.js';
import type { CommandFactory } from '../main.js';
import { intFlag, seedFlag, timeFlag } from '../options.js';
import { count } from './check.js';

export interface MutantsFlags {
  budget?: string;
  time?: string;
  seed?: string;
  only?: string;
  json?: boolean;
  quiet?: boolean;
}

function guardText(g: { invariant: string; kind?: string; where?: string }): string {
  return `${g.invariant}${g.kind ? `/${g.kind}` : ''}${g.where ? ` @${g.where}` : ''}`;
}

export function mutantsText(r: MutantsResult): string[] {
  const out: string[] = [];
  for (const m of r.results) {
    const head = `${m.commit.id} ${m.detected ? 'detected' : 'MISSED  '}`;
    if (m.detected)
      out.push(
        `${head}  on ${m.mutant}: ${m.finding!.class} in ${m.finding!.step} steps after ${count(m.firstSpent!)} states/steps (${m.firstSeconds!.toFixed(1)}s)`,
      );
    else
      out.push(
        `${head}  on ${m.mutant}: expected ${m.expected.map(guardText).join(' or ')}; ${m.cut ? 'cut by --time; ' : ''}found ${m.other.length ? `only what the original also fails or another kind: ${m.other.join(', ')}` : 'nothing'} in ${count(m.spent)} states/steps`,
      );
    if (m.alsoReverted.length) out.push(`    (with ${m.alsoReverted.join(', ')}: the set needs them)`);
    for (const n of m.notes ?? []) out.push(`    note: ${n}`);
  }
  out.push(`${r.detected}/${r.total} fixes detected, ${r.seconds.toFixed(1)}s`);
  return out;
}

export async function runMutants(f: MutantsFlags, io: Io): Promise<number> {
  const budget = intFlag('--budget', f.budget, 1000, 1_000_000_000_000, HUNT_BUDGET);
  const timeSeconds = timeFlag(f.time) ?? 300;
  const seed = seedFlag(f.seed, 0);
  const only = f.only?.split(',').map((s) => s.trim());
  for (const id of only ?? [])
    if (!FIX_COMMITS.some((c) => c.id === id))
      throw new InputError(
        `'${id}' is not a modelled fix (fixes: ${FIX_COMMITS.map((c) => c.id).join(', ')})`,
        undefined,
        undefined,
        '--only',
      );
  const quiet = f.json || f.quiet;
  const r = await mutationScore({
    budget,
    timeSeconds,
    seed,
    ...(only ? { only } : {}),
    onProgress: (line) => {
      if (!quiet) io.progress(line);
    },
  });
  io.progressDone();
  if (f.json) io.out(JSON.stringify({ ...r, budget }, null, 2));
  else for (const l of mutantsText({ ...r, budget })) io.out(l);
  return r.detected === r.total ? 0 : 1;
}

export const mutantsCommand: CommandFactory = (io, done) =>
  new Command('mutants')
    .description('mutation score: for every modelled fix, hunt on its release with the fix reverted and report whether its bug is found')
    .option('--budget <n>', `hunt budget per fix, states plus steps (default ${HUNT_BUDGET})`)
    .option('--time <duration>', 'wall-clock cap per fix (default 5m)')
    .option('--seed <n>', 'seed of the simulation jobs (default 0)')
    .option('--only <ids>', 'only these fix commits, comma-separated')
    .option('--json', 'print one JSON document')
    .option('--quiet', 'no progress')
    .action(async (opts) => done(await runMutants(opts, io)));
