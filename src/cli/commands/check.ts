/**
 * `fpctx check`: exhaustive bounded exploration of one variant (or all), text or JSON.
 */

import { DEFAULT_BOUNDS, checkVariant, type CheckBounds, type CheckResult } from '../api.js';
import type { Io } from '../io.js';
import { intFlag, resolveVariants } from '../options.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { MAX_CPUS, MAX_SLOTS, MAX_VCPUS } from '../../kernel/layout.js';
import { InputError } from '../../errors.js';
import { EVENT_FAMILIES, type EventFamily } from '../../kernel/events.js';

export interface CheckFlags {
  variant?: string;
  cpus?: string;
  tasks?: string;
  vcpus?: string;
  spare?: string;
  depth?: string;
  events?: string;
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
    ...(f.events !== undefined ? { events: eventsFlag(f.events) } : {}),
  };
  if (b.tasks + b.vcpus + b.spare < 1) throw new InputError('the machine needs at least one task slot', undefined, undefined, '--tasks');
  if (b.tasks + b.vcpus + b.spare > MAX_SLOTS) throw new InputError(`tasks + vcpus + spare must be at most ${MAX_SLOTS}`, undefined, undefined, '--tasks');
  return b;
}

/** --events: event families to explore (comma-separated), or `all`. */
export function eventsFlag(value: string): EventFamily[] {
  if (value === 'all') return [...EVENT_FAMILIES];
  const out: EventFamily[] = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    if (!(EVENT_FAMILIES as readonly string[]).includes(part)) {
      throw new InputError(`unknown event family '${part}' (families: ${EVENT_FAMILIES.join(', ')}, all)`, undefined, undefined, '--events');
    }
    if (!out.includes(part as EventFamily)) out.push(part as EventFamily);
  }
  return out;
}

/**
 * The JSON document of one check. `bounds` stays all-numeric (readers treat it as a record of
 * numbers); the event families, when not the default, are a separate `events` field.
 */
export function checkJson(r: CheckResult): object {
  const { trace: _trace, ...doc } = r;
  const { events, ...bounds } = r.bounds;
  return events ? { ...doc, bounds, events } : doc;
}

function boundsText(b: CheckBounds): string {
  return `cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} spare=${b.spare} depth=${b.depth}${b.events ? ` events=${b.events.join(',')}` : ''}`;
}

export async function runCheck(f: CheckFlags, io: Io): Promise<number> {
  const variants = await resolveVariants(f.variant, { fallback: 'rfc-2017' });
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
    const { events, ...numeric } = bounds;
    io.out(JSON.stringify(variants.length === 1 ? checkJson(results[0]!) : { bounds: numeric, ...(events ? { events } : {}), results: results.map(checkJson) }, null, 2));
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
  const vw = Math.max(14, ...results.map((r) => r.variant).map((n) => n.length));
  io.out(['variant'.padEnd(vw), 'verdict'.padEnd(30), 'states'.padStart(10), 'steps'.padStart(6), 'seconds'.padStart(8)].join(' '));
  for (const r of results) {
    const v = r.violation;
    const verdict = v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''} (${v.code})` : 'ok';
    const cell = verdict.padEnd(30);
    io.out([r.variant.padEnd(vw), v ? st.bad(cell) : st.good(cell), String(r.states).padStart(10), (v ? String(v.step) : '-').padStart(6), r.seconds.toFixed(2).padStart(8)].join(' '));
  }
  return failed ? 1 : 0;
}
