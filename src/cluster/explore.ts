/**
 * `check` across processes: a level-synchronous breadth-first search whose state space is
 * partitioned by fingerprint into P partitions (fingerprint hi mod P, as the threads of
 * src/check/parallel.ts partition it), with everything the search keeps in Redis, so that any
 * worker can run any job and a lost worker loses nothing:
 *
 *   frontier  `…:f:<depth>:<p>`  a list of batches of BATCH states of partition p at that depth,
 *                                each with its trace link (parent partition and index, action);
 *   outbox    `…:o:<depth>:<q>`  a stream: the successors found for partition q, in chunks;
 *   visited   `…:v:<q>`          a set of the 8-byte fingerprints partition q has stored;
 *   marker    `…:a:<depth>:<q>`  written when partition q's level is absorbed (its size).
 *
 * Per level, two waves of jobs (jobs.ts): `explore.expand` for each frontier batch (expand its
 * states, check each step against the invariants, send each successor's canonical form to its
 * owner's outbox), then `explore.absorb` for each partition (read the outbox, drop what the
 * visited set holds, write the next frontier). Both are idempotent, which is what lets a job
 * run twice (jobs.ts): an expand job run again appends the same successors again, which the
 * absorb drops as duplicates; an absorb job reads, then writes the frontier, the visited
 * fingerprints and its marker in one script that writes nothing if the marker exists by then
 * (jobs.ts, ifRun), and a job that finds the marker only reports it.
 *
 * Deterministic whatever the timing and the number of workers: among duplicates of a state the
 * absorb keeps the least trace link (parent partition, parent index, action), and writes the new
 * states in that order, so every frontier's content and order, and with them every trace link,
 * are functions of the model and P alone. A violation is chosen as the threads choose it (the
 * least parent state in word order, then the least action index, over the whole level), and the
 * path to it is rebuilt from the links (src/check/reconstruct.ts), still shortest. Counts: the
 * same states, transitions and levels as the single-process explorers when no violation is
 * found; at a violation, the levels before it and the transitions of the whole level.
 */

import type { Redis } from 'ioredis';
import { canonFor, codecFor, type Canon, type ExploreResult } from '../check/explore.js';
import { collisionProbability } from '../check/fpset.js';
import type { Violation } from '../check/model.js';
import { formatBytes, MemoryBudget } from '../check/memory.js';
import type { Model, ModelRecipe } from '../check/model.js';
import { ByteReader, ByteWriter, lessState, writeState } from '../check/wire.js';
import { reconstruct } from '../check/reconstruct.js';
import type { WordCodec } from '../check/store.js';
import { ifRun, type JobContext, type JobHandler, type JobRun } from './jobs.js';
import { buildModel } from './recipe.js';
import { K } from './redis.js';

/** States per frontier batch, i.e. per expand job. */
export const BATCH = 2048;
/** Partitions by default: enough for a few machines' worker processes to share each level. */
export const PARTITIONS = 16;

export interface ExploreSpec {
  readonly engine: 'explore';
  readonly recipe: ModelRecipe;
  readonly symmetry: boolean;
  readonly maxCandidates?: number;
  readonly only: readonly string[] | null;
  readonly partitions: number;
}

const key = {
  frontier: (run: string, d: number, p: number) => `${K.run(run)}:f:${d}:${p}`,
  outbox: (run: string, d: number, q: number) => `${K.run(run)}:o:${d}:${q}`,
  visited: (run: string, q: number) => `${K.run(run)}:v:${q}`,
  marker: (run: string, d: number, q: number) => `${K.run(run)}:a:${d}:${q}`,
};

const UNLIMITED = () => new MemoryBudget(Number.MAX_SAFE_INTEGER);

function fingerprint(hi: number, lo: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeInt32BE(hi, 0);
  b.writeInt32BE(lo, 4);
  return b;
}

/** A frontier record: trace link (parent partition + 1, 0 for the initial state; parent index; action), then the state. */
function writeRecord(w: ByteWriter, codec: WordCodec, parentP: number, parentI: number, action: number, s: Int32Array): void {
  w.ensure(16);
  w.varint(parentP + 1);
  w.varint(parentI);
  w.varint(action);
  writeState(w, codec, s);
}

function bytesOf(w: ByteWriter): Buffer {
  return Buffer.from(w.take());
}

interface Tools {
  readonly model: Model;
  readonly canon: Canon;
  readonly codec: WordCodec;
}

async function toolsOf(ctx: JobContext): Promise<Tools> {
  let t = ctx.cache.get('tools') as Tools | undefined;
  if (!t) {
    const spec = ctx.spec as ExploreSpec;
    const model = await buildModel(spec.recipe);
    t = { model, canon: canonFor(model, spec.symmetry, spec.maxCandidates), codec: codecFor(model) };
    ctx.cache.set('tools', t);
  }
  return t;
}

interface Found {
  /** Parent partition and index (at the level being expanded). */
  readonly p: number;
  readonly i: number;
  /** Index of the violating action in the parent's enabled list. */
  readonly index: number;
  readonly violation: Violation;
  readonly state: number[];
}

function better(f: Found, than: Found | null): boolean {
  if (!than) return true;
  const c = lessState(Int32Array.from(f.state), Int32Array.from(than.state));
  return c < 0 || (c === 0 && f.index < than.index);
}

export const exploreJobs: Record<string, JobHandler> = {
  'explore.expand': (async (job: { d: number; p: number; b: number }, ctx: JobContext) => {
    const spec = ctx.spec as ExploreSpec;
    const { model, canon, codec } = await toolsOf(ctx);
    const P = spec.partitions;
    const batch = await ctx.redis.lindexBuffer(key.frontier(ctx.run, job.d, job.p), job.b);
    if (!batch) throw new Error(`frontier batch ${job.d}/${job.p}/${job.b} is missing`);
    const words = model.words;
    const s = new Int32Array(words);
    const cs = canon.out;
    const succ = canon.inPlace ? cs : (model.stepBuffer ?? new Int32Array(words));
    const out = Array.from({ length: P }, () => new ByteWriter(UNLIMITED()));
    const sent = new Set<string>();
    const list: number[] = [];
    let transitions = 0;
    let best: Found | null = null;
    const r = new ByteReader(new Uint8Array(batch));
    for (let k = 0; !r.done; k++) {
      r.varint();
      r.varint();
      r.varint();
      r.state(codec, s);
      const i = job.b * BATCH + k;
      list.length = 0;
      model.actions(s, list);
      for (let a = 0; a < list.length; a++) {
        transitions++;
        const v = model.step(s, list[a]!, succ);
        if (v) {
          if (spec.only && !spec.only.includes(v.invariant)) continue;
          const f = { p: job.p, i, index: a, violation: v, state: [...s] };
          if (better(f, best)) best = f;
          continue;
        }
        canon.canonicalHash(succ);
        const id = `${canon.hi}:${canon.lo}`;
        if (sent.has(id)) continue;
        sent.add(id);
        const w = out[(canon.hi >>> 0) % P]!;
        w.ensure(16);
        w.varint(canon.hi);
        w.varint(canon.lo);
        writeRecord(w, codec, job.p, i, a, cs);
      }
    }
    const cmds = out.flatMap((w, q) => (w.pos > 0 ? [['XADD', key.outbox(ctx.run, job.d + 1, q), '*', 'b', bytesOf(w)]] : []));
    if (cmds.length) await ifRun(ctx.redis, ctx.run, cmds);
    return { transitions, found: best };
  }) as JobHandler,

  'explore.absorb': (async (job: { d: number; q: number }, ctx: JobContext) => {
    const { model, codec } = await toolsOf(ctx);
    const redis = ctx.redis;
    const marker = key.marker(ctx.run, job.d, job.q);
    const done = await redis.get(marker);
    if (done !== null) return { added: Number(done) };
    // The least trace link of each successor (see the header: the order is everyone's).
    const best = new Map<string, { pp: number; pi: number; a: number; hi: number; lo: number; state: Int32Array }>();
    const s = new Int32Array(model.words);
    const entries = await redis.xrangeBuffer(key.outbox(ctx.run, job.d, job.q), '-', '+');
    for (const [, fields] of entries) {
      const r = new ByteReader(new Uint8Array(fields[1]!));
      while (!r.done) {
        const hi = r.varint() | 0;
        const lo = r.varint() | 0;
        const pp = r.varint() - 1;
        const pi = r.varint();
        const a = r.varint();
        r.state(codec, s);
        const id = `${hi}:${lo}`;
        const old = best.get(id);
        if (!old) best.set(id, { pp, pi, a, hi, lo, state: s.slice() });
        else if (pp < old.pp || (pp === old.pp && (pi < old.pi || (pi === old.pi && a < old.a)))) {
          old.pp = pp;
          old.pi = pi;
          old.a = a; // the state is the same (the same fingerprint)
        }
      }
    }
    const cands = [...best.values()];
    const fresh: typeof cands = [];
    for (let i = 0; i < cands.length; i += 4096) {
      const part = cands.slice(i, i + 4096);
      const seen = (await redis.smismember(key.visited(ctx.run, job.q), ...part.map((c) => fingerprint(c.hi, c.lo)))) as number[];
      part.forEach((c, j) => {
        if (!seen[j]) fresh.push(c);
      });
    }
    fresh.sort((x, y) => x.pp - y.pp || x.pi - y.pi || x.a - y.a);
    const frontier = key.frontier(ctx.run, job.d, job.q);
    const batches: Buffer[] = [];
    for (let i = 0; i < fresh.length; i += BATCH) {
      const w = new ByteWriter(UNLIMITED());
      for (const c of fresh.slice(i, i + BATCH)) writeRecord(w, codec, c.pp, c.pi, c.a, c.state);
      batches.push(bytesOf(w));
    }
    // Written only while the marker is absent: of two runs of this job, the first to write wins
    // and the other writes nothing, even if it read the outbox after the first had emptied it
    // (nor does a run whose coordinator is gone: ifRun).
    const visited = key.visited(ctx.run, job.q);
    const fps = fresh.map((c) => fingerprint(c.hi, c.lo));
    const res = await ifRun(
      redis,
      ctx.run,
      [
        ['UNLINK', frontier],
        ...batches.map((b) => ['RPUSH', frontier, b]),
        ...Array.from({ length: Math.ceil(fps.length / 4096) }, (_, k) => ['SADD', visited, ...fps.slice(k * 4096, (k + 1) * 4096)]),
        ['SET', marker, String(fresh.length)],
        ['UNLINK', key.outbox(ctx.run, job.d, job.q)],
      ],
      marker,
    );
    if (res === null) return { added: Number(await redis.get(marker)) }; // another run of this job won (or the run is gone)
    return { added: fresh.length };
  }) as JobHandler,
};

export interface RedisExploreOptions {
  readonly maxDepth: number;
  readonly symmetry: boolean;
  readonly maxCandidates?: number;
  readonly invariants?: readonly string[];
  readonly partitions?: number;
  /** Date.now() deadline. */
  readonly deadline: number;
  /**
   * Cap on what the run holds in Redis (its visited sets and frontiers: runMemory), checked at the
   * end of every level.
   */
  readonly memoryBytes?: number;
  readonly onLevel?: (depth: number, states: number, transitions: number, seconds: number) => void;
}

/**
 * What the run holds in Redis: MEMORY USAGE of its frontiers (kept for the trace links) and
 * visited sets, up to level `depth`. Per key, not Redis's used_memory, which other runs' keys
 * (freed lazily) and the server's own buffers move as much.
 */
async function runMemory(redis: Redis, run: string, depth: number, P: number): Promise<number> {
  const keys: string[] = [];
  for (let p = 0; p < P; p++) {
    keys.push(key.visited(run, p));
    for (let d = 0; d <= depth; d++) keys.push(key.frontier(run, d, p));
  }
  const pipe = redis.pipeline();
  for (const k of keys) pipe.call('MEMORY', 'USAGE', k);
  const out = (await pipe.exec()) ?? [];
  return out.reduce((n, [, v]) => n + (typeof v === 'number' ? v : 0), 0);
}

/** The spec a run of exploreOnRedis needs (stored by JobRun.start). */
export function exploreSpec(recipe: ModelRecipe, opts: RedisExploreOptions): ExploreSpec {
  return {
    engine: 'explore',
    recipe,
    symmetry: opts.symmetry,
    ...(opts.maxCandidates ? { maxCandidates: opts.maxCandidates } : {}),
    only: opts.invariants ?? null,
    partitions: opts.partitions ?? PARTITIONS,
  };
}

/** The coordinator: drives the levels; `model` (this process's copy) rebuilds a counterexample. */
export async function exploreOnRedis(run: JobRun, model: Model, spec: ExploreSpec, opts: RedisExploreOptions): Promise<ExploreResult> {
  const t0 = performance.now();
  const redis: Redis = run.redis;
  const P = spec.partitions;
  const canon = canonFor(model, spec.symmetry, spec.maxCandidates);
  const codec = codecFor(model);
  canon.canonicalHash(model.initial());
  const q0 = (canon.hi >>> 0) % P;
  let peakBytes = 0;
  const root = new ByteWriter(UNLIMITED());
  writeRecord(root, codec, -1, 0, 0, canon.out);
  await redis.rpush(key.frontier(run.id, 0, q0), bytesOf(root));
  await redis.sadd(key.visited(run.id, q0), fingerprint(canon.hi, canon.lo));
  let sizes: number[] = Array.from({ length: P }, (_, p) => (p === q0 ? 1 : 0));

  let depth = 0;
  let completeDepth = 0;
  let exhausted = false;
  let transitions = 0;
  let states = 1;
  const levels = [1];
  let limit: ExploreResult['limit'];
  let found: Found | null = null;
  const late = () => ({ kind: 'time' as const, message: 'time limit reached' });
  while (depth < opts.maxDepth) {
    if (Date.now() > opts.deadline) {
      limit = late();
      break;
    }
    const expand = sizes.flatMap((n, p) => Array.from({ length: Math.ceil(n / BATCH) }, (_, b) => ({ d: depth, p, b })));
    const ex = await run.all<{ transitions: number; found: Found | null }>('explore.expand', expand, opts.deadline);
    if (!ex) {
      limit = late();
      break;
    }
    for (const r of ex) {
      transitions += r.transitions;
      if (r.found && better(r.found, found)) found = r.found;
    }
    if (found) break;
    const absorb = sizes.map((_, q) => ({ d: depth + 1, q }));
    const ab = await run.all<{ added: number }>('explore.absorb', absorb, opts.deadline);
    if (!ab) {
      limit = late();
      break;
    }
    sizes = ab.map((r) => r.added);
    const added = sizes.reduce((a, b) => a + b, 0);
    states += added;
    opts.onLevel?.(depth + 1, states, transitions, (performance.now() - t0) / 1000);
    completeDepth = depth + 1;
    if (added === 0) {
      exhausted = true;
      break;
    }
    levels.push(added);
    depth++;
    const held = opts.memoryBytes !== undefined ? await runMemory(redis, run.id, depth, P) : 0;
    peakBytes = Math.max(peakBytes, held);
    if (opts.memoryBytes !== undefined && held > opts.memoryBytes) {
      limit = {
        kind: 'memory',
        message: `memory cap of ${formatBytes(opts.memoryBytes)} reached (the run holds ${formatBytes(held)} in Redis)`,
      };
      break;
    }
  }
  if (!found && !limit && depth >= opts.maxDepth) completeDepth = depth;

  const base = {
    states,
    transitions,
    completeDepth,
    levels,
    seconds: (performance.now() - t0) / 1000,
    // The stores are Redis's: what the run held there at the ends of levels (measured under --memory).
    peakBytes,
    symmetry: spec.symmetry,
    relabel: true,
    ...(spec.symmetry ? { orbits: states } : {}),
    inexactCanon: 0,
    collisionProbability: collisionProbability(states, transitions),
    // The partitions' visited sets hold 64-bit fingerprints (`check` refuses --fingerprint-bits 96 with --redis).
    fingerprintBits: 64 as const,
  };
  if (found) {
    // Follow the trace links back to the initial state.
    const edges: number[] = [];
    const s = new Int32Array(model.words);
    for (let d = depth, p = found.p, i = found.i; ; d--) {
      const batch = await redis.lindexBuffer(key.frontier(run.id, d, p), Math.floor(i / BATCH));
      if (!batch) throw new Error(`FPC522 the trace link ${d}/${p}/${i} is missing from Redis`);
      const r = new ByteReader(new Uint8Array(batch));
      let link = [0, 0, 0];
      for (let k = 0; k <= i % BATCH; k++) {
        link = [r.varint() - 1, r.varint(), r.varint()];
        r.state(codec, s);
      }
      if (link[0]! < 0) break;
      edges.push(link[2]!);
      p = link[0]!;
      i = link[1]!;
    }
    edges.reverse();
    const path = reconstruct(model, canon, edges, found.index, found.violation);
    return { ...base, verdict: 'violation', depth: path.length, exhausted: false, violation: { violation: found.violation, path } };
  }
  if (limit) return { ...base, verdict: 'incomplete', depth: Math.max(0, levels.length - 1), exhausted: false, limit };
  return { ...base, verdict: 'ok', depth, exhausted };
}
