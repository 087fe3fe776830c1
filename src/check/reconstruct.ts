/**
 * Rebuilding a counterexample from trace links (TLC's TLCTrace.getTrace, with symmetry).
 *
 * The explorer stored, for each state, its parent and the index of the action in the parent's
 * enabled list. Those indices refer to the *canonical* representatives it expanded, which may be
 * permuted images of the states a real run passes through, so they cannot be replayed on the
 * machine directly. Instead:
 *
 *  1. replay the links on canonical states: R0 = canon(initial), R(k+1) = canon(step(Rk, a_k));
 *  2. walk the concrete machine from the initial state: at level k take the first enabled action
 *     (in the model's fixed order) whose successor's canonical form is R(k+1);
 *  3. at the last level take the first enabled action that violates the same invariant.
 *
 * Step 2 always succeeds when the model's symmetry claims hold (the concrete state is an image
 * of Rk, so some action maps onto the stored edge); a failure is a model bug, reported as FPC505.
 * The result is a concrete action path, as readable as any scenario: names and versions come
 * from replaying it with full instrumentation (src/trace/record.ts).
 */

import type { Canon } from './explore.js';
import type { Violation } from './model.js';
import type { Model } from './model.js';
import type { ChunkedArray } from './store.js';

function sameWords(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameViolation(a: Violation, b: Violation): boolean {
  return a.invariant === b.invariant && (a.kind ?? null) === (b.kind ?? null);
}

/** The action indices along the stored path from the root to `parent` (links in arrays). */
export function edgesTo(parents: ChunkedArray<Int32Array>, via: ChunkedArray<Uint16Array>, parent: number): number[] {
  const edges: number[] = [];
  for (let x = parent; parents.get(x) !== -1; x = parents.get(x)) edges.push(via.get(x));
  return edges.reverse();
}

/**
 * @param edges the action index (in the canonical parent's enabled list) of each stored edge
 *   from the initial state to the violating step's source state
 * @param index the violating action's index in that state's enabled list
 */
export function reconstruct(model: Model, canon: Canon, edges: readonly number[], index: number, violation: Violation): number[] {
  const fail = (m: string): never => {
    throw new Error(`FPC505 model bug: counterexample reconstruction failed: ${m}`);
  };
  const words = model.words;
  const tmp = new Int32Array(words);
  const list: number[] = [];
  const canonOf = (s: Int32Array) => {
    const c = new Int32Array(words);
    canon.canonicalize(s, c);
    return c;
  };

  // 1. The canonical path.
  const R: Int32Array[] = [canonOf(model.initial())];
  for (let k = 1; k <= edges.length; k++) {
    const r = R[k - 1]!;
    list.length = 0;
    model.actions(r, list);
    const a = list[edges[k - 1]!];
    if (a === undefined || model.step(r, a, tmp)) fail(`stored edge ${k} is not a plain step`);
    R.push(canonOf(tmp));
  }
  list.length = 0;
  model.actions(R[R.length - 1]!, list);
  const va = list[index];
  const vv = va === undefined ? null : model.step(R[R.length - 1]!, va, tmp);
  if (!vv || !sameViolation(vv, violation)) fail('the stored violating step does not violate on replay');

  // 2. The concrete walk.
  let c = model.initial();
  const path: number[] = [];
  for (let k = 1; k < R.length; k++) {
    list.length = 0;
    model.actions(c, list);
    let next: Int32Array | null = null;
    for (const a of list) {
      if (model.step(c, a, tmp)) continue;
      if (sameWords(canonOf(tmp), R[k]!)) {
        path.push(a);
        next = tmp.slice();
        break;
      }
    }
    if (!next) fail(`no action of the concrete state reaches level ${k} of the stored path`);
    c = next!;
  }

  // 3. The violating step.
  list.length = 0;
  model.actions(c, list);
  for (const a of list) {
    const v = model.step(c, a, tmp);
    if (v && sameViolation(v, violation)) {
      path.push(a);
      return path;
    }
  }
  return fail(`no action of the last concrete state violates ${violation.invariant}`);
}
