/**
 * The application's check: a variant explored to bounds (src/check/explore.ts, or the parallel
 * explorer on workers), its counterexample replayed into a full trace. Typed inputs, data
 * results, no argv, no printing: the CLI, the suite, the tests and the benchmarks call it.
 */

import { explore, type ExploreProgress, type ExploreResult, type FoundViolation } from '../check/explore.js';
import type { Violation } from '../spec/invariants.js';
import { exploreParallel } from '../check/parallel.js';
import { zeroCounters, type Counters } from '../cost/counters.js';
import { parseHw } from '../arch/hw.js';
import { parseVectorLengths } from '../arch/sizes.js';
import { InputError } from '../errors.js';
import type { BootSpec } from '../kernel/boot.js';
import { type EventFamily, FAMILIES } from '../kernel/events.js';
import { KernelModel } from '../kernel/model.js';
import { recordRun } from '../trace/record.js';
import type { Trace, TraceStep } from '../trace/types.js';
import type { Variant } from '../variants/types.js';
import { capWorkers } from '../check/workers.js';
import { portableRecipe } from '../cluster/recipe.js';
import type { JobRun } from '../cluster/jobs.js';
import { kernelModelRecipe } from './recipes.js';
import { fixesFor } from '../history/fixes.js';
import { violationClass } from '../check/model.js';
import { KernelShrinkSubject } from '../kernel/model.js';
import { variantOfExpression } from '../variants/expression.js';

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
  /** Events of those families left out (by name). */
  readonly without?: readonly string[];
  /**
   * The CPU as `--hw` spells it (src/arch/hw.ts; default: the one the variant was modelled on,
   * src/kernel/machine.ts defaultHardware). A string, so bounds stay a record of plain values.
   */
  readonly hw?: string;
  /**
   * The machine's vector lengths as `--vl` spells them (`sve=256,sme=512`; src/arch/sizes.ts;
   * default: SVE 512, SME 256 bits). A string, like `hw`.
   */
  readonly vl?: string;
}

/**
 * Defaults: a configuration where every event kind is possible and the seed's use-after-free
 * is reachable (7 steps on one CPU). rfc-2017 is clean at exactly these bounds.
 */
export const DEFAULT_BOUNDS: CheckBounds = { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 12 };

const TASK_NAMES = 'ABCDEFGHIJKLMNOP';

function vlOfBounds(text: string): { sveVlBits?: number; smeVlBits?: number } {
  const vl = parseVectorLengths(text);
  if (typeof vl === 'string') throw new InputError(vl, undefined, undefined, '--vl');
  return { ...(vl.sve !== undefined ? { sveVlBits: vl.sve } : {}), ...(vl.sme !== undefined ? { smeVlBits: vl.sme } : {}) };
}

function hwOfBounds(text: string) {
  const hw = parseHw(text);
  if (typeof hw === 'string') throw new InputError(hw, undefined, undefined, '--hw');
  return hw;
}

export function bootSpecOf(b: Omit<CheckBounds, 'depth'> & { readonly depth?: number }): BootSpec {
  return {
    cpus: b.cpus,
    tasks: [
      ...Array.from({ length: b.tasks }, (_, i) => ({ name: TASK_NAMES[i]! })),
      ...Array.from({ length: b.vcpus }, (_, i) => ({ name: `V${i}`, vcpu: true })),
    ],
    spareSlots: b.spare,
    // A family whose events need SVE guests (kvm_sve, kvmvl: `requires: 'guestSve'`) gives
    // every vcpu SVE (vcpu_has_sve); without it those events could never be enabled.
    ...(b.events?.some((f) => FAMILIES.find((d) => d.name === f)?.requires === 'guestSve') ? { guestSve: true } : {}),
    ...(b.events ? { events: b.events } : {}),
    ...(b.without?.length ? { without: b.without } : {}),
    ...(b.hw !== undefined ? { hw: hwOfBounds(b.hw) } : {}),
    ...(b.vl !== undefined ? vlOfBounds(b.vl) : {}),
  };
}

export interface CheckOptions {
  /** Symmetry reduction over CPUs, task slots and vcpus (default true). */
  readonly symmetry?: boolean;
  /** Rename data versions by first occurrence (default true). */
  readonly relabel?: boolean;
  /**
   * Dead-data abstraction (src/kernel/dead.ts; default true). Tested exact for the built-in
   * variants only, so never applied to a plug-in or a derived variant.
   */
  readonly abstraction?: boolean;
  /** Cap on the explorer's stores, in bytes (default: a quarter of RAM). */
  readonly memoryBytes?: number;
  /** Wall-clock cap in seconds. */
  readonly timeSeconds?: number;
  /** With symmetry off, also count orbits (for comparing the two modes). */
  readonly countOrbits?: boolean;
  /**
   * Partial-order reduction (src/kernel/por.ts; default false; sequential explorer only). Applied
   * when every event of the check's families declares its footprint; `por` in the result says
   * whether it was. A counterexample found with it is searched again without it, to its depth,
   * so that the one reported is still a shortest.
   */
  readonly por?: boolean;
  /** Report only violations of these invariants; other violating steps are dead ends. */
  readonly invariants?: readonly string[];
  /** Go on past violations: the shortest violation of every class (ExploreOptions.continue). */
  readonly continue?: boolean;
  /** Start no level past this many states (ExploreOptions.maxStates; sequential explorer). */
  readonly maxStates?: number;
  /** Fingerprint width (ExploreOptions.fingerprintBits; default 64; not with --redis). */
  readonly fingerprintBits?: 64 | 96;
  readonly onProgress?: (p: ExploreProgress) => void;
  /** Called once per completed level (kept for older callers). */
  readonly onLevel?: (depth: number, states: number, transitions: number) => void;
}

export type CheckViolation = Violation & {
  step: number;
  trace: TraceStep[];
  /** Length of the counterexample before shrinking (BFS counterexamples are already minimal). */
  originalLength: number;
  /** The machine the trace runs on (what `fpctx shrink` and `fpctx run` need to replay it). */
  boot: BootSpec;
  /** With `continue`: the modelled fixes that match this violation's class (src/history/fixes.ts). */
  fixedBy?: FixHint[];
};

/** A modelled fix commit that matches a violation, and the variant expression that has it. */
export interface FixHint {
  readonly id: string;
  readonly title: string;
  readonly release: string;
  /** `--variant` value that looks past the violation (absent for a plug-in). */
  readonly expression?: string;
  /** The trace, replayed on that expression, no longer violates this way (absent: not tried). */
  readonly confirmed?: boolean;
}

/**
 * The modelled fixes `variant` lacks that match `v` (see src/history/fixes.ts). Given the
 * trace's actions, each candidate is tried: the trace is replayed on the variant with the fix,
 * and when some candidates make it pass, only those are returned (`confirmed`).
 */
export function fixHints(
  variant: Variant,
  v: { invariant: string; kind?: string; code: string; where: string; boot?: BootSpec },
  actions?: readonly number[],
): FixHint[] {
  const hints: FixHint[] = fixesFor(variant.commits, v).map(({ commit: c, add }) => ({
    id: c.id,
    title: c.title,
    release: c.release,
    ...(variant.status !== 'plugin' ? { expression: `${variant.name}${add.map((x) => `+${x}`).join('')}` } : {}),
  }));
  if (!actions || !v.boot || variant.status === 'plugin') return hints;
  const key = violationClass(v as Violation);
  const tried = hints.flatMap((h) => {
    const fixed = variantOfExpression(h.expression!);
    if (!fixed) return [h];
    const again = new KernelShrinkSubject(fixed.Kernel).replay(v.boot!, actions).violation;
    return [{ ...h, confirmed: !again || violationClass(again) !== key }];
  });
  const confirmed = tried.filter((h) => h.confirmed);
  return confirmed.length > 0 ? confirmed : tried;
}

export interface CheckResult {
  readonly variant: string;
  readonly bounds: CheckBounds;
  /** Distinct states stored: orbit representatives with symmetry, states without. */
  readonly states: number;
  readonly transitions: number;
  /** Deepest level reached. */
  readonly depth: number;
  readonly seconds: number;
  readonly verdict: 'ok' | 'violation' | 'incomplete';
  readonly violation?: CheckViolation;
  /** With `continue`: the shortest violation of every class found, shortest first. */
  readonly violations?: readonly CheckViolation[];
  /** Register traffic along the counterexample (zero when there is none). */
  readonly counters: Counters;
  /** Peak bytes held by the explorer's stores (visited table, trace links, queue). */
  readonly peakBytes: number;
  readonly statesPerSecond: number;
  /** Every state within this many steps was explored. */
  readonly completeDepth: number;
  /** The whole reachable space lies within the bound. */
  readonly exhausted: boolean;
  readonly symmetry: boolean;
  readonly relabel: boolean;
  /** The dead-data abstraction was applied (src/kernel/dead.ts). */
  readonly abstraction: boolean;
  /** Partial-order reduction was applied (src/kernel/por.ts). */
  readonly por: boolean;
  /** With `por`: states expanded through a proper ample set. */
  readonly reduced?: number;
  /**
   * With `por` and a violation: the reduced search found one at this depth; the counterexample
   * shown comes from the unreduced search to that depth (a shortest one).
   */
  readonly porDepth?: number;
  /** Orbits of reachable states (see README "Performance"), when known. */
  readonly orbits?: number;
  readonly inexactCanon: number;
  /** TLC's optimistic estimate that a fingerprint collision hid a state (2^-fingerprintBits a pair). */
  readonly collisionProbability: number;
  readonly fingerprintBits: 64 | 96;
  /** New states per level. */
  readonly levels: readonly number[];
  /** Which limit stopped an incomplete check. */
  readonly limit?: { readonly kind: 'memory' | 'time'; readonly message: string };
  /** The counterexample as a full trace (for the timeline and the report). */
  readonly trace?: Trace;
  /** With `continue`: each of `violations` as a full trace, in the same order. */
  readonly traces?: readonly Trace[];
  /** With `continue`: each of `violations` as actions from the initial state (for replays). */
  readonly paths?: readonly (readonly number[])[];
}

/**
 * Whether a check applies the dead-data abstraction: asked for (the default), on a built-in
 * variant. Plug-ins and derived variants (commit sets with a fix added or removed) mix function
 * versions the bisimulation test never ran together, so they are checked without it.
 */
function deadDataFor(variant: Variant, opts: CheckOptions): boolean {
  return opts.abstraction !== false && variant.status !== 'plugin' && variant.status !== 'derived';
}

/** Explores `variant` to `bounds`. A function as `options` is the older `onLevel` callback. */
export function checkVariant(
  variant: Variant,
  bounds: CheckBounds,
  options: CheckOptions | ((depth: number, states: number, transitions: number) => void) = {},
): CheckResult {
  const opts: CheckOptions = typeof options === 'function' ? { onLevel: options } : options;
  const spec = bootSpecOf(bounds);
  const model = new KernelModel(variant.Kernel, spec, { deadData: deadDataFor(variant, opts) });
  const r = explore(model, {
    maxDepth: bounds.depth,
    ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
    ...(opts.relabel !== undefined ? { relabel: opts.relabel } : {}),
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.countOrbits ? { countOrbits: true } : {}),
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.continue ? { continue: true } : {}),
    ...(opts.maxStates !== undefined ? { maxStates: opts.maxStates } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onLevel ? { onLevel: opts.onLevel } : {}),
    ...(opts.por ? { por: true } : {}),
    ...(opts.fingerprintBits ? { fingerprintBits: opts.fingerprintBits } : {}),
  });
  // With `continue` the classes of the reduced search are kept as found (the CLI refuses the
  // pair: a reduced graph keeps one violation reachable, not every class shortest).
  if (r.por && r.violation && !opts.continue) {
    // The reduced graph's shortest path to a violation may be longer than the machine's: search
    // again without reduction, to that depth, where a violation is sure to be found.
    const full = explore(model, {
      maxDepth: r.violation.path.length,
      ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
      ...(opts.relabel !== undefined ? { relabel: opts.relabel } : {}),
      ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
      ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
      ...(opts.invariants ? { invariants: opts.invariants } : {}),
      ...(opts.fingerprintBits ? { fingerprintBits: opts.fingerprintBits } : {}),
    });
    if (full.violation) {
      const merged = { ...r, violation: full.violation, depth: full.depth, seconds: r.seconds + full.seconds };
      return { ...checkResultOf(variant, bounds, spec, merged, model.dead !== null), porDepth: r.violation.path.length };
    }
  }
  return checkResultOf(variant, bounds, spec, r, model.dead !== null);
}

/**
 * checkVariant on `workers` threads (src/check/parallel.ts); with one worker, the sequential
 * explorer. Orbit counting and onLevel are sequential-only.
 */
export async function checkVariantParallel(
  variant: Variant,
  bounds: CheckBounds,
  opts: CheckOptions & { workers: number; chunkStates?: number; claimStates?: number; awaitWorkers?: boolean },
): Promise<CheckResult> {
  const workers = capWorkers(opts.workers);
  if (workers <= 1 || opts.relabel === false) return checkVariant(variant, bounds, opts);
  const spec = bootSpecOf(bounds);
  const deadData = deadDataFor(variant, opts);
  const model = new KernelModel(variant.Kernel, spec, { deadData });
  const r = await exploreParallel(model, kernelModelRecipe(variant, spec, deadData), {
    maxDepth: bounds.depth,
    workers,
    ...(opts.chunkStates !== undefined ? { chunkStates: opts.chunkStates } : {}),
    ...(opts.claimStates !== undefined ? { claimStates: opts.claimStates } : {}),
    ...(opts.awaitWorkers ? { awaitWorkers: true } : {}),
    ...(opts.symmetry !== undefined ? { symmetry: opts.symmetry } : {}),
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    ...(opts.timeSeconds !== undefined ? { timeSeconds: opts.timeSeconds } : {}),
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.continue ? { continue: true } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.fingerprintBits ? { fingerprintBits: opts.fingerprintBits } : {}),
  });
  return checkResultOf(variant, bounds, spec, r, deadData);
}

/**
 * checkVariant across processes (src/cluster/explore.ts): this process coordinates, the workers
 * (`fpctx worker --redis URL`) explore. The same states, transitions and verdicts as checkVariant.
 */
export async function checkVariantRedis(
  variant: Variant,
  bounds: CheckBounds,
  opts: CheckOptions & { redis: string; partitions?: number; onRun?: (run: JobRun) => void },
): Promise<CheckResult> {
  const spec = bootSpecOf(bounds);
  // The same abstraction as a single-process check, so that both count the same states.
  const deadData = deadDataFor(variant, opts);
  const model = new KernelModel(variant.Kernel, spec, { deadData });
  const symmetry = opts.symmetry ?? true;
  const ropts = {
    maxDepth: bounds.depth,
    symmetry,
    ...(opts.invariants ? { invariants: opts.invariants } : {}),
    ...(opts.partitions ? { partitions: opts.partitions } : {}),
    ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
    deadline: opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER,
    onLevel: (depth: number, states: number, transitions: number, seconds: number) => {
      opts.onLevel?.(depth, states, transitions);
      opts.onProgress?.({ depth, maxDepth: bounds.depth, states, transitions, seconds, bytes: 0 });
    },
  };
  // Loaded here: the Redis client is needed by --redis runs only.
  const [{ connect, lostRedis }, { JobRun }, { exploreOnRedis, exploreSpec }] = await Promise.all([
    import('../cluster/redis.js'),
    import('../cluster/jobs.js'),
    import('../cluster/explore.js'),
  ]);
  const redis = await connect(opts.redis);
  try {
    const dspec = exploreSpec(portableRecipe(kernelModelRecipe(variant, spec, deadData)), ropts);
    const run = await JobRun.start(redis, dspec);
    opts.onRun?.(run);
    try {
      return checkResultOf(variant, bounds, spec, await exploreOnRedis(run, model, dspec, ropts), deadData);
    } finally {
      await run.close();
    }
  } catch (e) {
    throw lostRedis(e, redis, opts.redis);
  } finally {
    redis.disconnect();
  }
}

/** Shapes an explorer result into the API's result, replaying a counterexample into a trace. */
export function checkResultOf(variant: Variant, bounds: CheckBounds, spec: BootSpec, r: ExploreResult, abstraction = false): CheckResult {
  const extra = {
    peakBytes: r.peakBytes,
    statesPerSecond: r.seconds > 0 ? Math.round(r.states / r.seconds) : 0,
    completeDepth: r.completeDepth,
    exhausted: r.exhausted,
    symmetry: r.symmetry,
    relabel: r.relabel,
    abstraction,
    por: r.por === true,
    ...(r.reduced !== undefined ? { reduced: r.reduced } : {}),
    ...(r.orbits !== undefined ? { orbits: r.orbits } : {}),
    inexactCanon: r.inexactCanon,
    collisionProbability: r.collisionProbability,
    fingerprintBits: r.fingerprintBits,
    levels: r.levels,
    ...(r.limit ? { limit: r.limit } : {}),
  };
  const head = { variant: variant.name, bounds, states: r.states, transitions: r.transitions, depth: r.depth, seconds: r.seconds };
  if (!r.violation) return { ...head, verdict: r.verdict === 'incomplete' ? 'incomplete' : 'ok', counters: zeroCounters(), ...extra };

  const first = replayViolation(variant, spec, r.violation);
  const replays = r.violations?.map((f, i) => (i === 0 ? first : replayViolation(variant, spec, f)));
  const violations = replays?.map((x, i) => ({ ...x.violation, fixedBy: fixHints(variant, x.violation, r.violations![i]!.path) }));
  return {
    ...head,
    verdict: 'violation',
    violation: first.violation,
    ...(violations ? { violations } : {}),
    counters: first.trace.counters,
    ...extra,
    trace: first.trace,
    ...(replays ? { traces: replays.map((x) => x.trace), paths: r.violations!.map((f) => f.path) } : {}),
  };
}

/** Replays a counterexample with full instrumentation: names, calls, effects, snapshots. */
function replayViolation(variant: Variant, spec: BootSpec, found: FoundViolation): { violation: CheckViolation; trace: Trace } {
  const path = found.path;
  const replay = recordRun(
    variant.name,
    variant.Kernel,
    spec,
    path.map((action) => ({ action })),
  );
  const tv = replay.trace.violation;
  if (!replay.ok || !tv || tv.step !== path.length || tv.invariant !== found.violation.invariant) {
    throw new Error(`FPC504 model bug: replaying the counterexample of ${variant.name} does not reproduce it`);
  }
  return { violation: { ...tv, trace: replay.trace.steps, originalLength: path.length, boot: spec }, trace: replay.trace };
}
