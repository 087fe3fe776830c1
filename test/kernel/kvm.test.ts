/**
 * The v4.15 KVM paths: lazy guest FP switch in hyp, V-only host save area.
 */
import { describe, expect, it } from 'vitest';
import { ZERO } from '../../src/arch/tokens.js';
import { Pos } from '../../src/kernel/records.js';
import { act, machine, slot } from '../helpers.js';

function guestRunning(variant = 'rfc-2017') {
  const k = machine(variant);
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'ret_to_user', 0);
  act(k, 'sve_write', 0);
  act(k, 'switch', 0, slot(k, 'B'));
  act(k, 'vcpu_enter', 0);
  return k;
}

describe('guest FP', () => {
  it('the first guest FP access traps: host V saved to the per-CPU host context, guest loaded', () => {
    const k = guestRunning('no-sve-flush');
    const c = k.cpus[0]!;
    const hostV = c.regV;
    const v = k.vcpus[0]!;
    const guest = v.fp_V;
    expect(c.guest_fp_trap).toBe(true);
    expect(act(k, 'guest_fp', 0)).toBeNull(); // guest integrity holds: it reads its own state
    expect(c.host_fpV).toBe(hostV);
    expect(c.guest_fp_trap).toBe(false);
    expect(v.exp_V).not.toBe(guest); // the guest wrote new data
    expect(c.regHi).toBe(ZERO); // loading guest V zeroed the host's SVE part
  });
  it('guest exit saves the guest and restores only the host V registers', () => {
    const k = guestRunning('no-sve-flush');
    const c = k.cpus[0]!;
    const hostV = c.regV;
    act(k, 'guest_fp', 0);
    const guestLive = c.regV;
    act(k, 'vcpu_exit', 0);
    expect(k.vcpus[0]!.fp_V).toBe(guestLive);
    expect(c.regV).toBe(hostV);
    expect(c.regHi).toBe(ZERO);
    expect(k.tasks[slot(k, 'B')]!.pos).toBe(Pos.RUNLOOP);
  });
  it('a guest that never uses FP leaves the registers alone', () => {
    const k = guestRunning('no-sve-flush');
    const before = [k.cpus[0]!.regV, k.cpus[0]!.regHi];
    act(k, 'vcpu_exit', 0);
    expect([k.cpus[0]!.regV, k.cpus[0]!.regHi]).toEqual(before);
  });
});

describe('pre-entry flush per variant', () => {
  const cases = [
    ['rfc-2017', 0], // SVE binding dropped
    ['flush-always', 0],
    ['no-sve-flush', 1], // kept
    ['v4.15-rc1', 0], // A alive: container_of is safe and TIF_SVE set
  ] as const;
  for (const [variant, kept] of cases) {
    it(`${variant}: SVE task's binding ${kept ? 'kept' : 'dropped'} at guest entry`, () => {
      const k = guestRunning(variant);
      expect(k.cpus[0]!.last_st !== 0 ? 1 : 0).toBe(kept);
    });
  }
  it('flush-always drops even an FPSIMD-only binding; rfc-2017 keeps it', () => {
    for (const [variant, kept] of [
      ['rfc-2017', true],
      ['flush-always', false],
    ] as const) {
      const k = machine(variant);
      act(k, 'switch', 0, slot(k, 'A'));
      act(k, 'ret_to_user', 0);
      act(k, 'switch', 0, slot(k, 'B'));
      act(k, 'vcpu_enter', 0);
      expect(k.cpus[0]!.last_st !== 0).toBe(kept);
    }
  });
});
