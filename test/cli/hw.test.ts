/**
 * `--hw` on the command line: one line and exit 2 for a CPU that cannot exist, the CPU carried
 * in the documents (check --json, a trace's machine), `run --hw` dropping the scenario's
 * expectation off its own hardware, and `matrix --hw all` rows named variant@hw.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('--hw', () => {
  it('a CPU that cannot exist is one line, exit 2, on every command that takes it', async () => {
    for (const cmd of [['check'], ['simulate', '--runs', '1'], ['run', 'seed-kvm'], ['matrix', '--checks', 'none']]) {
      const r = await cli(...cmd, '--hw', 'sve,fa64');
      expect(r.code).toBe(2);
      expect(r.err.trim()).toBe('fpctx: --hw: fa64 needs sme (it is the full instruction set in streaming mode)');
    }
  });

  it('check --json names the CPU, spelled as --hw takes it', async () => {
    const r = await cli('check', '--variant', 'v4.18', '--cpus', '1', '--depth', '4', '--hw', 'fpmr', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).hw).toBe('fpmr');
    const d = await cli('check', '--variant', 'v4.18', '--cpus', '1', '--depth', '4', '--json');
    expect(JSON.parse(d.out).hw).toBeUndefined();
  });

  it("run --hw: the trace's machine says which CPU, and the scenario's expect: no longer applies", async () => {
    const own = JSON.parse((await cli('run', 'seed-uaf', '--variant', 'v4.15-rc1', '--json')).out);
    expect(own.expected).toBeDefined();
    const r = await cli('run', 'seed-uaf', '--variant', 'v4.15-rc1', '--hw', 'fpsimd', '--json');
    const doc = JSON.parse(r.out);
    expect(doc.bounds.hw).toBe('fpsimd');
    expect(doc.expected).toBeUndefined();
    // On a CPU without SVE kvm_fpsimd_flush_cpu_state() does nothing: the seed's dereference never happens.
    expect(own.violation?.invariant).toBe('no-uaf');
    expect(doc.verdict).toBe('ok');
  });

  it('matrix --hw all: one row per configuration the variant distinguishes', async () => {
    const r = await cli('matrix', '--variant', 'v4.18', '--checks', '1cpu-fork', '--hw', 'all', '--json');
    const m = JSON.parse(r.out);
    expect(m.variants.map((v: { name: string }) => v.name)).toEqual(['v4.18', 'v4.18@fpsimd']);
    const fork = m.cells.filter((c: { column: string }) => c.column === '1cpu-fork');
    expect(fork.map((c: { variant: string; hw?: string }) => [c.variant, c.hw])).toEqual([
      ['v4.18', undefined],
      ['v4.18@fpsimd', 'fpsimd'],
    ]);
    // sve-test writes SVE registers: it does not apply to a CPU without SVE.
    const sve = m.cells.find((c: { variant: string; column: string }) => c.variant === 'v4.18@fpsimd' && c.column === 'sve-test');
    expect(sve.verdict).toBe('n/a');
    expect(sve.reason).toMatch(/^not on --hw fpsimd: uses 'sve_write'/);
  });
});
