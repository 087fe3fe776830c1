/**
 * What the checker needs from a model, and nothing more (after TLC's ITool and fast-check's
 * ICommand): initial state, enabled actions, successor, canonical form, a name for an action.
 * The engines in this folder know nothing about kernels.
 *
 * States are Int32Arrays of a fixed length. Actions are integers. Two rules make traces
 * reproducible: `actions` lists a state's enabled actions in a fixed order, and `step` is a
 * pure function of (state, action). A counterexample is rebuilt by replaying actions.
 */

import type { Violation } from './invariants.js';

export interface Model {
  /** Words per state. */
  readonly words: number;
  initial(): Int32Array;
  /** Appends the enabled actions of `s` to `out`, in a fixed order. */
  actions(s: Int32Array, out: number[]): void;
  /** Writes the successor of `s` under `a` into `out`; returns the violation the step hit, if any. */
  step(s: Int32Array, a: number, out: Int32Array): Violation | null;
  /** Rewrites `s` in place to the canonical member of its equivalence class. */
  canonicalize(s: Int32Array): void;
  /** Short name of an action, e.g. `switch cpu0 B`. */
  describe(a: number): string;
}
