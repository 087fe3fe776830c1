/**
 * Bad input: one line naming file:line and field (or the flag), exit status 2, no stack trace.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-bad-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.stdout, err: io.stderr };
}

const HEAD = 'name: x\nmachine:\n  cpus: 1\n  tasks: [{name: A}, {name: B}]\nsteps:\n';

describe('scenario files', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', `${HEAD}  - {event: switch, cpu: 0, task: A\n`, /:6: malformed YAML/],
    [
      'unknown event',
      `${HEAD}  - {event: switch, cpu: 0, task: A}\n  - {event: teleport, cpu: 0}\n`,
      /:7: steps\[1\]\.event: unknown event 'teleport' \(events: switch, /,
    ],
    [
      'unknown field in a step',
      `${HEAD}  - {event: switch, cpu: 0, task: A, colour: red}\n`,
      /:6: steps\[0\]\.colour: unknown field 'colour'/,
    ],
    ['unknown top-level field', `name: x\nflavour: 1\n${HEAD.slice(8)}  - {event: idle, cpu: 0}\n`, /:2: flavour: unknown field 'flavour'/],
    ['wrong type', 'name: x\nmachine:\n  cpus: two\n  tasks: [{name: A}]\nsteps:\n  - {event: idle, cpu: 0}\n', /:3: machine\.cpus: /],
    [
      'missing field',
      'name: x\nmachine:\n  tasks: [{name: A}]\nsteps:\n  - {event: idle, cpu: 0}\n',
      /:\d+: machine\.cpus: missing required field/,
    ],
    ['cpu out of range', `${HEAD}  - {event: switch, cpu: 3, task: A}\n`, /:6: steps\[0\]\.cpu: cpu 3 does not exist/],
    [
      'event not enabled (nothing running)',
      `${HEAD}  - {event: fp_write, cpu: 0}\n`,
      /:6: step 1 \(fp_write\): event 'fp_write' is not enabled here: it needs current in user mode; cpu0 is idle/,
    ],
    [
      'scheduling a freed task',
      HEAD +
        '  - {event: switch, cpu: 0, task: A}\n  - {event: ret_to_user, task: A}\n  - {event: syscall, task: A}\n  - {event: exit, task: A}\n  - {event: free, task: A}\n  - {event: switch, cpu: 0, task: A}\n',
      /:11: step 6 \(switch\): task 'A' has been freed/,
    ],
    ['unknown task', `${HEAD}  - {event: switch, cpu: 0, task: Z}\n`, /:6: step 1 \(switch\): no task named 'Z'/],
    [
      'duplicate task name',
      'name: x\nmachine:\n  cpus: 1\n  tasks: [{name: A}, {name: A}]\nsteps:\n  - {event: idle, cpu: 0}\n',
      /:4: machine\.tasks\.name: duplicate task name 'A'/,
    ],
    ['switch without a task', `${HEAD}  - {event: switch, cpu: 0}\n`, /:6: steps\[0\]\.task: 'switch' needs both cpu and task/],
    [
      'bad vector length',
      'name: x\nmachine:\n  cpus: 1\n  sve_vl: 100\n  tasks: [{name: A}]\nsteps:\n  - {event: idle, cpu: 0}\n',
      /:4: machine\.sve_vl: 100 is not a vector length/,
    ],
  ];
  for (const [what, text, re] of cases) {
    it(what, async () => {
      const p = file(`${what.replace(/\W+/g, '-')}.yaml`, text);
      const r = await cli('run', p);
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(new RegExp(`^fpctx: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${re.source}`));
      expect(r.err[0]).not.toMatch(/\n| {4}at /);
      expect(r.out).toHaveLength(0);
    });
  }
  it('a missing file', async () => {
    const r = await cli('run', join(dir, 'nope.yaml'));
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/nope\.yaml: no such scenario file \(built-in scenarios: .*seed-kvm/);
  });
});

describe('flags', () => {
  const cases: [string[], RegExp][] = [
    [['check', '--variant', 'v9.9'], /^fpctx: --variant: unknown variant 'v9\.9' \(known: v4\.15-rc1, rfc-2017/],
    [['run', 'seed-kvm', '--variant', 'nope'], /^fpctx: --variant: unknown variant 'nope'/],
    [['check', '--cpus', 'x'], /^fpctx: --cpus: expected an integer, got 'x'$/],
    [['check', '--cpus', '99'], /^fpctx: --cpus: must be between 1 and 8, got 99$/],
    [['check', '--depth', '0'], /^fpctx: --depth: must be between 1 and 1000, got 0$/],
    [
      ['check', '--tasks', '9', '--vcpus', '4', '--spare', '9'],
      /^fpctx: --spare: must be between|^fpctx: --tasks: tasks \+ vcpus \+ spare/,
    ],
    [['check', '--bogus'], /^fpctx: unknown option '--bogus'/],
    [['frobnicate'], /^fpctx: unknown command 'frobnicate'/],
  ];
  for (const [argv, re] of cases) {
    it(argv.join(' '), async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err[0]).toMatch(re);
    });
  }
});
