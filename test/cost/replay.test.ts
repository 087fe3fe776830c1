/**
 * Trace replay: the parser on every line shape trace-cmd report and /sys/kernel/tracing/trace
 * print for the supported events, errors on malformed input, and the mapping of a trace onto
 * model events.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ev, TraceParser } from '../../src/cost/replay/parse.js';
import { parseUseFlag, scanTrace, TraceSource } from '../../src/cost/replay/replay.js';
import { EVENT_NAMES } from '../../src/kernel/events.js';
import { META, META_COUNT_FROM } from '../../src/cost/stream.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fpctx-replay-'));
let files = 0;
function traceFile(text: string): string {
  const p = join(dir, `t${files++}.txt`);
  writeFileSync(p, text);
  return p;
}

describe('parser: every supported line shape', () => {
  const p = new TraceParser('t.txt');
  const parse = (s: string) => {
    const l = p.parseText(s, 1);
    return {
      kind: l.kind,
      name: l.name,
      comm: l.comm(),
      pid: l.pid,
      cpu: l.cpu,
      pid2: l.pid2,
      num: l.num,
      str: l.str(),
      state: l.state(),
      lost: l.lost,
    };
  };
  it('the header: comm with spaces and dashes, the TGID column, with and without flags, either tool', () => {
    expect(parse('            bash-1234    [001] d..2.  5678.901234: sys_exit: NR 63 = 3')).toMatchObject({
      kind: Ev.SYS_EXIT,
      comm: 'bash',
      pid: 1234,
      cpu: 1,
      num: 63,
    });
    expect(parse('       CPU 0/KVM-901     [000] d..1   2312.001010: kvm_entry: PC: 0xffff800008a1c2d4')).toMatchObject({
      kind: Ev.KVM_ENTRY,
      comm: 'CPU 0/KVM',
      pid: 901,
      cpu: 0,
    });
    expect(
      parse('  kworker/u8:2-events-88 (     88) [003] .....  100.5: sched_waking: comm=bash pid=1234 prio=120 target_cpu=001'),
    ).toMatchObject({ comm: 'kworker/u8:2-events', pid: 88, cpu: 3, pid2: 1234 });
    expect(parse('  gmain-77 (-------) [002] ....  100.5: sys_enter: NR 73 (5, 0, 0, 0, 0, 0)')).toMatchObject({
      comm: 'gmain',
      pid: 77,
      cpu: 2,
      num: 73,
    });
    expect(
      parse('            bash-1234  [001]  5678.901234: sys_enter:            NR 220 (1200011, 0, 0, ffff8fd1e0f0, 0, 0)'),
    ).toMatchObject({ kind: Ev.SYS_ENTER, num: 220 });
    expect(parse('            bash-1234  [001]  5678.901234: raw_syscalls:sys_exit: NR 63 = -4')).toMatchObject({
      kind: Ev.SYS_EXIT,
      name: 'sys_exit',
      num: 63,
    });
    expect(parse('          <idle>-0       [000] dNh2.  12: sched_wakeup: comm=a b pid=5 prio=120 target_cpu=000')).toMatchObject({
      comm: '<idle>',
      pid: 0,
      str: 'a b',
      pid2: 5,
    });
  });
  it('sched_switch, ftrace and trace-cmd', () => {
    expect(
      parse(
        '          <idle>-0  [000] d..2.  1.0: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=Web Content next_pid=4321 next_prio=120',
      ),
    ).toMatchObject({
      kind: Ev.SWITCH,
      pid: 0,
      state: 'R',
      pid2: 4321,
      str: 'Web Content',
    });
    expect(
      parse(
        '  bash-1  [000] d..2  1.0: sched_switch: prev_comm=bash prev_pid=1 prev_prio=120 prev_state=S|D ==> next_comm=x next_pid=2 next_prio=-1',
      ),
    ).toMatchObject({ state: 'S|D', pid2: 2 });
    expect(
      parse('     Web Content-4321  [002]  1.0: sched_switch:         Web Content:4321 [120] R+ ==> kworker/u8:2-events:88 [120]'),
    ).toMatchObject({
      kind: Ev.SWITCH,
      pid: 4321,
      state: 'R+',
      pid2: 88,
      str: 'kworker/u8:2-events',
    });
  });
  it('sched_wakeup and friends, ftrace (with and without success=) and trace-cmd (with and without success=)', () => {
    expect(parse('  a-1 [000] 1.0: sched_wakeup: comm=bash pid=1234 prio=120 target_cpu=001')).toMatchObject({
      kind: Ev.WAKEUP,
      pid2: 1234,
      str: 'bash',
    });
    expect(parse('  a-1 [000] 1.0: sched_wakeup: comm=bash pid=1234 prio=120 success=1 target_cpu=001')).toMatchObject({ pid2: 1234 });
    expect(parse('  a-1 [000] 1.0: sched_wakeup_new:     bash:1388 [120] CPU:000')).toMatchObject({ kind: Ev.WAKEUP, pid2: 1388 });
    expect(parse('  a-1 [000] 1.0: sched_wakeup:         gmain:77 [120] success=1 CPU:002')).toMatchObject({ pid2: 77, str: 'gmain' });
  });
  it('process lifetime events', () => {
    expect(parse('  bash-1234 [001] 1.0: sched_process_fork: comm=bash pid=1234 child_comm=bash child_pid=1300')).toMatchObject({
      kind: Ev.FORK,
      pid2: 1300,
      str: 'bash',
    });
    expect(parse('  ls-1300 [001] 1.0: sched_process_exec: filename=/bin/ls pid=1300 old_pid=1300')).toMatchObject({
      kind: Ev.EXEC,
      pid2: 1300,
      str: '/bin/ls',
    });
    expect(parse('  ls-1300 [001] 1.0: sched_process_exit: comm=ls pid=1300 prio=120')).toMatchObject({ kind: Ev.EXIT, pid2: 1300 });
    expect(parse('  ls-1300 [001] 1.0: sched_process_exit: comm=ls pid=1300 prio=120 group_dead=true')).toMatchObject({
      kind: Ev.EXIT,
      pid2: 1300,
    });
    expect(parse('  rcu-9 [001] 1.0: sched_process_free: comm=ls pid=1300 prio=120')).toMatchObject({ kind: Ev.FREE, pid2: 1300 });
    expect(parse('  a-1 [001] 1.0: sched_migrate_task: comm=gmain pid=77 prio=120 orig_cpu=0 dest_cpu=2')).toMatchObject({
      kind: Ev.MIGRATE,
      pid2: 77,
      num: 2,
    });
  });
  it('KVM: kvm_entry of any architecture; kvm_exit with the ESR exception class when arm64 prints one', () => {
    expect(parse('  q-9 [003] 1.0: kvm_exit: TRAP: HSR_EC: 0x0007 (FP_ASIMD), PC: 0xffff800010123456')).toMatchObject({
      kind: Ev.KVM_EXIT,
      num: 0x07,
    });
    expect(parse('  q-9 [003] 1.0: kvm_exit: TRAP: vcpu: 1 HSR_EC: 0x0019 (SVE), PC: 0xffff800010123456')).toMatchObject({ num: 0x19 });
    expect(parse('  q-9 [003] 1.0: kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0x0000000000401000')).toMatchObject({ num: 0 });
    expect(parse('  q-9 [003] 1.0: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0xffffffff81000000 info 0 0')).toMatchObject({ num: -1 });
    expect(parse('  q-9 [003] 1.0: kvm_entry: vcpu 0, rip 0xffffffff81000000')).toMatchObject({ kind: Ev.KVM_ENTRY });
  });
  it('signal_deliver', () => {
    expect(parse('  bash-1 [001] 1.0: signal_deliver: sig=17 errno=0 code=1 sa_handler=aaaab3c1f2e0 sa_flags=4000000')).toMatchObject({
      kind: Ev.SIGNAL,
      num: 17,
      str: 'aaaab3c1f2e0',
    });
  });
  it('other events are recognised by their header and named', () => {
    expect(parse('  ls-1 [000] 1.0: irq_handler_entry:    irq=11 name=arch_timer')).toMatchObject({
      kind: Ev.UNKNOWN,
      name: 'irq_handler_entry',
    });
    expect(parse('  ls-1 [000] 1.0: bputs: 0xffff: hello')).toMatchObject({ kind: Ev.UNKNOWN, name: 'bputs' });
  });
  it('non-event lines of both tools, and lost-event notes', () => {
    for (const l of ['# tracer: nop', '#', '', '   ', 'cpus=4', 'version = 6', 'CPU 2 is empty', '##### CPU 3 buffer started ####']) {
      expect(parse(l).kind, JSON.stringify(l)).toBe(Ev.OTHER);
    }
    expect(parse('CPU:1 [LOST 1234 EVENTS]')).toMatchObject({ kind: Ev.LOST, lost: 1234 });
  });
  it('malformed lines: file:line, and the event whose fields do not parse', () => {
    const bad: [string, RegExp][] = [
      ['garbage here', /^t\.txt:7: not an ftrace event line: 'garbage here'$/],
      ['  bash-1234 [001] 1.0 sched_switch: no colon after the time', /^t\.txt:7: not an ftrace event line/],
      [
        '  bash-1234 [001] 1.0: sched_switch: prev_comm=bash prev_pid=x',
        /^t\.txt:7: sched_switch: cannot parse the fields 'prev_comm=bash prev_pid=x'$/,
      ],
      ['  bash-1234 [001] 1.0: sched_switch: bash:1234 [120] S', /^t\.txt:7: sched_switch: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_wakeup: pid=1', /^t\.txt:7: sched_wakeup: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_process_fork: comm=bash pid=1234 child_comm=bash', /^t\.txt:7: sched_process_fork: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_process_exec: filename=/bin/ls', /^t\.txt:7: sched_process_exec: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_process_exit: comm=ls', /^t\.txt:7: sched_process_exit: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_process_free: pid=1', /^t\.txt:7: sched_process_free: cannot parse/],
      ['  bash-1234 [001] 1.0: sched_migrate_task: comm=a pid=1 prio=1 orig_cpu=0', /^t\.txt:7: sched_migrate_task: cannot parse/],
      ['  bash-1234 [001] 1.0: sys_enter: 63 (1, 2)', /^t\.txt:7: sys_enter: cannot parse/],
      ['  bash-1234 [001] 1.0: sys_exit: NR 63', /^t\.txt:7: sys_exit: cannot parse/],
      ['  bash-1234 [001] 1.0: signal_deliver: sig=17 errno=0 code=1', /^t\.txt:7: signal_deliver: cannot parse/],
    ];
    for (const [line, re] of bad) {
      let err: unknown;
      try {
        p.parseText(line, 7);
      } catch (e) {
        err = e;
      }
      expect(err, line).toBeInstanceOf(InputError);
      expect((err as InputError).format(), line).toMatch(re);
    }
  });
});

/** The model events a trace maps to, as `event cpuN [arg]` strings (meta actions as `label slot=name`). */
function mapped(text: string, fpUse = 'always'): { events: string[]; src: TraceSource } {
  const src = new TraceSource(scanTrace(traceFile(text)), {
    fpUse: parseUseFlag('--fp-use', fpUse),
    sveUse: parseUseFlag('--sve-use', 'never'),
    seed: 1,
    sveVlBits: 512,
  });
  const buf = new Int32Array(4096);
  const events: string[] = [];
  for (let n: number; (n = src.fill(buf)) > 0; ) {
    for (let i = 0; i < n; i++) {
      const a = buf[i]!;
      const e = a & 0xff;
      if (a === META_COUNT_FROM) events.push('count from here');
      else if (e === META) events.push(`label ${(a >>> 8) & 0xff}=${src.labels[a >>> 16]}`);
      else
        events.push(
          `${EVENT_NAMES[e]} cpu${(a >>> 8) & 0xff}${EVENT_NAMES[e] === 'switch' || EVENT_NAMES[e] === 'fork' || EVENT_NAMES[e] === 'free' ? ` ${a >>> 16}` : ''}`,
        );
    }
  }
  return { events, src };
}

describe('mapping a trace onto model events', () => {
  it('a shell forking a command: every line in order', () => {
    const { events, src } = mapped(
      [
        'cpus=2',
        '  bash-1204  [001]  1.000: sys_exit:             NR 63 = 3', // bash is current on cpu1, returns to user
        '  bash-1204  [001]  1.001: sys_enter:            NR 220 (1200011, 0, 0, 0, 0, 0)', // its slice ends: FP write, clone
        '  bash-1204  [001]  1.002: sched_process_fork:   comm=bash pid=1204 child_comm=bash child_pid=1388',
        '  bash-1204  [001]  1.003: sys_exit:             NR 220 = 1388',
        '  <idle>-0   [000]  1.004: sched_switch:         swapper/0:0 [120] R ==> bash:1388 [120]',
        '  bash-1388  [000]  1.005: sys_exit:             NR 220 = 0',
        '  bash-1204  [001]  1.006: sched_switch:         bash:1204 [120] R+ ==> swapper/1:0 [120]', // preempted in user mode
        '  bash-1388  [000]  1.007: sys_enter:            NR 94 (0, 0, 0, 0, 0, 0)',
        '  bash-1388  [000]  1.008: sched_process_exit:   comm=bash pid=1388 prio=120',
        '  bash-1388  [000]  1.009: sched_switch:         bash:1388 [120] X ==> swapper/0:0 [120]',
        '  rcuc/0-9   [000]  1.010: sched_process_free:   comm=bash pid=1388 prio=120',
      ].join('\n'),
    );
    expect(src.boot).toEqual({ cpus: 2, tasks: [{ name: 'bash-1204' }], spareSlots: 1, sveVlBits: 512 });
    expect(events).toEqual([
      // the start boundary: bash ran on cpu1 before the trace and is inside a syscall (its first
      // syscall line there is a sys_exit); cpu0 begins idle
      'switch cpu1 0',
      'ret_to_user cpu1',
      'syscall cpu1',
      'count from here',
      'ret_to_user cpu1',
      'fp_write cpu1',
      'syscall cpu1',
      'fork cpu1 1',
      'label 1=bash',
      'ret_to_user cpu1',
      'switch cpu0 1',
      'ret_to_user cpu0',
      'fp_write cpu1', // the end of bash's preempted user slice
      'idle cpu1',
      'fp_write cpu0',
      'syscall cpu0',
      'exit cpu0',
      'free cpu0 1',
    ]);
  });

  it('a vcpu thread: KVM_RUN, guest runs, an FP trap exit, back to the VMM', () => {
    const trace = [
      '  CPU 0/KVM-901 [000] d..1. 1.0: kvm_entry: PC: 0xffff800008a1c2d4',
      '  CPU 0/KVM-901 [000] d..1. 1.1: kvm_exit: TRAP: HSR_EC: 0x0007 (FP_ASIMD), PC: 0xffff800008a1c2d8',
      '  CPU 0/KVM-901 [000] d..1. 1.2: kvm_entry: PC: 0xffff800008a1c2dc',
      '  CPU 0/KVM-901 [000] d..1. 1.3: kvm_exit: TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0xffff800008a20010',
      '  CPU 0/KVM-901 [000] ..... 1.4: sys_exit: NR 29 = 0',
      '  CPU 0/KVM-901 [000] ..... 1.5: sys_enter: NR 29 (12, ae80, 0, 0, 0, 0)',
      '  CPU 0/KVM-901 [000] d..1. 1.6: kvm_entry: PC: 0xffff800008a20014',
    ].join('\n');
    // --fp-use never: the guest uses FP only in the run that trapped on it.
    const never = mapped(trace, 'never');
    expect(never.src.boot.tasks).toEqual([{ name: 'CPU 0/KVM-901', vcpu: true }]);
    const runLoopExit = EVENT_NAMES.includes('kvm_exit') ? ['kvm_exit cpu0'] : [];
    expect(never.events).toEqual([
      'count from here', // a vcpu thread boots in its run loop: no boundary of its own
      'switch cpu0 0',
      'vcpu_enter cpu0',
      'guest_fp cpu0',
      'vcpu_exit cpu0',
      'vcpu_enter cpu0',
      'vcpu_exit cpu0',
      ...runLoopExit,
      'ret_to_user cpu0',
      'syscall cpu0',
      'kvm_run cpu0',
      'vcpu_enter cpu0',
    ]);
    // --fp-use always: every guest run uses FP, and the VMM's user slice writes FP.
    const always = mapped(trace, 'always');
    expect(always.events.filter((e) => e === 'guest_fp cpu0')).toHaveLength(2);
    expect(always.events.filter((e) => e === 'fp_write cpu0')).toHaveLength(1);
  });

  it('kernel threads and the idle task own no FP state: the CPU is idle while they run', () => {
    const { events, src } = mapped(
      [
        '  <idle>-0       [000] d..2. 1.0: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=top next_pid=50 next_prio=120',
        '  top-50         [000] d..2. 1.1: sched_switch: prev_comm=top prev_pid=50 prev_prio=120 prev_state=S ==> next_comm=kworker/0:1 next_pid=33 next_prio=120',
        '  kworker/0:1-33 [000] d..2. 1.2: sched_switch: prev_comm=kworker/0:1 prev_pid=33 prev_prio=120 prev_state=I ==> next_comm=top next_pid=50 next_prio=120',
        '  top-50         [000] ..... 1.3: sys_exit: NR 101 = 0',
      ].join('\n'),
    );
    expect(src.boot.tasks).toEqual([{ name: 'top-50' }]);
    expect(src.scan.kernelThreads).toBe(1);
    // cpu0 begins idle: nothing before counting starts
    expect(events).toEqual(['count from here', 'switch cpu0 0', 'idle cpu0', 'switch cpu0 0', 'ret_to_user cpu0']);
  });

  it('--fp-use p=0.5 picks tasks deterministically by --seed', () => {
    const lines = ['cpus=1'];
    for (let pid = 100; pid < 140; pid++) {
      lines.push(`  t-${pid} [000] 1.0: sys_exit: NR 1 = 0`, `  t-${pid} [000] 1.0: sys_enter: NR 1 (0, 0, 0, 0, 0, 0)`);
    }
    const count = (fp: string) => mapped(lines.join('\n'), fp).events.filter((e) => e === 'fp_write cpu0').length;
    expect(count('always')).toBe(40);
    expect(count('never')).toBe(0);
    const half = count('p=0.5');
    expect(half).toBe(count('p=0.5'));
    expect(half).toBeGreaterThan(8);
    expect(half).toBeLessThan(32);
  });

  it('unknown events are counted, not fatal; lost events are reported', () => {
    const scan = scanTrace(
      traceFile(
        [
          '  a-1 [000] 1.0: irq_handler_entry: irq=1 name=x',
          '  a-1 [000] 1.0: irq_handler_entry: irq=1 name=x',
          'CPU:0 [LOST 5 EVENTS]',
          '  a-1 [000] 1.0: sys_exit: NR 1 = 0',
        ].join('\n'),
      ),
    );
    expect(scan.unknownEvents).toEqual({ irq_handler_entry: 2 });
    expect(scan.traceEvents).toEqual({ sys_exit: 1 });
    expect(scan.lostEvents).toBe(5);
  });

  it('bad traces are rejected with file:line before anything runs', () => {
    const formatted = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as InputError).format();
      }
      return 'no error';
    };
    const bad = traceFile('  a-1 [000] 1.0: sys_exit: NR 1 = 0\n\nthis is not a trace line\n');
    expect(formatted(() => scanTrace(bad))).toMatch(/t\d+\.txt:3: not an ftrace event line: 'this is not a trace line'$/);
    expect(formatted(() => scanTrace(traceFile('# only comments\n')))).toMatch(/t\d+\.txt: no supported trace events/);
    const kthreads =
      '  kworker/0:1-33 [000] 1.0: sched_switch: prev_comm=kworker/0:1 prev_pid=33 prev_prio=120 prev_state=I ==> next_comm=swapper/0 next_pid=0 next_prio=120';
    expect(() => scanTrace(traceFile(kthreads))).toThrow(/no user task: nothing owns FP state/);
    const cpus = Array.from({ length: 65 }, (_, c) => `  a-1 [${String(c).padStart(3, '0')}] 1.0: sys_exit: NR 1 = 0`).join('\n');
    expect(() => scanTrace(traceFile(cpus))).toThrow(/65 CPUs; the model holds at most 64/);
  });
});

describe('parser: the byte-level paths accept exactly what the regular expressions accept', () => {
  const SHAPES = [
    '            bash-1234    [001] d..2.  5678.901234: sched_switch: prev_comm=bash prev_pid=1234 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120',
    '     Web Content-4321  [002]  5678.901234: sched_switch:         Web Content:4321 [120] R+ ==> kworker/u8:2-events:88 [120]',
    '  kworker/u8:2-88    (     88) [003] .....  100.5: sched_wakeup: comm=bash pid=1234 prio=120 target_cpu=001',
    '            bash-1234  [001]  5678.901234: sched_wakeup:         gmain:77 [120] success=1 CPU:002',
    '       CPU 0/KVM-901     [000] d..1.  2312.001200: kvm_exit: TRAP: HSR_EC: 0x0016 (HVC64), PC: 0xffff800008a1c2d8',
    '       CPU 0/KVM-901     [000] d..1.  2312.001010: kvm_entry: PC: 0xffff800008a1c2d4',
    '            bash-1234  [001]  5678.901234: sys_enter: NR 63 (3, ffffc0de, 2000, 0, 0, 0)',
    '            bash-1234  [001]  5678.901234: raw_syscalls:sys_exit: NR 63 = -12',
    '            bash-1234  [001]  5678.901234: sched_process_fork: comm=bash pid=1234 child_comm=bash child_pid=1300',
    '            bash-1234  [001]  5678.901234: signal_deliver: sig=17 errno=0 code=1 sa_handler=aaaad0e0 sa_flags=14000000',
    '            bash-1234  [001]  5678.901234: irq_handler_entry: irq=11 name=arch_timer',
    'CPU:1 [LOST 1234 EVENTS]',
    '# tracer: nop',
    '             cat-410     [001] d..a1    77.000400: sys_write(fd: 1, buf: ffffc9d0e000, count: 10)',
    '             cat-410     [001] .....    77.000300: sys_write -> 0x10',
    '            bash-1204  [001]  3001.100010: sys_enter_rt_sigreturn:',
    '            bash-1204  [001]  3001.100030: sched_switch:         1204:120:R ==> 0:120: swapper/1',
    '          <idle>-0     [000]  3001.100040: sched_wakeup:         0:?:? +   1388:120:? sleep Success',
    ' qemu-system-x86-3412    [002] d..2.  5012.119100: kvm_exit: vcpu 0 reason EPT_VIOLATION rip 0xffffffff81a4b2f4 info1 0x0',
  ];
  function outcome(p: TraceParser, s: string): string {
    try {
      const l = p.parseText(s, 1);
      return JSON.stringify([
        l.kind,
        l.name,
        l.kind <= Ev.SIGNAL || l.kind === Ev.UNKNOWN ? [l.comm(), l.pid, l.cpu] : 0,
        l.pid2,
        l.num,
        l.lost,
        l.kind === Ev.SWITCH || l.kind === Ev.WAKEUP ? l.str() : '',
        l.kind === Ev.SWITCH ? l.state() : '',
        l.foreign,
      ]);
    } catch (e) {
      return `error ${(e as InputError).format()}`;
    }
  }
  it('on every shape, and on random edits of them', () => {
    const fast = new TraceParser('t');
    const slow = new TraceParser('t', false);
    for (const s of SHAPES) {
      expect(outcome(fast, s), s).toBe(outcome(slow, s));
      expect(outcome(fast, s)).not.toMatch(/^error/);
    }
    const edit = fc
      .tuple(
        fc.constantFrom(...SHAPES),
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.constantFrom(' ', '-', '[', ']', ':', '=', '0', '9', 'x', '(', ')', '.', '>', ''),
      )
      .map(([s, at, del, ins]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + ins + s.slice(i + del);
      });
    fc.assert(
      fc.property(edit, (s) => {
        expect(outcome(fast, s)).toBe(outcome(slow, s));
      }),
      { numRuns: 4000, seed: 42 },
    );
  });
});
