/**
 * Feature gating of scenarios and bounded checks: a scenario that uses SME, FPMR or SVE-guest
 * events means nothing on a kernel built without that feature (the events are never enabled
 * there, the hardware registers do not exist for it). Such a scenario declares `requires:`;
 * on a variant whose class lacks a required feature its outcome is "n/a" — neither ok nor a
 * violation — in every table (run --variant all, matrix, suite, report).
 */

import { InputError } from '../errors.js';
import { FAMILIES, type EventFamily } from '../kernel/events.js';
import type { KernelFeatures } from '../kernel/machine.js';
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

/** The required features the variant lacks (empty: the scenario or check applies). */
export function missingFeatures(requires: readonly ScenarioFeature[] | undefined, v: Variant): ScenarioFeature[] {
  if (!requires) return [];
  const have = variantFeatures(v);
  return requires.filter((f) => !have[FEATURE_KEY[f]]);
}

/** `undefined` if it applies, else the reason it does not, in a few words: `n/a: v6.12 has no sme`. */
export function notApplicable(requires: readonly ScenarioFeature[] | undefined, v: Variant): string | undefined {
  const missing = missingFeatures(requires, v);
  return missing.length ? `needs ${missing.join(', ')}` : undefined;
}

/**
 * For a command asked to run a scenario (or check) on exactly this variant: one clear error
 * (exit 2) when the variant lacks a required feature.
 */
export function requireFeatures(what: string, requires: readonly ScenarioFeature[] | undefined, v: Variant, file?: string): void {
  const missing = missingFeatures(requires, v);
  if (missing.length === 0) return;
  throw new InputError(`${v.name} has no ${missing.join(' or ')} (${what} requires it; n/a there)`, file, undefined, '--variant');
}
