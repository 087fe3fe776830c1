/**
 * What a kernel path does to register traffic, reported as it happens.
 *
 * The model calls an EffectSink at every save, load, flush and trap. The checker passes a sink
 * that ignores everything (effects are not part of the state); the scenario runner and the cost
 * model pass sinks that count. Arguments are raw ids, never strings, so the hot path allocates
 * nothing.
 */

/** Storage format of a save or load. */
export const Format = { FPSIMD: 0, SVE: 1 } as const;
export type FormatId = (typeof Format)[keyof typeof Format];

export const TrapKind = {
  /** EL0 SVE access trap (do_sve_acc). */
  SVE_EL0: 0,
  /** Guest FP/ASIMD access trapped to the hypervisor. */
  GUEST_FP: 1,
} as const;
export type TrapKindId = (typeof TrapKind)[keyof typeof TrapKind];

export interface EffectSink {
  /** Registers written back to the memory of storage `ctx` (a storage identity, see Layout). */
  save(cpu: number, ctx: number, format: FormatId, bytes: number): void;
  /** Storage `ctx` loaded into the registers; `redundant` = the registers already held exactly that. */
  load(cpu: number, ctx: number, format: FormatId, bytes: number, redundant: boolean): void;
  /** CPU-side binding broken (fpsimd_flush_cpu_state); `dropped` = the identity it held, 0 if none. */
  flushCpu(cpu: number, dropped: number): void;
  /** Task-side binding broken (fpsimd_flush_task_state). */
  flushTask(slot: number): void;
  trap(cpu: number, kind: TrapKindId): void;
  /** The hypervisor saved (`restore` false) or restored host or guest V registers. */
  hyp(cpu: number, who: 'host' | 'guest', restore: boolean, bytes: number): void;
  /**
   * Optional: FP state copied between a task's memory and its signal frame on the user stack
   * (`setup`: setup_sigframe; `restore`: sigreturn). `bytes` = fpsimd_context plus the SVE
   * register block at the frame's VL when present.
   */
  frame?(cpu: number, slot: number, op: 'setup' | 'restore', bytes: number): void;
  /** Optional: the CPU's register contents were lost (CPU PM low-power state, hotplug offline). */
  lost?(cpu: number): void;
}

/** The sink the checker uses: effects are not state. */
export const NO_EFFECTS: EffectSink = {
  save() {},
  load() {},
  flushCpu() {},
  flushTask() {},
  trap() {},
  hyp() {},
};
