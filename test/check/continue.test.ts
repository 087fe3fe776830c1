/**
 * `continue` (TLC's -continue) in the engines: every violation class with its shortest trace,
 * violating steps kept as dead ends. First on a toy model whose answer is worked out by hand,
 * then on a kernel variant, sequential against threaded.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/check/explore.js';
import { type Model, type Violation, violationClass } from '../../src/check/model.js';
import { checkVariant, checkVariantParallel } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';
import { variantOfExpression } from '../../src/variants/expression.js';

const TWO: Violation = { invariant: 'no-two', code: 'T1', message: 'x became 2', where: 'two' };
const FOUR: Violation = { invariant: 'no-four', code: 'T2', message: 'x became 4', where: 'four' };

/** x from 0 to 6; action 0 adds 1, action 1 adds 2; reaching 2 or 4 is a violation. */
const counter: Model = {
  words: 1,
  initial: () => new Int32Array(1),
  actions(s, out) {
    if (s[0]! + 1 <= 6) out.push(0);
    if (s[0]! + 2 <= 6) out.push(1);
  },
  step(s, a, out) {
    out[0] = s[0]! + a + 1;
    return out[0] === 2 ? TWO : out[0] === 4 ? FOUR : null;
  },
  canonicalize() {},
  describe: (a) => (a === 0 ? 'inc' : 'skip'),
};

describe('explore with continue', () => {
  it('finds both classes of the counter, each by its shortest path, going on past the first', () => {
    // By hand: 0 -skip-> 2 violates at once (1 step). 2 is then a dead end, so 4 is reached
    // only as 0 -inc-> 1 -skip-> 3 -inc-> 4 (3 steps). Stored states: 0, 1, 3, 5, 6.
    const r = explore(counter, { maxDepth: 20, continue: true });
    expect(r.verdict).toBe('violation');
    expect(r.violations?.map((v) => [v.violation.where, v.path])).toEqual([
      ['two', [1]],
      ['four', [0, 1, 0]],
    ]);
    expect(r.violation?.violation).toBe(TWO);
    expect(r.states).toBe(5);
    expect(r.exhausted).toBe(true);
  });
  it('without continue stops at the first, as before', () => {
    const r = explore(counter, { maxDepth: 20 });
    expect(r.violation?.path).toEqual([1]);
    expect(r.violations).toBeUndefined();
  });
  it('respects maxStates: no level is started past it', () => {
    // Levels: {0}, {1}, {3}, {5}, {6}. Expanding level 0 stores 1 (2 states) and meets the
    // violation at 2; with a cap of 2 states level 1 is then not expanded.
    const r = explore(counter, { maxDepth: 20, continue: true, maxStates: 2 });
    expect(r.levels).toEqual([1, 1]);
    expect(r.violations?.map((v) => v.violation.where)).toEqual(['two']);
    expect(r.exhausted).toBe(false);
  });
  it('names a class by invariant, kind, code and place, not by the message', () => {
    expect(violationClass({ ...TWO, message: 'other words' })).toBe(violationClass(TWO));
    expect(violationClass({ ...TWO, kind: 'lost' })).not.toBe(violationClass(TWO));
  });
});

describe('check --continue on v4.18-rc1 (1 CPU, 2 tasks, 1 vcpu)', () => {
  const v = findVariant('v4.18-rc1')!;
  const bounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 12 };
  it('reports the 2-step local_bh_enable WARN first, and the do_sve_acc WARN it hid', () => {
    const plain = checkVariant(v, bounds);
    const r = checkVariant(v, bounds, { continue: true });
    // The first class is what the plain check stops at (docs/findings.md: 2 steps).
    expect(r.violations![0]!.where).toBe(plain.violation!.where);
    expect(r.violations![0]!.step).toBe(2);
    const sve = r.violations!.find((x) => x.where === 'do_sve_acc');
    expect(sve?.invariant).toBe('kernel-warn');
    // docs/findings.md: 10 steps with b045e4d0f392 applied; here the WARN path is a dead end and
    // the vcpu thread must leave the run loop some other way, so it cannot be shorter.
    expect(sve!.step).toBeGreaterThanOrEqual(10);
    // Shortest first, and every trace replays to its own class.
    const steps = r.violations!.map((x) => x.step);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    for (const [i, t] of r.traces!.entries()) expect(t.violation?.where).toBe(r.violations![i]!.where);
  });
  it('names the fix of each and the expression that looks past it, which is then clean of that class', () => {
    const r = checkVariant(v, bounds, { continue: true });
    const sve = r.violations!.find((x) => x.where === 'do_sve_acc')!;
    expect(r.violations![0]!.fixedBy?.map((f) => f.id)).toEqual(['b045e4d0f392']);
    // b3eb56b629d1 writes over b045e4d0f392's kvm_arch_vcpu_put_fp: both are needed.
    expect(sve.fixedBy?.map((f) => f.expression)).toEqual(['v4.18-rc1+b045e4d0f392+b3eb56b629d1']);
    const past = checkVariant(variantOfExpression(sve.fixedBy![0]!.expression!)!, bounds, { continue: true });
    expect(past.violations?.some((x) => x.where === 'do_sve_acc' || x.where === 'local_bh_enable') ?? false).toBe(false);
  });
  it('gives the same classes and lengths on 2 worker threads', async () => {
    const one = checkVariant(v, bounds, { continue: true });
    const two = await checkVariantParallel(v, bounds, { continue: true, workers: 2 });
    const key = (r: typeof one) => r.violations!.map((x) => `${violationClass(x)}:${x.step}`);
    expect(key(two)).toEqual(key(one));
    expect(two.states).toBe(one.states);
  });
});

describe('check --continue on v6.12 in the seed configuration (1 CPU, 2 tasks, 1 vcpu, core,fork,kvm)', () => {
  it('names fbc7e61195e2 for both 13-step classes, confirmed by replay, and v6.12+fbc7e61195e2 is clean of them', () => {
    // v6.12 lacks fbc7e61195e2 (v6.14); the 6.1.y backport of it is a side branch that v6.12
    // lacking must not stop the fix from being added (src/history/fixes.ts needs()).
    const bounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 13, events: ['core', 'fork', 'kvm'] as const };
    const r = checkVariant(findVariant('v6.12')!, bounds, { continue: true });
    const lostOrCorrupt = r.violations!.filter((x) => x.invariant === 'integrity');
    expect(lostOrCorrupt.map((x) => x.kind).sort()).toEqual(['corrupt', 'lost']);
    for (const x of lostOrCorrupt) {
      expect(x.step).toBe(13);
      expect(x.fixedBy?.map((f) => [f.expression, f.confirmed])).toEqual([['v6.12+fbc7e61195e2', true]]);
    }
    const past = checkVariant(variantOfExpression('v6.12+fbc7e61195e2')!, bounds, { continue: true });
    expect(past.violations ?? []).toEqual([]);
  });
});
