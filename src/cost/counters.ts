/**
 * Counting register traffic.
 *
 * Two sinks:
 *  - `CountingSink`: the small one the scenario recorder uses (src/trace/record.ts): totals and
 *    per-context counts by name, updated live.
 *  - `CostSink`: the cost model's. Allocation-free on the hot path (typed arrays indexed by raw
 *    ids), it counts per CPU, per context label and per architectural part (FPSIMD, SVE and the
 *    SME parts, with bytes by vector length), and it classifies waste:
 *      · a *redundant load* (the kernel reports it: the registers already held exactly that) is
 *        attributed to what broke the binding that would have let the kernel skip it: a CPU-side
 *        flush, a task-side flush, or the context having been loaded on another CPU meanwhile;
 *      · a *wasted save* is a save whose data nobody ever reads: a save of unmodified state (the
 *        kernel reports it), or a save overwritten by a later save of the same context, or whose
 *        owner exits, before any load reads it. Knowing that needs the future, so it is decided
 *        over the stream: each context holds at most one *pending* save, resolved as needed by
 *        the next real load (or memory read: fork copy, signal frame), as wasted by the next save
 *        or the owner's exit. Saves still pending when the stream ends are reported apart;
 *      · a hypervisor host save + restore (v4.15 KVM's own host save area) whose restored
 *        registers nobody uses: the next thing to happen to that CPU's registers is another
 *        hypervisor save, a load, or a CPU-side flush, rather than a return to user space that
 *        finds them valid (the driver reports returns to user through `userRuns`).
 */

import { Format, FORMAT_NAMES, TrapKind, type EffectSink, type FormatId, type TrapKindId } from '../kernel/effects.js';
import { VQ_BITS } from '../arch/sizes.js';

// --- the small sink of scenario runs ------------------------------------------------------------

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
  /** Saves of exactly what memory already held. */
  unmodifiedSaves: number;
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
    unmodifiedSaves: 0,
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

  save(_cpu: number, ctx: number, format: FormatId, bytes: number, redundant?: boolean): void {
    const t = this.total;
    t.saves++;
    if (format === Format.SVE) t.savesSve++;
    else t.savesFpsimd++;
    if (redundant) t.unmodifiedSaves++;
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
    else if (kind === TrapKind.GUEST_FP) this.total.guestFpTraps++;
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

// --- the cost model's sink ----------------------------------------------------------------------

/** Columns of one traffic row (machine-wide, per CPU, per context label). */
const SAVES = 0;
const LOADS = 1;
const REDUNDANT_LOADS = 2;
const WASTED_SAVES = 3;
const BYTES_SAVED = 4;
const BYTES_LOADED = 5;
const BYTES_HYP = 6;
const BYTES_REDUNDANT = 7;
const BYTES_WASTED = 8;
const NF = 9;

/** Kinds of waste, each attributed to a model event (see `wasteLabel`). */
export const Waste = {
  /** Redundant load: the CPU-side binding was dropped (fpsimd_flush_cpu_state) during the event. */
  LOAD_AFTER_CPU_FLUSH: 0,
  /** Redundant load: the task-side binding was flushed (fpsimd_flush_task_state) during the event. */
  LOAD_AFTER_TASK_FLUSH: 1,
  /** Redundant load: the context was loaded on another CPU in between (event = the load). */
  LOAD_AFTER_MIGRATION: 2,
  /** Redundant load with no broken binding seen (event = the load). */
  LOAD_OTHER: 3,
  /** Save of state memory already held (event = the save). */
  SAVE_UNMODIFIED: 4,
  /** Save overwritten by a later save of the same context before anything read it. */
  SAVE_OVERWRITTEN: 5,
  /** Save whose owner exited (or discarded its state) before anything read it. */
  SAVE_OWNER_GONE: 6,
  /** Hypervisor host save + restore whose restored registers nobody used (event = the restore). */
  HYP_UNUSED: 7,
} as const;
const WASTE_KINDS = 8;
const MAX_EVENTS = 256;

export function wasteLabel(kind: number, event: string): string {
  switch (kind) {
    case Waste.LOAD_AFTER_CPU_FLUSH:
      return `redundant load: binding dropped by fpsimd_flush_cpu_state in ${event}`;
    case Waste.LOAD_AFTER_TASK_FLUSH:
      return `redundant load: task side flushed in ${event}`;
    case Waste.LOAD_AFTER_MIGRATION:
      return `redundant load after migration (${event})`;
    case Waste.LOAD_OTHER:
      return `redundant load in ${event}`;
    case Waste.SAVE_UNMODIFIED:
      return `save of unmodified state in ${event}`;
    case Waste.SAVE_OVERWRITTEN:
      return `save never read (saved again) in ${event}`;
    case Waste.SAVE_OWNER_GONE:
      return `save never read (owner exited) in ${event}`;
    default:
      return `hyp host save/restore never used (${event})`;
  }
}

/** One row of traffic counts. */
export interface TrafficRow {
  /** Bytes moved: saved + loaded + by the hypervisor. */
  bytes: number;
  saves: number;
  loads: number;
  redundantLoads: number;
  wastedSaves: number;
  bytesSaved: number;
  bytesLoaded: number;
  bytesHyp: number;
  bytesRedundantLoads: number;
  bytesWastedSaves: number;
}

export interface PartCounts {
  saves: number;
  loads: number;
  bytes: number;
  /** Bytes by vector length in bits (SVE and ZA only). */
  byVl?: Record<string, number>;
}

export interface WasteSource {
  source: string;
  kind: 'redundant-load' | 'wasted-save' | 'hyp';
  count: number;
  bytes: number;
}

export interface CostCounters extends TrafficRow {
  /** Saves whose data nobody had read when the stream ended (not counted as wasted). */
  savesPendingAtEnd: number;
  /** Bytes copied between task memory and signal frames (memory to memory: not in `bytes`). */
  frameBytes: number;
  parts: Record<(typeof FORMAT_NAMES)[number], PartCounts>;
  flushes: number;
  bindingsDropped: number;
  taskFlushes: number;
  traps: { sveEl0: number; smeEl0: number; guestFp: number };
  hyp: { hostSaves: number; hostRestores: number; guestSaves: number; guestLoads: number; bytes: number; bytesUnused: number };
  /** Every waste source, most bytes first. */
  waste: WasteSource[];
  perCpu: (TrafficRow & { cpu: number })[];
  perContext: (TrafficRow & { context: string })[];
}

const MAX_VQ = 32;

export interface CostSinkConfig {
  readonly cpus: number;
  /** Number of storage identities, including 0 (NULL). */
  readonly contexts: number;
  /** Storage identity of a task slot's state (Layout.stOfTask). */
  readonly stOfTask: (slot: number) => number;
  /** Event names, for labels. */
  readonly eventNames: readonly string[];
}

export class CostSink implements EffectSink {
  /** Index of the event being applied (set by the driver before each event). */
  ev = 0;
  /** Context label index of each storage identity (maintained by the driver). */
  readonly labelOf: Int32Array;
  /** Names of the context labels. */
  readonly labels: string[] = [];

  private readonly total = new Float64Array(NF);
  private readonly cpuRows: Float64Array;
  private labelRows = new Float64Array(16 * NF);
  private readonly partCounts = new Float64Array(FORMAT_NAMES.length * 3);
  private readonly partVl = new Float64Array(FORMAT_NAMES.length * (MAX_VQ + 1));
  private readonly wasteCount = new Float64Array(WASTE_KINDS * MAX_EVENTS);
  private readonly wasteBytes = new Float64Array(WASTE_KINDS * MAX_EVENTS);

  private flushes = 0;
  private bindingsDropped = 0;
  private taskFlushes = 0;
  private readonly traps = new Float64Array(3);
  private readonly hypCounts = new Float64Array(4);
  private hypUnused = 0;
  private frameBytes = 0;
  /** Per CPU: bytes of the last hyp host save; then, once restored, of the unresolved pair. */
  private readonly hypHostSaved: Float64Array;
  private readonly hypRestored: Float64Array;
  private readonly hypRestoreEvent: Int32Array;

  // Pending saves (at most one per context) and binding-break causes.
  private readonly pendingBytes: Float64Array;
  private readonly pendingEvent: Int32Array;
  private readonly pendingCpu: Int32Array;
  private readonly pendingLabel: Int32Array;
  private readonly causeKind: Int32Array;
  private readonly causeEvent: Int32Array;
  private readonly lastLoadCpu: Int32Array;

  constructor(private readonly cfg: CostSinkConfig) {
    if (cfg.eventNames.length > MAX_EVENTS) throw new Error(`FPC515 model bug: more than ${MAX_EVENTS} events`);
    const n = cfg.contexts;
    this.labelOf = new Int32Array(n);
    this.cpuRows = new Float64Array(cfg.cpus * NF);
    this.hypHostSaved = new Float64Array(cfg.cpus);
    this.hypRestored = new Float64Array(cfg.cpus);
    this.hypRestoreEvent = new Int32Array(cfg.cpus);
    this.pendingBytes = new Float64Array(n);
    this.pendingEvent = new Int32Array(n);
    this.pendingCpu = new Int32Array(n);
    this.pendingLabel = new Int32Array(n);
    this.causeKind = new Int32Array(n).fill(-1);
    this.causeEvent = new Int32Array(n);
    this.lastLoadCpu = new Int32Array(n).fill(-1);
  }

  /** The label index of `name`, created if new. */
  label(name: string): number {
    let i = this.labels.indexOf(name);
    if (i < 0) {
      i = this.labels.length;
      this.labels.push(name);
      if ((i + 1) * NF > this.labelRows.length) {
        const grown = new Float64Array(this.labelRows.length * 2);
        grown.set(this.labelRows);
        this.labelRows = grown;
      }
    }
    return i;
  }

  /**
   * Counting starts again (stream.ts META_COUNT_FROM): every count and total is zeroed, and so
   * are the pending saves (a save made during the warm-up is not the record's to call wasted or
   * needed); what the registers and memory hold is the machine's, not the sink's, and stays.
   */
  reset(): void {
    for (const a of [
      this.total,
      this.cpuRows,
      this.labelRows,
      this.partCounts,
      this.partVl,
      this.wasteCount,
      this.wasteBytes,
      this.traps,
      this.hypCounts,
    ])
      a.fill(0);
    this.flushes = this.bindingsDropped = this.taskFlushes = 0;
    this.hypUnused = this.frameBytes = 0;
    this.pendingBytes.fill(0);
    this.hypHostSaved.fill(0);
    this.hypRestored.fill(0);
  }

  // --- accounting helpers ---------------------------------------------------------------------

  private add(cpu: number, label: number, field: number, value: number): void {
    this.total[field]! += value;
    this.cpuRows[cpu * NF + field]! += value;
    this.labelRows[label * NF + field]! += value;
  }

  private waste(kind: number, event: number, bytes: number): void {
    const k = kind * MAX_EVENTS + event;
    this.wasteCount[k]!++;
    this.wasteBytes[k]! += bytes;
  }

  private part(format: number, isSave: boolean, bytes: number, vlBits: number | undefined): void {
    this.partCounts[format * 3 + (isSave ? 0 : 1)]!++;
    this.partCounts[format * 3 + 2]! += bytes;
    if (format === Format.SVE || format === Format.ZA) {
      // Without an explicit VL, SVE sizes are 546*vq + 8 (sizes.ts: sveSaveBytes).
      const vq = vlBits ? vlBits / VQ_BITS : format === Format.SVE ? Math.round((bytes - 8) / 546) : Math.round(Math.sqrt(bytes) / 16);
      if (vq >= 1 && vq <= MAX_VQ) this.partVl[format * (MAX_VQ + 1) + vq]! += bytes;
    }
  }

  /** The registers a hyp host restore left on `cpu` are overwritten or disowned before any use. */
  private hypWasted(cpu: number): void {
    const pair = this.hypRestored[cpu]!;
    if (pair === 0) return;
    this.waste(Waste.HYP_UNUSED, this.hypRestoreEvent[cpu]!, pair);
    this.hypUnused += pair;
    this.hypRestored[cpu] = 0;
  }

  /** Resolves a pending save of `ctx` as wasted, of `kind`. */
  private wastePending(ctx: number, kind: number): void {
    const bytes = this.pendingBytes[ctx]!;
    if (bytes === 0) return;
    this.waste(kind, this.pendingEvent[ctx]!, bytes);
    this.add(this.pendingCpu[ctx]!, this.pendingLabel[ctx]!, WASTED_SAVES, 1);
    this.add(this.pendingCpu[ctx]!, this.pendingLabel[ctx]!, BYTES_WASTED, bytes);
    this.pendingBytes[ctx] = 0;
  }

  // --- EffectSink ------------------------------------------------------------------------------

  save(cpu: number, ctx: number, format: FormatId, bytes: number, redundant?: boolean, vlBits?: number): void {
    const label = this.labelOf[ctx]!;
    this.add(cpu, label, SAVES, 1);
    this.add(cpu, label, BYTES_SAVED, bytes);
    this.part(format, true, bytes, vlBits);
    if (redundant) {
      // Memory already held it: wasted now, and the earlier save that wrote it stays pending.
      this.waste(Waste.SAVE_UNMODIFIED, this.ev, bytes);
      this.add(cpu, label, WASTED_SAVES, 1);
      this.add(cpu, label, BYTES_WASTED, bytes);
      return;
    }
    this.wastePending(ctx, Waste.SAVE_OVERWRITTEN);
    // ZA/ZT0 saves accompany a register-block save of the same context: pending together.
    if (format === Format.ZA || format === Format.ZT0) this.pendingBytes[ctx]! += bytes;
    else this.pendingBytes[ctx] = bytes;
    this.pendingEvent[ctx] = this.ev;
    this.pendingCpu[ctx] = cpu;
    this.pendingLabel[ctx] = label;
  }

  load(cpu: number, ctx: number, format: FormatId, bytes: number, redundant: boolean, vlBits?: number): void {
    this.hypWasted(cpu);
    const label = this.labelOf[ctx]!;
    this.add(cpu, label, LOADS, 1);
    this.add(cpu, label, BYTES_LOADED, bytes);
    this.part(format, false, bytes, vlBits);
    if (redundant) {
      this.add(cpu, label, REDUNDANT_LOADS, 1);
      this.add(cpu, label, BYTES_REDUNDANT, bytes);
      const cause = this.causeKind[ctx]!;
      if (cause >= 0) this.waste(cause, this.causeEvent[ctx]!, bytes);
      else {
        const last = this.lastLoadCpu[ctx]!;
        this.waste(last >= 0 && last !== cpu ? Waste.LOAD_AFTER_MIGRATION : Waste.LOAD_OTHER, this.ev, bytes);
      }
    } else this.pendingBytes[ctx] = 0; // the pending save was needed
    if (format === Format.FPSIMD || format === Format.SVE) {
      this.causeKind[ctx] = -1;
      this.lastLoadCpu[ctx] = cpu;
    }
  }

  flushCpu(cpu: number, dropped: number): void {
    this.hypWasted(cpu);
    this.flushes++;
    if (dropped !== 0) {
      this.bindingsDropped++;
      this.causeKind[dropped] = Waste.LOAD_AFTER_CPU_FLUSH;
      this.causeEvent[dropped] = this.ev;
    }
  }

  flushTask(slot: number): void {
    this.taskFlushes++;
    const ctx = this.cfg.stOfTask(slot);
    this.causeKind[ctx] = Waste.LOAD_AFTER_TASK_FLUSH;
    this.causeEvent[ctx] = this.ev;
  }

  trap(_cpu: number, kind: TrapKindId): void {
    this.traps[kind]!++;
  }

  hyp(cpu: number, who: 'host' | 'guest', restore: boolean, bytes: number): void {
    this.hypCounts[(who === 'host' ? 0 : 2) + (restore ? 1 : 0)]!++;
    // Hyp traffic is the hypervisor's, not a context's: counted machine-wide and per CPU only.
    this.total[BYTES_HYP]! += bytes;
    this.cpuRows[cpu * NF + BYTES_HYP]! += bytes;
    if (who !== 'host') return;
    if (!restore) {
      this.hypWasted(cpu);
      this.hypHostSaved[cpu] = bytes;
    } else {
      this.hypRestored[cpu] = this.hypHostSaved[cpu]! + bytes;
      this.hypRestoreEvent[cpu] = this.ev;
      this.hypHostSaved[cpu] = 0;
    }
  }

  /**
   * FP state copied between a task's memory and its signal frame (an optional effect, reported by
   * alphabets with signals). Memory-to-memory: counted apart, not as register traffic. Setting up
   * a frame reads the memory copy (a pending save was needed); sigreturn overwrites it.
   */
  frame(_cpu: number, slot: number, op: 'setup' | 'restore', bytes: number): void {
    this.frameBytes += bytes;
    const ctx = this.cfg.stOfTask(slot);
    if (op === 'setup') this.memRead(ctx);
    else this.wastePending(ctx, Waste.SAVE_OVERWRITTEN);
  }

  /** The CPU's registers were lost (power-down, hotplug): a host restore there was never used. */
  lost(cpu: number): void {
    this.hypWasted(cpu);
  }

  // --- stream notifications from the driver ----------------------------------------------------

  /** A task returned to user space on `cpu` (after any load): what the registers hold is used. */
  userRuns(cpu: number): void {
    this.hypRestored[cpu] = 0;
  }

  /** The kernel read `ctx`'s memory copy (fork copying it to a child, a signal frame): a pending save was needed. */
  memRead(ctx: number): void {
    this.pendingBytes[ctx] = 0;
  }

  /** `ctx`'s state is gone (its task exited, exec replaced it): a pending save was never needed. */
  discard(ctx: number): void {
    this.wastePending(ctx, Waste.SAVE_OWNER_GONE);
    this.causeKind[ctx] = -1;
    this.lastLoadCpu[ctx] = -1;
  }

  // --- results -----------------------------------------------------------------------------------

  private row(a: Float64Array, i: number): TrafficRow {
    const o = i * NF;
    return {
      bytes: a[o + BYTES_SAVED]! + a[o + BYTES_LOADED]! + a[o + BYTES_HYP]!,
      saves: a[o + SAVES]!,
      loads: a[o + LOADS]!,
      redundantLoads: a[o + REDUNDANT_LOADS]!,
      wastedSaves: a[o + WASTED_SAVES]!,
      bytesSaved: a[o + BYTES_SAVED]!,
      bytesLoaded: a[o + BYTES_LOADED]!,
      bytesHyp: a[o + BYTES_HYP]!,
      bytesRedundantLoads: a[o + BYTES_REDUNDANT]!,
      bytesWastedSaves: a[o + BYTES_WASTED]!,
    };
  }

  result(): CostCounters {
    const names = this.cfg.eventNames;
    const waste: WasteSource[] = [];
    for (let kind = 0; kind < WASTE_KINDS; kind++) {
      for (let e = 0; e < names.length; e++) {
        const k = kind * MAX_EVENTS + e;
        if (this.wasteCount[k] === 0) continue;
        waste.push({
          source: wasteLabel(kind, names[e]!),
          kind: kind <= Waste.LOAD_OTHER ? 'redundant-load' : kind === Waste.HYP_UNUSED ? 'hyp' : 'wasted-save',
          count: this.wasteCount[k]!,
          bytes: this.wasteBytes[k]!,
        });
      }
    }
    waste.sort((a, b) => b.bytes - a.bytes || b.count - a.count || (a.source < b.source ? -1 : 1));
    const parts = {} as CostCounters['parts'];
    FORMAT_NAMES.forEach((name, f) => {
      const p: PartCounts = { saves: this.partCounts[f * 3]!, loads: this.partCounts[f * 3 + 1]!, bytes: this.partCounts[f * 3 + 2]! };
      if (f === Format.SVE || f === Format.ZA) {
        const byVl: Record<string, number> = {};
        for (let vq = 1; vq <= MAX_VQ; vq++) {
          const b = this.partVl[f * (MAX_VQ + 1) + vq]!;
          if (b > 0) byVl[String(vq * VQ_BITS)] = b;
        }
        p.byVl = byVl;
      }
      parts[name] = p;
    });
    let pending = 0;
    for (let c = 0; c < this.pendingBytes.length; c++) if (this.pendingBytes[c]! > 0) pending++;
    const perContext = this.labels
      .map((context, i) => ({ context, ...this.row(this.labelRows, i) }))
      .filter((r) => r.bytes > 0 || r.saves > 0 || r.loads > 0);
    return {
      ...this.row(this.total, 0),
      savesPendingAtEnd: pending,
      frameBytes: this.frameBytes,
      parts,
      flushes: this.flushes,
      bindingsDropped: this.bindingsDropped,
      taskFlushes: this.taskFlushes,
      traps: { sveEl0: this.traps[TrapKind.SVE_EL0]!, smeEl0: this.traps[TrapKind.SME_EL0]!, guestFp: this.traps[TrapKind.GUEST_FP]! },
      hyp: {
        hostSaves: this.hypCounts[0]!,
        hostRestores: this.hypCounts[1]!,
        guestSaves: this.hypCounts[2]!,
        guestLoads: this.hypCounts[3]!,
        bytes: this.total[BYTES_HYP]!,
        bytesUnused: this.hypUnused,
      },
      waste,
      perCpu: Array.from({ length: this.cfg.cpus }, (_, cpu) => ({ cpu, ...this.row(this.cpuRows, cpu) })),
      perContext,
    };
  }
}
