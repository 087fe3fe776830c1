/**
 * The lab's trace parser (src/lab/trace.ts) on lines in the exact shapes the lab's guests print
 * (taken from recorded 6.12.118 and 6.1.192 traces), and its errors on bad input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { countEvents, markerRoles, parseLabTrace, readLabTrace, type LabEvent } from '../../src/lab/trace.js';

const HEADER = `# tracer: function
#
# entries-in-buffer/entries-written: 14/15   #P:2
#
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`;

const BODY = `           fplab-119     [000] .....    12.190930: tracing_mark_write: fplab seed-kvm B kvm_run 2
           fplab-119     [000] .....    12.191081: kvm_arch_vcpu_load_fp <-kvm_arch_vcpu_load
           fplab-119     [000] d....    12.191093: fpsimd_save <-fpsimd_save_and_flush_cpu_state
           fplab-119     [000] d....    12.191139: kvm_entry: PC: 0x0000000080000020
           fplab-119     [000] .....    12.191285: kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0x0000000080000020
           fplab-119     [000] .....    12.191994: kvm_userspace_exit: reason KVM_EXIT_MMIO (6)
           fplab-119     [000] d.h..    12.196341: sched_wakeup: comm=fplab pid=119 prio=120 target_cpu=000
           fplab-119     [000] d....    12.196597: sched_switch: prev_comm=fplab prev_pid=119 prev_prio=120 prev_state=R ==> next_comm=fplab next_pid=122 next_prio=120
            init-1       [001] .....     3.434526: sys_enter: NR 220 (1200011, 0, 0, 0, 3b56a0d0, 3b56a740)
            init-1       [001] .....     3.436384: sched_process_fork: comm=init pid=1 child_comm=init child_pid=163
            init-1       [001] .....     3.436765: sys_exit: NR 220 = 163
CPU:1 [LOST 7 EVENTS]
           fplab-122     [001] d....    12.300000: signal_generate: sig=14 errno=0 code=128 comm=fplab pid=122 grp=1 res=0
           fplab-122     [001] .....    12.300100: signal_deliver: sig=14 errno=0 code=128 sa_handler=4005f0 sa_flags=0
           fplab-122     [001] .....    12.300200: tracing_mark_write: fplab signals S fp_check 3 ok
           fplab-122     [001] .....    12.300300: cpu_idle: state=1 cpu_id=1
`;

const parse = (body: string) => parseLabTrace(HEADER + body, 'x.trace');
const only = <K extends LabEvent['kind']>(evs: LabEvent[], kind: K) =>
  evs.filter((e): e is Extract<LabEvent, { kind: K }> => e.kind === kind);

describe('parseLabTrace', () => {
  const t = parse(BODY);

  it('reads the header: tracer and entries', () => {
    expect(t.tracer).toBe('function');
    expect([t.entriesInBuffer, t.entriesWritten]).toEqual([14, 15]);
  });

  it('reads every line in file order, with a nanosecond timestamp, CPU, task and flags', () => {
    expect(t.events).toHaveLength(15);
    const first = t.events[0]!;
    expect(first).toMatchObject({ line: 7, ts: 12_190_930_000, cpu: 0, pid: 119, comm: 'fplab', flags: '.....' });
    expect(t.events[2]).toMatchObject({ kind: 'call', fn: 'fpsimd_save', caller: 'fpsimd_save_and_flush_cpu_state', flags: 'd....' });
  });

  it('groups per CPU, ascending, with a view of the function calls', () => {
    expect(t.cpus.map((c) => c.cpu)).toEqual([0, 1]);
    expect(t.cpus[0]!.events).toHaveLength(8);
    expect(t.cpus[0]!.calls.map((c) => `${c.fn}<-${c.caller}`)).toEqual([
      'kvm_arch_vcpu_load_fp<-kvm_arch_vcpu_load',
      'fpsimd_save<-fpsimd_save_and_flush_cpu_state',
    ]);
    expect(t.cpus[1]!.events.every((e) => e.cpu === 1)).toBe(true);
  });

  it('types the scheduler, syscall, signal and KVM events', () => {
    expect(only(t.events, 'switch')[0]).toMatchObject({ prevPid: 119, prevComm: 'fplab', prevState: 'R', nextPid: 122, nextComm: 'fplab' });
    expect(only(t.events, 'wakeup')[0]).toMatchObject({ name: 'sched_wakeup', task: 119, targetCpu: 0 });
    expect(only(t.events, 'fork')[0]).toMatchObject({ pid: 1, child: 163, childComm: 'init' });
    expect(only(t.events, 'sys_enter')[0]).toMatchObject({ nr: 220, ret: null });
    expect(only(t.events, 'sys_exit')[0]).toMatchObject({ nr: 220, ret: 163 });
    expect(only(t.events, 'signal_generate')[0]).toMatchObject({ sig: 14, task: 122, taskComm: 'fplab', result: 0 });
    expect(only(t.events, 'signal_deliver')[0]).toMatchObject({ sig: 14, handler: '4005f0' });
    expect(only(t.events, 'kvm_entry')[0]).toMatchObject({ pc: '0x0000000080000020' });
    expect(only(t.events, 'kvm_exit')[0]).toMatchObject({ reason: 'TRAP', ec: 0x24, pc: '0x0000000080000020' });
    expect(only(t.events, 'kvm_userspace_exit')[0]).toMatchObject({ reason: 'KVM_EXIT_MMIO' });
    expect(only(t.events, 'other')[0]).toMatchObject({ name: 'cpu_idle', fields: 'state=1 cpu_id=1' });
  });

  it("reads the workloads' markers into workload, role, action, number and the rest", () => {
    const m = only(t.events, 'marker');
    expect(m[0]).toMatchObject({ workload: 'seed-kvm', role: 'B', action: 'kvm_run', n: 2, rest: [] });
    expect(m[1]).toMatchObject({ workload: 'signals', role: 'S', action: 'fp_check', n: 3, rest: ['ok'] });
    expect([...markerRoles(t).entries()].map(([r, s]) => [r, [...s]])).toEqual([
      ['B', [119]],
      ['S', [122]],
    ]);
    expect([...markerRoles(t, 'signals').keys()]).toEqual(['S']);
  });

  it("keeps a marker that is not the lab's as text only", () => {
    const m = only(parse('  sh-5 [000] .....  1.000000: tracing_mark_write: hello world\n').events, 'marker')[0]!;
    expect(m).toMatchObject({ text: 'hello world', workload: null, role: null, action: null, n: null });
  });

  it('records ring-buffer losses', () => {
    expect(t.lost).toEqual([{ cpu: 1, count: 7, line: 18 }]);
  });

  it('counts per kind, per function and per other event, in sorted key order', () => {
    const c = countEvents(t);
    expect(c).toMatchObject({ call: 2, 'call:fpsimd_save': 1, 'call:kvm_arch_vcpu_load_fp': 1, marker: 2, switch: 1, 'other:cpu_idle': 1 });
    expect(Object.keys(c)).toEqual([...Object.keys(c)].sort());
  });

  it('reads a caller printed with an offset (the sym-offset option)', () => {
    const e = parse('  a-1 [000] .....  1.5: fpsimd_thread_switch <-__switch_to+0x1c/0x160\n').events[0]!;
    expect(e).toMatchObject({ kind: 'call', fn: 'fpsimd_thread_switch', caller: '__switch_to+0x1c/0x160', ts: 1_500_000_000 });
  });
});

describe('bad input: one InputError naming the file and line', () => {
  const err = (body: string): string => {
    try {
      parse(body);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as InputError).format();
    }
    throw new Error('no error');
  };

  it('a line that is not ftrace output', () => {
    expect(err('  a-1 [000] .....  1.0: fpsimd_save <-x\nhello there\n')).toBe("x.trace:8: not an ftrace line: 'hello there'");
    expect(() => parse('hello there\n')).toThrow(expect.objectContaining({ code: 'FPC403' }));
  });

  it('an event whose fields do not parse names the event', () => {
    expect(err('  a-1 [000] .....  1.0: kvm_exit: garbage\n')).toBe("x.trace:7: kvm_exit: cannot parse the fields 'garbage'");
    expect(err('  a-1 [000] .....  1.0: sched_switch: prev_comm=a\n')).toMatch(/^x\.trace:7: sched_switch: cannot parse the fields/);
  });

  it('a header followed by neither an event nor a call', () => {
    expect(err('  a-1 [000] .....  1.0: what is this\n')).toBe("x.trace:7: neither an event nor a function call: 'what is this'");
  });

  it('a missing file, and a .gz that is not gzip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-lab-'));
    expect(() => readLabTrace(join(dir, 'none.trace'))).toThrow(/cannot read: ENOENT/);
    writeFileSync(join(dir, 'bad.trace.gz'), 'plain');
    expect(() => readLabTrace(join(dir, 'bad.trace.gz'))).toThrow(InputError);
  });
});

describe('readLabTrace', () => {
  it('reads .trace.gz like the text it compresses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-lab-'));
    writeFileSync(join(dir, 'a.trace'), HEADER + BODY);
    writeFileSync(join(dir, 'a.trace.gz'), gzipSync(HEADER + BODY));
    const a = readLabTrace(join(dir, 'a.trace'));
    const b = readLabTrace(join(dir, 'a.trace.gz'));
    expect(b.events).toEqual(a.events);
    expect(b.file).toMatch(/a\.trace\.gz$/);
  });
});
