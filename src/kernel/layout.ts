/**
 * Where each record lives in the state buffer, and how identities are numbered.
 *
 * Buffer: [global][cpu 0..C-1][slot 0..S-1][vcpu 0..V-1].
 *
 * Two numberings matter to the protocol:
 *  - *storage identity* (`ctx`): what `fpsimd_last_state.st` points at. 0 is NULL; a task slot's
 *    `thread.fpsimd_state` is 1+slot (an *address*: a reused slot has the same identity, which is
 *    exactly the ABA hazard the kernel defends against); a vcpu's `ctxt.fp_regs` is 1+S+v.
 *  - *writer* of a data token (src/arch/tokens.ts): the live task in slot s writes as 1+s, guest
 *    v as 1+S+v, kernel-mode NEON as 1+S+V, and data left behind by a dead task of slot s is
 *    re-attributed to 2+S+V+s when the slot is freed, so that a later task in the same slot does
 *    not see it as its own.
 */

import type { FieldKind, RecordSpec } from '../state/struct.js';
import { CPU_FIELDS, GLOBAL_FIELDS, TASK_FIELDS, VCPU_FIELDS } from './records.js';

export interface MachineConfig {
  /** Number of CPUs. */
  readonly cpus: number;
  /** Number of task slots (user tasks and vcpu threads together). */
  readonly slots: number;
  /** Number of vcpus; vcpu v is run by the thread in slot `slots - vcpus + v`. */
  readonly vcpus: number;
  /** Initial SVE vector length of every task, in bits. */
  readonly sveVlBits: number;
}

/**
 * One run of same-typed records in the buffer. `kind` names what the records are; the checker's
 * symmetry reduction permutes the records of one region as a block (src/kernel/model.ts).
 */
export interface LayoutRegion {
  readonly kind: 'global' | 'cpu' | 'slot' | 'vcpu';
  readonly base: number;
  /** Words per record. */
  readonly stride: number;
  readonly count: number;
}

/** Bounds of the checker's CLI (`fpctx check`): exhaustive exploration beyond them is hopeless. */
export const MAX_CPUS = 8;
export const MAX_SLOTS = 16;
export const MAX_VCPUS = 4;

/**
 * What one machine can hold. Larger than the checker's bounds because the cost model replays
 * real traces with dozens of CPUs and hundreds of tasks. The encodings set the ceiling: an action
 * stores a CPU and a slot in 8 bits each, and NR_CPUS (0xff) must name no CPU.
 */
export const CAPACITY = { cpus: 64, slots: 250, vcpus: 64 } as const;

export class Layout {
  readonly cpuBase: number;
  readonly slotBase: number;
  readonly vcpuBase: number;
  readonly words: number;
  /** Kind of every word of the state, for canonicalisation. */
  readonly kinds: readonly FieldKind[];
  /** Offsets of every token word (registers, memory copies, ghosts). */
  readonly tokenOffsets: Int32Array;
  /** The regions, in buffer order; together they cover every word exactly once. */
  readonly regions: readonly LayoutRegion[];

  constructor(readonly cfg: MachineConfig) {
    if (cfg.cpus < 1 || cfg.cpus > CAPACITY.cpus) throw new RangeError(`cpus must be 1..${CAPACITY.cpus}`);
    if (cfg.slots < 1 || cfg.slots > CAPACITY.slots) throw new RangeError(`slots must be 1..${CAPACITY.slots}`);
    if (cfg.vcpus < 0 || cfg.vcpus > CAPACITY.vcpus || cfg.vcpus > cfg.slots) {
      throw new RangeError(`vcpus must be 0..${Math.min(CAPACITY.vcpus, cfg.slots)}`);
    }
    this.cpuBase = GLOBAL_FIELDS.length;
    this.slotBase = this.cpuBase + cfg.cpus * CPU_FIELDS.length;
    this.vcpuBase = this.slotBase + cfg.slots * TASK_FIELDS.length;
    this.words = this.vcpuBase + cfg.vcpus * VCPU_FIELDS.length;
    const kinds: FieldKind[] = [];
    const push = (spec: RecordSpec, n: number) => {
      for (let i = 0; i < n; i++) for (const f of spec) kinds.push(f.kind);
    };
    push(GLOBAL_FIELDS, 1);
    push(CPU_FIELDS, cfg.cpus);
    push(TASK_FIELDS, cfg.slots);
    push(VCPU_FIELDS, cfg.vcpus);
    this.kinds = kinds;
    this.tokenOffsets = Int32Array.from(kinds.flatMap((k, i) => (k === 'token' ? [i] : [])));
    this.regions = [
      { kind: 'global', base: 0, stride: GLOBAL_FIELDS.length, count: 1 },
      { kind: 'cpu', base: this.cpuBase, stride: CPU_FIELDS.length, count: cfg.cpus },
      { kind: 'slot', base: this.slotBase, stride: TASK_FIELDS.length, count: cfg.slots },
      { kind: 'vcpu', base: this.vcpuBase, stride: VCPU_FIELDS.length, count: cfg.vcpus },
    ];
  }

  cpuOffset(c: number): number {
    return this.cpuBase + c * CPU_FIELDS.length;
  }
  slotOffset(s: number): number {
    return this.slotBase + s * TASK_FIELDS.length;
  }
  vcpuOffset(v: number): number {
    return this.vcpuBase + v * VCPU_FIELDS.length;
  }

  // --- storage identities (fpsimd_last_state.st) ---------------------------------------------
  stOfTask(slot: number): number {
    return 1 + slot;
  }
  stOfVcpu(v: number): number {
    return 1 + this.cfg.slots + v;
  }
  /** The slot whose thread.fpsimd_state has identity `st`, or -1. */
  taskOfSt(st: number): number {
    return st >= 1 && st <= this.cfg.slots ? st - 1 : -1;
  }
  /** The vcpu whose ctxt.fp_regs has identity `st`, or -1. */
  vcpuOfSt(st: number): number {
    const v = st - 1 - this.cfg.slots;
    return v >= 0 && v < this.cfg.vcpus ? v : -1;
  }

  // --- writers of data tokens -----------------------------------------------------------------
  writerOfTask(slot: number): number {
    return 1 + slot;
  }
  writerOfGuest(v: number): number {
    return 1 + this.cfg.slots + v;
  }
  get kernelWriter(): number {
    return 1 + this.cfg.slots + this.cfg.vcpus;
  }
  writerOfDead(slot: number): number {
    return 2 + this.cfg.slots + this.cfg.vcpus + slot;
  }
  /** Total number of writer ids, including the special writer 0 (ZERO/GARBAGE). */
  get writerCount(): number {
    return 2 + 2 * this.cfg.slots + this.cfg.vcpus;
  }

  /** Classifies a writer id. */
  describeWriter(w: number): { kind: 'none' | 'task' | 'guest' | 'kernel' | 'dead'; index: number } {
    const { slots, vcpus } = this.cfg;
    if (w === 0) return { kind: 'none', index: 0 };
    if (w <= slots) return { kind: 'task', index: w - 1 };
    if (w <= slots + vcpus) return { kind: 'guest', index: w - 1 - slots };
    if (w === slots + vcpus + 1) return { kind: 'kernel', index: 0 };
    return { kind: 'dead', index: w - 2 - slots - vcpus };
  }
}
