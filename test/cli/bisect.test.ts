/**
 * fpctx bisect, fpctx commits, variants' commits, --variant expressions on a command, and the
 * plug-in API's additions (calls, extending an expression or another plug-in).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { resolveVariants } from '../../src/cli/options.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('fpctx bisect', () => {
  it('--hw runs every set on that CPU: d3eaab3c7090 is what tells the two apart on SME without SVE', async () => {
    // On the default CPU (SVE+SME) sme-stress stops at the same earlier finding on both sides
    // (49ce484187f7's, docs/findings.md), so there is nothing to bisect; on an SME-only CPU that
    // finding cannot happen (no TIF_SVE without SVE) and the stale SME trap shows.
    const plain = await cli('bisect', 'sme-stress', '--good', 'v6.12-rc1+d3eaab3c7090', '--bad', 'v6.12-rc1', '--quiet');
    expect(plain.code).toBe(2);
    expect(plain.err).toMatch(/nothing to bisect/);
    const r = await cli('bisect', 'sme-stress', '--good', 'v6.12-rc1+d3eaab3c7090', '--bad', 'v6.12-rc1', '--hw', 'sme', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.target).toBe('check sme-stress on --hw sme');
    expect(j.first.commit.id).toBe('d3eaab3c7090');
    expect([j.good.verdict, j.bad.verdict]).toEqual(['ok', 'kernel-warn in do_sme_acc']);
  });

  it('names the commit that introduced the mainline ptrace bug: the one its fix names in Fixes:', async () => {
    const r = await cli('bisect', '--good', 'v6.12', '--bad', 'mainline', 'sve-ptrace', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.good).toEqual({ variant: 'v6.12', verdict: 'ok' });
    expect(j.bad).toEqual({ variant: 'mainline', verdict: 'integrity/lost' });
    expect(j.walk).toHaveLength(14); // the 14 commits mainline adds to v6.12
    expect(j.first.op).toBe('+');
    expect(j.first.commit.id).toBe('316283f276eb');
    expect(j.first.before.verdict).toBe('ok');
    expect(j.first.after.verdict).toBe('integrity/lost');
    expect(j.first.after.check.violation.step).toBe(8); // the matrix's sve-ptrace finding on mainline
    expect(j.tested.length).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(14)));
  });

  it('walks backwards over a fix: reverting 5cbb61bf4168 brings the bug back, with both traces', async () => {
    const r = await cli('bisect', '--good', 'mainline+5cbb61bf4168', '--bad', 'mainline', 'sve-ptrace');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/on reverting 5cbb61bf4168 "arm64\/fpsimd: ptrace: zero target's fpsimd_state, not the tracer's"/);
    expect(r.out).toMatch(/Fixes: 316283f276eb/);
    expect(r.out).toMatch(/before \(ok\): no counterexample within the bounds/);
    expect(r.out).toMatch(/after \(integrity\/lost\), 8 steps:/);
  });

  it('a scenario: v4.18-rc1’s vcpu_put WARN goes with b045e4d0f392, not with b3eb56b629d1', async () => {
    const r = await cli('bisect', '--good', 'v4.18', '--bad', 'v4.18-rc1', 'seed-kvm', '--json');
    const j = JSON.parse(r.out);
    expect(j.walk.map((s: { op: string; commit: string }) => `${s.op}${s.commit}`)).toEqual(['-b3eb56b629d1', '-b045e4d0f392']);
    expect(j.first.commit.id).toBe('b045e4d0f392');
    expect(j.first.after.run.violation.invariant).toBe('kernel-warn');
    expect(j.first.before.run.verdict).toBe('ok');
  });

  it('bad input is one line, exit 2: equal verdicts, a missing flag, an unknown target', async () => {
    let r = await cli('bisect', '--good', 'v4.15', '--bad', 'v4.18', 'seed-kvm');
    expect(r.code).toBe(2);
    expect(r.err).toBe('fpctx: --bad: the verdict is ok on both v4.15 and v4.18: nothing to bisect');
    r = await cli('bisect', '--bad', 'v4.18', 'seed-kvm');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fpctx: --good: missing/);
    r = await cli('bisect', '--good', 'v4.15', '--bad', 'v4.18', 'no-such-thing');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toHaveLength(1);
  });
});

describe('fpctx commits and variants', () => {
  it('commits --json lists the history oldest first, with functions and the variants that have each', async () => {
    const list = JSON.parse((await cli('commits', '--json')).out);
    expect(list[0].id).toBe('8cd969d28fd2');
    const fix = list.find((c: { id: string }) => c.id === '751ecf6afd65');
    expect(fix).toMatchObject({
      release: 'v6.12-rc7',
      fixes: 'cccb78ce89c4',
      functions: [{ fn: 'sveInitRegsForeign', subsystem: 'fpsimd' }],
    });
    expect(fix.variants).toEqual(['v6.12', 'v6.12.y', 'mainline']);
    const ptraceFix = list.find((c: { id: string }) => c.id === '5cbb61bf4168');
    expect(ptraceFix.variants).toEqual([]); // after the modelled mainline: only by expression
  });

  it('variants --json gives each variant its commit set; the text says what each release adds', async () => {
    const list = JSON.parse((await cli('variants', '--json')).out);
    expect(list.find((v: { name: string }) => v.name === 'v4.15').commits).toEqual([
      '8cd969d28fd2',
      '071b6d4a5d34',
      'cb968afc7898',
      'a45448313706',
    ]);
    expect((await cli('variants')).out).toMatch(/commits: v6\.12-rc1 \+751ecf6afd65 \+81235ae0c846/);
  });

  it('a variant expression works on any command that takes --variant', async () => {
    const r = await cli('run', 'seed-kvm', '--variant', 'v4.15+flush-always,flush-always', '--quiet');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/v4\.15\+flush-always\s+ok\s+2\s+1/);
    expect(r.out).toMatch(/\nflush-always\s+ok\s+2\s+1/);
  });
});

describe('plug-ins: replace one call inside a function, extend an expression or another plug-in', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fpctx-history-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('calls: flush-always without copying kvm_fpsimd_flush_cpu_state(): its sve_flush_cpu_state() call flushes always', async () => {
    const p = write(
      'calls.mjs',
      `export default { name: 'calls-flush', extends: 'rfc-2017',
         calls: { kvm_fpsimd_flush_cpu_state: { sve_flush_cpu_state() { this.fpsimd_flush_cpu_state(); } } } };`,
    );
    const [v] = await resolveVariants(p);
    const sc = loadScenario(join(BUILTIN_DIR, 'seed-kvm.yaml'));
    const mine = runScenario(sc, v!).trace;
    const builtin = runScenario(sc, findVariant('flush-always')!).trace;
    expect(mine.counters.loads).toBe(builtin.counters.loads);
    expect(mine.counters.loads).toBe(runScenario(sc, findVariant('rfc-2017')!).trace.counters.loads + 1);
  });

  it('a plug-in extends a variant expression, and another plug-in extends it by relative path', async () => {
    write(
      'base.mjs',
      `export default { name: 'p-base', extends: 'v5.17+d52d165d67c5', overrides: { kernel_neon_end() { super.kernel_neon_end(); } } };`,
    );
    const p = write(
      'top.mjs',
      `export default { name: 'p-top', extends: './base.mjs', overrides: { kernel_neon_begin() { super.kernel_neon_begin(); } } };`,
    );
    const [v] = await resolveVariants(p);
    expect(v).toMatchObject({ name: 'p-top', extends: 'p-base', status: 'plugin' });
    expect(v!.commits).toContain('d52d165d67c5');
    expect(v!.Kernel.features).toEqual(findVariant('v5.17')!.Kernel.features);
  });

  it('a call replacement naming no kernel function is one clear line', async () => {
    const p = write(
      'badcall.mjs',
      `export default { name: 'x', extends: 'rfc-2017', calls: { kvm_fpsimd_flush_cpu_state: { sve_flush_cpu_sate() {} } } };`,
    );
    const r = await cli('run', 'seed-kvm', '--variant', p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /badcall\.mjs: calls\.kvm_fpsimd_flush_cpu_state\.sve_flush_cpu_sate: rfc-2017 has no kernel function 'sve_flush_cpu_sate' \(did you mean 'sve_flush_cpu_state'\?\)/,
    );
  });
});
