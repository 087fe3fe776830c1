/**
 * v4.15 (the release) and v4.15-rc1: what the v4.15 fixes fixed, pinned by the shortest
 * traces the checker finds in rc1, and what v4.15's KVM flush costs.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { checkVariant } from '../../src/app/check.js';
import { findCheck } from '../../src/app/checks.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';

const run = (scenario: string, variant: string) =>
  runScenario(loadScenario(join(BUILTIN_DIR, `${scenario}.yaml`)), findVariant(variant)!).trace;

describe('v4.15 is rfc-2017 under its release name', () => {
  it('the same reachable states on the seed bound', () => {
    const b = findCheck('1cpu-kvm')!.bounds;
    const a = checkVariant(findVariant('v4.15')!, b);
    const r = checkVariant(findVariant('rfc-2017')!, b);
    expect([a.verdict, a.states, a.transitions]).toEqual([r.verdict, r.states, r.transitions]);
  });
});

describe('v4.15-rc1: a45448313706 (sigreturn copies the whole fpsimd_state, `cpu` included)', () => {
  it('found by the sve-stress check: after sigreturn and a migration the task runs with older registers', () => {
    const r = checkVariant(findVariant('v4.15-rc1')!, findCheck('sve-stress')!.bounds);
    expect(r.violation).toMatchObject({ invariant: 'integrity', kind: 'lost', step: 13, where: 'ret_to_user' });
    const events = r.violation!.trace.map((s) => s.event);
    // loaded on one CPU, migrated, a signal whose handler edits the frame, sigreturn, back
    expect(events).toEqual([
      'switch',
      'ret_to_user',
      'idle',
      'switch',
      'signal',
      'continue',
      'ret_to_user',
      'frame_write',
      'sigreturn',
      'continue',
      'idle',
      'switch',
      'ret_to_user',
    ]);
  });
  it('v4.15 copies only user_fpsimd and is clean at the same bound', () => {
    expect(checkVariant(findVariant('v4.15')!, findCheck('sve-stress')!.bounds).verdict).toBe('ok');
  });
});

describe('v4.15-rc1: 071b6d4a5d34 (copy_thread does not flush the child)', () => {
  it("the 1cpu-fork check finds the leak to a child in a dead task's task_struct in 12 steps", () => {
    const r = checkVariant(findVariant('v4.15-rc1')!, findCheck('1cpu-fork')!.bounds);
    expect(r.violation).toMatchObject({ invariant: 'integrity', kind: 'leak', step: 12 });
    expect(r.violation?.message).toMatch(/sees †/);
  });
});

describe("what v4.15's pre-entry flush costs", () => {
  it('an SVE task reloads after any guest run, FP or not (v4.18 does not)', () => {
    expect(run('kvm-guest-no-fp', 'v4.15').byContext.A!.loads).toBe(3);
    expect(run('kvm-guest-no-fp', 'v4.18').byContext.A!.loads).toBe(2);
  });
  it('and per guest FP use the hypervisor saves and restores the host V registers', () => {
    const t = run('seed-kvm', 'v4.15');
    expect([t.counters.hypHostSaves, t.counters.hypHostRestores, t.counters.hypGuestSaves, t.counters.hypGuestLoads]).toEqual([1, 1, 1, 1]);
  });
});
