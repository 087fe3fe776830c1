/**
 * `fpctx variants`, `fpctx scenarios`, `fpctx events`: what is built in.
 */

import { EVENTS, FAMILIES, type EventKind } from '../../kernel/events.js';
import { featureOfFamily } from '../../scenario/features.js';
import { INVARIANTS } from '../../spec/invariants.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../scenario/load.js';
import { RELEASES } from '../../history/releases.js';
import { VARIANTS } from '../../variants/index.js';
import { wrapText } from '../../trace/text.js';
import type { Io } from '../io.js';
import { join } from 'node:path';

export function runVariants(f: { json?: boolean }, io: Io): number {
  if (f.json) {
    io.out(
      JSON.stringify(
        VARIANTS.map((v) => ({
          name: v.name,
          kernel: v.kernel,
          summary: v.summary,
          ...(v.mutation ? { mutation: true } : {}),
          commits: v.commits,
        })),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const v of VARIANTS) {
    const head = wrapText(`${v.name.padEnd(14)} `, `${v.kernel}${v.mutation ? '  [mutation]' : ''}`, io.columns);
    head[0] = `${io.style.bold(v.name.padEnd(14))}${head[0]!.slice(14)}`;
    for (const l of head) io.out(l.endsWith('[mutation]') ? `${l.slice(0, -10)}${io.style.warn('[mutation]')}` : l);
    for (const l of wrapText(`${''.padEnd(14)} `, v.summary, io.columns)) io.out(l);
    const r = RELEASES.find((x) => x.name === v.name);
    const commits = r ? `${r.after ? `${r.after} ` : ''}${r.add.map((c) => `+${c}`).join(' ')}` : v.commits.join(' ');
    for (const l of wrapText(`${''.padEnd(14)} `, `commits: ${commits}`, io.columns)) io.out(io.style.dim(l));
  }
  return 0;
}

export function runScenarios(f: { json?: boolean }, io: Io): number {
  const list = builtinScenarioNames().map((n) => {
    const s = loadScenario(join(BUILTIN_DIR, `${n}.yaml`));
    return {
      name: n,
      description: s.description ?? '',
      steps: s.steps.length,
      ...(s.requires.length ? { requires: [...s.requires] } : {}),
      expect: s.expect,
    };
  });
  if (f.json) {
    io.out(JSON.stringify(list, null, 2));
    return 0;
  }
  for (const s of list) {
    io.out(`${io.style.bold(s.name.padEnd(16))} ${s.steps} steps${s.requires ? `, requires ${s.requires.join(', ')}` : ''}`);
    for (const l of wrapText(`${''.padEnd(16)} `, `${s.description.split('. ')[0]}.`, io.columns)) io.out(l);
  }
  return 0;
}

export function runEvents(f: { json?: boolean }, io: Io): number {
  const flags = (e: EventKind): string[] => [...(e.traps ? ['traps'] : []), ...(e.path ? ['path'] : [])];
  if (f.json) {
    io.out(
      JSON.stringify(
        {
          families: FAMILIES.map((fam) => ({ name: fam.name, doc: fam.doc, requires: featureOfFamily(fam.name) ?? null })),
          events: EVENTS.map((e) => ({
            name: e.name,
            family: e.family,
            params: e.params,
            runs: e.runs,
            requires: featureOfFamily(e.family) ?? null,
            traps: e.traps === true,
            path: e.path === true,
            doc: e.doc,
            needs: e.needs,
          })),
          invariants: INVARIANTS,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(io.style.bold('events'));
  for (const fam of FAMILIES) {
    const req = featureOfFamily(fam.name);
    io.out(`  ${io.style.bold(fam.name)}${req ? ` (requires ${req})` : ''}: ${fam.doc}`);
    for (const e of EVENTS.filter((x) => x.family === fam.name))
      for (const l of wrapText(
        `    ${e.name.padEnd(17)} ${e.params.padEnd(8)} ${e.runs.padEnd(9)} ${flags(e).join(',').padEnd(10)} `,
        e.doc,
        io.columns,
      ))
        io.out(l);
  }
  io.out(io.style.bold('invariants'));
  for (const i of INVARIANTS) for (const l of wrapText(`  ${i.id.padEnd(16)} ${i.code}  `, i.title, io.columns)) io.out(l);
  return 0;
}
