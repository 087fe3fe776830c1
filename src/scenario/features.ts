/**
 * Feature gating of scenarios and bounded checks: a scenario that uses SME, FPMR or SVE-guest
 * events means nothing on a kernel built without that feature (the events are never enabled
 * there, the hardware registers do not exist for it). Such a scenario declares `requires:`;
 * on a variant whose class lacks a required feature its outcome is "n/a" — neither ok nor a
 * violation — in every table (run --variant all, matrix, suite, report).
 */

import { hwName, type Hardware } from '../arch/hw.js';
import { InputError } from '../errors.js';
import { FAMILIES, type EventFamily } from '../kernel/events.js';
import { defaultHardware, effectiveHardware, type KernelFeatures } from '../kernel/machine.js';
import type { Variant } from '../variants/types.js';

/** Feature names as scenarios and checks spell them (`requires: [sme]`). */
export const SCENARIO_FEATURES = ['sme', 'fpmr', 'sve_guests'] as const;
export type ScenarioFeature = (typeof SCENARIO_FEATURES)[number];

const FEATURE_KEY: Record<ScenarioFeature, keyof KernelFeatures> = { sme: 'sme', fpmr: 'fpmr', sve_guests: 'guestSve' };

const SCENARIO_NAME: Record<Exclude<keyof KernelFeatures, 'ext'>, ScenarioFeature> = { sme: 'sme', fpmr: 'fpmr', guestSve: 'sve_guests' };

/** The feature without which an event family is never enabled, if any (its declaration's `requires`). */
export function featureOfFamily(family: EventFamily): ScenarioFeature | undefined {
  const req = FAMILIES.find((f) => f.name === family)?.requires;
  return req ? SCENARIO_NAME[req] : undefined;
}

/** What the variant's kernel class declares (KernelFeatures; a static of the class, inherited by plug-ins). */
export function variantFeatures(v: Variant): KernelFeatures {
  return (v.Kernel as unknown as { features: KernelFeatures }).features;
}

/**
 * Whether the variant's kernel, on the CPU `hw` (default: the one it was modelled on, see
 * defaultHardware), uses `f`: the build must have it and the CPU too (SVE guests need host SVE).
 */
function uses(v: Variant, f: ScenarioFeature, hw: Hardware | undefined): boolean {
  const have = variantFeatures(v);
  if (!have[FEATURE_KEY[f]]) return false;
  const e = effectiveHardware(have, hw ?? defaultHardware(have));
  return f === 'sme' ? e.sme : f === 'fpmr' ? e.fpmr : e.sve;
}

/** The required features the variant (on `hw`) lacks (empty: the scenario or check applies). */
export function missingFeatures(requires: readonly ScenarioFeature[] | undefined, v: Variant, hw?: Hardware): ScenarioFeature[] {
  if (!requires) return [];
  return requires.filter((f) => !uses(v, f, hw));
}

/** `undefined` if it applies, else the reason it does not, in a few words: `needs sme`. */
export function notApplicable(requires: readonly ScenarioFeature[] | undefined, v: Variant, hw?: Hardware): string | undefined {
  const missing = missingFeatures(requires, v, hw);
  if (!missing.length) return undefined;
  // Say which side lacks it when the build has it and the CPU does not.
  const build = missing.every((f) => variantFeatures(v)[FEATURE_KEY[f]]);
  return build && hw ? `needs ${missing.join(', ')} (not on --hw ${hwName(hw)})` : `needs ${missing.join(', ')}`;
}

/**
 * For a command asked to run a scenario (or check) on exactly this variant: one clear error
 * (exit 2) when the variant lacks a required feature.
 */
export function requireFeatures(
  what: string,
  requires: readonly ScenarioFeature[] | undefined,
  v: Variant,
  file?: string,
  hw?: Hardware,
): void {
  const missing = missingFeatures(requires, v, hw);
  if (missing.length === 0) return;
  const build = missing.every((f) => variantFeatures(v)[FEATURE_KEY[f]]);
  if (build && hw)
    throw new InputError(`hardware ${hwName(hw)} has no ${missing.join(' or ')} (${what} requires it; n/a there)`, file, undefined, '--hw');
  throw new InputError(`${v.name} has no ${missing.join(' or ')} (${what} requires it; n/a there)`, file, undefined, '--variant');
}
