/**
 * The checking engine (issue 3): explorer states/s and bytes per state, time to verdict for the
 * seed bug and for rfc-2017 at a realistic bound, the engine's own loop on a trivial model, and
 * simulator steps/s on 1 and 2 workers. Every row carries the load average at its start: the
 * machine is shared, and a figure measured under load says so.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import type { BenchCase, BenchResult } from '../main.js';
import { explore } from '../../src/check/explore.js';
import type { Model } from '../../src/check/model.js';
import { checkVariant, checkVariantParallel, type CheckBounds } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';

const load = () => Number(loadavg()[0]!.toFixed(2));

/** Runs `f`, returning its result and the CPU seconds this process spent (all threads). */
function cpuTimed<T>(f: () => T): [T, number] {
  const u0 = process.cpuUsage();
  const r = f();
  const u = process.cpuUsage(u0);
  return [r, (u.user + u.system) / 1e6];
}
const rfc = () => findVariant('rfc-2017')!;

function bounds(b: CheckBounds): string {
  return `${b.cpus} CPUs, ${b.tasks} task slots + ${b.vcpus} vcpu thread(s), ${b.spare} spare, depth ${b.depth}`;
}

/**
 * A model that costs next to nothing per step: 16 counters modulo 4, each action bumps one.
 * Its states/s is the ceiling the engine's own loop (fingerprint, visited table, queue, trace
 * links) allows, whatever the model.
 */
function counterModel(): Model {
  const words = 75;
  return {
    words,
    initial: () => new Int32Array(words),
    actions(_s, out) {
      for (let i = 0; i < 16; i++) out.push(i);
    },
    step(s, a, out) {
      out.set(s);
      out[a] = (out[a]! + 1) & 3;
      return null;
    },
    canonicalize() {},
    describe: (a) => `bump ${a}`,
  };
}

export const cases: BenchCase[] = [
  {
    name: 'explore-hot-loop',
    run(): BenchResult[] {
      const out: BenchResult[] = [];
      const b: CheckBounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 12 };
      for (const symmetry of [true, false]) {
        const l = load();
        const [r, cpu] = cpuTimed(() => checkVariant(rfc(), b, { symmetry }));
        const tag = symmetry ? 'symmetry' : 'no-symmetry';
        out.push({
          bench: `explore-states-per-s/rfc-2017/${tag}`,
          value: Math.round(r.states / r.seconds),
          unit: 'states/s',
          transitionsPerSecond: Math.round(r.transitions / r.seconds),
          statesPerCpuSecond: Math.round(r.states / cpu),
          transitionsPerCpuSecond: Math.round(r.transitions / cpu),
          states: r.states,
          transitions: r.transitions,
          seconds: +r.seconds.toFixed(2),
          bounds: bounds(b),
          load: l,
        });
        out.push({
          bench: `explore-bytes-per-state/rfc-2017/${tag}`,
          value: +(r.peakBytes / r.states).toFixed(1),
          unit: 'bytes/state',
          peakBytes: r.peakBytes,
          states: r.states,
          bounds: bounds(b),
          load: l,
        });
      }
      const l = load();
      explore(counterModel(), { maxDepth: 5 }); // warm-up
      const [e, cpu] = cpuTimed(() => explore(counterModel(), { maxDepth: 8 }));
      out.push({
        bench: 'explore-engine-loop/trivial-model',
        value: Math.round(e.states / e.seconds),
        unit: 'states/s',
        transitionsPerSecond: Math.round(e.transitions / e.seconds),
        statesPerCpuSecond: Math.round(e.states / cpu),
        states: e.states,
        bytesPerState: +(e.peakBytes / e.states).toFixed(1),
        seconds: +e.seconds.toFixed(2),
        load: l,
      });
      return out;
    },
  },
  {
    // What 96-bit fingerprints cost (`check --fingerprint-bits 96`): a second hash of every
    // successor and 4 more bytes a table slot. Sequential, CPU time (the figure load does not bend).
    name: 'fingerprint-width',
    run(): BenchResult[] {
      const out: BenchResult[] = [];
      const b: CheckBounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 14 };
      checkVariant(rfc(), { ...b, depth: 10 }); // warm-up
      for (const fingerprintBits of [64, 96] as const) {
        const l = load();
        const [r, cpu] = cpuTimed(() => checkVariant(rfc(), b, { fingerprintBits }));
        out.push({
          bench: `fingerprint-width/${fingerprintBits}`,
          value: Math.round(r.states / cpu),
          unit: 'states/CPU-s',
          states: r.states,
          transitions: r.transitions,
          cpuSeconds: +cpu.toFixed(2),
          peakBytes: r.peakBytes,
          bytesPerState: +(r.peakBytes / r.states).toFixed(1),
          collisionProbability: r.collisionProbability,
          bounds: bounds(b),
          load: l,
        });
      }
      return out;
    },
  },
  {
    name: 'explore-time-to-verdict',
    async run(): Promise<BenchResult[]> {
      const out: BenchResult[] = [];
      const seed: CheckBounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 };
      let l = load();
      const t0 = performance.now();
      const s = checkVariant(findVariant('v4.15-rc1')!, seed);
      out.push({
        bench: 'time-to-verdict/v4.15-rc1-seed-uaf',
        value: +((performance.now() - t0) / 1000).toFixed(3),
        unit: 's',
        verdict: s.verdict,
        invariant: s.violation?.invariant,
        steps: s.violation?.step,
        states: s.states,
        bounds: bounds(seed),
        load: l,
      });
      // rfc-2017 at 2 CPUs and 3 slots (2 tasks + 1 vcpu thread), depth 16, and with a third task.
      for (const b of [
        { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 16 },
        { cpus: 2, tasks: 3, vcpus: 1, spare: 0, depth: 16 },
      ] satisfies CheckBounds[]) {
        for (const workers of [1, 2]) {
          l = load();
          const r = await checkVariantParallel(rfc(), b, { workers, timeSeconds: 60 });
          out.push({
            bench: `time-to-verdict/rfc-2017/${b.cpus}c${b.tasks + b.vcpus}s${b.vcpus}v/workers=${workers}`,
            value: +r.seconds.toFixed(2),
            unit: 's',
            verdict: r.verdict,
            completeDepth: r.completeDepth,
            states: r.states,
            transitions: r.transitions,
            statesPerSecond: r.statesPerSecond,
            peakBytes: r.peakBytes,
            bounds: bounds(b),
            note:
              r.verdict === 'incomplete' ? `60 s limit: every state within ${r.completeDepth} steps explored` : 'exhaustive to the bound',
            load: l,
          });
        }
      }
      return out;
    },
  },
  {
    name: 'check-workers',
    run(): BenchResult[] {
      // rfc-2017, 2 CPUs / 2 tasks / 1 vcpu, at two depths: 15 (about 0.97M states, 5-6 CPU-s)
      // and 19 (about 8.9M states, 54 CPU-s). A second thread's fixed cost (start-up and a cold
      // JIT of the model, about 0.75 CPU-s) is a visible part of the first and a small part of
      // the second, which is what a check worth parallelising looks like.
      const once = fileURLToPath(new URL('../check-once.ts', import.meta.url));
      const rows: BenchResult[] = [];
      for (const depth of [15, 19]) {
        const runs: { seconds: number; cpuSeconds: number; balance: number; states: number; peakBytes: number }[] = [];
        for (const workers of [1, 2]) {
          const l = load();
          const child = spawnSync(process.execPath, ['--import', 'tsx', once, String(workers), String(depth)], { encoding: 'utf8' });
          if (child.status !== 0) throw new Error(`check-once ${workers}: ${child.stderr}`);
          const r = JSON.parse(child.stdout) as {
            states: number;
            transitions: number;
            seconds: number;
            cpuSeconds: number;
            balance: number;
            verdict: string;
            peakBytes: number;
            maxRssBytes: number;
          };
          runs.push(r);
          rows.push({
            bench: `check-states-per-s/workers=${workers}/depth=${depth}`,
            value: Math.round(r.states / r.seconds),
            unit: 'states/s',
            statesPerCpuSecond: Math.round(r.states / r.cpuSeconds),
            states: r.states,
            transitions: r.transitions,
            seconds: +r.seconds.toFixed(2),
            cpuSeconds: +r.cpuSeconds.toFixed(2),
            ...(workers > 1 ? { balance: +r.balance.toFixed(3) } : {}),
            verdict: r.verdict,
            // What the stores held at most (table, levels, links), a state: the figure that says
            // how many states a machine's memory can take.
            peakBytes: r.peakBytes,
            bytesPerState: +(r.peakBytes / r.states).toFixed(1),
            // The process's peak resident set: above peakBytes by the runtime, and by shared
            // buffers a growth dropped until every thread collects them (src/check/gc.ts).
            maxRssBytes: r.maxRssBytes,
            bounds: `2 CPUs, 2 tasks, 1 vcpu, depth ${depth}`,
            note: 'a fresh process per worker count',
            load: l,
          });
        }
        const [one, two] = runs as [(typeof runs)[0], (typeof runs)[0]];
        rows.push({
          bench: `check-speedup/2-workers/depth=${depth}`,
          value: +(one.seconds / two.seconds).toFixed(2),
          unit: 'x',
          note: 'wall clock, as measured (the load average says how busy the cores were)',
          load: load(),
        });
        // On two idle cores a level lasts as long as its busier thread: the run takes the CPU
        // time it needs in all (the coordinator's included) times the share of the work on the
        // critical path. The derived speed-up is the 1-worker CPU time over that.
        rows.push({
          bench: `check-speedup/2-workers-cpu-bound/depth=${depth}`,
          value: +(one.cpuSeconds / (two.cpuSeconds * two.balance)).toFixed(2),
          unit: 'x',
          note: "derived from CPU time and the levels' load balance: the speed-up on two otherwise idle cores",
          load: load(),
        });
      }
      return rows;
    },
  },
  {
    name: 'simulate-workers',
    run(): BenchResult[] {
      const once = fileURLToPath(new URL('../simulate-once.ts', import.meta.url));
      const rows: BenchResult[] = [];
      const rates: number[] = [];
      const cpus: number[] = [];
      for (const workers of [1, 2]) {
        const l = load();
        const child = spawnSync(process.execPath, ['--import', 'tsx', once, String(workers)], { encoding: 'utf8' });
        if (child.status !== 0) throw new Error(`simulate-once ${workers}: ${child.stderr}`);
        const r = JSON.parse(child.stdout) as { steps: number; runs: number; seconds: number; cpuSeconds: number; verdict: string };
        const rate = Math.round(r.steps / r.seconds);
        rates.push(rate);
        cpus.push(r.cpuSeconds);
        rows.push({
          bench: `simulate-steps-per-s/workers=${workers}`,
          value: rate,
          unit: 'steps/s',
          stepsPerCpuSecond: Math.round(r.steps / r.cpuSeconds),
          runs: r.runs,
          steps: r.steps,
          seconds: +r.seconds.toFixed(2),
          cpuSeconds: +r.cpuSeconds.toFixed(2),
          verdict: r.verdict,
          machine: '4 CPUs, 3 tasks, 2 vcpus, 1 spare',
          note: 'a fresh process per worker count',
          load: l,
        });
      }
      rows.push({
        bench: 'simulate-speedup/2-workers',
        value: +(rates[1]! / rates[0]!).toFixed(2),
        unit: 'x',
        note: 'wall clock, as measured (the load average says how busy the cores were)',
        load: load(),
      });
      // What 2 idle cores would give: 2 x (CPU time on 1 worker / CPU time on 2 workers).
      rows.push({
        bench: 'simulate-speedup/2-workers-cpu-bound',
        value: +((2 * cpus[0]!) / cpus[1]!).toFixed(2),
        unit: 'x',
        note: 'derived from CPU time: the speed-up on two otherwise idle cores',
        load: load(),
      });
      return rows;
    },
  },
];
