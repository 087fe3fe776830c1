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
 *
 * The vcpu's maximum VL is the VMM's choice (KVM_REG_ARM64_SVE_VLS before KVM_ARM_VCPU_FINALIZE:
 * guest.c set_sve_vls(), v5.2+), possibly below the host's (`vcpuSveVlBits`):
 *  - VHE: __hyp_sve_restore_guest() programs ZCR_EL2 with it and the host runs at it until it
 *    loads a task's SVE state; ctxsync binds the guest at it; saves match;
 *  - nVHE before 59419f10045b: after a guest run ZCR_EL2 is the vcpu's maximum and host SVE
 *    accesses trap to EL2, which resets ZCR_EL2 to all ones ("Trap host SVE accesses when the
 *    FPSIMD state is dirty", hyp-main.c handle_trap()): the host's VL is then the guest's ZCR_EL1
 *    up to the hardware's maximum — above the vcpu's maximum if the guest wrote more (its boot
 *    probe starts at ZCR_ELx_LEN_MASK), so a save of the bound guest state between exit and
 *    vcpu_put finds RDVL above the bound VL (59419f10045b's message: ZCR_EL1 "may be less than or
 *    greater than the guest's maximum VL").
 */
import { describe, expect, it } from 'vitest';
import { parseHw, type Hardware } from '../../src/arch/hw.js';
import { vcpuVlProblem } from '../../src/kernel/boot.js';
import { createMachine } from '../../src/kernel/kernel.js';
import { parseScenario } from '../../src/scenario/load.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
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

/** One CPU, one SVE vcpu with a maximum VL of `vcpuVl` bits (host VL 512), whose guest has used SVE once. */
function smallVcpu(variant: string, hwText: string, vcpuVl = 256): Kvm {
  const v = variantOfExpression(variant);
  if (!v) throw new Error(`no variant ${variant}`);
  const k = createMachine(v.Kernel, {
    cpus: 1,
    guestSve: true,
    vcpuSveVlBits: vcpuVl,
    tasks: [{ name: 'B', vcpu: true }],
    hw: hw(hwText),
  });
  act(k, 'switch', 0, slot(k, 'B'));
  act(k, 'vcpu_enter', 0);
  expect(act(k, 'guest_sve', 0)).toBeNull();
  return k;
}

describe("the vcpu's maximum VL, chosen by the VMM (KVM_REG_ARM64_SVE_VLS)", () => {
  it('is a VL the host supports: 512 or 256 on a 512-bit host (set_sve_vls() refuses others)', () => {
    expect(vcpuVlProblem(512, 512)).toBeNull();
    expect(vcpuVlProblem(256, 512)).toBeNull();
    expect(vcpuVlProblem(384, 512)).toMatch(/not a VL the host supports/);
    expect(vcpuVlProblem(1024, 512)).toMatch(/not a VL the host supports/);
    expect(vcpuVlProblem(256, 128)).toBeNull(); // at 128 the model's other VL is 256
  });

  it("defaults to the tasks' VL, as the model's vcpus always had", () => {
    const k = createMachine(variantOfExpression('v6.12')!.Kernel, { cpus: 1, guestSve: true, tasks: [{ name: 'B', vcpu: true }] });
    expect(k.vcpuMaxVq).toBe(k.defaultVq);
    expect(smallVcpu('v6.12', 'sve,fpmr').vcpuMaxVq).toBe(2);
  });

  it("VHE: the hyp restores the guest at the vcpu's maximum and the host runs at it; the save at vcpu_put matches", () => {
    for (const variant of ['v5.17', 'v6.12', 'v6.12.y', 'mainline+5cbb61bf4168']) {
      const k = smallVcpu(variant, 'sve,fpmr');
      expect(k.cpus[0]!.hw_vq, variant).toBe(2);
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      expect(act(k, 'softirq_neon', 0), variant).toBeNull();
      expect(k.vcpus[0]!.fp_Hi, variant).toBe(k.vcpus[0]!.exp_Hi);
    }
  });

  it('nVHE before 59419f10045b: after the exit the host saves the bound guest at its own maximum VL, above the bound one: WARN (SIGKILL)', () => {
    for (const [variant, where] of [
      ['v5.17', 'fpsimd_save'],
      ['v6.12', 'fpsimd_save_user_state'],
    ] as const) {
      const k = smallVcpu(variant, 'sve,fpmr,nvhe');
      expect(k.vcpus[0]!.zcr_vq, variant).toBe(0); // the guest's ZCR_EL1: all ones
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      const w = act(k, 'softirq_neon', 0);
      expect(w, variant).toMatchObject({ invariant: 'kernel-warn', where });
      expect(w?.message, variant).toMatch(/RDVL is 512, the bound state's VL is 256/);
    }
  });

  it("nVHE before the fix: with the guest at half its maximum, the host's VL is below the bound one (the known window)", () => {
    const k = smallVcpu('v6.12', 'sve,fpmr,nvhe');
    expect(act(k, 'guest_zcr', 0)).toBeNull();
    expect(k.vcpus[0]!.zcr_vq).toBe(1);
    expect(act(k, 'vcpu_exit', 0)).toBeNull();
    expect(act(k, 'softirq_neon', 0)?.message).toMatch(/RDVL is 128, the bound state's VL is 256/);
  });

  it("nVHE with 59419f10045b (upstream, 6.12.y, the 6.1.y backport): the exit makes the vcpu's maximum the host's VL", () => {
    for (const variant of ['v6.12+59419f10045b', 'v6.12.y', 'v6.1.y', 'mainline+5cbb61bf4168']) {
      const k = smallVcpu(variant, 'sve,fpmr,nvhe');
      expect(act(k, 'vcpu_exit', 0), variant).toBeNull();
      expect(k.cpus[0]!.hw_vq, variant).toBe(2);
      expect(act(k, 'softirq_neon', 0), variant).toBeNull();
    }
  });

  it("nVHE before the fix: vcpu_put puts ZCR_EL1 back to the vcpu's maximum before its own save", () => {
    const k = smallVcpu('v6.12', 'sve,fpmr,nvhe');
    expect(act(k, 'vcpu_exit', 0)).toBeNull();
    expect(act(k, 'kvm_exit', 0)).toBeNull();
    expect(k.cpus[0]!.hw_vq).toBe(2);
  });
});

describe('the vcpu VL as input', () => {
  const yaml = (vl: number) =>
    `name: t\nrequires: [sve_guests]\nmachine:\n  cpus: 1\n  vcpu_sve_vl: ${vl}\n  tasks: [{ name: B, vcpu: true }]\nsteps:\n  - { event: vcpu_enter, cpu: 0 }\n`;

  it('scenario machine.vcpu_sve_vl: carried to the machine; a VL the host lacks is one error naming the line', () => {
    expect(parseScenario(yaml(256), 't.yaml').boot.vcpuSveVlBits).toBe(256);
    let err: unknown;
    try {
      parseScenario(yaml(384), 't.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ file: 't.yaml', line: 5, field: 'machine.vcpu_sve_vl' });
    expect((err as Error).message).toMatch(/^384 is not a VL the host supports/);
  });

  it('check --vcpu-vl: bad input is one line and exit 2; a good one runs and is in the JSON bounds', async () => {
    const io = memoryIo();
    expect(await main(['check', '--vcpu-vl', '384'], io)).toBe(2);
    expect(io.stderr.join('\n').trim()).toMatch(/^fpctx: --vcpu-vl: 384 is not a VL the host supports/);
    const ok = memoryIo();
    const code = await main(
      [
        'check',
        '--variant',
        'v6.12',
        '--hw',
        'sve,fpmr,nvhe',
        '--vcpu-vl',
        '256',
        '--events',
        'core,neon,kvm,kvmvl',
        '--cpus',
        '1',
        '--tasks',
        '0',
        '--depth',
        '5',
        '--json',
      ],
      ok,
    );
    expect(code).toBe(1);
    const doc = JSON.parse(ok.stdout.join('\n'));
    expect(doc.bounds.vcpuVl).toBe(256);
    expect(doc.violation).toMatchObject({ invariant: 'kernel-warn', where: 'fpsimd_save_user_state', step: 5 });
  });
});
