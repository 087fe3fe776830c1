/**
 * Complete verdicts (issue 15 part 1): the seed configuration (1 CPU, 2 user tasks, 1 vcpu
 * thread, core+fork+kvm) explored with no depth bound until nothing new is reachable, for the
 * variants the issue names, with the dead-data abstraction (src/kernel/dead.ts). Each row: the
 * verdict, whether the space was exhausted, states, CPU seconds (this process, all threads) and
 * wall seconds, peak store bytes, and the load average at its start (the machine is shared).
 * `npm run bench complete` runs only this case, `por-seed` the same with partial-order
 * reduction; each takes minutes.
 */
import { loadavg } from 'node:os';
import type { BenchCase, BenchResult } from '../main.js';
import { checkVariant, type CheckBounds } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';

const SEED: CheckBounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 1000, events: ['core', 'fork', 'kvm'] };

function rows(por: boolean): BenchResult[] {
  const out: BenchResult[] = [];
  for (const name of ['rfc-2017', 'v4.15', 'v4.18', 'v6.12', 'mainline']) {
    const load = Number(loadavg()[0]!.toFixed(2));
    const u0 = process.cpuUsage();
    const r = checkVariant(findVariant(name)!, SEED, { timeSeconds: 1800, ...(por ? { por: true } : {}) });
    const u = process.cpuUsage(u0);
    out.push({
      bench: `complete-verdict/${name}/1c2t1v/core,fork,kvm${por ? '/por' : ''}`,
      value: +((u.user + u.system) / 1e6).toFixed(1),
      unit: 'cpu-s',
      verdict: r.verdict,
      exhausted: r.exhausted,
      states: r.states,
      transitions: r.transitions,
      depth: r.depth,
      seconds: +r.seconds.toFixed(1),
      peakBytes: r.peakBytes,
      ...(r.violation ? { violation: `${r.violation.invariant}/${r.violation.kind ?? ''}@${r.violation.step}` } : {}),
      ...(por ? { reduced: r.reduced ?? 0 } : {}),
      load,
    });
  }
  return out;
}

export const cases: BenchCase[] = [
  { name: 'complete', slow: true, run: () => rows(false) },
  // The same with partial-order reduction (check --por): `npm run bench por-seed`.
  { name: 'por-seed', slow: true, run: () => rows(true) },
];
