/**
 * Parallel breadth-first exploration on shared memory, the design of the multi-core model
 * checkers (LTSmin; SPIN's multi-core BFS; Laarman et al., FMCAD 2010): every thread expands
 * states of the same level and inserts successors into one lock-free visited table
 * (sharedset.ts). Thread 0 is the calling thread itself (it has the model built and warm), the
 * others are worker threads; no state crosses a message, only SharedArrayBuffers are handed
 * round.
 *
 * A level is a list of chunks (chunks.ts): SharedArrayBuffers of delta-encoded states, each
 * with a links buffer beside it (parent number, action index: 6 bytes a state, and where each
 * claim unit starts). Threads claim the level in units of `claimStates` states (a unit starts
 * with a keyframe, so it decodes on its own) with one Atomics.add on a shared cursor, and
 * append the successors they win in the table to chunks of their own; at the level's end the
 * coordinator lines the threads' chunks up in thread order, and that is the next level. A
 * state's number is its place in that order (the level's base, the chunk's start, the record),
 * so a parent is named before its children are found and a counterexample is rebuilt from the
 * links alone, without asking any thread. Once a level is expanded, its links are written to a
 * file (linkfile.ts) and its buffers go back to the thread that wrote them, for the level after
 * next: memory holds at most two levels, whatever the depth.
 *
 * The table grows stop-the-world, a segment at a time: a thread that takes a segment past 3/4
 * load raises the pause word; every thread stops between two states and says so; the
 * coordinator rehashes each such segment into one twice the size and sends the table round;
 * they go on where they stopped. A limit (time, memory)
 * raises the word for good.
 *
 * What does not depend on the schedule: the states of each level (a level is the successors of
 * the previous one that no earlier level holds), hence the counts per level and the verdicts,
 * equal to the sequential explorer's; and on a violation, which step is reported: the level is
 * finished, and of all its violating steps the one from the least parent state (word order),
 * then the least action index (per class with `continue`). Which parent a state is linked to
 * is whichever thread stored it first, so the path to the reported step is one of the shortest,
 * not always the same one. Counts at a violation cover the whole level, so they are larger
 * than the sequential explorer's, which stops at its first hit.
 *
 * Memory: the table, both live levels' records and links, and the threads' spare buffers, all
 * counted against the one --memory cap (each thread publishes what it holds; a thread asks
 * whether the sum leaves room). The link file is not: it is disk, and page cache the kernel
 * reclaims.
 *
 * The previous design (issue 15's first round) partitioned the states by fingerprint and handed
 * successors to their owners in rounds of messages: 1.35 to 1.8 times the sequential CPU per
 * state on 2 workers, most of it the hand-off.
 */

import { collisionProbability } from './fpset.js';
import { DroppedBuffers } from './gc.js';
import type { ExploreOptions, ExploreResult, FoundViolation } from './explore.js';
import { canonFor, codecFor } from './explore.js';
import { LimitReached, MemoryBudget, defaultMemoryBytes } from './memory.js';
import { type Model, type ModelRecipe, type Violation, violationClass } from './model.js';
import { reconstruct } from './reconstruct.js';
import { ChunkLayout, type ChunkRef, ChunkWriter, type SpareChunk } from './chunks.js';
import { type LevelLinks, type Link, LinkFile } from './linkfile.js';
import { COUNT, SEGMENTS, STORED_GROW, SharedFingerprintSet } from './sharedset.js';
import { decodeEntry } from './store.js';
import { lessState } from './wire.js';
import { startWorker } from './workers.js';
import type { Worker } from 'node:worker_threads';

/** Control words (Int32, shared): the table's counts (COUNT.., one per segment), the claim cursor, the pause word. */
const CURSOR = COUNT + SEGMENTS; // a cache line away from the counts, which every insert touches
const PAUSE = 32;
const CTL_WORDS = 48;
/** PAUSE values. */
const RUN = 0;
const GROW = 1;
const STOP = 2;

/**
 * A chunk's bytes and most states, and the states per claim. A chunk is what a thread allocates
 * at once, so it is what the threads may overshoot the memory cap by (pages it does not fill are
 * never touched); a claim is what a thread may be left expanding alone at the end of a level,
 * and a keyframe (a state written whole) every claim costs a little compression.
 */
export const CHUNK_BYTES = 1 << 18;
export const CHUNK_STATES = 4096;
export const CLAIM_STATES = 64;

/**
 * A budget whose cap is shared by all threads: each thread publishes what it holds in its slot
 * of `slots` (progress words: states, transitions, bytes per thread), and may allocate if the
 * sum of all slots leaves room. The check and the allocation are not one atomic step, so the
 * threads may overshoot the cap by what they allocate at once (a chunk each).
 */
export class SharedBudget extends MemoryBudget {
  constructor(
    cap: number,
    private readonly slots: Float64Array,
    private readonly me: number,
  ) {
    super(cap);
  }
  override canAfford(bytes: number): boolean {
    let others = 0;
    for (let w = 0; 3 * w + 2 < this.slots.length; w++) if (w !== this.me) others += this.slots[3 * w + 2]!;
    return others + this.used + bytes <= this.cap;
  }
  publish(): void {
    this.slots[3 * this.me + 2] = this.used;
  }
}

export interface ExploreJob {
  readonly kind: 'explore';
  readonly recipe: ModelRecipe;
  readonly workers: number;
  readonly index: number;
  readonly symmetry: boolean;
  readonly maxCandidates?: number;
  /** 96-bit fingerprints (ExploreOptions.fingerprintBits). */
  readonly wide: boolean;
  /** The memory cap, for all threads together. */
  readonly memoryBytes: number;
  /** Date.now() deadline. */
  readonly deadline: number;
  /** Report only these invariants (null: all). */
  readonly only: readonly string[] | null;
  /** Per thread (and the coordinator last): states stored, transitions, bytes held. */
  readonly progress: Float64Array;
  readonly ctl: Int32Array;
  readonly chunkStates: number;
  readonly claimStates: number;
  /** The calling thread's share returns to the event loop this often (ms), so timers run. */
  readonly sliceMs?: number;
}

interface Found {
  parent: number;
  index: number;
  violation: Violation;
  state: Int32Array;
}

function before(a: Found, b: Found): boolean {
  const c = lessState(a.state, b.state);
  return c < 0 || (c === 0 && a.index < b.index);
}

/** Keeps in `best` the least (state, then action index) violation of each class. */
function keepLeast(best: Map<string, Found>, f: Found): void {
  const key = violationClass(f.violation);
  const b = best.get(key);
  if (!b || before(f, b)) best.set(key, f);
}

type Request =
  | { type: 'level'; chunks: ChunkRef[]; base: number; free: SpareChunk[]; table: readonly SharedArrayBuffer[]; fixed: boolean }
  | { type: 'resume'; table: readonly SharedArrayBuffer[]; fixed: boolean }
  | { type: 'finish' };

interface LevelReply {
  type: 'level';
  status: 'paused' | 'done';
  limit: ExploreResult['limit'] | null;
  transitions: number;
  out: ChunkRef[];
  found: Found[];
}

/** Serves one explore job: in a worker thread, or (index 0) in the calling thread. */
export function serveExplore(
  job: ExploreJob,
  model: Model,
  port: { postMessage(m: unknown, t?: ArrayBuffer[]): void; on(e: 'message', f: (m: Request) => void): void },
): void {
  const me = job.index;
  const ctl = job.ctl;
  const words = model.words;
  const R = job.chunkStates;
  const B = job.claimStates;
  const budget = new SharedBudget(job.memoryBytes, job.progress, me);
  const canon = canonFor(model, job.symmetry, job.maxCandidates, true, job.wide);
  const s = new Int32Array(words);
  const cs = canon.out;
  const succ = canon.inPlace ? cs : (model.stepBuffer ?? new Int32Array(words));
  const list: number[] = [];
  const only = job.only;
  let table!: SharedFingerprintSet;
  const dropped = new DroppedBuffers();
  let failure: { kind: 'memory' | 'time'; message: string } | null = null;
  let transitions = 0;
  let stored = 0;
  let expanded = 0;
  const layout = new ChunkLayout(R, B, CHUNK_BYTES);
  const codec = codecFor(model);
  const writer = new ChunkWriter(codec, words, layout, budget, me);
  const prev = new Int32Array(words);

  // The level being expanded: its chunks, cut into claim units.
  let views: Uint8Array<ArrayBufferLike>[] = [];
  let offsets: Int32Array<ArrayBufferLike>[] = [];
  let starts: number[] = [];
  let unitChunk = new Int32Array(0);
  let unitIndex = new Int32Array(0);
  let units = 0;
  let levelBase = 0;
  // The unit in hand: its bytes, the next state's byte and number, the end.
  let chunk: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  let pos = 0;
  let k = 0;
  let end = 0;
  let base = 0;
  let best = new Map<string, Found>();

  const useTable = (buffers: readonly SharedArrayBuffer[], fixed: boolean) => {
    const old = table?.buffers;
    table = new SharedFingerprintSet(buffers, ctl, fixed, job.wide);
    // The segments a growth replaced are freed only when every thread has collected them: do it
    // soon rather than whenever this small heap next needs to (gc.ts).
    let replaced = 0;
    old?.forEach((b, j) => {
      if (b !== buffers[j]) replaced += b.byteLength;
    });
    if (replaced > 0) dropped.drop(replaced);
  };

  const reply = (status: 'paused' | 'done') => {
    const r: LevelReply = { type: 'level', status, limit: failure, transitions, out: [], found: [] };
    if (status === 'done') {
      r.out = writer.take();
      r.found = [...best.values()];
      best = new Map();
    }
    job.progress[3 * me] = stored;
    job.progress[3 * me + 1] = transitions;
    budget.publish();
    port.postMessage(r);
  };

  /**
   * Expands the rest of the unit in hand, state by state, until it ends ('unit'), a pause or stop
   * is raised ('pause': checked between two states, so no state is left half expanded), or a
   * time check falls due ('time', every 64 states). The hot loop: what it touches is in locals,
   * written back on the way out.
   */
  const work = (): 'unit' | 'pause' | 'time' => {
    let kk = k;
    let pp = pos;
    let tr = transitions;
    let st = stored;
    let ex = expanded;
    const ch = chunk;
    const e = end;
    const b0 = base;
    const t = table;
    try {
      while (kk < e) {
        if (Atomics.load(ctl, PAUSE) !== RUN) return 'pause';
        pp = decodeEntry(ch, pp, prev, codec);
        s.set(prev);
        const id = b0 + kk;
        kk++;
        list.length = 0;
        model.actions(s, list);
        if (list.length > 0xffff) throw new Error(`FPC507 model bug: ${list.length} enabled actions in one state (at most 65535)`);
        for (let i = 0; i < list.length; i++) {
          tr++;
          const v = model.step(s, list[i]!, succ);
          if (v) {
            if (only && !only.includes(v.invariant)) continue;
            keepLeast(best, { parent: id, index: i, violation: v, state: s.slice() });
            continue;
          }
          canon.canonicalHash(succ);
          const n = t.add(canon.hi, canon.lo, canon.ex);
          if (n === 0) continue;
          writer.append(cs, id, i);
          st++;
          if (n === STORED_GROW) Atomics.compareExchange(ctl, PAUSE, RUN, GROW);
        }
        if ((++ex & 63) === 0) return 'time';
      }
      return 'unit';
    } finally {
      k = kk;
      pos = pp;
      transitions = tr;
      stored = st;
      expanded = ex;
    }
  };

  /** Claims units and expands them until the level is done, a pause, or the end of a slice. */
  const run = (): void => {
    const sliceEnd = job.sliceMs !== undefined ? Date.now() + job.sliceMs : Number.POSITIVE_INFINITY;
    try {
      for (;;) {
        if (k >= end) {
          const u = Atomics.add(ctl, CURSOR, 1);
          if (u >= units) {
            reply('done');
            return;
          }
          const c = unitChunk[u]!;
          const x = unitIndex[u]!;
          chunk = views[c]!;
          pos = offsets[c]![x]!;
          k = x * B;
          end = Math.min(k + B, starts[c + 1]! - starts[c]!);
          base = levelBase + starts[c]!;
          prev.fill(0); // a unit starts with a keyframe
        }
        const why = work();
        if (why === 'pause') {
          reply(Atomics.load(ctl, PAUSE) === STOP ? 'done' : 'paused');
          return;
        }
        if (why === 'time') {
          job.progress[3 * me] = stored;
          job.progress[3 * me + 1] = transitions;
          const now = Date.now();
          if (now > job.deadline) throw new LimitReached('time', 'time limit reached');
          if (now > sliceEnd) {
            setImmediate(run);
            return;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof LimitReached)) throw e;
      failure = { kind: e.kind, message: e.message };
      Atomics.store(ctl, PAUSE, STOP);
      reply('done');
    }
  };

  port.on('message', (m: Request) => {
    switch (m.type) {
      case 'level': {
        useTable(m.table, m.fixed);
        for (const b of m.free) writer.pool.push(b);
        levelBase = m.base;
        views = m.chunks.map((c) => new Uint8Array(c.bytes));
        offsets = m.chunks.map((c) => layout.units(c));
        starts = [0];
        for (const c of m.chunks) starts.push(starts[starts.length - 1]! + c.n);
        let nu = 0;
        for (const c of m.chunks) nu += Math.ceil(c.n / B);
        unitChunk = new Int32Array(nu);
        unitIndex = new Int32Array(nu);
        units = 0;
        m.chunks.forEach((c, ci) => {
          for (let x = 0; x * B < c.n; x++) {
            unitChunk[units] = ci;
            unitIndex[units++] = x;
          }
        });
        k = 0;
        end = 0;
        if (failure) reply('done');
        else run();
        break;
      }
      case 'resume':
        useTable(m.table, m.fixed);
        run();
        break;
      case 'finish':
        port.postMessage({ type: 'finished', peakBytes: budget.peak, inexact: canon.inexact });
        break;
    }
  });
  port.postMessage({ type: 'ready' });
}

// --- the coordinator ---------------------------------------------------------------------------

/** How the coordinator talks to one explorer: a worker thread, or the calling thread itself. */
interface Endpoint {
  post(m: unknown, transfer: ArrayBuffer[]): void;
  terminate(): Promise<unknown>;
}

class Peer {
  private readonly waiting: ((m: unknown) => void)[] = [];
  private readonly inbox: unknown[] = [];
  private error: Error | null = null;
  private endpoint!: Endpoint;

  /** An explorer in a worker thread. */
  static thread(worker: Worker): Peer {
    const p = new Peer();
    worker.on('message', (m: { type: string; error?: string }) => {
      if (m.type === 'error') p.fail(new Error(m.error));
      else p.deliver(m);
    });
    worker.on('error', (e) => p.fail(e));
    worker.on('exit', (c) => p.fail(new Error(`FPC509 explore worker exited with status ${c}`)));
    p.endpoint = { post: (m, t) => worker.postMessage(m, t), terminate: () => worker.terminate() };
    return p;
  }

  /**
   * The explorer of partition 0, run by the calling thread between the coordinator's awaits: it
   * saves a thread's start-up (a module load, a model build and a cold JIT: about 0.3 CPU-s) and
   * uses the model the caller has already built and warmed. Messages are not copied; a request
   * runs from the event loop (setImmediate), so the coordinator has sent every peer its request
   * before this one starts working.
   */
  static local(job: ExploreJob, model: Model): Peer {
    const p = new Peer();
    let handler: ((m: Request) => void) | null = null;
    serveExplore(job, model, {
      postMessage: (m) => p.deliver(m),
      on: (_e, f) => {
        handler = f;
      },
    });
    p.endpoint = {
      post: (m) =>
        setImmediate(() => {
          try {
            handler!(m as Request);
          } catch (e) {
            p.fail(e instanceof Error ? e : new Error(String(e)));
          }
        }),
      terminate: async () => undefined,
    };
    return p;
  }

  private deliver(m: unknown): void {
    const w = this.waiting.shift();
    if (w) w(m);
    else this.inbox.push(m);
  }
  private fail(e: Error): void {
    if (!this.error) this.error = e;
    for (const w of this.waiting.splice(0)) w({ type: 'failed', error: e });
  }
  next<T>(): Promise<T> {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift() as T);
    if (this.error) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) =>
      this.waiting.push((m) => ((m as { type: string }).type === 'failed' ? reject((m as { error: Error }).error) : resolve(m as T))),
    );
  }
  send(m: unknown, transfer: ArrayBuffer[] = []): void {
    this.endpoint.post(m, transfer);
  }
  terminate(): Promise<unknown> {
    return this.endpoint.terminate();
  }
}

export interface ParallelOptions extends ExploreOptions {
  readonly workers: number;
  /** Most states per level chunk (CHUNK_STATES; smaller in tests, to make many chunks). */
  readonly chunkStates?: number;
  /** Records per claim (CLAIM_STATES; smaller in tests, to interleave the threads finely). */
  readonly claimStates?: number;
  /**
   * Called at the end with the load balance: levels, transitions, and the sum over levels of
   * the busiest thread's transitions (the critical path: on idle cores the run takes about
   * critical / transitions of the CPU time it needs in all).
   */
  readonly onBalance?: (b: { rounds: number; transitions: number; critical: number }) => void;
  /**
   * Start no level before every worker thread is ready (default: a thread joins at the first
   * level after it is ready). For tests, so that small explorations are shared too.
   */
  readonly awaitWorkers?: boolean;
}

/** Time a coordinator waits past the deadline for workers that have not noticed it. */
const GRACE_MS = 1000;

function overdue<T>(p: Promise<T>, deadline: number): Promise<T> {
  if (deadline >= Number.MAX_SAFE_INTEGER) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LimitReached('time', 'time limit reached (workers stopped)')),
      Math.max(0, deadline - Date.now()) + GRACE_MS,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function linksOf(base: number, chunks: readonly ChunkRef[], layout: ChunkLayout): LevelLinks {
  const starts: number[] = [];
  let at = 0;
  for (const c of chunks) {
    starts.push(at);
    at += c.n;
  }
  return { base, starts, parents: chunks.map((c) => layout.parents(c)), via: chunks.map((c) => layout.via(c)), n: at };
}

/** Last index i with a[i] <= x (a ascending, a[0] <= x). */
function floorIndex(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export async function exploreParallel(model: Model, recipe: ModelRecipe, opts: ParallelOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const W = opts.workers;
  const R = opts.chunkStates ?? CHUNK_STATES;
  const layout = new ChunkLayout(R, opts.claimStates ?? CLAIM_STATES, CHUNK_BYTES);
  const symmetry = (opts.symmetry ?? true) && !!model.shape;
  const bits = opts.fingerprintBits ?? 64;
  const memory = opts.memoryBytes ?? defaultMemoryBytes();
  // Progress slots: one per thread, then the coordinator's (the table, level 0).
  const progress = new Float64Array(new SharedArrayBuffer(24 * (W + 1)));
  const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_WORDS));
  const budget = new SharedBudget(memory, progress, W);
  const deadline = opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER;
  const jobs: ExploreJob[] = Array.from({ length: W }, (_, index) => ({
    kind: 'explore',
    recipe,
    workers: W,
    index,
    symmetry,
    ...(opts.maxCandidates ? { maxCandidates: opts.maxCandidates } : {}),
    wide: bits === 96,
    memoryBytes: memory,
    deadline,
    only: opts.invariants ?? null,
    progress,
    ctl,
    chunkStates: R,
    claimStates: opts.claimStates ?? CLAIM_STATES,
    ...(index === 0 ? { sliceMs: 100 } : {}),
  }));

  let depth = 0;
  let completeDepth = 0;
  let exhausted = false;
  let transitions = 0;
  const levels: number[] = [];
  let limit: ExploreResult['limit'];
  let found = null as Found | null;
  // With `continue`: the first violation of each class, by level, then least (state, index).
  const classes = new Map<string, Found>();
  const levelFound = new Map<string, Found>();
  let late = false;
  let rounds = 0;
  let critical = 0;
  // The links of the levels not yet expanded (at most two); the others are on file.
  const links: LevelLinks[] = [];
  const linkFile = new LinkFile();
  let table: SharedFingerprintSet | null = null;

  // Level 0: the initial state, stored here.
  let level: ChunkRef[] = [];
  try {
    table = SharedFingerprintSet.create(budget, ctl, 0, bits === 96);
    const canon = canonFor(model, symmetry, opts.maxCandidates, true, bits === 96);
    canon.canonicalHash(model.initial());
    table.add(canon.hi, canon.lo, canon.ex);
    const w = new ChunkWriter(codecFor(model), model.words, layout, budget, -1);
    w.append(canon.out, -1, 0);
    level = w.take();
    links.push(linksOf(0, level, layout));
    levels.push(1);
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    limit = { kind: e.kind, message: e.message };
  }
  budget.publish();

  // Thread 0 is this one (Peer.local), the others worker threads.
  const peers = jobs.map((job, w) => (w === 0 ? Peer.local(job, model) : Peer.thread(startWorker(job))));
  const timer = opts.onProgress
    ? setInterval(() => {
        let trans = 0;
        let bytes = 0;
        for (let w = 0; w <= W; w++) {
          trans += progress[3 * w + 1]!;
          bytes += progress[3 * w + 2]!;
        }
        let states = 0;
        for (let j = 0; j < SEGMENTS; j++) states += Atomics.load(ctl, COUNT + j);
        opts.onProgress!({ depth, maxDepth: opts.maxDepth, states, transitions: trans, seconds: (performance.now() - t0) / 1000, bytes });
      }, opts.progressEveryMs ?? 250)
    : null;

  const ready = peers.map(() => false);
  let bootError: unknown = null;
  try {
    try {
      // A worker thread joins at the first level after it is ready (its module loaded and model
      // built: about 0.3 CPU-s), so the calling thread does not wait for it: the first levels
      // are small, and it explores them alone meanwhile.
      peers.forEach((p, w) => {
        if (w === 0 || opts.awaitWorkers) return;
        p.next().then(
          () => {
            ready[w] = true;
          },
          (e: unknown) => {
            bootError ??= e;
          },
        );
      });
      await peers[0]!.next(); // the calling thread's own 'ready' is already there
      ready[0] = true;
      if (opts.awaitWorkers) {
        await overdue(Promise.all(peers.slice(1).map((p) => p.next())), deadline);
        ready.fill(true);
      }
      const trans = peers.map(() => 0);
      const free: SpareChunk[][] = peers.map(() => []);
      const maxStates = opts.maxStates ?? Number.POSITIVE_INFINITY;
      let base = 0;
      while (!limit && depth < opts.maxDepth && table!.size < maxStates) {
        const levelSize = level.reduce((n, c) => n + c.n, 0);
        Atomics.store(ctl, CURSOR, 0);
        Atomics.store(ctl, PAUSE, RUN);
        if (bootError) throw bootError;
        const active = peers.map((_, w) => w).filter((w) => ready[w]);
        for (const w of active) {
          peers[w]!.send({ type: 'level', chunks: level, base, free: free[w]!, table: table!.buffers, fixed: table!.fixed });
          free[w] = [];
        }
        // Until every thread is done with the level: grow the table whenever they all paused.
        const done: (LevelReply | null)[] = peers.map(() => null);
        for (;;) {
          const running = active.filter((w) => !done[w]);
          const replies = await overdue(Promise.all(running.map((w) => peers[w]!.next<LevelReply>())), deadline);
          const paused: number[] = [];
          replies.forEach((r, j) => {
            const w = running[j]!;
            if (r.limit && !limit) limit = r.limit;
            if (r.status === 'done') done[w] = r;
            else paused.push(w);
          });
          if (paused.length === 0) break;
          if (Atomics.load(ctl, PAUSE) === GROW) {
            table = table!.grown(budget);
            budget.publish();
            Atomics.store(ctl, PAUSE, RUN);
          }
          for (const w of paused) peers[w]!.send({ type: 'resume', table: table!.buffers, fixed: table!.fixed });
        }
        const replies = active.map((w) => done[w]!);
        let busiest = 0;
        active.forEach((w, j) => {
          busiest = Math.max(busiest, replies[j]!.transitions - trans[w]!);
          trans[w] = replies[j]!.transitions;
        });
        transitions = trans.reduce((a, b) => a + b, 0);
        critical += busiest;
        rounds++;
        for (const r of replies)
          for (const f of r.found) {
            if (opts.continue) {
              const key = violationClass(f.violation);
              if (classes.has(key)) continue;
              const b = levelFound.get(key);
              if (!b || before(f, b)) levelFound.set(key, f);
            } else if (!found || before(f, found)) found = f;
          }
        // The level's new classes, in a schedule-independent order (least violating state first).
        for (const f of [...levelFound.values()].sort((a, b) => lessState(a.state, b.state) || a.index - b.index))
          classes.set(violationClass(f.violation), f);
        levelFound.clear();
        // The next level: each thread's chunks, in thread order. This level's records are done with.
        const next = replies.flatMap((r) => r.out);
        linkFile.write(links.shift()!);
        for (const c of level) if (c.owner >= 0) free[c.owner]!.push({ bytes: c.bytes, links: c.links });
        base += levelSize;
        level = next;
        const added = next.reduce((n, c) => n + c.n, 0);
        if (added > 0) links.push(linksOf(base, next, layout));
        if (found) {
          levels.push(added);
          break;
        }
        if (limit) {
          if (added > 0) levels.push(added);
          break;
        }
        opts.onLevel?.(depth + 1, table!.size, transitions);
        completeDepth = depth + 1;
        if (added === 0) {
          exhausted = true;
          break;
        }
        levels.push(added);
        depth++;
      }
      if (!found && !limit && !exhausted) completeDepth = depth;
    } catch (e) {
      if (!(e instanceof LimitReached)) throw e;
      // The workers are past the deadline and may be busy: no counterexample, no final reports.
      limit = { kind: e.kind, message: e.message };
      late = true;
      found = null;
      classes.clear();
    }

    const linkOf = (id: number): Link => {
      if (id < linkFile.end) return linkFile.read(id);
      const l =
        links[
          floorIndex(
            links.map((x) => x.base),
            id,
          )
        ]!;
      const c = floorIndex(l.starts, id - l.base);
      const k = id - l.base - l.starts[c]!;
      return { parent: l.parents[c]![k]!, via: l.via[c]![k]! };
    };
    const pathOf = (f: Found): number[] => {
      const edges: number[] = [];
      for (let id = f.parent; ; ) {
        const l = linkOf(id);
        if (l.parent === -1) break;
        edges.push(l.via);
        id = l.parent;
      }
      edges.reverse();
      return reconstruct(model, canonFor(model, symmetry, opts.maxCandidates), edges, f.index, f.violation);
    };
    const path = found ? pathOf(found) : null;
    const everyClass: FoundViolation[] = [...classes.values()].map((f) => ({ violation: f.violation, path: pathOf(f) }));
    opts.onBalance?.({ rounds, transitions, critical });
    // Only the threads that joined answer (one still starting has stored nothing).
    const joined = peers.filter((_, w) => ready[w]);
    if (!late) for (const p of joined) p.send({ type: 'finish' });
    const fin = late
      ? peers.map((_, w) => ({ peakBytes: progress[3 * w + 2]!, inexact: 0 }))
      : await Promise.all(joined.map((p) => p.next<{ peakBytes: number; inexact: number }>()));
    const states = table ? table.size : 0;
    const base = {
      states,
      transitions,
      completeDepth,
      levels,
      seconds: (performance.now() - t0) / 1000,
      peakBytes: fin.reduce((n, r) => n + r.peakBytes, budget.peak),
      symmetry,
      relabel: true,
      ...(symmetry ? { orbits: states } : {}),
      inexactCanon: fin.reduce((n, r) => n + r.inexact, 0),
      collisionProbability: collisionProbability(states, transitions, bits),
      fingerprintBits: bits,
    };
    if (found && path)
      return { ...base, verdict: 'violation', depth: path.length, exhausted: false, violation: { violation: found.violation, path } };
    if (everyClass.length > 0)
      return {
        ...base,
        verdict: 'violation',
        depth: limit ? Math.max(0, levels.length - 1) : depth,
        exhausted: limit ? false : exhausted,
        ...(limit ? { limit } : {}),
        violation: everyClass[0]!,
        violations: everyClass,
      };
    if (limit) return { ...base, verdict: 'incomplete', depth: Math.max(0, levels.length - 1), exhausted: false, limit };
    return { ...base, verdict: 'ok', depth, exhausted };
  } finally {
    linkFile.close();
    if (timer) clearInterval(timer);
    Atomics.store(ctl, PAUSE, STOP);
    await Promise.all(peers.map((p) => p.terminate()));
  }
}
