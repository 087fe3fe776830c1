/**
 * Plug-in variants (--variant ./module.{js,ts}): the shipped example reproduces the built-in
 * flush-always exactly, the other module forms load, and every mistake is one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveVariants } from '../../src/app/variants.js';
import { checkVariant, checkVariantParallel } from '../../src/app/check.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';
import { InputError } from '../../src/errors.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/flush-always.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'fpctx-plugin-'));
function module(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('the shipped example re-creates flush-always from rfc-2017', () => {
  it('loads as a plug-in variant extending rfc-2017', async () => {
    const [v] = await resolveVariants(EXAMPLE);
    expect(v).toMatchObject({ name: 'my-flush-always', status: 'plugin', extends: 'rfc-2017' });
  });

  it('behaves like the built-in flush-always on every built-in scenario (verdicts, calls, traffic)', async () => {
    const [plugin] = await resolveVariants(EXAMPLE);
    const builtin = findVariant('flush-always')!;
    for (const name of builtinScenarioNames()) {
      const sc = loadScenario(join(BUILTIN_DIR, `${name}.yaml`));
      if (sc.requires.length) continue; // SME-era scenarios are n/a on both (no such features)
      const a = runScenario(sc, plugin!).trace;
      const b = runScenario(sc, builtin).trace;
      expect(a.violation, name).toEqual(b.violation);
      expect(a.counters, name).toEqual(b.counters);
      expect(
        a.steps.map((s) => s.calls),
        name,
      ).toEqual(b.steps.map((s) => s.calls));
    }
  });

  it('and on a bounded check: the same reachable states', async () => {
    const [plugin] = await resolveVariants(EXAMPLE);
    const bounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 10 };
    const a = checkVariant(plugin!, bounds);
    const b = checkVariant(findVariant('flush-always')!, bounds);
    expect(a.verdict).toBe('ok');
    expect(a.states).toBe(b.states);
    expect(a.transitions).toBe(b.transitions);
  });

  it('on worker threads too: each worker loads the module itself (check --workers, simulate --workers)', async () => {
    const [plugin] = await resolveVariants(EXAMPLE);
    const bounds = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 10 };
    const seq = checkVariant(plugin!, bounds);
    const par = await checkVariantParallel(plugin!, bounds, { workers: 2 });
    expect(par.verdict).toBe('ok');
    expect(par.states).toBe(seq.states);
    // The plug-in's behaviour, not its base's: a mutation of it still finds the bug in workers.
    const broken = module(
      'broken.ts',
      `export default { name: 'broken', extends: 'rfc-2017', overrides: { kvm_fpsimd_flush_cpu_state() {} } };`,
    );
    const r = await cli('check', '--variant', broken, '--cpus', '1', '--tasks', '2', '--depth', '12', '--workers', '2', '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/integrity/);
    const sim = await cli('simulate', '--variant', EXAMPLE, '--runs', '20', '--steps', '50', '--workers', '2', '--quiet');
    expect(sim.err).toBe('');
    expect(sim.code).toBe(0);
  });

  it('differs from what it extends where flush-always does: A reloads after the guest in seed-kvm', async () => {
    const r = await cli('run', 'seed-kvm', '--variant', `rfc-2017,${EXAMPLE}`);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rfc-2017\s+ok\s+1\s+1/);
    expect(r.out).toMatch(/my-flush-always\s+ok\s+2\s+1/);
  });
});

describe('the shipped clone() fix back-ported to v4.15 (e0cb0f26594c)', () => {
  const FIX = fileURLToPath(new URL('../../examples/clone-effective-state.ts', import.meta.url));
  it('removes the stale-V child of fork-after-ptrace-sve, and the ptrace-fork check is clean', async () => {
    const [fixed] = await resolveVariants(FIX);
    const sc = loadScenario(join(BUILTIN_DIR, 'fork-after-ptrace-sve.yaml'));
    expect(runScenario(sc, findVariant('v4.15')!).trace.violation).toMatchObject({ kind: 'lost' });
    expect(runScenario(sc, fixed!).trace.violation).toBeUndefined();
    const { findCheck } = await import('../../src/app/checks.js');
    expect(checkVariant(fixed!, findCheck('ptrace-fork')!.bounds).verdict).toBe('ok');
  });
});

describe('other module forms', () => {
  it('a JavaScript module, with super calls into the extended variant', async () => {
    const p = module(
      'count.mjs',
      `export default { name: 'rc1-plus-flush', extends: 'v4.15-rc1', overrides: {
         copy_thread(p) { super.copy_thread(p); this.fpsimd_flush_task_state(p); } } };`,
    );
    const [v] = await resolveVariants(p);
    // v4.15-rc1 leaks to the child in fork-reuse; adding back the flush (071b6d4a5d34) fixes it
    const sc = loadScenario(join(BUILTIN_DIR, 'fork-reuse.yaml'));
    expect(runScenario(sc, findVariant('v4.15-rc1')!).trace.violation?.kind).toBe('leak');
    expect(runScenario(sc, v!).trace.violation).toBeUndefined();
  });

  it('a class factory', async () => {
    const p = module(
      'factory.mjs',
      `export default { name: 'no-flush-2', extends: 'rfc-2017',
         Kernel: (Base) => class extends Base { kvm_fpsimd_flush_cpu_state() {} } };`,
    );
    const [v] = await resolveVariants(p);
    const t = runScenario(loadScenario(join(BUILTIN_DIR, 'seed-kvm-sve.yaml')), v!).trace;
    expect(t.violation).toMatchObject({ invariant: 'integrity', kind: 'corrupt' }); // = no-sve-flush
  });
});

describe('bad plug-in modules: one line naming the module and field, exit 2', () => {
  const cases: [string, string, string, RegExp][] = [
    ['missing file', 'nope.mjs', '', /nope\.mjs: --variant: no such variant module$/],
    ['syntax error', 'syntax.mjs', 'export default {', /syntax\.mjs: --variant: cannot load the module: /],
    ['no default export', 'nodefault.mjs', 'export const x = 1;', /nodefault\.mjs: default: the module has no default export object/],
    [
      'built-in name',
      'clash.mjs',
      "export default { name: 'v4.18', extends: 'v4.15', overrides: { kernel_neon_end() {} } };",
      /clash\.mjs: name: 'v4\.18' is a built-in variant/,
    ],
    [
      'unknown base',
      'base.mjs',
      "export default { name: 'x', extends: 'v9', overrides: { kernel_neon_end() {} } };",
      /base\.mjs: extends: unknown variant 'v9'/,
    ],
    [
      'typo in a function name',
      'typo.mjs',
      "export default { name: 'x', extends: 'rfc-2017', overrides: { kvm_fpsimd_flush_cpu_sate() {} } };",
      /typo\.mjs: overrides\.kvm_fpsimd_flush_cpu_sate: rfc-2017 has no kernel function 'kvm_fpsimd_flush_cpu_sate' \(did you mean 'kvm_fpsimd_flush_cpu_state'\?\)/,
    ],
    [
      'not a function',
      'notfn.mjs',
      "export default { name: 'x', extends: 'rfc-2017', overrides: { kernel_neon_end: 3 } };",
      /notfn\.mjs: overrides\.kernel_neon_end: must be a function/,
    ],
    [
      'both forms',
      'both.mjs',
      "export default { name: 'x', extends: 'rfc-2017', overrides: {}, Kernel: (B) => B };",
      /both\.mjs: overrides: give exactly one of/,
    ],
    [
      'factory not a subclass',
      'notsub.mjs',
      "export default { name: 'x', extends: 'rfc-2017', Kernel: () => class {} };",
      /notsub\.mjs: Kernel: the factory must return a class extending/,
    ],
    [
      'unknown field',
      'field.mjs',
      "export default { name: 'x', extends: 'rfc-2017', overides: {} };",
      /field\.mjs: overides: unknown field 'overides'/,
    ],
  ];
  for (const [what, name, text, re] of cases) {
    it(what, async () => {
      const p = text ? module(name, text) : join(dir, name);
      const r = await cli('check', '--cpus', '1', '--depth', '2', '--variant', p);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(re);
      await expect(resolveVariants(p)).rejects.toBeInstanceOf(InputError);
    });
  }
  it('a TypeScript module with a type error still loads (types are stripped) but a syntax error does not', async () => {
    const p = module(
      'bad.ts',
      "export default { name: 'x', extends: 'rfc-2017', overrides: { kernel_neon_end(): void { const a: = 1; } } };",
    );
    const r = await cli('run', 'seed-kvm', '--variant', p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.ts: --variant: cannot load the module/);
  });
});
