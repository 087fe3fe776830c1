/**
 * Runs a fixed sequence of actions on a fresh machine with full instrumentation (call tracing,
 * counters, per-step effects and snapshots) and returns the Trace. Used by `fpctx run` for
 * scenarios and by `fpctx check` to turn a counterexample path into a readable trace.
 */

import { hwName } from '../arch/hw.js';
import { CountingSink } from '../cost/counters.js';
import { FORMAT_NAMES, TrapKind, type EffectSink, type FormatId, type TrapKindId } from '../kernel/effects.js';
import { EVENTS, decodeAction, explainDisabled } from '../kernel/events.js';
import { createMachine, type KernelClass } from '../kernel/kernel.js';
import type { BootSpec } from '../kernel/boot.js';
import { ViolationStop, type CallTracer } from '../kernel/machine.js';
import { NONE } from '../kernel/records.js';
import type { Kvm } from '../kernel/kvm.js';
import { snapshot } from './snapshot.js';
import type { CallRecord, EffectRecord, Trace, TraceStep } from './types.js';

export interface StepRequest {
  readonly action: number;
  /** Name for the child of a fork step. */
  readonly forkName?: string;
  /**
   * A step the scenario runner adds on its own (an implied `continue` completing a kernel path
   * before the step that needs it): recorded and marked as implied, and the same step source is
   * asked again afterwards.
   */
  readonly implied?: boolean;
  /**
   * Record the step without running it (an explicit `continue` where the variant's path was
   * atomic: nothing is pending). `why` is shown with the label.
   */
  readonly noop?: string;
}

export type RecordResult =
  | { readonly ok: true; readonly trace: Trace }
  /** Step `index` (0-based) was not enabled; `trace` holds the steps before it. */
  | { readonly ok: false; readonly index: number; readonly reason: string; readonly trace: Trace };

/** Records effects of the current step as EffectRecords, and forwards them to the counters. */
class StepEffects implements EffectSink {
  records: EffectRecord[] = [];
  constructor(
    private readonly k: Kvm,
    private readonly counters: EffectSink,
  ) {}
  save(cpu: number, ctx: number, format: FormatId, bytes: number): void {
    this.counters.save(cpu, ctx, format, bytes);
    this.records.push({ kind: 'save', cpu, ctx: this.k.naming.context(ctx), format: fmt(format), bytes });
  }
  load(cpu: number, ctx: number, format: FormatId, bytes: number, redundant: boolean): void {
    this.counters.load(cpu, ctx, format, bytes, redundant);
    this.records.push({ kind: 'load', cpu, ctx: this.k.naming.context(ctx), format: fmt(format), bytes, redundant });
  }
  flushCpu(cpu: number, dropped: number): void {
    this.counters.flushCpu(cpu, dropped);
    this.records.push({ kind: 'flush_cpu', cpu, dropped: this.k.naming.context(dropped) });
  }
  flushTask(slot: number): void {
    this.counters.flushTask(slot);
    this.records.push({ kind: 'flush_task', task: this.k.naming.task(slot) });
  }
  trap(cpu: number, kind: TrapKindId): void {
    this.counters.trap(cpu, kind);
    this.records.push({
      kind: 'trap',
      cpu,
      trap: kind === TrapKind.SVE_EL0 ? 'sve_el0' : kind === TrapKind.SME_EL0 ? 'sme_el0' : 'guest_fp',
    });
  }
  hyp(cpu: number, who: 'host' | 'guest', restore: boolean, bytes: number): void {
    this.counters.hyp(cpu, who, restore, bytes);
    this.records.push({ kind: 'hyp', cpu, who, op: restore ? 'restore' : 'save', bytes });
  }
  frame(cpu: number, slot: number, op: 'setup' | 'restore', bytes: number): void {
    this.counters.frame?.(cpu, slot, op, bytes);
    this.records.push({ kind: 'frame', cpu, task: this.k.naming.task(slot), op, bytes });
  }
  lost(cpu: number): void {
    this.counters.lost?.(cpu);
    this.records.push({ kind: 'lost', cpu });
  }
}

function fmt(f: FormatId): (typeof FORMAT_NAMES)[number] {
  return FORMAT_NAMES[f];
}

class Calls implements CallTracer {
  records: CallRecord[] = [];
  private depth = 0;
  enter(fn: string): void {
    this.records.push({ fn, depth: this.depth++ });
  }
  leave(): void {
    this.depth--;
  }
}

/** Human label of an action in the machine's current state (before it runs). */
export function labelAction(k: Kvm, action: number): { label: string; cpu: number | null; task: string | null } {
  const { event, cpu, arg } = decodeAction(action);
  const ev = EVENTS[event]!;
  const n = k.naming;
  const curName = (c: number) => {
    const s = k.cpus[c]?.current ?? NONE;
    return s === NONE ? null : n.task(s);
  };
  switch (ev.params) {
    case 'cpu': {
      const t = curName(cpu);
      return { label: `${ev.name} cpu${cpu}${t ? ` (${t})` : ''}`, cpu, task: t };
    }
    case 'cpu+task':
      return { label: `${ev.name} cpu${cpu} → ${n.task(arg)}`, cpu, task: n.task(arg) };
    case 'cpu+slot': {
      const t = curName(cpu);
      return { label: `${ev.name} cpu${cpu}${t ? ` (${t})` : ''} → slot ${arg}`, cpu, task: t };
    }
    case 'task':
      return { label: `${ev.name} ${n.task(arg)}`, cpu: null, task: n.task(arg) };
  }
}

/** A step given as a fixed action, or resolved against the machine as it is when the step runs. */
export type StepSource = StepRequest | ((k: Kvm) => StepRequest | string);

export function recordRun(variantName: string, Kernel: KernelClass, spec: BootSpec, steps: readonly StepSource[]): RecordResult {
  const k = createMachine(Kernel, spec);
  const calls = new Calls();
  k.traceCalls(calls);
  const counting = new CountingSink((ctx) => k.naming.context(ctx));
  const fx = new StepEffects(k, counting);
  k.fx = fx;

  const trace: Trace = {
    variant: variantName,
    machine: {
      cpus: k.cfg.cpus,
      slots: k.cfg.slots,
      vcpus: k.cfg.vcpus,
      sveVlBits: k.cfg.sveVlBits,
      ...(spec.hw ? { hw: hwName(spec.hw) } : {}),
    },
    initial: snapshot(k),
    steps: [],
    counters: counting.total,
    byContext: {},
  };
  const finish = () => {
    trace.byContext = Object.fromEntries(counting.byContext);
    return trace;
  };

  for (let i = 0; i < steps.length; ) {
    const src = steps[i]!;
    const req = typeof src === 'function' ? src(k) : src;
    if (typeof req === 'string') return { ok: false, index: i, reason: req, trace: finish() };
    const { event, cpu, arg } = decodeAction(req.action);
    const ev = EVENTS[event]!;
    if (req.noop === undefined && !ev.enabled(k, cpu, arg)) {
      return {
        ok: false,
        index: i,
        reason: `event '${ev.name}' is not enabled here: ${explainDisabled(k, ev, cpu, arg)}`,
        trace: finish(),
      };
    }
    const { label, cpu: stepCpu, task } = labelAction(k, req.action);
    calls.records = [];
    fx.records = [];
    k.violation = null;
    if (req.noop === undefined) {
      try {
        ev.apply(k, cpu, arg);
      } catch (e) {
        if (!(e instanceof ViolationStop)) throw e;
      }
    }
    if (ev.params === 'cpu+slot' && req.forkName) k.naming.rename(arg, req.forkName);
    const n = trace.steps.length + 1;
    const base = ev.params === 'cpu+slot' ? `${label.replace(/ → slot \d+$/, '')} → ${k.naming.task(arg)}` : label;
    const step: TraceStep = {
      step: n,
      event: ev.name,
      cpu: stepCpu,
      task,
      label: req.implied ? `${base} (implied)` : req.noop !== undefined ? `${base} (${req.noop})` : base,
      ...(req.implied ? { implied: true } : {}),
      ...(req.noop !== undefined ? { noop: true } : {}),
      calls: calls.records,
      effects: fx.records,
      state: snapshot(k),
    };
    const violation = k.violation as Trace['violation'] | null;
    if (violation) {
      step.violation = violation;
      trace.steps.push(step);
      trace.violation = { ...violation, step: n };
      return { ok: true, trace: finish() };
    }
    trace.steps.push(step);
    if (!req.implied) i++;
  }
  return { ok: true, trace: finish() };
}
