/**
 * Shrinking a failing trace: delta debugging over the configuration and over the events.
 *
 * A candidate is replayed with fast-check's rule for model-based runs: an action that is not
 * enabled when its turn comes is skipped, not failed, and the replay stops at the first
 * violation. A candidate *still fails* when it violates the same invariant (and kind); what it
 * actually executed becomes the new trace, so disabled leftovers never survive.
 *
 *  1. Configuration: each smaller machine the subject offers (one CPU fewer, one task slot
 *     fewer), with the actions translated; taken greedily while the trace still fails.
 *  2. Events: ddmin (Zeller and Hildebrandt, "Simplifying and isolating failure-inducing input",
 *     TSE 2002), removing complements of n chunks, n doubling up to single events.
 *  3. A final pass that tries removing each single event until none can go.
 * Steps 1-3 repeat until nothing changes. The result is *1-minimal*: removing any one event
 * (and replaying by the rule above) loses the violation; and no offered smaller configuration
 * keeps it. It need not be the globally shortest trace (the explorer gives that).
 */

import type { Violation } from './model.js';
import { sameViolation } from './reconstruct.js';

export interface Replay {
  /** The actions that were enabled and ran, up to and including the violating one. */
  readonly executed: number[];
  readonly violation: Violation | null;
}

export interface Reduction<C> {
  readonly config: C;
  /** The action on the smaller configuration, or null to drop it. */
  map(a: number): number | null;
  /** What was removed, e.g. "cpu1". */
  readonly what: string;
}

export interface ShrinkSubject<C> {
  replay(config: C, actions: readonly number[]): Replay;
  reductions(config: C): readonly Reduction<C>[];
}

export interface ShrinkResult<C> {
  readonly config: C;
  readonly actions: number[];
  readonly violation: Violation;
  /** Candidates replayed. */
  readonly tests: number;
  /** What the configuration lost, in order. */
  readonly removed: string[];
}

export function shrink<C>(subject: ShrinkSubject<C>, config: C, actions: readonly number[], target: Violation): ShrinkResult<C> {
  let tests = 0;
  const removed: string[] = [];
  const test = (c: C, acts: readonly number[]): Replay | null => {
    tests++;
    const r = subject.replay(c, acts);
    return r.violation && sameViolation(r.violation, target) ? r : null;
  };
  const first = test(config, actions);
  if (!first) throw new Error(`FPC510 the trace to shrink does not violate ${target.invariant} when replayed`);
  let cur = first.executed;
  let violation = first.violation!;

  for (let changed = true; changed; ) {
    changed = false;
    // 1. Smaller machines.
    for (let again = true; again; ) {
      again = false;
      for (const red of subject.reductions(config)) {
        const mapped: number[] = [];
        for (const a of cur) {
          const m = red.map(a);
          if (m !== null) mapped.push(m);
        }
        const r = test(red.config, mapped);
        if (r) {
          config = red.config;
          cur = r.executed;
          violation = r.violation!;
          removed.push(red.what);
          again = changed = true;
          break;
        }
      }
    }
    // 2. ddmin over events.
    let n = 2;
    while (cur.length >= 2) {
      const chunk = Math.ceil(cur.length / n);
      let reduced = false;
      for (let start = 0; start < cur.length; start += chunk) {
        const cand = [...cur.slice(0, start), ...cur.slice(start + chunk)];
        const r = test(config, cand);
        if (r) {
          cur = r.executed;
          violation = r.violation!;
          n = Math.max(n - 1, 2);
          reduced = changed = true;
          break;
        }
      }
      if (!reduced) {
        if (n >= cur.length) break;
        n = Math.min(2 * n, cur.length);
      }
    }
    // 3. Single events, to a fixpoint.
    for (let i = cur.length - 1; i >= 0; i--) {
      const r = test(config, [...cur.slice(0, i), ...cur.slice(i + 1)]);
      if (r) {
        cur = r.executed;
        violation = r.violation!;
        changed = true;
        i = cur.length;
      }
    }
  }
  return { config, actions: cur, violation, tests, removed };
}
