/**
 * `fpctx commits`: the modelled history (src/history/commits.ts), oldest first, with the
 * functions each commit introduces or changes and the built-in variants that have it.
 */

import { COMMITS, commitJson } from '../../history/commits.js';
import { functionsOf } from '../../history/resolve.js';
import { wrapText } from '../../trace/text.js';
import { VARIANTS } from '../../variants/index.js';
import type { Io } from '../io.js';

export function commitsList(): object[] {
  return COMMITS.map((c) => ({
    ...commitJson(c),
    ...(c.note ? { note: c.note } : {}),
    ...(c.features ? { features: c.features } : {}),
    functions: functionsOf(c.id),
    variants: VARIANTS.filter((v) => v.commits.includes(c.id)).map((v) => v.name),
  }));
}

export function runCommits(f: { json?: boolean }, io: Io): number {
  const list = commitsList() as {
    id: string;
    title: string;
    release: string;
    kind: string;
    fixes?: string;
    also?: string[];
    functions: { fn: string; subsystem: string }[];
  }[];
  if (f.json) {
    io.out(JSON.stringify(list, null, 2));
    return 0;
  }
  for (const c of list) {
    const kind = c.kind === 'commit' ? '' : ` [${c.kind}]`;
    const head = wrapText(`${c.id.padEnd(13)}${c.release.padEnd(12)} `, `${c.title}${kind}`, io.columns);
    head[0] = `${io.style.bold(c.id.padEnd(13))}${head[0]!.slice(13)}`;
    for (const l of head) io.out(l);
    const pad = ''.padEnd(26);
    if (c.also) for (const l of wrapText(pad, `with ${c.also.join(' ')}`, io.columns)) io.out(l);
    if (c.fixes) io.out(`${pad}Fixes: ${c.fixes}`);
    const bySub = new Map<string, string[]>();
    for (const { fn, subsystem } of c.functions) bySub.set(subsystem, [...(bySub.get(subsystem) ?? []), `${fn}()`]);
    for (const [sub, fns] of bySub) for (const l of wrapText(pad, `${sub}: ${fns.join(' ')}`, io.columns)) io.out(l);
  }
  return 0;
}
