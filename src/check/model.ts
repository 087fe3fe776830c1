/**
 * What the checker needs from a model, and nothing more (after TLC's ITool and fast-check's
 * ICommand): initial state, enabled actions, successor, canonical form, a name for an action.
 * The engines in this folder know nothing about kernels.
 *
 * States are Int32Arrays of a fixed length. Actions are integers. Two rules make traces
 * reproducible: `actions` lists a state's enabled actions in a fixed order, and `step` is a
 * pure function of (state, action). A counterexample is rebuilt by replaying actions.
 */

import type { StateShape } from './shape.js';

/**
 * A property a step broke, as the engines see it: opaque names they compare and carry, never
 * interpret. What the properties are and how they are judged is the model's business (for the
 * kernel model: src/spec/).
 */
export interface Violation {
  readonly invariant: string;
  readonly kind?: string;
  readonly code: string;
  /** One line for the reader. */
  readonly message: string;
  /** Where the step detected it. */
  readonly where: string;
}

/**
 * A violation's class, for `--continue` and `hunt`: what is violated and where it was detected
 * (invariant, kind, code, the kernel function or observation point). Two violations of one class
 * are the same bug as far as the checker can tell; the message (task names, tokens) is not part
 * of it.
 */
export function violationClass(v: Violation): string {
  return `${v.invariant}${v.kind ? `/${v.kind}` : ''} ${v.code} @${v.where}`;
}

export interface Model {
  /** Words per state. */
  readonly words: number;
  initial(): Int32Array;
  /** Appends the enabled actions of `s` to `out`, in a fixed order. */
  actions(s: Int32Array, out: number[]): void;
  /** Writes the successor of `s` under `a` into `out`; returns the violation the step hit, if any. */
  step(s: Int32Array, a: number, out: Int32Array): Violation | null;
  /**
   * Optional: the buffer the model computes successors in. Passed as `step`'s `out`, it saves
   * the copy; its contents are then valid only until the next call of `actions` or `step`.
   */
  readonly stepBuffer?: Int32Array;
  /**
   * Optional, for partial-order reduction: given `all`, the enabled actions of `s` as `actions`
   * listed them, writes into `out` an ample subset of them (in the same order) and returns true,
   * or returns false when the state must be fully expanded. The model answers for conditions C0
   * and C1 (non-empty, and no action outside the set that depends on one inside can run first);
   * the explorer adds the cycle proviso. Only the sequential explorer uses it (`por`).
   */
  ample?(s: Int32Array, all: readonly number[], out: number[]): boolean;
  /** Rewrites `s` in place to the canonical member of its equivalence class (data tokens only). */
  canonicalize(s: Int32Array): void;
  /** Short name of an action, e.g. `switch cpu0 B`. */
  describe(a: number): string;
  /**
   * What the words mean, for symmetry reduction and data independence (src/check/shape.ts).
   * Without it the engines fall back to `canonicalize` and no symmetry.
   */
  readonly shape?: StateShape;
  /** Names of the action kinds (for the simulator's swarm configurations). */
  readonly actionKinds?: readonly string[];
  /** Kind of an action: an index into `actionKinds`. */
  kindOf?(a: number): number;
  /**
   * The kinds this configuration can ever offer (default: all of `actionKinds`). The swarm draws
   * a weight for these only, so a seed's walks do not change when the model grows kinds that
   * the configuration leaves out (a new event family, off here).
   */
  readonly drawnKinds?: readonly number[];
}

/**
 * How a worker thread obtains its own copy of a model: a module to import, the name of a
 * factory function it exports, and a structured-clonable argument. The check engines stay
 * ignorant of what the model is; the caller (src/app/recipes.ts) names its factory.
 */
export interface ModelRecipe {
  /** URL of an ES module. */
  readonly module: string;
  /** Name of an exported `(arg) => Model` (or `Promise<Model>`) function. */
  readonly factory: string;
  readonly arg: unknown;
}
