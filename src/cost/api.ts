/**
 * The cost model's programmatic API: typed inputs, a CostDoc out, no argv, no printing. The CLI
 * commands (`fpctx cost`, `fpctx replay`), the tests and the benchmarks call these.
 */

import type { Variant } from '../variants/types.js';
import { runCost, type RunOptions } from './engine.js';
import { WorkloadGenerator } from './generator.js';
import { loadProfile, resolveProfilePath, type Profile } from './profile.js';
import { costDoc, type CostDoc } from './report.js';

export interface CostOptions extends RunOptions {
  /** Overrides the profile's seed. */
  readonly seed?: number;
  /** Overrides the profile's stream length (events). */
  readonly events?: number;
}

/** Generates the profile's stream once and runs it through every variant and the oracle. */
export function costWorkload(profile: Profile | string, variants: readonly Variant[], opts: CostOptions = {}): CostDoc {
  const p = typeof profile === 'string' ? loadProfile(resolveProfilePath(profile)) : profile;
  const gen = new WorkloadGenerator(p, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.events !== undefined ? { events: opts.events } : {}),
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
    },
    gen.unsupported,
  );
}
