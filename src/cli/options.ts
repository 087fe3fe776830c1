/**
 * Flag values: parsed strictly, and rejected with an InputError that names the flag. (A
 * --variant value is resolved in src/app/variants.ts, since the application needs it too.)
 */

import { defaultMemoryBytes, parseBytes, parseSeconds } from '../check/memory.js';
import { parseHw, type Hardware } from '../arch/hw.js';
import { parseVectorLengths, type VectorLengths } from '../arch/sizes.js';
import { InputError } from '../errors.js';

export function intFlag(flag: string, value: string | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new InputError(`expected an integer, got '${value}'`, undefined, undefined, flag);
  const n = Number(value);
  if (n < min || n > max) throw new InputError(`must be between ${min} and ${max}, got ${n}`, undefined, undefined, flag);
  return n;
}

/** --seed, the same on every command: an integer from 0 to 2^32-1, in decimal or 0x hex. */
export function seedFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(value) || Number(value) > 0xffffffff) {
    throw new InputError(`expected an integer from 0 to 4294967295 (decimal or 0x hex), got '${value}'`, undefined, undefined, '--seed');
  }
  return Number(value) >>> 0;
}

/** --json and --md choose one output format: both is an error (before any work). */
export function outputFormatFlags(f: { json?: boolean; md?: boolean }): void {
  if (f.json && f.md) throw new InputError('--json and --md are alternatives: give one', undefined, undefined, '--md');
}

/** --memory: a size, at least 1M (default: a quarter of RAM). */
export function memoryFlag(value: string | undefined): number {
  if (value === undefined) return defaultMemoryBytes();
  const n = parseBytes(value);
  if (n === null) throw new InputError(`expected a size such as 512M or 2G, got '${value}'`, undefined, undefined, '--memory');
  if (n < 2 ** 20) throw new InputError(`must be at least 1M, got '${value}'`, undefined, undefined, '--memory');
  return n;
}

/** --time: seconds, or a duration such as 90s, 15m, 2h. */
export function timeFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseSeconds(value);
  if (n === null || n <= 0)
    throw new InputError(`expected a duration such as 90, 90s, 15m or 2h, got '${value}'`, undefined, undefined, '--time');
  return n;
}

export { resolveVariants, variantFlag, type ResolveOptions } from '../app/variants.js';

/** --hw: the CPU's extensions, `sve,sme,...` or `fpsimd` (src/arch/hw.ts); undefined: the variant's own. */
export function hwFlag(value: string | undefined): Hardware | undefined {
  if (value === undefined) return undefined;
  const hw = parseHw(value);
  if (typeof hw === 'string') throw new InputError(hw, undefined, undefined, '--hw');
  return hw;
}

/** `--vl sve=256,sme=512`: the machine's vector lengths, or undefined; bad text is one error line. */
export function vlFlag(value: string | undefined): VectorLengths | undefined {
  if (value === undefined) return undefined;
  const vl = parseVectorLengths(value);
  if (typeof vl === 'string') throw new InputError(vl, undefined, undefined, '--vl');
  return vl;
}

/** The help line of `--vl`, the same on check, simulate and hunt. */
export const VL_HELP =
  "the machine's vector lengths in bits, sve=N and/or sme=N (default sve=512,sme=256; e.g. sve=256,sme=512: a streaming VL above the SVE one)";

/** The help line of `--hw`, the same on every command that runs a machine. */
export const HW_HELP =
  "the CPU's extensions: sve, sme, sme2, fa64, fpmr, comma-separated, or 'fpsimd' (default: the variant's own; a kernel ignores what it predates)";
