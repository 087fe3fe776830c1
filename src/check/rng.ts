/**
 * A small seeded PRNG: xoshiro128** (Blackman and Vigna), seeded through splitmix32. It is
 * fast, has a 2^128-1 period, and is entirely ours, so a seed means the same thing on every
 * Node version (Math.random cannot be seeded). Each simulation run derives its own seed from
 * the user's seed and the run number, so a run's outcome does not depend on which worker ran
 * it or in what order.
 */

/** splitmix32 finaliser: a bijective mix of 32 bits. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The seed of run `run` under user seed `seed` (both uint32). */
export function runSeed(seed: number, run: number): number {
  return mix32(mix32(seed >>> 0) ^ mix32((run >>> 0) ^ 0x5bd1e995)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => (s = mix32(s));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform uint32. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** A uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
