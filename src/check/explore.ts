/**
 * Exhaustive breadth-first exploration to a depth bound.
 *
 * Breadth-first order makes the first violation found a shortest one: every state at depth d is
 * expanded before any at depth d+1, and a violation is a property of a transition, so when the
 * expansion of level d hits one, no path of d steps or fewer hits any.
 *
 * What is stored (TLC's split between the fingerprint set and the trace file):
 *  - the visited set holds 64-bit fingerprints of canonical states, nothing else (fpset.ts);
 *  - per state, in discovery order, its parent's number and the index of the action (in the
 *    parent's enabled list) that reached it: 6 bytes (store.ts);
 *  - the states still to expand, delta-encoded (store.ts), freed level by level.
 * Symmetry reduction and data independence (symmetry.ts) make the stored state the canonical
 * representative of its orbit, so `states` counts orbits (exactly, unless `inexactCanon` > 0).
 *
 * A counterexample is rebuilt from the links (reconstruct.ts): replay the canonical path, then
 * walk the concrete machine from the initial state choosing at each level the first enabled
 * action whose canonical successor is the next canonical state on the path.
 *
 * Partial-order reduction (`por`, issue 15): a state whose model offers an ample set
 * (Model.ample: conditions C0 and C1) is expanded through it alone, unless one of the ample
 * successors was already visited, in which case the state is fully expanded. That is the cycle
 * proviso C3 in a form that holds for any search order: a reduced state's successors are all
 * discovered by it, so along reduced edges discovery numbers strictly increase, and a cycle of
 * the reduced graph must contain a fully expanded state (the edge that closes it goes to an
 * older state). It is stronger than Bošnački and Holzmann's BFS proviso (fully expand only when
 * an ample successor closes back to a state already expanded): a successor first found earlier
 * in the next level also forces the full expansion here, since the fingerprint set keeps no
 * discovery numbers. With reduction, a violation is still found (every state of the reduced
 * graph is reachable, and every violating action stays reachable, postponed but not lost), but
 * possibly at a greater depth than the shortest: the reduced graph has fewer interleavings. A
 * depth bound therefore proves less with `por` (a bounded `ok` covers the reduced graph's paths
 * within the bound); an exhausted search proves as much, and the application re-runs the
 * unreduced search to the depth found when it wants the shortest counterexample.
 *
 * Limits: `memoryBytes` caps what the stores hold; `timeSeconds` caps wall-clock time. Either
 * stops the search cleanly with `verdict: "incomplete"`; every level up to `completeDepth` was
 * then fully explored.
 */

import { collisionProbability, FingerprintSet, Fingerprinter } from './fpset.js';
import type { Violation } from './model.js';
import { defaultMemoryBytes, LimitReached, MemoryBudget } from './memory.js';
import { type Model, violationClass } from './model.js';
import { edgesTo, reconstruct } from './reconstruct.js';
import { ChunkedArray, StateQueue, WordCodec } from './store.js';
import { StateCanonicalizer } from './symmetry.js';

export interface ExploreOptions {
  /** States at this depth are not expanded. */
  readonly maxDepth: number;
  /** Symmetry reduction over the model's groups (default true; needs `model.shape`). */
  readonly symmetry?: boolean;
  /** Rename data versions by first occurrence (default true; needs `model.shape` to turn off). */
  readonly relabel?: boolean;
  /** Cap on the bytes the stores may hold (default: a quarter of RAM). */
  readonly memoryBytes?: number;
  /** Wall-clock cap in seconds. */
  readonly timeSeconds?: number;
  /**
   * With symmetry off, also count the orbits of the visited states (a second fingerprint set of
   * fully canonical forms), so the two modes can be compared.
   */
  readonly countOrbits?: boolean;
  /**
   * Invariants to report (default all). A step that violates another one is a dead end: its
   * successor is not stored (the kernel path was cut short), and the search goes on.
   */
  readonly invariants?: readonly string[];
  /**
   * Go on past violations (TLC's -continue): keep the first (so shortest) violation of each
   * class (violationClass) and explore to the bound. A violating step stays a dead end either
   * way: its successor is not stored (see README, `check --continue`).
   */
  readonly continue?: boolean;
  /**
   * No level is started once this many states are stored: a bound like `maxDepth` (the result
   * is what a depth bound at the last completed level gives), and as deterministic.
   */
  readonly maxStates?: number;
  /** Most tie orders the canonicaliser tries per state (symmetry.ts). */
  readonly maxCandidates?: number;
  /** Called about every `progressEveryMs` (default 250) while exploring. */
  readonly onProgress?: (p: ExploreProgress) => void;
  readonly progressEveryMs?: number;
  /** Called once per completed level. */
  readonly onLevel?: (depth: number, states: number, transitions: number) => void;
  /**
   * Partial-order reduction: expand a state through the model's ample set (Model.ample) when it
   * offers one, under the cycle proviso below. Ignored by a model without `ample`.
   */
  readonly por?: boolean;
  /**
   * Fingerprint width (default 64). 96 adds a word from a second hash to every stored state (12
   * bytes a table slot instead of 8) and takes the collision estimate from 2^-64 to 2^-96 a pair:
   * for a complete verdict over hundreds of millions of states.
   */
  readonly fingerprintBits?: 64 | 96;
}

export interface ExploreProgress {
  /** Level being expanded. */
  readonly depth: number;
  readonly maxDepth: number;
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  /** Bytes the stores hold now. */
  readonly bytes: number;
}

export type Verdict = 'ok' | 'violation' | 'incomplete';

export interface ExploreResult {
  readonly verdict: Verdict;
  /** Distinct states stored (orbit representatives when symmetry is on). */
  readonly states: number;
  /** Successors computed (each enabled action of each expanded state, the violating one included). */
  readonly transitions: number;
  /** Deepest level that contained a state (the counterexample length on a violation). */
  readonly depth: number;
  /** Every state within this many steps was found (== depth unless stopped early). */
  readonly completeDepth: number;
  /** No state had an unexplored successor: the whole reachable space fits within the bound. */
  readonly exhausted: boolean;
  /** New states per level, from level 0 (the initial state). */
  readonly levels: readonly number[];
  readonly seconds: number;
  /** Peak bytes held by the stores. */
  readonly peakBytes: number;
  readonly symmetry: boolean;
  readonly relabel: boolean;
  /** Partial-order reduction applied (the option, and a model that offers ample sets). */
  readonly por?: boolean;
  /** With `por`: states expanded through a proper ample set (the others were fully expanded). */
  readonly reduced?: number;
  /** Orbits of visited states: == states with symmetry; counted separately without it if asked. */
  readonly orbits?: number;
  /** States whose canonical form was cut short (see symmetry.ts); 0 means `states` is exact. */
  readonly inexactCanon: number;
  /** TLC's optimistic estimate of a fingerprint collision having hidden a state. */
  readonly collisionProbability: number;
  /** The fingerprints' width the estimate is for. */
  readonly fingerprintBits: 64 | 96;
  readonly limit?: { readonly kind: 'memory' | 'time'; readonly message: string };
  readonly violation?: FoundViolation;
  /**
   * With `continue`: the first violation of every class found, in the order found (so by
   * nondecreasing length); `violation` is the first of them.
   */
  readonly violations?: readonly FoundViolation[];
}

export interface FoundViolation {
  readonly violation: Violation;
  /** Concrete actions from the initial state; the last one is the violating step. */
  readonly path: readonly number[];
}

/** The canonical form the explorer stores: symmetry + data independence, or the model's own. */
export interface Canon {
  canonicalize(src: Int32Array, dst: Int32Array): void;
  /** The canonical form of `src` into `out`, and its fingerprint into `hi`, `lo` (and `ex` when wide). */
  canonicalHash(src: Int32Array): void;
  /** Where `canonicalHash` leaves the canonical form (valid until the next call). */
  readonly out: Int32Array;
  readonly hi: number;
  readonly lo: number;
  /** A 96-bit fingerprint's third word, when the canon was made `wide` (else 0). */
  readonly ex: number;
  readonly inexact: number;
  /** `canonicalHash(out)` costs nothing extra: the explorer then steps straight into `out`. */
  readonly inPlace?: boolean;
}

/** The model's own canonical form (no shape): data tokens only, in place. */
class ModelCanon implements Canon {
  readonly inexact = 0;
  readonly inPlace = true;
  readonly out: Int32Array;
  hi = 0;
  lo = 0;
  ex = 0;
  private readonly fp: Fingerprinter;
  private readonly outAt: number;

  constructor(
    private readonly model: Model,
    wide = false,
  ) {
    this.fp = new Fingerprinter(model.words + 16, wide);
    this.out = this.fp.buffer(model.words);
    this.outAt = this.out.byteOffset;
  }

  canonicalize(src: Int32Array, dst: Int32Array): void {
    if (dst !== src) dst.set(src);
    this.model.canonicalize(dst);
  }

  canonicalHash(src: Int32Array): void {
    const out = this.out;
    if (src !== out) out.set(src);
    this.model.canonicalize(out);
    this.fp.at(this.outAt, out.byteLength);
    this.hi = this.fp.hi;
    this.lo = this.fp.lo;
    this.ex = this.fp.ex;
  }
}

export function canonFor(model: Model, symmetry: boolean, maxCandidates?: number, relabel = true, wide = false): Canon {
  if (model.shape) return new StateCanonicalizer(model.shape, { symmetry, relabel, wide, ...(maxCandidates ? { maxCandidates } : {}) });
  return new ModelCanon(model, wide);
}

export function codecFor(model: Model): WordCodec {
  const sh = model.shape;
  return sh
    ? new WordCodec(model.words, sh.tokenOffsets, sh.versionBits, sh.writerCount)
    : new WordCodec(model.words, new Int32Array(0), 16, 2);
}

export function explore(model: Model, opts: ExploreOptions): ExploreResult {
  const t0 = performance.now();
  const symmetry = (opts.symmetry ?? true) && !!model.shape;
  const budget = new MemoryBudget(opts.memoryBytes ?? defaultMemoryBytes());
  const bits = opts.fingerprintBits ?? 64;
  const canon = canonFor(model, symmetry, opts.maxCandidates, opts.relabel ?? true, bits === 96);
  const orbitCanon =
    opts.countOrbits && (!symmetry || opts.relabel === false) && model.shape
      ? new StateCanonicalizer(model.shape, opts.maxCandidates ? { maxCandidates: opts.maxCandidates } : {})
      : null;
  const words = model.words;
  const deadline = opts.timeSeconds !== undefined ? t0 + opts.timeSeconds * 1000 : Infinity;
  const every = opts.progressEveryMs ?? 250;
  let nextProgress = t0 + every;

  let seen: FingerprintSet | null = null;
  let orbitSet: FingerprintSet | null = null;
  let queue: StateQueue | null = null;
  let parents: ChunkedArray<Int32Array> | null = null;
  let via: ChunkedArray<Uint16Array> | null = null;
  let transitions = 0;
  let depth = 0;
  let completeDepth = 0;
  let exhausted = false;
  const levels: number[] = [];
  let limit: ExploreResult['limit'];
  let found: { violation: Violation; parent: number; index: number } | null = null;
  // With `continue`: the first violation of each class, by class, in the order found.
  const classes = new Map<string, { violation: Violation; parent: number; index: number }>();

  const s = new Int32Array(words);
  // Successors: in the model's own buffer when it has one, canonicalised (and fingerprinted)
  // into `cs`; or, when canonicalising in place is free, in `cs` itself.
  const cs = canon.out;
  const succ = canon.inPlace ? cs : (model.stepBuffer ?? new Int32Array(words));
  const list: number[] = [];
  const ample = opts.por && model.ample ? model.ample.bind(model) : undefined;
  const amp: number[] = [];
  const pick = new Int32Array(0x10000);
  let revisit = false;
  let reduced = 0;
  let levelEnd = 0;
  const storeBytes = () => budget.used;

  try {
    seen = new FingerprintSet(budget, undefined, bits === 96);
    orbitSet = orbitCanon ? new FingerprintSet(budget) : null;
    queue = new StateQueue(words, codecFor(model), budget);
    parents = new ChunkedArray(Int32Array, budget, 'trace links');
    via = new ChunkedArray(Uint16Array, budget, 'trace links');

    canon.canonicalHash(model.initial());
    seen.add(canon.hi, canon.lo, canon.ex);
    if (orbitCanon && orbitSet) {
      orbitCanon.canonicalHash(cs);
      orbitSet.add(orbitCanon.hi, orbitCanon.lo);
    }
    parents.push(-1);
    via.push(0);
    queue.push(cs);
    levels.push(1);

    let id = 0;
    levelEnd = 1;
    const maxStates = opts.maxStates ?? Infinity;
    outer: while (depth < opts.maxDepth && id < levelEnd && seen.size < maxStates) {
      for (; id < levelEnd; id++) {
        queue.shift(s);
        list.length = 0;
        model.actions(s, list);
        if (list.length > 0xffff) throw new Error(`FPC507 model bug: ${list.length} enabled actions in one state (at most 65535)`);
        // With partial-order reduction, the ample set's actions first (`pick` marks them); the
        // others only if the cycle proviso calls for the full expansion (see the file comment).
        const partial = ample?.(s, list, amp) === true;
        if (partial) {
          pick.fill(0, 0, list.length);
          for (let i = 0, j = 0; i < list.length && j < amp.length; i++) if (list[i] === amp[j]) pick[i] = ++j;
        }
        for (let pass = 0; pass < 2; pass++) {
          for (let i = 0; i < list.length; i++) {
            if (partial && (pick[i] === 0) === (pass === 0)) continue;
            transitions++;
            const v = model.step(s, list[i]!, succ);
            if (v) {
              if (opts.invariants && !opts.invariants.includes(v.invariant)) continue;
              if (opts.continue) {
                const key = violationClass(v);
                if (!classes.has(key)) classes.set(key, { violation: v, parent: id, index: i });
                continue;
              }
              found = { violation: v, parent: id, index: i };
              break outer;
            }
            canon.canonicalHash(succ);
            if (seen.add(canon.hi, canon.lo, canon.ex)) {
              parents.push(id);
              via.push(i);
              queue.push(cs);
              if (orbitCanon && orbitSet) {
                orbitCanon.canonicalHash(cs);
                orbitSet.add(orbitCanon.hi, orbitCanon.lo);
              }
            } else if (partial && pass === 0) revisit = true;
          }
          if (!partial) break;
          if (!revisit) {
            reduced++;
            break;
          }
          revisit = false;
        }
        if ((id & 63) === 0) {
          const now = performance.now();
          // At the time limit, one last progress report first: how far the search got is then
          // shown whatever the clock did between reports (a stalled process may skip them all).
          if (now > deadline) nextProgress = now;
          if (opts.onProgress && now >= nextProgress) {
            nextProgress = now + every;
            opts.onProgress({
              depth,
              maxDepth: opts.maxDepth,
              states: seen.size,
              transitions,
              seconds: (now - t0) / 1000,
              bytes: storeBytes(),
            });
          }
          if (now > deadline) throw new LimitReached('time', `time limit of ${opts.timeSeconds}s reached`);
        }
      }
      const added = seen.size - levelEnd;
      completeDepth = depth + 1;
      if (added > 0) {
        depth++;
        levels.push(added);
      } else exhausted = true;
      levelEnd = seen.size;
      opts.onLevel?.(depth, seen.size, transitions);
    }
    if (!found && id >= levelEnd) exhausted = true;
    if (!found) completeDepth = depth;
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    limit = { kind: e.kind, message: e.message };
    // The level being generated is partial: count what it holds so far.
    if (seen && seen.size > levelEnd && levelEnd > 0) levels.push(seen.size - levelEnd);
  }

  const states = seen?.size ?? 0;
  if (queue) queue.dispose();
  const base = {
    states,
    transitions,
    completeDepth,
    levels,
    seconds: (performance.now() - t0) / 1000,
    peakBytes: budget.peak,
    symmetry,
    relabel: opts.relabel ?? true,
    por: ample !== undefined,
    ...(ample ? { reduced } : {}),
    ...(orbitSet ? { orbits: orbitSet.size } : symmetry && opts.relabel !== false ? { orbits: states } : {}),
    inexactCanon: canon.inexact + (orbitCanon?.inexact ?? 0),
    collisionProbability: collisionProbability(states, transitions, bits),
    fingerprintBits: bits,
  };
  if (classes.size > 0 && parents && via) {
    const all = [...classes.values()].map((f) => ({
      violation: f.violation,
      path: reconstruct(model, canon, edgesTo(parents!, via!, f.parent), f.index, f.violation),
    }));
    return {
      ...base,
      verdict: 'violation',
      depth: limit ? Math.max(0, levels.length - 1) : depth,
      exhausted: limit ? false : exhausted,
      seconds: (performance.now() - t0) / 1000,
      ...(limit ? { limit } : {}),
      violation: all[0]!,
      violations: all,
    };
  }
  if (found && parents && via) {
    const path = reconstruct(model, canon, edgesTo(parents, via, found.parent), found.index, found.violation);
    return {
      ...base,
      verdict: 'violation',
      depth: path.length,
      exhausted: false,
      seconds: (performance.now() - t0) / 1000,
      violation: { violation: found.violation, path },
    };
  }
  if (limit) return { ...base, verdict: 'incomplete', depth: Math.max(0, levels.length - 1), exhausted: false, limit };
  return { ...base, verdict: 'ok', depth, exhausted };
}
