/**
 * The matrix: every variant against scenarios and bounded checks, as cells of verdicts (ok /
 * the violation found / incomplete / n/a) with times, each saying whether it is unexpected — a
 * scenario or check whose stated expectation is not met, or, where none is stated (a plug-in
 * variant), a violation in a released kernel. Known findings (docs/findings.md) are
 * expectations, not failures.
 */

import { notApplicable } from '../scenario/features.js';
import type { Scenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run.js';
import type { Variant } from '../variants/types.js';
import { checkVariant } from './check.js';
import { meetsCheckExpectation, type NamedCheck } from './checks.js';

/**
 * One cell. Shaped like a `check --json` document (variant, bounds, verdict, violation,
 * states, seconds) so that readers of those (the HTML report) take cells as they are.
 */
export interface MatrixCell {
  readonly variant: string;
  /** Scenario or check name (also under `scenario` or `check`, by type). */
  readonly column: string;
  readonly type: 'scenario' | 'check';
  readonly scenario?: string;
  readonly check?: string;
  /** Checks: the machine and depth (numbers only); scenarios: empty. */
  readonly bounds: Record<string, number>;
  /** Checks: the event families explored, when not the default. */
  readonly events?: readonly string[];
  /** `n/a`: the variant lacks a feature the scenario or check requires (`reason` says which). */
  readonly verdict: 'ok' | 'violation' | 'incomplete' | 'n/a';
  readonly reason?: string;
  readonly violation?: { invariant: string; kind?: string; code: string; message: string; where: string; step: number };
  readonly seconds: number;
  /** Checks: states explored (up to the budget when incomplete), transitions and depth reached. */
  readonly states?: number;
  readonly transitions?: number;
  readonly depth?: number;
  /** Whether the outcome is the one the scenario (or the check) states for this variant. */
  readonly expectationMet?: boolean;
  /**
   * Something a maintainer should look at: an expectation not met, or, where none is stated
   * (plug-ins, non-standard checks), a violation in a released kernel.
   */
  readonly unexpected: boolean;
}

export interface MatrixResult {
  readonly variants: { name: string; kernel: string; status: string }[];
  readonly scenarios: { name: string; reference?: string; requires?: readonly string[] }[];
  readonly checks: { name: string; reference?: string; requires?: readonly string[]; bounds: NamedCheck['bounds'] }[];
  readonly cells: MatrixCell[];
  readonly seconds: number;
}

export interface MatrixOptions {
  /** Stop a bounded check once it has seen this many states and report it incomplete. */
  readonly maxStates?: number;
  readonly onProgress?: (what: string) => void;
}

class Budget {
  constructor(readonly states: number) {}
}

/** The programmatic form: variants × scenarios + checks. */
export function computeMatrix(
  variants: readonly Variant[],
  scenarios: readonly Scenario[],
  checks: readonly NamedCheck[],
  opts: MatrixOptions = {},
): MatrixResult {
  const t0 = performance.now();
  const cells: MatrixCell[] = [];
  for (const v of variants) {
    for (const sc of scenarios) {
      const na = notApplicable(sc.requires, v);
      if (na) {
        cells.push({
          variant: v.name,
          column: sc.name,
          type: 'scenario',
          scenario: sc.name,
          bounds: {},
          verdict: 'n/a',
          reason: na,
          seconds: 0,
          unexpected: false,
        });
        continue;
      }
      opts.onProgress?.(`${v.name}: scenario ${sc.name}`);
      const s0 = performance.now();
      const r = runScenario(sc, v);
      const vi = r.trace.violation;
      cells.push({
        variant: v.name,
        column: sc.name,
        type: 'scenario',
        scenario: sc.name,
        bounds: {},
        verdict: vi ? 'violation' : 'ok',
        ...(vi ? { violation: violationOf(vi) } : {}),
        seconds: (performance.now() - s0) / 1000,
        ...(r.expectationMet !== undefined ? { expectationMet: r.expectationMet } : {}),
        unexpected: r.expectationMet === false,
      });
    }
    for (const c of checks) {
      const na = notApplicable(c.requires, v);
      if (na) {
        cells.push({ ...checkCellBase(v, c), verdict: 'n/a', reason: na, seconds: 0, unexpected: false });
        continue;
      }
      opts.onProgress?.(`${v.name}: check ${c.name}`);
      const s0 = performance.now();
      try {
        const r = checkVariant(v, c.bounds, (_d, states) => {
          if (opts.maxStates !== undefined && states > opts.maxStates) throw new Budget(states);
        });
        const vi = r.violation;
        const exp = c.expect?.[v.name];
        const met = exp === undefined ? undefined : meetsCheckExpectation(vi, exp);
        cells.push({
          ...checkCellBase(v, c),
          verdict: vi ? 'violation' : r.verdict === 'incomplete' ? 'incomplete' : 'ok',
          ...(vi ? { violation: violationOf(vi) } : {}),
          seconds: r.seconds,
          states: r.states,
          transitions: r.transitions,
          depth: r.depth,
          ...(met !== undefined ? { expectationMet: met } : {}),
          unexpected: met === undefined ? !!vi && v.status === 'release' : !met,
        });
      } catch (e) {
        if (!(e instanceof Budget)) throw e;
        cells.push({
          ...checkCellBase(v, c),
          verdict: 'incomplete',
          seconds: (performance.now() - s0) / 1000,
          states: e.states,
          unexpected: false,
        });
      }
    }
  }
  return {
    variants: variants.map((v) => ({ name: v.name, kernel: v.kernel, status: v.status ?? (v.mutation ? 'mutation' : 'release') })),
    scenarios: scenarios.map((s) => ({
      name: s.name,
      ...(s.reference ? { reference: s.reference } : {}),
      ...(s.requires.length ? { requires: [...s.requires] } : {}),
    })),
    checks: checks.map((c) => ({
      name: c.name,
      ...(c.reference ? { reference: c.reference } : {}),
      ...(c.requires?.length ? { requires: [...c.requires] } : {}),
      bounds: c.bounds,
    })),
    cells,
    seconds: (performance.now() - t0) / 1000,
  };
}

function violationOf(v: {
  invariant: string;
  kind?: string;
  code: string;
  message: string;
  where: string;
  step: number;
}): NonNullable<MatrixCell['violation']> {
  return { invariant: v.invariant, ...(v.kind ? { kind: v.kind } : {}), code: v.code, message: v.message, where: v.where, step: v.step };
}

function checkCellBase(v: Variant, c: NamedCheck) {
  const { events, without: _without, ...bounds } = c.bounds;
  return {
    variant: v.name,
    column: c.name,
    type: 'check' as const,
    check: c.name,
    bounds: { ...bounds },
    ...(events ? { events: [...events] } : {}),
  };
}

/** Short verdict for the text table: `ok`, `leak@13`, `uaf@8`, `warn@8`, `g-lost@9`, `incompl.`. */
