/**
 * The per-CPU binding as the report draws it: whose data the registers hold, whom the kernel's
 * bookkeeping says they hold, and whether the two agree. Computed from a MachineSnapshot only.
 *
 * The kernel may skip a reload of context X on CPU c exactly when both sides of the binding
 * name each other: `fpsimd_last_state.st` of c names X's storage and X's `fpsimd_cpu` is c
 * (DESIGN.md §0). When they do, the kernel *believes* the registers hold X's latest state; the
 * ghost fields (`expected`) say whether that belief is true. A belief that is false is the
 * precondition of every integrity failure, so it is what the report paints in warning colours.
 */

import type { CpuSnapshot, MachineSnapshot, TaskSnapshot, VcpuSnapshot } from './types.js';

export type BindingStatus =
  /** fpsimd_last_state.st is NULL: the kernel believes nothing; every context reloads. */
  | 'none'
  /** Both sides agree and the registers do hold the bound context's latest state. */
  | 'bound'
  /** Only the CPU side names the context (its fpsimd_cpu points elsewhere, or it is marked foreign): it will reload. */
  | 'half'
  /** Both sides agree but the registers hold something else: a skipped reload would be wrong. */
  | 'mismatch'
  /** The CPU side names storage that was freed: it may be compared, never followed. */
  | 'dangling';

export interface CpuBinding {
  /** Who wrote the data in the V registers: a task name, `G0` (a guest), `K` (kernel NEON), `†A` (a dead task), or null for 0/?. */
  owner: string | null;
  /** The context named by fpsimd_last_state.st, or null for NULL. */
  boundTo: string | null;
  status: BindingStatus;
  /** One sentence saying what the bar means at this point. */
  explain: string;
}

/** The writer part of a token (`A#3` → `A`, `†A#2` → `†A`), null for `0` and `?`. */
export function tokenWriter(token: string): string | null {
  const i = token.lastIndexOf('#');
  return i > 0 ? token.slice(0, i) : null;
}

/** The context a storage name refers to: `&A.fpsimd_state` → task A, `&vcpu0.fp_regs` → vcpu 0. */
export function storageTarget(st: string): { task: string } | { vcpu: number } | null {
  let m = /^&(.+)\.fpsimd_state$/.exec(st);
  if (m) return { task: m[1]! };
  m = /^&vcpu(\d+)\.fp_regs$/.exec(st);
  if (m) return { vcpu: Number(m[1]) };
  return null;
}

/** Display name of a vcpu's guest context (as tokens name it). */
export function guestName(v: number): string {
  return `G${v}`;
}

function liveTask(s: MachineSnapshot, name: string): TaskSnapshot | undefined {
  return s.tasks.find((t) => t.name === name && t.state !== 'free');
}

function regsText(c: CpuSnapshot): string {
  return c.regs.hi === '0' ? c.regs.V : `${c.regs.V} (SVE part ${c.regs.hi})`;
}

export function cpuBinding(s: MachineSnapshot, c: CpuSnapshot): CpuBinding {
  const owner = tokenWriter(c.regs.V);
  const holds = `cpu${c.id} holds ${regsText(c)}`;
  if (c.last.st === 'NULL') {
    return { owner, boundTo: null, status: 'none', explain: `${holds}; fpsimd_last_state is NULL, so every context reloads here` };
  }
  const target = storageTarget(c.last.st);
  const name = target === null ? c.last.st : 'task' in target ? target.task : guestName(target.vcpu);
  if (c.last.dangling) {
    return {
      owner,
      boundTo: name,
      status: 'dangling',
      explain: `${holds}; fpsimd_last_state names ${c.last.st}, which was freed: it may be compared, never followed`,
    };
  }
  if (target === null) return { owner, boundTo: name, status: 'half', explain: `${holds}; fpsimd_last_state names ${c.last.st}` };

  if ('vcpu' in target) {
    const v: VcpuSnapshot | undefined = s.vcpus.find((x) => x.id === target.vcpu);
    const ok = !!v && c.regs.V === v.expected.V;
    return {
      owner,
      boundTo: name,
      status: ok ? 'bound' : 'mismatch',
      explain: ok
        ? `${holds}: guest ${name}'s latest state, as fpsimd_last_state says`
        : `fpsimd_last_state names guest ${name}, but ${holds}, not ${v?.expected.V ?? '?'}`,
    };
  }

  const t = liveTask(s, target.task);
  if (!t) return { owner, boundTo: name, status: 'half', explain: `${holds}; fpsimd_last_state names ${c.last.st}` };
  if (t.fpsimd_cpu !== c.id) {
    const where = t.fpsimd_cpu === null ? 'NR_CPUS' : `cpu${t.fpsimd_cpu}`;
    return {
      owner,
      boundTo: name,
      status: 'half',
      explain: `${holds}; fpsimd_last_state names ${name} but ${name}.fpsimd_cpu is ${where}: ${name} reloads before it runs here`,
    };
  }
  if (t.on_cpu === c.id && t.flags.TIF_FOREIGN_FPSTATE) {
    return {
      owner,
      boundTo: name,
      status: 'half',
      explain: `${holds}; both sides name ${name}, but ${name} has TIF_FOREIGN_FPSTATE set: it reloads before user space`,
    };
  }
  const vOk = c.regs.V === t.expected.V;
  const hiOk = !t.flags.TIF_SVE || c.regs.hi === t.expected.hi;
  if (vOk && hiOk) {
    return { owner, boundTo: name, status: 'bound', explain: `${holds}: ${name}'s latest state, and both sides of the binding say so` };
  }
  const what = vOk ? `SVE part ${c.regs.hi}, not ${t.expected.hi}` : `${c.regs.V}, not ${name}'s ${t.expected.V}`;
  return {
    owner,
    boundTo: name,
    status: 'mismatch',
    explain: `the kernel believes cpu${c.id} holds ${name}'s latest state (both sides agree), but it holds ${what}`,
  };
}

/** Does the task side of `t`'s binding agree with the CPU it names? */
export function taskBindingAgrees(s: MachineSnapshot, t: TaskSnapshot): boolean {
  if (t.fpsimd_cpu === null) return false;
  const c = s.cpus.find((x) => x.id === t.fpsimd_cpu);
  if (!c || c.last.dangling) return false;
  const target = storageTarget(c.last.st);
  return !!target && 'task' in target && target.task === t.name;
}
