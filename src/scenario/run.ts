/**
 * Running a scenario on a variant: resolve each step against the machine as it is at that
 * point (task names → slots and CPUs), record the trace, compare with the expectation.
 */

import { InputError } from '../errors.js';
import { EVENTS, decodeAction, encodeAction, eventCode, eventIndex } from '../kernel/events.js';
import type { Kvm } from '../kernel/kvm.js';
import { KPath, NONE, Pos, TaskState } from '../kernel/records.js';
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
  /** The scenario's step notes, one per trace step (implied steps have none). */
  readonly notes: readonly (string | undefined)[];
}

const CONTINUE = eventCode('continue');
const RET_TO_USER = eventCode('ret_to_user');

/**
 * After an event declared `path` (a multi-step kernel path in at least one variant, or ending
 * in one), or after a `continue`, a scenario may write `continue` for the path's next step. On a
 * variant where that path is atomic (or shorter), there is nothing left to continue and the
 * written `continue` is recorded as a no-op "(nothing to continue)" instead of an error.
 */
function endsPath(event: string | undefined): boolean {
  const e = event === undefined ? -1 : eventIndex(event);
  return e >= 0 && (e === CONTINUE || EVENTS[e]!.path === true);
}

/**
 * After a user instruction declared `traps` (it traps to the kernel in some variants and runs
 * directly in others), a scenario written for a trapping variant follows it with `ret_to_user`;
 * where the variant took no trap the task is still in user mode, and that `ret_to_user` is
 * recorded as a no-op "(no trap taken)".
 */
function mayHaveTrapped(event: string | undefined): boolean {
  const e = event === undefined ? -1 : eventIndex(event);
  return e >= 0 && EVENTS[e]!.traps === true;
}

/** Bound on implied steps before one written step (kernel paths have at most a few steps). */
const MAX_IMPLIED = 16;

/** A task part-way through a kernel path, and the CPU it runs on, or -1. */
function pendingPathCpu(k: Kvm, slot: number): number {
  if (slot === NONE || slot < 0) return -1;
  const t = k.tasks[slot]!;
  if (t.state !== TaskState.RUNNING || t.pos !== Pos.KERNEL || t.kpath === KPath.NONE) return -1;
  return t.on_cpu;
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
 * What runs next for written step `st`: the step itself; or, when its event is not enabled
 * only because the task it names (or its CPU's current task) is part-way through a kernel path,
 * an implied `continue` that takes that path one step further — what the kernel does when
 * nothing interrupts it — after which the step is tried again; or, for a written `continue`
 * with nothing pending right after a path the variant ran atomically, a no-op.
 * `last[cpu]`: the event of the last step on that CPU.
 */
function nextRequest(k: Kvm, st: ScenarioStep, last: string[], implied: { n: number }): StepRequest | string {
  const req = resolveStep(k, st);
  if (typeof req === 'string') return req;
  const { event, cpu, arg } = decodeAction(req.action);
  const ev = EVENTS[event]!;
  if (ev.enabled(k, cpu, arg)) return req;
  const current = k.cpus[cpu]?.current ?? NONE;
  if (event === CONTINUE) {
    // nothing pending on this CPU (else `continue` would be enabled)
    const t = current === NONE ? null : k.tasks[current]!;
    if (t && t.pos !== Pos.GUEST && t.kpath === KPath.NONE && endsPath(last[cpu]))
      return { action: req.action, noop: 'nothing to continue' };
    return req;
  }
  if (event === RET_TO_USER && current !== NONE && k.tasks[current]!.pos === Pos.USER && mayHaveTrapped(last[cpu])) {
    return { action: req.action, noop: 'no trap taken' };
  }
  if (implied.n >= MAX_IMPLIED) return req;
  let on = pendingPathCpu(k, current);
  if (on < 0 && st.task !== undefined) {
    const named = k.tasks.find((t) => t.state === TaskState.RUNNING && k.naming.task(t.slot) === st.task);
    if (named) on = pendingPathCpu(k, named.slot);
  }
  if (on < 0 || !EVENTS[CONTINUE]!.enabled(k, on, 0)) return req;
  implied.n++;
  return { action: encodeAction(CONTINUE, on, 0), implied: true };
}

/**
 * Runs the scenario on the variant. A variant that lacks a feature the scenario requires is
 * bad input here (one error line); the tables ask notApplicable() first and show n/a.
 */
export function runScenario(scenario: Scenario, variant: Variant): ScenarioRun {
  requireFeatures(`scenario ${scenario.name}`, scenario.requires, variant, undefined, scenario.boot.hw);
  const last: string[] = [];
  const requests = scenario.steps.map((st) => {
    const implied = { n: 0 };
    return (k: Kvm) => {
      const r = nextRequest(k, st, last, implied);
      if (typeof r !== 'string') {
        const { event, cpu } = decodeAction(r.action);
        last[cpu] = EVENTS[event]!.name;
      }
      return r;
    };
  });
  const result = recordRun(variant.name, variant.Kernel, scenario.boot, requests);
  if (!result.ok) {
    const st = scenario.steps[result.index]!;
    throw new InputError(result.reason, scenario.file, st.line, `step ${result.index + 1} (${st.event})`);
  }
  const expected = scenario.expect[variant.name];
  const notes: (string | undefined)[] = [];
  let i = 0;
  for (const s of result.trace.steps) notes.push(s.implied ? undefined : scenario.steps[i++]?.note);
  return {
    scenario,
    trace: result.trace,
    notes,
    ...(expected !== undefined ? { expected, expectationMet: matchesExpectation(result.trace, expected) } : {}),
  };
}
