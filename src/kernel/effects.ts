/**
 * What a kernel path does to register traffic, reported as it happens.
 *
 * The model calls an EffectSink at every save, load, flush and trap. The checker passes a sink
 * that ignores everything (effects are not part of the state); the scenario runner and the cost
 * model pass sinks that count. Arguments are raw ids, never strings, so the hot path allocates
 * nothing.
 *
 * Compatibility: trailing parameters marked optional were added for the cost model (issue 5);
 * callers that do not pass them still report correct byte counts, the cost model then derives
 * the vector length from the size and cannot tell a save of unmodified state from any other.
 */

/**
 * Storage format (or architectural part) of a save or load.
 *  - FPSIMD: `struct user_fpsimd_state` (V0-V31, FPSR, FPCR).
 *  - SVE: the Z/P/FFR register block at a vector length (streaming-mode SVE included: report it
 *    with the streaming vector length).
 *  - ZA, ZT0: the SME array and the SME2 table, saved or loaded beside the above.
 */
export const Format = { FPSIMD: 0, SVE: 1, ZA: 2, ZT0: 3 } as const;
export type FormatId = (typeof Format)[keyof typeof Format];
export const FORMAT_NAMES = ['fpsimd', 'sve', 'za', 'zt0'] as const;

export const TrapKind = {
  /** EL0 SVE access trap (do_sve_acc). */
  SVE_EL0: 0,
  /** Guest FP/ASIMD access trapped to the hypervisor. */
  GUEST_FP: 1,
  /** EL0 SME access trap (do_sme_acc). */
  SME_EL0: 2,
} as const;
export type TrapKindId = (typeof TrapKind)[keyof typeof TrapKind];

export interface EffectSink {
  /**
   * Registers written back to the memory of storage `ctx` (a storage identity, see Layout).
   * `redundant` = the memory copy already held exactly what was saved (a save of unmodified
   * state); `vlBits` = the vector length of an SVE/ZA-format save.
   */
  save(cpu: number, ctx: number, format: FormatId, bytes: number, redundant?: boolean, vlBits?: number): void;
  /**
   * Storage `ctx` loaded into the registers; `redundant` = the registers already held exactly
   * that; `vlBits` = the vector length of an SVE/ZA-format load.
   */
  load(cpu: number, ctx: number, format: FormatId, bytes: number, redundant: boolean, vlBits?: number): void;
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
