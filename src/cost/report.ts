/**
 * The cost comparison as a document (the `--json` contract) and as text or Markdown tables.
 *
 * Contract (scripts depend on it): `{"rows": [{"variant", "bytes", "loads", "saves",
 * "redundantLoads", "wastedSaves", "oracleRatio", ...}], "oracle": {...}, "events": N, ...}`.
 * Wall-clock figures live only under `timing` keys, so two runs with the same inputs print the
 * same document once those are removed.
 */

import type { Style } from '../style.js';
import type { WasteSource } from './counters.js';
import type { CostRow, CostRun } from './engine.js';

/** What was measured: a generated workload or a replayed trace. */
export type CostSourceInfo =
  | {
      kind: 'workload';
      name: string;
      file: string;
      seed: number;
      cpus: number;
      tasks: number;
      vcpus: number;
      sveVlBits: number;
    }
  | {
      kind: 'trace';
      file: string;
      format: string;
      lines: number;
      seed: number;
      fpUse: string;
      sveUse: string;
      cpus: number;
      tasks: number;
      vcpus: number;
      kernelThreads: number;
      sveVlBits: number;
      /** Trace events read, by name. */
      traceEvents: Record<string, number>;
      /** Event lines of kinds the replay does not use, by name. */
      unknownEvents: Record<string, number>;
      /** Lines that are not events (comments, headers). */
      otherLines: number;
      /** Events the ring buffer lost (trace-cmd's "[LOST n EVENTS]"): the replay misses them. */
      lostEvents: number;
      /** Trace facts the replay could not map (e.g. a fork with no slot free), by kind. */
      unmapped: Record<string, number>;
    };

export interface CostDoc {
  source: CostSourceInfo;
  /** Kernel events in the stream; every variant and the oracle saw exactly these. */
  events: number;
  oracle: CostRun['oracle'];
  rows: (CostRow & { topWaste: WasteSource[] })[];
  /** Workload intents the event alphabet could not express (nothing was emitted for them), by kind. */
  unsupported: Record<string, number>;
  timing: CostRun['timing'];
}

export function costDoc(run: CostRun, source: CostSourceInfo, unsupported: Record<string, number>): CostDoc {
  return {
    source,
    events: run.events,
    oracle: run.oracle,
    rows: run.rows.map((r) => ({ ...r, topWaste: r.waste.slice(0, 3) })),
    unsupported: Object.fromEntries(Object.entries(unsupported).sort(([a], [b]) => (a < b ? -1 : 1))),
    timing: run.timing,
  };
}

// --- formatting ------------------------------------------------------------------------------------

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(b: number): string {
  let u = 0;
  while (b >= 1024 && u < UNITS.length - 1) {
    b /= 1024;
    u++;
  }
  return u === 0 ? `${b} B` : `${b.toFixed(1)} ${UNITS[u]}`;
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, what: string): string {
  return `${int(n)} ${what}${n === 1 ? '' : 's'}`;
}

function ratioText(r: number): string {
  return Number.isFinite(r) ? r.toFixed(2) : '∞';
}

function verdict(r: CostRow): string {
  if (r.correct) return r.skipped ? `ok, ${int(r.skipped)} skipped` : 'ok';
  const v = r.firstViolation!;
  return `${v.invariant}${v.kind ? `/${v.kind}` : ''} ×${int(r.violations)}`;
}

function sourceLine(doc: CostDoc): string {
  const s = doc.source;
  const what =
    s.kind === 'workload'
      ? `${s.name} (seed ${s.seed})`
      : `${s.file} (${s.format}, ${int(s.lines)} lines, --fp-use ${s.fpUse}, --seed ${s.seed})`;
  const tasks = plural(s.tasks, s.kind === 'workload' ? 'task' : 'user task');
  return `${what}: ${plural(doc.events, 'event')} · ${plural(s.cpus, 'CPU')} · ${tasks}${s.vcpus ? `, ${plural(s.vcpus, 'vcpu thread')}` : ''} · SVE VL ${s.sveVlBits}`;
}

interface Column {
  head: string;
  right: boolean;
  cell(r: CostRow): string;
}

const COLUMNS: Column[] = [
  { head: 'variant', right: false, cell: (r) => r.variant },
  { head: 'moved', right: true, cell: (r) => formatBytes(r.bytes) },
  { head: '×oracle', right: true, cell: (r) => ratioText(r.oracleRatio) },
  { head: 'loads', right: true, cell: (r) => int(r.loads) },
  { head: 'saves', right: true, cell: (r) => int(r.saves) },
  { head: 'redund.', right: true, cell: (r) => int(r.redundantLoads) },
  { head: 'wasted', right: true, cell: (r) => int(r.wastedSaves) },
  { head: 'hyp', right: true, cell: (r) => formatBytes(r.bytesHyp) },
  { head: 'verdict', right: false, cell: verdict },
];

function oracleCells(doc: CostDoc): string[] {
  const o = doc.oracle;
  return ['oracle', formatBytes(o.bytes), '1.00', int(o.loads), int(o.saves), '0', '0', '0 B', 'lower bound'];
}

function wasteText(w: WasteSource): string {
  return `${formatBytes(w.bytes)} ${w.source} ×${int(w.count)}`;
}

export function renderCostText(doc: CostDoc, st: Style): string[] {
  const out: string[] = [];
  out.push(st.bold(sourceLine(doc)));
  const o = doc.oracle;
  out.push(`oracle: ${formatBytes(o.bytes)} (${int(o.loads)} loads, ${int(o.saves)} saves): the least any correct protocol`);
  out.push(`moves on this stream (${formatBytes(o.lazy.bytes)} if restore at first FP use were free; docs/cost.md)`);
  out.push('');
  const rows = [COLUMNS.map((c) => c.head), ...doc.rows.map((r) => COLUMNS.map((c) => c.cell(r))), oracleCells(doc)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => (COLUMNS[i]!.right ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out.push(st.bold(line(rows[0]!)));
  doc.rows.forEach((r, i) => {
    const l = line(rows[i + 1]!);
    out.push(r.correct ? l : st.bad(l));
  });
  out.push(st.dim(line(rows[rows.length - 1]!)));
  // The columns count different hands in different eras; say so rather than let the oracle's
  // larger load count read as a bound the variants beat.
  out.push(st.dim("loads/saves: the kernel's (the oracle's: every context's); hyp: bytes the hypervisor"));
  out.push(st.dim("moved itself (guest state; before v4.18 the host's too), not counted in loads/saves."));
  out.push('');
  out.push(st.bold('top sources of waste'));
  const vw = Math.max(...doc.rows.map((r) => r.variant.length));
  for (const r of doc.rows) {
    if (r.topWaste.length === 0) out.push(`  ${r.variant.padEnd(vw)}  none`);
    for (const [i, w] of r.topWaste.entries()) out.push(`  ${(i === 0 ? r.variant : '').padEnd(vw)}  ${i + 1}. ${wasteText(w)}`);
  }
  const bad = doc.rows.filter((r) => !r.correct);
  if (bad.length) {
    out.push('');
    for (const r of bad) {
      const v = r.firstViolation!;
      out.push(st.bad(`${r.variant}: ${int(r.violations)} violations, first at event ${int(v.event)}: [${v.code}] ${v.message}`));
    }
    out.push(st.dim('A variant that violates an invariant skips work that is needed: its traffic is no bound.'));
  }
  const unsupported = Object.entries(doc.unsupported);
  if (unsupported.length) {
    out.push('');
    out.push(
      st.warn(`not modelled by the event alphabet (dropped from the stream): ${unsupported.map(([k, n]) => `${k} ×${int(n)}`).join(', ')}`),
    );
  }
  if (doc.source.kind === 'trace') {
    const s = doc.source;
    const unknown = Object.entries(s.unknownEvents);
    if (unknown.length) out.push(st.dim(`trace events not used: ${unknown.map(([k, n]) => `${k} ×${int(n)}`).join(', ')}`));
    if (s.lostEvents)
      out.push(
        st.warn(`the trace lost ${int(s.lostEvents)} events (ring buffer overrun): record with a larger buffer (trace-cmd record -b)`),
      );
    const unmapped = Object.entries(s.unmapped);
    if (unmapped.length) out.push(st.warn(`trace facts not mapped: ${unmapped.map(([k, n]) => `${k} ×${int(n)}`).join(', ')}`));
  }
  return out;
}

export function renderCostMarkdown(doc: CostDoc): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = [];
  out.push(`**${esc(sourceLine(doc))}**`);
  out.push('');
  out.push(
    '| variant | bytes moved | × oracle | loads | saves | redundant loads | wasted saves | hyp bytes | verdict | top 3 sources of waste |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const r of doc.rows) {
    const waste = r.topWaste.map((w, i) => `${i + 1}. ${esc(wasteText(w))}`).join('<br>') || 'none';
    out.push(
      `| ${esc(r.variant)} | ${formatBytes(r.bytes)} | ${ratioText(r.oracleRatio)} | ${int(r.loads)} | ${int(r.saves)} | ${int(r.redundantLoads)} | ${int(r.wastedSaves)} | ${formatBytes(r.bytesHyp)} | ${esc(verdict(r))} | ${waste} |`,
    );
  }
  const o = doc.oracle;
  out.push(`| *oracle* | ${formatBytes(o.bytes)} | 1.00 | ${int(o.loads)} | ${int(o.saves)} | 0 | 0 | 0 B | lower bound | |`);
  out.push('');
  out.push(
    "Loads and saves are the kernel's (the oracle's: every context's); *hyp bytes* are what the hypervisor moved itself (guest state; before v4.18 the host's too), not counted in loads or saves.",
  );
  const unsupported = Object.entries(doc.unsupported);
  if (unsupported.length) {
    out.push('');
    out.push(`Not modelled (dropped): ${unsupported.map(([k, n]) => `${k} ×${int(n)}`).join(', ')}.`);
  }
  return out;
}
