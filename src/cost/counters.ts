/**
 * Counting register traffic: an EffectSink that totals saves, loads, flushes, traps and
 * hypervisor save/restores, machine-wide and per context.
 */

import { Format, TrapKind, type EffectSink, type FormatId, type TrapKindId } from '../kernel/effects.js';

export interface ContextCounters {
  saves: number;
  loads: number;
  redundantLoads: number;
  bytesSaved: number;
  bytesLoaded: number;
}

export interface Counters {
  /** Kernel saves of a bound context's registers to memory (task_fpsimd_save and successors). */
  saves: number;
  savesFpsimd: number;
  savesSve: number;
  /** Kernel loads of a context's state into the registers (task_fpsimd_load and successors). */
  loads: number;
  loadsFpsimd: number;
  loadsSve: number;
  /** Loads of exactly what the registers already held. */
  redundantLoads: number;
  /** Calls of fpsimd_flush_cpu_state() (CPU-side invalidations). */
  flushes: number;
  /** Those flushes that dropped an existing binding. */
  bindingsDropped: number;
  /** Calls of fpsimd_flush_task_state() (task-side invalidations). */
  taskFlushes: number;
  sveTraps: number;
  guestFpTraps: number;
  hypHostSaves: number;
  hypHostRestores: number;
  hypGuestSaves: number;
  hypGuestLoads: number;
  bytesSaved: number;
  bytesLoaded: number;
  /** Bytes moved by the hypervisor's own host/guest switch. */
  bytesHyp: number;
}

export function zeroCounters(): Counters {
  return {
    saves: 0,
    savesFpsimd: 0,
    savesSve: 0,
    loads: 0,
    loadsFpsimd: 0,
    loadsSve: 0,
    redundantLoads: 0,
    flushes: 0,
    bindingsDropped: 0,
    taskFlushes: 0,
    sveTraps: 0,
    guestFpTraps: 0,
    hypHostSaves: 0,
    hypHostRestores: 0,
    hypGuestSaves: 0,
    hypGuestLoads: 0,
    bytesSaved: 0,
    bytesLoaded: 0,
    bytesHyp: 0,
  };
}

export class CountingSink implements EffectSink {
  readonly total: Counters = zeroCounters();
  readonly byContext = new Map<string, ContextCounters>();

  constructor(private readonly contextName: (ctx: number) => string) {}

  private ctx(ctx: number): ContextCounters {
    const name = this.contextName(ctx);
    let c = this.byContext.get(name);
    if (!c) {
      c = { saves: 0, loads: 0, redundantLoads: 0, bytesSaved: 0, bytesLoaded: 0 };
      this.byContext.set(name, c);
    }
    return c;
  }

  save(_cpu: number, ctx: number, format: FormatId, bytes: number): void {
    const t = this.total;
    t.saves++;
    if (format === Format.SVE) t.savesSve++;
    else t.savesFpsimd++;
    t.bytesSaved += bytes;
    const c = this.ctx(ctx);
    c.saves++;
    c.bytesSaved += bytes;
  }

  load(_cpu: number, ctx: number, format: FormatId, bytes: number, redundant: boolean): void {
    const t = this.total;
    t.loads++;
    if (format === Format.SVE) t.loadsSve++;
    else t.loadsFpsimd++;
    t.bytesLoaded += bytes;
    if (redundant) t.redundantLoads++;
    const c = this.ctx(ctx);
    c.loads++;
    c.bytesLoaded += bytes;
    if (redundant) c.redundantLoads++;
  }

  flushCpu(_cpu: number, dropped: number): void {
    this.total.flushes++;
    if (dropped !== 0) this.total.bindingsDropped++;
  }

  flushTask(): void {
    this.total.taskFlushes++;
  }

  trap(_cpu: number, kind: TrapKindId): void {
    if (kind === TrapKind.SVE_EL0) this.total.sveTraps++;
    else this.total.guestFpTraps++;
  }

  hyp(_cpu: number, who: 'host' | 'guest', restore: boolean, bytes: number): void {
    const t = this.total;
    if (who === 'host') {
      if (restore) t.hypHostRestores++;
      else t.hypHostSaves++;
    } else if (restore) t.hypGuestLoads++;
    else t.hypGuestSaves++;
    t.bytesHyp += bytes;
  }
}
