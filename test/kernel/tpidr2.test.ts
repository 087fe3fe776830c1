/**
 * The `tpidr2` family (issue 14 part 7): TPIDR2_EL0 as per-thread state outside the FP binding.
 * Expected behaviour from Documentation/arch/arm64/sme.rst ("tracked per thread"; "On thread
 * creation TPIDR2_EL0 is preserved unless CLONE_SETTLS is specified, in which case it is set to
 * 0"; the tpidr2_context signal record; NT_ARM_TLS's second register) and Debian 6.12.118:
 * process.c tls_thread_switch() (saved and loaded at every switch), copy_thread() (the live
 * register, 0 with CLONE_SETTLS), tls_thread_flush() (0 at exec); signal.c
 * preserve_tpidr2_context()/restore_tpidr2_context() (the register, since 616cb2f4b141; before
 * it, 39e54499280f restored into thread.tpidr2_el0 only); mainline's setup_return() clears it for
 * the handler (b376108e1f88). The CPU has no FPMR here (`--hw sve,sme`), so v6.12-rc1's known
 * FPMR signal-record bug stays out of the way.
 */
import { describe, expect, it } from 'vitest';
import { ZERO, isData, versionOf, writerOf } from '../../src/arch/tokens.js';
import { parseHw, type Hardware } from '../../src/arch/hw.js';
import { createMachine } from '../../src/kernel/kernel.js';
import type { Kvm } from '../../src/kernel/kvm.js';
import { TaskState } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { checkVariant } from '../../src/app/check.js';
import { act, slot } from '../helpers.js';

const HW = parseHw('sve,sme') as Hardware;

function boot(expr: string, tasks = ['A', 'B'], spare = 0): Kvm {
  const v = variantOfExpression(expr);
  if (!v) throw new Error(expr);
  return createMachine(v.Kernel, { cpus: 1, tasks: tasks.map((name) => ({ name })), spareSlots: spare, hw: HW });
}
const task = (k: Kvm, n: string) => k.tasks[slot(k, n)]!;
/** Runs `continue` until current leaves its multi-step path. */
function finish(k: Kvm): void {
  for (let i = 0; i < 8 && k.tasks[k.cpus[0]!.current]?.kpath; i++) expect(act(k, 'continue', 0)).toBeNull();
}
/** A runs on cpu0 in user mode with a TPIDR2 value of its own (A#2). */
function aWrote(k: Kvm): number {
  act(k, 'switch', 0, slot(k, 'A'));
  act(k, 'ret_to_user', 0);
  act(k, 'tpidr2_write', 0);
  const tok = k.cpus[0]!.regTPIDR2;
  expect(isData(tok)).toBe(true);
  expect(task(k, 'A').exp_TPIDR2).toBe(tok);
  return tok;
}

describe('context switch (tls_thread_switch)', () => {
  for (const variant of ['v6.12-rc1', 'mainline+5cbb61bf4168']) {
    it(`${variant}: saved into thread.tpidr2_el0 at switch out, loaded at switch in`, () => {
      const k = boot(variant);
      const tok = aWrote(k);
      act(k, 'irq', 0);
      act(k, 'switch', 0, slot(k, 'B'));
      expect(task(k, 'A').tpidr2).toBe(tok);
      expect(k.cpus[0]!.regTPIDR2).toBe(ZERO); // B's: it never wrote one
      expect(act(k, 'ret_to_user', 0)).toBeNull();
      act(k, 'irq', 0);
      act(k, 'switch', 0, slot(k, 'A'));
      expect(k.cpus[0]!.regTPIDR2).toBe(tok);
      expect(act(k, 'ret_to_user', 0)).toBeNull();
    });
  }
  it('a build without SME (v6.12: SME depends on BROKEN) has no TPIDR2 event', () => {
    const k = boot('v6.12');
    act(k, 'switch', 0, slot(k, 'A'));
    act(k, 'ret_to_user', 0);
    expect(() => act(k, 'tpidr2_write', 0)).toThrow(/not enabled/);
  });
});

describe('fork, clone with CLONE_SETTLS, exec', () => {
  it('fork: the child gets the live register (as its own data), and runs with it', () => {
    const k = boot('mainline+5cbb61bf4168', ['A'], 1);
    const tok = aWrote(k);
    act(k, 'syscall', 0);
    act(k, 'fork', 0, 1);
    const child = k.tasks[1]!;
    expect(child.state).toBe(TaskState.RUNNABLE);
    // The parent's version, attributed to the child (arch_dup_task_struct's convention).
    expect(writerOf(child.tpidr2)).toBe(k.layout.writerOfTask(1));
    expect(versionOf(child.tpidr2)).toBe(versionOf(tok));
    expect(child.exp_TPIDR2).toBe(child.tpidr2);
    act(k, 'switch', 0, 1);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });
  it('clone with CLONE_SETTLS: the child starts with TPIDR2 0', () => {
    const k = boot('v6.12-rc1', ['A'], 1);
    aWrote(k);
    act(k, 'syscall', 0);
    act(k, 'clone_settls', 0, 1);
    expect([k.tasks[1]!.tpidr2, k.tasks[1]!.exp_TPIDR2]).toEqual([ZERO, ZERO]);
    act(k, 'switch', 0, 1);
    expect(k.cpus[0]!.regTPIDR2).toBe(ZERO);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });
  it('exec: tls_thread_flush() writes 0 to the register', () => {
    const k = boot('v6.12-rc1', ['A']);
    aWrote(k);
    act(k, 'syscall', 0);
    act(k, 'exec', 0);
    expect(k.cpus[0]!.regTPIDR2).toBe(ZERO);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
  });
});

describe('signals: the tpidr2_context record', () => {
  /** A wrote TPIDR2, takes a signal (from an interrupt), the handler runs. */
  function inHandler(expr: string): { k: Kvm; tok: number } {
    const k = boot(expr, ['A']);
    const tok = aWrote(k);
    act(k, 'irq', 0);
    act(k, 'signal', 0);
    finish(k);
    expect(k.tasks[0]!.sig_TPIDR2).toBe(tok);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    return { k, tok };
  }
  it('v6.12-rc1: the handler runs with the interrupted TPIDR2; mainline clears it (b376108e1f88)', () => {
    const a = inHandler('v6.12-rc1');
    expect(a.k.cpus[0]!.regTPIDR2).toBe(a.tok);
    const b = inHandler('mainline+5cbb61bf4168');
    expect(b.k.cpus[0]!.regTPIDR2).toBe(ZERO);
  });
  /** The handler writes TPIDR2 again and returns: the interrupted value must come back. */
  function handlerWritesAndReturns(expr: string) {
    const { k, tok } = inHandler(expr);
    act(k, 'tpidr2_write', 0);
    act(k, 'sigreturn', 0);
    finish(k);
    return { v: act(k, 'ret_to_user', 0), k, tok };
  }
  for (const variant of ['v6.12-rc1', 'mainline+5cbb61bf4168']) {
    it(`${variant}: sigreturn writes the register (616cb2f4b141)`, () => {
      const r = handlerWritesAndReturns(variant);
      expect(r.v).toBeNull();
      expect(r.k.cpus[0]!.regTPIDR2).toBe(r.tok);
    });
    it(`${variant}-616cb2f4b141: restoring into thread.tpidr2_el0 leaves the handler's value live`, () => {
      const r = handlerWritesAndReturns(`${variant}-616cb2f4b141`);
      expect(r.v).toMatchObject({ invariant: 'integrity', where: 'ret_to_user' });
      expect(r.v!.message).toMatch(/TPIDR2/);
    });
  }
  it("the handler's rewrite of the record is what sigreturn restores", () => {
    const { k } = inHandler('v6.12-rc1');
    act(k, 'frame_tpidr2_write', 0);
    const forged = k.tasks[0]!.sig_TPIDR2;
    act(k, 'sigreturn', 0);
    finish(k);
    expect(act(k, 'ret_to_user', 0)).toBeNull();
    expect(k.cpus[0]!.regTPIDR2).toBe(forged);
  });
});

describe('NT_ARM_TLS (tls_set, tls_get)', () => {
  it("a tracer's write reaches the stopped task's next run; a read sees the saved value", () => {
    const k = boot('v6.12-rc1', ['C', 'T']);
    act(k, 'switch', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'tpidr2_write', 0);
    act(k, 'irq', 0);
    act(k, 'ptrace_stop', 0);
    act(k, 'switch', 0, slot(k, 'T'));
    act(k, 'ret_to_user', 0);
    act(k, 'syscall', 0);
    expect(act(k, 'ptrace_read_tls', 0, slot(k, 'C'))).toBeNull();
    act(k, 'ptrace_tls', 0, slot(k, 'C'));
    const tok = task(k, 'C').tpidr2;
    expect(task(k, 'C').exp_TPIDR2).toBe(tok);
    act(k, 'ptrace_cont', 0, slot(k, 'C'));
    act(k, 'ret_to_user', 0);
    act(k, 'switch', 0, slot(k, 'C'));
    expect(k.cpus[0]!.regTPIDR2).toBe(tok);
    expect(act(k, 'ret_to_user', 0) ?? act(k, 'fp_read', 0)).toBeNull();
  });
});

describe('checks', () => {
  const bounds = { cpus: 1, tasks: 1, vcpus: 0, spare: 0, depth: 10, events: ['core', 'signal', 'tpidr2'] as const, hw: 'sve,sme' };
  it('finds the 39e54499280f restore bug without 616cb2f4b141, and nothing with it', () => {
    // switch, signal (+ its continue steps), ret_to_user into the handler, TPIDR2 write,
    // sigreturn (+ continues), ret_to_user: 10 steps on v6.12-rc1 (setup_return's SMSTOP is a step), 9 on mainline.
    const bad = checkVariant(variantOfExpression('v6.12-rc1-616cb2f4b141')!, { ...bounds, events: [...bounds.events] });
    expect(bad.violation).toMatchObject({ invariant: 'integrity', where: 'ret_to_user', step: 10 });
    const bad2 = checkVariant(variantOfExpression('mainline+5cbb61bf4168-616cb2f4b141')!, { ...bounds, events: [...bounds.events] });
    expect(bad2.violation).toMatchObject({ invariant: 'integrity', where: 'ret_to_user', step: 9 });
    for (const ok of ['v6.12-rc1', 'mainline+5cbb61bf4168'])
      expect(checkVariant(variantOfExpression(ok)!, { ...bounds, events: [...bounds.events] }).verdict).toBe('ok');
  });
});
