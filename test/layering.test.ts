/**
 * The architecture as a rule: each folder of src/ is a layer, and a module may import only its
 * own folder and the layers below it. So there is no cycle between folders, the engine
 * (src/check) knows nothing about kernels, nothing below src/app knows the application, and
 * only src/cli knows the command line. A new folder must be placed in LAYERS (the failure says
 * so); an import that climbs a layer fails with the file and the import.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Lowest first. Top-level modules (`src/errors.ts`: the error codes and InputError;
 * `src/style.ts`: terminal colours) and src/input (reading YAML and JSON documents) are leaves
 * every layer may use. `spec` is the sealed specification (issue 11 part 4), placed where the
 * kernel can feed it but no variant can reach into it.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['<top>'],
  ['input'],
  ['state'],
  ['arch'],
  ['check'],
  ['cluster'],
  ['spec'],
  ['kernel'],
  ['history'],
  ['variants'],
  ['cost'],
  ['lab'],
  ['trace'],
  ['conform'],
  ['report'],
  ['scenario'],
  ['app'],
  ['cli'],
];

const levelOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The src/ folder of a path under src/ (`<top>` for src/errors.ts). */
function folderOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length === 1 ? '<top>' : parts[0]!;
}

/** Relative imports, static and dynamic, of one module (type-only ones too: they are design edges). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*['"](\.[^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

const edges = sources(SRC).flatMap((file) =>
  importsOf(file).map((spec) => ({
    file: relative(SRC, file),
    spec,
    from: folderOf(file),
    to: folderOf(normalize(join(dirname(file), spec))),
  })),
);

describe('layering of src/', () => {
  it('finds the imports it judges (the rule is not vacuous)', () => {
    expect(edges.some((e) => e.from === 'cli' && e.to === 'app')).toBe(true);
    expect(edges.some((e) => e.from === 'kernel' && e.to === 'arch')).toBe(true);
    expect(edges.length).toBeGreaterThan(200);
  });

  it('places every folder of src/ in a layer', () => {
    const unplaced = [...new Set(edges.flatMap((e) => [e.from, e.to]))].filter((f) => levelOf(f) < 0);
    expect(unplaced, 'add these folders to LAYERS in test/layering.test.ts').toEqual([]);
  });

  it('has no import from a layer to one above it', () => {
    const back = edges
      .filter((e) => e.from !== e.to && levelOf(e.to) > levelOf(e.from))
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    expect(back).toEqual([]);
  });

  it('keeps the engine ignorant of kernels and the input readers ignorant of everything', () => {
    const bad = edges.filter(
      (e) =>
        (e.from === 'check' && ['kernel', 'variants', 'spec'].includes(e.to)) ||
        (e.from === 'input' && e.to !== 'input' && e.to !== '<top>'),
    );
    expect(bad.map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });
});
