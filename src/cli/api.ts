/**
 * The programmatic API under the CLI: typed inputs, data results, no argv, no printing. Tests,
 * the benchmarks and the suite call these directly.
 */

import { explore } from '../check/explore.js';
import type { Violation } from '../check/invariants.js';
import { zeroCounters, type Counters } from '../cost/counters.js';
import type { BootSpec } from '../kernel/boot.js';
import type { EventFamily } from '../kernel/events.js';
import { KernelModel } from '../kernel/model.js';
import { recordRun } from '../trace/record.js';
import type { Trace, TraceStep } from '../trace/types.js';
import type { Variant } from '../variants/types.js';

export interface CheckBounds {
  /** CPUs. */
  readonly cpus: number;
  /** User-task slots, each holding a runnable task at the start. */
  readonly tasks: number;
  /** vcpus, each with its own vcpu thread (an extra slot) starting inside the run loop. */
  readonly vcpus: number;
  /** Extra slots that start free, for fork. */
  readonly spare: number;
  /** Maximum number of steps from the initial state. */
  readonly depth: number;
  /** Event families to explore (default: DEFAULT_FAMILIES, the first model's alphabet). */
  readonly events?: readonly EventFamily[];
}

/**
 * Defaults: a configuration where every event kind is possible and the seed's use-after-free
 * is reachable (7 steps on one CPU). rfc-2017 is clean at exactly these bounds.
 */
export const DEFAULT_BOUNDS: CheckBounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 12 };

const TASK_NAMES = 'ABCDEFGHIJKLMNOP';

export function bootSpecOf(b: CheckBounds): BootSpec {
  return {
    cpus: b.cpus,
    tasks: [
      ...Array.from({ length: b.tasks }, (_, i) => ({ name: TASK_NAMES[i]! })),
      ...Array.from({ length: b.vcpus }, (_, i) => ({ name: `V${i}`, vcpu: true })),
    ],
    spareSlots: b.spare,
    ...(b.events ? { events: b.events } : {}),
  };
}

export interface CheckResult {
  readonly variant: string;
  readonly bounds: CheckBounds;
  readonly states: number;
  readonly transitions: number;
  /** Deepest level reached. */
  readonly depth: number;
  readonly seconds: number;
  readonly verdict: 'ok' | 'violation';
  readonly violation?: Violation & { step: number; trace: TraceStep[] };
  /** Register traffic along the counterexample (zero when there is none). */
  readonly counters: Counters;
  /** The counterexample as a full trace (for the timeline and the report). */
  readonly trace?: Trace;
}

export function checkVariant(
  variant: Variant,
  bounds: CheckBounds,
  onLevel?: (depth: number, states: number, transitions: number) => void,
): CheckResult {
  const spec = bootSpecOf(bounds);
  const model = new KernelModel(variant.Kernel, spec);
  const r = explore(model, { maxDepth: bounds.depth, ...(onLevel ? { onLevel } : {}) });
  const base = {
    variant: variant.name,
    bounds,
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    seconds: r.seconds,
  };
  if (!r.violation) return { ...base, verdict: 'ok', counters: zeroCounters() };

  // Replay the path with full instrumentation: names, calls, effects, snapshots.
  const replay = recordRun(variant.name, variant.Kernel, spec, r.violation.path.map((action) => ({ action })));
  const tv = replay.trace.violation;
  if (!replay.ok || !tv || tv.step !== r.violation.path.length || tv.invariant !== r.violation.violation.invariant) {
    throw new Error(`FPC504 model bug: replaying the counterexample of ${variant.name} does not reproduce it`);
  }
  return {
    ...base,
    verdict: 'violation',
    violation: { ...tv, trace: replay.trace.steps },
    counters: replay.trace.counters,
    trace: replay.trace,
  };
}
