/**
 * Mutation tests for the event alphabet: drop one protection the kernel has (a flush, a save,
 * a flag, a step order) and a small bounded check must find a violation, while v4.15 itself is
 * clean at the same bound. This is what makes "clean" mean something: each check point and
 * each preemption point can see the bug its protection prevents.
 */
import { describe, expect, it } from 'vitest';
import { checkVariant, type CheckBounds } from '../../src/app/check.js';
import type { KernelClass } from '../../src/kernel/kernel.js';
import { KPath, TaskState, type TaskView } from '../../src/kernel/records.js';
import { variantOfExpression } from '../../src/variants/expression.js';

// v4.15 with e35ac9d0b56e: without it a tracer's second SVE write at a smaller VL overflows
// the tracee's buffer within PTRACE's bound (test/kernel/audit.test.ts), whatever is mutated
const V415Kernel = variantOfExpression('v4.15+e35ac9d0b56e')!.Kernel;

const check = (name: string, K: KernelClass, bounds: CheckBounds) =>
  checkVariant({ name, kernel: 'mutation', summary: name, status: 'mutation', commits: [], Kernel: K }, bounds);

const SIGNAL: CheckBounds = { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 13, events: ['core', 'neon', 'signal'] };
const PTRACE: CheckBounds = { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'ptrace'] };
const HOTPLUG: CheckBounds = { cpus: 2, tasks: 1, vcpus: 0, spare: 0, depth: 12, events: ['core', 'hotplug'] };
const PM: CheckBounds = { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'pm'] };
const EXEC: CheckBounds = { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'exec'] };
const VL: CheckBounds = { cpus: 1, tasks: 2, vcpus: 0, spare: 0, depth: 12, events: ['core', 'vl'] };
const SIGRETURN_RACE: CheckBounds = { cpus: 1, tasks: 1, vcpus: 0, spare: 0, depth: 15, events: ['core', 'signal'] };

const mutations: [string, CheckBounds, KernelClass, string][] = [
  [
    "ptrace writes that do not flush the tracee's binding",
    PTRACE,
    class extends V415Kernel {
      override fpsimd_flush_task_state(t: TaskView): void {
        if (t.state !== TaskState.STOPPED) super.fpsimd_flush_task_state(t);
      }
    },
    'lost',
  ],
  [
    'signal delivery that does not preserve the live state before writing the frame',
    SIGNAL,
    class extends V415Kernel {
      override fpsimd_signal_preserve_current_state(): void {}
    },
    'lost',
  ],
  [
    'sigreturn that updates memory but does not load it (fpsimd_update_current_state without task_fpsimd_load)',
    SIGNAL,
    class extends V415Kernel {
      override fpsimd_update_current_state(v: number): void {
        const t = this.currentTask;
        t.uw_V = v;
        if (t.TIF_SVE) this.fpsimd_to_sve(t);
      }
    },
    'lost',
  ],
  [
    'sigreturn that sets TIF_FOREIGN_FPSTATE without flushing the task side first (a preemption re-clears it)',
    SIGRETURN_RACE,
    class extends V415Kernel {
      override rt_sigreturn(): void {
        const t = this.currentTask;
        if (t.sig_sve && t.sig_vq === t.sve_vq) {
          t.TIF_FOREIGN_FPSTATE = true;
          this.enterKPath(t, KPath.SIGRETURN, 1);
        } else super.rt_sigreturn();
      }
    },
    'corrupt',
  ],
  [
    'CPU hotplug without fpsimd_cpu_dead',
    HOTPLUG,
    class extends V415Kernel {
      override fpsimd_cpu_dead(): void {}
    },
    'lost',
  ],
  [
    'CPU_PM_ENTER that flushes without saving',
    PM,
    class extends V415Kernel {
      override fpsimd_cpu_pm_notifier(cmd: 'enter' | 'exit'): void {
        if (cmd === 'enter') this.fpsimd_flush_cpu_state();
        else super.fpsimd_cpu_pm_notifier(cmd);
      }
    },
    'lost',
  ],
  [
    'CPU_PM_ENTER that saves but keeps the binding (the registers are lost)',
    PM,
    class extends V415Kernel {
      override fpsimd_cpu_pm_notifier(cmd: 'enter' | 'exit'): void {
        const t = this.current;
        if (cmd === 'enter' && t && t.mm) this.task_fpsimd_save();
      }
    },
    'lost',
  ],
  [
    'exec that keeps the old binding',
    EXEC,
    class extends V415Kernel {
      override fpsimd_flush_thread(): void {
        const t = this.currentTask;
        const cpu = t.fpsimd_cpu;
        super.fpsimd_flush_thread();
        t.fpsimd_cpu = cpu;
        t.TIF_FOREIGN_FPSTATE = false;
      }
    },
    'lost',
  ],
  [
    'a VL change that discards the live state instead of saving it',
    VL,
    class extends V415Kernel {
      override sve_set_vector_length(t: TaskView, vq: number, inherit: boolean, onexec: boolean): boolean {
        t.sve_vl_onexec = inherit || onexec ? vq : 0;
        if (onexec || vq === t.sve_vq) {
          t.TIF_SVE_VL_INHERIT = inherit;
          return false;
        }
        if (t === this.current) t.TIF_FOREIGN_FPSTATE = true; // no task_fpsimd_save() first
        this.fpsimd_flush_task_state(t);
        if (t.TIF_SVE) {
          t.TIF_SVE = false;
          this.sve_to_fpsimd(t);
        }
        return true;
      }
    },
    'lost',
  ],
];

describe("v4.15 (+e35ac9d0b56e) is clean at each mutation's bound", () => {
  for (const b of [SIGNAL, PTRACE, HOTPLUG, PM, EXEC, VL, SIGRETURN_RACE]) {
    it(`events ${b.events!.join('+')}, ${b.cpus} CPU(s), ${b.tasks} task(s), depth ${b.depth}`, () => {
      expect(check('v4.15', V415Kernel, b).verdict).toBe('ok');
    });
  }
});

describe('each dropped protection is found', () => {
  for (const [what, bounds, K, kind] of mutations) {
    it(what, () => {
      const r = check(what, K, bounds);
      expect(r.violation).toMatchObject({ invariant: 'integrity', kind });
    });
  }

  it('the sigreturn race needs the preemption point inside rt_sigreturn: the trace preempts there', () => {
    const [, bounds, K] = mutations.find(([w]) => w.startsWith('sigreturn that sets'))!;
    const r = check('race', K, bounds);
    const events = r.violation!.trace.map((s) => s.event);
    const at = events.indexOf('sigreturn');
    // between the first step of sigreturn and its completion the task was switched away
    expect(events.slice(at + 1, events.lastIndexOf('continue'))).toContain('idle');
  });
});
