/**
 * `fpctx bisect --good V1 --bad V2 <check or scenario>`: the first modelled commit at which the
 * verdict changes (src/cli/bisect.ts), with the traces on both sides of it.
 *
 * Exit status: 0 when a commit was named, 2 on bad input (including ends whose verdicts agree).
 */

import { InputError } from '../../errors.js';
import { findCheck } from '../../app/checks.js';
import { loadScenario, resolveScenarioPath, withHardware } from '../../scenario/load.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { type BisectResult, type BisectTarget, type Probe, bisect } from '../../app/bisect.js';
import { commitJson } from '../../history/commits.js';
import type { Io } from '../io.js';
import { hwFlag, resolveVariants } from '../options.js';
import { type Hardware, hwName } from '../../arch/hw.js';
import { checkJson } from './check.js';
import { runJson } from './run.js';

export interface BisectFlags {
  good?: string;
  bad?: string;
  hw?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A standard or named bounded check (src/app/checks.ts), else a scenario name or file. */
function targetOf(arg: string, hw: Hardware | undefined): { target: BisectTarget; label: string } {
  const on = hw ? ` on --hw ${hwName(hw)}` : '';
  const c = findCheck(arg);
  if (c) return { target: { check: c, ...(hw ? { hw } : {}) }, label: `check ${c.name}${on}` };
  return { target: { scenario: withHardware(loadScenario(resolveScenarioPath(arg)), hw) }, label: `scenario ${arg}${on}` };
}

function probeJson(p: Probe): object {
  return {
    variant: p.variant.name,
    commits: p.variant.commits,
    verdict: p.verdict,
    ...(p.check ? { check: checkJson(p.check) } : {}),
    ...(p.run ? { run: runJson(p.run) } : {}),
  };
}

export function bisectJson(label: string, r: BisectResult): object {
  return {
    target: label,
    good: { variant: r.good.variant.name, verdict: r.good.verdict },
    bad: { variant: r.bad.variant.name, verdict: r.bad.verdict },
    walk: r.walk.map((s) => ({ op: s.op, commit: s.commit.id })),
    tested: r.tested,
    first: {
      at: r.first.at,
      op: r.first.step.op,
      commit: commitJson(r.first.step.commit),
      before: probeJson(r.first.before),
      after: probeJson(r.first.after),
    },
  };
}

export async function runBisect(arg: string, f: BisectFlags, io: Io): Promise<number> {
  if (!f.good)
    throw new InputError('missing: the variant (or variant expression) whose verdict is the starting one', undefined, undefined, '--good');
  if (!f.bad) throw new InputError('missing: the variant (or variant expression) whose verdict differs', undefined, undefined, '--bad');
  const [good] = await resolveVariants(f.good, { allowMany: false });
  const [bad] = await resolveVariants(f.bad, { allowMany: false });
  const { target, label } = targetOf(arg, hwFlag(f.hw));
  const quiet = f.json || f.quiet;
  const r = bisect(good!, bad!, target, (msg) => {
    if (!quiet) io.progress(`bisect ${label}: ${msg}`);
  });
  io.progressDone();
  if (f.json) {
    io.out(JSON.stringify(bisectJson(label, r), null, 2));
    return 0;
  }
  const st = io.style;
  const width = io.columns;
  const c = r.first.step.commit;
  io.out(`bisect ${label}: ${r.good.variant.name} (${r.good.verdict}) → ${r.bad.variant.name} (${r.bad.verdict})`);
  io.out(`${r.walk.length} commits on the way, ${r.tested.length} sets tested: ${r.tested.map((t) => `${t.at}:${t.verdict}`).join('  ')}`);
  const verb = r.first.step.op === '+' ? 'adding' : 'reverting';
  io.out(
    st.bold(
      `the verdict changes from ${r.first.before.verdict} to ${r.first.after.verdict} on ${verb} ${c.id} "${c.title}" (${c.release})`,
    ),
  );
  if (c.fixes) io.out(`  (${c.id} carries Fixes: ${c.fixes})`);
  io.out(`  before: ${r.first.before.variant.name}`);
  io.out(`  after:  ${r.first.after.variant.name}`);
  if (f.quiet) return 0;
  for (const [side, p] of [
    ['before', r.first.before],
    ['after', r.first.after],
  ] as const) {
    const trace = p.check?.trace ?? p.run?.trace;
    io.out('');
    if (!trace) {
      io.out(
        st.bold(
          `${side} (${p.verdict}): ${p.verdict === 'n/a' ? 'the variant lacks a feature the target requires' : 'no counterexample within the bounds'}`,
        ),
      );
      continue;
    }
    io.out(st.bold(`${side} (${p.verdict}), ${trace.steps.length} steps:`));
    for (const l of renderTimeline(trace, { style: st, width })) io.out(l);
    for (const l of renderVerdict(trace, { style: st, width })) io.out(l);
  }
  return 0;
}
