/**
 * The engine's CLI contract: check/simulate/shrink exit statuses (0, 1, 2, 3), the JSON
 * fields scripts depend on, determinism of the JSON, the shrink input formats and the
 * scenario it writes, and bad input reported against the file or flag.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { collisionNote } from '../../src/cli/commands/check.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-engine-'));

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

const WALL_CLOCK = new Set(['seconds', 'statesPerSecond', 'stepsPerSecond']);
const deterministic = (text: string) => JSON.stringify(JSON.parse(text), (k, v) => (WALL_CLOCK.has(k) ? undefined : v));

describe('fpctx check (engine)', () => {
  it('--json carries the contract fields and is deterministic apart from wall-clock fields', async () => {
    const a = await cli('check', '--variant', 'v4.15-rc1', '--cpus', '1', '--json');
    const b = await cli('check', '--variant', 'v4.15-rc1', '--cpus', '1', '--json');
    expect(a.code).toBe(1);
    const doc = JSON.parse(a.out);
    for (const k of [
      'variant',
      'bounds',
      'states',
      'transitions',
      'depth',
      'seconds',
      'peakBytes',
      'verdict',
      'violation',
      'counters',
      'symmetry',
      'orbits',
      'completeDepth',
    ])
      expect(doc).toHaveProperty(k);
    expect(doc.violation).toMatchObject({ invariant: 'no-uaf', code: 'FPC101', step: 7, originalLength: 7 });
    expect(doc.violation.trace).toHaveLength(7);
    expect(doc.peakBytes).toBeGreaterThan(0);
    expect(deterministic(b.out)).toBe(deterministic(a.out));
  });
  it('--fingerprint-bits 96 gives the same states with a 2^32 times smaller collision estimate; the note appears from 1e-6 on', async () => {
    const a = JSON.parse((await cli('check', '--cpus', '1', '--depth', '9', '--json')).out);
    const b = JSON.parse((await cli('check', '--cpus', '1', '--depth', '9', '--fingerprint-bits', '96', '--json')).out);
    expect([b.states, b.transitions, b.fingerprintBits, a.fingerprintBits]).toEqual([a.states, a.transitions, 96, 64]);
    expect(b.collisionProbability * 2 ** 32).toBeCloseTo(a.collisionProbability, 25);
    // states × (transitions − states) / 2^64: 3 M states and 11 M transitions make 1.3e-6
    expect(collisionNote(1.3e-6, 64)).toBe(
      '(a fingerprint collision may have hidden a state: probability 1.3e-6 with 64-bit fingerprints; --fingerprint-bits 96 makes it negligible)',
    );
    expect(collisionNote(0.13, 64)).toMatch(/probability 0\.13 with 64-bit/);
    expect(collisionNote(0.9e-6, 64)).toBeNull();
    expect(collisionNote(2e-6, 96)).toBe('(a fingerprint collision may have hidden a state: probability 2.0e-6 with 96-bit fingerprints)');
  });
  it('exits 3 with verdict "incomplete" when --memory or --time stops it', async () => {
    const m = await cli('check', '--cpus', '2', '--tasks', '2', '--depth', '16', '--memory', '2M', '--json');
    expect(m.code).toBe(3);
    expect(JSON.parse(m.out)).toMatchObject({ verdict: 'incomplete', limit: { kind: 'memory' } });
    const t = await cli('check', '--cpus', '3', '--tasks', '3', '--depth', '40', '--time', '0.2s');
    expect(t.code).toBe(3);
    expect(t.out).toMatch(/incomplete: time limit of 0\.2s reached; every state within \d+ steps was explored/);
  });
  it('--no-symmetry --orbits counts the same orbits as the reduced search stores', async () => {
    const on = JSON.parse((await cli('check', '--cpus', '2', '--tasks', '1', '--depth', '8', '--json')).out);
    const off = JSON.parse((await cli('check', '--cpus', '2', '--tasks', '1', '--depth', '8', '--no-symmetry', '--orbits', '--json')).out);
    expect(on.verdict).toBe('ok');
    expect(off.symmetry).toBe(false);
    expect(off.orbits).toBe(on.states);
    expect(off.states).toBeGreaterThan(on.states);
  });
  it('shows a progress line (states, depth, states/s, memory) for long work, none under --json or --quiet', async () => {
    const capture = () => {
      const lines: string[] = [];
      return { io: { ...memoryIo(), stderrIsTTY: true, progress: (l: string) => void lines.push(l) }, lines };
    };
    // A time limit, not a depth, makes the work long: the line appears after a second of work,
    // however fast the machine explores; and at the limit (1.6 s) the explorer reports once more,
    // so a process stalled by a busy machine through the whole second still shows one.
    const args = ['check', '--cpus', '2', '--tasks', '2', '--depth', '40', '--time', '1.6s'];
    const a = capture();
    await main(args, a.io);
    expect(a.lines.length).toBeGreaterThan(0);
    expect(a.lines[0]).toMatch(/^rfc-2017: depth \d+\/40 {2}[\d.]+K? states {2}[\d.]+K? states\/s {2}[\d.]+ [KM]iB {2}\d+s$/);
    for (const extra of ['--json', '--quiet']) {
      const b = capture();
      await main([...args, extra], b.io);
      expect(b.lines).toHaveLength(0);
    }
  });
  it('rejects bad limits, naming the flag', async () => {
    expect((await cli('check', '--memory', 'lots')).err).toMatch(/^fpctx: --memory: expected a size such as 512M or 2G, got 'lots'$/);
    expect((await cli('check', '--memory', '10k')).err).toMatch(/^fpctx: --memory: must be at least 1M/);
    expect((await cli('check', '--time', '-3')).err).toMatch(/^fpctx: --time: expected a duration/);
  });
});

describe('fpctx simulate', () => {
  const args = [
    'simulate',
    '--variant',
    'v4.15-rc1',
    '--cpus',
    '2',
    '--tasks',
    '2',
    '--vcpus',
    '1',
    '--spare',
    '1',
    '--runs',
    '3000',
    '--steps',
    '120',
    '--seed',
    '3',
  ];
  it('exits 1 on a violation; --json has the contract fields and the shrunk trace', async () => {
    const r = await cli(...args, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    for (const k of ['states', 'transitions', 'seconds', 'peakBytes', 'runs', 'steps', 'verdict', 'violation', 'seed'])
      expect(doc).toHaveProperty(k);
    expect(doc.verdict).toBe('violation');
    expect(doc.states).toBe(doc.runs + doc.steps);
    expect(doc.violation.trace).toHaveLength(doc.violation.step);
    expect(doc.violation.originalLength).toBeGreaterThanOrEqual(doc.violation.step);
    expect(doc.violation.boot.cpus).toBeLessThanOrEqual(2);
    expect(doc.runs).toBe(doc.violation.run + 1);
  });
  it('same seed, byte-identical JSON apart from wall-clock fields', async () => {
    const a = await cli(...args, '--json');
    const b = await cli(...args, '--json');
    expect(deterministic(b.out)).toBe(deterministic(a.out));
  });
  it('exits 0 when nothing is found, and prints no progress when not on a terminal', async () => {
    const r = await cli('simulate', '--runs', '50', '--steps', '50', '--events', 'core,neon,fork,kvm');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok: no violation in 50 runs/);
    expect(r.err).toBe('');
  });
  it('exits 3 with verdict "incomplete" when --time stops it before all runs are done', async () => {
    // The first model's alphabet, where rfc-2017 is clean (with every family, the default, the
    // ptrace-fork bug of every real variant before mainline may be found first).
    const r = await cli('simulate', '--runs', '100000000', '--time', '0.5', '--events', 'core,neon,fork,kvm', '--json');
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ verdict: 'incomplete', limit: { kind: 'time' } });
    expect(doc.runs).toBeGreaterThan(0);
    expect(doc.runs).toBeLessThan(100000000);
  });
  it('rejects a bad seed', async () => {
    const r = await cli('simulate', '--seed', '0xZZ');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^fpctx: --seed: expected an integer from 0 to 4294967295/);
  });
});

describe('fpctx shrink', () => {
  const save = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it('shrinks the JSON of run --json and writes a scenario that fpctx run reproduces', async () => {
    const run = await cli('run', 'seed-uaf', '--variant', 'v4.15-rc1', '--json');
    const file = save('run.json', run.out);
    const yaml = join(dir, 'shrunk.yaml');
    const s = await cli('shrink', file, '--scenario', yaml, '--json');
    expect(s.code).toBe(1);
    const doc = JSON.parse(s.out);
    expect(doc.violation).toMatchObject({ invariant: 'no-uaf', originalLength: 8, step: 7 });
    expect(doc.violation.trace.map((x: { event: string }) => x.event)).not.toContain('fp_write');
    expect(readFileSync(yaml, 'utf8')).toMatch(/^ {2}- \{ event: switch, cpu: 0, task: A \}$/m);
    const replay = await cli('run', yaml);
    expect(replay.code).toBe(1);
    expect(replay.out).toMatch(/expected: no-uaf at step 7 — met/);
  });
  it('accepts the JSON of check --json and simulate --json, and its own', async () => {
    const chk = save(
      'check.json',
      (await cli('check', '--variant', 'v4.15-rc1', '--cpus', '1', '--tasks', '2', '--vcpus', '0', '--depth', '14', '--json')).out,
    );
    const a = await cli('shrink', chk, '--json');
    expect(a.code).toBe(1);
    expect(JSON.parse(a.out).violation).toMatchObject({ invariant: 'integrity', kind: 'leak' });
    const sim = save(
      'sim.json',
      (
        await cli(
          'simulate',
          '--variant',
          'v4.15-rc1',
          '--cpus',
          '2',
          '--tasks',
          '2',
          '--vcpus',
          '1',
          '--spare',
          '1',
          '--runs',
          '3000',
          '--steps',
          '120',
          '--seed',
          '3',
          '--no-shrink',
          '--json',
        )
      ).out,
    );
    const b = await cli('shrink', sim, '--json');
    expect(b.code).toBe(1);
    const own = save('own.json', b.out);
    const c = await cli('shrink', own, '--json');
    expect(JSON.parse(c.out).violation.trace).toHaveLength(JSON.parse(b.out).violation.trace.length);
  });
  it('reports bad input against the file', async () => {
    const cases: [string, RegExp][] = [
      ['not json', /:1:1: malformed JSON: /],
      ['[1, 2]', /: expected one JSON object/],
      ['{"variant": "rfc-2017", "verdict": "ok"}', /: violation: the trace has no violation to shrink$/],
      ['{"variant": "v9", "violation": {"invariant": "no-uaf"}}', /: variant: unknown variant 'v9'/],
      [
        '{"variant": "v4.15-rc1", "violation": {"invariant": "no-uaf", "trace": [{"event": "teleport", "cpu": 0}], "boot": {"cpus": 1, "tasks": [{"name": "A"}]}}}',
        /: violation\.trace\[0\]\.event: unknown event 'teleport'$/,
      ],
      [
        '{"variant": "v4.15-rc1", "violation": {"invariant": "no-uaf", "trace": [{"event": "fp_write", "cpu": 0}], "boot": {"cpus": 1, "tasks": [{"name": "A"}]}}}',
        /: violation\.trace\[0\]\.event: 'fp_write' is not enabled here: it needs current in user mode; cpu0 is idle$/,
      ],
      [
        '{"variant": "rfc-2017", "violation": {"invariant": "no-uaf", "trace": [{"event": "switch", "cpu": 0, "task": "A"}], "boot": {"cpus": 1, "tasks": [{"name": "A"}]}}}',
        /: violation: the steps do not reproduce the violation on rfc-2017: expected no-uaf, got none$/,
      ],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const p = save(`bad${i}.json`, text);
      const r = await cli('shrink', p);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(new RegExp(`^fpctx: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${re.source}`));
    }
    const missing = await cli('shrink', join(dir, 'nope.json'));
    expect(missing.err).toMatch(/nope\.json: cannot read: ENOENT/);
  });
});
