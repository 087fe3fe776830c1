/**
 * Mutation score over the modelled history (`fpctx mutants`): for every fix commit (a commit
 * with guards, src/history/fixes.ts), hunt on the first built-in variant that has it with the
 * fix reverted, and see whether the hunt reports a violation the fix is about (one of its
 * guards). A fix whose revert no hunt notices is either a fix the model does not need (its
 * bug is not modelled) or a blind spot of the hunt: each miss is reported with what was found
 * instead.
 *
 * A revert must leave a consistent set (src/history/resolve.ts): where a later commit of the
 * variant writes over a version the fix introduced, that commit is reverted with it (and
 * named). A fix no built-in variant has (5cbb61bf4168, after the modelled mainline) is
 * measured the other way round: the variant without it is the mutant of the one with it.
 */

import { type Hardware, parseHw } from '../arch/hw.js';
import { type Commit, commitIndex, findCommit, type Guard } from '../history/commits.js';
import { FIX_COMMITS, guardMatches, needs } from '../history/fixes.js';
import { VERSIONS_BY_FUNCTION, conflictOf } from '../history/resolve.js';
import { variantOfExpression } from '../variants/expression.js';
import { VARIANTS } from '../variants/index.js';
import type { Variant } from '../variants/types.js';
import { missingFeatures } from '../scenario/features.js';
import { violationClass } from '../check/model.js';
import { KernelShrinkSubject } from '../kernel/model.js';
import type { CheckViolation } from './check.js';
import { type HuntFinding, huntVariant } from './hunt.js';

export interface MutantResult {
  readonly commit: { readonly id: string; readonly title: string; readonly release: string };
  /** The variant with the fix (a built-in name, or an expression for a fix none has). */
  readonly base: string;
  /** The variant expression hunted: the base with the fix (and what writes over it) reverted. */
  readonly mutant: string;
  /** Other commits reverted with the fix, because they write over its versions. */
  readonly alsoReverted: readonly string[];
  readonly expected: readonly Guard[];
  readonly detected: boolean;
  /** The finding that matched a guard (the shortest one). */
  readonly finding?: { readonly class: string; readonly step: number; readonly command: string };
  /** Budget (states and steps) spent when it was first found: deterministic. */
  readonly firstSpent?: number;
  /** Seconds of hunting until then: machine-dependent. */
  readonly firstSeconds?: number;
  /** Classes the hunt found that did not kill the mutant (the original fails them too, or another kind). */
  readonly other: readonly string[];
  readonly spent: number;
  readonly seconds: number;
  /** The hunt's time cap cut it before it found (or gave up on) the fix's bug. */
  readonly cut: boolean;
  /** Why no built-in variant could have the fix reverted (or added) consistently. */
  readonly notes?: readonly string[];
}

export interface MutantsResult {
  readonly budget: number;
  readonly detected: number;
  readonly total: number;
  readonly results: readonly MutantResult[];
  readonly seconds: number;
}

export interface MutantsOptions {
  /** Per mutant (default the hunt's). */
  readonly budget?: number;
  readonly timeSeconds?: number;
  readonly seed?: number;
  /** Only these fix commits (ids). */
  readonly only?: readonly string[];
  readonly onProgress?: (line: string) => void;
}

const REAL = VARIANTS.filter((v) => (v.status === 'release' || v.status === 'prerelease') && /^(v\d|mainline)/.test(v.name));

/** The built-in kernel version that first has `id`, or undefined. */
function firstWith(id: string): string | undefined {
  // The one with the fewest commits: the earliest state of the code that has the fix.
  return REAL.filter((v) => v.commits.includes(id)).sort((a, b) => a.commits.length - b.commits.length)[0]?.name;
}

/**
 * The release to revert `c` in: the earliest that has it and whose build can show a bug it
 * guards (a guard's `feature` compiled in); else the earliest that has it.
 */
function firstShowing(c: Commit): string | undefined {
  const shows = (v: Variant) => !c.guards || c.guards.some((g) => !g.feature || missingFeatures([g.feature], v).length === 0);
  const withIt = REAL.filter((v) => v.commits.includes(c.id)).sort((a, b) => a.commits.length - b.commits.length);
  return (withIt.find(shows) ?? withIt[0])?.name;
}

/** The commits of `set` to revert with `id`: those whose versions are written over its, transitively. */
function revertClosure(set: readonly string[], id: string): string[] {
  const out = new Set([id]);
  const todo = [id];
  while (todo.length > 0) {
    const x = todo.pop()!;
    for (const list of VERSIONS_BY_FUNCTION.values()) {
      const at = list.findIndex((v) => v.commit === x);
      if (at < 0) continue;
      for (const later of list.slice(at + 1)) {
        if (set.includes(later.commit) && !out.has(later.commit)) {
          out.add(later.commit);
          todo.push(later.commit);
        }
      }
    }
  }
  return [...out].sort((a, b) => commitIndex(a)! - commitIndex(b)!);
}

/** The mutant of a fix: the base that has it, and the expression with it reverted. */
export function mutantOf(c: Commit): { base: string; mutant: string; also: string[] } | undefined {
  return mutantsOf(c)[0];
}

/**
 * Adds to `have` the modelled fixes that came after every modelled release and apply to it
 * (with what each needs), where `ok` accepts the fix and its additions; returns what it added.
 * Only fixes of bugs the default CPU shows: one that needs another CPU hides nothing here.
 */
function addLaterFixes(have: Set<string>, ok: (f: Commit, add: readonly string[]) => boolean): string[] {
  const later: string[] = [];
  for (const f of FIX_COMMITS) {
    if (have.has(f.id) || firstWith(f.id) || !f.guards!.some((g) => !g.hw && have.has(g.since))) continue;
    const add = needs(have, f.id);
    if (!add || !ok(f, add)) continue;
    for (const x of add) {
      have.add(x);
      later.push(x);
    }
  }
  return later;
}

/** Every way to have `c` reverted, best first: reverting it where it first is, then applying it where it is not. */
function mutantsOf(c: Commit): { base: string; mutant: string; also: string[] }[] {
  const out: { base: string; mutant: string; also: string[] }[] = [];
  const builtin = firstShowing(c);
  if (builtin) {
    const set = VARIANTS.find((v) => v.name === builtin)!.commits;
    const revert = revertClosure(set, c.id);
    // The version with the modelled fixes that came after every modelled release and apply to
    // it (5cbb61bf4168 on mainline): another bug of the same class in the original would hide
    // the reverted one, since a check keeps one trace per class.
    // (Nor a fix of the commit being reverted: 5cbb61bf4168 rewrites 316283f276eb's code.)
    const have = new Set(set);
    const later = addLaterFixes(have, (f, add) => !(f.fixes && revert.includes(f.fixes)) && !add.some((x) => revert.includes(x)));
    const base = `${builtin}${later.map((x) => `+${x}`).join('')}`;
    // Reverting other fixes with it is still a revert of fixes; reverting a feature series is
    // not. And the set left must be one the resolver accepts (a later version may call a helper
    // only the reverted commit defines: mainline without 929fa99b1215).
    const left = new Set([...have].filter((x) => !revert.includes(x)));
    if (revert.every((x) => findCommit(x)?.guards) && !conflictOf(left))
      out.push({ base, mutant: `${base}${revert.map((x) => `-${x}`).join('')}`, also: revert.filter((x) => x !== c.id) });
  }
  // The other way round: the newest version without the fix where it applies is the mutant of
  // that version with it.
  // As above, the other fixes that came after every modelled release and apply to it go into
  // both sides (5cbb61bf4168 for a fix applied to mainline), so that their bugs hide nothing.
  const lacking = REAL.filter((v) => !v.commits.includes(c.id) && c.guards!.some((g) => v.commits.includes(g.since)));
  for (const v of lacking.sort((a, b) => b.commits.length - a.commits.length)) {
    const have = new Set(v.commits);
    const later = addLaterFixes(have, (f, add) => f.id !== c.id && !add.includes(c.id));
    const mutant = `${v.name}${later.map((x) => `+${x}`).join('')}`;
    const add = needs(have, c.id);
    if (add) {
      out.push({ base: `${mutant}${add.map((x) => `+${x}`).join('')}`, mutant, also: add.filter((x) => x !== c.id) });
      break;
    }
  }
  return out;
}

export async function mutationScore(opts: MutantsOptions = {}): Promise<MutantsResult> {
  const t0 = performance.now();
  const fixes = FIX_COMMITS.filter((c) => !opts.only || opts.only.includes(c.id));
  const results: MutantResult[] = [];
  for (const c of fixes) {
    const way = mutantOf(c);
    const done = way ? await huntOne(c, way, opts) : undefined;
    if (done) {
      results.push(done);
      continue;
    }
    results.push({
      commit: { id: c.id, title: c.title, release: c.release },
      base: '-',
      mutant: '-',
      alsoReverted: [],
      expected: c.guards!,
      detected: false,
      other: [],
      notes: ['no built-in variant can have it reverted (or added) consistently'],
      spent: 0,
      seconds: 0,
      cut: false,
    });
  }
  return {
    budget: opts.budget ?? 0,
    detected: results.filter((r) => r.detected).length,
    total: results.length,
    results,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function huntOne(c: Commit, m: { base: string; mutant: string; also: string[] }, opts: MutantsOptions): Promise<MutantResult> {
  const { base, mutant, also } = m;
  opts.onProgress?.(`${c.id}: hunting on ${mutant}`);
  const variant = variantOfExpression(mutant)!;
  const original = new KernelShrinkSubject(variantOfExpression(base)!.Kernel);
  const matches = (f: HuntFinding) => c.guards!.some((g) => guardMatches(g, f.violation));
  // A mutant is detected (killed) by a violation of a kind the fix is about whose trace does
  // not fail that way on the version with the fix: a violation the original has too (another
  // bug of the same class) says nothing about the fix.
  const kills = (v: CheckViolation, actions: readonly number[]) => {
    if (!c.guards!.some((g) => guardMatches(g, v))) return false;
    const again = original.replay(v.boot, actions).violation;
    return !again || violationClass(again) !== violationClass(v);
  };
  // A bug that needs another CPU (an SME-only system) is hunted there.
  const cpus = [...new Set(c.guards!.flatMap((g) => (g.hw ? [g.hw] : [])))].map((h) => parseHw(h) as Hardware);
  const r = await huntVariant(variant, {
    keep: kills,
    ...(cpus.length ? { hardware: cpus } : {}),
    ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    stop: matches,
    onProgress: (p) => opts.onProgress?.(`${c.id}: ${mutant}: job ${p.job + 1}/${p.jobs} ${p.what}`),
  });
  // The first found of the matching findings (least budget), then the shortest.
  const hit = r.findings.filter(matches).sort((a, b) => a.firstSpent - b.firstSpent || a.violation.step - b.violation.step)[0];
  return {
    commit: { id: c.id, title: c.title, release: c.release },
    base,
    mutant,
    alsoReverted: also,
    expected: c.guards!,
    detected: !!hit,
    ...(hit
      ? {
          finding: { class: hit.class, step: hit.violation.step, command: hit.command },
          firstSpent: hit.firstSpent,
          firstSeconds: hit.firstSeconds,
        }
      : {}),
    other: r.ignored,
    spent: r.spent,
    seconds: r.seconds,
    cut: r.cut,
  };
}

/** For messages: a commit's title by id. */
export function titleOf(id: string): string {
  return findCommit(id)?.title ?? id;
}
