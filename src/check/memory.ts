/**
 * The explorer's memory: every store (visited table, trace links, queue) asks a budget before it
 * allocates, so that reaching `--memory` stops the search cleanly with a partial result instead
 * of an out-of-memory crash. The stores are typed arrays outside the JS heap; what the budget
 * counts is what they hold (the figure reported as `peakBytes`), not the process's RSS.
 */

import { totalmem } from 'node:os';

/** Thrown by a store when a limit is reached; the engines turn it into `verdict: "incomplete"`. */
export class LimitReached extends Error {
  constructor(
    readonly kind: 'memory' | 'time',
    message: string,
  ) {
    super(message);
  }
}

/** Default cap: a quarter of the machine's RAM. */
export function defaultMemoryBytes(): number {
  return Math.floor(totalmem() / 4);
}

export class MemoryBudget {
  used = 0;
  peak = 0;
  constructor(readonly cap: number) {}

  canAfford(bytes: number): boolean {
    return this.used + bytes <= this.cap;
  }

  /** Allocates a typed array of `length` elements, counted against the cap. */
  alloc<T extends Int32Array | Uint16Array | Uint8Array>(
    ctor: { new (n: number): T; readonly BYTES_PER_ELEMENT: number },
    length: number,
    what: string,
  ): T {
    const bytes = length * ctor.BYTES_PER_ELEMENT;
    if (!this.canAfford(bytes)) {
      throw new LimitReached('memory', `memory cap of ${formatBytes(this.cap)} reached (growing the ${what})`);
    }
    let a: T;
    try {
      a = new ctor(length);
    } catch (e) {
      if (e instanceof RangeError) throw new LimitReached('memory', `allocation of ${formatBytes(bytes)} for the ${what} failed`);
      throw e;
    }
    this.used += bytes;
    if (this.used > this.peak) this.peak = this.used;
    return a;
  }

  free(a: { byteLength: number }): void {
    this.used -= a.byteLength;
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Parses `512M`, `2G`, `1.5GiB`, `100000` (bytes); null if malformed. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

/** Parses `90`, `90s`, `15m`, `2h`, `1.5m`; null if malformed. */
export function parseSeconds(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smh]?)$/i.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1, s: 1, m: 60, h: 3600 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
