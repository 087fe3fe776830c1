/**
 * Event family `kvmvl`: the vector length an SVE guest runs at.
 * How an event is declared: src/kernel/families/declare.ts.
 *
 * A vcpu's SVE state is always saved and restored at the vcpu's maximum VL (the layout of
 * vcpu->arch.sve_state, and the `sve_vl` that kvm_arch_vcpu_ctxsync_fp() binds), but the guest
 * runs at whatever VL it programs into ZCR_EL1. With an nVHE host (`--hw ...,nvhe`) that
 * register is the host's too, so until KVM puts the maximum back the host's SVE VL is the
 * guest's choice: a host save of the guest's live state in that window (softirq kernel-mode
 * NEON, say) finds RDVL different from the VL it is bound at. Off by default.
 */

import { Pos } from '../records.js';
import { curAt, touchCpu, type FamilyDecl } from './declare.js';

export const kvmvlFamily: FamilyDecl = {
  name: 'kvmvl',
  requires: 'guestSve',
  doc: "an SVE guest's VL (ZCR_EL1) and the host's VL after its exit",
  huntOn: { nvhe: true },
  events: [
    {
      name: 'guest_zcr',
      code: 63,
      params: 'cpu',
      runs: 'guest',
      doc: 'an SVE guest writes ZCR_EL1: it runs at half its maximum VL, or at the maximum again (a ZCR_EL1 access traps to the hypervisor like SVE until the guest owns the registers)',
      needs: 'a kernel running SVE guests, current a vcpu thread whose SVE guest is running',
      enabled: (k, cpu) => {
        const t = k.hasGuestSve ? curAt(k, cpu, Pos.GUEST) : null;
        return !!t && k.vcpus[t.vcpu]!.has_sve;
      },
      run: (k) => k.guestZcrWrite(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
  ],
};
