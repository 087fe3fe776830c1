/**
 * `fpctx hunt` and `fpctx mutants` on small budgets (budgets in states and steps, so the
 * answers do not depend on the machine), and simulate's `continue`.
 */
import { describe, expect, it } from 'vitest';
import { familiesOf, huntSchedule, huntVariant } from '../../src/app/hunt.js';
import { mutantOf, mutationScore } from '../../src/app/mutants.js';
import { simulateVariant } from '../../src/app/simulate.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { findCommit } from '../../src/history/commits.js';
import { findVariant } from '../../src/variants/index.js';
import { violationClass } from '../../src/check/model.js';
import { FPSIMD_ONLY } from '../../src/arch/hw.js';
import { hardwareConfigs } from '../../src/app/hardware.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const stable = (r: object) => JSON.stringify(r, (k, v) => (k === 'seconds' || k === 'firstSeconds' ? undefined : v));

describe('hunt', () => {
  it('enumerates the families from the variant: SME-era ones only where the kernel has them', () => {
    expect(familiesOf(findVariant('v4.15')!)).not.toContain('sme');
    expect(familiesOf(findVariant('v6.12-rc1')!)).toEqual(expect.arrayContaining(['sme', 'fpmr', 'kvm_sve']));
    // v6.12 compiles SME out (81235ae0c846).
    expect(familiesOf(findVariant('v6.12')!)).not.toContain('sme');
  });
  it('schedules checks before simulation, each check on the smallest machine its families need', () => {
    const s = huntSchedule(['core', 'fork', 'kvm', 'ptrace', 'hotplug']);
    const firstSim = s.findIndex((j) => j.kind === 'simulate');
    expect(s.slice(firstSim).every((j) => j.kind === 'simulate')).toBe(true);
    expect(s[0]).toEqual({ kind: 'check', cpus: 1, tasks: 1, vcpus: 0, spare: 0, events: ['core'] });
    expect(s.find((j) => j.events.join() === 'core,fork,ptrace')).toMatchObject({ cpus: 1, tasks: 2, spare: 1, vcpus: 0 });
    expect(s.find((j) => j.events.join() === 'core,kvm,hotplug')).toMatchObject({ cpus: 2, vcpus: 1 });
  });
  it('on v4.18-rc1 finds both KVM WARNs with a small budget, deterministically, each with a command that reproduces it', async () => {
    const v = findVariant('v4.18-rc1')!;
    const a = await huntVariant(v, { budget: 60_000, families: ['core', 'kvm'] });
    const b = await huntVariant(v, { budget: 60_000, families: ['core', 'kvm'] });
    expect(stable(b)).toBe(stable(a));
    expect(a.cut).toBe(false);
    const wheres = a.findings.map((f) => f.violation.where);
    expect(wheres).toEqual(expect.arrayContaining(['local_bh_enable', 'do_sve_acc']));
    expect(a.findings[0]!.violation.step).toBe(2);
    const sve = a.findings.find((f) => f.violation.where === 'do_sve_acc')!;
    expect(sve.fixedBy.map((f) => f.id)).toEqual(['b3eb56b629d1']);
    // The command, run, reports the same class at the same length.
    const argv = sve.command.split(' ').slice(1);
    const r = await cli(...argv, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    const same = doc.violations.find((x: { where: string }) => x.where === 'do_sve_acc');
    expect(same.step).toBe(sve.violation.step);
  });
  it('the CLI prints the findings and their commands, and --json the same findings', async () => {
    const t = await cli('hunt', '--variant', 'v4.18-rc1', '--budget', '20000', '--events', 'core,kvm', '--quiet');
    expect(t.code).toBe(1);
    expect(t.out).toMatch(/kernel-warn \[FPC201\] in local_bh_enable, 2 steps; fixed by b045e4d0f392/);
    expect(t.out).toMatch(/fpctx check --variant v4.18-rc1 .* --continue/);
    const j = await cli('hunt', '--variant', 'v4.18-rc1', '--budget', '20000', '--events', 'core,kvm', '--json');
    const doc = JSON.parse(j.out);
    expect(doc).toMatchObject({ variant: 'v4.18-rc1', budget: 20000, cut: false, verdict: 'violation' });
    expect(doc.findings[0]).toMatchObject({ class: 'kernel-warn FPC201 @local_bh_enable', command: expect.any(String) });
  });
  it('bad input is one line, exit 2', async () => {
    const r = await cli('hunt', '--budget', 'lots');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fpctx: --budget/);
  });
});

describe('simulate --continue', () => {
  it('runs every run and keeps the lowest failing run of each class, the same on 1 and 2 threads', async () => {
    // Every family by default: v6.12's signal-frame findings need signals, which the old
    // default (core, neon, fork, kvm) never drew.
    const v = findVariant('v6.12')!;
    const b = { cpus: 2, tasks: 2, vcpus: 1, spare: 1 };
    const one = await simulateVariant(v, b, { seed: 2, runs: 200, steps: 60, continue: true, workers: 1 });
    const two = await simulateVariant(v, b, { seed: 2, runs: 200, steps: 60, continue: true, workers: 2 });
    expect(one.runs).toBe(200);
    expect(one.violations!.some((x) => x.where === 'setup_sigframe')).toBe(true);
    expect(one.violations!.length).toBeGreaterThan(1);
    const key = (r: typeof one) => r.violations!.map((x) => `${x.run}:${violationClass(x)}:${x.step}`);
    expect(key(two)).toEqual(key(one));
    // The first run that fails at all is the plain simulation's answer.
    const plain = await simulateVariant(v, b, { seed: 2, runs: 200, steps: 60 });
    expect(one.violations![0]!.run).toBe(plain.violation!.run);
  });
});

describe('mutants (the fast part)', () => {
  it('reverts a fix on the first version that has it, or applies it to the newest that lacks it', () => {
    expect(mutantOf(findCommit('cb968afc7898')!)).toEqual({ base: 'v4.15', mutant: 'v4.15-cb968afc7898', also: [] });
    // b3eb56b629d1 writes over b045e4d0f392's version of kvm_arch_vcpu_put_fp().
    expect(mutantOf(findCommit('b045e4d0f392')!)).toEqual({
      base: 'v4.18',
      mutant: 'v4.18-b045e4d0f392-b3eb56b629d1',
      also: ['b3eb56b629d1'],
    });
    // v6.12-rc1's SME-era series writes over d52d165d67c5: the mutant is v5.17 itself.
    expect(mutantOf(findCommit('d52d165d67c5')!)).toEqual({ base: 'v5.17+d52d165d67c5', mutant: 'v5.17', also: [] });
    expect(mutantOf(findCommit('5cbb61bf4168')!)).toEqual({ base: 'mainline+5cbb61bf4168', mutant: 'mainline', also: [] });
    // On mainline, with the fix that came after it: its sve_set_common() bug (integrity/lost at
    // ret_to_user) would otherwise hide a reverted fix of the same class.
    expect(mutantOf(findCommit('e0cb0f26594c')!)).toEqual({
      base: 'mainline+5cbb61bf4168',
      mutant: 'mainline+5cbb61bf4168-e0cb0f26594c',
      also: [],
    });
    // The first release with 01098d893fa8 is v6.12.y, whose build leaves SME out: its SMSTOP bug
    // cannot happen there, so the fix is reverted in the first release built with SME.
    expect(mutantOf(findCommit('01098d893fa8')!)?.base).toBe('mainline+5cbb61bf4168');
  });
  it('detects the reverted seed fix and the bh WARN fix within small budgets', async () => {
    // A hunt divides its budget among its jobs, one per family and pair of families: each family
    // a variant gains (v4.15: ptrace_edge, efi) thins the share of the core,fork,kvm job that
    // reaches the use-after-free (depth 7, 1 vcpu); 50,000 was enough before those two.
    const r = await mutationScore({ budget: 80_000, only: ['cb968afc7898', 'b045e4d0f392'] });
    expect(r.results.map((m) => [m.commit.id, m.detected, m.finding?.class])).toEqual([
      ['cb968afc7898', true, 'no-uaf FPC101 @sve_flush_cpu_state'],
      ['b045e4d0f392', true, 'kernel-warn FPC201 @local_bh_enable'],
    ]);
    expect(r.detected).toBe(2);
  });
  it('a fix that cannot be added consistently (a later fix on an older set) is no hint, and the mutant is still detected', async () => {
    // 751ecf6afd65 (CVE-2024-50275) removed the WARN in fpsimd_save_user_state() after an SVE
    // trap on a stale binding. e0cb0f26594c's guards match that class on v6.12 too, but its
    // arch_dup_task_struct() calls a helper only 929fa99b1215 defines: the resolver refuses
    // v6.12+e0cb0f26594c, so it is no hint (it used to be one whose replay threw).
    const r = await mutationScore({ budget: 400_000, only: ['751ecf6afd65'] });
    expect(r.results.map((m) => [m.mutant, m.detected, m.finding?.class])).toEqual([
      ['v6.12-751ecf6afd65', true, 'kernel-warn FPC201 @fpsimd_save_user_state'],
    ]);
  });
});

describe('hunt on other hardware (--hw)', () => {
  const v = findVariant('v6.12-rc1')!;
  const smeOnly = { ...FPSIMD_ONLY, sme: true };
  it("runs every CPU's checks, then every CPU's simulations, and names a finding by its CPU", async () => {
    // d3eaab3c7090's WARN in do_sme_acc() (docs/findings.md, hardware configurations): on a CPU
    // with SME and no SVE. The variant's own CPU (SVE+SME) is listed too: its jobs carry no hw.
    const r = await huntVariant(v, {
      hardware: [hardwareConfigs(v)[0]!, smeOnly],
      families: ['core', 'hotplug', 'sme'],
      budget: 200_000,
      stop: (f) => f.hw === 'sme' && f.class.startsWith('kernel-warn FPC201 @do_sme_acc'),
    });
    expect(r.hardware).toEqual(['default', 'sme']);
    const kinds = r.jobs.map((j) => `${j.kind}${j.hw ? `@${j.hw}` : ''}`);
    // All default-CPU checks come before the first check on the other CPU; stopped before any simulation.
    const firstSme = kinds.indexOf('check@sme');
    expect(firstSme).toBeGreaterThan(0);
    expect(kinds.slice(0, firstSme).every((k) => k === 'check')).toBe(true);
    expect(kinds.slice(firstSme).every((k) => k === 'check@sme')).toBe(true);
    expect(r.stopped).toBe(true);
    const warn = r.findings.find((f) => f.hw === 'sme' && f.class === 'kernel-warn FPC201 @do_sme_acc@sme')!;
    expect(warn.command).toContain('--hw sme');
    expect(warn.fixedBy.map((h) => h.id)).toContain('d3eaab3c7090');
    // The command reproduces it.
    const again = await cli(...warn.command.replace(/^fpctx /, '').split(' '), '--quiet');
    expect(again.code).toBe(1);
    expect(again.out).toContain('kernel-warn [FPC201] in do_sme_acc');
  });
});
