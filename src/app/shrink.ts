/**
 * Shrinking a failing trace (src/check/shrink.ts) and what `fpctx shrink` needs around it:
 * reading a saved trace document into what to replay, and writing a shrunk trace as a
 * scenario file.
 *
 * Accepted input: one JSON document as printed by `run --json`, `check --json`,
 * `simulate --json` or `shrink --json` for a single variant, holding
 *  - `variant` (overridable with --variant);
 *  - the machine: `violation.boot` (check, simulate, shrink), or else `bounds` with
 *    `tasks`/`vcpus`/`spare` (check), or else the task list of the first step's state (run);
 *  - the steps: `violation.trace` (else `trace`), each with `event`, `cpu`, `task` and the
 *    `state` after it (used to find which slot a fork filled and the child's name);
 *  - the violation: `violation.invariant` and `violation.kind`, which the shrunk trace keeps.
 * Steps are resolved by task name against the machine as it replays, like scenario steps. A
 * document that cannot be read, or whose steps do not replay to its violation, is bad input
 * (exit 2), reported against the file.
 */

import { stringify } from 'yaml';
import type { Violation as EngineViolation } from '../check/model.js';
import type { IntegrityKind, InvariantId, Violation } from '../spec/invariants.js';
import { shrink } from '../check/shrink.js';
import { isValidVectorLength } from '../arch/sizes.js';
import { InputError } from '../errors.js';
import { parseJson } from '../input/json.js';
import { documentKind, kindName } from '../input/kinds.js';
import { MAX_NAME } from '../input/limits.js';
import { MAX_CPUS, MAX_SLOTS, MAX_VCPUS } from '../kernel/layout.js';
import { HW_FEATURES, hwName, parseHw, type Hardware } from '../arch/hw.js';
import { DEFAULT_SME_VL_BITS, DEFAULT_SVE_VL_BITS, slotOrder, type BootSpec, type TaskSpec } from '../kernel/boot.js';
import { EVENT_FAMILIES, EVENT_NAMES, EVENTS, type EventFamily, encodeAction, eventIndex, explainDisabled } from '../kernel/events.js';
import { createMachine } from '../kernel/kernel.js';
import { ViolationStop } from '../kernel/machine.js';
import { KernelShrinkSubject } from '../kernel/model.js';
import { TaskState } from '../kernel/records.js';
import { recordRun } from '../trace/record.js';
import type { Trace } from '../trace/types.js';
import { VARIANTS } from '../variants/index.js';
import { variantOfExpression } from '../variants/expression.js';
import type { Variant } from '../variants/types.js';
import { bootSpecOf } from './check.js';
import { variantFlag } from './variants.js';

export interface ShrinkOutcome {
  readonly spec: BootSpec;
  readonly actions: number[];
  readonly removed: string[];
  /** Candidate traces replayed. */
  readonly tests: number;
}

/** Shrinks a failing action sequence on `spec` (see src/check/shrink.ts). */
export function shrinkRun(variant: Variant, spec: BootSpec, actions: readonly number[], target: EngineViolation): ShrinkOutcome {
  const r = shrink(new KernelShrinkSubject(variant.Kernel), spec, actions, target);
  return { spec: r.config, actions: r.actions, removed: r.removed, tests: r.tests };
}

/** Replays `actions` with full instrumentation; it must end in a violation (FPC504 otherwise). */
export function traceOf(
  variant: Variant,
  spec: BootSpec,
  actions: readonly number[],
): Trace & { violation: NonNullable<Trace['violation']> } {
  const rec = recordRun(
    variant.name,
    variant.Kernel,
    spec,
    actions.map((action) => ({ action })),
  );
  const v = rec.trace.violation;
  if (!rec.ok || !v || v.step !== actions.length)
    throw new Error(`FPC504 model bug: replaying a trace of ${variant.name} does not reproduce its violation`);
  return rec.trace as Trace & { violation: NonNullable<Trace['violation']> };
}

interface StepIn {
  event?: unknown;
  cpu?: unknown;
  task?: unknown;
  state?: { tasks?: { slot?: unknown; name?: unknown; state?: unknown; vcpu?: unknown }[] };
}

/** A failing trace read from a document: what to replay and what it must violate. */
export interface TraceInput {
  readonly variant: Variant;
  readonly boot: BootSpec;
  readonly actions: number[];
  /** Names of forked children, by step index (kept so the shrunk trace reads the same). */
  readonly violation: Violation;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A list of names from a document, each one of `known`. */
function namesOf(x: unknown, field: string, known: readonly string[], bad: (field: string, msg: string) => never): string[] {
  if (!Array.isArray(x)) return bad(field, 'expected a list of names');
  return x.map((n, i) => (typeof n === 'string' && known.includes(n) ? n : bad(`${field}[${i}]`, `unknown name ${JSON.stringify(n)}`)));
}

/**
 * The hardware a document's machine had: `violation.boot.hw` (an object, as BootSpec holds it),
 * else the `hw` of a check document or the `bounds.hw` of a run document (as `--hw` spells it).
 */
function hwOf(doc: Record<string, unknown>, file: string): { hw?: Hardware } {
  const v = doc.violation as Record<string, unknown>;
  const boot = isObj(v.boot) ? v.boot : undefined;
  const bounds = isObj(doc.bounds) ? doc.bounds : undefined;
  const raw = boot?.hw ?? doc.hw ?? bounds?.hw;
  const field = boot?.hw !== undefined ? 'violation.boot.hw' : doc.hw !== undefined ? 'hw' : 'bounds.hw';
  if (raw === undefined) return {};
  let text: string | undefined;
  if (typeof raw === 'string') text = raw;
  // `nvhe` came later than the other entries: a document written before it has none (false).
  else if (isObj(raw) && HW_FEATURES.every((f) => typeof raw[f] === 'boolean' || (f === 'nvhe' && raw[f] === undefined)))
    text = hwName({ nvhe: false, ...raw } as unknown as Hardware);
  if (text === undefined)
    throw new InputError(`expected the hardware as --hw spells it (features: ${HW_FEATURES.join(', ')})`, file, undefined, field);
  const hw = parseHw(text);
  if (typeof hw === 'string') throw new InputError(hw, file, undefined, field);
  return { hw };
}

/** Reads the machine of a trace document. */
function bootOf(doc: Record<string, unknown>, steps: StepIn[], file: string): BootSpec {
  return { ...machineOf(doc, steps, file), ...hwOf(doc, file) };
}

function machineOf(doc: Record<string, unknown>, steps: StepIn[], file: string): BootSpec {
  const v = doc.violation as Record<string, unknown>;
  const bad = (field: string, msg: string): never => {
    throw new InputError(msg, file, undefined, field);
  };
  if (isObj(v.boot)) {
    const b = v.boot;
    if (typeof b.cpus !== 'number' || !Array.isArray(b.tasks))
      bad('violation.boot', 'expected {cpus, tasks: [{name, vcpu?}], spareSlots?}');
    return {
      cpus: b.cpus as number,
      tasks: (b.tasks as unknown[]).map((t, i) => {
        if (!isObj(t) || typeof t.name !== 'string') return bad(`violation.boot.tasks[${i}]`, 'expected {name, vcpu?}');
        return { name: t.name, ...(t.vcpu === true ? { vcpu: true } : {}) };
      }),
      spareSlots: typeof b.spareSlots === 'number' ? b.spareSlots : 0,
      ...(typeof b.sveVlBits === 'number' ? { sveVlBits: b.sveVlBits } : {}),
      ...(typeof b.smeVlBits === 'number' ? { smeVlBits: b.smeVlBits } : {}),
      // The alphabet the trace was found with: a replay offers only those events.
      ...(b.events !== undefined ? { events: namesOf(b.events, 'violation.boot.events', EVENT_FAMILIES, bad) as EventFamily[] } : {}),
      ...(b.without !== undefined ? { without: namesOf(b.without, 'violation.boot.without', EVENT_NAMES, bad) } : {}),
    };
  }
  const bounds = doc.bounds;
  if (!isObj(bounds) || typeof bounds.cpus !== 'number')
    return bad('bounds', "missing: the document names no machine (expected 'violation.boot' or 'bounds')");
  if (typeof bounds.tasks === 'number' && typeof bounds.vcpus === 'number') {
    return bootSpecOf({
      cpus: bounds.cpus,
      tasks: bounds.tasks,
      vcpus: bounds.vcpus,
      spare: typeof bounds.spare === 'number' ? bounds.spare : 0,
      // A check document's `vl` (as `--vl` spells it) sits beside its numeric bounds.
      ...(typeof doc.vl === 'string' ? { vl: doc.vl } : {}),
    });
  }
  // `run --json`: the tasks as the first step left them (no step can fork or free before step 2).
  const first = steps[0]?.state?.tasks;
  if (!Array.isArray(first)) return bad('violation.trace[0].state.tasks', "missing: cannot tell the machine's tasks");
  const tasks: TaskSpec[] = [];
  let spare = 0;
  for (const t of first) {
    if (t.state === 'free') spare++;
    else if (typeof t.name === 'string') tasks.push({ name: t.name, ...(t.vcpu !== null && t.vcpu !== undefined ? { vcpu: true } : {}) });
  }
  return {
    cpus: bounds.cpus,
    tasks,
    spareSlots: spare,
    ...(typeof bounds.sveVlBits === 'number' && bounds.sveVlBits !== DEFAULT_SVE_VL_BITS ? { sveVlBits: bounds.sveVlBits } : {}),
  };
}

/**
 * The machine a document names must be one the model builds: whole numbers within the layout's
 * capacity (src/kernel/layout.ts), short names, a real vector length.
 */
function checkBoot(boot: BootSpec, file: string): void {
  const bad = (msg: string): never => {
    throw new InputError(`not a machine fpctx can build: ${msg}`, file, undefined, 'bounds');
  };
  const tasks = slotOrder(boot);
  const spare = boot.spareSlots ?? 0;
  const vcpus = tasks.filter((t) => t.vcpu).length;
  if (!Number.isInteger(boot.cpus) || boot.cpus < 1 || boot.cpus > MAX_CPUS) bad(`cpus must be a whole number from 1 to ${MAX_CPUS}`);
  if (!Number.isInteger(spare) || spare < 0) bad('spare slots must be a whole number');
  if (tasks.length + spare < 1 || tasks.length + spare > MAX_SLOTS) bad(`tasks + spare slots must be from 1 to ${MAX_SLOTS}`);
  if (vcpus > MAX_VCPUS) bad(`at most ${MAX_VCPUS} vcpus`);
  if (tasks.some((t) => t.name.length === 0 || t.name.length > MAX_NAME)) bad(`task names are 1 to ${MAX_NAME} characters`);
  if (boot.sveVlBits !== undefined && !isValidVectorLength(boot.sveVlBits)) bad(`${boot.sveVlBits} is not a vector length`);
  if (boot.smeVlBits !== undefined && !isValidVectorLength(boot.smeVlBits)) bad(`${boot.smeVlBits} is not a vector length`);
}

/** Parses a trace document into what to shrink; every problem is an InputError on `file`. */
export function readTraceInput(text: string, file: string, variantOverride?: string | Variant): TraceInput {
  const doc = parseJson(text, file);
  if (!isObj(doc))
    throw new InputError(
      'expected one JSON object (the output of run, check, simulate or shrink with --json)',
      file,
      undefined,
      undefined,
      'FPC404',
    );
  const kind = documentKind(doc);
  if (kind === 'several')
    throw new InputError(
      "holds several variants' results; print one (a single --variant) and shrink that",
      file,
      undefined,
      undefined,
      'FPC404',
    );
  // A document of another command is named; one of no known shape is read field by field.
  if (kind && !['run', 'check', 'simulate', 'shrink'].includes(kind))
    throw new InputError(
      `${kindName(kind)}: shrink takes the output of run, check, simulate or shrink --json`,
      file,
      1,
      undefined,
      'FPC404',
    );
  const variant =
    variantOverride === undefined
      ? variantOfExpression(String(doc.variant))
      : typeof variantOverride === 'string'
        ? variantFlag(variantOverride, '', false)[0]!
        : variantOverride;
  if (variantOverride === undefined && typeof doc.variant !== 'string')
    throw new InputError('missing: the variant the trace ran on (or give --variant)', file, undefined, 'variant', 'FPC404');
  if (!variant)
    throw new InputError(
      `unknown variant '${String(doc.variant)}' (known: ${VARIANTS.map((v) => v.name).join(', ')})`,
      file,
      undefined,
      'variant',
    );
  const v = doc.violation;
  if (!isObj(v)) throw new InputError('the trace has no violation to shrink', file, undefined, 'violation');
  if (typeof v.invariant !== 'string') throw new InputError('missing', file, undefined, 'violation.invariant');
  const raw = Array.isArray(v.trace) ? v.trace : doc.trace;
  if (!Array.isArray(raw) || raw.length === 0)
    throw new InputError('missing: expected the steps of the failing run', file, undefined, 'violation.trace');
  const steps = raw as StepIn[];
  const boot = bootOf(doc, steps, file);
  checkBoot(boot, file);

  // Resolve each step against the machine as it replays.
  const k = createMachine(variant.Kernel, boot);
  const actions: number[] = [];
  let hit: Violation | null = null;
  steps.forEach((st, i) => {
    if (hit) return;
    const field = (f: string) => `violation.trace[${i}].${f}`;
    if (typeof st !== 'object' || st === null) throw new InputError('expected a step object', file, undefined, `violation.trace[${i}]`);
    const e = typeof st.event === 'string' ? eventIndex(st.event) : -1;
    if (e < 0) throw new InputError(`unknown event '${String(st.event)}'`, file, undefined, field('event'));
    const ev = EVENTS[e]!;
    const cpu = st.cpu === undefined || st.cpu === null ? 0 : st.cpu;
    if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0 || cpu >= k.cfg.cpus)
      throw new InputError(`cpu ${JSON.stringify(cpu)} does not exist (the machine has ${k.cfg.cpus})`, file, undefined, field('cpu'));
    let arg = 0;
    if (ev.params === 'cpu+task' || ev.params === 'task') {
      const name = st.task;
      const t = k.tasks.find((x) => x.state !== TaskState.FREE && k.naming.task(x.slot) === name);
      if (!t) throw new InputError(`no live task named '${String(name)}' at this step`, file, undefined, field('task'));
      arg = t.slot;
    } else if (ev.params === 'cpu+slot') {
      const after = st.state?.tasks;
      const filled = Array.isArray(after)
        ? k.tasks.find((x) => x.state === TaskState.FREE && after[x.slot] && after[x.slot]!.state !== 'free')
        : undefined;
      const slot = filled ?? k.tasks.find((x) => x.state === TaskState.FREE);
      if (!slot) throw new InputError('no free slot for the forked child', file, undefined, field('event'));
      arg = slot.slot;
    }
    if (!ev.enabled(k, cpu, arg))
      throw new InputError(`'${ev.name}' is not enabled here: ${explainDisabled(k, ev, cpu, arg)}`, file, undefined, field('event'));
    k.violation = null;
    try {
      ev.apply(k, cpu, arg);
    } catch (x) {
      if (!(x instanceof ViolationStop)) throw x;
    }
    if (ev.params === 'cpu+slot') {
      const child = st.state?.tasks?.[arg]?.name;
      if (typeof child === 'string') k.naming.rename(arg, child);
    }
    actions.push(encodeAction(e, cpu, arg));
    hit = k.violation;
  });
  const target = { invariant: v.invariant as InvariantId, ...(typeof v.kind === 'string' ? { kind: v.kind as IntegrityKind } : {}) };
  const got = hit as Violation | null;
  if (!got || got.invariant !== target.invariant || (got.kind ?? null) !== (target.kind ?? null)) {
    throw new InputError(
      `the steps do not reproduce the violation on ${variant.name}: expected ${target.invariant}${target.kind ? `/${target.kind}` : ''}, got ${got ? `${got.invariant}${got.kind ? `/${got.kind}` : ''} at step ${actions.length}` : 'none'}`,
      file,
      undefined,
      'violation',
    );
  }
  return { variant, boot, actions, violation: got };
}

/** The shrunk trace as a scenario file (src/scenario/schema.ts); null with a reason if it cannot express it. */
export function scenarioYaml(
  name: string,
  source: string,
  trace: Trace,
  boot: BootSpec,
  originalLength: number,
): { yaml: string } | { error: string } {
  const steps: Record<string, unknown>[] = [];
  let prev = trace.initial;
  for (const st of trace.steps) {
    const ev = EVENTS[eventIndex(st.event)]!;
    const step: Record<string, unknown> = { event: st.event };
    if (ev.params === 'task') step.task = st.task;
    else if (ev.params === 'cpu+task') Object.assign(step, { cpu: st.cpu, task: st.task });
    else if (ev.params === 'cpu+slot') {
      // A scenario's fork takes the first free slot: say so only if that is the one the trace used.
      const firstFree = prev.tasks.find((t) => t.state === 'free');
      const filled = st.state.tasks.find((t, i) => prev.tasks[i]!.state === 'free' && t.state !== 'free');
      if (!filled || !firstFree || filled.slot !== firstFree.slot)
        return {
          error: `step ${st.step} forks into slot ${filled?.slot} while slot ${firstFree?.slot} is free; a scenario cannot say which slot`,
        };
      Object.assign(step, { cpu: st.cpu, as: filled.name });
    } else Object.assign(step, { cpu: st.cpu });
    steps.push(step);
    prev = st.state;
  }
  const v = trace.violation!;
  const doc = {
    name,
    description: `Shrunk by fpctx shrink from a ${originalLength}-step trace (${source}) to ${trace.steps.length} steps.`,
    variant: trace.variant,
    machine: {
      cpus: boot.cpus,
      ...(boot.spareSlots ? { spare_slots: boot.spareSlots } : {}),
      ...(boot.sveVlBits !== undefined && boot.sveVlBits !== DEFAULT_SVE_VL_BITS ? { sve_vl: boot.sveVlBits } : {}),
      ...(boot.smeVlBits !== undefined && boot.smeVlBits !== DEFAULT_SME_VL_BITS ? { sme_vl: boot.smeVlBits } : {}),
      ...(boot.hw ? { hw: hwName(boot.hw) } : {}),
      tasks: slotOrder(boot).map((t) => ({ name: t.name, ...(t.vcpu ? { vcpu: true } : {}) })),
    },
    steps,
    expect: { [trace.variant]: { invariant: v.invariant, ...(v.kind ? { kind: v.kind } : {}), step: v.step } },
  };
  // Flow style for steps and tasks keeps one step per line, like the built-in scenarios.
  return {
    yaml: stringify(doc, { collectionStyle: 'block', lineWidth: 100 }).replace(
      /^( {2}- )event: (.*)\n((?: {4}.*\n)*)/gm,
      (_m, dash: string, event: string, rest: string) =>
        `${dash}{ event: ${event}${rest
          .split('\n')
          .filter(Boolean)
          .map((l) => `, ${l.trim()}`)
          .join('')} }\n`,
    ),
  };
}
