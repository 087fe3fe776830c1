/**
 * `fpctx replay <trace>`: replay a kernel trace (trace-cmd report or /sys/kernel/tracing/trace
 * text) as an event stream and compare what every variant moves with the oracle's lower bound.
 */

import { isValidVectorLength } from '../../arch/sizes.js';
import { replayTrace } from '../../cost/api.js';
import { parseUseFlag } from '../../cost/replay/replay.js';
import { DEFAULT_SVE_VL_BITS } from '../../kernel/boot.js';
import { InputError } from '../../errors.js';
import type { Io } from '../io.js';
import { intFlag, resolveVariants } from '../options.js';
import { withSpooledInput } from '../spool.js';
import { outputFlags, printCostDoc } from './cost.js';

export interface ReplayFlags {
  variant?: string;
  fpUse?: string;
  sveUse?: string;
  seed?: string;
  sveVl?: string;
  json?: boolean;
  md?: boolean;
  quiet?: boolean;
}

export async function runReplayCommand(file: string, f: ReplayFlags, io: Io): Promise<number> {
  outputFlags(f);
  const variants = await resolveVariants(f.variant, { fallback: 'all' });
  const fpUse = parseUseFlag('--fp-use', f.fpUse ?? 'always');
  const sveUse = parseUseFlag('--sve-use', f.sveUse ?? 'never');
  const seed = intFlag('--seed', f.seed, 0, 2 ** 31 - 1, 1);
  const sveVlBits = intFlag('--sve-vl', f.sveVl, 128, 2048, DEFAULT_SVE_VL_BITS);
  if (!isValidVectorLength(sveVlBits))
    throw new InputError(`${sveVlBits} is not a vector length (a multiple of 128 from 128 to 2048)`, undefined, undefined, '--sve-vl');
  const quiet = f.json || f.quiet;
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const progress = (pass: number, bytes: number, total: number) => {
    if (!quiet) io.progress(`${file}: pass ${pass}/2, ${mib(bytes)}/${mib(total)} MiB`);
  };
  const opts = { fpUse, sveUse, seed, sveVlBits, onRead: progress };
  // `-`: standard input, spooled to a temporary file (the replay reads its input twice).
  const doc =
    file === '-'
      ? await withSpooledInput(process.stdin, (path) => replayTrace(path, variants, { ...opts, name: '<stdin>' }))
      : replayTrace(file, variants, opts);
  io.progressDone();
  printCostDoc(doc, f, io);
  return 0;
}
