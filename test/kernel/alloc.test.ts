/**
 * thread.sve_state as an allocation (issue 14 part 3): sized by sve_state_size() when it is
 * allocated, NULL until then, and the `memory-safety` invariant (FPC105) at every save or load
 * of SVE state through it.
 *
 * Kernel references: sve_state_size() and sve_alloc() in arch/arm64/kernel/fpsimd.c (Debian 6.1
 * and 6.12 trees: the larger of the SVE VL, where the system has SVE, and the SME VL);
 * 05d881b85b48 "arm64/sme: Set new vector length before reallocating" (v6.5-rc4, CVE-2023-53184),
 * which fixed d4d5be94a878's reallocation at the old VL: "the allocation is done with the old
 * vector length and can lead to memory corruption due to an undersized buffer".
 */
import { describe, expect, it } from 'vitest';
import { parseHw, type Hardware } from '../../src/arch/hw.js';
import { resolveKernel } from '../../src/history/resolve.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import type { TaskView } from '../../src/kernel/records.js';
import { findVariant } from '../../src/variants/index.js';
import { EVENTS, eventIndex } from '../../src/kernel/events.js';
import { Pos } from '../../src/kernel/records.js';
import { act, machine } from '../helpers.js';

const hw = (s: string): Hardware => parseHw(s) as Hardware;

/** Runs `name` on cpu0 and finishes any kernel path it starts (`continue` while one is pending). */
function step(k: Kvm, name: string): ReturnType<typeof act> {
  const v = act(k, name, 0);
  if (v) return v;
  for (let i = 0; i < 4 && EVENTS[eventIndex('continue')]!.enabled(k, 0, 0); i++) {
    const w = act(k, 'continue', 0);
    if (w) return w;
  }
  return null;
}

/** As `step`; a user instruction that trapped is retried after the return to user space, as the CPU does. */
function run(k: Kvm, name: string): ReturnType<typeof act> {
  const user = EVENTS[eventIndex(name)]!.runs === 'user';
  const v = step(k, name);
  if (v || !user || k.tasks[k.cpus[0]!.current]!.pos === Pos.USER) return v;
  return step(k, 'ret_to_user') ?? step(k, name);
}

describe('sve_state_size() (sveStateVq)', () => {
  it('pre-SME kernels: the SVE VL', () => {
    const k = machine('v4.18', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 256 });
    expect(k.sveStateVq(k.tasks[0]!)).toBe(2);
  });

  it('with SME: the larger of the SVE and SME VLs; SME only: the SME VL alone', () => {
    const big = machine('mainline', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 256, smeVlBits: 512 });
    expect(big.sveStateVq(big.tasks[0]!)).toBe(4);
    const small = machine('mainline', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 512, smeVlBits: 256 });
    expect(small.sveStateVq(small.tasks[0]!)).toBe(4);
    const smeOnly = machine('mainline', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 512, smeVlBits: 256, hw: hw('sme,sme2') });
    expect(smeOnly.sveStateVq(smeOnly.tasks[0]!)).toBe(2);
  });
});

describe('allocation through the kernel paths', () => {
  it('NULL at boot; the first SVE trap allocates for the current VL; a VL change reallocates for the new one', () => {
    const k = machine('v4.18', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 128 });
    const a: TaskView = k.tasks[0]!;
    expect([a.sve_state, a.sve_state_vq]).toEqual([false, 0]);
    run(k, 'switch');
    run(k, 'ret_to_user');
    expect(run(k, 'sve_write')).toBeNull(); // traps: do_sve_acc allocates
    expect([a.sve_state, a.sve_state_vq]).toEqual([true, 1]);
    run(k, 'syscall');
    expect(run(k, 'set_vl')).toBeNull(); // 128 → 256 bits: sve_set_vector_length frees the buffer
    expect(a.sve_vq).toBe(2);
    expect(a.sve_state_vq === 0 || a.sve_state_vq === 2).toBe(true);
    run(k, 'ret_to_user');
    expect(run(k, 'sve_write')).toBeNull();
    expect([a.sve_state, a.sve_state_vq]).toEqual([true, 2]);
  });
});

describe('memory-safety (FPC105) can fail', () => {
  it("catches d4d5be94a878's reallocation at the old VL (fixed by 05d881b85b48): an undersized buffer", () => {
    // v6.12 with vec_set_vector_length()'s tail in the order d4d5be94a878 left it: free and
    // reallocate (sized by the old VL), then set the new VL.
    const K = resolveKernel(findVariant('v6.12')!.commits, 'v6.12-realloc-first', [
      {
        id: 'realloc-before-set-vl',
        versions: {
          sveSetVectorLengthFinish: {
            value(this: Kvm, t: TaskView, vq: number, inherit: boolean) {
              this.sve_free(t);
              this.sveStateAllocated(t);
              t.sve_vq = vq;
              t.TIF_SVE_VL_INHERIT = inherit;
            },
          },
        },
      },
    ]);
    // SME VL 128 too: with SME the buffer is sized for the larger VL, which would hide the bug.
    const k = createMachine(K, { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 128, smeVlBits: 128 });
    run(k, 'switch');
    run(k, 'ret_to_user');
    run(k, 'syscall');
    expect(run(k, 'set_vl')).toBeNull(); // the VL doubles; the new buffer has the old size
    expect([k.tasks[0]!.sve_vq, k.tasks[0]!.sve_state_vq]).toEqual([2, 1]);
    run(k, 'ret_to_user');
    // The next SVE use traps; sve_alloc(current, true) zeroes sve_state_size() bytes: twice the buffer.
    const v = run(k, 'sve_write');
    expect(v?.invariant).toBe('memory-safety');
    expect(v?.code).toBe('FPC105');
    expect(v?.message).toMatch(/at VL 256 through a thread.sve_state sized for VL 128/);
  });

  it('the unpatched v6.12 runs the same steps cleanly', () => {
    const k = machine('v6.12', { cpus: 1, tasks: [{ name: 'A' }], sveVlBits: 128, smeVlBits: 128 });
    for (const e of ['switch', 'ret_to_user', 'syscall', 'set_vl', 'ret_to_user', 'sve_write', 'fp_read']) expect(run(k, e)).toBeNull();
    expect([k.tasks[0]!.sve_vq, k.tasks[0]!.sve_state_vq]).toEqual([2, 2]);
  });
});
