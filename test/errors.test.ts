/**
 * The error codes are a closed list (src/errors.ts), documented in the README, and each kind of
 * bad input carries the code of its class.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, InputError } from '../src/errors.js';
import { parseJson } from '../src/input/json.js';
import { readInput } from '../src/input/read.js';
import { parseScenario } from '../src/scenario/load.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const catchInput = (f: () => unknown): InputError => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('no InputError');
};

describe('error codes', () => {
  const used = new Map<string, string[]>();
  for (const file of sources(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/FPC\d{3}/g)) used.set(m[0], [...(used.get(m[0]) ?? []), file]);
  }

  it('every code in src/ is in the closed list', () => {
    expect([...used.keys()].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
    expect(used.size).toBeGreaterThan(20);
  });

  it('every coded Error thrown is an internal error (FPC5nn)', () => {
    const bad: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new Error\(\s*[`'"](FPC\d{3})/g)) {
        if (!/^FPC5\d\d$/.test(m[1]!)) bad.push(`${file}: ${m[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every Unavailable thrown carries an environment code (FPC6nn), and some are', () => {
    const codes: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new Unavailable\(\s*[`'"](FPC\d{3})?/g)) codes.push(m[1] ?? m[0]);
    }
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((c) => !/^FPC6\d\d$/.test(c))).toEqual([]);
  });

  it('the README lists every code with its meaning', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((c) => !new RegExp(`\\| \`${c}\` \\|`).test(readme));
    expect(missing).toEqual([]);
  });

  it('bad input carries the code of its class', () => {
    expect(catchInput(() => readInput(join(ROOT, 'no-such-file.yaml'))).code).toBe('FPC402');
    expect(catchInput(() => readInput(ROOT)).code).toBe('FPC402');
    expect(catchInput(() => parseJson('{"a": ', 'x.json')).code).toBe('FPC403');
    expect(catchInput(() => parseScenario('name: [', 'x.yaml')).code).toBe('FPC403');
    expect(catchInput(() => parseScenario('name: x\nmachine: {cpus: 1, tasks: []}\nsteps: []\ncolour: red\n', 'x.yaml')).code).toBe(
      'FPC404',
    );
    const unknownEvent = 'name: x\nmachine: {cpus: 1, tasks: [{name: A}]}\nsteps:\n  - { event: teleport, task: A }\n';
    expect(catchInput(() => parseScenario(unknownEvent, 'x.yaml')).code).toBe('FPC405');
    expect(new InputError('bad', undefined, undefined, '--cpus').code).toBe('FPC401');
  });
});
