/**
 * The HTML report: one self-contained file (inline CSS, inline SVG, one inline script, no
 * external reference of any kind), made from a ReportData only.
 *
 * Sections, each present only when the data has it: verdicts of scenario runs (variant ×
 * scenario), bounded checks (variant × configuration, with bounds, states and times), cost
 * (bars per variant and the ratio to the oracle), then the traces: for each, the violation in
 * plain words, the timeline, the step list, the machine state at the selected step, and the
 * same trace as plain text to paste into a review. The output is deterministic: the same data
 * gives the same bytes (wall-clock seconds are part of the data, not added here).
 *
 * At scale (the suite has hundreds of traces) only the featured trace is in the page as HTML;
 * every other one is an empty article plus its markup and step data deflated and base64-encoded
 * in one JSON block, which the script inflates (DecompressionStream) when the trace is first
 * shown. The page is then about as fast to become usable with 500 traces as with one, and the
 * SVG timelines (repetitive markup) shrink about tenfold. The one script is allowed by its hash
 * in the Content-Security-Policy, not by 'unsafe-inline'.
 */

import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { INVARIANTS, type InvariantInfo } from '../spec/invariants.js';
import {
  renderCalls,
  renderCounters,
  renderEffect,
  renderTimeline as renderTextTimeline,
  renderVerdict,
  stateChanges,
} from '../trace/text.js';
import { PLAIN } from '../style.js';
import type { MachineSnapshot, Trace } from '../trace/types.js';
import { REPORT_SCRIPT } from './client.js';
import {
  boundsText,
  type ChecksSection,
  type CostRow,
  type CostSection,
  type ReportData,
  type ReportTrace,
  type RunRow,
  verdictText,
} from './data.js';
import { el, esc, leaf, scriptJson, text } from './markup.js';
import { REPORT_CSS } from './style.js';
import { MARKER_DEFS, renderTimeline } from './timeline.js';

const KIND_WORDS: Record<string, string> = {
  lost: 'lost: the context sees an older version of its own data (or nothing): a save or a reload was skipped.',
  corrupt: 'corrupt: the V registers are right but the SVE part is zeroed or stale: only part of the state was saved or restored.',
  leak: "leak: the context sees another context's data — a security failure.",
};

export const TOOL_VERSION = '0.1.0';

function invariantOf(data: ReportData, id: string): InvariantInfo | undefined {
  return (data.invariants ?? INVARIANTS).find((i) => i.id === id);
}

/** The step the cursor starts on: the violating step, else the last one. */
export function initialStep(t: Trace): number {
  return t.violation?.step ?? t.steps.length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function traceLink(id: string | undefined, content: string): string {
  return id ? el('a', { href: `#trace-${id}`, 'data-trace': id }, content) : content;
}

// --- verdict tables ---------------------------------------------------------------------------

/**
 * A run's cell class: `unexp` (the scenario's expectation not met: look here first), `exp` (a
 * violation the scenario expects: a buggy variant doing what its scenario says), `bad` (a
 * violation with no stated expectation), `ok`, `muted` (n/a).
 */
function runClass(r: RunRow): string {
  if (r.expectationMet === false) return 'unexp';
  if (r.verdict === 'ok') return 'ok';
  if (r.verdict === 'n/a') return 'muted';
  return r.expectationMet ? 'exp' : 'bad';
}

function runsMatrix(runs: RunRow[]): string {
  const variants = [...new Set(runs.map((r) => r.variant))];
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const head = el('tr', {}, text('th', {}, 'variant'), ...scenarios.map((s) => text('th', {}, s)));
  const body = variants.map((v) =>
    el(
      'tr',
      {},
      text('th', {}, v),
      ...scenarios.map((s) => {
        const r = runs.find((x) => x.variant === v && x.scenario === s);
        if (!r) return text('td', { class: 'muted' }, '—');
        const verdict = `${r.verdict}${r.step ? ` @${r.step}` : ''}`;
        const exp = r.expectationMet === undefined ? '' : r.expectationMet ? ' ✓' : ` ✗ UNEXPECTED (expected ${r.expected ?? '?'})`;
        const cls = runClass(r);
        const title = `${v} on ${s}: ${verdict}${r.expected ? `; expected ${r.expected}${r.expectationMet ? ' (met)' : ' (NOT met)'}` : ''}${r.loads !== undefined ? `; ${plural(r.loads, 'load')}, ${plural(r.saves ?? 0, 'save')}` : ''}`;
        // One line a cell (the loads are in the title): the table stays as tall as its rows.
        return el('td', { class: cls, title }, traceLink(r.traceId, esc(verdict)), esc(exp));
      }),
    ),
  );
  const md = markdownTable(
    ['variant', ...scenarios],
    variants.map((v) => [
      v,
      ...scenarios.map((sc) => {
        const r = runs.find((x) => x.variant === v && x.scenario === sc);
        return !r ? '—' : `${r.verdict}${r.step ? ` @${r.step}` : ''}${r.expectationMet === false ? ' (unexpected)' : ''}`;
      }),
    ]),
  );
  return (
    el('div', { class: 'matrix-wrap' }, el('table', { class: 'matrix runs' }, el('thead', {}, head), el('tbody', {}, ...body))) +
    asMarkdown(`**Scenarios: every variant on every scenario**\n\n${md}`)
  );
}

function checksSection(sec: ChecksSection): string {
  const variants = [...new Set(sec.rows.map((r) => r.variant))];
  const checks = [...new Set(sec.rows.map((r) => r.check))];
  const cellOf = (v: string, c: string) => sec.rows.find((r) => r.variant === v && r.check === c);
  const matrix = el(
    'table',
    { class: 'matrix checks' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        text('th', {}, 'variant'),
        ...checks.map((c) => el('th', { title: boundsText(sec.rows.find((r) => r.check === c)?.bounds) }, esc(c))),
      ),
    ),
    el(
      'tbody',
      {},
      ...variants.map((v) =>
        el(
          'tr',
          {},
          text('th', {}, v),
          ...checks.map((c) => {
            const r = cellOf(v, c);
            if (!r) return text('td', { class: 'muted' }, '—');
            const label = r.violation ? `${verdictText(r.violation)}${r.violation.step ? ` @${r.violation.step}` : ''}` : r.verdict;
            const cls = r.verdict === 'ok' ? 'ok' : r.violation ? 'bad' : r.verdict === 'n/a' ? 'muted' : 'warn';
            const title = `${r.unexpected ? 'UNEXPECTED: ' : ''}${r.violation?.message ?? ''}${r.states !== undefined ? `${r.violation?.message ? '; ' : ''}${r.states} states` : ''}`;
            return el(
              'td',
              { class: cls, title },
              traceLink(r.traceId, esc(label)),
              r.unexpected ? el('b', { title: 'unexpected' }, ' ⚠') : '',
            );
          }),
        ),
      ),
    ),
  );
  const detail = el(
    'table',
    { class: 'checkrows' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['variant', 'check', 'bounds', 'verdict', 'steps'].map((h) => text('th', {}, h)),
        ...['states', 'transitions', 'depth', 'seconds'].map((h) => text('th', { class: 'num' }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      ...sec.rows.map((r) =>
        el(
          'tr',
          {},
          text('td', {}, r.variant),
          text('td', {}, r.check),
          text('td', { class: 'mono small' }, boundsText(r.bounds)),
          el(
            'td',
            { class: r.verdict === 'ok' ? 'ok' : r.violation ? 'bad' : r.verdict === 'n/a' ? 'muted' : 'warn' },
            traceLink(
              r.traceId,
              esc(r.violation ? `${verdictText(r.violation)}${r.violation.code ? ` (${r.violation.code})` : ''}` : r.verdict),
            ),
          ),
          text('td', { class: 'num' }, r.violation?.step ?? ''),
          text('td', { class: 'num' }, r.states ?? ''),
          text('td', { class: 'num' }, r.transitions ?? ''),
          text('td', { class: 'num' }, r.depth ?? ''),
          text('td', { class: 'num' }, r.seconds === undefined ? '' : r.seconds.toFixed(2)),
        ),
      ),
    ),
  );
  const md = markdownTable(
    ['variant', ...checks],
    variants.map((v) => [
      v,
      ...checks.map((c) => {
        const r = cellOf(v, c);
        return !r ? '—' : r.violation ? `${verdictText(r.violation)}${r.violation.step ? ` @${r.violation.step}` : ''}` : r.verdict;
      }),
    ]),
  );
  return el(
    'div',
    { class: 'checks-section' },
    text('h3', {}, sec.title),
    sec.note ? text('p', { class: 'muted small' }, sec.note) : '',
    matrix,
    el('details', {}, el('summary', {}, 'bounds, states and times'), detail),
    asMarkdown(`**${sec.title}**${sec.note ? `\n${sec.note}` : ''}\n\n${md}`),
  );
}

/** A Markdown table (for pasting into a review or a mailing-list reply rendered as Markdown). */
export function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function asMarkdown(md: string): string {
  return el(
    'details',
    { class: 'astext' },
    el('summary', {}, 'As Markdown (to paste into a review)'),
    el('button', { type: 'button', 'data-copy': '' }, 'copy'),
    text('pre', {}, md),
  );
}

// --- cost ------------------------------------------------------------------------------------------

const COST_METRICS: { key: 'bytes' | 'loads' | 'redundantLoads' | 'saves' | 'wastedSaves'; title: string; unit: string }[] = [
  { key: 'bytes', title: 'bytes moved', unit: 'B' },
  { key: 'loads', title: 'loads', unit: '' },
  { key: 'redundantLoads', title: 'redundant loads', unit: '' },
  { key: 'saves', title: 'saves', unit: '' },
  { key: 'wastedSaves', title: 'wasted saves', unit: '' },
];

function fmtNum(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}

function barChart(title: string, items: { label: string; value: number; cls: string; note?: string }[]): string {
  const labelW = 120;
  const barW = 260;
  const rowH = 20;
  const max = Math.max(1, ...items.map((i) => i.value));
  const h = items.length * rowH + 4;
  const rows = items.map((it, i) => {
    const y = i * rowH + 2;
    const w = Math.max(it.value > 0 ? 2 : 0, (it.value / max) * barW);
    return el(
      'g',
      { class: `bar ${it.cls}` },
      text('title', {}, `${it.label}: ${fmtNum(it.value)}${it.note ? ` (${it.note})` : ''}`),
      text('text', { class: 'lbl', x: labelW - 6, y: y + 14, 'text-anchor': 'end' }, it.label),
      leaf('rect', { x: labelW, y: y + 2, width: w, height: rowH - 5, rx: 2 }),
      text('text', { class: 'val', x: labelW + w + 5, y: y + 14 }, `${fmtNum(it.value)}${it.note ? `  ${it.note}` : ''}`),
    );
  });
  return el(
    'figure',
    {},
    text('figcaption', {}, title),
    el(
      'svg',
      {
        class: 'bars',
        xmlns: 'http://www.w3.org/2000/svg',
        width: labelW + barW + 160,
        height: h,
        viewBox: `0 0 ${labelW + barW + 160} ${h}`,
        role: 'img',
        'aria-label': title,
      },
      ...rows,
    ),
  );
}

function costSection(sec: CostSection): string {
  const oracle = sec.oracle ?? {};
  const charts = COST_METRICS.filter((m) => sec.rows.some((r) => typeof r[m.key] === 'number')).map((m) => {
    const ref = typeof oracle[m.key] === 'number' ? (oracle[m.key] as number) : undefined;
    const values = sec.rows.map((r) => (r[m.key] as number) ?? 0);
    const worst = Math.max(...values);
    // Highlight the most expensive variant(s), but only when some variant does better.
    const differs = values.some((v) => v !== worst);
    const items = sec.rows.map((r, i) => {
      const v = values[i]!;
      const note = ref !== undefined && ref > 0 ? `×${(v / ref).toFixed(2)}` : undefined;
      return { label: r.variant, value: v, cls: differs && v === worst ? 'worst' : '', ...(note ? { note } : {}) };
    });
    if (ref !== undefined) items.push({ label: 'oracle', value: ref, cls: 'oracle' });
    return barChart(`${m.title}${m.unit ? ` (${m.unit})` : ''}`, items);
  });
  if (sec.rows.some((r) => r.oracleRatio !== undefined)) {
    // null = infinitely worse than the oracle (it moved nothing, the variant did).
    const finite = sec.rows.map((r) => (typeof r.oracleRatio === 'number' ? r.oracleRatio : undefined));
    const top = Math.max(1, ...finite.filter((v): v is number => v !== undefined));
    const ratios = finite.map((v) => v ?? top * 1.25);
    const worst = Math.max(...ratios);
    const differs = ratios.some((v) => v !== worst);
    charts.unshift(
      barChart('ratio to the oracle (1 = optimal)', [
        ...sec.rows.map((r, i) => ({
          label: r.variant,
          value: ratios[i]!,
          cls: differs && ratios[i] === worst ? 'worst' : '',
          note: finite[i] === undefined ? '∞' : '',
        })),
        { label: 'oracle', value: 1, cls: 'oracle' },
      ]),
    );
  }
  // Columns: the contract's first, then whatever else the cost model reported.
  const first = ['bytes', 'oracleRatio', 'loads', 'saves', 'redundantLoads', 'wastedSaves', 'violation'];
  const all = [...new Set(sec.rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'variant');
  const cols = [...first.filter((c) => all.includes(c)), ...all.filter((c) => !first.includes(c))];
  const cell = (v: unknown, c: string) => (typeof v === 'number' ? fmtNum(v) : v === null && c === 'oracleRatio' ? '∞' : String(v ?? ''));
  const table = (names: string[]) =>
    el(
      'table',
      { class: 'cost' },
      el('thead', {}, el('tr', {}, text('th', {}, 'variant'), ...names.map((c) => text('th', { class: 'num' }, c)))),
      el(
        'tbody',
        {},
        ...sec.rows.map((r: CostRow) =>
          el(
            'tr',
            {},
            text('th', {}, r.variant),
            ...names.map((c) => text('td', { class: c === 'violation' && r[c] ? 'bad' : 'num' }, cell(r[c], c))),
          ),
        ),
        Object.keys(oracle).length
          ? el(
              'tr',
              { class: 'oracle' },
              text('th', {}, 'oracle'),
              ...names.map((c) => text('td', { class: 'num' }, typeof oracle[c] === 'number' ? fmtNum(oracle[c] as number) : '')),
            )
          : '',
      ),
    );
  const main = cols.slice(0, 10);
  const waste =
    sec.waste && Object.keys(sec.waste).length
      ? el(
          'details',
          {},
          el('summary', {}, 'Where the waste comes from (largest sources per variant)'),
          el(
            'ul',
            { class: 'small' },
            ...Object.entries(sec.waste).map(([v, list]) =>
              el(
                'li',
                {},
                el('b', {}, esc(v)),
                esc(`: ${list.map((w) => `${w.kind} ${w.source} ×${fmtNum(w.count)} (${fmtNum(w.bytes)} B)`).join('; ')}`),
              ),
            ),
          ),
        )
      : '';
  const facts = [
    sec.profile ? `workload profile ${sec.profile}` : '',
    sec.events !== undefined ? `${fmtNum(sec.events)} events` : '',
    'oracle = the least traffic any correct protocol needs on the same workload',
  ]
    .filter(Boolean)
    .join(' · ');
  const md = markdownTable(
    ['variant', ...main],
    [
      ...sec.rows.map((r) => [r.variant, ...main.map((c) => cell(r[c], c))]),
      ...(Object.keys(oracle).length
        ? [['oracle', ...main.map((c) => (typeof oracle[c] === 'number' ? fmtNum(oracle[c] as number) : ''))]]
        : []),
    ],
  );
  return el(
    'div',
    { class: 'cost-section' },
    text('h3', {}, sec.title),
    text('p', { class: 'muted small' }, facts),
    sec.note ? text('p', { class: 'small' }, sec.note) : '',
    el('div', { class: 'charts' }, ...charts),
    table(main),
    cols.length > main.length ? el('details', {}, el('summary', {}, 'all columns'), table(cols)) : '',
    waste,
    asMarkdown(
      `**${sec.title}** (${facts.replace(' · oracle = the least traffic any correct protocol needs on the same workload', '')})\n\n${md}`,
    ),
  );
}

// --- traces ------------------------------------------------------------------------------------------

function violationBox(data: ReportData, rt: ReportTrace): string {
  const v = rt.trace.violation;
  if (!v) return '';
  const info = invariantOf(data, v.invariant);
  return el(
    'div',
    { class: 'violation', role: 'note' },
    el(
      'p',
      {},
      el('b', {}, esc(`${v.code} ${v.invariant}${v.kind ? `/${v.kind}` : ''}`)),
      esc(info ? ` — ${info.title}` : ''),
      esc(` — at step ${v.step}, detected in `),
      text('code', {}, v.where),
    ),
    text('p', { class: 'msg' }, v.message),
    info ? text('p', {}, info.doc) : '',
    v.kind && KIND_WORDS[v.kind] ? text('p', {}, KIND_WORDS[v.kind]!) : '',
  );
}

function stepList(rt: ReportTrace, selected: number): string {
  const t = rt.trace;
  const items: string[] = [];
  const row = (cls: string, k: string, content: string) =>
    el('div', { class: `row ${cls}` }, text('span', { class: 'k' }, k), esc(content));
  items.push(
    el(
      'li',
      { 'data-step': 0, class: selected === 0 ? 'sel' : undefined },
      el('div', { class: 'head' }, text('span', { class: 'num' }, '0'), esc('boot: the initial state')),
    ),
  );
  let before = t.initial;
  for (const s of t.steps) {
    const parts: string[] = [
      el(
        'div',
        { class: 'head' },
        text('span', { class: 'num' }, s.step),
        text('span', { class: 'cpu' }, s.cpu === null ? '' : `cpu${s.cpu}`),
        esc(s.label),
      ),
    ];
    const note = rt.notes?.[s.step - 1];
    if (note) parts.push(row('note', '#', note));
    const calls = renderCalls(s.calls);
    if (calls) parts.push(row('calls', 'calls', calls));
    if (s.effects.length) parts.push(row('did', 'did', s.effects.map(renderEffect).join('  ·  ')));
    for (const [who, items2] of stateChanges(before, s.state)) parts.push(row('chg', who, items2.join('  ')));
    if (s.violation)
      parts.push(
        row(
          'err',
          '!!',
          `${s.violation.code} ${s.violation.invariant}${s.violation.kind ? `/${s.violation.kind}` : ''}: ${s.violation.message}`,
        ),
      );
    const cls = [s.violation ? 'viol' : '', s.step === selected ? 'sel' : ''].filter(Boolean).join(' ');
    items.push(el('li', { 'data-step': s.step, class: cls || undefined }, ...parts));
    before = s.state;
  }
  return el('ol', { class: 'steps', 'aria-label': 'steps' }, ...items);
}

/** The trace as the terminal shows it, without colour: what to paste into a review. */
export function traceAsText(rt: ReportTrace): string {
  const lines: string[] = [];
  const t = rt.trace;
  lines.push(`${rt.title}`);
  lines.push(`variant ${t.variant}; ${t.machine.cpus} CPU(s), ${t.machine.slots} task slot(s), ${t.machine.vcpus} vcpu(s)`);
  if (rt.reproduce) lines.push(`reproduce: ${rt.reproduce}`);
  lines.push('');
  const notes = rt.notes?.map((n) => n ?? undefined);
  lines.push(...renderTextTimeline(t, { style: PLAIN, width: 100, ...(notes ? { notes } : {}) }));
  lines.push('');
  lines.push(...renderVerdict(t, { style: PLAIN, width: 100 }));
  return lines.join('\n');
}

const LEGEND = el(
  'details',
  { class: 'legend' },
  el('summary', {}, 'How to read the timeline'),
  el(
    'ul',
    {},
    el(
      'li',
      {},
      esc('Columns are steps (0 = boot); each shows the state after the step. Click a column or a step, or use '),
      el('kbd', {}, '←'),
      ' ',
      el('kbd', {}, '→'),
      esc(' / '),
      el('kbd', {}, 'Home'),
      ' ',
      el('kbd', {}, 'End'),
      esc(', to see the full machine state.'),
    ),
    el('li', {}, esc('cpu lane, event: the step on that CPU (⚡ = it trapped); red = where the violation was detected.')),
    el(
      'li',
      {},
      esc(
        "registers: whose data the V registers hold, coloured by writer (A#3 = version 3 of A's data, † = a dead task's, K = kernel NEON, 0 / ? = zero / garbage).",
      ),
    ),
    el(
      'li',
      {},
      esc(
        'last_state: whom fpsimd_last_state names. ✓ both sides of the binding agree and the registers really hold that state; ~ only the CPU side names it (the context reloads); ',
      ),
      el('b', {}, '✗ amber'),
      esc(': both sides agree but the registers hold something else — a skipped reload would be wrong; '),
      el('b', {}, '† red'),
      esc(': it names freed memory.'),
    ),
    el(
      'li',
      {},
      esc(
        'task lane: where the task is, its side of the binding (fpsimd_cpu, TIF_FOREIGN_FPSTATE, TIF_SVE; green = the CPU it names names it back), and its memory copy.',
      ),
    ),
    el(
      'li',
      {},
      esc(
        "Arrows: save (blue, registers → memory), load (green; dashed = redundant, the registers already held it), hyp (purple: KVM's own host/guest save and restore). ✕ = a binding flushed.",
      ),
    ),
  ),
);

/** The article element of a trace: its attributes, its header (title and badges), the rest. */
function traceArticleParts(data: ReportData, rt: ReportTrace): { attrs: Record<string, string | number>; header: string; body: string } {
  const t = rt.trace;
  const selected = initialStep(t);
  const v = t.violation;
  const badge = v
    ? el('span', { class: `badge ${v && rt.expectationMet ? 'exp' : 'bad'}` }, esc(`${v.code} ${verdictText(v)} @${v.step}`))
    : el('span', { class: 'badge ok' }, 'ok');
  const exp =
    rt.expected !== undefined
      ? el(
          'span',
          { class: `badge ${rt.expectationMet ? 'ok' : 'unexp'}` },
          esc(rt.expectationMet ? `expected ${rt.expected}: met` : `UNEXPECTED: expected ${rt.expected}, NOT met`),
        )
      : '';
  const variant = data.variants?.find((x) => x.name === t.variant);
  const meta = [
    `variant ${t.variant}${variant ? ` (${variant.kernel})` : ''}`,
    `${t.machine.cpus} CPU${t.machine.cpus === 1 ? '' : 's'}, ${t.machine.slots} task slot${t.machine.slots === 1 ? '' : 's'}, ${t.machine.vcpus} vcpu${t.machine.vcpus === 1 ? '' : 's'}, SVE VL ${t.machine.sveVlBits} bits`,
    `${t.steps.length} step${t.steps.length === 1 ? '' : 's'}`,
  ].join(' · ');
  const counters = el(
    'details',
    {},
    el(
      'summary',
      {},
      esc(
        `Counters: ${t.counters.saves} saves, ${t.counters.loads} loads (${t.counters.redundantLoads} redundant), ${t.counters.bytesSaved + t.counters.bytesLoaded + t.counters.bytesHyp} bytes moved`,
      ),
    ),
    el('pre', {}, esc(renderCounters(t.counters).join('\n'))),
    Object.keys(t.byContext).length
      ? el(
          'table',
          {},
          el(
            'thead',
            {},
            el('tr', {}, ...['context', 'saves', 'loads', 'redundant', 'bytes saved', 'bytes loaded'].map((h) => text('th', {}, h))),
          ),
          el(
            'tbody',
            {},
            ...Object.entries(t.byContext).map(([k, c]) =>
              el(
                'tr',
                {},
                text('th', {}, k),
                ...[c.saves, c.loads, c.redundantLoads, c.bytesSaved, c.bytesLoaded].map((n) => text('td', { class: 'num' }, n)),
              ),
            ),
          ),
        )
      : '',
  );
  const header = el('header', {}, text('h3', {}, rt.title), badge, exp);
  const attrs = { class: 'trace', id: `trace-${rt.id}`, 'data-trace': rt.id, 'data-selected': selected, 'data-steps': t.steps.length };
  const body = [
    el('p', { class: 'meta' }, esc(meta)),
    rt.description ? text('p', { class: 'desc' }, rt.description) : '',
    rt.initialUnknown ? text('p', { class: 'muted small' }, 'The input had no initial state; step 1 is drawn against itself.') : '',
    violationBox(data, rt),
    rt.reproduce ? el('p', { class: 'small' }, esc('Reproduce: '), text('code', {}, rt.reproduce)) : '',
    rt.calls ? callsTable(rt.calls) : '',
    el('div', { class: 'tl-wrap', tabindex: 0, 'aria-label': 'timeline: ← and → move between steps' }, renderTimeline(rt, selected)),
    el(
      'div',
      { class: 'keys' },
      esc('Click a column or a step · '),
      el('kbd', {}, '←'),
      ' ',
      el('kbd', {}, '→'),
      esc(' or '),
      el('kbd', {}, 'j'),
      ' ',
      el('kbd', {}, 'k'),
      esc(' move · '),
      el('kbd', {}, 'Home'),
      ' ',
      el('kbd', {}, 'End'),
      esc(' · '),
      el('kbd', {}, '['),
      ' ',
      el('kbd', {}, ']'),
      esc(' other traces · hover previews · the address links to the step'),
    ),
    LEGEND,
    el(
      'div',
      { class: 'detail' },
      stepList(rt, selected),
      el(
        'aside',
        { class: 'state', 'aria-live': 'polite', 'aria-label': 'machine state at the selected step' },
        el('noscript', {}, 'The machine state at each step is shown with the inline script enabled; the step list shows what changed.'),
      ),
    ),
    el(
      'details',
      { class: 'astext' },
      el('summary', {}, 'As text (to paste into a review)'),
      el('button', { type: 'button', 'data-copy': '' }, 'copy'),
      text('pre', {}, traceAsText(rt)),
    ),
    counters,
  ].join('');
  return { attrs, header, body };
}

function traceArticle(data: ReportData, rt: ReportTrace): string {
  const { attrs, header, body } = traceArticleParts(data, rt);
  return el('article', attrs, header, body);
}

/**
 * A trace shown on demand: the article holds its header only; its markup and step data are in
 * `payload` (deflated JSON `{html, data}`, base64), which the script inflates into the article.
 */
function lazyTraceArticle(data: ReportData, rt: ReportTrace): { article: string; payload: string } {
  const { attrs, header, body } = traceArticleParts(data, rt);
  const article = el(
    'article',
    { ...attrs, 'data-lazy': '' },
    header,
    el('p', { class: 'muted small lazy-note' }, 'Loading the trace…'),
    el('noscript', {}, 'This trace is stored compressed: it is shown with the inline script enabled.'),
  );
  const json = JSON.stringify({ html: header + body, data: clientTrace(rt) });
  return { article, payload: deflateSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64') };
}

/** A conformance divergence's calls: the kernel's (the trace) and the model's, row by row; rows that differ are marked. */
function callsTable(calls: NonNullable<ReportTrace['calls']>): string {
  const n = Math.max(calls.kernel.length, calls.model.length);
  const fn = (s: string | undefined): string => (s ?? '').replace(/^(· )*/, '').replace(/ <-.*$/, '');
  const rows = Array.from({ length: n }, (_, i) =>
    el(
      'tr',
      fn(calls.kernel[i]) === fn(calls.model[i]) ? {} : { class: 'calls-differ' },
      text('td', {}, calls.kernel[i] ?? ''),
      text('td', {}, calls.model[i] ?? ''),
    ),
  );
  return el(
    'table',
    { class: 'calls' },
    el('thead', {}, el('tr', {}, text('th', {}, 'kernel (trace)'), text('th', {}, `model (${calls.variant})`))),
    el('tbody', {}, ...rows),
  );
}

function tracePicker(traces: ReportTrace[], featured: string | undefined): string {
  const groups: [string, ReportTrace[]][] = [
    ['counterexamples', traces.filter((t) => t.kind === 'counterexample')],
    ['conformance divergences', traces.filter((t) => t.kind === 'conformance')],
    ['scenario runs', traces.filter((t) => t.kind === 'scenario')],
  ];
  const out: string[] = [];
  for (const [name, list] of groups) {
    if (!list.length) continue;
    out.push(text('div', { class: 'group' }, name));
    for (const t of list) {
      const v = t.trace.violation;
      out.push(
        el(
          'a',
          {
            href: `#trace-${t.id}`,
            'data-trace': t.id,
            class:
              [t.expectationMet === false ? 'unexp' : v ? (t.expectationMet ? 'exp' : 'bad') : '', t.id === featured ? 'active' : '']
                .filter(Boolean)
                .join(' ') || undefined,
            title: `${v ? `${v.code} ${verdictText(v)} at step ${v.step}` : 'ok'}${t.expectationMet === false ? ' — UNEXPECTED' : t.expectationMet && v ? ' — expected' : ''}`,
          },
          t.expectationMet === false ? '✗ ' : '',
          esc(t.title),
          v ? esc(` — ${verdictText(v)}`) : '',
        ),
      );
    }
  }
  return el('div', { class: 'picker', role: 'navigation', 'aria-label': 'traces' }, ...out);
}

/**
 * A snapshot as the records that differ from the previous one: `{cpus: {index: record}, ...}`.
 * Most steps change one or two records, so this keeps the embedded data small; the script
 * rebuilds the full snapshots.
 */
function delta(prev: MachineSnapshot, cur: MachineSnapshot): Record<string, Record<number, unknown>> {
  const out: Record<string, Record<number, unknown>> = {};
  for (const key of Object.keys(cur) as (keyof MachineSnapshot)[]) {
    const a = prev[key] as unknown[] | undefined;
    const b = cur[key] as unknown[];
    if (!Array.isArray(b)) continue;
    b.forEach((rec, i) => {
      if (JSON.stringify(rec) !== JSON.stringify(a?.[i])) (out[key] ??= {})[i] = rec;
    });
  }
  return out;
}

/** The client-side data of one trace: the boot snapshot, per-step deltas and the step labels. */
function clientTrace(rt: ReportTrace): unknown {
  const t = rt.trace;
  const v = t.violation;
  const states = [t.initial, ...t.steps.map((s) => s.state)];
  return {
    labels: t.steps.map((s) => `${s.label}`),
    calls: t.steps.map((s) => renderCalls(s.calls)),
    did: t.steps.map((s) => s.effects.map((e) => renderEffect(e) ?? e.kind).join(' · ')),
    initial: t.initial,
    deltas: t.steps.map((s, i) => delta(states[i]!, s.state)),
    ...(v
      ? { violation: { step: v.step, text: `${v.code} ${v.invariant}${v.kind ? `/${v.kind}` : ''} in ${v.where}: ${v.message}` } }
      : {}),
  };
}

/** Traces rendered into the page as HTML; the others are inflated on demand (lazyTraceArticle). */
const EAGER_TRACES = 1;

/** The Content-Security-Policy's allowance for the one inline script: its SHA-256. */
export function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

export function renderReport(data: ReportData): string {
  const traces = data.traces ?? [];
  const featured = data.featured ?? traces.find((t) => t.trace.violation)?.id ?? traces[0]?.id;
  const ordered = featured ? [...traces.filter((t) => t.id === featured), ...traces.filter((t) => t.id !== featured)] : traces;
  const sections: string[] = [];
  const toc: [string, string][] = [];

  if (data.runs?.length || data.checks?.length) {
    toc.push(['verdicts', 'Verdicts']);
    sections.push(
      el(
        'section',
        { id: 'verdicts' },
        text('h2', {}, 'Verdicts'),
        data.runs?.length
          ? el(
              'div',
              {},
              text('h3', {}, 'Scenarios: every variant on every scenario'),
              text(
                'p',
                { class: 'muted small' },
                "Verdict and the step it was found at; ✓ = the scenario's stated expectation met (a grey striped violation is one the scenario expects of a buggy variant); white on red ✗ UNEXPECTED = not met. Hover a cell for its loads and saves; click it for its timeline.",
              ),
              runsMatrix(data.runs),
            )
          : '',
        ...(data.checks ?? []).map(checksSection),
      ),
    );
  }
  if (data.cost?.length) {
    toc.push(['cost', 'Cost']);
    sections.push(el('section', { id: 'cost' }, text('h2', {}, 'Cost'), ...data.cost.map(costSection)));
  }
  const articles: string[] = [];
  const eager: Record<string, unknown> = {};
  const lazy: Record<string, string> = {};
  ordered.forEach((t, i) => {
    if (i < EAGER_TRACES) {
      articles.push(traceArticle(data, t));
      eager[t.id] = clientTrace(t);
    } else {
      const { article, payload } = lazyTraceArticle(data, t);
      articles.push(article);
      lazy[t.id] = payload;
    }
  });
  if (traces.length) {
    toc.push(['traces', `Traces (${traces.length})`]);
    sections.push(
      el('section', { id: 'traces' }, text('h2', {}, 'Traces'), traces.length > 1 ? tracePicker(ordered, featured) : '', ...articles),
    );
  }
  if (data.variants?.length) {
    toc.push(['variants', 'Variants']);
    sections.push(
      el(
        'section',
        { id: 'variants' },
        text('h2', {}, 'Variants'),
        el(
          'table',
          {},
          el('thead', {}, el('tr', {}, ...['variant', 'kernel', 'what it is'].map((h) => text('th', {}, h)))),
          el(
            'tbody',
            {},
            ...data.variants.map((v) => el('tr', {}, text('th', {}, v.name), text('td', {}, v.kernel), text('td', {}, v.summary))),
          ),
        ),
      ),
    );
  }
  const inv = data.invariants ?? INVARIANTS;
  toc.push(['invariants', 'Invariants']);
  sections.push(
    el(
      'section',
      { id: 'invariants' },
      text('h2', {}, 'Invariants'),
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['code', 'invariant', 'what it means'].map((h) => text('th', {}, h)))),
        el(
          'tbody',
          {},
          ...inv.map((i) =>
            el(
              'tr',
              {},
              text('td', { class: 'mono' }, i.code),
              el('td', {}, el('b', {}, esc(i.id)), leaf('br', {}, false), el('span', { class: 'muted small' }, esc(i.title))),
              text('td', {}, i.doc),
            ),
          ),
        ),
      ),
    ),
  );

  const head = el(
    'header',
    { class: 'top' },
    text('h1', {}, data.title),
    ...(data.commands ?? []).map((c) => el('div', { class: 'cmd muted small' }, esc('$ '), text('code', {}, c))),
    ...(data.summary ?? []).map((s) => text('p', { class: 'small' }, s)),
    el('nav', { class: 'toc' }, ...toc.map(([id, label]) => el('a', { href: `#${id}` }, esc(label)))),
  );

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network, whatever the content: the page may load nothing but itself.
    // The one script runs by its hash: injected markup could not run a script of its own.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src ${scriptHash(REPORT_SCRIPT)}; img-src data:">`,
    `<meta name="generator" content="fpctx ${TOOL_VERSION}">`,
    text('title', {}, data.title),
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    MARKER_DEFS,
    el(
      'main',
      {},
      head,
      ...sections,
      el(
        'footer',
        { class: 'muted small' },
        esc(
          `fpctx ${TOOL_VERSION} · one self-contained file: no network, no external assets · print with the browser's print command (the selected trace prints)`,
        ),
      ),
    ),
    `<script type="application/json" id="fpctx-data">${scriptJson({ featured: data.featured ?? null, traces: eager })}</script>`,
    `<script type="application/json" id="fpctx-lazy">${scriptJson(lazy)}</script>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
