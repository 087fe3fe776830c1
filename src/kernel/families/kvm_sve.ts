/**
 * Event family `kvm_sve`: SVE guests.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { Pos } from '../records.js';
import { curAt, type FamilyDecl } from './declare.js';

export const kvmSveFamily: FamilyDecl = {
  name: 'kvm_sve',
  requires: 'guestSve',
  doc: 'SVE guests',
  events: [
    {
      name: 'guest_sve',
      code: 44,
      params: 'cpu',
      runs: 'guest',
      doc: 'an SVE guest reads and writes its Z/P/FFR registers (the first FP/SVE use in a run traps to the hypervisor)',
      needs: 'a kernel running SVE guests, current a vcpu thread whose SVE guest is running',
      enabled: (k, cpu) => {
        const t = k.hasGuestSve ? curAt(k, cpu, Pos.GUEST) : null;
        return !!t && k.vcpus[t.vcpu]!.has_sve;
      },
      run: (k) => k.guestSveUse(),
    },
  ],
};
