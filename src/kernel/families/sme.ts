/**
 * Event family `sme`: SME: streaming mode, ZA/ZT0, the SME trap and PR_SME_SET_VL.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { Pos } from '../records.js';
import { curAt, inSyscall, type FamilyDecl } from './declare.js';

export const smeFamily: FamilyDecl = {
  name: 'sme',
  requires: 'sme',
  doc: 'SME: streaming mode, ZA/ZT0, the SME trap and PR_SME_SET_VL',
  events: [
    {
      name: 'smstart_sm',
      code: 36,
      params: 'cpu',
      runs: 'user',
      traps: true,
      path: true,
      doc: 'user space enters streaming mode (SMSTART SM: Z/P/FFR and FPMR zeroed; traps to do_sme_acc first if SME is disabled for EL0)',
      needs: 'an SME system, current in user mode and not in streaming mode',
      enabled: (k, cpu) => {
        const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
        return !!t && !t.exp_SM;
      },
      run: (k) => k.userSmstart(true, false),
    },
    {
      name: 'smstart_za',
      code: 37,
      params: 'cpu',
      runs: 'user',
      traps: true,
      path: true,
      doc: 'user space enables ZA (SMSTART ZA: ZA and ZT0 zeroed; traps first if SME is disabled for EL0)',
      needs: 'an SME system, current in user mode with ZA disabled',
      enabled: (k, cpu) => {
        const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
        return !!t && !t.exp_ZAen;
      },
      run: (k) => k.userSmstart(false, true),
    },
    {
      name: 'smstop_sm',
      code: 38,
      params: 'cpu',
      runs: 'user',
      traps: true,
      doc: 'user space leaves streaming mode, keeping ZA (SMSTOP SM: Z/P/FFR and FPMR zeroed)',
      needs: 'an SME system, current in user mode in streaming mode',
      enabled: (k, cpu) => {
        const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
        return !!t && t.exp_SM;
      },
      run: (k) => k.userSmstop(true, false),
    },
    {
      name: 'smstop',
      code: 39,
      params: 'cpu',
      runs: 'user',
      traps: true,
      doc: 'user space leaves streaming mode and disables ZA (SMSTOP)',
      needs: 'an SME system, current in user mode in streaming mode or with ZA enabled',
      enabled: (k, cpu) => {
        const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
        return !!t && (t.exp_SM || t.exp_ZAen);
      },
      run: (k) => k.userSmstop(true, true),
    },
    {
      name: 'za_write',
      code: 40,
      params: 'cpu',
      runs: 'user',
      traps: true,
      path: true,
      doc: 'user space writes ZA rows and ZT0 (za-test / zt-test pattern; traps first if SME is disabled for EL0)',
      needs: 'an SME system, current in user mode with ZA enabled',
      enabled: (k, cpu) => {
        const t = k.hasSme ? curAt(k, cpu, Pos.USER) : null;
        return !!t && t.exp_ZAen;
      },
      run: (k) => k.userZaWrite(),
    },
    {
      name: 'set_sme_vl',
      code: 41,
      params: 'cpu',
      runs: 'kernel',
      path: true,
      doc: 'the current syscall is prctl(PR_SME_SET_VL) for the other streaming VL, effective now (ZA is discarded)',
      needs: 'an SME system, current inside a syscall',
      enabled: (k, cpu) => k.hasSme && !!inSyscall(k, cpu),
      run: (k) => k.sme_set_current_vl(),
    },
  ],
};
