/**
 * `fpctx hunt`: every violation class a schedule of bounded checks and swarm simulation finds on
 * one variant (src/app/hunt.ts). Exit status: 0 nothing found, 1 violations, 2 bad input, 3 the
 * time cap cut the schedule and nothing was found.
 */

import { Command } from 'commander';
import { HUNT_BUDGET, type HuntOptions, type HuntResult, huntVariant } from '../../app/hunt.js';
import { EVENT_FAMILIES } from '../../kernel/events.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import type { Io } from '../io.js';
import type { CommandFactory } from '../main.js';
import { HW_HELP, VL_HELP, hwFlag, vlFlag, intFlag, resolveVariants, seedFlag, timeFlag } from '../options.js';
import { hardwareConfigs } from '../../app/hardware.js';
import { vectorLengthsName } from '../../arch/sizes.js';
import { count, eventsFlag, violationLine } from './check.js';
import { redisUrl } from '../../cluster/url.js';

export interface HuntFlags {
  variant?: string;
  budget?: string;
  time?: string;
  seed?: string;
  events?: string;
  hw?: string;
  vl?: string;
  redis?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The document of a hunt: findings with their traces' steps, no rendering state. */
export function huntJson(r: HuntResult): object {
  return {
    ...r,
    findings: r.findings.map(({ trace, actions: _actions, ...f }) => ({ ...f, initial: trace.initial })),
  };
}

export async function runHunt(f: HuntFlags, io: Io): Promise<number> {
  const [variant] = await resolveVariants(f.variant, { fallback: 'mainline', allowMany: false });
  const budget = intFlag('--budget', f.budget, 1000, 1_000_000_000_000, HUNT_BUDGET);
  // The cap is only a safety net: the default budget takes about a minute of one core.
  const timeSeconds = timeFlag(f.time) ?? 300;
  const seed = seedFlag(f.seed, 0);
  const sel = f.events !== undefined ? eventsFlag(f.events, EVENT_FAMILIES) : undefined;
  const quiet = f.json || f.quiet;
  const hardware = f.hw === 'all' ? hardwareConfigs(variant!) : f.hw !== undefined ? [hwFlag(f.hw)!] : undefined;
  const redis = f.redis !== undefined ? redisUrl(f.redis) : undefined;
  const vl = f.vl !== undefined ? vectorLengthsName(vlFlag(f.vl)!) : undefined;
  const hopts: HuntOptions = {
    ...(hardware ? { hardware } : {}),
    ...(vl !== undefined ? { vl } : {}),
    budget,
    seed,
    timeSeconds,
    ...(sel ? { families: sel.events, ...(sel.without ? { without: sel.without } : {}) } : {}),
    onProgress: (p) => {
      if (!quiet)
        io.progress(
          `${variant!.name}: job ${p.job + 1}/${p.jobs} ${p.what}  ${count(p.spent)}/${count(p.budget)}  ${p.findings} found  ${p.seconds.toFixed(0)}s`,
        );
    },
  };
  // Loaded only for --redis: the Redis client is needed by those runs alone.
  const r = redis
    ? await (await import('../../app/hunt-redis.js')).huntVariantRedis(variant!, { ...hopts, redis })
    : await huntVariant(variant!, hopts);
  io.progressDone();
  const status = r.findings.length > 0 ? 1 : r.cut ? 3 : 0;
  if (f.json) {
    io.out(JSON.stringify(huntJson(r), null, 2));
    return status;
  }
  const st = io.style;
  if (!f.quiet)
    io.out(
      `hunt ${r.variant}  (families ${r.families.join(',')}${r.without.length ? ` without ${r.without.join(',')}` : ''}${r.hardware.length > 1 || r.hardware[0] !== 'default' ? `; on ${r.hardware.join(', ')}` : ''}; budget ${count(r.budget)}, seed ${r.seed})`,
    );
  io.out(
    `${r.jobs.length}/${r.scheduled} jobs, ${count(r.spent)} states and steps, ${r.seconds.toFixed(1)}s${r.cut ? st.warn(' (cut by --time: the result depends on this machine)') : ''}`,
  );
  if (r.findings.length === 0) {
    io.out(r.cut ? st.warn('incomplete: nothing found before the time cap') : st.good('ok: nothing found within the budget'));
    return status;
  }
  io.out(st.bad(`${r.findings.length} violation class${r.findings.length > 1 ? 'es' : ''}, shortest first:`));
  r.findings.forEach((x, i) => {
    io.out(violationLine(i, { ...x.violation, fixedBy: [...x.fixedBy] }));
    io.out(st.dim(`    ${x.command}`));
  });
  if (!f.quiet)
    r.findings.forEach((x, i) => {
      io.out('');
      io.out(st.bold(`${i + 1}. ${x.class} (${x.trace.steps.length} steps):`));
      for (const l of renderTimeline(x.trace, { style: st, width: io.columns })) io.out(l);
      io.out('');
      for (const l of renderVerdict(x.trace, { style: st, width: io.columns })) io.out(l);
    });
  return status;
}

export const huntCommand: CommandFactory = (io, done) =>
  new Command('hunt')
    .description('find every violation class on a variant: bounded checks over event families and machine shapes, then swarm simulation')
    .option('--variant <name>', 'variant to hunt on', 'mainline')
    .option('--budget <n>', `states (checks) plus steps (simulation) to spend (default ${HUNT_BUDGET}); the same budget, the same result`)
    .option('--time <duration>', 'wall-clock cap (default 5m); a hunt it cuts says so, and its result depends on the machine')
    .option('--seed <n>', 'seed of the simulation jobs (default 0)')
    .option('--events <list>', "families and events to hunt over, '-name' to leave one out (default: every family the variant has)")
    .option('--hw <list>', `${HW_HELP}; 'all': every configuration the variant distinguishes, one after the other, in the same budget`)
    .option(
      '--vl <list>',
      `${VL_HELP}; every job (default: the defaults, but efi's jobs at sve=256,sme=512 where the kernel and CPU have SME)`,
    )
    .option('--redis <url>', 'run the jobs on `fpctx worker` processes through this Redis (the same result), e.g. redis://127.0.0.1:6379')
    .option('--json', 'print one JSON document')
    .option('--quiet', 'the list of findings only')
    .action(async (opts) => done(await runHunt(opts, io)));
