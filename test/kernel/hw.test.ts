/**
 * Hardware as a machine parameter (`--hw`, `hw:`): system_supports_*() answer from the machine's
 * CPU AND the kernel build, events that need an extension the CPU lacks are never enabled, and
 * the default CPU keeps every existing check where it was.
 *
 * Kernel references (Debian 6.12 tree, arch/arm64/kernel/): sve_set_current_vl() and
 * sve_get()/sve_set() return -EINVAL without system_supports_sve() (fpsimd.c, ptrace.c);
 * do_sve_acc() sends SIGILL without it (fpsimd.c); in streaming mode SVE instructions are SME's
 * (Documentation/arch/arm64/sme.rst), so they execute on a CPU with SME and no SVE.
 */
import { describe, expect, it } from 'vitest';
import { parseHw, type Hardware } from '../../src/arch/hw.js';
import { checkVariant } from '../../src/app/check.js';
import { hardwareConfigs } from '../../src/app/hardware.js';
import { hwName } from '../../src/arch/hw.js';
import { EVENTS, eventIndex } from '../../src/kernel/events.js';
import { defaultHardware } from '../../src/kernel/machine.js';
import { parseScenario } from '../../src/scenario/load.js';
import { notApplicable } from '../../src/scenario/features.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';
import { act, machine } from '../helpers.js';

const hw = (s: string): Hardware => {
  const h = parseHw(s);
  if (typeof h === 'string') throw new Error(h);
  return h;
};
const variant = (n: string) => findVariant(n)!;
const enabled = (k: ReturnType<typeof machine>, ev: string, cpu = 0, arg = 0) => EVENTS[eventIndex(ev)]!.enabled(k, cpu, arg);

/** A user task in user mode on cpu0 (and a second, stopped-able one). */
function inUser(v: string, h?: Hardware) {
  const k = machine(v, { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], ...(h ? { hw: h } : {}) });
  act(k, 'switch', 0, 0);
  act(k, 'ret_to_user', 0);
  return k;
}

describe('system_supports_*() from the machine', () => {
  it('an old kernel on SME+FPMR hardware uses none of it (it predates them)', () => {
    const k = machine('v4.15', { cpus: 1, tasks: [{ name: 'A' }], hw: hw('sve,sme,sme2,fa64,fpmr') });
    expect([k.hasSve, k.hasSme, k.hasSme2, k.hasFa64, k.hasFpmr]).toEqual([true, false, false, false, false]);
  });

  it('v6.12 (SME depends on BROKEN) ignores SME hardware but uses FPMR', () => {
    const k = machine('v6.12', { cpus: 1, tasks: [{ name: 'A' }], hw: hw('sve,sme,sme2,fpmr') });
    expect([k.hasSme, k.hasSme2, k.hasFpmr]).toEqual([false, false, true]);
  });

  it('mainline on an SME-only CPU: SME yes, SVE no, no SVE guests', () => {
    const k = machine('mainline', { cpus: 1, tasks: [{ name: 'A' }], hw: hw('sme,sme2') });
    expect([k.hasSve, k.hasSme, k.hasSme2, k.hasFpmr, k.hasGuestSve]).toEqual([false, true, true, false, false]);
  });

  it('the default CPU is the one each variant was modelled on', () => {
    expect(defaultHardware(variant('v4.18').Kernel.features)).toEqual(hw('sve'));
    expect(defaultHardware(variant('v6.12').Kernel.features)).toEqual(hw('sve,fpmr'));
    expect(defaultHardware(variant('mainline').Kernel.features)).toEqual(hw('sve,sme,sme2,fpmr'));
  });
});

describe('events the CPU cannot execute are never enabled', () => {
  it('FPSIMD only: no SVE write, no PR_SVE_SET_VL, no NT_ARM_SVE; FPSIMD and NT_PRFPREG stay', () => {
    const k = inUser('v5.17', hw('fpsimd'));
    expect(enabled(k, 'fp_write')).toBe(true);
    expect(enabled(k, 'sve_write')).toBe(false);
    act(k, 'syscall', 0);
    expect(enabled(k, 'set_vl')).toBe(false);
    // B is runnable, not stopped: make a tracee of A's sibling by stopping it is not needed for
    // the negative answer, which must hold for any task.
    expect(enabled(k, 'ptrace_sve', 0, 1)).toBe(false);
    expect(enabled(k, 'ptrace_read', 0, 1)).toBe(false);
  });

  it('the same steps on the default CPU do enable them', () => {
    const k = inUser('v5.17');
    expect(enabled(k, 'sve_write')).toBe(true);
    act(k, 'syscall', 0);
    expect(enabled(k, 'set_vl')).toBe(true);
  });

  it('SME only: SVE instructions only in streaming mode', () => {
    const k = inUser('mainline', hw('sme,sme2'));
    expect(enabled(k, 'sve_write')).toBe(false);
    // The first SMSTART traps (SME disabled for EL0): finish the trap's path, return, retry.
    for (let i = 0; i < 6 && !k.cpus[0]!.regSM; i++) {
      if (enabled(k, 'smstart_sm')) act(k, 'smstart_sm', 0);
      else if (enabled(k, 'continue')) act(k, 'continue', 0);
      else act(k, 'ret_to_user', 0);
    }
    expect(k.cpus[0]!.regSM).toBe(true);
    expect(enabled(k, 'sve_write')).toBe(true);
    act(k, 'smstop', 0);
    expect(enabled(k, 'sve_write')).toBe(false);
  });

  it('SME events need SME in the CPU as well as in the build', () => {
    const k = inUser('mainline', hw('sve'));
    expect(enabled(k, 'smstart_sm')).toBe(false);
    expect(enabled(k, 'fpmr_write')).toBe(false);
  });
});

describe('exploration', () => {
  const bounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 8 };

  it('an old kernel explores exactly the same states on hardware it predates', () => {
    const a = checkVariant(variant('v4.18'), bounds);
    const b = checkVariant(variant('v4.18'), { ...bounds, hw: 'sve,sme,sme2,fa64,fpmr' });
    expect(b.states).toBe(a.states);
    expect(b.transitions).toBe(a.transitions);
  });

  it('without SVE there is less to explore (no SVE writes), and the result says which CPU', () => {
    const a = checkVariant(variant('v4.18'), bounds);
    const b = checkVariant(variant('v4.18'), { ...bounds, hw: 'fpsimd' });
    expect(b.states).toBeLessThan(a.states);
    expect(b.bounds.hw).toBe('fpsimd');
  });
});

describe('configurations a variant distinguishes (hardwareConfigs)', () => {
  it('a pre-SME release: its default (SVE) and FPSIMD only', () => {
    expect(hardwareConfigs(variant('v4.15')).map(hwName)).toEqual(['sve', 'fpsimd']);
  });

  it('v6.12: FPMR counts, SME does not', () => {
    expect(hardwareConfigs(variant('v6.12')).map(hwName)).toEqual(['sve,fpmr', 'fpsimd', 'sve']);
  });

  it('mainline: default first, then no extension, SVE only, SME only, SME without SME2, SVE+SME2', () => {
    expect(hardwareConfigs(variant('mainline')).map(hwName)).toEqual([
      'sve,sme,sme2,fpmr',
      'fpsimd',
      'sve',
      'sme,sme2',
      'sve,sme',
      'sve,sme,sme2',
    ]);
  });
});

describe('hw: in scenarios', () => {
  const sc = (hwLine: string, requires = '', event = 'fp_write') => `name: t
${requires}
machine:
  cpus: 1
  ${hwLine}
  tasks: [{ name: A }]
steps:
  - { event: switch, cpu: 0, task: A }
  - { event: ret_to_user, task: A }
  - { event: ${event}, task: A }
`;

  it('is read into the machine and refused with file, line and field when wrong', () => {
    expect(parseScenario(sc('hw: sve,fpmr'), 't.yaml').boot.hw).toEqual(hw('sve,fpmr'));
    expect(() => parseScenario(sc('hw: sve,sme2'), 't.yaml')).toThrow(/sme2 needs sme/);
    try {
      parseScenario(sc('hw: sve,sme2'), 't.yaml');
    } catch (e) {
      expect((e as { format(): string }).format()).toBe('t.yaml:5: machine.hw: sme2 needs sme (ZT0 is an SME2 register)');
    }
  });

  it('an SVE step on a CPU without SVE is an error at that step', () => {
    expect(() => runScenario(parseScenario(sc('hw: fpsimd', '', 'sve_write'), 't.yaml'), variant('v4.18'))).toThrow(
      /sve_write.*not enabled/,
    );
  });

  it('a scenario requiring sme on a CPU without SME is n/a, and says the CPU lacks it', () => {
    const s = parseScenario(sc('hw: sve', 'requires: [sme]', 'smstart_sm'), 't.yaml');
    expect(notApplicable(s.requires, variant('mainline'), s.boot.hw)).toBe('needs sme (not on --hw sve)');
    expect(notApplicable(s.requires, variant('v6.12'), s.boot.hw)).toBe('needs sme');
    expect(() => runScenario(s, variant('mainline'))).toThrow(/hardware sve has no sme/);
  });
});
