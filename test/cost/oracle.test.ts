/**
 * The oracle on small streams whose minimum traffic is worked out by hand (docs/cost.md gives
 * the rules: loads are forced at demands whose CPU does not hold the context's latest data; dirty
 * data lost from the registers costs one save iff it is demanded again).
 *
 * Sizes: FPSIMD state 528 B; SVE state at VL 512 (VQ 4) is 546·4 + 8 = 2192 B.
 */
import { describe, expect, it } from 'vitest';
import type { BootSpec } from '../../src/kernel/boot.js';
import { Oracle } from '../../src/cost/oracle.js';
import { ScriptSource, type Normalizer } from '../../src/cost/stream.js';

const F = 528;
const SVE512 = 2192;

/** Feeds a scripted stream to a fresh oracle (and its lazy twin). */
function oracleOf(boot: BootSpec, script: (n: Normalizer, slot: (name: string) => number) => void) {
  const src = new ScriptSource(boot, script);
  const eager = new Oracle(boot);
  const lazy = new Oracle(boot, true);
  const buf = new Int32Array(1024);
  for (let n: number; (n = src.fill(buf)) > 0; ) {
    eager.feed(buf, n);
    lazy.feed(buf, n);
  }
  return { eager: eager.result(), lazy: lazy.result() };
}

const ONE_CPU_AB: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }] };

describe('oracle: hand-computed minima', () => {
  it('a task that runs alone loads once and never saves', () => {
    const { eager } = oracleOf(ONE_CPU_AB, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0); // ret_to_user (load A, 528), then A writes
      n.syscall(0);
      n.toUser(0); // A's latest data is still in the registers: free
      n.userFp(0);
      n.idle(0);
      n.run(0, s('A'));
      n.toUser(0); // nobody touched cpu0: free
    });
    expect(eager).toEqual({ bytes: F, loads: 1, saves: 0, bytesLoaded: F, bytesSaved: 0 });
  });

  it('ping-pong on one CPU: the displaced dirty state is saved only because its owner comes back', () => {
    const { eager } = oracleOf(ONE_CPU_AB, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0); // load A; A writes (dirty)
      n.run(0, s('B'));
      n.userFp(0); // load B: A's dirty data is lost from cpu0 (pending); B writes
      n.run(0, s('A'));
      n.toUser(0); // A needs its data: the pending save is due (528), then the load (528)
    });
    // B's dirty data is lost too, but B never runs again: no save.
    expect(eager).toEqual({ bytes: 4 * F, loads: 3, saves: 1, bytesLoaded: 3 * F, bytesSaved: F });
  });

  it('a task whose displaced state is never demanded again costs no save', () => {
    const { eager } = oracleOf(ONE_CPU_AB, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0);
      n.run(0, s('B'));
      n.userFp(0);
    });
    expect(eager).toMatchObject({ loads: 2, saves: 0, bytes: 2 * F });
  });

  it('migration moves dirty state through memory once; coming back to a CPU that still holds it is free', () => {
    const boot: BootSpec = { cpus: 2, tasks: [{ name: 'A' }] };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0); // load on cpu0, A writes
      n.run(1, s('A')); // A leaves cpu0 (idle there), runs on cpu1
      n.toUser(1); // save from cpu0 (its data is dirty there) + load on cpu1
      n.run(0, s('A'));
      n.toUser(0); // cpu0 still holds exactly A's latest data (A wrote nothing on cpu1): free
    });
    expect(eager).toEqual({ bytes: 3 * F, loads: 2, saves: 1, bytesLoaded: 2 * F, bytesSaved: F });
  });

  it('kernel-mode NEON clobbers the registers: the interrupted task saves once and reloads', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }] };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0);
      n.kernelNeon(0); // syscall, then kernel_neon: A's dirty data is lost (pending)
      n.toUser(0); // save (528) + load (528)
    });
    expect(eager).toMatchObject({ loads: 2, saves: 1, bytes: 3 * F });
  });

  it('a softirq on an idle CPU, or on one holding clean data, costs no save', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }] };
    const { eager } = oracleOf(boot, (n, s) => {
      n.softirqNeon(0);
      n.run(0, s('A'));
      n.toUser(0); // load (clean)
      n.softirqNeon(0); // clobbers clean data: nothing to save
      n.toUser(0); // reload
    });
    expect(eager).toMatchObject({ loads: 2, saves: 0, bytes: 2 * F });
  });

  it('SVE state costs its full size to save and load', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], sveVlBits: 512 };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userSve(0); // load A (FPSIMD form, 528), A writes SVE: now 2192 bytes, dirty
      n.run(0, s('B'));
      n.toUser(0); // load B (528): A's SVE data lost, pending at 2192
      n.run(0, s('A'));
      n.toUser(0); // save 2192 + load 2192
    });
    expect(eager).toEqual({ loads: 3, saves: 1, bytesLoaded: F + F + SVE512, bytesSaved: SVE512, bytes: 2 * F + 2 * SVE512 });
  });

  it('a syscall narrows SVE state to FPSIMD (the ABI lets the kernel discard the rest)', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], sveVlBits: 512 };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userSve(0); // load A (528); A writes SVE (2192, dirty)
      n.syscall(0); // the same data, now only its FPSIMD part is live: 528
      n.run(0, s('B'));
      n.toUser(0); // load B (528); A's dirty data lost at 528
      n.run(0, s('A'));
      n.toUser(0); // save 528 + load 528
    });
    expect(eager).toEqual({ loads: 3, saves: 1, bytesLoaded: 3 * F, bytesSaved: F, bytes: 4 * F });
  });

  it("a forked child starts with its parent's data: still in the registers, it needs no load", () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'P' }], spareSlots: 1 };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('P'));
      n.userFp(0); // load P (528); P writes
      n.fork(0, 1); // syscall, fork into slot 1: the child's latest data is P's
      n.exit(0); // P exits: cpu0 idle, its registers still hold that data
      n.run(0, 1);
      n.toUser(0); // the child's data is in cpu0's registers: free
    });
    expect(eager).toEqual({ bytes: F, loads: 1, saves: 0, bytesLoaded: F, bytesSaved: 0 });
  });

  it('the seed scenario: task A, then vcpu thread B whose guest uses FP, then A again', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] };
    const { eager, lazy } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0); // load A (528), A writes
      n.run(0, s('B'));
      n.guestFp(0); // vcpu_enter, guest_fp: load the guest (528); A's dirty data pending
      n.guestExit(0);
      n.run(0, s('A'));
      n.toUser(0); // A needs its data: save (528) + load (528)
    });
    expect(eager).toEqual({ bytes: 4 * F, loads: 3, saves: 1, bytesLoaded: 3 * F, bytesSaved: F });
    // With free lazy restore A's return needs nothing: only the two first-use loads remain.
    expect(lazy).toEqual({ bytes: 2 * F, loads: 2, saves: 0, bytesLoaded: 2 * F, bytesSaved: 0 });
  });

  it('a guest that does not touch FP needs nothing', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] };
    const { eager } = oracleOf(boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0);
      n.run(0, s('B'));
      for (let i = 0; i < 5; i++) {
        n.guestEnter(0);
        n.guestExit(0);
      }
      n.run(0, s('A'));
      n.toUser(0); // cpu0 still holds A's latest data
    });
    expect(eager).toMatchObject({ loads: 1, saves: 0, bytes: F });
  });
});
