/**
 * The `kvmvl` family: the VL an SVE guest runs at, against the kernel's source.
 *
 * What the kernel says (linux-source-6.12 arch/arm64/kvm/hyp/include/hyp/switch.h, and the
 * commit message of 59419f10045b "KVM: arm64: Eagerly switch ZCR_EL{1,2}"):
 *  - a vcpu's SVE state is saved and restored at the vcpu's maximum VL
 *    (__hyp_sve_restore_guest programs ZCR_EL2 with it), and kvm_arch_vcpu_ctxsync_fp() binds
 *    the guest's live state at that VL;
 *  - the guest runs at the VL it writes to ZCR_EL1; on VHE the host runs at EL2 under ZCR_EL2
 *    (the vcpu's maximum after the restore), on nVHE it shares ZCR_EL1 with the guest;
 *  - so on nVHE, between guest exit and kvm_arch_vcpu_put_fp(), the host's VL is the guest's:
 *    a softirq that uses kernel-mode NEON saves the bound guest state, fpsimd_save_user_state()
 *    finds RDVL different from the bound VL, WARNs and pends SIGKILL for the VMM thread;
 *  - vcpu_put itself was right before the fix: kvm_arch_vcpu_put_fp() put ZCR_EL1 back to the
 *    vcpu's maximum on nVHE before saving (removed by 59419f10045b, which switches ZCR_EL{1,2}
 *    eagerly at every guest exit instead).
 */
import { describe, expect, it } from 'vitest';
import { parseHw, type Hardware } from '../../src/arch/hw.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { act, slot } from '../helpers.js';

function hw(text: string): Hardware {
  const h = parseHw(text);
  if (typeof h === 'string') throw new Error(h);
  return h;
}

/** One CPU, one SVE vcpu whose thread B runs its guest, which has chosen half its maximum VL. */
function guestAtHalfVl(variant: string, hwText: string): Kvm {
  const v = variantOfExpression(variant);
  if (!v) throw new Error(`no variant ${variant}`);
  const k = createMachine(v.Kernel, { cpus: 1, guestSve: true, tasks: [{ name: 'B', vcpu: true }], hw: hw(hwText) });
  act(k, 'switch', 0, slot(k, 'B'));
  act(k, 'vcpu_enter', 0);
  expect(act(k, 'guest_sve', 0)).toBeNull();
  expect(act(k, 'guest_zcr', 0)).toBeNull();
  return k;
}

describe('guest_zcr: the guest chooses its VL', () => {
  it('toggles the vcpu between half its maximum VL and the maximum; on nVHE the host register follows', () => {
    const k = guestAtHalfVl('v6.12', 'sve,fpmr,nvhe');
    const v = k.vcpus[0]!;
    expect(v.zcr_vq).toBe(k.defaultVq / 2);
    expect(k.cpus[0]!.hw_vq).toBe(k.defaultVq / 2);
    expect(act(k, 'guest_zcr', 0)).toBeNull();
    expect(v.zcr_vq).toBe(0);
    expect(k.cpus[0]!.hw_vq).toBe(k.defaultVq);
  });

  it("on VHE the host's VL (ZCR_EL2) stays the vcpu's maximum whatever the guest writes", () => {
    const k = guestAtHalfVl('v6.12', 'sve,fpmr');
    expect(k.vcpus[0]!.zcr_vq).toBe(k.defaultVq / 2);
    expect(k.cpus[0]!.hw_vq).toBe(k.defaultVq);
  });

  it('is not an event without SVE guests (v4.18)', () => {
    const k = createMachine(variantOfExpression('v4.18')!.Kernel, { cpus: 1, tasks: [{ name: 'B', vcpu: true }] });
    act(k, 'switch', 0, slot(k, 'B'));
    act(k, 'vcpu_enter', 0);
    expect(() => act(k, 'guest_zcr', 0)).toThrow(/not enabled/);
  });
});

describe("a host save between guest exit and vcpu_put (59419f10045b's scenario)", () => {
  it('nVHE before the fix: softirq NEON saves the bound guest at the wrong VL, WARN (SIGKILL)', () => {
    for (const [variant, where] of [
      ['v5.17', 'fpsimd_save'],
      ['v6.12', 'fpsimd_save_user_state'],
    ] as const) {
      const k = guestAtHalfVl(variant, 'sve,fpmr,nvhe');
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      const w = act(k, 'softirq_neon', 0);
      expect(w?.invariant, variant).toBe('kernel-warn');
      expect(w?.where, variant).toBe(where);
    }
  });

  it('VHE before the fix: no warning (ZCR_EL2 held the maximum VL)', () => {
    for (const variant of ['v5.17', 'v6.12']) {
      const k = guestAtHalfVl(variant, 'sve,fpmr');
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      expect(act(k, 'softirq_neon', 0), variant).toBeNull();
    }
  });

  it('nVHE with the fix (upstream and the 6.1.y backport): the exit puts the maximum VL back first', () => {
    for (const variant of ['v6.12+59419f10045b', 'v6.12.y', 'v6.1.y', 'mainline']) {
      const k = guestAtHalfVl(variant, 'sve,fpmr,nvhe');
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      expect(k.cpus[0]!.hw_vq, variant).toBe(k.defaultVq);
      expect(act(k, 'softirq_neon', 0), variant).toBeNull();
      // the guest's choice is kept for its next run (the vcpu's ZCR_EL1 sysreg)
      expect(k.vcpus[0]!.zcr_vq, variant).toBe(k.defaultVq / 2);
    }
  });

  it("nVHE before the fix: vcpu_put itself restores the maximum VL before its save (put_fp's SVE block)", () => {
    const k = guestAtHalfVl('v6.12', 'sve,fpmr,nvhe');
    expect(act(k, 'vcpu_exit', 0)).toBeNull();
    expect(act(k, 'kvm_exit', 0)).toBeNull();
    expect(k.cpus[0]!.hw_vq).toBe(k.defaultVq);
  });

  it('nVHE after the fix: the next entry gives the guest its own VL back (fpsimd_lazy_switch_to_guest)', () => {
    const k = guestAtHalfVl('v6.12+59419f10045b', 'sve,fpmr,nvhe');
    act(k, 'vcpu_exit', 0);
    act(k, 'vcpu_enter', 0);
    expect(k.cpus[0]!.hw_vq).toBe(k.defaultVq / 2);
  });
});
