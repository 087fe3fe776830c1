/**
 * The engines alone, on a model that is not a kernel: a lock protocol for N processes, written
 * against src/check/model.ts only. If the explorer, the simulator or the shrinker came to
 * depend on anything kernel-shaped, this model could not drive them.
 *
 * State: word 0 is the lock flag, word 1+i the program counter of process i (0 idle, 1 saw the
 * lock free, 2 in the critical section). Action i steps process i. `racy` is the classic broken
 * lock (test, then set, in two steps); the atomic one tests and sets in one step.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.js';
import type { Model, Violation } from '../../src/check/model.js';
import { combineSlices, newControl, simulateSlice } from '../../src/check/simulate.js';
import { shrink, type ShrinkSubject } from '../../src/check/shrink.js';

const MUTEX: Violation = { invariant: 'mutex', code: 'T1', message: 'two processes in the critical section', where: 'enter' };

function lockModel(n: number, racy: boolean): Model {
  const enabled = (s: Int32Array, i: number): boolean => {
    const pc = s[1 + i]!;
    return pc !== 0 || s[0] === 0; // an idle process waits while the lock is held
  };
  return {
    words: 1 + n,
    initial: () => new Int32Array(1 + n),
    actions(s, out) {
      for (let i = 0; i < n; i++) if (enabled(s, i)) out.push(i);
    },
    step(s, a, out) {
      out.set(s);
      const pc = s[1 + a]!;
      if (pc === 0) {
        if (racy) out[1 + a] = 1;
        else {
          out[0] = 1;
          out[1 + a] = 2;
        }
      } else if (pc === 1) {
        out[0] = 1;
        out[1 + a] = 2;
      } else {
        out[0] = 0;
        out[1 + a] = 0;
      }
      let inside = 0;
      for (let i = 0; i < n; i++) if (out[1 + i] === 2) inside++;
      return inside > 1 ? MUTEX : null;
    },
    canonicalize() {},
    describe: (a) => `step p${a}`,
    actionKinds: ['step'],
    kindOf: () => 0,
  };
}

describe('the engines on a toy lock protocol', () => {
  it('explore: the atomic lock is exhaustively ok; its three states and four transitions counted by hand', () => {
    // (free; idle, idle) → p0 or p1 takes the lock → releases back to the start: 3 states, 4 edges.
    const r = explore(lockModel(2, false), { maxDepth: 10, symmetry: false });
    expect(r.verdict).toBe('ok');
    expect(r.exhausted).toBe(true);
    expect(r.states).toBe(3);
    expect(r.transitions).toBe(4);
  });

  it('explore: the racy lock fails in the shortest possible way (both see it free, then both enter)', () => {
    const r = explore(lockModel(2, true), { maxDepth: 10, symmetry: false });
    expect(r.verdict).toBe('violation');
    // Breadth-first: p0 sees free, p1 sees free, p0 enters, p1 enters. No 3-step path exists,
    // since each process needs two steps to enter and neither may leave in between.
    expect(r.violation?.path).toEqual([0, 1, 0, 1]);
    expect(r.violation?.violation.invariant).toBe('mutex');
  });

  it('simulate finds the race on three processes and shrink reduces it to two processes and four steps', () => {
    const model = lockModel(3, true);
    const slice = simulateSlice(model, { seed: 7, runs: 200, steps: 50 }, newControl(false), Number.MAX_SAFE_INTEGER);
    const f = combineSlices([slice], false).failure;
    expect(f).toBeDefined();
    expect(f!.violation.invariant).toBe('mutex');

    // Configurations are process counts; a reduction drops one process (the others renumbered).
    const subject: ShrinkSubject<number> = {
      replay(n, actions) {
        const m = lockModel(n, true);
        let s = m.initial();
        const next = new Int32Array(m.words);
        const executed: number[] = [];
        const list: number[] = [];
        for (const a of actions) {
          list.length = 0;
          m.actions(s, list);
          if (!list.includes(a)) continue; // fast-check's rule: a disabled action is skipped
          executed.push(a);
          const v = m.step(s, a, next);
          s = next.slice();
          if (v) return { executed, violation: v };
        }
        return { executed, violation: null };
      },
      reductions: (n) =>
        Array.from({ length: n > 1 ? n : 0 }, (_, i) => ({
          config: n - 1,
          map: (a: number) => (a === i ? null : a > i ? a - 1 : a),
          what: `p${i}`,
        })),
    };
    const r = shrink(subject, 3, f!.path, f!.violation);
    expect(r.config).toBe(2);
    expect(r.actions).toHaveLength(4);
    // Two processes that each see the lock free before either enters.
    expect([...r.actions].sort()).toEqual([0, 0, 1, 1]);
    expect(r.removed).toHaveLength(1);
  });
});
