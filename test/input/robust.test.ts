/**
 * Hostile documents (issue 16 part 1): each ends in one line of bad input (exit 2) that says
 * what is wrong, never in an internal error (exit 70).
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-robust-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr };
}
async function bad(argv: string[], message: RegExp) {
  const r = await cli(...argv);
  expect(r.code, argv.join(' ')).toBe(2);
  expect(r.err).toHaveLength(1);
  expect(r.err[0]).toMatch(message);
}

// 10 aliases of 10 aliases of 10: a thousand-fold expansion from a few lines.
const BOMB =
  'a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';

describe('YAML documents', () => {
  it('an alias bomb is refused, for a scenario and for a profile', async () => {
    const f = file('bomb.yaml', BOMB);
    await bad(['run', f], /bomb\.yaml: too many aliases expanded \(more than 100\)/);
    await bad(['cost', f], /bomb\.yaml: too many aliases expanded/);
  });

  it('an empty file gets a sentence naming what was expected', async () => {
    const f = file('empty.yaml', '\n');
    await bad(['run', f], /empty\.yaml: the file is empty: expected a scenario \(name, machine, steps\)$/);
    await bad(['cost', f], /empty\.yaml: the file is empty: expected a workload profile/);
    await bad(['run', file('list.yaml', '- 1\n')], /list\.yaml:1: expected a scenario .* as a mapping of fields, got a list$/);
  });

  it('deep nesting is refused with the limit, not a stack overflow', async () => {
    await bad(['run', file('deep.yaml', `${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)], /nested more than 64 levels deep/);
    await bad(['run', file('deep2.yaml', `x: ${'['.repeat(70)}${']'.repeat(70)}\n`)], /nested more than 64 levels deep/);
  });
});

describe('saved JSON documents', () => {
  it('JSON syntax errors give line and column', async () => {
    // Line 2 is `  "variant": ,`: the comma is its 14th character.
    await bad(
      ['report', file('syntax.json', '{\n  "variant": ,\n}\n')],
      /syntax\.json:2:14: malformed JSON: unexpected ",", expected a value$/,
    );
  });

  it('deep nesting is refused by report and shrink', async () => {
    const f = file('deep.json', `${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    await bad(['report', f], /deep\.json: nested more than 64 levels deep/);
    await bad(['shrink', f], /deep\.json: nested more than 64 levels deep/);
  });

  it('report refuses numbers no run prints (a call depth of -2^31 or 2^32)', async () => {
    const doc = (await cli('run', 'seed-uaf', '--variant', 'v4.15-rc1', '--json')).out;
    for (const depth of [-(2 ** 31), 2 ** 32]) {
      const d = JSON.parse(doc);
      d.trace[0].calls[0].depth = depth;
      await bad(
        ['report', file('depth.json', JSON.stringify(d, null, 2)), '-o', join(dir, 'x.html')],
        /depth\.json:\d+:\d+: trace\[0\]\.calls\[0\]\.depth: /,
      );
    }
  });

  it('shrink refuses a fractional cpu, a machine beyond the model, and names a document of another kind', async () => {
    const check = JSON.parse((await cli('check', '--variant', 'v4.15-rc1', '--cpus', '1', '--tasks', '1', '--json')).out);
    const a = structuredClone(check);
    a.violation.trace[0].cpu = 0.5;
    await bad(['shrink', file('half.json', JSON.stringify(a))], /half\.json: violation\.trace\[0\]\.cpu: cpu 0\.5 does not exist/);
    const b = structuredClone(check);
    b.violation.boot.tasks = Array.from({ length: 300 }, (_, i) => ({ name: `T${i}` }));
    await bad(
      ['shrink', file('many.json', JSON.stringify(b))],
      /many\.json: bounds: not a machine fpctx can build: tasks \+ spare slots must be from 1 to 16$/,
    );
    const cost = (await cli('cost', 'desktop', '--events', '200', '--variant', 'v4.15', '--json')).out;
    await bad(
      ['shrink', file('cost.json', cost)],
      /cost\.json:1: a `cost --json` document: shrink takes the output of run, check, simulate or shrink --json$/,
    );
  });
});

describe('trace text', () => {
  it('replay of a directory is bad input', async () => {
    await bad(['replay', dir], new RegExp(`^fpctx: ${dir}: cannot read: EISDIR$`));
  });
});

describe('limits (issue 16 part 2)', () => {
  it('names and free text have length limits', async () => {
    const long = 'A'.repeat(65);
    await bad(
      ['run', file('name.yaml', `name: x\nmachine: {cpus: 1, tasks: [{name: ${long}}]}\nsteps:\n  - {event: switch, cpu: 0, task: A}\n`)],
      /name\.yaml:2: machine\.tasks\[0\]\.name: a name is at most 64 characters$/,
    );
    await bad(
      [
        'run',
        file(
          'note.yaml',
          `name: x\nmachine: {cpus: 1, tasks: [{name: A}]}\nsteps:\n  - {event: switch, cpu: 0, task: A, note: ${'n'.repeat(5000)}}\n`,
        ),
      ],
      /note\.yaml:4: steps\[0\]\.note: at most 4096 characters$/,
    );
    await bad(
      ['cost', file('pname.yaml', `name: ${'p'.repeat(100)}\ncpus: 1\ntasks: [{name: a, count: 1}]\n`)],
      /pname\.yaml:1: name: a name is at most 64 characters$/,
    );
  });

  it("a profile's events and --events are capped", async () => {
    await bad(
      ['cost', file('events.yaml', 'name: e\ncpus: 1\nevents: 100000001\ntasks: [{name: a, count: 1}]\n')],
      /events\.yaml:3: events: at most 100,000,000 events \(use --time to bound a run\)$/,
    );
    await bad(['cost', 'desktop', '--events', '100000001'], /^fpctx: --events: must be between 1 and 100000000, got 100000001$/);
  });

  it('cost and replay stop at --memory (resident memory) with verdict incomplete, exit 3', async () => {
    // Any process is resident in more than 1 MiB: the limit is reached at the first check.
    const cost = await cli('cost', 'desktop', '--events', '1000000', '--variant', 'v4.15', '--memory', '1M', '--json');
    expect(cost.code).toBe(3);
    const doc = JSON.parse(cost.out);
    expect(doc.verdict).toBe('incomplete');
    expect(doc.limit.kind).toBe('memory');
    expect(doc.limit.message).toMatch(/^memory limit of 1 MiB reached \(resident \d+ MiB\) after [\d,]+ of 1,000,000 events$/);
    const trace = new URL('../../examples/kvm-host.trace.txt', import.meta.url).pathname;
    const replay = await cli('replay', trace, '--variant', 'v4.15', '--memory', '1M');
    expect(replay.code).toBe(3);
    expect(replay.out).toMatch(/^incomplete: memory limit of 1 MiB reached/);
  });

  it('cost stops at --time with verdict incomplete, exit 3', async () => {
    // A millisecond is less than the first chunk of 65,536 events takes on any machine.
    const r = await cli('cost', 'desktop', '--events', '100000000', '--variant', 'v4.15', '--time', '0.001s');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^incomplete: time limit of 0\.001s reached after [\d,]+ of 100,000,000 events$/);
  });

  it('report --check takes --memory and --time like check, and a limit reached is exit 3', async () => {
    const r = await cli('report', '--check', '--depth', '30', '--memory', '1M', '-o', join(dir, 'limited.html'), '--quiet');
    expect(r.code).toBe(3);
    await bad(['report', '--check', '--time', 'soon'], /^fpctx: --time: expected a duration/);
  });
});
