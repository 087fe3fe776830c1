/**
 * The kernel's records, as flat views: per-CPU variables, task slots, vcpus.
 *
 * Field names follow the kernel where a kernel field exists (`fpsimd_cpu`, `TIF_SVE`,
 * `fpsimd_last_state.st` as `last_st`), so one grep finds both. Fields prefixed `exp_` or marked
 * "ghost" exist only for checking: the kernel has no such variable.
 *
 * The layout is a superset across kernel eras: a variant that does not use a field leaves it at
 * its initial value, which costs nothing in the state space.
 */

import { CPU_ARCH_FIELDS, CPU_SME_ARCH_FIELDS } from '../arch/regfile.js';
import { GARBAGE, ZERO } from '../arch/tokens.js';
import { View, defineFieldAccessors, offsetsOf, type RecordFields, type RecordSpec } from '../state/struct.js';

/** `NR_CPUS`: the value of `fpsimd_cpu` that matches no CPU ("not loaded anywhere"). */
export const NR_CPUS = 0xff;

/** No task / no vcpu / idle. */
export const NONE = -1;

/** Lifecycle of a task slot (task_struct memory). */
export const TaskState = {
  /** Slot holds no task_struct: never allocated, or freed by release_task(). */
  FREE: 0,
  /** Task is runnable (or blocked; the model does not distinguish) and not on a CPU. */
  RUNNABLE: 1,
  /** Task is `current` on some CPU. */
  RUNNING: 2,
  /** Task has exited (do_exit) and awaits reaping; never scheduled again. */
  ZOMBIE: 3,
  /**
   * Task is stopped for its tracer (TASK_TRACED: ptrace_stop() scheduled it out). Its FP state
   * is in memory, where a tracer's regset writes edit it; PTRACE_CONT makes it runnable again.
   */
  STOPPED: 4,
} as const;

/**
 * The payload of a tracer's PTRACE_SETREGSET NT_ARM_SVE write (sve_set(), the `ptrace` and
 * `ptrace_edge` families): `full`, register data for the whole VL; `header`, the header only
 * (sve.rst: "it is permissible to omit the payload"); `eio`, a header asking for a VL the CPU
 * does not support (the kernel sets a supported one) with register data laid out for the VL
 * asked for, which the kernel refuses with -EIO after it has changed the VL.
 */
export type SveWriteShape = 'full' | 'header' | 'eio';

/**
 * A kernel path that the model runs as several steps because the kernel can be preempted (or
 * interrupted by a softirq) part-way through it. `kpath` says which path a task is in, `kstep`
 * how far it got; the `continue` event runs the next step. See the path's methods in
 * src/kernel/entry.ts for where each step ends and why.
 */
export const KPath = {
  NONE: 0,
  /** setup_rt_frame(): FP state preserved, frame not yet written (the copy to user can fault). */
  SIGNAL: 1,
  /** rt_sigreturn(): restoring FP state from the frame (copies from user can fault). */
  SIGRETURN: 2,
  /** prctl(PR_SVE_SET_VL): after the softirq-protected part of sve_set_vector_length(). */
  SET_VL: 3,
  /**
   * The EL0 SVE access trap was taken; do_sve_acc() has not yet claimed the FP context (v5.13+
   * variants that convert in registers: sve_alloc() may sleep, the task may be preempted).
   */
  SVE_ACC: 4,
  /** The EL0 SME access trap was taken; do_sme_acc() has not yet claimed the FP context. */
  SME_ACC: 5,
  /**
   * Task-level kernel-mode NEON between kernel_neon_begin() and kernel_neon_end(), preemptible
   * since v6.8 (TIF_KERNEL_FPSTATE): the next step checks the kernel's registers and ends it.
   */
  KERNEL_NEON: 6,
  /**
   * ret_to_user after a syscall has reloaded the FP state (do_notify_resume: IRQs are enabled
   * again, so an IRQ can preempt the task or run softirq NEON before the final return). Only
   * variants whose save depends on being in a syscall (v6.2+) stop there.
   */
  RET_USER: 7,
} as const;

export const KPATH_NAMES = ['none', 'signal', 'sigreturn', 'set_vl', 'sve_acc', 'sme_acc', 'kernel_neon', 'ret_user'] as const;

/** thread.fp_type and fpsimd_last_state.to_save values (v6.2+, asm/processor.h). */
export const FpType = {
  /** fp_type: state in uw.fpsimd_state; to_save: decide from TIF_SVE (and SVCR.SM). */
  CURRENT: 0,
  FPSIMD: 1,
  SVE: 2,
} as const;
export const FP_TYPE_NAMES = ['current', 'fpsimd', 'sve'] as const;

/** KVM host_data.fp_owner (v5.19+, per CPU from v6.10): who owns the FP registers around a guest run. */
export const FpOwner = { FREE: 0, HOST_OWNED: 1, GUEST_OWNED: 2 } as const;
export const FP_OWNER_NAMES = ['free', 'host', 'guest'] as const;

/** Where a task executes, or would resume. */
export const Pos = {
  /** Executing user code (EL0). */
  USER: 0,
  /** In the kernel on the task's behalf (syscall or exception); leaves through ret_to_user. */
  KERNEL: 1,
  /** A vcpu thread inside the KVM_RUN ioctl loop, between guest runs. Preemptible. */
  RUNLOOP: 2,
  /** A vcpu thread's guest is executing. IRQs are masked for the host: not preemptible. */
  GUEST: 3,
} as const;

export const POS_NAMES = ['user', 'kernel', 'runloop', 'guest'] as const;
export const STATE_NAMES = ['free', 'runnable', 'running', 'zombie', 'stopped'] as const;

/** Per-CPU kernel variables (the hardware part comes from src/arch). */
export const CPU_FIELDS = [
  ...CPU_ARCH_FIELDS,
  { name: 'current', kind: 'slot', init: NONE, doc: 'current: the task running on this CPU, NONE = idle task' },
  {
    name: 'last_st',
    kind: 'ctx',
    init: 0,
    doc: 'fpsimd_last_state(.st): identity of the FP storage whose state the registers hold, 0 = NULL',
  },
  {
    name: 'last_sve_in_use',
    kind: 'bool',
    doc: 'fpsimd_last_state.sve_in_use (v4.15): TIF_SVE of the bound task, snapshotted at bind time',
  },
  {
    name: 'last_dangling',
    kind: 'bool',
    doc: 'ghost: the storage last_st names was freed after binding (the address may have been reused)',
  },
  {
    name: 'host_fpV',
    kind: 'token',
    init: ZERO,
    doc: 'KVM per-CPU host context: kvm_host_cpu_state.gp_regs.fp_regs, V part only (v4.15 hyp save area)',
  },
  {
    name: 'hw_vq',
    kind: 'int',
    doc: 'ZCR_EL1.LEN as a VL in quadwords, as last programmed by an SVE load (sve_load_state); 0 = unknown',
  },
  {
    name: 'online',
    kind: 'bool',
    init: 1,
    doc: 'CPU is online (cleared by CPU hotplug offline, set again when it comes back)',
  },
] as const satisfies RecordSpec;

/**
 * Per-CPU words of the SME era (v5.17 onwards), present only in layouts with the SME-era
 * extension (MachineConfig.ext): the SME hardware state and the fpsimd_last_state / KVM fields
 * that later kernels keep beside `st`.
 */
export const CPU_EXT_FIELDS = [
  ...CPU_SME_ARCH_FIELDS,
  {
    name: 'to_save',
    kind: 'int',
    doc: 'fpsimd_last_state.to_save (v6.2+, FpType): CURRENT = decide from TIF_SVE/SVCR.SM, or a forced FPSIMD / SVE format',
  },
  { name: 'fp_owner', kind: 'int', doc: 'KVM host_data.fp_owner (FpOwner): FREE, HOST_OWNED or GUEST_OWNED' },
] as const satisfies RecordSpec;

/** A task slot: one task_struct's worth of memory, reused by a later fork after free. */
export const TASK_FIELDS = [
  { name: 'state', kind: 'int', init: TaskState.FREE, doc: 'lifecycle, see TaskState' },
  { name: 'pos', kind: 'int', init: Pos.USER, doc: 'where the task executes or resumes, see Pos' },
  { name: 'in_syscall', kind: 'bool', doc: 'inside a syscall (as opposed to an exception or IRQ)' },
  { name: 'on_cpu', kind: 'cpu', init: NONE, doc: 'CPU this task is current on, NONE when not running' },
  { name: 'mm', kind: 'bool', doc: 'task->mm != NULL: a user task (cleared by exit_mm)' },
  { name: 'vcpu', kind: 'vcpu', init: NONE, doc: 'the vcpu this thread runs (KVM_RUN), NONE for other tasks' },
  {
    name: 'TIF_FOREIGN_FPSTATE',
    kind: 'bool',
    doc: "set unless this CPU's registers hold the task's most recent user FP state",
  },
  { name: 'TIF_SVE', kind: 'bool', doc: 'EL0 SVE allowed without trapping; in v4.15 also the storage format' },
  {
    name: 'fpsimd_cpu',
    kind: 'cpu',
    init: NR_CPUS,
    doc: 'CPU whose registers last held this state (fpsimd_state.cpu before v4.18), NR_CPUS = none',
  },
  { name: 'sve_vq', kind: 'int', init: 4, doc: 'thread.sve_vl in quadwords (VL / 128 bits)' },
  { name: 'uw_V', kind: 'token', init: ZERO, doc: 'thread.fpsimd_state (uw.fpsimd_state): V0-V31 in memory' },
  { name: 'sve_state', kind: 'bool', doc: 'thread.sve_state != NULL (buffer allocated)' },
  {
    name: 'sve_state_vq',
    kind: 'int',
    doc: 'the VL (in quadwords) thread.sve_state was sized for: sve_state_size() when it was allocated; 0 while NULL',
  },
  { name: 'sve_V', kind: 'token', init: ZERO, doc: 'sve_state buffer: the low 128 bits of Z0-Z31' },
  { name: 'sve_Hi', kind: 'token', init: ZERO, doc: 'sve_state buffer: Z above 128, P0-P15, FFR' },
  { name: 'exp_V', kind: 'token', init: ZERO, doc: 'ghost: the V part user space last wrote (what it must read back)' },
  { name: 'exp_Hi', kind: 'token', init: ZERO, doc: 'ghost: the SVE part user space must read back' },
  { name: 'version', kind: 'int', doc: 'ghost: last data version written by this task incarnation' },
  { name: 'kpath', kind: 'int', doc: 'multi-step kernel path the task is in (KPath), NONE outside one' },
  { name: 'kstep', kind: 'int', doc: 'next step of that path' },
  { name: 'kpath_arg', kind: 'int', doc: 'argument of that path (for SET_VL: the new VL in quadwords)' },
  {
    name: 'sve_vl_onexec',
    kind: 'int',
    doc: 'thread.sve_vl_onexec in quadwords: the VL the next exec sets, 0 = the system default',
  },
  { name: 'TIF_SVE_VL_INHERIT', kind: 'bool', doc: 'keep sve_vl_onexec across exec (PR_SVE_VL_INHERIT)' },
  {
    name: 'sig_frame',
    kind: 'bool',
    doc: 'a signal frame is on the user stack: the task runs (or is about to run) its handler',
  },
  { name: 'sig_V', kind: 'token', init: ZERO, doc: 'signal frame, fpsimd_context.vregs (user memory)' },
  {
    name: 'sig_zV',
    kind: 'token',
    init: ZERO,
    doc: 'signal frame, sve_context register data: Z0-Z31 bits [127:0] (ignored by sigreturn in favour of vregs)',
  },
  { name: 'sig_Hi', kind: 'token', init: ZERO, doc: 'signal frame, sve_context register data above V: Z high bits, P, FFR' },
  { name: 'sig_sve', kind: 'bool', doc: 'the frame sve_context carries register data (TIF_SVE was set at delivery)' },
  { name: 'sig_vq', kind: 'int', doc: 'the frame sve_context.vl in quadwords' },
] as const satisfies RecordSpec;

/**
 * Per-task words of the SME era, present only with the SME-era extension: thread.fp_type, the
 * SME thread state (TIF_SME, svcr, sme_vl, sme_state with ZA and ZT0), FPMR, the kernel-mode
 * NEON state that v6.8+ context-switches (TIF_KERNEL_FPSTATE), and the matching ghosts and
 * signal-frame records.
 */
export const TASK_EXT_FIELDS = [
  { name: 'fp_type', kind: 'int', init: FpType.FPSIMD, doc: 'thread.fp_type (v6.2+, FpType): the format of the memory copy' },
  { name: 'TIF_SME', kind: 'bool', doc: 'EL0 may execute SME instructions without trapping (do_sme_acc sets it)' },
  { name: 'svcr_SM', kind: 'bool', doc: 'thread.svcr SM bit: the saved PSTATE.SM' },
  { name: 'svcr_ZA', kind: 'bool', doc: 'thread.svcr ZA bit: the saved PSTATE.ZA' },
  { name: 'sme_vq', kind: 'int', init: 2, doc: 'thread.vl[ARM64_VEC_SME] in quadwords (the streaming VL)' },
  { name: 'sme_vl_onexec', kind: 'int', doc: 'thread.vl_onexec[ARM64_VEC_SME] in quadwords, 0 = the default' },
  { name: 'TIF_SME_VL_INHERIT', kind: 'bool', doc: 'keep the SME vl_onexec across exec (PR_SME_VL_INHERIT)' },
  { name: 'sme_state', kind: 'bool', doc: 'thread.sme_state != NULL (ZA followed by ZT0)' },
  { name: 'sme_ZA', kind: 'token', init: ZERO, doc: 'sme_state buffer: ZA' },
  { name: 'sme_ZT0', kind: 'token', init: ZERO, doc: 'sme_state buffer: ZT0 (after ZA)' },
  { name: 'uw_fpmr', kind: 'token', init: ZERO, doc: 'thread.uw.fpmr: the saved FPMR' },
  { name: 'tpidr2', kind: 'token', init: ZERO, doc: 'thread.tpidr2_el0: TPIDR2_EL0 while the task is switched out' },
  { name: 'TIF_KERNEL_FPSTATE', kind: 'bool', doc: 'in a kernel-mode NEON section that is context-switched (v6.8+)' },
  { name: 'kernel_st', kind: 'token', init: ZERO, doc: 'thread.kernel_fpsimd_state: kernel-mode NEON registers saved at a switch' },
  {
    name: 'kernel_fpsimd_cpu',
    kind: 'cpu',
    init: NR_CPUS,
    doc: 'thread.kernel_fpsimd_cpu: the CPU kernel_fpsimd_state was last saved on (load elided if still bound there)',
  },
  { name: 'exp_kst', kind: 'token', init: ZERO, doc: "ghost: the registers the task's kernel-mode NEON section last wrote" },
  { name: 'exp_SM', kind: 'bool', doc: 'ghost: user space believes it is in streaming mode' },
  { name: 'exp_ZAen', kind: 'bool', doc: 'ghost: user space believes ZA is enabled' },
  { name: 'exp_ZA', kind: 'token', init: ZERO, doc: 'ghost: the ZA contents user space must read back' },
  { name: 'exp_ZT0', kind: 'token', init: ZERO, doc: 'ghost: the ZT0 contents user space must read back' },
  { name: 'exp_FPMR', kind: 'token', init: ZERO, doc: 'ghost: the FPMR value user space must read back' },
  { name: 'exp_TPIDR2', kind: 'token', init: ZERO, doc: 'ghost: the TPIDR2_EL0 value user space must read back' },
  { name: 'sig_sm', kind: 'bool', doc: 'signal frame: sve_context has SVE_SIG_FLAG_SM (streaming state)' },
  { name: 'sig_za', kind: 'bool', doc: 'signal frame: za_context carries ZA data (ZA was enabled)' },
  { name: 'sig_ZA', kind: 'token', init: ZERO, doc: 'signal frame, za_context register data' },
  { name: 'sig_ZT0', kind: 'token', init: ZERO, doc: 'signal frame, zt_context register data' },
  { name: 'sig_FPMR', kind: 'token', init: ZERO, doc: 'signal frame, fpmr_context' },
  { name: 'sig_TPIDR2', kind: 'token', init: ZERO, doc: 'signal frame, tpidr2_context (v6.3+)' },
  {
    name: 'sig_forge',
    kind: 'int',
    doc: 'signal frame: what user space changed in its layout (SigForge bits: records removed or duplicated); 0 = as the kernel wrote it',
  },
] as const satisfies RecordSpec;

/**
 * How a user-written signal frame (the `sigframe` event family) differs in layout from the one
 * the kernel wrote, as bits of `sig_forge`. Record *order* is not among them: the kernel's
 * parse_user_sigframe() finds each record by its magic wherever it is and restore_sigframe()
 * restores them in a fixed order, so a frame in any order restores like the canonical one.
 */
export const SigForge = {
  /** no fpsimd_context: restore_sigframe() rejects the frame */
  NO_FPSIMD: 1,
  /** no sve_context: restore_fpsimd_context() alone (no VL check) */
  NO_SVE: 2,
  /** no za_context (nor zt_context): SVCR.ZA and ZA are left as they are */
  NO_ZA: 4,
  /** no fpmr_context: FPMR is left as it is */
  NO_FPMR: 8,
  /** a record appears twice: parse_user_sigframe() rejects the frame */
  DUPLICATE: 16,
} as const;

/** The frame has an sve_context with register payload (not removed, not header-only). */
export function frameHasSveData(t: TaskView): boolean {
  return t.sig_sve && !(t.sig_forge & SigForge.NO_SVE);
}

/** A vcpu: the guest's FP state lives in vcpu->arch.ctxt while the guest is not loaded. */
export const VCPU_FIELDS = [
  { name: 'thread', kind: 'slot', init: NONE, doc: 'the host thread that runs this vcpu' },
  { name: 'fp_V', kind: 'token', init: ZERO, doc: 'vcpu->arch.ctxt.gp_regs.fp_regs: guest V0-V31 in memory' },
  { name: 'exp_V', kind: 'token', init: ZERO, doc: 'ghost: the V part the guest last wrote' },
  { name: 'version', kind: 'int', doc: 'ghost: last data version written by this guest' },
  // vcpu->arch.flags bits of the v4.18 design (e6b673b741ea and its fixes); unused before v4.18.
  { name: 'FP_ENABLED', kind: 'bool', doc: 'KVM_ARM64_FP_ENABLED: the guest FP state is loaded in the registers' },
  { name: 'FP_HOST', kind: 'bool', doc: "KVM_ARM64_FP_HOST: the registers may hold the host thread's live state" },
  { name: 'HOST_SVE_IN_USE', kind: 'bool', doc: 'KVM_ARM64_HOST_SVE_IN_USE: the host thread had TIF_SVE at vcpu_load' },
  {
    name: 'HOST_SVE_ENABLED',
    kind: 'bool',
    doc: 'KVM_ARM64_HOST_SVE_ENABLED: EL0 SVE access was enabled (CPACR_EL1.ZEN) at vcpu_load',
  },
] as const satisfies RecordSpec;

/** Per-vcpu words of the SME era (SVE guests, the v5.17 FP_FOREIGN_FPSTATE mirror, SME host flag, FPMR). */
export const VCPU_EXT_FIELDS = [
  { name: 'has_sve', kind: 'bool', doc: 'vcpu_has_sve(): the guest has SVE (configuration, fixed at boot)' },
  { name: 'fp_Hi', kind: 'token', init: ZERO, doc: 'vcpu->arch.sve_state above the V part: guest Z high bits, P, FFR' },
  { name: 'exp_Hi', kind: 'token', init: ZERO, doc: 'ghost: the SVE part the guest last wrote' },
  {
    name: 'FP_FOREIGN_FPSTATE',
    kind: 'bool',
    doc: "KVM_ARM64_FP_FOREIGN_FPSTATE (v5.x): the thread's TIF_FOREIGN_FPSTATE mirrored for hyp at guest entry",
  },
  { name: 'HOST_SME_ENABLED', kind: 'bool', doc: 'HOST_SME_ENABLED: EL0 SME access was enabled (CPACR_EL1.SMEN) at vcpu_load' },
  { name: 'fpmr', kind: 'token', init: ZERO, doc: "the vcpu's FPMR sysreg (where a bound vcpu's save puts FPMR)" },
  {
    name: 'zcr_vq',
    kind: 'int',
    doc: "the guest's ZCR_EL1.LEN as a VL in quadwords (the VL the guest chose, `guest_zcr`); 0 = the vcpu's maximum VL",
  },
] as const satisfies RecordSpec;

/** Machine-wide words. */
export const GLOBAL_FIELDS = [
  { name: 'kernel_version', kind: 'int', doc: 'ghost: last data version written by kernel-mode NEON' },
  { name: 'garbage_guard', kind: 'int', init: GARBAGE, doc: 'reserved (keeps GARBAGE visible to canonicalisation)' },
] as const satisfies RecordSpec;

export const CPU = offsetsOf(CPU_FIELDS);
export const TASK = offsetsOf(TASK_FIELDS);
export const VCPU = offsetsOf(VCPU_FIELDS);
/** Offsets of the extension words, counted from the end of the base fields. */
export const TASK_EXT = offsetsOf(TASK_EXT_FIELDS);
export const GLOBAL = offsetsOf(GLOBAL_FIELDS);

export interface CpuView extends RecordFields<typeof CPU_FIELDS>, RecordFields<typeof CPU_EXT_FIELDS> {}
export class CpuView extends View {
  constructor(
    s: Int32Array,
    base: number,
    readonly id: number,
    /** The layout has the SME-era extension words (MachineConfig.ext). */
    readonly ext = false,
  ) {
    super(s, base);
  }
}
defineFieldAccessors(CpuView, CPU_FIELDS);
defineExtAccessors(CpuView, CPU_FIELDS.length, CPU_EXT_FIELDS);

export interface TaskView extends RecordFields<typeof TASK_FIELDS>, RecordFields<typeof TASK_EXT_FIELDS> {}
export class TaskView extends View {
  constructor(
    s: Int32Array,
    base: number,
    readonly slot: number,
    readonly ext = false,
  ) {
    super(s, base);
  }
}
defineFieldAccessors(TaskView, TASK_FIELDS);
defineExtAccessors(TaskView, TASK_FIELDS.length, TASK_EXT_FIELDS);

export interface VcpuView extends RecordFields<typeof VCPU_FIELDS>, RecordFields<typeof VCPU_EXT_FIELDS> {}
export class VcpuView extends View {
  constructor(
    s: Int32Array,
    base: number,
    readonly id: number,
    readonly ext = false,
  ) {
    super(s, base);
  }
}
defineFieldAccessors(VcpuView, VCPU_FIELDS);
defineExtAccessors(VcpuView, VCPU_FIELDS.length, VCPU_EXT_FIELDS);

/**
 * Accessors for the SME-era extension words, which follow the base fields of a record in
 * layouts that have them. On a machine without the extension a read gives the field's initial
 * value (the kernel of that era has no such state: system_supports_sme() is false, FPMR reads
 * as its reset value) and a write is a model bug, so that shared code cannot silently scribble
 * over the next record.
 */
function defineExtAccessors(cls: { prototype: object }, baseLen: number, spec: RecordSpec): void {
  spec.forEach((f, i) => {
    const off = baseLen + i;
    const init = f.init ?? 0;
    const fail = (): never => {
      throw new Error(`FPC511 model bug: ${f.name} written on a machine without the SME-era extension`);
    };
    if (f.kind === 'bool') {
      Object.defineProperty(cls.prototype, f.name, {
        get(this: View & { ext: boolean }) {
          return this.ext ? this.s[this.base + off] !== 0 : init !== 0;
        },
        set(this: View & { ext: boolean }, v: boolean) {
          if (!this.ext) fail();
          this.s[this.base + off] = v ? 1 : 0;
        },
        enumerable: true,
      });
    } else {
      Object.defineProperty(cls.prototype, f.name, {
        get(this: View & { ext: boolean }) {
          return this.ext ? this.s[this.base + off] : init;
        },
        set(this: View & { ext: boolean }, v: number) {
          if (!this.ext) fail();
          this.s[this.base + off] = v;
        },
        enumerable: true,
      });
    }
  });
}

export interface GlobalView extends RecordFields<typeof GLOBAL_FIELDS> {}
export class GlobalView extends View {}
defineFieldAccessors(GlobalView, GLOBAL_FIELDS);
