/**
 * Which modelled fix removes a violation: the fix commits (those with `guards`,
 * src/history/commits.ts) whose guard matches the violation's class, that a commit set lacks
 * although it has the commit that brought the bug in. Used by `check --continue` and `hunt` to
 * say "fixed by ..., look past it with V+id", and by `fpctx mutants` to know what a reverted fix
 * should bring back.
 *
 * A match is by class (invariant, kind, where detected) and history, not a proof: the claim
 * that the fix removes *this* trace is tested by checking the suggested expression
 * (`fpctx mutants`, docs/findings.md).
 */

import { COMMITS, type Commit, type Guard } from './commits.js';

import { commitIndex, findCommit } from './commits.js';
import { RELEASES } from './releases.js';
import { VERSIONS_BY_FUNCTION, conflictOf, isBranch, missingHelper } from './resolve.js';

/** The fix commits of the modelled history, oldest first. */
export const FIX_COMMITS: readonly Commit[] = COMMITS.filter((c) => c.guards && c.guards.length > 0);

/**
 * Upstream commits a stable line of the model carries (`v6.12.y`, `v6.1.y`: only fixes are
 * backported, so these are fixes whether or not the model gives them guards), and the upstream
 * commits of its backports.
 */
const STABLE_FIXES: ReadonlySet<string> = new Set(
  RELEASES.filter((r) => r.name.endsWith('.y')).flatMap((r) => r.add.map((id) => findCommit(id)?.upstream ?? id)),
);

/** Whether `needs()` may pull the commit in: a fix (guards), or a commit a stable line carries. */
function isFixLike(id: string): boolean {
  return !!findCommit(id)?.guards || STABLE_FIXES.has(id);
}

export interface ViolationLike {
  readonly invariant: string;
  readonly kind?: string;
  readonly where: string;
}

export function guardMatches(g: Guard, v: ViolationLike): boolean {
  return g.invariant === v.invariant && (!g.kind || g.kind === v.kind) && (!g.where || g.where === v.where);
}

export interface FixMatch {
  readonly commit: Commit;
  /**
   * What to add to the set to have the fix: the fix, after the older commits its versions are
   * written over that the set lacks (a set must be consistent, src/history/resolve.ts); oldest first.
   */
  readonly add: readonly string[];
}

/**
 * The fixes a set of commits lacks that match `v`: each has a guard matching it whose `since`
 * is in the set, and can be added (with what it needs, at most older fixes) consistently.
 */
export function fixesFor(commits: readonly string[], v: ViolationLike): FixMatch[] {
  const have = new Set(commits);
  const out: FixMatch[] = [];
  for (const c of FIX_COMMITS) {
    if (have.has(c.id) || !c.guards!.some((g) => have.has(g.since) && guardMatches(g, v))) continue;
    const add = needs(have, c.id);
    if (add) out.push({ commit: c, add });
  }
  return out;
}

/**
 * The commits to add to `have` with `id` for a consistent set: `id` and, transitively, the
 * older commits that a version being added is written over, and the older commit that defines
 * a helper a chosen version calls (316283f276eb's __fpr_set() calls 929fa99b1215's
 * fpsimd_sync_from_effective_state()) — when they are fixes themselves (guards, or carried by a
 * stable line): a feature series is not pulled in to look past a bug. Null when that is not
 * possible.
 */
export function needs(have: ReadonlySet<string>, id: string): string[] | null {
  const set = new Set(have);
  const added: string[] = [];
  const todo = [id];
  for (;;) {
    while (todo.length > 0) {
      const x = todo.pop()!;
      if (set.has(x)) continue;
      set.add(x);
      added.push(x);
      for (const list of VERSIONS_BY_FUNCTION.values()) {
        const at = list.findIndex((ver) => ver.commit === x);
        if (at < 0) continue;
        for (let i = 0; i < at; i++) {
          const older = list[i]!.commit;
          if (set.has(older) || isBranch(older)) continue;
          if (!isFixLike(older)) return null;
          todo.push(older);
        }
      }
    }
    // The versions chosen may call a helper only a commit the set lacks defines: the oldest
    // fix among its definers that is not newer than `id` comes in too (with what it needs).
    const m = missingHelper(set);
    if (!m) break;
    const limit = commitIndex(id)!;
    const fix = m.definers.find((d) => !isBranch(d) && isFixLike(d) && commitIndex(d)! <= limit);
    if (!fix) return null;
    todo.push(fix);
  }
  if (conflictOf(set)) return null;
  return added.sort((a, b) => commitIndex(a)! - commitIndex(b)!);
}
