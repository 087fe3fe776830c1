/**
 * One simulate run in a fresh process, for the simulator bench: `simulate-once.ts WORKERS`.
 * Each worker count gets its own process so that neither measurement inherits the other's JIT
 * state (a thread that has run eleven variants' kernels is slower on one of them than a fresh
 * one, which made the 1-worker figure look worse than it is). Prints {steps, seconds, cpuSeconds}.
 */
import { existsSync } from 'node:fs';

const workers = Number(process.argv[2] ?? 1);
const dist = new URL('../dist/app/simulate.js', import.meta.url);
const [api, vs] = existsSync(dist)
  ? await Promise.all([import(dist.href), import(new URL('../dist/variants/expression.js', import.meta.url).href)])
  : await Promise.all([import('../src/app/simulate.js'), import('../src/variants/expression.js')]);
// rfc-2017 on the first model's alphabet, where it is correct: over every family it has, v4.x
// bugs outside the seed's protocol (a tracer's NT_ARM_SVE write at another VL overflowing the
// tracee's buffer, e35ac9d0b56e; ptrace with fork) stop a run within a few hundred, and the
// bench would time a run that ends at its first violation.
const variant = vs.variantOfExpression('rfc-2017');
const bounds = { cpus: 4, tasks: 3, vcpus: 2, spare: 1, events: ['core', 'neon', 'fork', 'kvm'] };
const u0 = process.cpuUsage();
const r = await api.simulateVariant(variant, bounds, { seed: 1, runs: 12000, steps: 200, workers });
const u = process.cpuUsage(u0);
process.stdout.write(
  `${JSON.stringify({ steps: r.steps, runs: r.runs, seconds: r.seconds, cpuSeconds: (u.user + u.system) / 1e6, verdict: r.verdict })}\n`,
);
