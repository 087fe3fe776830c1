/**
 * A synthetic ftrace text trace of a given size, for the replay benchmark: a KVM host with
 * `cpus` CPUs, user tasks making syscalls, vcpu threads entering and leaving their guests,
 * kernel threads, forks and exits, and unrelated events (IRQs) the replay only counts. The
 * lines follow /sys/kernel/tracing/trace's format exactly; the schedule is consistent (a task
 * runs on one CPU at a time, pids are freed before reuse). Written in 1 MiB blocks.
 */

import { closeSync, openSync, writeSync } from 'node:fs';
import { Rng } from '../src/cost/rng.js';

interface Task {
  pid: number;
  comm: string;
  vcpu: boolean;
  kthread: boolean;
  /** CPU it runs on, -1 when not running. */
  on: number;
  inSyscall: boolean;
  inGuest: boolean;
}

export function writeSyntheticTrace(path: string, bytes: number, cpus = 8, seed = 1): { lines: number; bytes: number } {
  const rng = new Rng(seed);
  const tasks: Task[] = [];
  let nextPid = 1000;
  const mk = (comm: string, vcpu = false, kthread = false): Task => {
    const t = { pid: nextPid++, comm, vcpu, kthread, on: -1, inSyscall: false, inGuest: false };
    tasks.push(t);
    return t;
  };
  for (let i = 0; i < 24; i++) mk(['postgres', 'nginx', 'java', 'python3', 'sshd', 'containerd'][i % 6]!);
  for (let i = 0; i < 4; i++) mk(`CPU ${i}/KVM`, true);
  for (let i = 0; i < cpus; i++) mk(`kworker/${i}:1`, false, true);
  const current: (Task | null)[] = Array.from({ length: cpus }, () => null);
  const fd = openSync(path, 'w');
  let buf = '';
  let written = 0;
  let lines = 0;
  let ts = 1000;
  const flush = () => {
    written += writeSync(fd, buf);
    buf = '';
  };
  const head = (t: Task | null, c: number) =>
    `${(t ? `${t.comm}-${t.pid}` : '<idle>-0').padStart(16)} [${String(c).padStart(3, '0')}] d..2. ${((ts += 0.000013)).toFixed(6)}: `;
  const emit = (t: Task | null, c: number, rest: string) => {
    buf += `${head(t, c)}${rest}\n`;
    lines++;
    if (buf.length > 1 << 20) flush();
  };
  const commOf = (t: Task | null, c: number) => (t ? t.comm : `swapper/${c}`);
  buf += '# tracer: nop\n#\n';
  while (written + buf.length < bytes) {
    const c = rng.int(cpus);
    const t = current[c]!;
    const r = rng.float();
    if (r < 0.15 || !t) {
      // schedule another task (or idle) here
      const idle = tasks.filter((x) => x.on < 0);
      const next = rng.chance(0.1) || idle.length === 0 ? null : idle[rng.int(idle.length)]!;
      if (t?.inGuest) {
        emit(t, c, `kvm_exit: TRAP: HSR_EC: 0x0001 (WFx), PC: 0xffff80000812${rng.int(65536).toString(16).padStart(4, '0')}`);
        t.inGuest = false;
      }
      emit(
        t,
        c,
        `sched_switch: prev_comm=${commOf(t, c)} prev_pid=${t ? t.pid : 0} prev_prio=120 prev_state=${rng.chance(0.5) ? 'S' : 'R+'} ==> next_comm=${commOf(next, c)} next_pid=${next ? next.pid : 0} next_prio=120`,
      );
      if (t) t.on = -1;
      if (next) next.on = c;
      current[c] = next;
    } else if (t.kthread) {
      emit(t, c, `workqueue_execute_start: work struct 0xffff0000c0de${rng.int(4096).toString(16)}: function vmstat_update`);
    } else if (t.vcpu) {
      if (!t.inGuest) {
        emit(t, c, `kvm_entry: PC: 0xffff80000812${rng.int(65536).toString(16).padStart(4, '0')}`);
        t.inGuest = true;
      } else {
        const fp = rng.chance(0.3);
        emit(
          t,
          c,
          `kvm_exit: TRAP: HSR_EC: ${fp ? '0x0007 (FP_ASIMD)' : '0x0024 (DABT_LOW)'}, PC: 0xffff80000812${rng.int(65536).toString(16).padStart(4, '0')}`,
        );
        t.inGuest = false;
      }
    } else if (r < 0.2) {
      emit(t, c, 'irq_handler_entry: irq=11 name=arch_timer');
    } else if (r < 0.201 && tasks.length < 60) {
      // fork a short-lived child
      if (!t.inSyscall) emit(t, c, 'sys_enter: NR 220 (1200011, 0, 0, 0, 0, 0)');
      const child = mk(t.comm);
      emit(t, c, `sched_process_fork: comm=${t.comm} pid=${t.pid} child_comm=${t.comm} child_pid=${child.pid}`);
      emit(t, c, `sys_exit: NR 220 = ${child.pid}`);
      t.inSyscall = false;
    } else if (r < 0.202 && tasks.length > 40) {
      // exit (forked tasks only), then its free
      const k = tasks.indexOf(t);
      if (k >= 24 + 4 + cpus) {
        emit(t, c, 'sys_enter: NR 94 (0, 0, 0, 0, 0, 0)');
        emit(t, c, `sched_process_exit: comm=${t.comm} pid=${t.pid} prio=120 group_dead=true`);
        emit(
          t,
          c,
          `sched_switch: prev_comm=${t.comm} prev_pid=${t.pid} prev_prio=120 prev_state=X ==> next_comm=swapper/${c} next_pid=0 next_prio=120`,
        );
        emit(null, c, `sched_process_free: comm=${t.comm} pid=${t.pid} prio=120`);
        tasks.splice(k, 1);
        current[c] = null;
      }
    } else if (!t.inSyscall) {
      emit(t, c, `sys_enter: NR ${[63, 64, 73, 98, 101][rng.int(5)]} (3, ffff9c001000, 4096, 0, 0, 0)`);
      t.inSyscall = true;
    } else {
      emit(t, c, `sys_exit: NR 63 = ${rng.int(4096)}`);
      t.inSyscall = false;
    }
  }
  flush();
  closeSync(fd);
  return { lines, bytes: written };
}
