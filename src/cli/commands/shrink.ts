/**
 * `fpctx shrink <trace.json>`: reduce a failing trace to a minimal one (src/app/shrink.ts says
 * which documents it reads), print it, and optionally write it as a scenario file.
 */

import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { readTraceInput, scenarioYaml, shrinkRun, traceOf } from '../../app/shrink.js';
import { InputError } from '../../errors.js';
import { readInput } from '../../input/read.js';
import { slotOrder } from '../../kernel/boot.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import type { Io } from '../io.js';
import type { CommandFactory } from '../main.js';
import { resolveVariants } from '../options.js';

export interface ShrinkFlags {
  variant?: string;
  scenario?: string;
  json?: boolean;
  quiet?: boolean;
}

export async function runShrink(file: string, f: ShrinkFlags, io: Io): Promise<number> {
  // --variant goes through the shared resolver, so a plug-in module can replay the trace too.
  const override = f.variant === undefined ? undefined : (await resolveVariants(f.variant, { allowMany: false }))[0]!;
  const text = readInput(file);
  const input = readTraceInput(text, file, override);
  const sh = shrinkRun(input.variant, input.boot, input.actions, input.violation);
  const trace = traceOf(input.variant, sh.spec, sh.actions);
  if (f.scenario) {
    const y = scenarioYaml(basename(f.scenario).replace(/\.ya?ml$/, ''), basename(file), trace, sh.spec, input.actions.length);
    if ('error' in y) throw new InputError(`cannot write the scenario: ${y.error}`, undefined, undefined, '--scenario');
    try {
      writeFileSync(f.scenario, y.yaml);
    } catch (e) {
      throw new InputError(`cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, f.scenario, undefined, undefined, 'FPC402');
    }
  }
  if (f.json) {
    io.out(
      JSON.stringify(
        {
          variant: input.variant.name,
          verdict: 'violation',
          states: trace.steps.length + 1,
          transitions: trace.steps.length,
          tests: sh.tests,
          removed: sh.removed,
          violation: { ...trace.violation, trace: trace.steps, originalLength: input.actions.length, boot: sh.spec },
          counters: trace.counters,
        },
        null,
        2,
      ),
    );
    return 1;
  }
  const st = io.style;
  if (!f.quiet) {
    const m = sh.spec;
    io.out(
      st.bold(
        `shrunk ${input.actions.length} → ${sh.actions.length} steps in ${sh.tests} replays, on ${m.cpus} CPU${m.cpus > 1 ? 's' : ''}, tasks ${slotOrder(
          m,
        )
          .map((t) => t.name)
          .join(' ')}${m.spareSlots ? ` + ${m.spareSlots} spare` : ''}${sh.removed.length ? ` (removed ${sh.removed.join(', ')})` : ''}`,
      ),
    );
    io.out('');
    for (const l of renderTimeline(trace, { style: st, width: io.columns })) io.out(l);
    io.out('');
  }
  for (const l of renderVerdict(trace, { style: st, width: io.columns })) io.out(l);
  if (f.scenario && !f.quiet) io.out(st.dim(`scenario written to ${f.scenario}`));
  return 1;
}

export const shrinkCommand: CommandFactory = (io, done) =>
  new Command('shrink')
    .description('shrink a failing trace (the JSON of run, check or simulate) to a minimal one; optionally write it as a scenario')
    .argument('<trace.json>', 'a document printed by run --json, check --json, simulate --json or shrink --json')
    .option('--variant <name>', "variant to replay on: a name or a plug-in module (default: the document's)")
    .option('--scenario <file.yaml>', 'also write the shrunk trace as a scenario file that `fpctx run` accepts')
    .option('--json', 'print one JSON document')
    .option('--quiet', 'only the verdict')
    .action(async (file: string, opts) => done(await runShrink(file, opts, io)));
