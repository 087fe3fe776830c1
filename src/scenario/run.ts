/**
 * Running a scenario on a variant: resolve each step against the machine as it is at that
 * point (task names → slots and CPUs), record the trace, compare with the expectation.
 */

import { InputError } from '../errors.js';
import { EVENTS, encodeAction, eventIndex } from '../kernel/events.js';
import type { Kvm } from '../kernel/kvm.js';
import { TaskState } from '../kernel/records.js';
import { recordRun, type StepRequest } from '../trace/record.js';
import type { Trace } from '../trace/types.js';
import type { Variant } from '../variants/types.js';
import { requireFeatures } from './features.js';
import type { Expectation } from './schema.js';
import type { Scenario, ScenarioStep } from './load.js';

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly trace: Trace;
  /** The scenario's expectation for this variant, if it states one. */
  readonly expected?: Expectation;
  /** Whether the outcome matches `expected` (undefined when there is none). */
  readonly expectationMet?: boolean;
}

function findLive(k: Kvm, name: string, allowZombie: boolean): number {
  for (const t of k.tasks) {
    if (t.state === TaskState.FREE) continue;
    if (!allowZombie && t.state === TaskState.ZOMBIE) continue;
    if (k.naming.task(t.slot) === name) return t.slot;
  }
  return -1;
}

function whyNotLive(k: Kvm, name: string): string {
  const t = k.tasks.find((x) => k.naming.task(x.slot) === name);
  if (!t) return `no task named '${name}'`;
  if (t.state === TaskState.FREE) return `task '${name}' has been freed`;
  if (t.state === TaskState.ZOMBIE) return `task '${name}' has exited (a zombie until freed)`;
  return `task '${name}' is not available here`;
}

/** Resolves one step against the current machine, or explains why it cannot run. */
export function resolveStep(k: Kvm, st: ScenarioStep): StepRequest | string {
  const e = eventIndex(st.event);
  const ev = EVENTS[e]!;
  let cpu = st.cpu ?? -1;
  let arg = 0;
  if (st.task !== undefined) {
    const slot = findLive(k, st.task, ev.params === 'task');
    if (slot < 0) return whyNotLive(k, st.task);
    if (ev.params === 'cpu+task' || ev.params === 'task') arg = slot;
    else {
      const on = k.tasks[slot]!.on_cpu;
      if (on < 0) return `task '${st.task}' is not running on any CPU`;
      if (cpu >= 0 && cpu !== on) return `task '${st.task}' runs on cpu${on}, not cpu${cpu}`;
      cpu = on;
    }
  }
  if (ev.params === 'cpu+slot') {
    if (st.as !== undefined && k.naming.isUsed(st.as)) return `task name '${st.as}' is already taken`;
    const free = k.tasks.find((t) => t.state === TaskState.FREE);
    if (!free) return `no free task slot for the child (add machine.spare_slots, or free a zombie first)`;
    arg = free.slot;
  }
  if (cpu < 0) cpu = 0;
  return { action: encodeAction(e, cpu, arg), ...(st.as !== undefined ? { forkName: st.as } : {}) };
}

export function matchesExpectation(trace: Trace, exp: Expectation): boolean {
  const v = trace.violation;
  if (exp === 'ok') return !v;
  if (!v || v.invariant !== exp.invariant) return false;
  if (exp.kind !== undefined && v.kind !== exp.kind) return false;
  if (exp.step !== undefined && v.step !== exp.step) return false;
  return true;
}

/**
 * Runs the scenario on the variant. A variant that lacks a feature the scenario requires is
 * bad input here (one error line); tables ask scenarioApplies() first and show n/a.
 */
export function runScenario(scenario: Scenario, variant: Variant): ScenarioRun {
  requireFeatures(`scenario ${scenario.name}`, scenario.requires, variant);
  const requests = scenario.steps.map((st) => (k: Kvm) => resolveStep(k, st));
  const result = recordRun(variant.name, variant.Kernel, scenario.boot, requests);
  if (!result.ok) {
    const st = scenario.steps[result.index]!;
    throw new InputError(result.reason, scenario.file, st.line, `step ${result.index + 1} (${st.event})`);
  }
  const expected = scenario.expect[variant.name];
  return {
    scenario,
    trace: result.trace,
    ...(expected !== undefined ? { expected, expectationMet: matchesExpectation(result.trace, expected) } : {}),
  };
}
