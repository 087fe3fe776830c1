/**
 * The explorer's side of partial-order reduction (src/check/explore.ts, `por`), on toy models:
 * the ample sets a model offers are used, and the cycle proviso keeps a postponed violation
 * reachable. The kernel's ample sets are tested in test/kernel/por.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.js';
import type { Model, Violation } from '../../src/check/model.js';

const BAD: Violation = { invariant: 'bad', code: 'T1', message: 'process 1 fired', where: 'fire' };

/**
 * Process 0 counts modulo `n` forever (action 0); process 1 fires once (action 1), which is the
 * violation. The two never touch the same word, so {action 0} is an ample set wherever process 0
 * can move: without the cycle proviso the search would go round process 0's cycle and never
 * take action 1 (the "ignoring" problem).
 */
function cycleModel(n: number, offerAmple: boolean): Model {
  return {
    words: 2,
    initial: () => new Int32Array(2),
    actions(s, out) {
      out.push(0);
      if (s[1] === 0) out.push(1);
    },
    step(s, a, out) {
      out.set(s);
      if (a === 0) out[0] = (s[0]! + 1) % n;
      else {
        out[1] = 1;
        return BAD;
      }
      return null;
    },
    canonicalize() {},
    describe: (a) => `p${a}`,
    ...(offerAmple
      ? {
          ample(_s: Int32Array, all: readonly number[], out: number[]) {
            if (all.length < 2) return false;
            out.length = 0;
            out.push(0);
            return true;
          },
        }
      : {}),
  };
}

/** `k` independent processes, each stepping its own word from 0 to `m`; ample = the first one that can move. */
function gridModel(k: number, m: number): Model {
  return {
    words: k,
    initial: () => new Int32Array(k),
    actions(s, out) {
      for (let i = 0; i < k; i++) if (s[i]! < m) out.push(i);
    },
    step(s, a, out) {
      out.set(s);
      out[a] = s[a]! + 1;
      return null;
    },
    canonicalize() {},
    describe: (a) => `p${a}`,
    ample(_s, all, out) {
      if (all.length < 2) return false;
      out.length = 0;
      out.push(all[0]!);
      return true;
    },
  };
}

describe('partial-order reduction in the explorer', () => {
  it('explores only the ample sets where independence allows: one interleaving of independent processes', () => {
    // 3 processes of 4 steps: (4+1)^3 = 125 states unreduced. Reduced, process 0 runs first to the
    // end, then 1, then 2: 1 + 4 * 3 = 13 states on one path.
    const full = explore(gridModel(3, 4), { maxDepth: 100 });
    const red = explore(gridModel(3, 4), { maxDepth: 100, por: true });
    expect(full.states).toBe(125);
    expect(full.por).toBe(false);
    expect(red.por).toBe(true);
    expect(red.states).toBe(13);
    expect(red.reduced).toBe(8); // the states where 2 or 3 processes can still move
    expect(red.exhausted).toBe(true);
  });

  it('keeps a violation postponed around a cycle reachable (the proviso fully expands the state closing it)', () => {
    const full = explore(cycleModel(3, false), { maxDepth: 50 });
    expect(full.verdict).toBe('violation');
    expect(full.violation!.path).toEqual([1]);
    const red = explore(cycleModel(3, true), { maxDepth: 50, por: true });
    // Reduced: 0 -> 1 -> 2, whose ample successor 0 is already visited: full expansion there.
    expect(red.verdict).toBe('violation');
    expect(red.violation!.violation.invariant).toBe('bad');
    expect(red.violation!.path).toEqual([0, 0, 1]);
    // The path is longer than the shortest: the application searches again without reduction.
  });

  it('is off for a model that offers no ample sets, and when not asked for', () => {
    const r = explore(cycleModel(3, false), { maxDepth: 50, por: true });
    expect(r.por).toBe(false);
    expect(r.reduced).toBeUndefined();
    const q = explore(cycleModel(3, true), { maxDepth: 50 });
    expect(q.por).toBe(false);
    expect(q.violation!.path).toEqual([1]);
  });
});
