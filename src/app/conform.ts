/**
 * `fpctx conform`: each lab trace (or any ftrace text with the same events) run through one
 * variant, its calls compared with the kernel's at every event (src/conform/engine.ts).
 */

import { existsSync } from 'node:fs';
import { conformTrace } from '../conform/engine.js';
import type { ConformDoc, ConformTrace } from '../conform/types.js';
import { DEFAULT_SVE_VL_BITS } from '../kernel/boot.js';
import { readManifest, type Manifest } from '../lab/manifest.js';
import { readLabTrace } from '../lab/trace.js';
import type { Variant } from '../variants/types.js';

export interface ConformInput {
  readonly files: readonly string[];
  readonly variant: Variant;
  /** The variant as the user named it (for the reproducing command). */
  readonly variantArg: string;
  readonly guestFp: boolean;
  /** Read the guest's FP use from the trace (`--guest-fp trace`, see ConformOptions). */
  readonly guestFpFromTrace?: boolean;
  readonly maxDivergences: number;
  /** A trace agrees when at least this share of its compared events agree (1: every one). */
  readonly threshold: number;
  /** Show the unit at this line of the (single) trace, agreeing or not. */
  readonly at?: number;
}

/** The manifest beside a lab trace (`x.trace[.gz]` → `x.manifest.json`), if there is one. */
export function manifestOf(file: string): Manifest | null {
  const m = file.replace(/\.trace(\.gz)?$/, '.manifest.json');
  if (m === file || !existsSync(m)) return null;
  return readManifest(m);
}

export function conformOne(file: string, input: ConformInput): ConformTrace {
  const manifest = manifestOf(file);
  const trace = readLabTrace(file);
  const vlBytes = manifest?.cpu.sveDefaultVl;
  return conformTrace(trace, {
    variant: input.variant,
    traced: manifest ? manifest.tracing.functions : null,
    guestFp: input.guestFp,
    ...(input.guestFpFromTrace ? { guestFpFromTrace: true } : {}),
    sveVlBits: vlBytes ? vlBytes * 8 : DEFAULT_SVE_VL_BITS,
    maxDivergences: input.maxDivergences,
    kernel: manifest?.release ?? null,
    workload: manifest?.workload.name ?? null,
    ...(input.at !== undefined ? { at: input.at } : {}),
    command: (line) =>
      `npx fpctx conform ${file} --variant ${input.variantArg}${input.guestFpFromTrace ? '' : input.guestFp ? ' --guest-fp always' : ' --guest-fp never'} --at ${line}`,
  });
}

export function conform(input: ConformInput): ConformDoc {
  const traces = input.files.map((f) => conformOne(f, input));
  for (const t of traces) t.verdict = t.ratio >= input.threshold ? 'agree' : 'diverge';
  return {
    kind: 'conform',
    variant: input.variant.name,
    threshold: input.threshold,
    traces,
    verdict: traces.every((t) => t.verdict === 'agree') ? 'agree' : 'diverge',
  };
}
