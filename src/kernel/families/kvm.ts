/**
 * Event family `kvm`: the KVM run loop of a vcpu thread and its guest's FP use.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { NONE, Pos } from '../records.js';
import { curAt, inSyscall, touchCpu, type FamilyDecl } from './declare.js';

export const kvmFamily: FamilyDecl = {
  name: 'kvm',
  doc: "the KVM run loop of a vcpu thread and its guest's FP use",
  events: [
    {
      name: 'kvm_run',
      code: 12,
      params: 'cpu',
      runs: 'kernel',
      doc: 'the current syscall of a vcpu thread is ioctl(KVM_RUN): it enters the run loop',
      needs: 'current a vcpu thread inside a syscall',
      enabled: (k, cpu) => {
        const t = inSyscall(k, cpu);
        return !!t && t.vcpu !== NONE;
      },
      run: (k) => k.kvm_arch_vcpu_ioctl_run(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'vcpu_enter',
      code: 13,
      params: 'cpu',
      runs: 'kernel',
      doc: 'the run loop prepares (pre-entry FP flush) and enters the guest',
      needs: 'current a vcpu thread in the KVM run loop',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.RUNLOOP),
      run: (k) => k.runLoopEnterGuest(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'guest_fp',
      code: 14,
      params: 'cpu',
      runs: 'guest',
      doc: 'the guest reads and writes FP registers (the first use in a run traps to the hypervisor)',
      needs: 'current a vcpu thread whose guest is running',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.GUEST),
      run: (k) => k.guestFpUse(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'vcpu_exit',
      code: 15,
      params: 'cpu',
      runs: 'guest',
      doc: 'the guest exits to the host run loop',
      needs: 'current a vcpu thread whose guest is running',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.GUEST),
      run: (k) => k.runLoopGuestExit(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
    {
      name: 'kvm_exit',
      code: 34,
      params: 'cpu',
      runs: 'kernel',
      doc: 'the run loop leaves KVM_RUN (vcpu_put): the vcpu thread is back in its ioctl syscall, on its way to the VMM',
      needs: 'current a vcpu thread in the KVM run loop',
      enabled: (k, cpu) => !!curAt(k, cpu, Pos.RUNLOOP),
      run: (k) => k.runLoopReturn(),
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
  ],
};
