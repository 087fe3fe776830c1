/**
 * What a report is made of: `ReportData`, a plain serialisable document with optional sections.
 *
 * The HTML report and the Perfetto export are functions of a ReportData and nothing else: they
 * never call kernel code. Every producer (the suite, `fpctx report` on a scenario, a check, or
 * saved `--json` documents of run/check/matrix/cost) builds one of these, and two of them merge
 * by concatenating their sections. `fpctx report --data out.json` writes it, and `fpctx report
 * out.json` reads it back, so a report can be rebuilt later or elsewhere.
 */

import type { InvariantInfo } from '../spec/invariants.js';
import type { Trace } from '../trace/types.js';

export const REPORT_FORMAT = 'fpctx-report/1';

/** A variant as listed in the report (name and provenance, no code). */
export interface ReportVariant {
  name: string;
  kernel: string;
  summary: string;
  mutation?: boolean;
}

/** One recorded run: a scenario's script, or a counterexample replayed with full instrumentation. */
export interface ReportTrace {
  /** Unique within the report; used as the HTML anchor (`#trace-<id>`). */
  id: string;
  /** What produced it: a scenario run, a checker counterexample, or a conformance divergence. */
  kind: 'scenario' | 'counterexample' | 'conformance';
  /**
   * A conformance divergence (`fpctx conform`): the kernel's calls (from the trace) and the
   * model's, drawn side by side above the model's steps.
   */
  calls?: { kernel: string[]; model: string[]; variant: string };
  title: string;
  scenario?: string;
  description?: string;
  /** Free-text note per step (index 0 = step 1), from the scenario file. */
  notes?: (string | null)[];
  /** A command that reproduces it. */
  reproduce?: string;
  /** The scenario's stated expectation for this variant, in words ("ok", "integrity/corrupt at step 11"). */
  expected?: string;
  expectationMet?: boolean;
  /** Set when the input had no initial snapshot (a document saved by an older fpctx). */
  initialUnknown?: boolean;
  trace: Trace;
}

/** A scenario run in the verdict matrix (variant × scenario). */
export interface RunRow {
  variant: string;
  scenario: string;
  verdict: string;
  step?: number;
  expected?: string;
  expectationMet?: boolean;
  loads?: number;
  saves?: number;
  bytes?: number;
  traceId?: string;
}

/**
 * Bounds of a bounded check: numbers (cpus, tasks, vcpus, spare, depth) and, for named checks,
 * other settings such as the event families explored (`events: ['core', 'neon']`).
 */
export type Bounds = Record<string, number | string | boolean | readonly string[]>;

/** Bounds in one line: `cpus=1 tasks=2 … events=core,neon`. */
export function boundsText(b: Bounds | undefined): string {
  return b
    ? Object.entries(b)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join(' ')
    : '';
}

/** One bounded exploration: a variant at one configuration (a matrix cell). */
export interface CheckRow {
  variant: string;
  /** Name of the configuration (suite: `1cpu-kvm`; matrix: a scenario or bound set). */
  check: string;
  bounds?: Bounds;
  states?: number;
  transitions?: number;
  /** Deepest level reached. */
  depth?: number;
  /** Wall-clock time (the only non-deterministic field of a report). */
  seconds?: number;
  /** `ok`, `violation`, or another engine verdict such as `limit` / `incomplete`. */
  verdict: string;
  /** Flagged by the producer as needing a maintainer's attention (the matrix's `unexpected`). */
  unexpected?: boolean;
  violation?: { invariant: string; kind?: string; code?: string; step?: number; message?: string };
  traceId?: string;
}

export interface ChecksSection {
  title: string;
  note?: string;
  rows: CheckRow[];
}

/** One variant's cost on a workload (the `fpctx cost --json` row contract). */
export interface CostRow {
  variant: string;
  bytes: number;
  loads: number;
  saves: number;
  redundantLoads: number;
  wastedSaves?: number;
  /** Bytes moved / the oracle's bytes; null when the oracle moved nothing and the variant did (∞). */
  oracleRatio?: number | null;
  /** Any further scalar columns the cost model reports; shown in the table. */
  [extra: string]: string | number | boolean | null | undefined;
}

/** Where a variant's waste comes from (the cost model's `topWaste`). */
export interface CostWaste {
  source: string;
  kind: string;
  count: number;
  bytes: number;
}

export interface CostSection {
  title: string;
  /** Workload profile name (`kvm-host`). */
  profile?: string;
  /** Number of workload events. */
  events?: number;
  rows: CostRow[];
  /** Per variant, the largest sources of waste. */
  waste?: Record<string, CostWaste[]>;
  /** The minimum any correct protocol needs for the same workload. */
  oracle?: Partial<Record<'bytes' | 'loads' | 'saves' | 'redundantLoads' | 'wastedSaves', number>> & Record<string, unknown>;
  note?: string;
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  title: string;
  /** The command (or commands) that produced the data, for the header. */
  commands?: string[];
  /** Lines shown under the title. */
  summary?: string[];
  variants?: ReportVariant[];
  /** The invariant catalogue, so explanations travel with the data. */
  invariants?: InvariantInfo[];
  runs?: RunRow[];
  checks?: ChecksSection[];
  cost?: CostSection[];
  traces?: ReportTrace[];
  /** Id of the trace shown first (the headline counterexample). */
  featured?: string;
}

export function emptyReport(title: string): ReportData {
  return { format: REPORT_FORMAT, title };
}

/** Concatenates sections; the first document's title and featured trace win. Trace ids are made unique. */
export function mergeReports(docs: readonly ReportData[], title?: string): ReportData {
  const out: ReportData = emptyReport(title ?? docs[0]?.title ?? 'fpctx report');
  const seen = new Set<string>();
  for (const d of docs) {
    const local = new Map<string, string>();
    for (const t of d.traces ?? []) {
      let id = t.id;
      for (let n = 2; seen.has(id); n++) id = `${t.id}-${n}`;
      seen.add(id);
      local.set(t.id, id);
      (out.traces ??= []).push(id === t.id ? t : { ...t, id });
    }
    const re = (id: string | undefined) => (id === undefined ? undefined : (local.get(id) ?? id));
    if (d.commands) (out.commands ??= []).push(...d.commands);
    if (d.summary) (out.summary ??= []).push(...d.summary);
    for (const v of d.variants ?? []) if (!out.variants?.some((x) => x.name === v.name)) (out.variants ??= []).push(v);
    if (d.invariants && !out.invariants) out.invariants = d.invariants;
    for (const r of d.runs ?? []) (out.runs ??= []).push(withTraceId(r, re(r.traceId)));
    for (const c of d.checks ?? []) (out.checks ??= []).push({ ...c, rows: c.rows.map((r) => withTraceId(r, re(r.traceId))) });
    if (d.cost) (out.cost ??= []).push(...d.cost);
    if (d.featured && out.featured === undefined) out.featured = re(d.featured);
  }
  return out;
}

function withTraceId<T extends { traceId?: string }>(row: T, id: string | undefined): T {
  if (id === undefined || id === row.traceId) return row;
  return { ...row, traceId: id };
}

/** A verdict in words: `ok`, `no-uaf`, `integrity/corrupt`. */
export function verdictText(v: { invariant: string; kind?: string } | undefined): string {
  return v ? `${v.invariant}${v.kind ? `/${v.kind}` : ''}` : 'ok';
}

/** An id usable as an HTML anchor. */
export function slug(...parts: string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
