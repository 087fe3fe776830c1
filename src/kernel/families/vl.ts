/**
 * Event family `vl`: prctl(PR_SVE_SET_VL): vector length changes.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { inSyscall, type FamilyDecl } from './declare.js';

export const vlFamily: FamilyDecl = {
  name: 'vl',
  doc: 'prctl(PR_SVE_SET_VL): vector length changes',
  events: [
    {
      name: 'set_vl',
      code: 29,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'the current syscall is prctl(PR_SVE_SET_VL) for the other VL, effective now',
      needs: 'current inside a syscall',
      // sve_set_current_vl(): -EINVAL without system_supports_sve(); nothing changes.
      enabled: (k, cpu) => k.hasSve && !!inSyscall(k, cpu),
      run: (k) => k.sve_set_current_vl('now'),
    },
    {
      name: 'set_vl_inherit',
      code: 30,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'prctl(PR_SVE_SET_VL, other VL | PR_SVE_VL_INHERIT): effective now and kept across exec',
      needs: 'current inside a syscall',
      // sve_set_current_vl(): -EINVAL without system_supports_sve(); nothing changes.
      enabled: (k, cpu) => k.hasSve && !!inSyscall(k, cpu),
      run: (k) => k.sve_set_current_vl('inherit'),
    },
    {
      name: 'set_vl_onexec',
      code: 31,
      params: 'cpu',
      runs: 'kernel',
      doc: 'prctl(PR_SVE_SET_VL, other VL | PR_SVE_SET_VL_ONEXEC): effective at the next exec only',
      needs: 'current inside a syscall',
      // sve_set_current_vl(): -EINVAL without system_supports_sve(); nothing changes.
      enabled: (k, cpu) => k.hasSve && !!inSyscall(k, cpu),
      run: (k) => k.sve_set_current_vl('onexec'),
    },
  ],
};
