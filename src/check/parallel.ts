/**
 * Parallel breadth-first exploration: the state space is partitioned by fingerprint among
 * explorers, each owning its share of the visited set, its queue and its trace links. Partition
 * 0 is explored by the calling thread, the others by worker threads (W - 1 threads for W).
 *
 * Each level is expanded in *rounds*, all coordinated by messages:
 *  1. expand: each worker expands states of the current level it owns, until the level is done
 *     or one of its outboxes holds ROUND_BYTES. A successor it owns (fingerprint hi mod W) is
 *     checked against its own table at once; one owned by another worker goes, with its
 *     fingerprint, parent and action index, into the outbox for that owner (RawBox: fixed-size
 *     records, the state word for word).
 *  2. absorb: outboxes are handed (transferred, not copied) to their owners, which read them in
 *     worker order, keep the new states, and queue them for the next level.
 * The round's barrier is the back-pressure: no worker produces more than one round ahead of
 * its slowest receiver, so what is in flight between workers is bounded by about
 * W × W × ROUND_BYTES whatever the level's size (a level-wide outbox grew to 2 GiB), and the
 * receiver counts its inboxes in its budget while it reads them.
 * No memory is shared and nothing is locked; each worker's table grows on its own, within its
 * share of the memory cap. Where a round ends depends only on the worker's own states, and the
 * outboxes are read in a fixed order, so a run is deterministic for a given worker count: the
 * same counts, the same counterexample. A state's number is (its index in its owner's store) *
 * W + owner, so trace links are fetched from the owners when a counterexample is rebuilt.
 *
 * On a violation the level is finished (not stopped at the first hit), and of all violating
 * steps from that level the one from the least parent state (word order), then the least action
 * index, is reported: which violation is shown does not depend on W either (the path to it
 * can, among equally short ones). Counts at a violation then cover the whole level, so they are
 * larger than the sequential explorer's, which stops at its first hit.
 *
 * Where the second worker's CPU went (profiled, rfc-2017 2 CPUs depth 15, issue 15): the
 * varint outboxes and their decoding (2.0 CPU-s), fresh 2 MiB outbox buffers per round (zeroed,
 * faulted in, collected), and a second thread's start-up. Raw records, recycled buffers and the
 * calling thread as partition 0 took two workers from 1.86x to about 1.4x the sequential
 * explorer's CPU time for the same states.
 */

import { collisionProbability, FingerprintSet } from './fpset.js';
import type { ExploreOptions, ExploreResult, FoundViolation } from './explore.js';
import { canonFor, codecFor } from './explore.js';
import type { Violation } from './model.js';
import { LimitReached, MemoryBudget, defaultMemoryBytes } from './memory.js';
import { type Model, type ModelRecipe, violationClass } from './model.js';
import { reconstruct } from './reconstruct.js';
import { ChunkedArray, StateQueue, type WordCodec } from './store.js';
import { startWorker } from './workers.js';
import type { Worker } from 'node:worker_threads';

// --- outboxes: fingerprint, parent, action index, and the state (self-contained varints) -------

export class ByteWriter {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  constructor(private readonly budget: MemoryBudget) {
    budget.used += this.buf.byteLength;
    budget.peak = Math.max(budget.peak, budget.used);
  }
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const size = Math.max(2 * this.buf.length, this.pos + n);
    if (!this.budget.canAfford(size)) throw new LimitReached('memory', `memory cap reached (outbox of ${size} bytes)`);
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.budget.used += size - this.buf.length;
    if (this.budget.used > this.budget.peak) this.budget.peak = this.budget.used;
    this.buf = b;
  }
  varint(u: number): void {
    u >>>= 0;
    while (u >= 0x80) {
      this.buf[this.pos++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    this.buf[this.pos++] = u;
  }
  i32(v: number): void {
    this.varint(v);
  }
  /** Hands the bytes over (the writer starts afresh). */
  take(): ArrayBuffer {
    const out = this.buf.buffer.slice(0, this.pos) as ArrayBuffer;
    this.budget.used -= this.buf.byteLength;
    this.buf = new Uint8Array(1 << 16);
    this.budget.used += this.buf.byteLength;
    this.pos = 0;
    return out;
  }
}

export function writeState(w: ByteWriter, codec: WordCodec, s: Int32Array): void {
  w.ensure(s.length * 10 + 40);
  let skip = 0;
  for (let j = 0; j < s.length; j++) {
    const v = s[j]!;
    if (v === 0) {
      skip++;
      continue;
    }
    w.varint(skip);
    w.varint(codec.encode(j, v));
    skip = 0;
  }
  w.varint(skip + 1); // a skip past the end terminates
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let u = 0;
    let sh = 0;
    let b: number;
    do {
      b = this.buf[this.pos++]!;
      u |= (b & 0x7f) << sh;
      sh += 7;
    } while (b & 0x80);
    return u >>> 0;
  }
  state(codec: WordCodec, out: Int32Array): void {
    out.fill(0);
    let j = 0;
    for (;;) {
      j += this.varint();
      if (j >= out.length) return;
      out[j] = codec.decode(j, this.varint());
      j++;
    }
  }
  /** Passes over a state of `words` words without decoding it (a duplicate's). */
  skipState(words: number): void {
    const buf = this.buf;
    let j = 0;
    for (;;) {
      j += this.varint();
      if (j >= words) return;
      while (buf[this.pos++]! & 0x80);
      j++;
    }
  }
}

function charge(budget: MemoryBudget, n: number): void {
  budget.used += n;
  if (budget.used > budget.peak) budget.peak = budget.used;
}

/**
 * A thread engine's outbox: fixed-size records of `4 + words` Int32 words (fingerprint hi, lo,
 * parent, action index, then the canonical state as it is). Between threads on one machine the
 * bytes cost nothing to move (the buffer is transferred), so what matters is CPU: a record is one
 * `set` to write and a view to read, where the varint form (writeState, kept for Redis, where
 * bytes are the cost) took a sixth of each worker's time with the decoding on the other side
 * (profiled: writeState, ensure and the decoder were 2.0 of the 3.7 CPU-s a second worker added
 * at rfc-2017 2 CPUs depth 15). The buffers themselves circulate: a box hands its buffer over
 * whole and takes one from its worker's pool, which the inboxes refill once read, so a round
 * allocates nothing (fresh 2 MiB buffers, zeroed and faulted in, cost more than the copy).
 */
export class RawBox {
  buf: Int32Array;
  pos = 0;
  constructor(
    private readonly budget: MemoryBudget,
    readonly words: number,
    private readonly pool: BufferPool,
  ) {
    this.buf = pool.get();
  }
  /** Appends one record. */
  put(hi: number, lo: number, parent: number, index: number, s: Int32Array): void {
    const n = 4 + this.words;
    if (this.pos + n > this.buf.length) {
      const size = Math.max(2 * this.buf.length, this.pos + n);
      if (!this.budget.canAfford(4 * (size - this.buf.length)))
        throw new LimitReached('memory', `memory cap reached (outbox of ${4 * size} bytes)`);
      const b = new Int32Array(size);
      b.set(this.buf.subarray(0, this.pos));
      charge(this.budget, 4 * (size - this.buf.length));
      this.buf = b;
    }
    const b = this.buf;
    const p = this.pos;
    b[p] = hi;
    b[p + 1] = lo;
    b[p + 2] = parent;
    b[p + 3] = index;
    b.set(s, p + 4);
    this.pos = p + n;
  }
  get bytes(): number {
    return 4 * this.pos;
  }
  /** Hands the buffer over with the number of words it holds; the box goes on with a pooled one. */
  take(): { buf: ArrayBuffer; ints: number } {
    const out = { buf: this.buf.buffer as ArrayBuffer, ints: this.pos };
    charge(this.budget, -this.buf.byteLength);
    this.buf = this.pool.get();
    this.pos = 0;
    return out;
  }
}

/** A worker's spare outbox buffers (counted in its budget), refilled by the inboxes it has read. */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  constructor(
    private readonly budget: MemoryBudget,
    private readonly cap: number,
  ) {}
  get(): Int32Array {
    const b = this.free.pop();
    if (b) return new Int32Array(b); // its charge passes to the box
    charge(this.budget, 1 << 16);
    return new Int32Array(1 << 14);
  }
  put(b: ArrayBuffer): void {
    if (this.free.length >= this.cap || b.byteLength === 0) return;
    this.free.push(b);
    charge(this.budget, b.byteLength);
  }
}

// --- the worker side ---------------------------------------------------------------------------

const SENT_MASK = (1 << 16) - 1;

/**
 * An outbox holding this many bytes ends the worker's round (about 6.6K successors of 75 words). A constant,
 * not a share of --memory, so that the rounds, and with them the counterexample's path, do not
 * depend on the memory cap.
 */
export const ROUND_BYTES = 1 << 21;

export interface ExploreJob {
  readonly kind: 'explore';
  readonly recipe: ModelRecipe;
  readonly workers: number;
  readonly index: number;
  readonly symmetry: boolean;
  readonly maxCandidates?: number;
  /** This worker's share of the memory cap. */
  readonly memoryBytes: number;
  /** Date.now() deadline. */
  readonly deadline: number;
  /** Report only these invariants (null: all). */
  readonly only: readonly string[] | null;
  /** Per worker: states stored, transitions, bytes held (for the progress line). */
  readonly progress: Float64Array;
  /** Outbox bytes that end a round (ROUND_BYTES; smaller in tests, to make many rounds). */
  readonly roundBytes: number;
}

/** Keeps in `best` the least (state, then action index) violation of each class. */
function keepLeast(best: Map<string, Found>, f: Found): void {
  const key = violationClass(f.violation);
  const b = best.get(key);
  if (!b || lessState(f.state, b.state) < 0 || (lessState(f.state, b.state) === 0 && f.index < b.index)) best.set(key, f);
}

type Request =
  | { type: 'expand' }
  | { type: 'absorb'; inboxes: ArrayBuffer[]; counts: number[]; endLevel: boolean }
  | { type: 'links'; local: number }
  | { type: 'finish' };

interface Found {
  parent: number;
  index: number;
  violation: Violation;
  state: Int32Array;
}

export function lessState(a: Int32Array, b: Int32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Serves one explore job in a worker thread. */
export function serveExplore(
  job: ExploreJob,
  model: Model,
  port: { postMessage(m: unknown, t?: ArrayBuffer[]): void; on(e: 'message', f: (m: Request) => void): void },
): void {
  const W = job.workers;
  const me = job.index;
  const budget = new MemoryBudget(job.memoryBytes);
  const canon = canonFor(model, job.symmetry, job.maxCandidates);
  const codec = codecFor(model);
  const words = model.words;
  let seen: FingerprintSet;
  let queue: StateQueue;
  let parents: ChunkedArray<Int32Array>;
  let via: ChunkedArray<Uint16Array>;
  let outboxes: RawBox[];
  const pool = new BufferPool(budget, 2 * W);
  let current = 0; // states of the current level still in the queue
  let added = 0; // states queued for the next level
  let expanded = 0; // local index of the next state to expand
  let transitions = 0;
  const s = new Int32Array(words);
  const cs = canon.out;
  const succ = canon.inPlace ? cs : (model.stepBuffer ?? new Int32Array(words));
  const list: number[] = [];
  let failure: { kind: 'memory' | 'time'; message: string } | null = null;
  let stored = 0;
  const sent = new Int32Array(2 * (SENT_MASK + 1));

  /** Stores a state whose fingerprint was just added to the visited set. */
  const keep = (parent: number, index: number, state: Int32Array): void => {
    parents.push(parent);
    via.push(index);
    queue.push(state);
    added++;
    stored++;
  };
  const store = (hi: number, lo: number, parent: number, index: number, state: Int32Array): void => {
    if (seen.add(hi, lo)) keep(parent, index, state);
  };

  try {
    seen = new FingerprintSet(budget);
    queue = new StateQueue(words, codec, budget);
    parents = new ChunkedArray(Int32Array, budget, 'trace links');
    via = new ChunkedArray(Uint16Array, budget, 'trace links');
    outboxes = Array.from({ length: W }, () => new RawBox(budget, words, pool));
    canon.canonicalHash(model.initial());
    if ((canon.hi >>> 0) % W === me) store(canon.hi, canon.lo, -1, 0, cs);
    current = added;
    added = 0;
  } catch (e) {
    if (!(e instanceof LimitReached)) throw e;
    failure = { kind: e.kind, message: e.message };
  }

  /** Expands states of the current level until it is done or an outbox is full (see ROUND_BYTES). */
  const expand = () => {
    // Per violation class, the least violating step of the round (the coordinator takes the
    // least over workers and rounds: the same choice for any W).
    const best = new Map<string, Found>();
    const only = job.only;
    let full = false;
    while (current > 0 && !full) {
      current--;
      queue.shift(s);
      const id = expanded++ * W + me;
      list.length = 0;
      model.actions(s, list);
      for (let i = 0; i < list.length; i++) {
        transitions++;
        const v = model.step(s, list[i]!, succ);
        if (v) {
          if (only && !only.includes(v.invariant)) continue;
          keepLeast(best, { parent: id, index: i, violation: v, state: s.slice() });
          continue;
        }
        canon.canonicalHash(succ);
        const hi = canon.hi;
        const lo = canon.lo;
        const owner = (hi >>> 0) % W;
        if (owner === me) store(hi, lo, id, i, cs);
        else {
          // Most successors are repeats; a small direct-mapped cache of fingerprints already
          // sent keeps them off the outboxes (a miss only costs a duplicate the owner drops).
          const slot = 2 * (lo & SENT_MASK);
          if (sent[slot] === hi && sent[slot + 1] === lo) continue;
          sent[slot] = hi;
          sent[slot + 1] = lo;
          const o = outboxes[owner]!;
          o.put(hi, lo, id, i, cs);
          if (o.bytes >= job.roundBytes) full = true;
        }
      }
      if ((expanded & 255) === 0) {
        job.progress[3 * me] = stored;
        job.progress[3 * me + 1] = transitions;
        job.progress[3 * me + 2] = budget.used;
        if (Date.now() > job.deadline) throw new LimitReached('time', 'time limit reached');
      }
    }
    return [...best.values()];
  };

  port.on('message', (m: Request) => {
    switch (m.type) {
      case 'expand': {
        let best: Found[] = [];
        if (!failure) {
          try {
            best = expand();
          } catch (e) {
            if (!(e instanceof LimitReached)) throw e;
            failure = { kind: e.kind, message: e.message };
          }
        }
        // The box for this worker itself is never written (its own successors are stored at once).
        const taken = failure ? [] : outboxes.map((o, w) => (w === me ? { buf: new ArrayBuffer(0), ints: 0 } : o.take()));
        const boxes = taken.map((t) => t.buf);
        port.postMessage(
          {
            type: 'expanded',
            outboxes: boxes,
            counts: taken.map((t) => t.ints),
            transitions,
            states: stored,
            limit: failure,
            found: best,
            more: !failure && current > 0,
          },
          boxes,
        );
        break;
      }
      case 'absorb': {
        // The inboxes are this worker's memory while it reads them.
        const inbound = m.inboxes.reduce((n, b) => n + b.byteLength, 0);
        if (!failure) {
          try {
            if (!budget.canAfford(inbound)) throw new LimitReached('memory', `memory cap reached (inboxes of ${inbound} bytes)`);
            budget.used += inbound;
            if (budget.used > budget.peak) budget.peak = budget.used;
            try {
              m.inboxes.forEach((box, b) => {
                const r = new Int32Array(box);
                const n = 4 + words;
                const end = m.counts[b]!;
                for (let p = 0; p + n <= end; p += n) {
                  // Most arrivals are states the owner has already stored: the fingerprint
                  // decides, and only a new state is copied into the queue.
                  if (seen.add(r[p]!, r[p + 1]!)) keep(r[p + 2]!, r[p + 3]!, r.subarray(p + 4, p + n));
                }
              });
            } finally {
              budget.used -= inbound;
            }
            for (const box of m.inboxes) pool.put(box);
          } catch (e) {
            if (!(e instanceof LimitReached)) throw e;
            failure = { kind: e.kind, message: e.message };
          }
        }
        const level = added;
        if (m.endLevel) {
          current = added;
          added = 0;
        }
        port.postMessage({ type: 'absorbed', added: level, states: stored, limit: failure });
        break;
      }
      case 'links':
        port.postMessage({ type: 'links', parent: parents.get(m.local), via: via.get(m.local) });
        break;
      case 'finish':
        port.postMessage({ type: 'finished', peakBytes: budget.peak, inexact: canon.inexact });
        break;
    }
  });
  port.postMessage({ type: 'ready', limit: failure, states: stored });
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
  /** See ROUND_BYTES (the default). */
  readonly roundBytes?: number;
  /**
   * Called at the end with the load balance: rounds, transitions, and the sum over rounds of the
   * busiest worker's transitions (the critical path: on idle cores the run takes about
   * critical / transitions of the CPU time it needs in all).
   */
  readonly onBalance?: (b: { rounds: number; transitions: number; critical: number }) => void;
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

export async function exploreParallel(model: Model, recipe: ModelRecipe, opts: ParallelOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const W = opts.workers;
  const symmetry = (opts.symmetry ?? true) && !!model.shape;
  const memory = opts.memoryBytes ?? defaultMemoryBytes();
  const progress = new Float64Array(new SharedArrayBuffer(24 * W));
  const jobs: ExploreJob[] = Array.from({ length: W }, (_, index) => ({
    kind: 'explore',
    recipe,
    workers: W,
    index,
    symmetry,
    ...(opts.maxCandidates ? { maxCandidates: opts.maxCandidates } : {}),
    memoryBytes: Math.floor(memory / W),
    deadline: opts.timeSeconds !== undefined ? Date.now() + opts.timeSeconds * 1000 : Number.MAX_SAFE_INTEGER,
    only: opts.invariants ?? null,
    progress,
    roundBytes: opts.roundBytes ?? ROUND_BYTES,
  }));
  // Partition 0 is explored by this thread (Peer.local), the others by worker threads.
  const peers = jobs.map((job, w) => (w === 0 ? Peer.local(job, model) : Peer.thread(startWorker(job))));
  const deadline = jobs[0]!.deadline;
  // Workers check the deadline every 256 states; this also bounds what they cannot see: a
  // thread's start-up (module load, model build) and a round that does not end.
  const all = <T>() => overdue(Promise.all(peers.map((p) => p.next<T>())), deadline);
  const timer = opts.onProgress
    ? setInterval(() => {
        let states = 0;
        let trans = 0;
        let bytes = 0;
        for (let w = 0; w < W; w++) {
          states += progress[3 * w]!;
          trans += progress[3 * w + 1]!;
          bytes += progress[3 * w + 2]!;
        }
        opts.onProgress!({ depth, maxDepth: opts.maxDepth, states, transitions: trans, seconds: (performance.now() - t0) / 1000, bytes });
      }, opts.progressEveryMs ?? 250)
    : null;

  let depth = 0;
  let completeDepth = 0;
  let exhausted = false;
  let transitions = 0;
  let states = 0;
  const levels: number[] = [];
  let limit: ExploreResult['limit'];
  let found: Found | null = null;
  // With `continue`: the first violation of each class, by level, then least (state, index).
  const classes = new Map<string, Found>();
  let late = false;
  let rounds = 0;
  let critical = 0;
  const before = new Float64Array(W); // each worker's transitions before the round
  try {
    try {
      const ready = await all<{ limit: ExploreResult['limit'] | null; states: number }>();
      limit = ready.find((r) => r.limit)?.limit ?? undefined;
      states = ready.reduce((n, r) => n + r.states, 0);
      levels.push(states);
      while (!limit && depth < opts.maxDepth) {
        // One level, in rounds (see the header): expand until an outbox is full, deliver, repeat.
        let added = 0;
        let more = true;
        const levelFound = new Map<string, Found>();
        while (more && !limit) {
          for (const p of peers) p.send({ type: 'expand' });
          const ex = await all<{
            outboxes: ArrayBuffer[];
            counts: number[];
            transitions: number;
            states: number;
            limit: ExploreResult['limit'] | null;
            found: Found[];
            more: boolean;
          }>();
          transitions = ex.reduce((n, r) => n + r.transitions, 0);
          states = ex.reduce((n, r) => n + r.states, 0);
          let busiest = 0;
          ex.forEach((r, w) => {
            busiest = Math.max(busiest, r.transitions - before[w]!);
            before[w] = r.transitions;
          });
          critical += busiest;
          rounds++;
          limit = ex.find((r) => r.limit)?.limit ?? undefined;
          for (const r of ex)
            for (const f of r.found) {
              if (opts.continue) {
                if (!classes.has(violationClass(f.violation))) keepLeast(levelFound, f);
              } else if (!found || lessState(f.state, found.state) < 0 || (lessState(f.state, found.state) === 0 && f.index < found.index))
                found = f;
            }
          if (limit) break;
          more = ex.some((r) => r.more);
          // Delivered even after a violation: the level is finished, and the outboxes stay bounded.
          peers.forEach((p, w) => {
            const from = ex.filter((_, v) => v !== w);
            const inboxes = from.map((r) => r.outboxes[w]!);
            p.send({ type: 'absorb', inboxes, counts: from.map((r) => r.counts[w]!), endLevel: !more }, inboxes);
          });
          const ab = await all<{ added: number; states: number; limit: ExploreResult['limit'] | null }>();
          states = ab.reduce((n, r) => n + r.states, 0);
          limit = ab.find((r) => r.limit)?.limit ?? undefined;
          added = ab.reduce((n, r) => n + r.added, 0); // the level so far, cumulative
        }
        // The level's new classes, in a W-independent order (least violating state first).
        for (const f of [...levelFound.values()].sort((a, b) => lessState(a.state, b.state) || a.index - b.index))
          classes.set(violationClass(f.violation), f);
        if (found) {
          levels.push(states - levels.reduce((a, b) => a + b, 0));
          break;
        }
        if (limit) {
          if (added > 0) levels.push(added);
          break;
        }
        opts.onLevel?.(depth + 1, states, transitions);
        completeDepth = depth + 1;
        if (added === 0) {
          exhausted = true;
          break;
        }
        levels.push(added);
        depth++;
      }
      if (!found && !limit && depth >= opts.maxDepth) completeDepth = depth;
    } catch (e) {
      if (!(e instanceof LimitReached)) throw e;
      // The workers are past the deadline and may be busy: no counterexample, no final reports.
      limit = { kind: e.kind, message: e.message };
      late = true;
      found = null;
      classes.clear();
    }

    // Fetch the stored edges from the owners, back to the initial state.
    const pathOf = async (f: Found): Promise<number[]> => {
      const edges: number[] = [];
      for (let id = f.parent; ; ) {
        const p = peers[id % W]!;
        p.send({ type: 'links', local: Math.floor(id / W) });
        const l = await p.next<{ parent: number; via: number }>();
        if (l.parent === -1) break;
        edges.push(l.via);
        id = l.parent;
      }
      edges.reverse();
      return reconstruct(model, canonFor(model, symmetry, opts.maxCandidates), edges, f.index, f.violation);
    };
    let path: number[] | null = null;
    if (found) path = await pathOf(found);
    const everyClass: FoundViolation[] = [];
    for (const f of classes.values()) everyClass.push({ violation: f.violation, path: await pathOf(f) });
    opts.onBalance?.({ rounds, transitions, critical });
    if (!late) for (const p of peers) p.send({ type: 'finish' });
    const fin = late
      ? peers.map((_, w) => ({ peakBytes: progress[3 * w + 2]!, inexact: 0 }))
      : await all<{ peakBytes: number; inexact: number }>();
    const base = {
      states,
      transitions,
      completeDepth,
      levels,
      seconds: (performance.now() - t0) / 1000,
      peakBytes: fin.reduce((n, r) => n + r.peakBytes, 0),
      symmetry,
      relabel: true,
      ...(symmetry ? { orbits: states } : {}),
      inexactCanon: fin.reduce((n, r) => n + r.inexact, 0),
      collisionProbability: collisionProbability(states, transitions),
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
    if (timer) clearInterval(timer);
    await Promise.all(peers.map((p) => p.terminate()));
  }
}
