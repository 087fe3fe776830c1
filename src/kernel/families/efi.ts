/**
 * Event family `efi` (issue 14 part 7): EFI runtime services and the FP registers. The UEFI ABI
 * lets firmware use FPSIMD during a runtime call, so the kernel brackets each call with
 * __efi_fpsimd_begin()/__efi_fpsimd_end(). Where may_use_simd() holds that is kernel-mode NEON
 * (the `neon` family already models it: the efi_rts_wq worker is a kernel thread); the event
 * here is the other case, a call with IRQs off (efi_reboot() from machine_restart(), EFI
 * pstore's non-blocking variable writes), which until 7137a203b251 took the fallback: save the
 * live registers, SVE and streaming state included, into the EFI save area and restore them
 * afterwards, leaving the CPU's binding alone. Off by default: `--events ...,efi`.
 *
 * The call is taken between kernel paths (in a syscall, an exception or the KVM run loop; not
 * inside a kernel-mode NEON section, nor part-way through a multi-step path) or from user mode,
 * through an interrupt; never while a guest runs.
 * How an event is declared: src/kernel/families/declare.ts.
 */

import { KPath, Pos } from '../records.js';
import { cur, touchCpu, type FamilyDecl } from './declare.js';

export const efiFamily: FamilyDecl = {
  name: 'efi',
  doc: 'EFI runtime service calls with IRQs off (__efi_fpsimd_begin/__efi_fpsimd_end)',
  // The SME-era fallback laid the streaming save out for sve_max_vl(): only a streaming VL
  // above the SVE one shows it (the defaults are SVE 512, SME 256). Hunts run efi there.
  huntVlWithSme: 'sve=256,sme=512',
  events: [
    {
      name: 'efi',
      code: 68,
      params: 'cpu',
      runs: 'cpu',
      doc: 'an EFI runtime service is called on this CPU with IRQs off (efi_reboot, EFI pstore): the firmware uses FPSIMD between __efi_fpsimd_begin and __efi_fpsimd_end',
      needs:
        'an online CPU not running a guest, its current (if any) in user mode, or in the kernel or the run loop between paths and outside kernel-mode NEON',
      enabled: (k, cpu) => {
        if (!k.maySoftirq(k.cpus[cpu]!)) return false;
        const t = cur(k, cpu);
        if (!t) return true;
        if (t.pos === Pos.USER) return true;
        const between = t.pos === Pos.KERNEL || t.pos === Pos.RUNLOOP;
        return between && t.kpath === KPath.NONE && !(k.cfg.ext && t.TIF_KERNEL_FPSTATE);
      },
      run: (k) => {
        k.interruptUser();
        k.efiRuntimeCall();
      },
      touches: (k, cpu, _arg, out) => touchCpu(k, cpu, out),
    },
  ],
};
