/**
 * The cost model's programmatic API: typed inputs, a CostDoc out, no argv, no printing. The CLI
 * commands (`fpctx cost`, `fpctx replay`), the tests and the benchmarks call these.
 */

import { type Hardware, hwName } from '../arch/hw.js';
import type { Variant } from '../variants/types.js';
import { runCost, type RunOptions } from './engine.js';
import { WorkloadGenerator } from './generator.js';
import { loadProfile, resolveProfilePath, type Profile } from './profile.js';
import { scanTrace, TraceSource, type ReplayOptions } from './replay/replay.js';
import { costDoc, type CostDoc } from './report.js';

export interface CostOptions extends RunOptions {
  /** Overrides the profile's seed. */
  readonly seed?: number;
  /** Overrides the profile's stream length (events). */
  readonly events?: number;
  /** The CPU every variant runs on (default: each variant's own). */
  readonly hw?: Hardware;
}

/** Generates the profile's stream once and runs it through every variant and the oracle. */
export function costWorkload(profile: Profile | string, variants: readonly Variant[], opts: CostOptions = {}): CostDoc {
  const p = typeof profile === 'string' ? loadProfile(resolveProfilePath(profile)) : profile;
  const gen = new WorkloadGenerator(p, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.events !== undefined ? { events: opts.events } : {}),
    ...(opts.hw ? { hw: opts.hw } : {}),
  });
  const run = runCost(gen, variants, opts);
  const vcpus = p.classes.reduce((n, c) => n + (c.vcpu ? c.count : 0), 0);
  return costDoc(
    run,
    {
      kind: 'workload',
      name: p.name,
      file: p.file,
      seed: opts.seed ?? p.seed,
      cpus: p.cpus,
      tasks: p.classes.reduce((n, c) => n + c.count, 0) - vcpus,
      vcpus,
      sveVlBits: p.sveVlBits,
      ...(opts.hw ? { hw: hwName(opts.hw) } : {}),
    },
    gen.unsupported,
  );
}

export interface ReplayCostOptions extends RunOptions, ReplayOptions {
  /** What messages and the document call the file (default: its path); `<stdin>` for standard input. */
  readonly name?: string;
}

/** Replays a trace file (two passes, bounded memory) through every variant and the oracle. */
export function replayTrace(file: string, variants: readonly Variant[], opts: ReplayCostOptions): CostDoc {
  const scan = scanTrace(file, opts.onRead && ((bytes, total) => opts.onRead!(1, bytes, total)), opts.name ?? file);
  const src = new TraceSource(scan, opts);
  const run = runCost(src, variants, opts);
  const vcpus = src.boot.tasks.filter((t) => t.vcpu).length;
  const tasks = scan.incarnations.filter((i) => i.user && !i.vcpu).length;
  return costDoc(
    run,
    {
      kind: 'trace',
      file: scan.name,
      format: scan.format,
      lines: scan.lines,
      seed: opts.seed,
      fpUse: opts.fpUse.text,
      sveUse: opts.sveUse.text,
      cpus: scan.cpuIds.length,
      tasks,
      vcpus,
      kernelThreads: scan.kernelThreads,
      sveVlBits: opts.sveVlBits,
      traceEvents: scan.traceEvents,
      unknownEvents: scan.unknownEvents,
      otherLines: scan.otherLines,
      lostEvents: scan.lostEvents,
      unmapped: src.unmapped,
      userSlices: src.userSlices,
      fpSlices: src.fpSlices,
      inferred: src.inferred,
    },
    src.unsupported,
  );
}
