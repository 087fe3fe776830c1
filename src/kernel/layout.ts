/**
 * Where each record lives in the state buffer, and how identities are numbered.
 *
 * Buffer: [global][cpu 0..C-1][slot 0..S-1][vcpu 0..V-1].
 *
 * Two numberings matter to the protocol:
 *  - *storage identity* (`ctx`): what `fpsimd_last_state.st` points at. 0 is NULL; a task slot's
 *    `thread.fpsimd_state` is 1+slot (an *address*: a reused slot has the same identity, which is
 *    exactly the ABA hazard the kernel defends against); a vcpu's `ctxt.fp_regs` is 1+S+v; with
 *    the SME-era extension, a slot's `thread.kernel_fpsimd_state` (v6.8+) is 1+S+V+slot.
 *  - *writer* of a data token (src/arch/tokens.ts): the live task in slot s writes as 1+s, guest
 *    v as 1+S+v, kernel-mode NEON as 1+S+V, and data left behind by a dead task of slot s is
 *    re-attributed to 2+S+V+s when the slot is freed, so that a later task in the same slot does
 *    not see it as its own.
 */

import type { FieldKind, RecordSpec } from '../state/struct.js';
import { CPU_EXT_FIELDS, CPU_FIELDS, GLOBAL_FIELDS, TASK_EXT_FIELDS, TASK_FIELDS, VCPU_EXT_FIELDS, VCPU_FIELDS } from './records.js';

export interface MachineConfig {
  /** Number of CPUs. */
  readonly cpus: number;
  /** Number of task slots (user tasks and vcpu threads together). */
  readonly slots: number;
  /** Number of vcpus; vcpu v is run by the thread in slot `slots - vcpus + v`. */
  readonly vcpus: number;
  /** Initial SVE vector length of every task, in bits. */
  readonly sveVlBits: number;
  /**
   * The SME-era extension words are present (set for variants that declare SME-era features,
   * see Machine.features): SME/FPMR hardware state, fp_type, TIF_SME, kernel-mode NEON state,
   * SVE guests. Without it the records are exactly the older ones.
   */
  readonly ext?: boolean;
  /** Initial SME (streaming) vector length of every task, in bits (default 256). */
  readonly smeVlBits?: number;
  /** Every vcpu has SVE (vcpu_has_sve); only with the extension. */
  readonly guestSve?: boolean;
  /**
   * The maximum SVE VL of every vcpu, in bits (the VMM's KVM_REG_ARM64_SVE_VLS; default: the
   * tasks' VL `sveVlBits`); only with the extension, read only by kernels with SVE guests.
   */
  readonly vcpuSveVlBits?: number;
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
  /** Field lists of each record kind as laid out (the base fields, then the extension words if any). */
  readonly cpuSpec: RecordSpec;
  readonly taskSpec: RecordSpec;
  readonly vcpuSpec: RecordSpec;

  constructor(readonly cfg: MachineConfig) {
    if (cfg.cpus < 1 || cfg.cpus > CAPACITY.cpus) throw new RangeError(`cpus must be 1..${CAPACITY.cpus}`);
    if (cfg.slots < 1 || cfg.slots > CAPACITY.slots) throw new RangeError(`slots must be 1..${CAPACITY.slots}`);
    if (cfg.vcpus < 0 || cfg.vcpus > CAPACITY.vcpus || cfg.vcpus > cfg.slots) {
      throw new RangeError(`vcpus must be 0..${Math.min(CAPACITY.vcpus, cfg.slots)}`);
    }
    const ext = cfg.ext === true;
    this.cpuSpec = ext ? [...CPU_FIELDS, ...CPU_EXT_FIELDS] : CPU_FIELDS;
    this.taskSpec = ext ? [...TASK_FIELDS, ...TASK_EXT_FIELDS] : TASK_FIELDS;
    this.vcpuSpec = ext ? [...VCPU_FIELDS, ...VCPU_EXT_FIELDS] : VCPU_FIELDS;
    this.cpuBase = GLOBAL_FIELDS.length;
    this.slotBase = this.cpuBase + cfg.cpus * this.cpuSpec.length;
    this.vcpuBase = this.slotBase + cfg.slots * this.taskSpec.length;
    this.words = this.vcpuBase + cfg.vcpus * this.vcpuSpec.length;
    const kinds: FieldKind[] = [];
    const push = (spec: RecordSpec, n: number) => {
      for (let i = 0; i < n; i++) for (const f of spec) kinds.push(f.kind);
    };
    push(GLOBAL_FIELDS, 1);
    push(this.cpuSpec, cfg.cpus);
    push(this.taskSpec, cfg.slots);
    push(this.vcpuSpec, cfg.vcpus);
    this.kinds = kinds;
    this.tokenOffsets = Int32Array.from(kinds.flatMap((k, i) => (k === 'token' ? [i] : [])));
    this.regions = [
      { kind: 'global', base: 0, stride: GLOBAL_FIELDS.length, count: 1 },
      { kind: 'cpu', base: this.cpuBase, stride: this.cpuSpec.length, count: cfg.cpus },
      { kind: 'slot', base: this.slotBase, stride: this.taskSpec.length, count: cfg.slots },
      { kind: 'vcpu', base: this.vcpuBase, stride: this.vcpuSpec.length, count: cfg.vcpus },
    ];
  }

  cpuOffset(c: number): number {
    return this.cpuBase + c * this.cpuSpec.length;
  }
  slotOffset(s: number): number {
    return this.slotBase + s * this.taskSpec.length;
  }
  vcpuOffset(v: number): number {
    return this.vcpuBase + v * this.vcpuSpec.length;
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
  /**
   * Identity of a slot's thread.kernel_fpsimd_state (v6.8+: fpsimd_save_kernel_state() binds
   * it to the CPU). Only used by layouts with the extension.
   */
  stOfKernelState(slot: number): number {
    return 1 + this.cfg.slots + this.cfg.vcpus + slot;
  }
  /** The slot whose kernel_fpsimd_state has identity `st`, or -1. */
  taskOfKernelSt(st: number): number {
    const s = st - 1 - this.cfg.slots - this.cfg.vcpus;
    return s >= 0 && s < this.cfg.slots ? s : -1;
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
