/**
 * `fpctx bisect`'s logic: between two commit sets, the first modelled commit at which a bounded
 * check's or a scenario's verdict changes.
 *
 * The walk goes from the good set to the bad one a commit at a time: first it drops what only
 * the good set has (newest first), then adds what only the bad set has (oldest first), so every
 * set on the way is a consistent one (src/history/resolve.ts) whenever the ends are. Like `git
 * bisect` it halves the walk, testing O(log n) sets, and so names *a* commit at which the verdict
 * changes; with one change on the way (the usual case: a bug introduced or fixed once) it is
 * the first. The verdict is the violated invariant and kind (and for a WARN_ON its function,
 * since that is what tells one WARN from another), `ok`, `incomplete` or `n/a`.
 */

import { type Hardware, hwName } from '../arch/hw.js';
import { InputError } from '../errors.js';
import type { Commit } from '../history/commits.js';
import { inHistoryOrder, resolveKernel } from '../history/resolve.js';
import type { NamedCheck } from './checks.js';
import { notApplicable } from '../scenario/features.js';
import type { Scenario } from '../scenario/load.js';
import { type ScenarioRun, runScenario } from '../scenario/run.js';
import type { Variant } from '../variants/types.js';
import { type CheckResult, checkVariant } from './check.js';

/** A check (on `hw` when given: the CPU as `--hw` spells it) or a scenario (its CPU is in its boot). */
export type BisectTarget = { readonly check: NamedCheck; readonly hw?: Hardware } | { readonly scenario: Scenario };

export interface Probe {
  readonly variant: Variant;
  readonly verdict: string;
  /** The check's result or the scenario's run (none when n/a). */
  readonly check?: CheckResult;
  readonly run?: ScenarioRun;
}

export interface BisectStep {
  readonly op: '+' | '-';
  readonly commit: Commit;
}

export interface BisectResult {
  readonly good: Probe;
  readonly bad: Probe;
  /** The walk from good to bad, one commit per step. */
  readonly walk: readonly BisectStep[];
  /** Every set tested: its place on the walk (0 = good, walk.length = bad) and verdict. */
  readonly tested: readonly { readonly at: number; readonly verdict: string }[];
  /** The step whose commit changes the verdict, with the sets just before and after it. */
  readonly first: { readonly at: number; readonly step: BisectStep; readonly before: Probe; readonly after: Probe };
}

function verdictOf(vi: { invariant: string; kind?: string; where?: string }): string {
  return `${vi.invariant}${vi.kind ? `/${vi.kind}` : ''}${vi.invariant === 'kernel-warn' && vi.where ? ` in ${vi.where}` : ''}`;
}

/** The verdict of a target on one variant. */
export function probe(v: Variant, target: BisectTarget): Probe {
  if ('check' in target) {
    const c = target.check;
    if (notApplicable(c.requires, v, target.hw)) return { variant: v, verdict: 'n/a' };
    const r = checkVariant(v, target.hw ? { ...c.bounds, hw: hwName(target.hw) } : c.bounds);
    const vi = r.violation;
    return { variant: v, verdict: vi ? verdictOf(vi) : r.verdict, check: r };
  }
  const sc = target.scenario;
  if (notApplicable(sc.requires, v, sc.boot.hw)) return { variant: v, verdict: 'n/a' };
  const run = runScenario(sc, v);
  const vi = run.trace.violation;
  return { variant: v, verdict: vi ? verdictOf(vi) : 'ok', run };
}

function walkBetween(good: Variant, bad: Variant): BisectStep[] {
  const g = new Set(good.commits);
  const b = new Set(bad.commits);
  const drop = inHistoryOrder(good.commits.filter((c) => !b.has(c))).reverse();
  const add = inHistoryOrder(bad.commits.filter((c) => !g.has(c)));
  return [...drop.map((commit) => ({ op: '-' as const, commit })), ...add.map((commit) => ({ op: '+' as const, commit }))];
}

/** The variant `at` steps along the walk from `good`. */
function variantAt(good: Variant, walk: readonly BisectStep[], at: number): Variant {
  const set = new Set(good.commits);
  const ops: string[] = [];
  for (const s of walk.slice(0, at)) {
    if (s.op === '+') set.add(s.commit.id);
    else set.delete(s.commit.id);
    ops.push(`${s.op}${s.commit.id}`);
  }
  const name = `${good.name}${ops.join('')}`;
  const commits = inHistoryOrder(set).map((c) => c.id);
  return {
    name,
    kernel: `${good.kernel} ${ops.join(' ')}`,
    summary: `bisect step ${at} of ${walk.length} from ${good.name}`,
    status: 'derived',
    commits,
    Kernel: resolveKernel(commits, name),
  };
}

/**
 * Bisects `target` between `good` and `bad` (either may be the older; "good" is only the end the
 * walk starts from). Throws InputError if an end is a plug-in (not a commit set), if the ends
 * are the same set, or if their verdicts agree (nothing changes on the way).
 */
export function bisect(good: Variant, bad: Variant, target: BisectTarget, onProgress?: (msg: string) => void): BisectResult {
  for (const [flag, v] of [
    ['--good', good],
    ['--bad', bad],
  ] as const) {
    if (v.status === 'plugin')
      throw new InputError(`${v.name} is a plug-in: bisect walks commit sets (use a variant expression)`, undefined, undefined, flag);
  }
  const walk = walkBetween(good, bad);
  if (walk.length === 0)
    throw new InputError(`${good.name} and ${bad.name} have the same commits: nothing to bisect`, undefined, undefined, '--bad');
  onProgress?.(`${good.name}`);
  const g = probe(good, target);
  onProgress?.(`${bad.name}`);
  const b = probe(bad, target);
  if (g.verdict === b.verdict) {
    throw new InputError(
      `the verdict is ${g.verdict} on both ${good.name} and ${bad.name}: nothing to bisect`,
      undefined,
      undefined,
      '--bad',
    );
  }
  const tested = [
    { at: 0, verdict: g.verdict },
    { at: walk.length, verdict: b.verdict },
  ];
  let lo = 0;
  let hi = walk.length;
  let before = g;
  let after = b;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    const v = variantAt(good, walk, mid);
    onProgress?.(`step ${mid}/${walk.length}: ${walk[mid - 1]!.op}${walk[mid - 1]!.commit.id}`);
    const p = probe(v, target);
    tested.push({ at: mid, verdict: p.verdict });
    if (p.verdict === g.verdict) {
      lo = mid;
      before = p;
    } else {
      hi = mid;
      after = p;
    }
  }
  tested.sort((x, y) => x.at - y.at);
  return { good: g, bad: b, walk, tested, first: { at: hi, step: walk[hi - 1]!, before, after } };
}
