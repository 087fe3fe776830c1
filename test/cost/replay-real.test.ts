/**
 * Replay of the trace shapes real tools print (issue 16 part 3): one fixture per shape under
 * test/cost/fixtures/traces/, each written from the printing code it imitates (ftrace's
 * trace_output.c and trace_syscalls.c, trace-cmd's sched plugin). Every expected event list is
 * derived by hand from the fixture and the mapping rules in src/cost/replay/replay.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replayTrace } from '../../src/cost/api.js';
import { renderCostMarkdown, renderCostText, zeroReason } from '../../src/cost/report.js';
import { Ev, runnableState, TraceParser } from '../../src/cost/replay/parse.js';
import { parseUseFlag, scanTrace, TraceSource } from '../../src/cost/replay/replay.js';
import { META } from '../../src/cost/stream.js';
import { InputError } from '../../src/errors.js';
import { EVENT_NAMES } from '../../src/kernel/events.js';
import { styleFor } from '../../src/style.js';
import { VARIANTS } from '../../src/variants/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/traces/${name}`, import.meta.url));

function source(file: string, fpUse = 'always'): TraceSource {
  return new TraceSource(scanTrace(file), {
    fpUse: parseUseFlag('--fp-use', fpUse),
    sveUse: parseUseFlag('--sve-use', 'never'),
    seed: 1,
    sveVlBits: 512,
  });
}

/** The model events a trace maps to, as `event cpuN [slot]` strings. */
function mapped(file: string, fpUse = 'always'): { events: string[]; src: TraceSource } {
  const src = source(file, fpUse);
  const buf = new Int32Array(4096);
  const events: string[] = [];
  for (let n: number; (n = src.fill(buf)) > 0; ) {
    for (let i = 0; i < n; i++) {
      const a = buf[i]!;
      const e = a & 0xff;
      if (e === META) continue;
      const name = EVENT_NAMES[e]!;
      events.push(`${name} cpu${(a >>> 8) & 0xff}${name === 'switch' ? ` ${a >>> 16}` : ''}`);
    }
  }
  return { events, src };
}

function inputError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).format();
  }
  return 'no error';
}

describe('prev_state: runnable (preempted) or blocked', () => {
  it('letters as ftrace and trace-cmd print them, and the numbers older kernels and tools print', () => {
    for (const s of ['R', 'R+', '0', '256', '1024', '0x0']) expect(runnableState(s), s).toBe(true);
    for (const s of ['S', 'D', 'S|D', 'I', 'X', 'Z', '1', '2', '0x1', '1025', '128']) expect(runnableState(s), s).toBe(false);
  });
});

describe('scheduler-only traces: user slices inferred, and said so', () => {
  it('an Android atrace (TGID column, 4-character flags, names with spaces and colons)', () => {
    const { events, src } = mapped(fixture('atrace-sched-only.txt'));
    expect(src.boot.tasks.map((t) => t.name)).toEqual(['Binder:548_1-560', 'Jit thread pool-612', 'surfaceflinger-548']);
    expect(events).toEqual([
      'switch cpu0 0', // Binder switched in: it returns to user mode (inferred)
      'ret_to_user cpu0',
      'switch cpu1 1', // Jit thread pool likewise
      'ret_to_user cpu1',
      'fp_write cpu0', // Binder's slice ends; prev_state S: it blocked in a syscall
      'syscall cpu0',
      'switch cpu0 2',
      'ret_to_user cpu0',
      'fp_write cpu1', // Jit thread pool preempted (R+) in user mode
      'idle cpu1',
      'fp_write cpu0', // surfaceflinger preempted (R+)
      'switch cpu0 1', // Jit thread pool resumes on cpu0, back to user mode
      'ret_to_user cpu0',
      'switch cpu1 0', // Binder woken, resumes on cpu1: its syscall returns
      'ret_to_user cpu1',
    ]);
    expect(src.inferred).toEqual({ tasks: 3, userReturns: 5, preemptions: 2, blockingSyscalls: 1 });
    expect(src.userSlices).toBe(3);
    expect(src.fpSlices).toBe(3);
  });

  it('numeric prev_state: 0 and 1024 (a preempted mark above the state bits) are runnable, 1 is asleep', () => {
    const { events, src } = mapped(fixture('numeric-prev-state.txt'));
    expect(events).toEqual([
      'switch cpu0 0',
      'ret_to_user cpu0',
      'fp_write cpu0', // make: prev_state=1 (S)
      'syscall cpu0',
      'switch cpu0 1',
      'ret_to_user cpu0',
      'fp_write cpu0', // cc1: prev_state=0 (R)
      'switch cpu0 0',
      'ret_to_user cpu0',
      'fp_write cpu0', // make: prev_state=1024
      'idle cpu0',
    ]);
    expect(src.inferred).toEqual({ tasks: 2, userReturns: 3, preemptions: 2, blockingSyscalls: 1 });
  });

  it('costs something, prints what was inferred, and an all-zero table says why', () => {
    const variants = VARIANTS.filter((v) => v.name === 'v4.18' || v.name === 'mainline');
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    const doc = replayTrace(fixture('atrace-sched-only.txt'), variants, opts);
    // Binder's registers must reach memory before surfaceflinger's FP write on cpu0 replaces them.
    expect(doc.oracle.saves).toBeGreaterThan(0);
    for (const r of doc.rows) expect(r.saves, r.variant).toBeGreaterThan(0);
    expect(zeroReason(doc)).toBeNull();
    const text = renderCostText(doc, styleFor({ isTTY: false })).join('\n');
    expect(text).toContain('inferred from the scheduler: 5 returns to user mode, 2 preemptions in user mode, 1 blocking syscall');
    expect(text).toContain('3 user tasks without syscall events in the trace');

    // --fp-use never: nothing is written, so nothing needs saving; but each of the 5 returns to
    // user mode finds another context's registers (or none) on its CPU and must load.
    const never = replayTrace(fixture('atrace-sched-only.txt'), variants, { ...opts, fpUse: parseUseFlag('--fp-use', 'never') });
    expect([never.oracle.loads, never.oracle.saves]).toEqual([5, 0]);
    expect(zeroReason(never)).toBeNull();
  });

  it('a table of zeros comes with its reason', () => {
    const variants = VARIANTS.filter((v) => v.name === 'v4.18');
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    // bash is only ever woken (by a kernel thread, current on the CPU's first line): the trace
    // never shows it running, so no user slice is replayed. (A task switched out at the first
    // line did run before it: the start boundary returns it to user mode, and its switch-out
    // ends a user slice.)
    const file = join(mkdtempSync(join(tmpdir(), 'fpctx-zero-')), 'zero.txt');
    writeFileSync(file, '  kworker/0:1-33 [000] 1.0: sched_wakeup: comm=bash pid=5 prio=120 target_cpu=000\n');
    const doc = replayTrace(file, variants, opts);
    expect(doc.rows[0]!.bytes + doc.oracle.bytes).toBe(0);
    expect(zeroReason(doc)).toMatch(/^no register traffic: no user task ran in user mode in this trace/);
    expect(renderCostText(doc, styleFor({ isTTY: false })).join('\n')).toContain('no user task ran in user mode');
    expect(renderCostMarkdown(doc).join('\n')).toContain('no user task ran in user mode');
  });
});

describe('the syscall tracer and trace-cmd shapes', () => {
  it("ftrace's syscall tracer lines (sys_write(...), sys_write -> 0x10) and a hex preempt depth in the flags", () => {
    const { events, src } = mapped(fixture('syscall-tracer.txt'));
    expect(src.scan.traceEvents).toEqual({ sched_switch: 2, sys_enter: 2, sys_exit: 2 });
    expect(events).toEqual([
      // the start boundary (not counted): cat ran on trace CPU 1 (the model's cpu0) before the
      // first line, which is the return of a syscall it was in
      'switch cpu0 0',
      'ret_to_user cpu0',
      'syscall cpu0',
      'ret_to_user cpu0', // sys_read returns: cat goes to user mode
      'fp_write cpu0', // sys_write(...) ends the slice
      'syscall cpu0',
      'ret_to_user cpu0',
      'fp_write cpu0', // preempted (R+) in user mode
      'idle cpu0',
      'switch cpu0 0', // switched back in: returns to user mode (inferred)
      'ret_to_user cpu0',
      'fp_write cpu0', // sys_rt_sigreturn() outside a handler: an ordinary syscall
      'syscall cpu0',
    ]);
    expect(src.inferred).toEqual({ tasks: 0, userReturns: 1, preemptions: 0, blockingSyscalls: 0 });
    const p = new TraceParser('t');
    expect(p.parseText('  cat-410 [001] .....  77.0: sys_rt_sigreturn()', 1)).toMatchObject({ kind: Ev.SYS_ENTER, num: 139 });
    expect(p.parseText('  cat-410 [001] .....  77.0: sys_read -> 0xfffffffffffffff5', 1)).toMatchObject({ kind: Ev.SYS_EXIT });
  });

  it("trace-cmd 1.x's compact sched payloads and per-syscall events (sys_enter_write, sys_exit_write)", () => {
    const { events, src } = mapped(fixture('trace-cmd-compact.txt'));
    expect(src.scan.format).toBe('trace-cmd');
    expect(src.boot.tasks.map((t) => t.name)).toEqual(['bash-1204', 'sleep-1388']);
    expect(events).toEqual([
      'switch cpu1 0', // the start boundary: bash was inside a read when the trace began
      'ret_to_user cpu1',
      'syscall cpu1',
      'ret_to_user cpu1', // the read returns
      'fp_write cpu1',
      'syscall cpu1',
      'ret_to_user cpu1',
      'fp_write cpu1', // 1204:120:R: preempted in user mode
      'idle cpu1',
      'switch cpu0 1', // sleep: no syscall lines of its own, so it returns to user mode (inferred)
      'ret_to_user cpu0',
    ]);
    const p = new TraceParser('t');
    expect(p.parseText('  a-1 [000] 1.0: sched_wakeup: 0:?:? +   1388:120:? sleep Success', 1)).toMatchObject({
      kind: Ev.WAKEUP,
      pid2: 1388,
    });
    expect(p.line.str()).toBe('sleep');
    expect(p.parseText('  a-1 [000] 1.0: sched_switch: 1204:120:S|D ==> 77:120: Web Content', 1)).toMatchObject({ pid: 1204, pid2: 77 });
    expect([p.line.state(), p.line.str()]).toEqual(['S|D', 'Web Content']);
  });
});

describe('other architectures are refused, with the line that shows it', () => {
  it("x86's kvm_entry / kvm_exit, and an x86-only event", () => {
    expect(inputError(() => scanTrace(fixture('x86-kvm.txt')))).toMatch(
      /x86-kvm\.txt:3: kvm_entry: 'vcpu 0, rip 0xffffffff81a4b2f0' is x86's format .*: not an arm64 trace/,
    );
    expect(inputError(() => scanTrace(fixture('x86-fpu.txt')))).toMatch(
      /x86-fpu\.txt:3: x86_fpu_regs_activated: the event x86_fpu_regs_activated exists only on x86: not an arm64 trace/,
    );
    const p = new TraceParser('t');
    p.parseText('  q-9 [003] 1.0: kvm_exit: reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info 0 800000fd', 1);
    expect(p.line.foreign).toMatch(/x86's format/);
    p.parseText('  q-9 [003] 1.0: kvm_exit: TRAP: HSR_EC: 0x0007 (FP_ASIMD), PC: 0xffff800010123456', 1);
    expect(p.line.foreign).toBe('');
  });
});

describe('the command line: standard input, directories', () => {
  const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const run = (args: string[], input?: string) => spawnSync(process.execPath, [main, ...args], { input, encoding: 'utf8' });
  it('replay - reads the trace from standard input and calls it <stdin>', () => {
    const text = readFileSync(fixture('atrace-sched-only.txt'), 'utf8');
    const piped = run(['replay', '-', '--variant', 'v4.18', '--json'], text);
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    const fromFile = run(['replay', fixture('atrace-sched-only.txt'), '--variant', 'v4.18', '--json']);
    const strip = (s: string) => {
      const d = JSON.parse(s);
      delete d.timing;
      for (const r of d.rows) delete r.timing;
      d.source.file = '';
      return d;
    };
    expect(JSON.parse(piped.stdout).source.file).toBe('<stdin>');
    expect(strip(piped.stdout)).toEqual(strip(fromFile.stdout));
    const bad = run(['replay', '-', '--variant', 'v4.18'], 'cpus=1\nnot a trace line\n');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^fpctx: <stdin>:2: not an ftrace event line: 'not a trace line'$/);
  });
  it('replay x.trace.gz reads the gzip itself, the same as the text; a broken gzip is one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-gz-'));
    const text = readFileSync(fixture('atrace-sched-only.txt'));
    writeFileSync(join(dir, 'a.trace.gz'), gzipSync(text));
    const strip = (s: string) => {
      const d = JSON.parse(s);
      delete d.timing;
      for (const r of d.rows) delete r.timing;
      return d;
    };
    const gz = run(['replay', join(dir, 'a.trace.gz'), '--variant', 'v4.18', '--json']);
    expect(gz.stderr).toBe('');
    expect(gz.status).toBe(0);
    const plain = strip(run(['replay', fixture('atrace-sched-only.txt'), '--variant', 'v4.18', '--json']).stdout);
    const fromGz = strip(gz.stdout);
    expect(fromGz.source.file).toBe(join(dir, 'a.trace.gz'));
    fromGz.source.file = plain.source.file;
    expect(fromGz).toEqual(plain);
    // gzip's magic bytes, then garbage: named, not a stack trace
    writeFileSync(join(dir, 'bad.trace.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    const bad = run(['replay', join(dir, 'bad.trace.gz'), '--variant', 'v4.18']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^fpctx: .*bad\.trace\.gz: not a gzip file \(corrupt or truncated\)$/);
  });
  it('a directory is one clear error, exit 2', () => {
    const r = run(['replay', fileURLToPath(new URL('fixtures/traces', import.meta.url))]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/traces: cannot read: EISDIR$/);
  });
});

describe("the real-kernel lab's traces (function tracer lines beside the events)", () => {
  // lab/traces holds ftrace text recorded on Debian's 6.12 under QEMU: `func <-caller` lines of the
  // function tracer interleaved with the events. They are kernel calls, not events: replaying the
  // trace with them must map exactly the events of the same trace with them removed, except the
  // two calls that record an event (an EL0 SVE trap, a kernel-mode NEON section) and the reload
  // at a return to user space (the evidence of the preempted-on-the-way rules), kept in both.
  const lab = fileURLToPath(new URL('../../lab/traces/6.12/seed-kvm.trace.gz', import.meta.url));
  const eventCall = / (?:do_sve_acc <-el0_sve_acc|kernel_neon_begin <-\w+|fpsimd_restore_current_state <-do_notify_resume)\s*$/;
  it('replays the seed trace, reading function-tracer lines as nothing but SVE traps, NEON sections and reloads', () => {
    const text = gunzipSync(readFileSync(lab)).toString('utf8');
    const calls = text.split('\n').filter((l) => / <-\w/.test(l) && !eventCall.test(l));
    expect(calls.length).toBeGreaterThan(100);
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-lab-'));
    const whole = join(dir, 'whole.trace');
    const eventsOnly = join(dir, 'events.trace');
    writeFileSync(whole, text);
    writeFileSync(
      eventsOnly,
      text
        .split('\n')
        .filter((l) => !/ <-\w/.test(l) || eventCall.test(l))
        .join('\n'),
    );
    const a = mapped(whole);
    const b = mapped(eventsOnly);
    expect(a.events).toEqual(b.events);
    expect(a.events.filter((e) => e.startsWith('switch ')).length).toBeGreaterThan(0);
    const doc = replayTrace(
      whole,
      VARIANTS.filter((v) => v.name === 'v6.12'),
      {
        fpUse: parseUseFlag('--fp-use', 'always'),
        sveUse: parseUseFlag('--sve-use', 'never'),
        seed: 1,
        sveVlBits: 512,
      },
    );
    expect(doc.rows[0]!.loads).toBeGreaterThan(0);
  });

  it("predicts the kernel's loads and SVE traps on the seed trace within a few percent (v6.12.y)", () => {
    // zcat seed-kvm.trace.gz | grep -c 'task_fpsimd_load <-': 262 loads by 6.12.118; 6 EL0 SVE
    // traps (do_sve_acc <-el0_sve_acc). Task A (pid 173) is forked by the vcpu thread (pid 170):
    // the replay must fork it (its 88 reloads after each guest run are a third of the loads), and
    // the VMM reloads its own state at every return from KVM_RUN (the host state is saved and
    // flushed at vcpu_load: fbc7e61195e2, in v6.12.y).
    const text = gunzipSync(readFileSync(lab)).toString('utf8');
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-lab-'));
    const whole = join(dir, 'whole.trace');
    writeFileSync(whole, text);
    const doc = replayTrace(
      whole,
      VARIANTS.filter((v) => v.name === 'v6.12.y'),
      {
        fpUse: parseUseFlag('--fp-use', 'always'),
        sveUse: parseUseFlag('--sve-use', 'never'),
        seed: 1,
        sveVlBits: 512,
      },
    );
    const row = doc.rows[0]!;
    expect(Math.abs(row.loads - 262) / 262).toBeLessThanOrEqual(0.02);
    expect(row.traps.sveEl0).toBeGreaterThan(0);
    expect(row.traps.sveEl0).toBeLessThanOrEqual(6);
    expect(doc.source.kind === 'trace' && doc.source.unmapped['fork with no slot free']).toBeFalsy();
  });

  it('loads exactly what the kernel loaded on small full-profile traces: the task running at the first line is loaded before counting starts', () => {
    // The kernel's loads are its task_fpsimd_load calls in the trace (each loads a task's state
    // into the registers). Before the start boundary every one of these traces came out one load
    // high: the task on a CPU at the first line was loaded at its first return in the replay,
    // where the kernel had loaded it before the trace began.
    for (const [rel, variant] of [
      ['6.12/signals', 'v6.12.y'],
      ['6.12/fork-exec', 'v6.12.y'],
      ['6.1/signals', 'v6.1.y'],
      ['6.1/prctl-vl', 'v6.1.y'],
    ] as const) {
      const file = fileURLToPath(new URL(`../../lab/traces/${rel}.trace.gz`, import.meta.url));
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      const kernel = text.split('\n').filter((l) => / task_fpsimd_load <-/.test(l)).length;
      const whole = join(mkdtempSync(join(tmpdir(), 'fpctx-lab-')), 'whole.trace');
      writeFileSync(whole, text);
      const doc = replayTrace(
        whole,
        VARIANTS.filter((v) => v.name === variant),
        {
          fpUse: parseUseFlag('--fp-use', 'always'),
          sveUse: parseUseFlag('--sve-use', 'never'),
          seed: 1,
          sveVlBits: 512,
        },
      );
      expect([rel, doc.rows[0]!.loads]).toEqual([rel, kernel]);
    }
  });

  it('a task switched back in but preempted again before it reached user space does not return (6.12 kvm-sve-guest within 2 %)', () => {
    // zcat kvm-sve-guest.trace.gz | grep -c ' task_fpsimd_load <-': 138 loads by 6.12.118. Task A
    // is switched back in 4 times and preempted again before its reload (no
    // fpsimd_restore_current_state <-do_notify_resume in between): returning it to user there
    // cost the replay 7-8 loads (+5.1 %) before.
    const file = fileURLToPath(new URL('../../lab/traces/6.12/kvm-sve-guest.trace.gz', import.meta.url));
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const kernel = text.split('\n').filter((l) => / task_fpsimd_load <-/.test(l)).length;
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-lab-'));
    const whole = join(dir, 'whole.trace');
    writeFileSync(whole, text);
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    const scan = scanTrace(whole);
    expect(scan.noReturn.size).toBeGreaterThan(0);
    const doc = replayTrace(
      whole,
      VARIANTS.filter((v) => v.name === 'v6.12.y'),
      opts,
    );
    expect(Math.abs(doc.rows[0]!.loads - kernel) / kernel).toBeLessThanOrEqual(0.02);
    // Without the function-tracer lines the trace records no reloads: their absence says nothing.
    const bare = join(dir, 'bare.trace');
    writeFileSync(
      bare,
      text
        .split('\n')
        .filter((l) => !/ <-/.test(l))
        .join('\n'),
    );
    expect(scanTrace(bare).noReturn.size).toBe(0);
  });
  it("a tracer's regset write flushes the stopped tracee, and a task killed in the kernel exits without a return to user: the four ptrace traces load exactly what the kernel loaded", () => {
    // The kernel's loads: its task_fpsimd_load calls (grep). Without the tracee flush the replay
    // returned each tracee to user space with its old registers still bound (no reload): 6.12
    // ptrace 20 of 23, fp-ptrace 39 of 43, 6.1 ptrace 15 of 20. 6.1 sve-ptrace's SIGKILLed
    // tracee exits from the kernel (sched_process_exit after its switch-in, no sys_exit): a
    // syscall exit would first return it to user space and load its state (15 of 14).
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    for (const [rel, variant, writes] of [
      ['6.12/ptrace', 'v6.12.y', 5],
      ['6.12/kselftest-fp-ptrace', 'v6.12.y', 0],
      ['6.1/ptrace', 'v6.1.y', 5],
      ['6.1/kselftest-sve-ptrace', 'v6.1.y', 0],
    ] as const) {
      const file = fileURLToPath(new URL(`../../lab/traces/${rel}.trace.gz`, import.meta.url));
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      const kernel = text.split('\n').filter((l) => / task_fpsimd_load <-/.test(l)).length;
      const flushes = text.split('\n').filter((l) => / fpsimd_flush_task_state <-(?:fpr_set|sve_set)\s*$/.test(l)).length;
      if (writes > 0) expect([rel, flushes]).toEqual([rel, writes]);
      const whole = join(mkdtempSync(join(tmpdir(), 'fpctx-lab-')), 'whole.trace');
      writeFileSync(whole, text);
      const doc = replayTrace(
        whole,
        VARIANTS.filter((v) => v.name === variant),
        opts,
      );
      expect([rel, doc.rows[0]!.loads]).toEqual([rel, kernel]);
    }
  });
  it("takes the kernel's SVE traps exactly where the trace shows a signal delivered at a syscall's return or a task preempted before its reload (6.12)", () => {
    // The kernel's traps: its do_sve_acc <-el0_sve_acc lines (grep). 6.12 keeps SVE live across a
    // syscall until the state is saved inside one (fpsimd_syscall_enter/exit): a signal delivered
    // at a syscall's return writes an FPSIMD-only frame and drops SVE, so the task traps again.
    // Returning to user first (the old mapping) kept SVE on: signals and signals-sve 5 of 6. A
    // task preempted between its sys_exit and its reload returns when switched back in:
    // returning it at the sys_exit missed a trap on ptrace (8 of 9) and vec-syscfg (20 of 21).
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    for (const rel of ['6.12/signals', '6.12/signals-sve', '6.12/ptrace', '6.12/kselftest-vec-syscfg']) {
      const file = fileURLToPath(new URL(`../../lab/traces/${rel}.trace.gz`, import.meta.url));
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      const kernel = text.split('\n').filter((l) => / do_sve_acc <-el0_sve_acc\s*$/.test(l)).length;
      const whole = join(mkdtempSync(join(tmpdir(), 'fpctx-lab-')), 'whole.trace');
      writeFileSync(whole, text);
      const scan = scanTrace(whole);
      const doc = replayTrace(
        whole,
        VARIANTS.filter((v) => v.name === 'v6.12.y'),
        opts,
      );
      expect([rel, doc.rows[0]!.traps.sveEl0]).toEqual([rel, kernel]);
      expect(scan.signalAtReturn.size + scan.deferredReturn.size).toBeGreaterThan(0);
    }
  });
  it("a vcpu thread's exec flushes its state (flush_thread), so it traps on SVE again: the 6.12 KVM traces' SVE traps exact", () => {
    // The lab's VMM (the vcpu thread) execs /proc/self/exe before it creates its VM, after an SVE
    // trap (6.12 kvm-sve-guest lines 45-64: do_sve_acc, execve, do_sve_acc). The alphabet keeps
    // `exec` from vcpu threads; without the flush the replay kept its SVE on and missed the
    // second trap (4 of 6 on kvm-sve-guest and seed-kvm, 7 of 8 on seed-kvm-sve).
    const opts = { fpUse: parseUseFlag('--fp-use', 'always'), sveUse: parseUseFlag('--sve-use', 'never'), seed: 1, sveVlBits: 512 };
    for (const rel of ['6.12/kvm-sve-guest', '6.12/seed-kvm', '6.12/seed-kvm-sve']) {
      const file = fileURLToPath(new URL(`../../lab/traces/${rel}.trace.gz`, import.meta.url));
      const text = gunzipSync(readFileSync(file)).toString('utf8');
      const kernel = text.split('\n').filter((l) => / do_sve_acc <-el0_sve_acc\s*$/.test(l)).length;
      const whole = join(mkdtempSync(join(tmpdir(), 'fpctx-lab-')), 'whole.trace');
      writeFileSync(whole, text);
      const doc = replayTrace(
        whole,
        VARIANTS.filter((v) => v.name === 'v6.12.y'),
        opts,
      );
      expect([rel, doc.rows[0]!.traps.sveEl0]).toEqual([rel, kernel]);
    }
  });
});
