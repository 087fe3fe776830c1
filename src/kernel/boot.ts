/**
 * The initial machine: which tasks exist, where they are, what their FP state holds.
 *
 * Every task starts runnable and unbound (TIF_FOREIGN_FPSTATE set, fpsimd_cpu = NR_CPUS) with
 * version 1 of its own data in memory: a user task as if just preempted on its way back to
 * user space, a vcpu thread as if preempted inside the KVM_RUN loop (the seed's task B). CPUs
 * start idle with registers holding nobody's data. Spare slots start free, for fork.
 */

import type { Hardware } from '../arch/hw.js';
import { GARBAGE, ZERO, dataToken } from '../arch/tokens.js';
import { VQ_BITS } from '../arch/sizes.js';
import type { EventFamily } from './events.js';
import type { MachineConfig } from './layout.js';
import type { Machine } from './machine.js';
import { GLOBAL_FIELDS, NONE, Pos, TaskState } from './records.js';
import { initRecord } from '../state/struct.js';

export interface TaskSpec {
  readonly name: string;
  /** A vcpu thread (runs one vcpu, starts inside the run loop). */
  readonly vcpu?: boolean;
}

export interface BootSpec {
  readonly cpus: number;
  readonly tasks: readonly TaskSpec[];
  /** Extra free slots available to fork. */
  readonly spareSlots?: number;
  /** SVE vector length of every task, in bits (default 512, the kernel's default of 64 bytes). */
  readonly sveVlBits?: number;
  /**
   * SME (streaming) vector length of every task, in bits (default 256, the kernel's default of
   * 32 bytes). Used only by variants with SME.
   */
  readonly smeVlBits?: number;
  /** Every vcpu has SVE (vcpu_has_sve); honoured only by variants whose KVM runs SVE guests. */
  readonly guestSve?: boolean;
  /**
   * The maximum SVE VL of every vcpu, in bits: what the VMM writes to KVM_REG_ARM64_SVE_VLS
   * before finalizing the vcpu (default: `sveVlBits`). A VL the host supports (the model's
   * two: `sveVlBits` and half of it, or 256 at 128). Read only by variants with SVE guests.
   */
  readonly vcpuSveVlBits?: number;
  /**
   * Event families the explorer draws (default DEFAULT_FAMILIES in src/kernel/events.ts, the
   * first model's alphabet). Scenario scripts may use any event whatever this says.
   */
  readonly events?: readonly EventFamily[];
  /** Events of those families the explorer leaves out (by name; `--events core,-sve_write`). */
  readonly without?: readonly string[];
  /**
   * The CPU (`--hw`, `hw:`); default the one the variant was modelled on (defaultHardware in
   * src/kernel/machine.ts). Not part of the state: constant for a run.
   */
  readonly hw?: Hardware;
}

export const DEFAULT_SVE_VL_BITS = 512;
export const DEFAULT_SME_VL_BITS = 256;

/**
 * Why `vcpuBits` cannot be a vcpu's maximum VL on a machine whose tasks run at `sveBits`, or
 * null. KVM's set_sve_vls() (arch/arm64/kvm/guest.c, v5.2+) accepts only a set of VLs the host
 * supports, up to kvm_sve_max_vl; the model's host supports two (sve_vl and half of it, or 256
 * at 128: Fpsimd.altVq).
 */
export function vcpuVlProblem(vcpuBits: number, sveBits: number): string | null {
  const alt = sveBits > 128 ? sveBits / 2 : 256;
  if (vcpuBits === sveBits || vcpuBits === alt) return null;
  return `${vcpuBits} is not a VL the host supports for a vcpu (KVM_REG_ARM64_SVE_VLS: ${Math.min(sveBits, alt)} or ${Math.max(sveBits, alt)} with an SVE VL of ${sveBits})`;
}

/** The machine a spec describes; `ext` = the kernel's layout has the SME-era extension words. */
export function machineConfigOf(spec: BootSpec, ext = false): MachineConfig {
  return {
    cpus: spec.cpus,
    slots: spec.tasks.length + (spec.spareSlots ?? 0),
    vcpus: spec.tasks.filter((t) => t.vcpu).length,
    sveVlBits: spec.sveVlBits ?? DEFAULT_SVE_VL_BITS,
    ...(ext ? { ext: true, smeVlBits: spec.smeVlBits ?? DEFAULT_SME_VL_BITS, guestSve: spec.guestSve === true } : {}),
    ...(ext && spec.vcpuSveVlBits !== undefined ? { vcpuSveVlBits: spec.vcpuSveVlBits } : {}),
  };
}

/** Slot order: user tasks first, then vcpu threads, then spare slots (vcpus numbered in order). */
export function slotOrder(spec: BootSpec): TaskSpec[] {
  return [...spec.tasks.filter((t) => !t.vcpu), ...spec.tasks.filter((t) => t.vcpu)];
}

/** Writes the initial state into `m` (whose config must come from machineConfigOf(spec)). */
export function boot(m: Machine, spec: BootSpec): void {
  const { layout } = m;
  const s = m.s;
  initRecord(s, 0, GLOBAL_FIELDS);
  for (let c = 0; c < m.cfg.cpus; c++) initRecord(s, layout.cpuOffset(c), layout.cpuSpec);
  for (let t = 0; t < m.cfg.slots; t++) initRecord(s, layout.slotOffset(t), layout.taskSpec);
  for (let v = 0; v < m.cfg.vcpus; v++) initRecord(s, layout.vcpuOffset(v), layout.vcpuSpec);

  const vq = m.cfg.sveVlBits / VQ_BITS;
  const ext = m.cfg.ext === true;
  const svq = (m.cfg.smeVlBits ?? DEFAULT_SME_VL_BITS) / VQ_BITS;
  if (ext) for (let t = 0; t < m.cfg.slots; t++) m.tasks[t]!.sme_vq = svq;
  let vcpu = 0;
  slotOrder(spec).forEach((ts, slot) => {
    const t = m.tasks[slot]!;
    const mine = dataToken(layout.writerOfTask(slot), 1);
    t.state = TaskState.RUNNABLE;
    t.mm = true;
    t.TIF_FOREIGN_FPSTATE = true;
    t.sve_vq = vq;
    t.uw_V = mine;
    t.exp_V = mine;
    t.exp_Hi = ZERO;
    t.version = 1;
    if (ts.vcpu) {
      const v = m.vcpus[vcpu]!;
      t.vcpu = vcpu;
      t.pos = Pos.RUNLOOP;
      t.in_syscall = true;
      v.thread = slot;
      v.fp_V = dataToken(layout.writerOfGuest(vcpu), 1);
      v.exp_V = v.fp_V;
      v.version = 1;
      // KVM refuses KVM_ARM_VCPU_SVE where the host lacks SVE (kvm_vcpu_init_check_features).
      if (ext && m.cfg.guestSve && m.hasGuestSve) v.has_sve = true;
      vcpu++;
    } else {
      t.pos = Pos.KERNEL;
      t.in_syscall = false;
    }
  });
  for (const c of m.cpus) {
    c.current = NONE;
    c.regV = GARBAGE;
    c.regHi = GARBAGE;
  }
}
