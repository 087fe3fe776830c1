/**
 * `fpctx check`: exhaustive bounded exploration of one variant (or all), text or JSON.
 * Exit status: 0 ok, 1 violation, 2 bad input, 3 a limit (--memory, --time) stopped it early.
 */

import {
  DEFAULT_BOUNDS,
  checkVariantParallel,
  checkVariantRedis,
  type CheckBounds,
  type CheckResult,
  type FixHint,
} from '../../app/check.js';
import { redisUrl } from '../../cluster/url.js';
import type { Io } from '../io.js';
import { hwFlag, intFlag, vlFlag, memoryFlag, resolveVariants, timeFlag } from '../options.js';
import { hwName } from '../../arch/hw.js';
import { vectorLengthsName } from '../../arch/sizes.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { MAX_CPUS, MAX_SLOTS, MAX_VCPUS } from '../../kernel/layout.js';
import { InputError } from '../../errors.js';
import { DEFAULT_FAMILIES, type EventFamily, parseEventSelection, selectionText } from '../../kernel/events.js';
import { formatBytes } from '../../check/memory.js';
import type { ExploreProgress } from '../../check/explore.js';

export interface CheckFlags {
  variant?: string;
  cpus?: string;
  tasks?: string;
  vcpus?: string;
  spare?: string;
  depth?: string;
  events?: string;
  hw?: string;
  vl?: string;
  memory?: string;
  time?: string;
  symmetry?: boolean;
  relabel?: boolean;
  abstraction?: boolean;
  orbits?: boolean;
  por?: boolean;
  fingerprintBits?: string;
  workers?: string;
  redis?: string;
  partitions?: string;
  continue?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Hash compaction's price, said when it is no longer negligible (TLC prints it always): null
 * below one chance in a million.
 */
export function collisionNote(p: number, bits: 64 | 96): string | null {
  if (p < 1e-6) return null;
  const shown = p < 0.01 ? p.toExponential(1) : p.toPrecision(2);
  return `(a fingerprint collision may have hidden a state: probability ${shown} with ${bits}-bit fingerprints${bits === 64 ? '; --fingerprint-bits 96 makes it negligible' : ''})`;
}

/** --fingerprint-bits: 64 or 96, nothing else (a width the tables do not have is bad input). */
function fingerprintBitsFlag(value: string | undefined): 64 | 96 {
  if (value === undefined || value === '64') return 64;
  if (value === '96') return 96;
  throw new InputError(`must be 64 or 96, not '${value}'`, undefined, undefined, '--fingerprint-bits');
}

export function parseBounds(f: CheckFlags): CheckBounds {
  const b: CheckBounds = {
    cpus: intFlag('--cpus', f.cpus, 1, MAX_CPUS, DEFAULT_BOUNDS.cpus),
    tasks: intFlag('--tasks', f.tasks, 0, MAX_SLOTS, DEFAULT_BOUNDS.tasks),
    vcpus: intFlag('--vcpus', f.vcpus, 0, MAX_VCPUS, DEFAULT_BOUNDS.vcpus),
    spare: intFlag('--spare', f.spare, 0, MAX_SLOTS, DEFAULT_BOUNDS.spare),
    depth: intFlag('--depth', f.depth, 1, 1000, DEFAULT_BOUNDS.depth),
    ...(f.events !== undefined ? eventsFlag(f.events, DEFAULT_FAMILIES) : {}),
    ...(f.hw !== undefined ? { hw: hwName(hwFlag(f.hw)!) } : {}),
    ...(f.vl !== undefined ? { vl: vectorLengthsName(vlFlag(f.vl)!) } : {}),
  };
  if (b.tasks + b.vcpus + b.spare < 1) throw new InputError('the machine needs at least one task slot', undefined, undefined, '--tasks');
  if (b.tasks + b.vcpus + b.spare > MAX_SLOTS)
    throw new InputError(`tasks + vcpus + spare must be at most ${MAX_SLOTS}`, undefined, undefined, '--tasks');
  return b;
}

/**
 * --events: families and single events to explore, comma-separated, `all`, and `-name`
 * exclusions of either (`core,sme,-set_sme_vl`); only exclusions start from `base`.
 */
export function eventsFlag(value: string, base: readonly EventFamily[]): { events: EventFamily[]; without?: string[] } {
  const sel = parseEventSelection(value, base);
  if ('error' in sel) throw new InputError(sel.error, undefined, undefined, '--events');
  return { events: [...sel.families], ...(sel.without.length ? { without: [...sel.without] } : {}) };
}

/** --memory: a size such as 512M or 2G (at least 1 MiB); default a quarter of RAM. */
/**
 * The JSON document of one check. `bounds` stays all-numeric (readers treat it as a record of
 * numbers); the event families and the hardware (`--hw`), when not the default, are separate
 * `events` and `hw` fields (`hw` spelled as `--hw` takes it).
 */
export function checkJson(r: CheckResult): object {
  const { trace, traces: _traces, paths: _paths, ...doc } = r;
  const { events, without, hw, vl, ...bounds } = r.bounds;
  // The machine at boot, so a saved counterexample can be drawn (fpctx report) from its first step.
  return {
    ...doc,
    bounds,
    ...(events ? { events } : {}),
    ...(without ? { without } : {}),
    ...(hw ? { hw } : {}),
    ...(vl ? { vl } : {}),
    ...(trace ? { initial: trace.initial } : {}),
  };
}

function boundsText(b: CheckBounds): string {
  return `cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} spare=${b.spare} depth=${b.depth}${b.events ? ` events=${selectionText({ families: b.events, without: b.without ?? [] })}` : ''}${b.hw ? ` hw=${b.hw}` : ''}${b.vl ? ` vl=${b.vl}` : ''}`;
}

/** A compact count: 1234 → 1234, 1234567 → 1.23M. */
export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function progressLine(name: string, p: ExploreProgress): string {
  const rate = p.seconds > 0 ? p.states / p.seconds : 0;
  return `${name}: depth ${p.depth}/${p.maxDepth}  ${count(p.states)} states  ${count(Math.round(rate))} states/s  ${formatBytes(p.bytes)}  ${p.seconds.toFixed(0)}s`;
}

/** One line per violation class found by --continue: what, where, how long, which fix. */
export function violationLine(
  i: number,
  v: { invariant: string; kind?: string; code: string; where: string; step: number; fixedBy?: readonly FixHint[] },
): string {
  const fix = v.fixedBy?.length
    ? `; fixed by ${v.fixedBy.map((x) => `${x.id} "${x.title}" (${x.release})${x.expression ? `: look past it with --variant ${x.expression}` : ''}`).join('; or ')}`
    : '';
  return `${String(i + 1).padStart(2)}. ${v.invariant}${v.kind ? `/${v.kind}` : ''} [${v.code}] in ${v.where}, ${v.step} steps${fix}`;
}

function continueText(r: CheckResult, quiet: boolean, io: Io): string[] {
  const st = io.style;
  const vs = r.violations!;
  const out = [st.bad(`${vs.length} violation class${vs.length > 1 ? 'es' : ''}, shortest first:`)];
  for (const [i, v] of vs.entries()) out.push(violationLine(i, v));
  if (r.verdict === 'violation' && r.limit)
    out.push(st.warn(`incomplete: ${r.limit.message}; every state within ${r.completeDepth} steps was explored`));
  if (quiet) return out;
  r.traces!.forEach((t, i) => {
    out.push('', st.bold(`${i + 1}. shortest counterexample (${t.steps.length} steps):`));
    out.push(...renderTimeline(t, { style: st, width: io.columns }), '');
    out.push(...renderVerdict(t, { style: st, width: io.columns }));
  });
  return out;
}

export async function runCheck(f: CheckFlags, io: Io): Promise<number> {
  const variants = await resolveVariants(f.variant, { fallback: 'rfc-2017' });
  const bounds = parseBounds(f);
  const memoryBytes = memoryFlag(f.memory);
  const timeSeconds = timeFlag(f.time);
  const workers = intFlag('--workers', f.workers, 1, 64, 1);
  if (workers > 1 && f.relabel === false)
    throw new InputError('--no-relabel needs the sequential explorer (--workers 1)', undefined, undefined, '--no-relabel');
  if (workers > 1 && f.orbits)
    throw new InputError('--orbits needs the sequential explorer (--workers 1)', undefined, undefined, '--orbits');
  if (workers > 1 && f.por) throw new InputError('--por needs the sequential explorer (--workers 1)', undefined, undefined, '--por');
  const redis = f.redis !== undefined ? redisUrl(f.redis) : undefined;
  if (redis && f.por) throw new InputError('--por needs the sequential explorer, not --redis', undefined, undefined, '--redis');
  if (redis && (f.relabel === false || f.orbits))
    throw new InputError('--no-relabel and --orbits need the sequential explorer, not --redis', undefined, undefined, '--redis');
  if (f.partitions !== undefined && !redis) throw new InputError('needs --redis', undefined, undefined, '--partitions');
  const partitions = intFlag('--partitions', f.partitions, 1, 4096, 16);
  if (f.por && f.continue)
    throw new InputError(
      '--continue needs the full graph: partial-order reduction keeps a violation, not every class',
      undefined,
      undefined,
      '--por',
    );
  if (redis && f.continue)
    throw new InputError('--continue needs one process (threads with --workers), not --redis', undefined, undefined, '--continue');
  const fingerprintBits = fingerprintBitsFlag(f.fingerprintBits);
  if (redis && fingerprintBits === 96)
    throw new InputError(
      '96-bit fingerprints need one process (threads with --workers), not --redis',
      undefined,
      undefined,
      '--fingerprint-bits',
    );
  const quiet = f.json || f.quiet;
  const results: CheckResult[] = [];
  for (const v of variants) {
    const common = {
      symmetry: f.symmetry !== false,
      relabel: f.relabel !== false,
      abstraction: f.abstraction !== false,
      memoryBytes,
      ...(timeSeconds !== undefined ? { timeSeconds } : {}),
      ...(f.orbits ? { countOrbits: true } : {}),
      ...(f.continue ? { continue: true } : {}),
      ...(f.por ? { por: true } : {}),
      ...(fingerprintBits === 96 ? { fingerprintBits } : {}),
      onProgress: (p: ExploreProgress) => {
        // Only for work that lasts: the first line after one second.
        if (!quiet && p.seconds >= 1) io.progress(progressLine(v.name, p));
      },
    };
    const r = redis
      ? await checkVariantRedis(v, bounds, { ...common, redis, partitions })
      : await checkVariantParallel(v, bounds, { ...common, workers });
    io.progressDone();
    results.push(r);
  }
  const failed = results.some((r) => r.verdict === 'violation');
  const stopped = results.some((r) => r.verdict === 'incomplete');
  const status = failed ? 1 : stopped ? 3 : 0;
  if (f.json) {
    const { events, without, hw, ...numeric } = bounds;
    io.out(
      JSON.stringify(
        variants.length === 1
          ? checkJson(results[0]!)
          : {
              bounds: numeric,
              ...(events ? { events } : {}),
              ...(without ? { without } : {}),
              ...(hw ? { hw } : {}),
              results: results.map(checkJson),
            },
        null,
        2,
      ),
    );
    return status;
  }
  const st = io.style;
  const width = io.columns;
  if (results.length === 1) {
    const r = results[0]!;
    if (!f.quiet)
      io.out(
        `check ${r.variant}  (${boundsText(bounds)}${r.symmetry ? '' : ', no symmetry'}${r.relabel ? '' : ', no relabelling'}${r.abstraction ? '' : ', no abstraction'}${r.por ? ', partial-order reduction' : ''})`,
      );
    const orbits = r.orbits !== undefined && r.orbits !== r.states ? ` (${r.orbits} orbits)` : '';
    io.out(
      `${r.states} states${orbits}, ${r.transitions} transitions, depth ${r.depth}, ${r.seconds.toFixed(2)}s, ${count(r.statesPerSecond)} states/s, ${formatBytes(r.peakBytes)}`,
    );
    if (r.violations && r.traces) {
      for (const l of continueText(r, f.quiet === true, io)) io.out(l);
    } else if (r.trace) {
      if (!f.quiet) {
        io.out('');
        io.out(
          st.bold(
            `shortest counterexample (${r.trace.steps.length} steps${r.porDepth !== undefined ? `; found at depth ${r.porDepth} with partial-order reduction, then searched again without it` : ''}):`,
          ),
        );
        for (const l of renderTimeline(r.trace, { style: st, width })) io.out(l);
        io.out('');
      }
      for (const l of renderVerdict(r.trace, { style: st, width })) io.out(l);
    } else if (r.verdict === 'incomplete') {
      io.out(
        st.warn(
          `incomplete: ${r.limit?.message ?? 'limit reached'}; every state within ${r.completeDepth} steps was explored, none violates`,
        ),
      );
    } else {
      io.out(st.good(`ok: no violation within the bounds${r.exhausted ? ' (the whole reachable space was explored)' : ''}`));
      const note = collisionNote(r.collisionProbability, r.fingerprintBits);
      if (note) io.out(note);
      // A reduced search reaches every state, but a violation possibly only deeper than the bound.
      if (r.por && !r.exhausted) io.out('(with --por only an exhausted search is a proof: a violation may lie beyond the depth bound)');
    }
    return status;
  }
  io.out(`check all variants  (${boundsText(bounds)})`);
  const vw = Math.max(14, ...results.map((r) => r.variant).map((n) => n.length));
  io.out(['variant'.padEnd(vw), 'verdict'.padEnd(30), 'states'.padStart(10), 'steps'.padStart(6), 'seconds'.padStart(8)].join(' '));
  for (const r of results) {
    const v = r.violation;
    const verdict = v
      ? `${v.invariant}${v.kind ? `/${v.kind}` : ''} (${v.code})`
      : r.verdict === 'incomplete'
        ? `incomplete (${r.limit?.kind})`
        : 'ok';
    const cell = verdict.padEnd(30);
    io.out(
      [
        r.variant.padEnd(vw),
        v ? st.bad(cell) : r.verdict === 'incomplete' ? st.warn(cell) : st.good(cell),
        String(r.states).padStart(10),
        (v ? String(v.step) : '-').padStart(6),
        r.seconds.toFixed(2).padStart(8),
      ].join(' '),
    );
  }
  return status;
}
