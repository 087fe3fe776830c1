/**
 * The matrix: every variant against scenarios and bounded checks, as cells of verdicts (ok /
 * the violation found / incomplete / n/a) with times, each saying whether it is unexpected — a
 * scenario or check whose stated expectation is not met, or, where none is stated (a plug-in
 * variant), a violation in a released kernel. Known findings (docs/findings.md) are
 * expectations, not failures.
 */

import { hwName, type Hardware } from '../arch/hw.js';
import { InputError } from '../errors.js';
import { notApplicable } from '../scenario/features.js';
import type { Scenario } from '../scenario/load.js';
import { runScenario } from '../scenario/run.js';
import type { Variant } from '../variants/types.js';
import { checkVariant } from './check.js';
import { meetsCheckExpectation, type CheckExpectation, type NamedCheck } from './checks.js';
import { hardwareConfigs, isDefaultHardware, rowName } from './hardware.js';

/**
 * One cell. Shaped like a `check --json` document (variant, bounds, verdict, violation,
 * states, seconds) so that readers of those (the HTML report) take cells as they are.
 */
export interface MatrixCell {
  /** The variant, as `name@hw` on hardware other than its default (`--hw`). */
  readonly variant: string;
  /** The CPU as `--hw` spells it, when not the variant's default. */
  readonly hw?: string;
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
  readonly variants: { name: string; kernel: string; status: string; hw?: string }[];
  readonly scenarios: { name: string; reference?: string; requires?: readonly string[] }[];
  readonly checks: { name: string; reference?: string; requires?: readonly string[]; bounds: NamedCheck['bounds'] }[];
  readonly cells: MatrixCell[];
  readonly seconds: number;
}

export interface MatrixOptions {
  /** Stop a bounded check once it has seen this many states and report it incomplete. */
  readonly maxStates?: number;
  readonly onProgress?: (what: string) => void;
  /**
   * The CPUs: one for every variant, or `all`, each variant on every configuration it
   * distinguishes (src/app/hardware.ts), one row each. Default: each variant's own. Stated
   * expectations hold for the default hardware only; elsewhere a violation in a released
   * kernel is unexpected, as for a plug-in.
   */
  readonly hw?: Hardware | 'all';
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
  const rows: { v: Variant; hw: Hardware | undefined; name: string }[] = [];
  for (const v of variants) {
    const hws = opts.hw === 'all' ? hardwareConfigs(v) : [opts.hw];
    for (const h of hws) {
      const hw = h === undefined || isDefaultHardware(v, h) ? undefined : h;
      rows.push({ v, hw, name: rowName(v, hw) });
    }
  }
  for (const { v, hw, name } of rows) {
    const on = hw ? { hw: hwName(hw) } : {};
    for (const sc0 of scenarios) {
      const sc = hw ? { ...sc0, boot: { ...sc0.boot, hw }, expect: {} } : sc0;
      const na = notApplicable(sc.requires, v, hw);
      if (na) {
        cells.push(notApplicableCell(name, on, sc.name, na));
        continue;
      }
      opts.onProgress?.(`${name}: scenario ${sc.name}`);
      const s0 = performance.now();
      let r: ReturnType<typeof runScenario>;
      try {
        r = runScenario(sc, v);
      } catch (e) {
        // Off its own hardware a script may name an instruction this CPU cannot execute (an
        // SVE write without SVE): the scenario does not apply there.
        if (!(hw && e instanceof InputError && /is not enabled here/.test(e.message))) throw e;
        cells.push(
          notApplicableCell(name, on, sc.name, `not on --hw ${hwName(hw)}: ${e.message.replace(/^event '([^']+)'.*$/, "uses '$1'")}`),
        );
        continue;
      }
      const vi = r.trace.violation;
      cells.push({
        variant: name,
        ...on,
        column: sc.name,
        type: 'scenario',
        scenario: sc.name,
        bounds: {},
        verdict: vi ? 'violation' : 'ok',
        ...(vi ? { violation: violationOf(vi) } : {}),
        seconds: (performance.now() - s0) / 1000,
        ...(r.expectationMet !== undefined ? { expectationMet: r.expectationMet } : {}),
        // Off the default hardware no expectation is stated: a violation of a release is news,
        // unless it is the very finding stated for the default hardware.
        unexpected:
          r.expectationMet === false || (hw !== undefined && !!vi && v.status === 'release' && !knownOnDefault(vi, sc0.expect[v.name])),
      });
    }
    for (const c of checks) {
      const na = notApplicable(c.requires, v, hw);
      if (na) {
        cells.push({ ...checkCellBase(name, on, c), verdict: 'n/a', reason: na, seconds: 0, unexpected: false });
        continue;
      }
      opts.onProgress?.(`${name}: check ${c.name}`);
      const s0 = performance.now();
      try {
        const r = checkVariant(v, hw ? { ...c.bounds, hw: hwName(hw) } : c.bounds, (_d, states) => {
          if (opts.maxStates !== undefined && states > opts.maxStates) throw new Budget(states);
        });
        const vi = r.violation;
        const exp = hw ? undefined : c.expect?.[v.name];
        const met = exp === undefined ? undefined : meetsCheckExpectation(vi, exp);
        cells.push({
          ...checkCellBase(name, on, c),
          verdict: vi ? 'violation' : r.verdict === 'incomplete' ? 'incomplete' : 'ok',
          ...(vi ? { violation: violationOf(vi) } : {}),
          seconds: r.seconds,
          states: r.states,
          transitions: r.transitions,
          depth: r.depth,
          ...(met !== undefined ? { expectationMet: met } : {}),
          unexpected: met !== undefined ? !met : !!vi && v.status === 'release' && !knownOnDefault(vi, c.expect?.[v.name]),
        });
      } catch (e) {
        if (!(e instanceof Budget)) throw e;
        cells.push({
          ...checkCellBase(name, on, c),
          verdict: 'incomplete',
          seconds: (performance.now() - s0) / 1000,
          states: e.states,
          unexpected: false,
        });
      }
    }
  }
  return {
    variants: rows.map(({ v, hw, name }) => ({
      name,
      kernel: v.kernel,
      status: v.status ?? (v.mutation ? 'mutation' : 'release'),
      ...(hw ? { hw: hwName(hw) } : {}),
    })),
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

/** A violation is the finding the default hardware's expectation states (so not news elsewhere). */
function knownOnDefault(vi: { invariant: string; kind?: string; step: number }, known: CheckExpectation | undefined): boolean {
  return known !== undefined && meetsCheckExpectation(vi, known);
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

/** A scenario cell that does not apply to this row (the kernel or the CPU lacks what it uses). */
function notApplicableCell(name: string, on: { hw?: string }, scenario: string, reason: string): MatrixCell {
  return {
    variant: name,
    ...on,
    column: scenario,
    type: 'scenario',
    scenario,
    bounds: {},
    verdict: 'n/a',
    reason,
    seconds: 0,
    unexpected: false,
  };
}

function checkCellBase(name: string, on: { hw?: string }, c: NamedCheck) {
  const { events, hw: _hw, without: _without, vl: _vl, ...bounds } = c.bounds;
  return {
    variant: name,
    ...on,
    column: c.name,
    type: 'check' as const,
    check: c.name,
    bounds: { ...bounds },
    ...(events ? { events: [...events] } : {}),
  };
}

/** Short verdict for the text table: `ok`, `leak@13`, `uaf@8`, `warn@8`, `g-lost@9`, `incompl.`. */
