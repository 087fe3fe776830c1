/**
 * Scenario steps state that an event happens. Where the variant splits a kernel path into
 * steps (v5.13+'s do_sve_acc(), which may sleep in sve_alloc() before it claims the FP
 * context), a later step that needs the path finished gets implied `continue` steps first;
 * where the variant runs the path atomically (mainline's VL change) or takes no trap at all
 * (v6.2+ keeps SVE enabled across a syscall), the written `continue` / `ret_to_user` is a
 * recorded no-op.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { renderTimeline } from '../../src/trace/text.js';
import { PLAIN } from '../../src/style.js';
import { findVariant } from '../../src/variants/index.js';

const scenario = (steps: string, tasks = '[{ name: A }, { name: B }]') =>
  parseScenario(`name: t\nmachine:\n  cpus: 1\n  tasks: ${tasks}\nsteps:\n${steps}`, 'inline.yaml');
const catchInput = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
};
const run = (steps: string, variant: string) => runScenario(scenario(steps), findVariant(variant)!);

const SVE_TRAP = `
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: sve_write, task: A, note: first SVE use traps }
  - { event: ret_to_user, task: A, note: back with SVE enabled }
  - { event: sve_write, task: A }
  - { event: fp_read, task: A }
`;

describe('implied continue', () => {
  it('v4.18 handles the SVE trap in one step: nothing is implied', () => {
    const t = run(SVE_TRAP, 'v4.18').trace;
    expect(t.steps.map((s) => s.event)).toEqual(['switch', 'ret_to_user', 'sve_write', 'ret_to_user', 'sve_write', 'fp_read']);
    expect(t.steps.some((s) => s.implied)).toBe(false);
  });

  it('v5.17 completes do_sve_acc() with an implied continue before ret_to_user, numbered and marked', () => {
    const r = run(SVE_TRAP, 'v5.17');
    const t = r.trace;
    expect(t.violation).toBeUndefined();
    expect(t.steps.map((s) => s.event)).toEqual(['switch', 'ret_to_user', 'sve_write', 'continue', 'ret_to_user', 'sve_write', 'fp_read']);
    expect(t.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const implied = t.steps[3]!;
    expect(implied.implied).toBe(true);
    expect(implied.label).toBe('continue cpu0 (A) (implied)');
    // the body of do_sve_acc() runs in the implied step: TIF_SVE set, the trap disabled
    expect(implied.calls.map((c) => c.fn)).toContain('do_sve_acc');
    expect(implied.state.tasks[0]!.flags.TIF_SVE).toBe(true);
    // the written steps keep their notes; the implied one has none
    expect(r.notes).toEqual([undefined, undefined, 'first SVE use traps', undefined, 'back with SVE enabled', undefined, undefined]);
    // JSON trace: the marker is a field
    expect(JSON.parse(JSON.stringify(t.steps[3])).implied).toBe(true);
    expect('implied' in t.steps[4]!).toBe(false);
  });

  it('the text timeline shows the implied step as such', () => {
    const r = run(SVE_TRAP, 'v5.17');
    const lines = renderTimeline(r.trace, { style: PLAIN, width: 100, notes: r.notes });
    expect(lines).toContain('  4  cpu0  continue cpu0 (A) (implied)');
    const note = lines.findIndex((l) => l.includes('back with SVE enabled'));
    expect(lines[note - 1]).toBe('  5  cpu0  ret_to_user cpu0 (A)');
  });

  it('a preemption written inside the path is run there, and the path completes on the next CPU visit', () => {
    const t = run(
      `
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: sve_write, task: A }
  - { event: switch, cpu: 0, task: B, note: preempted inside do_sve_acc (sve_alloc may sleep) }
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: fp_read, task: A }
`,
      'v5.17',
    ).trace;
    expect(t.violation).toBeUndefined();
    expect(t.steps.map((s) => `${s.event}${s.implied ? '*' : ''}`)).toEqual([
      'switch',
      'ret_to_user',
      'sve_write',
      'switch',
      'switch',
      'continue*',
      'ret_to_user',
      'fp_read',
    ]);
    // B ran while A was part-way through the trap: A's kpath survives the switch
    expect(t.steps[3]!.state.tasks[0]!.kpath).toBe('sve_acc');
  });
});

describe('explicit continue with nothing pending', () => {
  const VL = `
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: syscall, task: A }
  - { event: set_vl, task: A }
  - { event: continue, task: A, note: the VL changes after local_bh_enable }
  - { event: ret_to_user, task: A }
  - { event: fp_read, task: A }
`;

  it('v4.15 splits prctl(PR_SVE_SET_VL): the written continue runs the second half', () => {
    const t = run(VL, 'v4.15').trace;
    const c = t.steps[4]!;
    expect(c.event).toBe('continue');
    expect(c.noop).toBeUndefined();
    expect(t.steps[3]!.state.tasks[0]!.kpath).toBe('set_vl');
    expect(c.state.tasks[0]!.kpath).toBe('none');
  });

  it('mainline changes the VL atomically: the written continue is a recorded no-op', () => {
    const t = run(VL, 'mainline').trace;
    expect(t.violation).toBeUndefined();
    expect(t.steps[3]!.state.tasks[0]!.kpath).toBe('none');
    const c = t.steps[4]!;
    expect(c.noop).toBe(true);
    expect(c.label).toBe('continue cpu0 (A) (nothing to continue)');
    expect(c.calls).toEqual([]);
    expect(c.state).toEqual(t.steps[3]!.state);
    expect(t.steps).toHaveLength(7);
  });

  it('a continue that follows no kernel path is still an error naming the line', () => {
    const sc = scenario(`
  - { event: switch, cpu: 0, task: A }
  - { event: continue, cpu: 0 }
`);
    const e = catchInput(() => runScenario(sc, findVariant('mainline')!));
    expect([e.file, e.line, e.field]).toEqual(['inline.yaml', 8, 'step 2 (continue)']);
    expect(e.message).toMatch(/not enabled/);
  });
});

describe('ret_to_user after an instruction that took no trap', () => {
  // After a syscall, v4.15-v5.17 have discarded SVE (the next SVE use traps again); v6.2+ keep
  // TIF_SVE and EL0 SVE enabled (8c845e273104), so the SVE write runs directly.
  const PIDBENCH = `
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: sve_write, task: A }
  - { event: ret_to_user, task: A }
  - { event: sve_write, task: A }
  - { event: syscall, task: A }
  - { event: ret_to_user, task: A }
  - { event: sve_write, task: A, note: traps again before v6.2 }
  - { event: ret_to_user, task: A }
  - { event: fp_read, task: A }
`;

  it('v4.18: the second trap is taken and ret_to_user returns from it', () => {
    const t = run(PIDBENCH, 'v4.18').trace;
    expect(t.steps.filter((s) => s.noop)).toEqual([]);
    expect(t.counters.sveTraps).toBe(2);
  });

  it('v6.12: no second trap, the written ret_to_user is a no-op marked "no trap taken"', () => {
    const t = run(PIDBENCH, 'v6.12').trace;
    expect(t.violation).toBeUndefined();
    expect(t.counters.sveTraps).toBe(1);
    const noops = t.steps.filter((s) => s.noop);
    expect(noops.map((s) => s.label)).toEqual(['ret_to_user cpu0 (A) (no trap taken)']);
  });

  it('ret_to_user from user mode after anything else is still an error', () => {
    const sc = scenario(`
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: fp_read, task: A }
  - { event: ret_to_user, task: A }
`);
    const e = catchInput(() => runScenario(sc, findVariant('v6.12')!));
    expect(e.field).toBe('step 4 (ret_to_user)');
    expect(e.message).toMatch(/not enabled/);
  });
});
