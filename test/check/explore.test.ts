/**
 * Exhaustive checks: found bugs in buggy variants, and stated bounds at which the correct ones
 * are clean.
 */
import { describe, expect, it } from 'vitest';
import { checkVariant, type CheckBounds } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';

const check = (variant: string, b: Partial<CheckBounds>) =>
  checkVariant(findVariant(variant)!, { cpus: 1, tasks: 1, vcpus: 1, spare: 0, depth: 12, ...b });

describe('the seed bug in v4.15-rc1', () => {
  it('is found on one CPU, with a 7-step shortest counterexample ending at guest entry', () => {
    const r = check('v4.15-rc1', { cpus: 1 });
    expect(r.verdict).toBe('violation');
    expect(r.violation?.invariant).toBe('no-uaf');
    expect(r.violation?.step).toBe(7);
    expect(r.violation?.trace.map((s) => s.event)).toEqual([
      'switch', // A scheduled
      'ret_to_user', // A's state loaded and bound
      'syscall',
      'exit', // A exits; the binding remains
      'switch', // the vcpu thread is scheduled...
      'free', // ...and A's task_struct is freed
      'vcpu_enter', // sve_flush_cpu_state follows the dangling pointer
    ]);
  });
  it('has no counterexample shorter than 7 steps (exhaustive to depth 6)', () => {
    expect(check('v4.15-rc1', { depth: 6 }).verdict).toBe('ok');
  });
  it('the fork/slot-reuse leak (071b6d4a5d34) is found when no vcpu exists', () => {
    const r = check('v4.15-rc1', { tasks: 2, vcpus: 0, depth: 14 });
    expect(r.violation).toMatchObject({ invariant: 'integrity', kind: 'leak' });
    expect(r.violation?.trace.map((s) => s.event)).toContain('fork');
  });
});

describe('no-sve-flush', () => {
  it('is caught corrupting an SVE task', () => {
    const r = check('no-sve-flush', { tasks: 1 });
    expect(r.violation).toMatchObject({ invariant: 'integrity', kind: 'corrupt' });
  });
});

describe('correct variants, clean to a stated bound', () => {
  it('rfc-2017: 2 CPUs, 2 task slots, 1 vcpu, depth 12', () => {
    const r = check('rfc-2017', { cpus: 2, tasks: 2, vcpus: 1, depth: 12 });
    expect(r.verdict).toBe('ok');
    expect(r.depth).toBe(12);
    expect(r.states).toBeGreaterThan(100_000);
  });
  it('flush-always: 1 CPU, 2 task slots, 1 vcpu, depth 14', () => {
    expect(check('flush-always', { tasks: 2, depth: 14 }).verdict).toBe('ok');
  });
  it('rfc-2017 with fork into spare slots: 1 CPU, 2 tasks, 1 spare, depth 12', () => {
    expect(check('rfc-2017', { tasks: 2, vcpus: 0, spare: 1, depth: 12 }).verdict).toBe('ok');
  });
});
