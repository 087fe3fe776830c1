/**
 * Abstract register and memory contents.
 *
 * fpctx never models bit patterns. Every architectural piece of FP state (the V part, the SVE
 * part, ...) and every memory copy of it holds one *token*: either a special value (ZERO, or
 * GARBAGE for content nobody owns, e.g. after reset), or a data value written by one *writer*
 * (a task incarnation, a guest, the kernel's own NEON use) with a per-writer version number.
 *
 * Tokens are only ever compared for equality, never ordered or computed with. That is what
 * makes the model data-independent: any relabelling of versions that preserves equality is a
 * symmetry of the state space, which the checker exploits (see `src/check/canonical.ts`).
 *
 * Encoding (one int32): 0 = ZERO, 1 = GARBAGE, otherwise `writer << VERSION_BITS | version`
 * with writer >= 1 and version >= 1.
 */

export type Token = number;

export const ZERO: Token = 0;
export const GARBAGE: Token = 1;

export const VERSION_BITS = 16;
const VERSION_MASK = (1 << VERSION_BITS) - 1;

/** Builds the token for `version` of `writer` (both >= 1). */
export function dataToken(writer: number, version: number): Token {
  return (writer << VERSION_BITS) | version;
}

/** The writer id of a data token, or 0 for ZERO and GARBAGE. */
export function writerOf(t: Token): number {
  return t >>> VERSION_BITS;
}

/** The version of a data token, or 0 for ZERO and GARBAGE. */
export function versionOf(t: Token): number {
  return t > GARBAGE ? t & VERSION_MASK : 0;
}

export function isData(t: Token): boolean {
  return t > GARBAGE;
}
