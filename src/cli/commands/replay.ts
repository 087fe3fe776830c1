/**
 * `fpctx replay <trace>`: replay a kernel trace (trace-cmd report or /sys/kernel/tracing/trace
 * text) as an event stream and compare what every variant moves with the oracle's lower bound.
 */

import { isValidVectorLength } from '../../arch/sizes.js';
import { replayTrace } from '../../cost/api.js';
import { withPlainTrace } from '../../cost/replay/lines.js';
import { parseUseFlag } from '../../cost/replay/replay.js';
import { DEFAULT_SVE_VL_BITS } from '../../kernel/boot.js';
import { InputError } from '../../errors.js';
import type { Io } from '../io.js';
import { limitGuard } from '../../app/limits.js';
import { intFlag, memoryFlag, outputFormatFlags, resolveVariants, seedFlag, timeFlag } from '../options.js';
import { withSpooledInput } from '../spool.js';
import { printCostDoc, underLimits } from './cost.js';

export interface ReplayFlags {
  variant?: string;
  time?: string;
  memory?: string;
  fpUse?: string;
  sveUse?: string;
  seed?: string;
  sveVl?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

export async function runReplayCommand(file: string, f: ReplayFlags, io: Io): Promise<number> {
  outputFormatFlags(f);
  const variants = await resolveVariants(f.variant, { fallback: 'all' });
  const fpUse = parseUseFlag('--fp-use', f.fpUse ?? 'always');
  const sveUse = parseUseFlag('--sve-use', f.sveUse ?? 'never');
  const seed = seedFlag(f.seed, 1);
  const sveVlBits = intFlag('--sve-vl', f.sveVl, 128, 2048, DEFAULT_SVE_VL_BITS);
  if (!isValidVectorLength(sveVlBits))
    throw new InputError(`${sveVlBits} is not a vector length (a multiple of 128 from 128 to 2048)`, undefined, undefined, '--sve-vl');
  const timeSeconds = timeFlag(f.time);
  const memoryBytes = f.memory === undefined ? undefined : memoryFlag(f.memory);
  const quiet = f.json || f.quiet;
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  let where = 'before reading the trace';
  const guard = limitGuard(
    { ...(timeSeconds !== undefined ? { timeSeconds } : {}), ...(memoryBytes !== undefined ? { memoryBytes } : {}) },
    () => where,
  );
  const progress = (pass: number, bytes: number, total: number) => {
    where = `in pass ${pass} of 2 at ${mib(bytes)} of ${mib(total)} MiB`;
    guard();
    if (!quiet) io.progress(`${file}: pass ${pass}/2, ${mib(bytes)}/${mib(total)} MiB`);
  };
  const run = (path: string, name?: string) =>
    underLimits(f, io, () =>
      replayTrace(path, variants, {
        fpUse,
        sveUse,
        seed,
        sveVlBits,
        onRead: progress,
        onProgress: () => guard(),
        ...(name !== undefined ? { name } : {}),
      }),
    );
  // `-`: standard input, spooled to a temporary file (the replay reads its input twice); a gzip
  // file (or gzip on standard input) is decompressed to one.
  const r =
    file === '-'
      ? await withSpooledInput(process.stdin, (spooled) => withPlainTrace(spooled, (path) => run(path, '<stdin>'), '<stdin>'))
      : await withPlainTrace(file, (path) => run(path, file));
  if ('code' in r) return r.code;
  io.progressDone();
  printCostDoc(r.doc, f, io);
  return 0;
}
