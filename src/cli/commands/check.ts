/**
 * `fpctx check`: exhaustive bounded exploration of one variant (or all), text or JSON.
 */

import { DEFAULT_BOUNDS, checkVariant, type CheckBounds, type CheckResult } from '../api.js';
import type { Io } from '../io.js';
import { intFlag, variantFlag } from '../options.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { MAX_CPUS, MAX_SLOTS, MAX_VCPUS } from '../../kernel/layout.js';
import { InputError } from '../../errors.js';

export interface CheckFlags {
  variant?: string;
  cpus?: string;
  tasks?: string;
  vcpus?: string;
  spare?: string;
  depth?: string;
  json?: boolean;
  quiet?: boolean;
}

export function parseBounds(f: CheckFlags): CheckBounds {
  const b: CheckBounds = {
    cpus: intFlag('--cpus', f.cpus, 1, MAX_CPUS, DEFAULT_BOUNDS.cpus),
    tasks: intFlag('--tasks', f.tasks, 0, MAX_SLOTS, DEFAULT_BOUNDS.tasks),
    vcpus: intFlag('--vcpus', f.vcpus, 0, MAX_VCPUS, DEFAULT_BOUNDS.vcpus),
    spare: intFlag('--spare', f.spare, 0, MAX_SLOTS, DEFAULT_BOUNDS.spare),
    depth: intFlag('--depth', f.depth, 1, 1000, DEFAULT_BOUNDS.depth),
  };
  if (b.tasks + b.vcpus + b.spare < 1) throw new InputError('the machine needs at least one task slot', undefined, undefined, '--tasks');
  if (b.tasks + b.vcpus + b.spare > MAX_SLOTS) throw new InputError(`tasks + vcpus + spare must be at most ${MAX_SLOTS}`, undefined, undefined, '--tasks');
  return b;
}

export function checkJson(r: CheckResult): object {
  const { trace, ...doc } = r;
  // The machine at boot, so a saved counterexample can be drawn (fpctx report) from its first step.
  return trace ? { ...doc, initial: trace.initial } : doc;
}

function boundsText(b: CheckBounds): string {
  return `cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} spare=${b.spare} depth=${b.depth}`;
}

export function runCheck(f: CheckFlags, io: Io): number {
  const variants = variantFlag(f.variant, 'rfc-2017', true);
  const bounds = parseBounds(f);
  const quiet = f.json || f.quiet;
  const results: CheckResult[] = [];
  for (const v of variants) {
    const t0 = performance.now();
    const r = checkVariant(v, bounds, (depth, states, transitions) => {
      if (quiet) return;
      const secs = (performance.now() - t0) / 1000;
      io.progress(`${v.name}: depth ${depth}/${bounds.depth}  ${states} states  ${transitions} transitions  ${secs.toFixed(1)}s`);
    });
    io.progressDone();
    results.push(r);
  }
  const failed = results.some((r) => r.verdict === 'violation');
  if (f.json) {
    io.out(JSON.stringify(variants.length === 1 ? checkJson(results[0]!) : { bounds, results: results.map(checkJson) }, null, 2));
    return failed ? 1 : 0;
  }
  const st = io.style;
  const width = io.columns;
  if (results.length === 1) {
    const r = results[0]!;
    if (!f.quiet) io.out(`check ${r.variant}  (${boundsText(bounds)})`);
    io.out(`${r.states} states, ${r.transitions} transitions, depth ${r.depth}, ${r.seconds.toFixed(2)}s`);
    if (r.trace) {
      if (!f.quiet) {
        io.out('');
        io.out(st.bold(`shortest counterexample (${r.trace.steps.length} steps):`));
        for (const l of renderTimeline(r.trace, { style: st, width })) io.out(l);
        io.out('');
      }
      for (const l of renderVerdict(r.trace, { style: st, width })) io.out(l);
    } else io.out(st.good('ok: no violation within the bounds'));
    return failed ? 1 : 0;
  }
  io.out(`check all variants  (${boundsText(bounds)})`);
  io.out(['variant'.padEnd(14), 'verdict'.padEnd(30), 'states'.padStart(10), 'steps'.padStart(6), 'seconds'.padStart(8)].join(' '));
  for (const r of results) {
    const v = r.violation;
    const verdict = v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''} (${v.code})` : 'ok';
    const cell = verdict.padEnd(30);
    io.out([r.variant.padEnd(14), v ? st.bad(cell) : st.good(cell), String(r.states).padStart(10), (v ? String(v.step) : '-').padStart(6), r.seconds.toFixed(2).padStart(8)].join(' '));
  }
  return failed ? 1 : 0;
}
