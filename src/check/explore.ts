/**
 * Exhaustive breadth-first exploration to a depth bound.
 *
 * Breadth-first order makes the first violation found a shortest one: every state at depth d is
 * expanded before any at depth d+1, and a violation is a property of a transition, so when the
 * expansion of level d hits one, no path of d steps or fewer hits any. Visited states are kept
 * exactly (no hash compaction), keyed by their canonical words; each state records its parent
 * and the action that reached it, and a counterexample is the action path back to the root.
 */

import type { Violation } from './invariants.js';
import type { Model } from './model.js';

export interface ExploreOptions {
  /** States at this depth are not expanded. */
  readonly maxDepth: number;
  /** Called once per completed level. */
  readonly onLevel?: (depth: number, states: number, transitions: number) => void;
}

export interface ExploreResult {
  readonly states: number;
  readonly transitions: number;
  /** Deepest level that contained a new state. */
  readonly depth: number;
  readonly seconds: number;
  readonly violation?: {
    readonly violation: Violation;
    /** Actions from the initial state; the last one is the violating step. */
    readonly path: readonly number[];
  };
}

function keyOf(s: Int32Array): string {
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1');
}

export function explore(model: Model, opts: ExploreOptions): ExploreResult {
  const t0 = performance.now();
  const visited = new Map<string, number>();
  const parent: number[] = [];
  const via: number[] = [];

  const init = model.initial();
  visited.set(keyOf(init), 0);
  parent.push(-1);
  via.push(-1);

  let frontier: { id: number; s: Int32Array }[] = [{ id: 0, s: init }];
  let transitions = 0;
  let depth = 0;
  const acts: number[] = [];

  const pathTo = (id: number, last: number): number[] => {
    const path = [last];
    for (let n = id; n > 0; n = parent[n]!) path.push(via[n]!);
    return path.reverse();
  };

  while (frontier.length > 0 && depth < opts.maxDepth) {
    const next: { id: number; s: Int32Array }[] = [];
    for (const { id, s } of frontier) {
      acts.length = 0;
      model.actions(s, acts);
      for (const a of acts) {
        const succ = new Int32Array(model.words);
        const violation = model.step(s, a, succ);
        transitions++;
        if (violation) {
          return {
            states: visited.size,
            transitions,
            depth: depth + 1,
            seconds: (performance.now() - t0) / 1000,
            violation: { violation, path: pathTo(id, a) },
          };
        }
        model.canonicalize(succ);
        const key = keyOf(succ);
        if (visited.has(key)) continue;
        const nid = parent.length;
        visited.set(key, nid);
        parent.push(id);
        via.push(a);
        next.push({ id: nid, s: succ });
      }
    }
    if (next.length > 0) depth++;
    frontier = next;
    opts.onLevel?.(depth, visited.size, transitions);
  }
  return { states: visited.size, transitions, depth, seconds: (performance.now() - t0) / 1000 };
}
