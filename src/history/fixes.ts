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
import { VERSIONS_BY_FUNCTION, conflictOf, isBranch } from './resolve.js';

/** The fix commits of the modelled history, oldest first. */
export const FIX_COMMITS: readonly Commit[] = COMMITS.filter((c) => c.guards && c.guards.length > 0);

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
 * older commits that a version being added is written over (when they are fixes themselves: a
 * feature series is not pulled in to look past a bug). Null when that is not possible.
 */
export function needs(have: ReadonlySet<string>, id: string): string[] | null {
  const set = new Set(have);
  const added: string[] = [];
  const todo = [id];
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
        if (!findCommit(older)?.guards) return null;
        todo.push(older);
      }
    }
  }
  // The versions added may call helpers only a commit the set lacks defines (conflictOf).
  if (conflictOf(set)) return null;
  return added.sort((a, b) => commitIndex(a)! - commitIndex(b)!);
}
