/**
 * The cost model's speed and memory, measured on the compiled build (dist/, rebuilt here): that is
 * what `fpctx cost` and `fpctx replay` run, and tsx's on-the-fly module wrapping would otherwise
 * slow the hot path down.
 *
 *  - cost-events/s: events per second one variant's driver executes (kernel paths + counting),
 *    after a warm-up, on 2M-event streams of kvm-host and desktop (target: >= 2,000,000);
 *  - cost-stream/s, cost-oracle/s: the generator (with the normalizer) and the oracle alone;
 *  - cost-run: wall-clock of a whole `fpctx cost <profile> --variant all` at 1M events;
 *  - replay-*: a synthetic trace of FPCTX_BENCH_TRACE_MB (default 1024) MiB written to a temp
 *    directory, replayed in a child process (rfc-2017), then deleted; the same for a trace 1/16 the
 *    size, to show that peak memory does not grow with the file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchCase, BenchResult } from '../main.js';
import { writeSyntheticTrace } from '../synth-trace.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = (p: string) => pathToFileURL(join(root, 'dist', p)).href;

async function compiled() {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const api = (await import(dist('cost/api.js'))) as typeof import('../../src/cost/api.js');
  const gen = (await import(dist('cost/generator.js'))) as typeof import('../../src/cost/generator.js');
  const prof = (await import(dist('cost/profile.js'))) as typeof import('../../src/cost/profile.js');
  const oracle = (await import(dist('cost/oracle.js'))) as typeof import('../../src/cost/oracle.js');
  const variants = (await import(dist('variants/index.js'))) as typeof import('../../src/variants/index.js');
  return { api, gen, prof, oracle, variants };
}

function replayInChild(file: string): { seconds: number; lines: number; events: number; maxRssMiB: number; bytes: number } {
  const script = `
    import { replayTrace } from ${JSON.stringify(dist('cost/api.js'))};
    import { findVariant } from ${JSON.stringify(dist('variants/index.js'))};
    import { parseUseFlag } from ${JSON.stringify(dist('cost/replay/replay.js'))};
    import { statSync } from 'node:fs';
    const t0 = performance.now();
    const doc = replayTrace(${JSON.stringify(file)}, [findVariant('rfc-2017')], { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 });
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(JSON.stringify({ seconds, lines: doc.source.lines, events: doc.events, maxRssMiB: process.resourceUsage().maxRSS / 1024, bytes: statSync(${JSON.stringify(file)}).size }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`replay child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export const cases: BenchCase[] = [
  {
    name: 'cost-events',
    async run() {
      const { api, variants } = await compiled();
      const out: BenchResult[] = [];
      for (const profile of ['kvm-host', 'desktop']) {
        for (const v of variants.VARIANTS) {
          api.costWorkload(profile, [v], { events: 1_000_000 }); // warm-up (JIT: fork, exit and trap paths too)
          const doc = api.costWorkload(profile, [v], { events: 2_000_000 });
          const row = doc.rows[0]!;
          out.push({
            bench: 'cost-events/s',
            value: row.timing.eventsPerSecond,
            unit: 'events/s',
            variant: v.name,
            profile,
            events: doc.events,
            build: 'dist',
          });
        }
      }
      return out;
    },
  },
  {
    name: 'cost-stream',
    async run() {
      const { gen, prof, oracle } = await compiled();
      const p = prof.loadProfile(prof.resolveProfilePath('kvm-host'));
      const buf = new Int32Array(1 << 16);
      const time = (f: () => number) => {
        const t0 = performance.now();
        const n = f();
        return Math.round(n / ((performance.now() - t0) / 1000));
      };
      const stream = time(() => {
        const g = new gen.WorkloadGenerator(p, { events: 2_000_000 });
        let n = 0;
        for (let k: number; (k = g.fill(buf)) > 0; ) n += k;
        return n;
      });
      const g = new gen.WorkloadGenerator(p, { events: 2_000_000 });
      const o = new oracle.Oracle(g.boot);
      let t = 0;
      let n = 0;
      for (let k: number; (k = g.fill(buf)) > 0; n += k) {
        const t0 = performance.now();
        o.feed(buf, k);
        t += performance.now() - t0;
      }
      return [
        { bench: 'cost-stream/s', value: stream, unit: 'events/s', profile: 'kvm-host', build: 'dist' },
        { bench: 'cost-oracle/s', value: Math.round(n / (t / 1000)), unit: 'events/s', profile: 'kvm-host', build: 'dist' },
      ];
    },
  },
  {
    name: 'cost-run',
    async run() {
      const { api, variants } = await compiled();
      const out: BenchResult[] = [];
      for (const profile of ['desktop', 'kvm-host', 'hpc-sve', 'android-neon']) {
        const t0 = performance.now();
        const doc = api.costWorkload(profile, variants.VARIANTS, { events: 1_000_000 });
        out.push({
          bench: 'cost-run',
          value: Math.round(performance.now() - t0) / 1000,
          unit: 's',
          profile,
          events: doc.events,
          variants: variants.VARIANTS.length,
          build: 'dist',
        });
      }
      return out;
    },
  },
  {
    name: 'replay',
    async run() {
      await compiled();
      const mib = Number(process.env.FPCTX_BENCH_TRACE_MB ?? 1024);
      const dir = mkdtempSync(join(tmpdir(), 'fpctx-bench-replay-'));
      const out: BenchResult[] = [];
      try {
        for (const size of [Math.max(1, Math.round(mib / 16)), mib]) {
          const file = join(dir, `trace-${size}.txt`);
          const t0 = performance.now();
          const w = writeSyntheticTrace(file, size * 2 ** 20);
          const writeSecs = (performance.now() - t0) / 1000;
          const r = replayInChild(file);
          rmSync(file);
          const extra = {
            traceMiB: Math.round(r.bytes / 2 ** 20),
            lines: w.lines,
            events: r.events,
            writeSeconds: Math.round(writeSecs * 10) / 10,
            variant: 'rfc-2017',
            build: 'dist',
          };
          out.push({
            bench: 'replay-MiB/s',
            value: Math.round((r.bytes / 2 ** 20 / r.seconds) * 10) / 10,
            unit: 'MiB/s',
            seconds: Math.round(r.seconds * 10) / 10,
            ...extra,
          });
          out.push({ bench: 'replay-lines/s', value: Math.round(r.lines / r.seconds), unit: 'lines/s', ...extra });
          out.push({ bench: 'replay-peak-rss', value: Math.round(r.maxRssMiB), unit: 'MiB', ...extra });
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return out;
    },
  },
];
