/**
 * `fpctx conform <trace...> --variant V`: validate a variant against real kernel traces (the
 * lab's, or any ftrace text with the same events). Flags and printing only; the work is
 * src/app/conform.ts and src/conform/.
 */

import { conform } from '../../app/conform.js';
import { variantFlag } from '../../app/variants.js';
import type { ConformDoc, Divergence } from '../../conform/types.js';
import { InputError } from '../../errors.js';
import { renderTimeline } from '../../trace/text.js';
import type { Io } from '../io.js';
import { intFlag, outputFormatFlags } from '../options.js';

export interface ConformFlags {
  variant?: string;
  guestFp?: string;
  maxDivergences?: string;
  minAgreement?: string;
  at?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

export function runConformCommand(files: string[], f: ConformFlags, io: Io): number {
  outputFormatFlags(f);
  if (!f.variant) throw new InputError('missing: name the variant to check (e.g. v6.12.y)', undefined, undefined, '--variant');
  const variants = variantFlag(f.variant, f.variant, false);
  if (variants.length !== 1) throw new InputError('conform checks one variant at a time', undefined, undefined, '--variant');
  const guestFp = f.guestFp ?? 'trace';
  if (guestFp !== 'always' && guestFp !== 'never' && guestFp !== 'trace')
    throw new InputError(`expected trace, always or never, got '${guestFp}'`, undefined, undefined, '--guest-fp');
  const threshold = minAgreement(f.minAgreement);
  const at = f.at === undefined ? undefined : intFlag('--at', f.at, 1, 1e9, 1);
  if (at !== undefined && files.length !== 1)
    throw new InputError('--at names a line of one trace: give one trace', undefined, undefined, '--at');
  const doc = conform({
    files,
    variant: variants[0]!,
    variantArg: f.variant,
    guestFp: guestFp !== 'never',
    ...(guestFp === 'trace' ? { guestFpFromTrace: true } : {}),
    maxDivergences: intFlag('--max-divergences', f.maxDivergences, 0, 1000, 3),
    threshold,
    ...(at !== undefined ? { at } : {}),
  });
  if (f.json) io.out(JSON.stringify(doc, null, 2));
  else if (f.md) for (const l of markdown(doc)) io.out(l);
  else for (const l of text(doc, io, !!f.quiet, at)) io.out(l);
  if (at !== undefined && doc.traces[0]!.divergences.length === 0)
    throw new InputError(`no trace event opens a compared unit at line ${at}`, undefined, undefined, '--at');
  return doc.verdict === 'agree' ? 0 : 1;
}

function minAgreement(v: string | undefined): number {
  if (v === undefined) return 1;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v);
  const n = m ? Number(m[1]) / (v.endsWith('%') ? 100 : 1) : Number.NaN;
  if (!(n >= 0 && n <= 1))
    throw new InputError(`expected a share from 0 to 1 or a percentage, got '${v}'`, undefined, undefined, '--min-agreement');
  return n;
}

const pct = (r: number): string => `${(100 * r).toFixed(2)}%`;
const list = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

/** The table of docs/conformance.md: one row per trace. */
export function markdown(doc: ConformDoc): string[] {
  const out = [
    `| trace | kernel | variant | events | compared | agree | agreement | not expressible | divergences by cause |`,
    `|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const t of doc.traces) {
    const causes = Object.entries(t.causes)
      .map(([c, n]) => `${n}× ${c}`)
      .join('; ');
    out.push(
      `| ${t.workload ?? t.file} | ${t.kernel ?? '?'} | ${t.variant} | ${t.lines} | ${t.replayed} | ${t.agree} | ${pct(t.ratio)} | ${list(t.unexpressed) || '-'} | ${causes || '-'} |`,
    );
  }
  return out;
}

function text(doc: ConformDoc, io: Io, quiet: boolean, at: number | undefined): string[] {
  const st = io.style;
  const out: string[] = [];
  for (const t of doc.traces) {
    out.push(st.bold(`${t.file}${t.kernel ? ` (${t.kernel}${t.workload ? `, ${t.workload}` : ''})` : ''} on ${t.variant}`));
    const verdict = `${t.replayed} events compared, ${t.agree} agree (${pct(t.ratio)}): ${t.verdict === 'agree' ? 'agrees' : 'diverges'}`;
    out.push(`  ${t.verdict === 'agree' ? st.good(verdict) : st.bad(verdict)}`);
    out.push(`  machine: ${t.cpus} CPUs, ${t.tasks} task slots, ${t.vcpus} vcpu threads; ${t.lines} trace lines`);
    if (Object.keys(t.unexpressed).length) out.push(`  not expressible in the model (not compared): ${list(t.unexpressed)}`);
    if (Object.keys(t.context).length) out.push(`  context events (no unit of their own): ${list(t.context)}`);
    if (Object.keys(t.violations).length) out.push(st.bad(`  model violations on the way: ${list(t.violations)}`));
    if (at === undefined) {
      const w = Math.max(8, ...t.functions.map((x) => x.fn.length));
      out.push(`  ${'function'.padEnd(w)}  ${'model'.padStart(6)}  ${'kernel'.padStart(6)}`);
      for (const x of t.functions) {
        const row = `  ${x.fn.padEnd(w)}  ${String(x.model).padStart(6)}  ${String(x.kernel).padStart(6)}`;
        out.push(x.model === x.kernel ? row : st.bad(row));
      }
      if (Object.keys(t.unmodelled).length)
        out.push(`  kernel calls of traced functions ${t.variant} does not model: ${list(t.unmodelled)}`);
      if (Object.keys(t.causes).length) {
        out.push('  divergences by cause:');
        for (const [c, n] of Object.entries(t.causes)) out.push(`    ${String(n).padStart(5)}  ${c}`);
      }
    }
    if (!quiet) for (const d of t.divergences) out.push(...divergence(d, io));
    out.push('');
  }
  if (doc.traces.length > 1) {
    const bad = doc.traces.filter((t) => t.verdict !== 'agree').length;
    out.push(`${doc.traces.length} traces, ${bad} below ${pct(doc.threshold)} agreement`);
  }
  return out;
}

function divergence(d: Divergence, io: Io): string[] {
  const st = io.style;
  const out: string[] = [];
  out.push(st.bold(`  line ${d.line}${d.end !== null ? `-${d.end - 1}` : '-end'}, cpu${d.cpu}: ${d.event}`));
  out.push(`    ${d.agree ? st.good('calls agree') : st.bad(d.cause)}`);
  const kernel = d.kernel.map((k) => `${k.fn} <-${k.caller}`);
  const model = d.model.map((m) => `${'  '.repeat(m.depth)}${m.fn}`);
  const w = Math.max(20, ...kernel.map((k) => k.length));
  out.push(`    ${'kernel (trace)'.padEnd(w)}   model (${d.trace.variant})`);
  for (let i = 0; i < Math.max(kernel.length, model.length); i++) {
    const k = kernel[i] ?? '';
    const m = model[i] ?? '';
    const row = `    ${k.padEnd(w)}   ${m}`;
    out.push(d.kernel[i]?.fn === d.model[i]?.fn ? row : st.bad(row));
  }
  out.push("    the model's steps, from the machine before the event:");
  out.push(...renderTimeline(d.trace, { style: st, width: Math.min(io.columns, 110) }).map((l) => `    ${l}`));
  out.push(st.dim(`    reproduce: ${d.command}`));
  return out;
}
