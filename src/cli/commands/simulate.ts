/**
 * `fpctx simulate`: seeded random (swarm) runs on machines too big to exhaust; a failing run is
 * shrunk and printed as a timeline. Exit status: 0 no violation, 1 violation, 2 bad input,
 * 3 the time limit stopped it before all runs were done.
 */

import { InputError } from '../../errors.js';
import { MAX_CPUS, MAX_SLOTS, MAX_VCPUS } from '../../kernel/layout.js';
import { renderTimeline, renderVerdict } from '../../trace/text.js';
import { simulateVariant, type SimulateBounds, type SimulateResult } from '../../app/simulate.js';
import type { Io } from '../io.js';
import { HW_HELP, VL_HELP, hwFlag, vlFlag, intFlag, resolveVariants, seedFlag, timeFlag } from '../options.js';
import { hwName } from '../../arch/hw.js';
import { vectorLengthsName } from '../../arch/sizes.js';
import { count, eventsFlag, violationLine } from './check.js';
import { EVENT_FAMILIES } from '../../kernel/events.js';
import { formatBytes } from '../../check/memory.js';
import { Command } from 'commander';
import type { CommandFactory } from '../main.js';
import { redisUrl } from '../../cluster/url.js';

export interface SimulateFlags {
  variant?: string;
  cpus?: string;
  tasks?: string;
  vcpus?: string;
  spare?: string;
  hw?: string;
  vl?: string;
  seed?: string;
  runs?: string;
  steps?: string;
  workers?: string;
  redis?: string;
  time?: string;
  swarm?: boolean;
  shrink?: boolean;
  events?: string;
  continue?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Defaults: bigger than the exhaustive default, with a spare slot so fork can reuse memory. */
export const SIMULATE_DEFAULTS = { cpus: 4, tasks: 3, vcpus: 2, spare: 1, seed: 0, runs: 1000, steps: 200 };

export function parseSimulateBounds(f: SimulateFlags): SimulateBounds {
  const b: SimulateBounds = {
    cpus: intFlag('--cpus', f.cpus, 1, MAX_CPUS, SIMULATE_DEFAULTS.cpus),
    tasks: intFlag('--tasks', f.tasks, 0, MAX_SLOTS, SIMULATE_DEFAULTS.tasks),
    vcpus: intFlag('--vcpus', f.vcpus, 0, MAX_VCPUS, SIMULATE_DEFAULTS.vcpus),
    spare: intFlag('--spare', f.spare, 0, MAX_SLOTS, SIMULATE_DEFAULTS.spare),
    ...(f.events !== undefined ? eventsFlag(f.events, EVENT_FAMILIES) : {}),
    ...(f.hw !== undefined ? { hw: hwName(hwFlag(f.hw)!) } : {}),
    ...(f.vl !== undefined ? { vl: vectorLengthsName(vlFlag(f.vl)!) } : {}),
  };
  if (b.tasks + b.vcpus + b.spare < 1) throw new InputError('the machine needs at least one task slot', undefined, undefined, '--tasks');
  if (b.tasks + b.vcpus + b.spare > MAX_SLOTS)
    throw new InputError(`tasks + vcpus + spare must be at most ${MAX_SLOTS}`, undefined, undefined, '--tasks');
  return b;
}

export function simulateJson(r: SimulateResult): object {
  const { trace: _trace, traces: _traces, paths: _paths, ...doc } = r;
  return doc;
}

export async function runSimulate(f: SimulateFlags, io: Io): Promise<number> {
  const [variant] = await resolveVariants(f.variant, { fallback: 'rfc-2017', allowMany: false });
  const bounds = parseSimulateBounds(f);
  const seed = seedFlag(f.seed, SIMULATE_DEFAULTS.seed);
  const runs = intFlag('--runs', f.runs, 1, 100_000_000, SIMULATE_DEFAULTS.runs);
  const steps = intFlag('--steps', f.steps, 1, 10_000_000, SIMULATE_DEFAULTS.steps);
  const workers = intFlag('--workers', f.workers, 1, 64, 1);
  const timeSeconds = timeFlag(f.time);
  if (f.continue && f.redis !== undefined)
    throw new InputError('--continue needs one process (threads with --workers), not --redis', undefined, undefined, '--continue');
  const quiet = f.json || f.quiet;
  const r = await simulateVariant(variant!, bounds, {
    seed,
    runs,
    steps,
    swarm: f.swarm !== false,
    workers,
    ...(f.redis !== undefined ? { redis: redisUrl(f.redis) } : {}),
    ...(timeSeconds !== undefined ? { timeSeconds } : {}),
    shrink: f.shrink !== false,
    ...(f.continue ? { continue: true } : {}),
    onProgress: (p) => {
      if (!quiet && p.seconds >= 1)
        io.progress(
          `${variant!.name}: ${count(p.steps)} steps  ${count(Math.round(p.steps / p.seconds))} steps/s  ${p.seconds.toFixed(0)}s`,
        );
    },
  });
  io.progressDone();
  const status = r.verdict === 'violation' ? 1 : r.verdict === 'incomplete' ? 3 : 0;
  if (f.json) {
    io.out(JSON.stringify(simulateJson(r), null, 2));
    return status;
  }
  const st = io.style;
  const b = r.bounds;
  if (!f.quiet) {
    io.out(
      `simulate ${r.variant}  (cpus=${b.cpus} tasks=${b.tasks} vcpus=${b.vcpus} spare=${b.spare}; seed ${r.seed}, ${runs} runs of up to ${steps} steps${r.swarm ? ', swarm' : ''}${workers > 1 ? `, ${workers} workers` : ''})`,
    );
  }
  io.out(`${r.runs} runs, ${r.steps} steps, ${r.seconds.toFixed(2)}s, ${count(r.stepsPerSecond)} steps/s, ${formatBytes(r.peakBytes)}`);
  const v = r.violation;
  if (r.violations) {
    io.out(st.bad(`${r.violations.length} violation class${r.violations.length > 1 ? 'es' : ''}, by first failing run:`));
    for (const [i, x] of r.violations.entries()) io.out(`${violationLine(i, x)} (run ${x.run}, shrunk from ${x.originalLength})`);
  } else if (v && r.trace) {
    if (!f.quiet) {
      const m = v.boot;
      io.out(
        `run ${v.run} (seed ${v.runSeed}) failed after ${v.originalLength} steps; shrunk to ${v.step} steps on ${m.cpus} CPU${m.cpus > 1 ? 's' : ''}, tasks ${m.tasks.map((t) => t.name).join(' ')}${m.spareSlots ? ` + ${m.spareSlots} spare` : ''}`,
      );
      io.out(
        st.dim(
          `swarm: ${Object.entries(v.swarm)
            .map(([k, w]) => `${k}×${w}`)
            .join(' ')}`,
        ),
      );
      io.out('');
      io.out(st.bold(`shrunk counterexample (${v.step} steps):`));
      for (const l of renderTimeline(r.trace, { style: st, width: io.columns })) io.out(l);
      io.out('');
    }
    for (const l of renderVerdict(r.trace, { style: st, width: io.columns })) io.out(l);
  } else if (r.verdict === 'incomplete') io.out(st.warn(`incomplete: ${r.limit?.message}; no violation in the runs done`));
  else io.out(st.good(`ok: no violation in ${r.runs} runs`));
  return status;
}

export const simulateCommand: CommandFactory = (io, done) =>
  new Command('simulate')
    .description('seeded random (swarm) runs on machines too big to exhaust; a failing run is shrunk to a minimal trace')
    .option('--variant <name>', 'variant to simulate', 'rfc-2017')
    .option('--cpus <n>', 'CPUs (default 4)')
    .option('--tasks <n>', 'user-task slots (default 3)')
    .option('--vcpus <n>', 'vcpus (default 2)')
    .option('--spare <n>', 'extra free slots for fork (default 1)')
    .option('--hw <list>', HW_HELP)
    .option('--vl <list>', VL_HELP)
    .option('--seed <n>', 'seed, decimal or 0x hex (default 0); the same seed gives the same result')
    .option('--runs <n>', 'number of runs (default 1000)')
    .option('--steps <n>', 'most steps per run (default 200)')
    .option('--workers <n>', 'worker threads (default 1; at most the cores)')
    .option('--redis <url>', 'coordinate `fpctx worker` processes through this Redis instead (e.g. redis://127.0.0.1:6379)')
    .option('--time <duration>', 'wall-clock cap, e.g. 60s; exit 3 if runs remain')
    .option('--no-swarm', 'every event kind in every run, equal weights')
    .option('--no-shrink', 'print the failing run as found')
    .option(
      '--events <list>',
      "families and events to draw from, comma-separated, 'all', '-name' to leave one out (default: every family the variant has)",
    )
    .option('--continue', 'run every run: the lowest failing run of every violation class, each shrunk')
    .option('--json', 'print one JSON document')
    .option('--quiet', 'no timeline, no progress')
    .action(async (opts) => done(await runSimulate(opts, io)));
