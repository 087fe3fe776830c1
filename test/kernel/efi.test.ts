/**
 * The `efi` family (issue 14 part 7): an EFI runtime call with IRQs off. Expected behaviour read
 * from the trees: __efi_fpsimd_begin()'s fallback (may_use_simd() false) saves the live
 * registers into the EFI save area and __efi_fpsimd_end() restores them, leaving
 * fpsimd_last_state alone (v4.15 fdfa976cae5c; Debian 6.1.192 and 6.12.118 fpsimd.c); in the
 * SME era (e0838f6373e5) it leaves streaming mode around the firmware and addresses
 * efi_sve_state through its FFR slot laid out for sve_max_vl(); after 7137a203b251 and
 * 63de2b3859ba an IRQs-off call is kernel-mode NEON (kernel_neon_begin: save current's user
 * state, flush the binding).
 */
import { describe, expect, it } from 'vitest';
import { GARBAGE, isData } from '../../src/arch/tokens.js';
import type { BootSpec } from '../../src/kernel/boot.js';
import { EVENTS, eventIndex } from '../../src/kernel/events.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { parseHw } from '../../src/arch/hw.js';
import { act, slot } from '../helpers.js';

function boot(expr: string, more: Partial<BootSpec> = {}): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(expr);
  return createMachine(v.Kernel, { cpus: 1, tasks: [{ name: 'T' }, { name: 'G', vcpu: true }], ...more });
}
const T = (k: Kvm) => k.tasks[slot(k, 'T')]!;
const efiEnabled = (k: Kvm) => EVENTS[eventIndex('efi')]!.enabled(k, 0, 0);

/** T runs on cpu0 with its SVE state live (the trap taken and finished). */
function sveLive(k: Kvm): void {
  act(k, 'switch', 0, slot(k, 'T'));
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  if (T(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
}

/** T runs on cpu0 in streaming mode with streaming register data (SME variants). */
function streaming(k: Kvm): void {
  act(k, 'switch', 0, slot(k, 'T'));
  act(k, 'ret_to_user', 0);
  act(k, 'smstart_sm', 0); // traps: the SME access path
  if (T(k).kpath) act(k, 'continue', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'smstart_sm', 0);
  act(k, 'sve_write', 0);
}

describe('the fallback saves and restores the live registers and leaves the binding alone', () => {
  for (const variant of ['v4.15', 'v4.18', 'v5.17', 'v6.1.y', 'v6.12', 'v6.12-rc1', 'mainline']) {
    it(`${variant}: T's SVE registers come back, fpsimd_last_state still names T`, () => {
      const k = boot(variant);
      sveLive(k);
      const c = k.cpus[0]!;
      const before = { V: c.regV, Hi: c.regHi, st: c.last_st };
      expect(isData(before.Hi)).toBe(true);
      expect(efiEnabled(k)).toBe(true);
      expect(act(k, 'efi', 0)).toBeNull();
      expect([c.regV, c.regHi, c.last_st]).toEqual([before.V, before.Hi, before.st]);
      expect(T(k).TIF_FOREIGN_FPSTATE).toBe(false);
      act(k, 'ret_to_user', 0);
      expect(act(k, 'fp_read', 0)).toBeNull();
    });
  }
  it('without SVE (fpsimd_save_state/fpsimd_load_state): V comes back', () => {
    const hw = parseHw('fpsimd');
    if (typeof hw === 'string') throw new Error(hw);
    const k = boot('v6.12', { hw });
    act(k, 'switch', 0, slot(k, 'T'));
    act(k, 'ret_to_user', 0);
    act(k, 'fp_write', 0);
    const v = k.cpus[0]!.regV;
    expect(act(k, 'efi', 0)).toBeNull();
    expect(k.cpus[0]!.regV).toBe(v);
    act(k, 'ret_to_user', 0);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('SME era: streaming mode around the firmware', () => {
  it('v6.12-rc1: SVCR.SM and the streaming registers come back; FPMR, zeroed by each change of PSTATE.SM, does not', () => {
    const k = boot('v6.12-rc1');
    streaming(k);
    act(k, 'fpmr_write', 0);
    const c = k.cpus[0]!;
    const before = { V: c.regV, Hi: c.regHi };
    expect(isData(c.regFPMR)).toBe(true);
    expect(act(k, 'efi', 0)).toBeNull();
    expect(c.regSM).toBe(true);
    expect([c.regV, c.regHi]).toEqual([before.V, before.Hi]);
    expect(c.regFPMR).toBe(0);
    act(k, 'ret_to_user', 0);
    const v = act(k, 'fp_read', 0);
    expect(v?.invariant).toBe('integrity');
    expect(v?.kind).toBe('lost');
  });
  it('mainline+63de2b3859ba: the call is kernel-mode NEON; T reloads everything at its return, FPMR included', () => {
    const k = boot('mainline+63de2b3859ba');
    streaming(k);
    act(k, 'fpmr_write', 0);
    expect(act(k, 'efi', 0)).toBeNull();
    const c = k.cpus[0]!;
    expect(c.last_st).toBe(0);
    expect(T(k).TIF_FOREIGN_FPSTATE).toBe(true);
    expect(c.regV).toBe(GARBAGE); // the firmware's FPSIMD use
    act(k, 'ret_to_user', 0);
    expect(act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('efi_sve_state is addressed through its FFR slot laid out for sve_max_vl()', () => {
  // sve_save_state() stores Zn at (n - 34) * VL bytes from the FFR pointer: with the pointer at
  // 544 * sve_max_vq, a streaming VL of 4 quadwords over an SVE maximum of 2 puts Z0 at
  // 544 * (2 - 4) = -1088.
  it('v6.12-rc1, SME VL 512 over an SVE maximum of 256: Z0 is stored 1088 bytes before the buffer', () => {
    const k = boot('v6.12-rc1', { sveVlBits: 256, smeVlBits: 512 });
    streaming(k);
    const v = act(k, 'efi', 0);
    expect(v?.invariant).toBe('memory-safety');
    expect(v?.where).toBe('__efi_fpsimd_begin');
    expect(v?.message).toContain('1088 bytes before');
  });
  it('v6.12-rc1, SME VL 256 with an SVE maximum of 256: inside the buffer', () => {
    const k = boot('v6.12-rc1', { sveVlBits: 256, smeVlBits: 256 });
    streaming(k);
    expect(act(k, 'efi', 0)).toBeNull();
  });
  it('outside streaming mode the live VL never exceeds sve_max_vl()', () => {
    const k = boot('v6.12-rc1', { sveVlBits: 256, smeVlBits: 512 });
    sveLive(k);
    expect(act(k, 'efi', 0)).toBeNull();
  });
  it('mainline+63de2b3859ba: no SVE save, nothing out of bounds', () => {
    const k = boot('mainline+63de2b3859ba', { sveVlBits: 256, smeVlBits: 512 });
    streaming(k);
    expect(act(k, 'efi', 0)).toBeNull();
  });
});

describe('when the event is enabled', () => {
  it('not while a guest runs (IRQs are masked for the host); yes in the run loop', () => {
    const k = boot('v6.12');
    act(k, 'switch', 0, slot(k, 'G'));
    expect(efiEnabled(k)).toBe(true);
    act(k, 'vcpu_enter', 0);
    expect(efiEnabled(k)).toBe(false);
  });
  it('not inside a kernel-mode NEON section (a multi-step path since v6.8)', () => {
    const k = boot('v6.12');
    act(k, 'switch', 0, slot(k, 'T'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    act(k, 'kernel_neon', 0);
    expect(T(k).kpath).not.toBe(0);
    expect(efiEnabled(k)).toBe(false);
  });
});
