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
      /** The CPU every variant ran on (`--hw` spelling), when not each variant's own. */
      hw?: string;
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
      /** User slices replayed, and those in which the task wrote FP or SVE registers (--fp-use, --sve-use). */
      userSlices: number;
      fpSlices: number;
      /** What the replay inferred where the trace is silent (src/cost/replay/replay.ts). */
      inferred: { tasks: number; userReturns: number; preemptions: number; blockingSyscalls: number };
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
      : `${s.file} (${s.format}, ${plural(s.lines, 'line')}, --fp-use ${s.fpUse}, --seed ${s.seed})`;
  const tasks = plural(s.tasks, s.kind === 'workload' ? 'task' : 'user task');
  return `${what}: ${plural(doc.events, 'event')} · ${plural(s.cpus, 'CPU')} · ${tasks}${s.vcpus ? `, ${plural(s.vcpus, 'vcpu thread')}` : ''} · SVE VL ${s.sveVlBits}${s.kind === 'workload' && s.hw ? ` · --hw ${s.hw}` : ''}`;
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

/**
 * Why every figure is zero, when it is: an all-zero table is never printed without the reason.
 * Null when something moved.
 */
export function zeroReason(doc: CostDoc): string | null {
  if (doc.oracle.bytes > 0 || doc.rows.some((r) => r.bytes > 0 || r.loads > 0 || r.saves > 0)) return null;
  const s = doc.source;
  if (s.kind === 'trace') {
    if (s.userSlices === 0)
      return 'no register traffic: no user task ran in user mode in this trace (only kernel threads and the idle task ran, or no task was ever switched in)';
    if (s.fpSlices === 0)
      return `no register traffic: no task used FP in its ${plural(s.userSlices, 'user slice')} (--fp-use ${s.fpUse}, --sve-use ${s.sveUse})`;
    return `no register traffic: the ${plural(s.fpSlices, 'user slice')} that wrote FP registers never made another context need them (no task switched on a CPU after using FP)`;
  }
  return doc.events === 0
    ? 'no register traffic: the stream is empty'
    : 'no register traffic: no context used FP registers while another needed them (the profile uses no FP)';
}

/** The lines that say what a replay inferred (empty when nothing was). */
function inferredLines(doc: CostDoc): string[] {
  const s = doc.source;
  if (s.kind !== 'trace') return [];
  const i = s.inferred;
  if (i.userReturns + i.preemptions + i.blockingSyscalls === 0) return [];
  const why =
    i.tasks > 0
      ? `${plural(i.tasks, 'user task')} without syscall events in the trace: a task switched in is taken to run in user mode until its next switch (prev_state R = preempted, otherwise blocked in a syscall)`
      : 'a task switched back in after a preemption in user mode returns there';
  return [
    `inferred from the scheduler: ${plural(i.userReturns, 'return')} to user mode, ${plural(i.preemptions, 'preemption')} in user mode, ${plural(i.blockingSyscalls, 'blocking syscall')}`,
    `  (${why})`,
  ];
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
  const zero = zeroReason(doc);
  if (zero) out.push(st.warn(zero));
  for (const l of inferredLines(doc)) out.push(st.warn(l));
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
  const zero = zeroReason(doc);
  if (zero) out.push(`**${esc(zero)}.**`, '');
  const inferred = inferredLines(doc);
  if (inferred.length) out.push(esc(inferred.map((l) => l.trim()).join(' ')), '');
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
