/**
 * Fuzz cases as fast-check arbitraries: every input reader (scenario files, workload profiles,
 * saved --json documents given to report and shrink, trace text given to replay) fed mutations
 * of real documents, plus the documents a hostile user writes (alias bombs, deep nesting, empty
 * files, huge strings, documents of the wrong kind); and every command fed nonsense flag values.
 * Work is kept small (few events, small machines) so that a case is about reading, not running.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { FuzzCase } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const texts = (dir: string, ext: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => readFileSync(join(ROOT, dir, f), 'utf8'));

/** Saved documents of every kind, printed by the CLI itself. */
export interface Corpus {
  readonly scenarios: string[];
  readonly profiles: string[];
  readonly traces: string[];
  /** kind → document text. */
  readonly docs: Record<string, string>;
}

async function printed(...argv: string[]): Promise<string> {
  const io = memoryIo();
  await main(argv, io);
  return io.stdout.join('\n');
}

export async function loadCorpus(): Promise<Corpus> {
  const small = ['--cpus', '1', '--tasks', '1', '--vcpus', '1', '--spare', '0'];
  const docs: Record<string, string> = {
    run: await printed('run', 'seed-uaf', '--variant', 'v4.15-rc1', '--json'),
    runOk: await printed('run', 'seed-kvm', '--variant', 'rfc-2017', '--json'),
    check: await printed('check', '--variant', 'v4.15-rc1', ...small, '--json'),
    simulate: await printed('simulate', '--variant', 'v4.15-rc1', ...small, '--runs', '50', '--steps', '30', '--json'),
    cost: await printed('cost', 'kvm-host', '--events', '2000', '--variant', 'v4.15,rfc-2017', '--json'),
  };
  return { scenarios: texts('scenarios', '.yaml'), profiles: texts('workloads', '.yaml'), traces: texts('examples', '.txt'), docs };
}

// --- values a hostile edit puts in a document ---------------------------------------------------

const SPECIAL: unknown[] = [
  -1,
  0,
  0.5,
  -(2 ** 31),
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  1e308,
  -1e308,
  '',
  ' ',
  'x'.repeat(70_000),
  'NaN',
  '0x10',
  '\u0000\u00ff\ud800',
  null,
  true,
  [],
  {},
  [1, 2, 3],
  { a: 1 },
];
const special = fc.constantFrom(...SPECIAL);

type Json = unknown;

/** Paths to every node of a value (objects and arrays), shallowest first. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (out.length > 4000) return out;
  if (Array.isArray(v)) for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

type Edit = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'repeat'; times: number } | { kind: 'extra' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  special.map((value) => ({ kind: 'set' as const, value })),
  fc.constant({ kind: 'delete' as const }),
  fc.integer({ min: 2, max: 400 }).map((times) => ({ kind: 'repeat' as const, times })),
  fc.constant({ kind: 'extra' as const }),
);

/** Applies `edits` at paths chosen by `picks` (fractions of the path list). */
function mutate(value: Json, edits: [number, Edit][]): Json {
  const root = structuredClone(value) as Json;
  for (const [pick, e] of edits) {
    const all = paths(root);
    const path = all[Math.floor(pick * all.length)] ?? [];
    if (path.length === 0) continue;
    let parent = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = path.at(-1)!;
    if (e.kind === 'set') parent[key] = e.value;
    else if (e.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (e.kind === 'repeat') {
      if (Array.isArray(parent)) parent.splice(Number(key), 0, ...Array.from({ length: e.times }, () => parent[key]));
      else parent[key] = Array.from({ length: e.times }, () => parent[key]);
    } else if (parent[key] && typeof parent[key] === 'object' && !Array.isArray(parent[key])) {
      (parent[key] as Record<string, unknown>).unexpected_field = 1;
    }
  }
  return root;
}

const edits = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), edit), { minLength: 1, maxLength: 3 });

/** Line-level damage to any text: delete, duplicate, or garble a line; truncate. */
const textDamage = (text: string) =>
  fc.tuple(fc.nat(), fc.constantFrom('delete', 'duplicate', 'garble', 'truncate'), fc.string({ maxLength: 12 })).map(([n, how, junk]) => {
    const lines = text.split('\n');
    const i = n % Math.max(1, lines.length);
    if (how === 'delete') lines.splice(i, 1);
    else if (how === 'duplicate') lines.splice(i, 0, lines[i] ?? '');
    else if (how === 'garble') lines[i] = `${(lines[i] ?? '').slice(0, n % 40)}${junk}${(lines[i] ?? '').slice(n % 40)}`;
    else return text.slice(0, n % (text.length + 1));
    return lines.join('\n');
  });

/** Documents nobody should write, in YAML or JSON. */
const HOSTILE: string[] = [
  '',
  '   \n\n',
  '~\n',
  '[]\n',
  '42\n',
  '"just a string"\n',
  // An alias bomb ("billion laughs"): 9 levels of 9 aliases.
  `a: &a ["x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 8 }, (_, i) => {
    const p = String.fromCharCode(97 + i);
    const n = String.fromCharCode(98 + i);
    return `${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`;
  }).join('\n')}\n`,
  `${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}\n`,
  `${'- '.repeat(3_000)}x\n`,
  'name: x\nname: y\n',
  '\u0000\u0001\u0002binary',
  '{"variant": "rfc-2017"}',
];
const hostile = fc.constantFrom(...HOSTILE);

const asYaml = (v: unknown) => {
  try {
    return stringify(v, { aliasDuplicateObjects: false, lineWidth: 0 });
  } catch {
    return '';
  }
};

// --- the readers ---------------------------------------------------------------------------------

/** A YAML document of one kind: a real one mutated, damaged, or hostile. */
function yamlDoc(bases: string[], parse: (t: string) => unknown): fc.Arbitrary<string> {
  const base = fc.constantFrom(...bases);
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(base, edits).map(([t, e]) => asYaml(mutate(parse(t), e))) },
    { weight: 3, arbitrary: base.chain(textDamage) },
    { weight: 1, arbitrary: hostile },
  );
}

function jsonDoc(bases: string[]): fc.Arbitrary<string> {
  const base = fc.constantFrom(...bases.filter((b) => b.trim().startsWith('{')));
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(base, edits).map(([t, e]) => JSON.stringify(mutate(JSON.parse(t), e), null, 1)) },
    { weight: 2, arbitrary: base.chain(textDamage) },
    { weight: 1, arbitrary: hostile },
    // Every document to every reader: the wrong kind must be named, not misread.
    { weight: 1, arbitrary: base },
  );
}

export function readerCases(corpus: Corpus): Record<string, fc.Arbitrary<FuzzCase>> {
  const parseYaml = (t: string): unknown => parse(t);
  const docs = Object.values(corpus.docs).filter(Boolean);
  return {
    scenario: yamlDoc(corpus.scenarios, parseYaml).map((t) => ({
      reader: 'scenario',
      files: { 's.yaml': t },
      argv: ['run', '{dir}/s.yaml', '--json'],
    })),
    profile: yamlDoc(corpus.profiles, parseYaml).map((t) => ({
      reader: 'profile',
      files: { 'p.yaml': t },
      argv: ['cost', '{dir}/p.yaml', '--events', '500', '--variant', 'v4.15', '--json'],
    })),
    report: jsonDoc(docs).map((t) => ({
      reader: 'report',
      files: { 'd.json': t },
      argv: ['report', '{dir}/d.json', '-o', '{dir}/r.html', '--quiet'],
    })),
    shrink: jsonDoc([corpus.docs.run!, corpus.docs.check!, corpus.docs.simulate!, corpus.docs.cost!]).map((t) => ({
      reader: 'shrink',
      files: { 't.json': t },
      argv: ['shrink', '{dir}/t.json', '--json'],
    })),
    trace: fc
      .oneof({ weight: 6, arbitrary: fc.constantFrom(...corpus.traces).chain(textDamage) }, { weight: 1, arbitrary: hostile })
      .map((t) => ({ reader: 'trace', files: { 't.txt': t }, argv: ['replay', '{dir}/t.txt', '--variant', 'v4.15', '--json'] })),
  };
}

// --- flags -------------------------------------------------------------------------------------

/** Values no flag should take, and small ones every flag may. */
const NONSENSE = ['', ' ', '-1', '0', '1', '2', 'x', '1.5', '1e3', 'NaN', 'Infinity', '0x10', '99999999999999999999', '--json', 'all', ','];
const flagValue = fc.oneof(fc.constantFrom(...NONSENSE), fc.string({ maxLength: 8 }));

/** Per command: its flags taking a value, its switches, and a cheap positional argument. */
const COMMANDS: Record<string, { args: string[]; flags: string[]; switches: string[]; cap: string[] }> = {
  run: { args: ['seed-uaf'], flags: ['--variant'], switches: ['--json', '--quiet'], cap: [] },
  check: {
    args: [],
    flags: ['--variant', '--cpus', '--tasks', '--vcpus', '--spare', '--depth', '--memory', '--time', '--workers', '--events'],
    switches: ['--json', '--quiet', '--no-symmetry', '--no-relabel', '--orbits'],
    cap: ['--time', '2s'],
  },
  simulate: {
    args: [],
    flags: ['--variant', '--cpus', '--tasks', '--vcpus', '--spare', '--seed', '--runs', '--steps', '--workers', '--time'],
    switches: ['--json', '--quiet', '--no-swarm', '--no-shrink'],
    cap: ['--time', '2s'],
  },
  cost: {
    args: ['desktop'],
    flags: ['--variant', '--events', '--seed'],
    switches: ['--json', '--md', '--quiet'],
    cap: ['--events', '500'],
  },
  replay: {
    args: [join(ROOT, 'examples', 'kvm-host.trace.txt')],
    flags: ['--variant', '--fp-use', '--sve-use', '--seed', '--sve-vl'],
    switches: ['--json', '--md', '--quiet'],
    cap: [],
  },
  matrix: {
    args: [],
    flags: ['--checks', '--max-states'],
    switches: ['--json', '--md', '--quiet'],
    cap: ['--variant', 'v4.15', '--checks', 'none'],
  },
  report: {
    args: ['seed-uaf'],
    flags: ['--variant', '--cpus', '--tasks', '--depth', '--title', '-o'],
    switches: ['--check', '--quiet'],
    cap: ['--depth', '4', '--data', '{dir}/d.json'],
  },
  shrink: { args: ['{dir}/none.json'], flags: ['--variant', '--scenario'], switches: ['--json', '--quiet'], cap: [] },
  suite: { args: [], flags: ['--report', '--perfetto'], switches: ['--json', '--quiet'], cap: ['--report', '{dir}/no/such/r.html'] },
};

/**
 * Nonsense for every flag of every command. A flag given twice keeps its last value, so the cap
 * that keeps the work small (a time limit, few events, no checks) comes last; what is fuzzed
 * is parsing and validation, not long runs.
 */
export const flagCases: fc.Arbitrary<FuzzCase> = fc.constantFrom(...Object.keys(COMMANDS)).chain((name) => {
  const c = COMMANDS[name]!;
  return fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...c.flags), flagValue), { minLength: 1, maxLength: 3 }),
      fc.subarray(c.switches),
      fc.boolean(),
    )
    .map(([flags, switches, withArgs]) => ({
      reader: `flags:${name}`,
      files: {},
      argv: [name, ...(withArgs ? c.args : []), ...flags.flat(), ...switches, ...c.cap],
    }));
});
