/**
 * The explorer's machinery: the compact queue, the fingerprint set, limits (memory and time
 * give an "incomplete" verdict, never a crash), determinism, and counterexample reconstruction
 * under symmetry (the concrete path replays to the same violation).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { explore } from '../../src/check/explore.js';
import { EX_SEED, FingerprintSet, Fingerprinter } from '../../src/check/fpset.js';
import { LimitReached, MemoryBudget, parseBytes, parseSeconds } from '../../src/check/memory.js';
import { StateQueue, WordCodec } from '../../src/check/store.js';
import { KernelModel } from '../../src/kernel/model.js';
import { bootSpecOf, checkVariant } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';
import { recordRun } from '../../src/trace/record.js';
import { dataToken } from '../../src/arch/tokens.js';

describe('the state queue', () => {
  it('gives back exactly the states pushed, in order, across keyframes and chunks', () => {
    const words = 40;
    const tokens = Int32Array.from([3, 4, 10, 39]);
    const word = fc.oneof(fc.integer({ min: -1, max: 300 }), fc.constant(0x7fffffff), fc.constant(-2_000_000_000));
    const state = fc.array(word, { minLength: words, maxLength: words }).map((a) => {
      const s = Int32Array.from(a);
      for (const o of tokens)
        s[o] = Math.abs(a[o]!) % 3 === 0 ? Math.abs(a[o]!) % 2 : dataToken(1 + (Math.abs(a[o]!) % 30), 1 + (Math.abs(a[o]!) % 900));
      return s;
    });
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 300 }), (states) => {
        const budget = new MemoryBudget(1 << 30);
        const q = new StateQueue(words, new WordCodec(words, tokens, 16, 40), budget, 7);
        const out = new Int32Array(words);
        let read = 0;
        states.forEach((s, i) => {
          // The WebAssembly encoder and its JavaScript statement, interleaved: they share the
          // previous entry, so any difference in what either writes shows up on reading.
          if (i % 2 === 0) q.push(s);
          else q.pushJs(s);
          if (i % 3 === 2) {
            q.shift(out);
            expect(Array.from(out)).toEqual(Array.from(states[read++]!));
          }
        });
        while (read < states.length) {
          q.shift(out);
          expect(Array.from(out)).toEqual(Array.from(states[read++]!));
        }
        expect(q.size).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it('writes the same bytes from the WebAssembly encoder as from the JavaScript one', () => {
    const words = 41; // odd: the encoder compares words in pairs, and one is left over
    const tokens = Int32Array.from([0, 5, 17, 39]);
    const word = fc.oneof(fc.integer({ min: -1, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
    fc.assert(
      fc.property(fc.array(fc.array(word, { minLength: words, maxLength: words }), { minLength: 1, maxLength: 200 }), (states) => {
        const budget = new MemoryBudget(1 << 30);
        const codec = new WordCodec(words, tokens, 12, 40);
        const a = new StateQueue(words, codec, budget, 5);
        const b = new StateQueue(words, codec, budget, 5);
        for (const w of states) {
          const s = Int32Array.from(w);
          // Token words hold tokens: ZERO, GARBAGE or (writer, version), never negative.
          for (const o of tokens) s[o] = s[o]! & 0x7fffffff;
          a.push(s);
          b.pushJs(s);
        }
        expect(a.encoded()).toEqual(b.encoded());
      }),
      { numRuns: 60 },
    );
  });
});

describe('the fingerprint set', () => {
  it('answers membership exactly while it grows, and reports a full table as a memory limit', () => {
    const budget = new MemoryBudget(1 << 20);
    const set = new FingerprintSet(budget);
    const fp = new Fingerprinter();
    const added: [number, number][] = [];
    let limited = false;
    try {
      for (let i = 0; i < 200_000; i++) {
        fp.of(Int32Array.of(i, i * 7));
        if (!set.add(fp.hi, fp.lo)) throw new Error(`state ${i} taken as seen`);
        added.push([fp.hi, fp.lo]);
      }
    } catch (e) {
      expect(e).toBeInstanceOf(LimitReached);
      limited = true;
    }
    expect(limited).toBe(true); // 1 MiB holds at most 131072 entries
    expect(added.every(([h, l]) => set.has(h, l) && !set.add(h, l))).toBe(true);
    expect(set.size).toBe(added.length);
    expect(budget.peak).toBeLessThanOrEqual(1 << 20);
  });
  it('hashes different states differently (no collision among 100k near-identical states)', () => {
    const fp = new Fingerprinter();
    const seen = new Set<string>();
    const s = new Int32Array(75);
    for (let i = 0; i < 100_000; i++) {
      s[i % 75] = (s[i % 75]! + 1 + (i >> 7)) | 0;
      fp.of(s);
      seen.add(`${fp.hi}:${fp.lo}`);
    }
    expect(seen.size).toBe(100_000);
  });
  it('is XXH64 (seed 0) of the little-endian words, wherever the words lie', () => {
    const fp = new Fingerprinter(1024);
    const inside = fp.buffer(203);
    for (const words of [0, 1, 2, 3, 7, 8, 9, 75, 116, 203]) {
      for (let t = 0; t < 8; t++) {
        const s = Int32Array.from({ length: words }, (_, i) => Math.imul(i + 1, 0x9e3779b1 + 977 * t) ^ (t << 20));
        fp.of(s);
        const want = xxh64(new Uint8Array(s.buffer));
        expect([fp.hi, fp.lo]).toEqual([Number(BigInt.asIntN(32, want >> 32n)), Number(BigInt.asIntN(32, want))]);
        const view = inside.subarray(0, words);
        view.set(s);
        fp.at(view.byteOffset, 4 * words);
        expect([fp.hi, fp.lo]).toEqual([Number(BigInt.asIntN(32, want >> 32n)), Number(BigInt.asIntN(32, want))]);
      }
    }
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n); // the published empty-input value
  });
  it('a wide (96-bit) fingerprint is XXH64 (seed 0) and the low half of XXH64 under EX_SEED', () => {
    const fp = new Fingerprinter(1024, true);
    const narrow = new Fingerprinter(1024);
    for (const words of [0, 1, 7, 8, 9, 75, 203]) {
      const s = Int32Array.from({ length: words }, (_, i) => Math.imul(i + 7, 0x85ebca6b) ^ words);
      fp.of(s);
      narrow.of(s);
      const bytes = new Uint8Array(s.buffer);
      expect([fp.hi, fp.lo]).toEqual([narrow.hi, narrow.lo]);
      expect(fp.ex).toBe(Number(BigInt.asIntN(32, xxh64(bytes, EX_SEED))));
      expect(narrow.ex).toBe(0);
    }
  });
});

/** XXH64, straight from the algorithm's description, in BigInt arithmetic. */
function xxh64(bytes: Uint8Array, seed = 0n): bigint {
  const M = (1n << 64n) - 1n;
  const [P1, P2, P3, P4, P5] = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
  const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
  const round = (acc: bigint, input: bigint) => (rotl((acc + input * P2) & M, 31n) * P1) & M;
  const merge = (acc: bigint, v: bigint) => ((acc ^ round(0n, v)) * P1 + P4) & M;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    let [v1, v2, v3, v4] = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed + M + 1n - P1) & M];
    for (; p <= n - 32; p += 32) {
      v1 = round(v1, dv.getBigUint64(p, true));
      v2 = round(v2, dv.getBigUint64(p + 8, true));
      v3 = round(v3, dv.getBigUint64(p + 16, true));
      v4 = round(v4, dv.getBigUint64(p + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    for (const v of [v1, v2, v3, v4]) h = merge(h, v);
  } else h = (seed + P5) & M;
  h = (h + BigInt(n)) & M;
  for (; p + 8 <= n; p += 8) h = (rotl(h ^ round(0n, dv.getBigUint64(p, true)), 27n) * P1 + P4) & M;
  for (; p + 4 <= n; p += 4) h = (rotl(h ^ ((BigInt(dv.getUint32(p, true)) * P1) & M), 23n) * P2 + P3) & M;
  for (; p < n; p++) h = (rotl(h ^ ((BigInt(bytes[p]!) * P5) & M), 11n) * P1) & M;
  h = ((h ^ (h >> 33n)) * P2) & M;
  h = ((h ^ (h >> 29n)) * P3) & M;
  return h ^ (h >> 32n);
}

describe('limits', () => {
  const rfc = findVariant('rfc-2017')!;
  it('a memory cap gives an incomplete verdict with how far it got, not a crash', () => {
    const r = checkVariant(rfc, { cpus: 2, tasks: 2, vcpus: 1, spare: 0, depth: 14 }, { memoryBytes: 3 << 20 });
    expect(r.verdict).toBe('incomplete');
    expect(r.limit?.kind).toBe('memory');
    expect(r.peakBytes).toBeLessThanOrEqual(3 << 20);
    expect(r.completeDepth).toBeGreaterThan(4);
    expect(r.completeDepth).toBeLessThan(14);
    expect(r.states).toBeGreaterThan(10_000);
    expect(r.levels.reduce((a, b) => a + b, 0)).toBe(r.states);
  });
  it('a time cap gives an incomplete verdict', () => {
    const r = checkVariant(rfc, { cpus: 3, tasks: 3, vcpus: 1, spare: 0, depth: 30 }, { timeSeconds: 0.3 });
    expect(r.verdict).toBe('incomplete');
    expect(r.limit?.kind).toBe('time');
    // Never stopped early; how late depends on the machine's load, which a test cannot know
    // (once "< 5 s", a wall-clock bound that a busy machine could break): bench/ measures it.
    expect(r.seconds).toBeGreaterThanOrEqual(0.3);
  });
  it('flag values parse', () => {
    expect(parseBytes('512M')).toBe(512 * 2 ** 20);
    expect(parseBytes('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseBytes('12 kb')).toBe(12 * 1024);
    expect(parseBytes('lots')).toBeNull();
    expect(parseSeconds('90')).toBe(90);
    expect(parseSeconds('15m')).toBe(900);
    expect(parseSeconds('1.5h')).toBe(5400);
    expect(parseSeconds('soon')).toBeNull();
  });
});

describe('exploration results', () => {
  it('are deterministic: two runs give the same counts, levels and counterexample', () => {
    const v = findVariant('v4.15-rc1')!;
    const b = { cpus: 2, tasks: 2, vcpus: 0, spare: 0, depth: 14 };
    const strip = (r: ReturnType<typeof checkVariant>) => JSON.stringify({ ...r, seconds: 0, statesPerSecond: 0 });
    expect(strip(checkVariant(v, b))).toBe(strip(checkVariant(v, b)));
  });
  it('count every state up to the bound: levels add up, and an exhausted space is said to be', () => {
    // One CPU, one task, no vcpu: a small space that closes well within 30 steps.
    const r = checkVariant(findVariant('rfc-2017')!, { cpus: 1, tasks: 1, vcpus: 0, spare: 0, depth: 30 });
    expect(r.verdict).toBe('ok');
    expect(r.exhausted).toBe(true);
    expect(r.depth).toBeLessThan(30);
    expect(r.levels.reduce((a, b) => a + b, 0)).toBe(r.states);
  });
  it('rebuild, under symmetry, a concrete counterexample that replays to the violation', () => {
    // The fork/slot-reuse leak needs two slots and benefits from slot symmetry.
    const spec = bootSpecOf({ cpus: 2, tasks: 2, vcpus: 0, spare: 1 });
    const v = findVariant('v4.15-rc1')!;
    const r = explore(new KernelModel(v.Kernel, spec), { maxDepth: 14 });
    expect(r.verdict).toBe('violation');
    const path = r.violation!.path;
    expect(path.length).toBe(r.depth);
    const rec = recordRun(
      v.name,
      v.Kernel,
      spec,
      path.map((action) => ({ action })),
    );
    expect(rec.ok).toBe(true);
    expect(rec.trace.violation?.invariant).toBe(r.violation!.violation.invariant);
    expect(rec.trace.violation?.step).toBe(path.length);
  });
});
