/**
 * The built-in scenarios against every variant: the outcomes the seed thread describes.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { notApplicable } from '../../src/scenario/features.js';
import { InputError } from '../../src/errors.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';

const load = (name: string) => loadScenario(join(BUILTIN_DIR, `${name}.yaml`));
const run = (scenario: string, variant: string) => runScenario(load(scenario), findVariant(variant)!);

describe('seed scenarios', () => {
  it('v4.15-rc1 reports no-uaf on seed-uaf, at the guest entry after A was freed', () => {
    const v = run('seed-uaf', 'v4.15-rc1').trace.violation;
    expect(v?.invariant).toBe('no-uaf');
    expect(v?.where).toBe('sve_flush_cpu_state');
    expect(v?.step).toBe(8); // the vcpu_enter step
  });

  for (const variant of ['rfc-2017', 'flush-always']) {
    for (const scenario of ['seed-kvm', 'seed-kvm-sve', 'seed-uaf']) {
      it(`${variant} passes ${scenario}`, () => {
        expect(run(scenario, variant).trace.violation).toBeUndefined();
      });
    }
  }

  it('flush-always reloads A once more than rfc-2017 in seed-kvm (the redundant reload)', () => {
    const rfc = run('seed-kvm', 'rfc-2017').trace;
    const always = run('seed-kvm', 'flush-always').trace;
    expect(always.byContext.A!.loads).toBe(rfc.byContext.A!.loads + 1);
    expect(always.counters.loads).toBe(rfc.counters.loads + 1);
    // rfc-2017: A loads once (entering user space the first time), never after the guest ran
    expect(rfc.byContext.A!.loads).toBe(1);
    // and the extra load in flush-always reloads exactly what the registers held
    expect(always.counters.redundantLoads).toBe(rfc.counters.redundantLoads + 1);
  });

  it('no-sve-flush reports integrity/corrupt on seed-kvm-sve: A returns with its SVE part zeroed', () => {
    const t = run('seed-kvm-sve', 'no-sve-flush').trace;
    expect(t.violation?.invariant).toBe('integrity');
    expect(t.violation?.kind).toBe('corrupt');
    expect(t.violation?.where).toBe('ret_to_user');
    const last = t.steps[t.steps.length - 1]!.state.cpus[0]!;
    expect(last.regs.hi).toBe('0');
  });

  it("v4.15-rc1 leaks a dead task's registers to a child in its reused slot (fork-reuse)", () => {
    const v = run('fork-reuse', 'v4.15-rc1').trace.violation;
    expect(v).toMatchObject({ invariant: 'integrity', kind: 'leak', step: 13 });
    expect(v?.message).toContain('†A');
  });
});

describe('every built-in scenario states its expectations, and every variant meets them', () => {
  for (const name of builtinScenarioNames()) {
    const sc = load(name);
    for (const v of VARIANTS) {
      const na = notApplicable(sc.requires, v);
      if (na) {
        // A variant without a feature the scenario requires: n/a, so no expectation, and
        // running it there is bad input (one line), not a verdict.
        it(`${name} on ${v.name} is n/a (${na})`, () => {
          expect(sc.expect[v.name], `${name} states an expectation for ${v.name}, where it is n/a`).toBeUndefined();
          expect(() => runScenario(sc, v)).toThrow(InputError);
        });
        continue;
      }
      it(`${name} on ${v.name}`, () => {
        expect(sc.expect[v.name], `${name} has no expectation for ${v.name}`).toBeDefined();
        expect(runScenario(sc, v).expectationMet).toBe(true);
      });
    }
  }
});
