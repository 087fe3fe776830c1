/**
 * Running a stream through every variant and the oracle, in lockstep, chunk by chunk: the stream
 * is produced once (generated or replayed), each chunk goes to every variant's driver and to the
 * oracles, and is then overwritten by the next. Memory is one chunk plus one machine per variant,
 * whatever the stream's length.
 */

import type { Variant } from '../variants/types.js';
import type { CostCounters } from './counters.js';
import { VariantDriver, type DriverStats } from './driver.js';
import { Oracle, type OracleResult } from './oracle.js';
import { META, META_COUNT_FROM, type ActionSource } from './stream.js';

export interface CostRow extends CostCounters, DriverStats {
  variant: string;
  kernel: string;
  mutation?: boolean;
  /** Bytes moved / the oracle's bytes (1 when both are 0). */
  oracleRatio: number;
  /** No invariant was violated on this stream. */
  correct: boolean;
  /** Wall-clock: not part of the deterministic output. */
  timing: { seconds: number; eventsPerSecond: number };
}

export interface CostRun {
  rows: CostRow[];
  oracle: OracleResult & { lazy: OracleResult };
  /** Kernel events in the stream (every variant saw exactly these). */
  events: number;
  timing: { seconds: number; streamSeconds: number };
}

export interface RunOptions {
  /** Actions per chunk. */
  readonly chunk?: number;
  /** Called after every chunk with the events so far. */
  readonly onProgress?: (events: number) => void;
}

export const DEFAULT_CHUNK = 1 << 16;

export function ratio(bytes: number, oracleBytes: number): number {
  if (oracleBytes === 0) return bytes === 0 ? 1 : Infinity;
  return Math.round((bytes / oracleBytes) * 10000) / 10000;
}

export function runCost(source: ActionSource, variants: readonly Variant[], opts: RunOptions = {}): CostRun {
  const t0 = performance.now();
  const buf = new Int32Array(opts.chunk ?? DEFAULT_CHUNK);
  const drivers = variants.map((v) => new VariantDriver(v, source));
  const oracle = new Oracle(source.boot);
  const lazy = new Oracle(source.boot, true);
  let events = 0;
  let streamSeconds = 0;
  for (;;) {
    const ts = performance.now();
    const n = source.fill(buf);
    streamSeconds += (performance.now() - ts) / 1000;
    if (n === 0) break;
    for (const d of drivers) d.run(buf, n);
    oracle.feed(buf, n);
    lazy.feed(buf, n);
    for (let i = 0; i < n; i++) {
      const a = buf[i]!;
      if (a === META_COUNT_FROM) events = 0;
      else if ((a & 0xff) !== META) events++;
    }
    opts.onProgress?.(events);
  }
  const o = oracle.result();
  const rows = drivers.map((d): CostRow => {
    const c = d.result();
    const v = d.variant;
    return {
      variant: v.name,
      kernel: v.kernel,
      ...(v.mutation ? { mutation: true } : {}),
      oracleRatio: ratio(c.bytes, o.bytes),
      correct: d.stats.violations === 0,
      ...c,
      ...d.stats,
      timing: { seconds: d.seconds, eventsPerSecond: d.seconds > 0 ? Math.round(events / d.seconds) : 0 },
    };
  });
  return { rows, oracle: { ...o, lazy: lazy.result() }, events, timing: { seconds: (performance.now() - t0) / 1000, streamSeconds } };
}
