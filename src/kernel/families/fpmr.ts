/**
 * Event family `fpmr`: FEAT_FPMR: the FP8 mode register.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { Pos } from '../records.js';
import { curAt, type FamilyDecl } from './declare.js';

export const fpmrFamily: FamilyDecl = {
  name: 'fpmr',
  requires: 'fpmr',
  doc: 'FEAT_FPMR: the FP8 mode register',
  events: [
    {
      name: 'fpmr_write',
      code: 43,
      params: 'cpu',
      runs: 'user',
      traps: true,
      doc: 'user space writes FPMR (MSR FPMR: the FP8 mode)',
      needs: 'a system with FEAT_FPMR, current in user mode',
      enabled: (k, cpu) => k.hasFpmr && !!curAt(k, cpu, Pos.USER),
      run: (k) => k.userFpmrWrite(),
    },
  ],
};
