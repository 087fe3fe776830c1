/**
 * The layering that keeps the specification sealed, checked on the source and at run time:
 *  - src/check (the engines) imports nothing kernel-shaped: no kernel, spec, variant, cost,
 *    trace, scenario or CLI module;
 *  - src/spec (the invariants) imports no kernel, variant, engine or application code (it states
 *    the fields it reads): a variant can change what the kernel does, never how it is judged;
 *  - no kernel or variant source judges a context itself (judgePart, or a `fail` with an
 *    integrity invariant): they report observations to src/spec;
 *  - no kernel class, built-in or plug-in, redefines a sealed machine service.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { Machine, SEALED, sealedOverride } from '../../src/kernel/machine.js';
import { createMachine } from '../../src/kernel/kernel.js';
import { VARIANTS } from '../../src/variants/index.js';
import { loadPluginVariant } from '../../src/variants/plugin.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The src-relative folder of every module `file` imports (static and dynamic, type-only too). */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) {
    const target = relative(SRC, resolve(dirname(file), m[1]!));
    out.push(target.split('/')[0]!);
  }
  return out;
}

describe('layering', () => {
  it('src/check imports no kernel, spec, variant or application module', () => {
    const allowed = new Set(['check', 'arch', 'errors.js']);
    for (const f of files(join(SRC, 'check')))
      for (const folder of importedFolders(f))
        expect({ file: relative(SRC, f), folder }).toEqual({
          file: relative(SRC, f),
          folder: allowed.has(folder) ? folder : 'a lower layer',
        });
  });

  it('src/spec imports no variant, engine or application module', () => {
    const allowed = new Set(['spec', 'arch']);
    for (const f of files(join(SRC, 'spec')))
      for (const folder of importedFolders(f))
        expect({ file: relative(SRC, f), folder }).toEqual({
          file: relative(SRC, f),
          folder: allowed.has(folder) ? folder : 'arch or spec',
        });
  });

  it('no kernel or variant source judges a context itself', () => {
    for (const f of [...files(join(SRC, 'kernel')), ...files(join(SRC, 'variants'))]) {
      const text = readFileSync(f, 'utf8');
      const rel = relative(SRC, f);
      expect({ rel, judges: /\bjudgePart\b/.test(text) }).toEqual({ rel, judges: false });
      // Only the machine's report service builds violations; kernel code reports WARN_ONs (its own
      // assertions) through warnOn, and everything else through src/spec/observe.ts.
      if (rel !== 'kernel/machine.ts') expect({ rel, fails: /\.fail\(/.test(text) }).toEqual({ rel, fails: false });
    }
  });
});

describe('the seal', () => {
  it('no built-in kernel class redefines a sealed service, and each boots', () => {
    for (const v of VARIANTS) {
      expect({ v: v.name, sealed: sealedOverride(v.Kernel) }).toEqual({ v: v.name, sealed: undefined });
      expect(() => createMachine(v.Kernel, { cpus: 1, tasks: [{ name: 'A' }] })).not.toThrow();
    }
  });

  it('a kernel class that redefines fail is refused at construction', () => {
    const base = VARIANTS[0]!.Kernel;
    const Weak = class extends base {
      override fail(): never {
        return undefined as never;
      }
    };
    expect(sealedOverride(Weak)).toBe('fail');
    expect(() => createMachine(Weak as never, { cpus: 1, tasks: [{ name: 'A' }] })).toThrow(/redefines fail/);
    expect(SEALED).toContain('derefLastStateTask');
    expect(sealedOverride(Machine)).toBeUndefined();
  });

  it('a plug-in whose class redefines a sealed service is bad input, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-seal-'));
    const file = join(dir, 'weak.mjs');
    writeFileSync(
      file,
      `export default { name: 'weak', extends: 'rfc-2017', Kernel: (Base) => class extends Base { warnOn() { return false; } } };\n`,
    );
    const err = await loadPluginVariant(
      file,
      (name) => VARIANTS.find((v) => v.name === name),
      VARIANTS.map((v) => v.name),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/'warnOn'/);
    expect((err as InputError).field).toBe('Kernel');
  });
});
