/**
 * `fpctx matrix`: every variant against every built-in scenario and the standard bounded
 * checks, as one table of verdicts (ok / the violation found / incomplete) with times. Text,
 * `--json` or `--md` (Markdown, for docs/findings.md and reviews).
 *
 * Exit status: 1 if something is *unexpected* (src/app/matrix.ts says what that is), else 0.
 */

import { join } from 'node:path';
import { BOUNDED_CHECKS, STANDARD_MATRIX_CHECKS, type NamedCheck } from '../../app/checks.js';
import { computeMatrix, type MatrixCell, type MatrixResult } from '../../app/matrix.js';
import { InputError } from '../../errors.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../scenario/load.js';
import type { Io } from '../io.js';
import { hwFlag, intFlag, outputFormatFlags, resolveVariants } from '../options.js';

export function shortCell(c: MatrixCell): string {
  if (c.verdict === 'ok') return 'ok';
  if (c.verdict === 'n/a') return 'n/a';
  if (c.verdict === 'incomplete') return 'incompl.';
  const v = c.violation!;
  const what =
    v.invariant === 'integrity'
      ? (v.kind ?? 'integrity')
      : v.invariant === 'guest-integrity'
        ? `g-${v.kind ?? 'int'}`
        : v.invariant === 'kernel-integrity'
          ? `k-${v.kind ?? 'int'}`
          : v.invariant === 'no-uaf'
            ? 'uaf'
            : v.invariant === 'kernel-warn'
              ? 'warn'
              : v.invariant;
  return `${what}@${v.step}`;
}

/**
 * Long verdict for Markdown readers: `integrity/leak @13`. No time: a cell depends only on the
 * inputs (the wall clock once leaked into it as "ok (0.1 s)" on a busy machine); the times are
 * the table's last row.
 */
export function longCell(c: MatrixCell): string {
  if (c.verdict === 'ok') return 'ok';
  if (c.verdict === 'n/a') return `n/a (${c.reason ?? 'not applicable'})`;
  if (c.verdict === 'incomplete') return `incomplete at ${c.states} states`;
  const v = c.violation!;
  return `${v.invariant}${v.kind ? `/${v.kind}` : ''} @${v.step}${c.type === 'check' ? ` in ${v.where}` : ''}`;
}

export function matrixMarkdown(m: MatrixResult): string[] {
  const out: string[] = [];
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  out.push(row(['', ...m.variants.map((v) => `\`${v.name}\``)]));
  out.push(row(['---', ...m.variants.map(() => '---')]));
  // a scenario and a check may share a name (fp-stress, sve-ptrace, vec-syscfg): match the type too
  const cell = (type: MatrixCell['type'], col: string, v: string) =>
    m.cells.find((c) => c.type === type && c.column === col && c.variant === v)!;
  for (const s of m.scenarios) {
    out.push(
      row([
        `scenario \`${s.name}\``,
        ...m.variants.map((v) => {
          const c = cell('scenario', s.name, v.name);
          return `${longCell(c)}${c.expectationMet === false ? ' **(unexpected)**' : ''}`;
        }),
      ]),
    );
  }
  for (const k of m.checks) {
    out.push(
      row([
        `check \`${k.name}\``,
        ...m.variants.map((v) => {
          const c = cell('check', k.name, v.name);
          return `${longCell(c)}${c.unexpected ? ' **(unexpected)**' : ''}`;
        }),
      ]),
    );
  }
  // Wall-clock figures, kept apart from the verdicts (they vary between runs and machines).
  out.push(
    row([
      '*seconds*',
      ...m.variants.map((v) =>
        m.cells
          .filter((c) => c.variant === v.name)
          .reduce((a, c) => a + c.seconds, 0)
          .toFixed(1),
      ),
    ]),
  );
  out.push('');
  out.push(
    `Checks: ${m.checks.map((k) => `\`${k.name}\` = cpus ${k.bounds.cpus}, tasks ${k.bounds.tasks}, vcpus ${k.bounds.vcpus}, spare ${k.bounds.spare}, depth ${k.bounds.depth}${k.bounds.events ? `, events ${k.bounds.events.join('+')}` : ''}`).join('; ')}.`,
  );
  return out;
}

export interface MatrixFlags {
  variant?: string;
  checks?: string;
  maxStates?: string;
  hw?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

function parseChecks(flag: string | undefined): NamedCheck[] {
  if (flag === undefined) return [...STANDARD_MATRIX_CHECKS];
  if (flag === 'none') return [];
  if (flag === 'all') return [...BOUNDED_CHECKS];
  return flag.split(',').map((n) => {
    const c = BOUNDED_CHECKS.find((x) => x.name === n.trim());
    if (!c)
      throw new InputError(
        `unknown check '${n}' (known: ${BOUNDED_CHECKS.map((x) => x.name).join(', ')}, all, none)`,
        undefined,
        undefined,
        '--checks',
      );
    return c;
  });
}

export async function runMatrix(f: MatrixFlags, io: Io): Promise<number> {
  outputFormatFlags(f);
  const variants = await resolveVariants(f.variant, { fallback: 'all' });
  const checks = parseChecks(f.checks);
  const maxStates = f.maxStates === undefined ? 2_000_000 : intFlag('--max-states', f.maxStates, 1, 1_000_000_000, 0);
  const scenarios = builtinScenarioNames().map((n) => loadScenario(join(BUILTIN_DIR, `${n}.yaml`)));
  const quiet = f.json || f.quiet;
  const m = computeMatrix(variants, scenarios, checks, {
    maxStates,
    ...(f.hw === 'all' ? { hw: 'all' as const } : f.hw !== undefined ? { hw: hwFlag(f.hw)! } : {}),
    ...(quiet ? {} : { onProgress: (w: string) => io.progress(`matrix: ${w}…`) }),
  });
  io.progressDone();
  const unexpected = m.cells.filter((c) => c.unexpected);
  if (f.json) {
    io.out(JSON.stringify(m, null, 2));
    return unexpected.length ? 1 : 0;
  }
  if (f.md) {
    for (const l of matrixMarkdown(m)) io.out(l);
    return unexpected.length ? 1 : 0;
  }
  const st = io.style;
  const widths = m.variants.map((v) => {
    const cells = m.cells.filter((c) => c.variant === v.name).map((c) => shortCell(c) + (c.unexpected ? '!' : ''));
    return Math.max(v.name.length, ...cells.map((s) => s.length), 6);
  });
  const names = [...m.scenarios.map((s) => s.name), ...m.checks.map((c) => c.name)];
  const nameW = Math.max(...names.map((n) => n.length + 2), 10);
  // Variants in blocks that fit the terminal (100 columns at most), each a table of its own.
  const width = Math.min(io.columns, 100);
  const blocks: number[][] = [];
  for (let i = 0; i < m.variants.length; i++) {
    const b = blocks.at(-1);
    const used = b ? nameW + b.reduce((a, j) => a + 1 + widths[j]!, 0) : Infinity;
    if (b && used + 1 + widths[i]! <= width) b.push(i);
    else blocks.push([i]);
  }
  if (!f.quiet)
    io.out(st.bold(`fpctx matrix: ${m.variants.length} variants × ${m.scenarios.length} scenarios + ${m.checks.length} bounded checks`));
  blocks.forEach((block, bi) => {
    if (bi > 0) io.out('');
    // Pad every column but the last, so that no line ends in spaces.
    const pad = (text: string, k: number) => (k === block.length - 1 ? text : text.padEnd(widths[block[k]!]!));
    io.out([''.padEnd(nameW), ...block.map((i, k) => pad(m.variants[i]!.name, k))].join(' '));
    const line = (title: string, type: MatrixCell['type'], col: string) => {
      const cells = block.map((i, k) => {
        const c = m.cells.find((x) => x.type === type && x.column === col && x.variant === m.variants[i]!.name)!;
        const text = pad(shortCell(c) + (c.unexpected ? '!' : ''), k);
        return c.verdict === 'ok'
          ? st.good(text)
          : c.verdict === 'n/a'
            ? st.dim(text)
            : c.verdict === 'incomplete'
              ? st.warn(text)
              : st.bad(text);
      });
      io.out([title.padEnd(nameW), ...cells].join(' '));
    };
    if (m.scenarios.length) io.out(st.dim('scenarios'));
    for (const s of m.scenarios) line(`  ${s.name}`, 'scenario', s.name);
    if (m.checks.length) io.out(st.dim('bounded checks'));
    for (const c of m.checks) line(`  ${c.name}`, 'check', c.name);
    const secs = block.map((i) =>
      m.cells
        .filter((c) => c.variant === m.variants[i]!.name)
        .reduce((a, c) => a + c.seconds, 0)
        .toFixed(1)
        .concat('s'),
    );
    io.out(st.dim(['seconds'.padEnd(nameW), ...secs.map((x, k) => pad(x, k))].join(' ')));
  });
  if (!f.quiet) {
    io.out('');
    io.out(st.dim('leak/lost/corrupt: integrity; uaf: no-uaf; warn: kernel-warn; g-: guest; @n: step; !: unexpected'));
    io.out(st.dim('n/a: the variant lacks a kernel feature the scenario or check requires (SME, FPMR)'));
  }
  if (unexpected.length) io.out(st.bad(`unexpected: ${unexpected.map((c) => `${c.variant} on ${c.column}`).join(', ')}`));
  return unexpected.length ? 1 : 0;
}
