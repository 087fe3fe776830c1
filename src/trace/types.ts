/**
 * A recorded run: the serialisable form every output (timeline, JSON, HTML, Perfetto) is made
 * from. Nothing downstream of a Trace calls kernel code.
 */

import type { Violation } from '../spec/invariants.js';
import type { ContextCounters, Counters } from '../cost/counters.js';

export interface CpuSnapshot {
  id: number;
  /** Name of the current task, null for idle. */
  current: string | null;
  regs: { V: string; hi: string };
  /** EL0 SVE access enabled (no trap). */
  zen_el0: boolean;
  /** fpsimd_last_state: what it names and the fields beside it. */
  last: { st: string; sve_in_use: boolean; dangling: boolean };
  /** KVM per-CPU host context save area (V part). */
  host_fpV: string;
  guest_fp_trap: boolean;
  /** ZCR_EL1 VL in bits as last programmed by an SVE load, null = unknown. */
  hw_vl: number | null;
  online: boolean;
}

export interface TaskSnapshot {
  slot: number;
  name: string;
  state: 'free' | 'runnable' | 'running' | 'zombie' | 'stopped';
  pos: 'user' | 'kernel' | 'runloop' | 'guest';
  in_syscall: boolean;
  on_cpu: number | null;
  mm: boolean;
  vcpu: number | null;
  flags: { TIF_FOREIGN_FPSTATE: boolean; TIF_SVE: boolean };
  /** NR_CPUS shown as null. */
  fpsimd_cpu: number | null;
  sve_vl: number;
  mem: { uw_V: string; sve_state: { V: string; hi: string } | null };
  expected: { V: string; hi: string };
  /** Multi-step kernel path in progress ('none' outside one) and its next step. */
  kpath: string;
  kstep: number;
  /** sve_vl_onexec in bits (null = the default) and PR_SVE_VL_INHERIT. */
  sve_vl_onexec: number | null;
  vl_inherit: boolean;
  /** The signal frame on the user stack, null when the task is not in a handler. */
  sigframe: { V: string; sve: { zV: string; hi: string; vl: number } | null } | null;
}

export interface VcpuSnapshot {
  id: number;
  thread: string | null;
  mem: { V: string };
  expected: { V: string };
  /** vcpu->arch.flags (v4.18 design; all false before). */
  flags: { FP_ENABLED: boolean; FP_HOST: boolean; HOST_SVE_IN_USE: boolean; HOST_SVE_ENABLED: boolean };
}

export interface MachineSnapshot {
  cpus: CpuSnapshot[];
  tasks: TaskSnapshot[];
  vcpus: VcpuSnapshot[];
}

/** A kernel function call, with its nesting depth (0 = called by the event). */
export interface CallRecord {
  fn: string;
  depth: number;
}

export type EffectRecord =
  | { kind: 'save' | 'load'; cpu: number; ctx: string; format: 'fpsimd' | 'sve' | 'za' | 'zt0'; bytes: number; redundant?: boolean }
  | { kind: 'flush_cpu'; cpu: number; dropped: string }
  | { kind: 'flush_task'; task: string }
  | { kind: 'trap'; cpu: number; trap: 'sve_el0' | 'sme_el0' | 'guest_fp' }
  | { kind: 'hyp'; cpu: number; who: 'host' | 'guest'; op: 'save' | 'restore'; bytes: number }
  | { kind: 'frame'; cpu: number; task: string; op: 'setup' | 'restore'; bytes: number }
  | { kind: 'lost'; cpu: number };

export interface TraceStep {
  /** 1-based. */
  step: number;
  event: string;
  cpu: number | null;
  /** The task the event concerns: current on the CPU before the step, or the named task. */
  task: string | null;
  /** e.g. "switch cpu0 → B". */
  label: string;
  /**
   * Added by the scenario runner, not written in the scenario: a `continue` that completes a
   * kernel path before the next written step needs it (label ends "(implied)").
   */
  implied?: true;
  /** Recorded but not run: an explicit `continue` with nothing pending (label says why). */
  noop?: true;
  calls: CallRecord[];
  effects: EffectRecord[];
  /** Machine state after the step. */
  state: MachineSnapshot;
  violation?: Violation;
}

export interface Trace {
  variant: string;
  /** `hw`: the CPU as `--hw` spells it, when not the variant's default. */
  machine: { cpus: number; slots: number; vcpus: number; sveVlBits: number; hw?: string };
  initial: MachineSnapshot;
  steps: TraceStep[];
  counters: Counters;
  byContext: Record<string, ContextCounters>;
  violation?: Violation & { step: number };
}
