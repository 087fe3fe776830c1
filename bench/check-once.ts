/**
 * One check in a fresh process, for the explorer's scaling bench: `check-once.ts WORKERS DEPTH`
 * (rfc-2017, 2 CPUs, 2 tasks, 1 vcpu). A fresh process per worker count, so that neither
 * measurement inherits the other's JIT state. Prints {states, transitions, seconds, cpuSeconds,
 * balance, peakBytes, maxRssBytes} where balance is critical / transitions of the parallel run (parallel.ts onBalance: per
 * level, the busier thread's share).
 */
import { existsSync } from 'node:fs';

const workers = Number(process.argv[2] ?? 1);
const depth = Number(process.argv[3] ?? 15);
const dist = new URL('../dist/', import.meta.url);
const from = (m: string) => (existsSync(new URL('app/check.js', dist)) ? import(new URL(`${m}.js`, dist).href) : import(`../src/${m}.ts`));
const [api, recipes, vs, par, km] = await Promise.all([
  from('app/check'),
  from('app/recipes'),
  from('variants/index'),
  from('check/parallel'),
  from('kernel/model'),
]);
const variant = vs.findVariant('rfc-2017');
const bounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth };
const spec = api.bootSpecOf(bounds);
// The dead-data abstraction, as checkVariant applies it by default, so that both counts compare.
const model = new km.KernelModel(variant.Kernel, spec, { deadData: true });
let balance = 1;
const u0 = process.cpuUsage();
const r =
  workers === 1
    ? api.checkVariant(variant, bounds)
    : await par.exploreParallel(model, recipes.kernelModelRecipe(variant, spec, true), {
        maxDepth: depth,
        workers,
        onBalance: (b: { transitions: number; critical: number }) => {
          balance = b.critical / b.transitions;
        },
      });
const u = process.cpuUsage(u0);
process.stdout.write(
  `${JSON.stringify({ states: r.states, transitions: r.transitions, seconds: r.seconds, cpuSeconds: (u.user + u.system) / 1e6, balance, verdict: r.verdict, peakBytes: r.peakBytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
