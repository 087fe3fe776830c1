/**
 * The hardware configurations a variant's kernel distinguishes: what `matrix --hw all` and
 * `hunt` run each variant on. A configuration the kernel cannot tell from another (SME
 * hardware under a kernel built without SME acts as the same CPU without it) is listed once,
 * as the hardware the kernel actually uses (src/kernel/machine.ts effectiveHardware).
 */

import { FPSIMD_ONLY, hwName, sameHw, type Hardware } from '../arch/hw.js';
import { defaultHardware, effectiveHardware } from '../kernel/machine.js';
import { variantFeatures } from '../scenario/features.js';
import type { Variant } from '../variants/types.js';

/**
 * The CPUs worth telling apart, after the variant's default: no extension, SVE only, SME only
 * (streaming mode without SVE), SVE and SME without SME2, SVE+SME2, and with FPMR. FA64 is left
 * out: the model keeps FFR inside the Z/P token, so it would repeat its SME row.
 */
const CANDIDATES: readonly Hardware[] = [
  FPSIMD_ONLY,
  { ...FPSIMD_ONLY, sve: true },
  { ...FPSIMD_ONLY, sme: true, sme2: true },
  { ...FPSIMD_ONLY, sve: true, sme: true },
  { ...FPSIMD_ONLY, sve: true, sme: true, sme2: true },
  { ...FPSIMD_ONLY, sve: true, sme: true, sme2: true, fpmr: true },
];

/** The configurations `v` distinguishes, its default first; each is the hardware the kernel uses. */
export function hardwareConfigs(v: Variant): Hardware[] {
  const f = variantFeatures(v);
  const out: Hardware[] = [defaultHardware(f)];
  for (const hw of CANDIDATES) {
    const e = effectiveHardware(f, hw);
    if (!out.some((h) => sameHw(effectiveHardware(f, h), e))) out.push(e);
  }
  return out;
}

/** Whether `hw` is the one the variant runs on by default (so its stated expectations apply). */
export function isDefaultHardware(v: Variant, hw: Hardware): boolean {
  const f = variantFeatures(v);
  return sameHw(effectiveHardware(f, hw), effectiveHardware(f, defaultHardware(f)));
}

/** `name@hw` for a row of a table over configurations; the bare name on the default hardware. */
export function rowName(v: Variant, hw: Hardware | undefined): string {
  return hw === undefined || isDefaultHardware(v, hw) ? v.name : `${v.name}@${hwName(hw)}`;
}
