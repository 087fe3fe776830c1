/**
 * The modelled history: versions tagged by commit, releases as commit sets resolved once into
 * one flat class, consistency of sets, variant expressions.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseHw } from '../../src/arch/hw.js';
import { COMMITS, commitIndex, lookupCommit } from '../../src/history/commits.js';
import { RELEASES, commitsOfRelease } from '../../src/history/releases.js';
import { VERSIONS_BY_FUNCTION, conflictOf, featuresOf, functionsOf, resolveKernel } from '../../src/history/resolve.js';
import { needs } from '../../src/history/fixes.js';
import { Kvm } from '../../src/kernel/kvm.js';
import { fpsimd } from '../../src/kernel/versions/fpsimd.js';
import { kvm } from '../../src/kernel/versions/kvm.js';
import { processVersions } from '../../src/kernel/versions/process.js';
import { variantOfExpression } from '../../src/variants/expression.js';
import { VARIANTS, findVariant } from '../../src/variants/index.js';

const proto = (name: string) => findVariant(name)!.Kernel.prototype as unknown as Record<string, unknown>;

describe('the commit registry and the version tables', () => {
  it('has unique ids, and every version names a known commit', () => {
    expect(new Set(COMMITS.map((c) => c.id)).size).toBe(COMMITS.length);
    for (const list of VERSIONS_BY_FUNCTION.values())
      for (const v of list) expect(commitIndex(v.commit), `${v.fn}@${v.commit}`).toBeDefined();
  });

  it('lists each function’s versions oldest first', () => {
    const ids = VERSIONS_BY_FUNCTION.get('kvm_arch_vcpu_put_fp')!.map((v) => v.commit);
    // 'fbc7e61195e2-6.1': the 6.1.y backport, a side branch placed after the v5.19 commit it builds on.
    expect(ids).toEqual([
      'e6b673b741ea',
      'b045e4d0f392',
      'b3eb56b629d1',
      '8383741ab2e7',
      'fbc7e61195e2-6.1',
      'ef3be86021c3',
      'fbc7e61195e2',
    ]);
  });

  it('knows the functions a commit changes, by subsystem', () => {
    expect(functionsOf('316283f276eb')).toEqual([
      { fn: 'sve_set', subsystem: 'ptrace' },
      { fn: 'sveSetExitStreaming', subsystem: 'ptrace' },
      { fn: 'sve_get', subsystem: 'ptrace' },
      { fn: '__fpr_set', subsystem: 'ptrace' },
      { fn: 'fpr_set', subsystem: 'ptrace' },
      { fn: 'ssve_set', subsystem: 'ptrace' },
      { fn: 'sveSetZeroFpsimd', subsystem: 'ptrace' },
    ]);
    expect(functionsOf('751ecf6afd65')).toEqual([{ fn: 'sveInitRegsForeign', subsystem: 'fpsimd' }]);
  });

  it('finds a commit by abbreviation, full hash, or a kernel commit a series folds in', () => {
    expect(lookupCommit('751ecf6')?.id).toBe('751ecf6afd65');
    expect(lookupCommit('751ecf6afd65aaaaaaaaaaaaaaaaaaaaaaaaaaaa')?.id).toBe('751ecf6afd65');
    expect(lookupCommit('cccb78ce89c4')?.id).toBe('8383741ab2e7');
    expect(lookupCommit('0123456')).toBeUndefined();
  });
});

describe('releases are commit sets, each resolved once into one flat class', () => {
  it('each built-in variant has its release’s commits, and every release set is consistent', () => {
    for (const r of RELEASES) {
      const v = findVariant(r.name)!;
      expect(new Set(v.commits)).toEqual(new Set(commitsOfRelease(r.name)));
      expect(conflictOf(new Set(v.commits)), r.name).toBeUndefined();
    }
  });

  it('every resolved class sits directly on the base kernel: no chain of versions', () => {
    for (const v of VARIANTS) expect(Object.getPrototypeOf(v.Kernel.prototype), v.name).toBe(Kvm.prototype);
  });

  it('takes each function’s newest version in the set', () => {
    // v4.15 has 071b6d4a5d34's copy_thread() (the base kernel's); v4.15-rc1 the SVE series' one.
    expect(proto('v4.15').copy_thread).toBe(Kvm.prototype.copy_thread);
    expect(proto('v4.15-rc1').copy_thread).toBe(processVersions.copy_thread['8cd969d28fd2']);
    expect(proto('v6.12-rc1').sveInitRegsForeign).toBe(fpsimd.sveInitRegsForeign.ef3be86021c3);
    expect(proto('v6.12').sveInitRegsForeign).toBe(fpsimd.sveInitRegsForeign['751ecf6afd65']);
    expect(proto('mainline').sveInitRegsForeign).toBe(fpsimd.sveInitRegsForeign['751ecf6afd65']);
    expect(proto('v4.18-rc1').kvm_arch_vcpu_put_fp).toBe(kvm.kvm_arch_vcpu_put_fp.e6b673b741ea);
    expect(proto('flush-always').kvm_fpsimd_flush_cpu_state).toBe(kvm.kvm_fpsimd_flush_cpu_state['flush-always']);
    // a function no commit of the set changes is the base kernel's
    expect(Object.hasOwn(proto('v4.15'), 'kernel_neon_begin')).toBe(false);
  });

  it('folds each commit’s feature switches in history order', () => {
    expect(featuresOf(commitsOfRelease('v4.18'))).toEqual({ ext: false, sme: false, fpmr: false, guestSve: false });
    expect(featuresOf(commitsOfRelease('v5.17'))).toEqual({ ext: true, sme: false, fpmr: false, guestSve: true });
    expect(featuresOf(commitsOfRelease('v6.12'))).toEqual({ ext: true, sme: false, fpmr: true, guestSve: true }); // 81235ae0c846
    expect(featuresOf(commitsOfRelease('mainline'))).toEqual({ ext: true, sme: true, fpmr: true, guestSve: true });
  });

  it('the same set gives the same class, however it is written', () => {
    expect(variantOfExpression('v6.12-rc1+751ecf6afd65+81235ae0c846')!.Kernel).toBe(findVariant('v6.12')!.Kernel);
    expect(variantOfExpression('rfc-2017')!.Kernel).toBe(findVariant('v4.15')!.Kernel);
    expect(resolveKernel(commitsOfRelease('v5.17'), 'again')).toBe(findVariant('v5.17')!.Kernel);
  });

  it('reports a set that keeps a version while dropping the one it was written over', () => {
    expect(conflictOf(new Set([...commitsOfRelease('v4.18')].filter((c) => c !== 'b045e4d0f392')))).toBe(
      "b3eb56b629d1's kvm_arch_vcpu_put_fp() is written over b045e4d0f392's, which the set lacks",
    );
    // a proposal is a side branch: dropping it conflicts with nothing
    expect(conflictOf(new Set([...commitsOfRelease('v4.15'), 'no-sve-flush']))).toBeUndefined();
  });

  it('reports a set whose code calls a function only a missing commit defines', () => {
    // 929fa99b1215 introduced fpsimd_save_and_flush_current_state(); mainline's later versions
    // (49ce484187f7's VL change, e0cb0f26594c's arch_dup_task_struct()) call it. In the kernel
    // reverting it alone would not build; here it was a TypeError at the first such path.
    const mainlineWithout = new Set([...commitsOfRelease('mainline')].filter((c) => c !== '929fa99b1215'));
    expect(conflictOf(mainlineWithout)).toMatch(
      /calls fpsimd_save_and_flush_current_state\(\), which only 929fa99b1215 defines and the set lacks$/,
    );
    expect(conflictOf(new Set([...commitsOfRelease('v6.12'), 'e0cb0f26594c']))).toBe(
      "e0cb0f26594c's arch_dup_task_struct() calls fpsimd_save_and_flush_current_state(), which only 929fa99b1215 defines and the set lacks",
    );
    expect(() => variantOfExpression('mainline-929fa99b1215')).toThrow(/inconsistent: .*929fa99b1215 defines/);
    // ... and no built-in release is refused by the rule
    for (const r of RELEASES) expect(conflictOf(new Set(commitsOfRelease(r.name))), r.name).toBeUndefined();
  });

  it("a guard's CPU is one --hw accepts", () => {
    for (const c of COMMITS) for (const g of c.guards ?? []) if (g.hw) expect(typeof parseHw(g.hw), `${c.id} ${g.hw}`).not.toBe('string');
  });

  it('a fix can be added over a stable backport of it: v6.12 + fbc7e61195e2', () => {
    // fbc7e61195e2's kvm_arch_vcpu_load_fp() sits after fbc7e61195e2-6.1 (the 6.1.y backport,
    // a side branch) in the version list: v6.12 lacking the backport must not block it.
    expect(needs(new Set(commitsOfRelease('v6.12')), 'fbc7e61195e2')).toEqual(['fbc7e61195e2']);
  });

  it('a fix comes with the older fixes that define the helpers its versions call', () => {
    // 316283f276eb's __fpr_set() and e0cb0f26594c's arch_dup_task_struct() call helpers of B
    // that the model's 929fa99b1215 (a fix) introduces; 929fa99b1215's sigreturn merge is
    // written over c94f2f326146's, which has no guards but is carried by v6.12.y (a stable line
    // takes only fixes). So v6.12's check --continue can name both fixes.
    const v612 = new Set(commitsOfRelease('v6.12'));
    expect(needs(v612, '316283f276eb')).toEqual(['c94f2f326146', '929fa99b1215', '316283f276eb']);
    expect(needs(v612, 'e0cb0f26594c')).toEqual(['c94f2f326146', '929fa99b1215', 'e0cb0f26594c']);
    expect(conflictOf(new Set([...v612, 'c94f2f326146', '929fa99b1215', '316283f276eb']))).toBeUndefined();
    // A feature series is never pulled in: v5.17 lacks ef3be86021c3, which sve_set() is written over.
    expect(needs(new Set(commitsOfRelease('v5.17')), '316283f276eb')).toBeNull();
  });
});

describe('variant expressions', () => {
  it('adds and reverts commits of a built-in variant', () => {
    const v = variantOfExpression('v5.17+d52d165d67c5')!;
    expect(v).toMatchObject({ name: 'v5.17+d52d165d67c5', status: 'derived', extends: 'v5.17' });
    expect(v.commits).toEqual([...findVariant('v5.17')!.commits, 'd52d165d67c5']);
    expect((v.Kernel.prototype as unknown as Record<string, unknown>).kvm_arch_vcpu_load_fp).toBe(kvm.kvm_arch_vcpu_load_fp.d52d165d67c5);
    const r = variantOfExpression('v6.12-751ecf6')!;
    expect(r.commits).not.toContain('751ecf6afd65');
    expect((r.Kernel.prototype as unknown as Record<string, unknown>).sveInitRegsForeign).toBe(fpsimd.sveInitRegsForeign.ef3be86021c3);
    // names with '-' parse: the longest built-in name, then a named commit
    expect(variantOfExpression('v4.15-rc1+071b6d4a5d34')!.commits).toEqual(['8cd969d28fd2', '071b6d4a5d34']);
    expect(variantOfExpression('v4.15+no-sve-flush')!.commits).toContain('no-sve-flush');
    expect(variantOfExpression('v9+abc')).toBeUndefined();
  });

  it('rejects unknown, duplicate, absent and conflicting commits with one clear message', () => {
    const msg = (e: string) => {
      try {
        variantOfExpression(e);
      } catch (x) {
        expect(x).toBeInstanceOf(InputError);
        return (x as Error).message;
      }
      return 'no error';
    };
    expect(msg('v6.12+0123456789ab')).toMatch(/unknown commit '0123456789ab'/);
    expect(msg('v6.12+751ecf6afd65')).toMatch(/v6\.12 already has 751ecf6afd65/);
    expect(msg('v4.18-751ecf6afd65')).toMatch(/v4\.18 does not have 751ecf6afd65/);
    expect(msg('v6.12+')).toMatch(/unknown commit ''/);
    expect(variantOfExpression('v6.12*3')).toBeUndefined(); // not an expression: --variant reports an unknown variant
    expect(msg('v4.18-b045e4d0f392')).toMatch(/inconsistent: b3eb56b629d1's kvm_arch_vcpu_put_fp\(\) is written over b045e4d0f392's/);
    expect(msg('v5.17+751ecf6afd65')).toMatch(/751ecf6afd65's sveInitRegsForeign\(\) is written over ef3be86021c3's/);
  });
});
