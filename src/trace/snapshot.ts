/**
 * Reads the machine into a MachineSnapshot (names instead of ids).
 */

import { KPATH_NAMES, NONE, NR_CPUS, POS_NAMES, STATE_NAMES } from '../kernel/records.js';
import type { Machine } from '../kernel/machine.js';
import { VQ_BITS } from '../arch/sizes.js';
import type { MachineSnapshot } from './types.js';

export function snapshot(m: Machine): MachineSnapshot {
  const n = m.naming;
  return {
    cpus: m.cpus.map((c) => ({
      id: c.id,
      current: c.current === NONE ? null : n.task(c.current),
      regs: { V: n.token(c.regV), hi: n.token(c.regHi) },
      zen_el0: c.zen_el0,
      last: { st: n.storage(c.last_st), sve_in_use: c.last_sve_in_use, dangling: c.last_dangling },
      host_fpV: n.token(c.host_fpV),
      guest_fp_trap: c.guest_fp_trap,
      hw_vl: c.hw_vq === 0 ? null : c.hw_vq * VQ_BITS,
      online: c.online,
    })),
    tasks: m.tasks.map((t) => ({
      slot: t.slot,
      name: n.task(t.slot),
      state: STATE_NAMES[t.state]!,
      pos: POS_NAMES[t.pos]!,
      in_syscall: t.in_syscall,
      on_cpu: t.on_cpu === NONE ? null : t.on_cpu,
      mm: t.mm,
      vcpu: t.vcpu === NONE ? null : t.vcpu,
      flags: { TIF_FOREIGN_FPSTATE: t.TIF_FOREIGN_FPSTATE, TIF_SVE: t.TIF_SVE },
      fpsimd_cpu: t.fpsimd_cpu === NR_CPUS ? null : t.fpsimd_cpu,
      sve_vl: t.sve_vq * VQ_BITS,
      mem: { uw_V: n.token(t.uw_V), sve_state: t.sve_state ? { V: n.token(t.sve_V), hi: n.token(t.sve_Hi) } : null },
      expected: { V: n.token(t.exp_V), hi: n.token(t.exp_Hi) },
      kpath: KPATH_NAMES[t.kpath] ?? `path${t.kpath}`,
      kstep: t.kstep,
      sve_vl_onexec: t.sve_vl_onexec === 0 ? null : t.sve_vl_onexec * VQ_BITS,
      vl_inherit: t.TIF_SVE_VL_INHERIT,
      sigframe: t.sig_frame
        ? { V: n.token(t.sig_V), sve: t.sig_sve ? { zV: n.token(t.sig_zV), hi: n.token(t.sig_Hi), vl: t.sig_vq * VQ_BITS } : null }
        : null,
    })),
    vcpus: m.vcpus.map((v) => ({
      id: v.id,
      thread: v.thread === NONE ? null : n.task(v.thread),
      mem: { V: n.token(v.fp_V) },
      expected: { V: n.token(v.exp_V) },
      flags: { FP_ENABLED: v.FP_ENABLED, FP_HOST: v.FP_HOST, HOST_SVE_IN_USE: v.HOST_SVE_IN_USE, HOST_SVE_ENABLED: v.HOST_SVE_ENABLED },
    })),
  };
}
