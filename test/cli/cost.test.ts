/**
 * `fpctx cost` and `fpctx replay`: the JSON contract scripts depend on, the text and Markdown
 * tables, byte-identical output for the same inputs, and bad input (exit 2, one line).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { VARIANTS } from '../../src/variants/index.js';
import { EVENT_NAMES } from '../../src/kernel/events.js';

const EVENT_ALPHABET_HAS_SIGNALS = EVENT_NAMES.includes('signal');

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr };
}

/** The JSON document without its wall-clock fields. */
function deterministic(out: string): string {
  const doc = JSON.parse(out);
  delete doc.timing;
  for (const r of doc.rows) delete r.timing;
  return JSON.stringify(doc);
}

const dir = mkdtempSync(join(tmpdir(), 'fpctx-cost-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('fpctx cost', () => {
  it('--variant all --json prints the contract document', async () => {
    const r = await cli('cost', 'kvm-host', '--variant', 'all', '--events', '20000', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.events).toBe(20000);
    expect(doc.oracle).toMatchObject({ bytes: expect.any(Number), loads: expect.any(Number), saves: expect.any(Number) });
    expect(doc.rows.map((x: { variant: string }) => x.variant)).toEqual(VARIANTS.map((v) => v.name));
    for (const row of doc.rows) {
      for (const k of ['variant', 'bytes', 'loads', 'saves', 'redundantLoads', 'wastedSaves', 'oracleRatio'])
        expect(row, k).toHaveProperty(k);
      expect(row.oracleRatio).toBeCloseTo(row.bytes / doc.oracle.bytes, 3);
      expect(row.topWaste.length).toBeLessThanOrEqual(3);
      expect(row.topWaste).toEqual(row.waste.slice(0, 3));
    }
    expect(doc.source).toMatchObject({ kind: 'workload', name: 'kvm-host', cpus: 4, vcpus: 4, sveVlBits: 512 });
  });

  it('the same inputs print the same bytes (wall-clock fields aside); another seed does not', async () => {
    const a = await cli('cost', 'desktop', '--events', '15000', '--seed', '7', '--json');
    const b = await cli('cost', 'desktop', '--events', '15000', '--seed', '7', '--json');
    const c = await cli('cost', 'desktop', '--events', '15000', '--seed', '8', '--json');
    expect(deterministic(a.out)).toBe(deterministic(b.out));
    expect(deterministic(c.out)).not.toBe(deterministic(a.out));
  });

  it('prints a text table, one variant per row, and the top sources of waste', async () => {
    const r = await cli('cost', 'kvm-host', '--events', '20000', '--variant', 'flush-always');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^kvm-host \(seed 1\): 20,000 events · 4 CPUs · 4 tasks, 4 vcpu threads · SVE VL 512$/m);
    expect(r.out).toMatch(/^variant\s+moved\s+×oracle\s+loads\s+saves\s+redund\.\s+wasted\s+hyp\s+verdict$/m);
    expect(r.out).toMatch(/^flush-always\s+[\d.]+ [KM]iB\s+[\d.]+\s/m);
    expect(r.out).toMatch(/^oracle\s+.*lower bound$/m);
    expect(r.out).toMatch(
      /1\. .*redundant load: binding dropped by fpsimd_flush_cpu_state in vcpu_enter|1\. .*hyp host save\/restore never used/,
    );
  });

  it('--md prints a Markdown table', async () => {
    const r = await cli('cost', 'hpc-sve', '--events', '5000', '--md', '--variant', 'rfc-2017');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '| variant | bytes moved | × oracle | loads | saves | redundant loads | wasted saves | hyp bytes | verdict | top 3 sources of waste |',
    );
    expect(r.out).toMatch(/^\| rfc-2017 \| [\d.]+ [KM]iB \| [\d.]+ \|/m);
    expect(r.out).toMatch(/^\| \*oracle\* \|/m);
  });

  it('accepts a profile file and reports intents the alphabet cannot express', async () => {
    const p = file(
      'mine.yaml',
      'name: mine\ncpus: 2\nevents: 3000\ntasks:\n  - { name: app, count: 3, fp: 0.5, syscall: 0.5, signal: 0.5, block: 0.3 }\n',
    );
    const r = await cli('cost', p, '--json', '--variant', 'rfc-2017');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.source).toMatchObject({ name: 'mine', file: p, tasks: 3, vcpus: 0 });
    if (!EVENT_ALPHABET_HAS_SIGNALS) expect(doc.unsupported.signal).toBeGreaterThan(0);
  });

  describe('bad input: exit 2, one line', () => {
    const HEAD = 'name: x\ncpus: 2\ntasks:\n';
    const cases: [string, string[], RegExp][] = [
      [
        'unknown profile',
        ['cost', 'nonesuch'],
        /^fpctx: nonesuch: no such workload profile \(built-in profiles: android-neon, desktop, hpc-sve, kvm-host\)$/,
      ],
      ['unknown variant', ['cost', 'desktop', '--variant', 'v9'], /^fpctx: --variant: unknown variant 'v9'/],
      ['--events 0', ['cost', 'desktop', '--events', '0'], /^fpctx: --events: must be between 1 and/],
      [
        '--seed x',
        ['cost', 'desktop', '--seed', 'x'],
        /^fpctx: --seed: expected an integer from 0 to 4294967295 \(decimal or 0x hex\), got 'x'$/,
      ],
      ['--json with --md', ['cost', 'desktop', '--json', '--md'], /^fpctx: --md: --json and --md are alternatives/],
    ];
    for (const [what, argv, re] of cases) {
      it(what, async () => {
        const r = await cli(...argv);
        expect(r.code).toBe(2);
        expect(r.err).toHaveLength(1);
        expect(r.err[0]).toMatch(re);
      });
    }
    const files: [string, string, RegExp][] = [
      ['unknown field', `${HEAD}  - { name: a, count: 1, colour: red }\n`, /:4: tasks\[0\]\.colour: unknown field 'colour'$/],
      ['probability above 1', `${HEAD}  - name: a\n    count: 1\n    fp: 1.5\n`, /:6: tasks\[0\]\.fp: /],
      ['missing count', `${HEAD}  - { name: a }\n`, /:4: tasks\[0\]\.count: missing required field$/],
      ['bad vector length', 'name: x\ncpus: 2\nsve_vl: 100\ntasks:\n  - { name: a, count: 1 }\n', /:3: sve_vl: 100 is not a vector length/],
      [
        'duplicate class',
        `${HEAD}  - { name: a, count: 1 }\n  - { name: a, count: 2 }\n`,
        /:5: tasks\[1\]\.name: duplicate task class 'a'$/,
      ],
      ['vcpu field on a host class', `${HEAD}  - { name: a, count: 1, guest_fp: 0.5 }\n`, /:4: tasks\[0\]\.guest_fp: only vcpu classes/],
      [
        'fork on a vcpu class',
        `${HEAD}  - { name: v, count: 1, vcpu: true, fork: 0.1 }\n`,
        /:4: tasks\[0\]\.fork: fork is for host task classes/,
      ],
      ['max below count', `${HEAD}  - { name: a, count: 3, max: 2 }\n`, /:4: tasks\[0\]\.max: max must be at least count$/],
      ['too many CPUs', 'name: x\ncpus: 65\ntasks:\n  - { name: a, count: 1 }\n', /:2: cpus: /],
      ['malformed YAML', `${HEAD}  - { name: a, count: 1\n`, /:4: malformed YAML/],
    ];
    for (const [what, text, re] of files) {
      it(`profile: ${what}`, async () => {
        const p = file(`${what.replace(/\W+/g, '-')}.yaml`, text);
        const r = await cli('cost', p);
        expect(r.code).toBe(2);
        expect(r.err).toHaveLength(1);
        expect(r.err[0]).toMatch(new RegExp(`^fpctx: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${re.source}`));
      });
    }
  });
});

describe('fpctx report reads cost and replay documents', () => {
  it('a saved cost --json and replay --json become cost sections of the HTML report', async () => {
    const cost = await cli('cost', 'kvm-host', '--events', '5000', '--json', '--variant', 'flush-always');
    const replay = await cli('replay', 'examples/shell.trace-cmd.txt', '--json', '--variant', 'rfc-2017');
    const out = join(dir, 'report.html');
    const r = await cli('report', file('cost.json', cost.out), file('replay.json', replay.out), '-o', out);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Cost on kvm-host');
    expect(html).toContain('Cost on examples/shell.trace-cmd.txt');
    expect(html).toContain('flush-always');
  });
});

describe('fpctx replay', () => {
  it('--variant all --json on the example trace prints the contract document', async () => {
    const r = await cli('replay', 'examples/kvm-host.trace.txt', '--variant', 'all', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.events).toBeGreaterThan(30);
    expect(doc.rows.map((x: { variant: string }) => x.variant)).toEqual(VARIANTS.map((v) => v.name));
    for (const row of doc.rows)
      for (const k of ['variant', 'bytes', 'loads', 'saves', 'redundantLoads', 'wastedSaves', 'oracleRatio']) expect(row).toHaveProperty(k);
    expect(doc.source).toMatchObject({ kind: 'trace', format: 'ftrace', cpus: 2, tasks: 1, vcpus: 2, kernelThreads: 1, fpUse: 'always' });
  });

  it('the trace-cmd example: unknown events and lost events counted, output deterministic', async () => {
    const a = await cli('replay', 'examples/shell.trace-cmd.txt', '--json', '--fp-use', 'p=0.5', '--seed', '3');
    const b = await cli('replay', 'examples/shell.trace-cmd.txt', '--json', '--fp-use', 'p=0.5', '--seed', '3');
    expect(a.code).toBe(0);
    expect(deterministic(a.out)).toBe(deterministic(b.out));
    const doc = JSON.parse(a.out);
    expect(doc.source).toMatchObject({
      format: 'trace-cmd',
      lostEvents: 12,
      unknownEvents: { irq_handler_entry: 1, irq_handler_exit: 1, signal_generate: 1 },
    });
    const text = await cli('replay', 'examples/shell.trace-cmd.txt');
    expect(text.out).toMatch(/trace events not used: irq_handler_entry ×1, irq_handler_exit ×1, signal_generate ×1/);
    expect(text.out).toMatch(/the trace lost 12 events/);
  });

  describe('bad input: exit 2, one line', () => {
    const cases: [string, () => string[], RegExp][] = [
      [
        'a malformed line',
        () => ['replay', file('bad.txt', '  a-1 [000] 1.0: sys_exit: NR 1 = 0\n  a-1 [000] 1.0: sched_switch: prev_comm=a\n')],
        /bad\.txt:2: sched_switch: cannot parse the fields 'prev_comm=a'$/,
      ],
      ['not a trace', () => ['replay', file('prose.txt', 'Dear diary,\n')], /prose\.txt:1: not an ftrace event line: 'Dear diary,'$/],
      ['a missing file', () => ['replay', join(dir, 'nope.txt')], /nope\.txt: cannot read: ENOENT$/],
      [
        '--fp-use sometimes',
        () => ['replay', 'examples/kvm-host.trace.txt', '--fp-use', 'sometimes'],
        /^fpctx: --fp-use: expected always, never or p=<probability in \[0, 1\]>, got 'sometimes'$/,
      ],
      [
        '--fp-use p=2',
        () => ['replay', 'examples/kvm-host.trace.txt', '--fp-use', 'p=2'],
        /^fpctx: --fp-use: expected always, never or p=/,
      ],
      [
        '--sve-vl 100',
        () => ['replay', 'examples/kvm-host.trace.txt', '--sve-vl', '100'],
        /^fpctx: --sve-vl: must be between 128 and 2048, got 100$/,
      ],
      ['--sve-vl 200', () => ['replay', 'examples/kvm-host.trace.txt', '--sve-vl', '200'], /^fpctx: --sve-vl: 200 is not a vector length/],
    ];
    for (const [what, argv, re] of cases) {
      it(what, async () => {
        const r = await cli(...argv());
        expect(r.code).toBe(2);
        expect(r.err).toHaveLength(1);
        expect(r.err[0]).toMatch(re);
        expect(r.out).toBe('');
      });
    }
  });
});
