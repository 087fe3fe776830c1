/**
 * `fpctx cost <profile>`: generate a workload's event stream and compare what every variant
 * moves with the oracle's lower bound.
 */

import { LimitReached, limitGuard } from '../../app/limits.js';
import { costWorkload } from '../../cost/api.js';
import { loadProfile, MAX_EVENTS, resolveProfilePath } from '../../cost/profile.js';
import { renderCostMarkdown, renderCostText, type CostDoc } from '../../cost/report.js';
import type { Io } from '../io.js';
import { hwFlag, intFlag, memoryFlag, outputFormatFlags, resolveVariants, seedFlag, timeFlag } from '../options.js';

export interface CostFlags {
  variant?: string;
  time?: string;
  memory?: string;
  events?: string;
  seed?: string;
  hw?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

/** Prints a cost document in the format the flags ask for. */
export function printCostDoc(doc: CostDoc, f: { json?: boolean; md?: boolean }, io: Io): void {
  if (f.json) io.out(JSON.stringify(doc, null, 2));
  else for (const l of f.md ? renderCostMarkdown(doc) : renderCostText(doc, io.style)) io.out(l);
}

/**
 * Runs `work` under --time/--memory: a limit reached prints `verdict: "incomplete"` with the
 * limit (one JSON document with --json, else one line) and gives exit status 3, as for check.
 */
export function underLimits(f: { json?: boolean }, io: Io, work: () => CostDoc): { doc: CostDoc } | { code: number } {
  try {
    return { doc: work() };
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    io.progressDone();
    if (f.json) io.out(JSON.stringify({ verdict: 'incomplete', limit: { kind: e.kind, message: e.message } }, null, 2));
    else io.out(io.style.warn(`incomplete: ${e.message}`));
    return { code: 3 };
  }
}

export async function runCostCommand(profileArg: string, f: CostFlags, io: Io): Promise<number> {
  outputFormatFlags(f);
  const variants = await resolveVariants(f.variant, { fallback: 'all' });
  const timeSeconds = timeFlag(f.time);
  const memoryBytes = f.memory === undefined ? undefined : memoryFlag(f.memory);
  const profile = loadProfile(resolveProfilePath(profileArg));
  const events = intFlag('--events', f.events, 1, MAX_EVENTS, profile.events);
  const seed = seedFlag(f.seed, profile.seed);
  const hw = hwFlag(f.hw);
  const quiet = f.json || f.quiet;
  const t0 = performance.now();
  let done = 0;
  const guard = limitGuard(
    { ...(timeSeconds !== undefined ? { timeSeconds } : {}), ...(memoryBytes !== undefined ? { memoryBytes } : {}) },
    () => `after ${done.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events`,
  );
  const r = underLimits(f, io, () =>
    costWorkload(profile, variants, {
      events,
      seed,
      ...(hw ? { hw } : {}),
      onProgress: (n) => {
        done = n;
        guard();
        if (quiet) return;
        const secs = (performance.now() - t0) / 1000;
        io.progress(
          `${profile.name}: ${n.toLocaleString('en-US')}/${events.toLocaleString('en-US')} events, ${variants.length} variants, ${secs.toFixed(1)}s`,
        );
      },
    }),
  );
  if ('code' in r) return r.code;
  io.progressDone();
  printCostDoc(r.doc, f, io);
  return 0;
}
