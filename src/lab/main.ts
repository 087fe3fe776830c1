/**
 * `npm run lab [-- options]`: see run.ts and lab/README.md. Exit status 0 when every boot
 * finished and every trace parsed; 1 on a lab failure (missing package, failed build, failed or
 * hung boot: one line); 2 on bad input (a flag, lab/packages.json, a trace that does not parse).
 */

import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { InputError } from '../errors.js';
import { LabError } from './host.js';
import { DEFAULTS, runLab } from './run.js';

function list(v: string): string[] {
  const l = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!l.length) throw new InvalidArgumentError('an empty list');
  return l;
}

function int(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('not a non-negative integer');
  return Number(v);
}

async function main(argv: string[]): Promise<number> {
  const cmd = new Command('lab')
    .description('boot the pinned real arm64 kernels under QEMU, run the workloads and kselftests with ftrace, write lab/traces')
    .option('--kernel <ids>', 'comma-separated kernel ids of lab/packages.json (default: all)', list)
    .option('--workload <names>', 'comma-separated workloads (default: all)', list)
    .option('--no-kselftests', 'skip the kernel FP kselftests (and the source download)')
    .option('--smoke', 'one boot per kernel with one short workload; parse its trace; write nothing to lab/traces')
    .option('--no-install', 'never run apt-get install; fail naming what is missing')
    .option('--fetch-only', 'install tools and fetch packages, then stop')
    .option('--no-source', 'do not fetch the linux-source packages (implies --no-kselftests)')
    .option('--seed <n>', "offset of the workloads' register patterns (recorded in the manifests)", int, 0)
    .option('--cache <dir>', 'package cache', DEFAULTS.cache)
    .option('--out <dir>', 'where traces and manifests go', DEFAULTS.out)
    .option(
      '--stall <seconds>',
      "seconds without guest progress, beyond a workload's own timeout, before a boot counts as hung",
      int,
      DEFAULTS.stall,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  const f = cmd.opts();
  const t0 = Date.now();
  await runLab({
    ...DEFAULTS,
    kernels: f.kernel,
    workloads: f.workload,
    kselftests: f.kselftests && f.source,
    smoke: Boolean(f.smoke),
    install: f.install,
    fetchOnly: Boolean(f.fetchOnly),
    sources: f.source && f.kselftests,
    seed: f.seed,
    cache: resolve(f.cache),
    out: resolve(f.out),
    stall: f.stall,
    log: (l) => console.log(l),
  });
  console.log(`lab: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof InputError) {
      console.error(e.format());
      process.exitCode = 2;
    } else if (e instanceof LabError) {
      console.error(`lab: ${e.message}`);
      process.exitCode = 1;
    } else {
      console.error(`lab: internal error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  },
);
