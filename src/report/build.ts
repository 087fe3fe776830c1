/**
 * Turning results (live, or read back from `--json` documents) into ReportData sections.
 * Pure functions on data: the callers (src/cli) run the scenarios and checks.
 */

import type { Trace } from '../trace/types.js';
import {
  boundsText,
  slug,
  verdictText,
  type Bounds,
  type CheckRow,
  type CostRow,
  type CostSection,
  type CostWaste,
  type ReportTrace,
  type RunRow,
} from './data.js';

export interface ScenarioInfo {
  name: string;
  /** How `fpctx run` is given the scenario: a built-in name or a path. */
  arg?: string;
  description?: string;
  notes?: readonly (string | null | undefined)[];
}

export interface ScenarioOutcome {
  expected?: string;
  expectationMet?: boolean;
}

export function scenarioTrace(trace: Trace, sc: ScenarioInfo, outcome: ScenarioOutcome = {}): ReportTrace {
  const notes = sc.notes?.map((n) => n ?? null);
  return {
    id: slug('run', sc.name, trace.variant),
    kind: 'scenario',
    title: `${sc.name} on ${trace.variant}`,
    scenario: sc.name,
    ...(sc.description ? { description: sc.description } : {}),
    ...(notes?.some((n) => n) ? { notes } : {}),
    reproduce: `fpctx run ${shellWord(sc.arg ?? sc.name)} --variant ${trace.variant}`,
    ...(outcome.expected !== undefined ? { expected: outcome.expected } : {}),
    ...(outcome.expectationMet !== undefined ? { expectationMet: outcome.expectationMet } : {}),
    trace,
  };
}

export function runRow(rt: ReportTrace): RunRow {
  const t = rt.trace;
  return {
    variant: t.variant,
    scenario: rt.scenario ?? rt.title,
    verdict: verdictText(t.violation),
    ...(t.violation ? { step: t.violation.step } : {}),
    ...(rt.expected !== undefined ? { expected: rt.expected } : {}),
    ...(rt.expectationMet !== undefined ? { expectationMet: rt.expectationMet } : {}),
    loads: t.counters.loads,
    saves: t.counters.saves,
    bytes: t.counters.bytesSaved + t.counters.bytesLoaded + t.counters.bytesHyp,
    traceId: rt.id,
  };
}

/** What the report needs of a check result (CheckResult, or a `check --json` document). */
export interface CheckLike {
  variant: string;
  bounds: Bounds;
  states?: number;
  transitions?: number;
  depth?: number;
  seconds?: number;
  verdict: string;
  violation?: { invariant: string; kind?: string; code?: string; message?: string; where?: string; step?: number };
  trace?: Trace;
}

/**
 * The command that repeats a bounded check (flags in the order `fpctx check --help` lists them).
 * Settings `fpctx check` has no flag for (a named check's event families) are named after it.
 */
export function checkCommand(variant: string, bounds: Bounds): string {
  const flagged = ['cpus', 'tasks', 'vcpus', 'spare', 'depth'];
  const flags = flagged.filter((k) => typeof bounds[k] === 'number').map((k) => `--${k} ${bounds[k]}`);
  const rest = Object.fromEntries(Object.entries(bounds).filter(([k]) => !flagged.includes(k)));
  const extra = Object.keys(rest).length ? `  # with ${boundsText(rest)}` : '';
  return `fpctx check --variant ${variant} ${flags.join(' ')}`.trim() + extra;
}

export function checkTrace(r: CheckLike, check?: string): ReportTrace | undefined {
  if (!r.trace?.violation) return undefined;
  const b = r.bounds;
  const bounds = boundsText(b);
  const where = check ? `${check} (${bounds})` : bounds;
  return {
    id: slug('check', check ?? 'custom', r.variant, ...(check ? [] : [boundsText(b)])),
    kind: 'counterexample',
    title: `${r.variant}: shortest counterexample${check ? ` at ${check}` : ''}`,
    description: `The shortest path to a violation found by exhaustive breadth-first exploration at ${where}${r.states !== undefined ? ` (${r.states} states)` : ''}, replayed with full instrumentation.`,
    reproduce: checkCommand(r.variant, b),
    trace: r.trace,
  };
}

export function checkRow(r: CheckLike, check: string, traceId?: string): CheckRow {
  const v = r.violation;
  return {
    variant: r.variant,
    check,
    bounds: { ...r.bounds },
    ...(r.states !== undefined ? { states: r.states } : {}),
    ...(r.transitions !== undefined ? { transitions: r.transitions } : {}),
    ...(r.depth !== undefined ? { depth: r.depth } : {}),
    ...(r.seconds !== undefined ? { seconds: r.seconds } : {}),
    verdict: r.verdict,
    ...(v
      ? {
          violation: {
            invariant: v.invariant,
            ...(v.kind ? { kind: v.kind } : {}),
            ...(v.code ? { code: v.code } : {}),
            ...(v.step !== undefined ? { step: v.step } : {}),
            ...(v.message ? { message: v.message } : {}),
          },
        }
      : {}),
    ...(traceId ? { traceId } : {}),
  };
}

/** A word as a shell would need it (quoted only when it has to be). */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Keys of a cost row that are wall-clock or bookkeeping, not comparison columns. */
const COST_SKIP = new Set(['variant', 'kernel', 'mutation', 'timing', 'topWaste', 'waste', 'firstViolation']);

/**
 * A `fpctx cost --json` document (the issue 5 contract: `{rows: [{variant, bytes, loads, saves,
 * redundantLoads, wastedSaves, oracleRatio, ...}], oracle: {...}, events: N}`) as a report
 * section. Scalar columns are kept (wall-clock `timing` dropped, so the report stays
 * deterministic); nested breakdowns are left to the cost command's own output, except the
 * largest sources of waste. A variant that broke an invariant on the stream is marked.
 */
export function costSectionFromDoc(doc: Record<string, unknown>, title?: string): CostSection {
  const source = (doc.source ?? {}) as Record<string, unknown>;
  const profile =
    typeof doc.profile === 'string'
      ? doc.profile
      : typeof source.name === 'string'
        ? source.name
        : typeof source.file === 'string'
          ? source.file
          : undefined;
  const waste: Record<string, CostWaste[]> = {};
  const rows = (doc.rows as Record<string, unknown>[]).map((r) => {
    const row: CostRow = {
      variant: String(r.variant),
      bytes: Number(r.bytes),
      loads: Number(r.loads),
      saves: Number(r.saves),
      redundantLoads: Number(r.redundantLoads),
    };
    for (const [k, v] of Object.entries(r)) {
      if (COST_SKIP.has(k) || k in row) continue;
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) row[k] = v;
    }
    if (r.correct === false && r.firstViolation && typeof r.firstViolation === 'object') {
      row.violation = verdictText(r.firstViolation as { invariant: string; kind?: string });
    }
    const w = (r.topWaste ?? r.waste) as CostWaste[] | undefined;
    if (Array.isArray(w) && w.length) waste[row.variant] = w.slice(0, 3);
    return row;
  });
  const oracle: Record<string, number> = {};
  for (const [k, v] of Object.entries((doc.oracle ?? {}) as Record<string, unknown>)) if (typeof v === 'number') oracle[k] = v;
  const facts: string[] = [];
  if (source.kind === 'workload' && typeof source.seed === 'number') facts.push(`seed ${source.seed}`);
  if (typeof source.cpus === 'number') facts.push(`${source.cpus} CPUs`);
  if (typeof source.tasks === 'number') facts.push(`${source.tasks} tasks`);
  if (typeof source.vcpus === 'number' && source.vcpus) facts.push(`${source.vcpus} vcpu thread${source.vcpus === 1 ? '' : 's'}`);
  if (typeof source.sveVlBits === 'number') facts.push(`SVE VL ${source.sveVlBits}`);
  return {
    title: title ?? `Cost${profile ? ` on ${profile}` : ''}`,
    ...(profile ? { profile } : {}),
    ...(typeof doc.events === 'number' ? { events: doc.events } : {}),
    rows,
    ...(Object.keys(waste).length ? { waste } : {}),
    ...(Object.keys(oracle).length ? { oracle } : {}),
    ...(facts.length ? { note: facts.join(' · ') } : {}),
  };
}
