/**
 * `fpctx cost <profile>`: generate a workload's event stream and compare what every variant
 * moves with the oracle's lower bound.
 */

import { costWorkload } from '../../cost/api.js';
import { loadProfile, resolveProfilePath } from '../../cost/profile.js';
import { renderCostMarkdown, renderCostText, type CostDoc } from '../../cost/report.js';
import { InputError } from '../../errors.js';
import type { Io } from '../io.js';
import { intFlag, resolveVariants } from '../options.js';

export interface CostFlags {
  variant?: string;
  events?: string;
  seed?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

/** Prints a cost document in the format the flags ask for. */
export function printCostDoc(doc: CostDoc, f: { json?: boolean; md?: boolean }, io: Io): void {
  if (f.json) io.out(JSON.stringify(doc, null, 2));
  else for (const l of f.md ? renderCostMarkdown(doc) : renderCostText(doc, io.style)) io.out(l);
}

export function outputFlags(f: { json?: boolean; md?: boolean }): void {
  if (f.json && f.md) throw new InputError('--json and --md are alternatives: give one', undefined, undefined, '--md');
}

export async function runCostCommand(profileArg: string, f: CostFlags, io: Io): Promise<number> {
  outputFlags(f);
  const variants = await resolveVariants(f.variant, { fallback: 'all' });
  const profile = loadProfile(resolveProfilePath(profileArg));
  const events = intFlag('--events', f.events, 1, 2_000_000_000, profile.events);
  const seed = intFlag('--seed', f.seed, 0, 2 ** 31 - 1, profile.seed);
  const quiet = f.json || f.quiet;
  const t0 = performance.now();
  const doc = costWorkload(profile, variants, {
    events,
    seed,
    onProgress: (n) => {
      if (quiet) return;
      const secs = (performance.now() - t0) / 1000;
      io.progress(
        `${profile.name}: ${n.toLocaleString('en-US')}/${events.toLocaleString('en-US')} events, ${variants.length} variants, ${secs.toFixed(1)}s`,
      );
    },
  });
  io.progressDone();
  printCostDoc(doc, f, io);
  return 0;
}
