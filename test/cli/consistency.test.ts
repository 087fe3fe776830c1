/**
 * The same flag means the same thing on every command, and output flags are checked before any
 * work (issue 16 part 4).
 */

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { runSuite } from '../../src/cli/commands/suite.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-consistency-'));
const TRACE = new URL('../../examples/kvm-host.trace.txt', import.meta.url).pathname;

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('output paths are checked before the work', () => {
  it('suite --report into a missing directory fails at once, naming --report', () => {
    const io = memoryIo();
    let ran = false;
    const run = () => {
      ran = true;
      throw new Error('the suite ran');
    };
    const bad = join(dir, 'no', 'such', 'dir', 'r.html');
    expect(() => runSuite({ quiet: true, report: bad }, io, run)).toThrow(InputError);
    try {
      runSuite({ quiet: true, report: bad }, io, run);
    } catch (e) {
      expect((e as InputError).format()).toBe(`--report: cannot write ${bad}: no directory ${join(dir, 'no', 'such', 'dir')}`);
    }
    expect(() => runSuite({ quiet: true, report: dir }, io, run)).toThrow(/it is a directory/);
    expect(ran).toBe(false);
  });

  it('suite --perfetto is checked too, and --no-report needs no path', () => {
    const io = memoryIo();
    const run = () => {
      throw new Error('the suite ran');
    };
    expect(() => runSuite({ quiet: true, report: false, perfetto: dir }, io, run)).toThrow(/--perfetto|directory/);
    expect(() => runSuite({ quiet: true, report: false }, io, run)).toThrow('the suite ran');
  });

  it('report -o, --perfetto and --data are checked before the check runs', async () => {
    for (const flag of ['-o', '--perfetto', '--data']) {
      const r = await cli('report', '--check', '--depth', '40', flag, join(dir, 'missing', 'x'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`^fpctx: ${flag === '-o' ? '--output' : flag}: cannot write .*: no directory `));
    }
  });
});

describe('--json and --md', () => {
  it('are alternatives on matrix, like on cost and replay', async () => {
    for (const argv of [
      ['matrix', '--json', '--md', '--checks', 'none'],
      ['cost', 'desktop', '--json', '--md'],
      ['replay', TRACE, '--json', '--md'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toBe('fpctx: --md: --json and --md are alternatives: give one');
      expect(r.out).toBe('');
    }
  });
});

describe('--seed', () => {
  const runs: Record<string, (seed: string) => string[]> = {
    simulate: (s) => [
      'simulate',
      '--seed',
      s,
      '--runs',
      '2',
      '--steps',
      '5',
      '--cpus',
      '1',
      '--tasks',
      '1',
      '--vcpus',
      '0',
      '--spare',
      '0',
    ],
    cost: (s) => ['cost', 'desktop', '--seed', s, '--events', '1000', '--variant', 'v4.15', '--json'],
    replay: (s) => ['replay', TRACE, '--seed', s, '--variant', 'v4.15', '--json'],
  };

  it('is parsed the same way by simulate, cost and replay', async () => {
    for (const [name, argv] of Object.entries(runs)) {
      for (const bad of ['-1', 'x', '4294967296', '1.5', '0x123456789', '']) {
        const r = await cli(...argv(bad));
        expect(r.code, `${name} --seed '${bad}'`).toBe(2);
        expect(r.err).toBe(`fpctx: --seed: expected an integer from 0 to 4294967295 (decimal or 0x hex), got '${bad}'`);
      }
      for (const good of ['0', '4294967295', '0xff']) expect((await cli(...argv(good))).code, `${name} --seed ${good}`).not.toBe(2);
    }
  });

  it('0x hex and decimal name the same seed', async () => {
    const a = await cli(...runs.cost!('255'));
    const b = await cli(...runs.cost!('0xff'));
    const strip = (s: string) => s.replace(/"timing": \{[^}]*\}/g, '');
    expect(strip(a.out)).toBe(strip(b.out));
    expect(a.out.length).toBeGreaterThan(100);
  });
});

describe('report --quiet', () => {
  it('prints nothing, and still writes the report and sets the exit status', async () => {
    const out = join(dir, 'quiet.html');
    const r = await cli('report', 'seed-uaf', '--variant', 'v4.15-rc1', '-o', out, '--quiet');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('');
    expect(readdirSync(dir)).toContain('quiet.html');
    const loud = await cli('report', 'seed-uaf', '--variant', 'v4.15-rc1', '-o', out);
    expect(loud.out).toMatch(/^report: /);
  });
});
