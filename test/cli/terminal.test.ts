/**
 * The terminal contract: colour only on a terminal and never with NO_COLOR (no-color.org) or
 * TERM=dumb, never in JSON; every line fits 100 columns (or the terminal, if narrower).
 *
 * The real-terminal cases run the built CLI under a pseudo-terminal made by util-linux
 * `script`; they are skipped where `script` is missing.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { colourEnabled, styleFor } from '../../src/style.js';
import { builtinScenarioNames } from '../../src/scenario/load.js';
import { VARIANTS } from '../../src/variants/index.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const ANSI = /\x1b\[[0-9;]*m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escape sequences is the point
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

async function lines(...argv: string[]): Promise<string[]> {
  const io = memoryIo();
  await main(argv, io);
  return [...io.stdout, ...io.stderr].join('\n').split('\n');
}

/** Runs the built CLI under a pseudo-terminal of `cols` columns; returns what the terminal shows. */
function onTerminal(args: string, env: Record<string, string> = {}, cols = 100): string {
  const r = spawnSync(
    SCRIPT!,
    ['-qec', `stty cols ${cols} rows 50; ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args}`, '/dev/null'],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm', ...env },
    },
  );
  return r.stdout.replace(/\r/g, '');
}

describe('colour decisions', () => {
  it('colours a terminal only', () => {
    expect(colourEnabled({ isTTY: true }, { TERM: 'xterm' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { TERM: 'xterm' })).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(styleFor({ isTTY: true }, { TERM: 'xterm' }).bad('x')).toMatch(ANSI);
    expect(styleFor({ isTTY: false }, {}).bad('x')).toBe('x');
  });
  it('respects NO_COLOR when set to anything but the empty string, and TERM=dumb', () => {
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: 'false' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});

describe.skipIf(!SCRIPT)('on a real terminal', () => {
  it('colours the verdict on a terminal, not with NO_COLOR, not through a pipe', () => {
    expect(onTerminal('run seed-uaf --variant v4.15-rc1')).toMatch(ANSI);
    expect(onTerminal('run seed-uaf --variant v4.15-rc1', { NO_COLOR: '1' })).not.toMatch(ANSI);
    expect(onTerminal('run seed-uaf --variant v4.15-rc1', { TERM: 'dumb' })).not.toMatch(ANSI);
    const piped = spawnSync(process.execPath, [BIN, 'run', 'seed-uaf', '--variant', 'v4.15-rc1'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '' },
    });
    expect(piped.stdout).toContain('VIOLATION of no-uaf');
    expect(piped.stdout).not.toMatch(ANSI);
  });

  it('never colours JSON, even on a terminal', () => {
    const out = onTerminal('check --variant v4.15-rc1 --cpus 1 --tasks 1 --json');
    expect(out).not.toMatch(ANSI);
    expect(JSON.parse(out)).toMatchObject({ verdict: 'violation' });
  });

  it('fits the terminal when it is narrower than 100 columns, and 100 when it is wider', () => {
    for (const [cols, max] of [
      [72, 72],
      [160, 100],
    ] as const) {
      const out = strip(onTerminal('run seed-kvm-sve --variant no-sve-flush', {}, cols)).split('\n');
      expect(out.length).toBeGreaterThan(30);
      for (const l of out) expect(l.length, l).toBeLessThanOrEqual(max);
    }
  });
});

describe('every line fits 100 columns', () => {
  const check = (out: string[]) => {
    for (const l of out) expect(l.length, l).toBeLessThanOrEqual(100);
  };
  it('run: every built-in scenario on every variant, and the tables', async () => {
    for (const s of builtinScenarioNames()) {
      for (const v of VARIANTS) check(await lines('run', s, '--variant', v.name));
      check(await lines('run', s, '--variant', 'all'));
    }
  });
  it('check: the counterexamples and the table', async () => {
    for (const v of ['v4.15-rc1', 'no-sve-flush']) check(await lines('check', '--variant', v, '--cpus', '1'));
    check(await lines('check', '--variant', 'all', '--cpus', '1', '--tasks', '1', '--depth', '10'));
  });
  it('listings and help', async () => {
    for (const argv of [
      ['variants'],
      ['scenarios'],
      ['events'],
      ['--help'],
      ['report', '--help'],
      ['suite', '--help'],
      ['check', '--help'],
      ['run', '--help'],
    ])
      check(await lines(...argv));
  });
});
