/**
 * Dead-data abstraction: words that no invariant and no future step can read are reset to a
 * fixed value after every step, so that states differing only in them are one state.
 *
 * A word is *dead* in a state when every path from that state either overwrites it before
 * reading it, or stops at a violation before its value is used. Resetting a dead word maps the
 * state to one with exactly the same futures (same enabled events, same violations, successors
 * again equal up to dead words): the relation "equal up to dead words" is a bisimulation, so the
 * reduced search finds the same violations at the same depths (shortest counterexamples stay
 * shortest) and the same verdicts. test/kernel/dead.test.ts checks that claim directly on every
 * built-in variant: for every reachable state s of small configurations and every event a,
 * actions(s) = actions(reset(s)), step(s, a) and step(reset(s), a) hit the same violation, and
 * reset(step(s, a)) = reset(step(reset(s), a)).
 *
 * The rules, and why each word is dead (the kernel functions cited are the model's, which cite
 * the kernel's):
 *
 *  - `free-slot`: a freed task slot (TaskState.FREE). The next use of the memory is a fork, and
 *    arch_dup_task_struct() (entry.ts) overwrites every word of the slot with the parent's
 *    before anything reads it. Any other access is through a stale fpsimd_last_state, and
 *    derefLastStateTask() (machine.ts) reports no-uaf before the value is used. So every word
 *    but the lifecycle itself is dead.
 *  - `zombie`: the data words (tokens) of a zombie task (TaskState.ZOMBIE), its version counter
 *    and the words only the task itself or its scheduling reads (where it runs, its kernel path,
 *    its vcpu, TIF_FOREIGN_FPSTATE, fpsimd_cpu, its signal frame). A zombie never runs again:
 *    nothing loads its memory copy, no fork copies it (fork copies current), its ghosts (exp_*)
 *    are checked only when it runs, and no switch picks it. Saves through fpsimd_last_state may
 *    still write into it (v4.18+: "via last rather than via current"), which is a write; so may
 *    fpsimd_flush_task_state(). What others read stays: v4.15-rc1's sve_flush_cpu_state() reads
 *    TIF_SVE through the pointer, release_task() frees sve_state, v6.2+ saves read fp_type.
 *  - `dead-vcpu`: every word of a vcpu whose thread has exited (zombie or freed slot, or the slot
 *    reused by a fork, which never makes a vcpu thread) but whether it has SVE (configuration).
 *    Only the vcpu thread runs its guest or calls the KVM paths that read the vcpu; a save
 *    through a CPU's binding to the vcpu's storage only writes it.
 *  - `host-save-area`: v4.15 KVM's per-CPU host FP save area (host_fpV) while the guest FP trap
 *    is armed. The area is read only when the guest exits with FP loaded (!guest_fp_trap,
 *    kvm.ts runLoopGuestExit) and written when the trap is taken (__fpsimd_guest_restore),
 *    which is the only v4.15 path that disarms the trap; later KVMs never touch the area.
 *
 * These are claims about the shared model and every built-in variant. A plug-in variant that
 * reads one of these words where the rule calls it dead would break exactness, and so could a
 * derived variant (a release with a commit added or removed) that mixes function versions in a
 * way no built-in does; the abstraction is applied to built-in variants only (src/app/check.ts).
 */

import { ZERO } from '../arch/tokens.js';
import type { Layout } from './layout.js';
import { NONE, TaskState } from './records.js';

export const DEAD_RULES = [
  { name: 'free-slot', doc: 'every word of a freed task slot but its lifecycle (fork overwrites them all)' },
  { name: 'zombie', doc: "a zombie's memory copies, ghosts and the words only it reads (it never runs or is copied again)" },
  { name: 'dead-vcpu', doc: 'a vcpu whose thread has exited (only its thread reads it)' },
  { name: 'host-save-area', doc: "v4.15 KVM's host FP save area while the guest FP trap is armed (written before read)" },
] as const;

export type DeadRuleName = (typeof DEAD_RULES)[number]['name'];

export const DEAD_RULE_NAMES: readonly DeadRuleName[] = DEAD_RULES.map((r) => r.name);

/** Task words the zombie rule resets besides the tokens: the ones only the task or its switch-in reads. */
const ZOMBIE_WORDS = [
  'version',
  'pos',
  'in_syscall',
  'vcpu',
  'TIF_FOREIGN_FPSTATE',
  'fpsimd_cpu',
  'kpath',
  'kstep',
  'kpath_arg',
  'sig_frame',
  'sig_sve',
  'sig_vq',
] as const;

/** vcpu words the dead-vcpu rule keeps (configuration). */
const VCPU_KEPT = ['has_sve'] as const;

/** (offsets within a record, values) of the words a rule resets. */
function resetOf(spec: Layout['taskSpec'], pick: (name: string, kind: string) => boolean): [Int32Array, Int32Array] {
  const at: number[] = [];
  const to: number[] = [];
  spec.forEach((f, i) => {
    if (!pick(f.name, f.kind)) return;
    at.push(i);
    to.push(f.kind === 'token' ? ZERO : (f.init ?? 0));
  });
  return [Int32Array.from(at), Int32Array.from(to)];
}

function fieldAt(spec: Layout['taskSpec'], name: string, what: string): number {
  const i = spec.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`FPC506 model bug: no ${what} field ${name}`);
  return i;
}

/** Resets the dead words of a state in place (see the file comment). */
export class DeadData {
  private readonly slotBases: Int32Array;
  private readonly slotInit: Int32Array;
  private readonly zombieAt: Int32Array;
  private readonly zombieTo: Int32Array;
  private readonly vcpuBases: Int32Array;
  private readonly vcpuAt: Int32Array;
  private readonly vcpuTo: Int32Array;
  private readonly vcpuThread: number;
  private readonly slotVcpu: number;
  private readonly hostSave: Int32Array;
  private readonly hostTrap: Int32Array;
  private readonly free: boolean;
  private readonly zombie: boolean;
  private readonly deadVcpu: boolean;
  private readonly host: boolean;

  constructor(
    layout: Layout,
    readonly rules: readonly DeadRuleName[] = DEAD_RULE_NAMES,
  ) {
    const spec = layout.taskSpec;
    this.slotBases = Int32Array.from({ length: layout.cfg.slots }, (_, t) => layout.slotOffset(t));
    this.slotInit = Int32Array.from(spec, (f) => f.init ?? 0);
    if (fieldAt(spec, 'state', 'task') !== 0 || (spec[0]!.init ?? 0) !== TaskState.FREE) {
      throw new Error('FPC506 model bug: a task slot must start with its lifecycle word, initially FREE');
    }
    const zombieWords: readonly string[] = ZOMBIE_WORDS;
    for (const w of zombieWords) fieldAt(spec, w, 'task');
    [this.zombieAt, this.zombieTo] = resetOf(spec, (name, kind) => kind === 'token' || zombieWords.includes(name));
    this.slotVcpu = fieldAt(spec, 'vcpu', 'task');
    const vspec = layout.vcpuSpec;
    const kept: readonly string[] = VCPU_KEPT;
    this.vcpuBases = Int32Array.from({ length: layout.cfg.vcpus }, (_, v) => layout.vcpuOffset(v));
    [this.vcpuAt, this.vcpuTo] = resetOf(vspec, (name) => !kept.includes(name));
    this.vcpuThread = fieldAt(vspec, 'thread', 'vcpu');
    const save = fieldAt(layout.cpuSpec, 'host_fpV', 'per-CPU');
    const trap = fieldAt(layout.cpuSpec, 'guest_fp_trap', 'per-CPU');
    this.hostSave = Int32Array.from({ length: layout.cfg.cpus }, (_, c) => layout.cpuOffset(c) + save);
    this.hostTrap = Int32Array.from({ length: layout.cfg.cpus }, (_, c) => layout.cpuOffset(c) + trap);
    this.free = rules.includes('free-slot');
    this.zombie = rules.includes('zombie');
    this.deadVcpu = rules.includes('dead-vcpu');
    this.host = rules.includes('host-save-area');
  }

  apply(s: Int32Array): void {
    const { slotBases } = this;
    // vcpus first: whether a vcpu's thread is alive reads the slot's vcpu word, which the zombie
    // rule resets.
    if (this.deadVcpu) {
      const { vcpuBases, vcpuAt, vcpuTo, vcpuThread, slotVcpu } = this;
      for (let v = 0; v < vcpuBases.length; v++) {
        const b = vcpuBases[v]!;
        const th = s[b + vcpuThread]!;
        if (th !== NONE) {
          const sb = slotBases[th]!;
          const st = s[sb]!;
          if (st !== TaskState.FREE && st !== TaskState.ZOMBIE && s[sb + slotVcpu] === v) continue;
        }
        for (let i = 0; i < vcpuAt.length; i++) s[b + vcpuAt[i]!] = vcpuTo[i]!;
      }
    }
    for (let t = 0; t < slotBases.length; t++) {
      const b = slotBases[t]!;
      const st = s[b]!;
      if (st === TaskState.FREE) {
        if (this.free) s.set(this.slotInit, b);
      } else if (st === TaskState.ZOMBIE && this.zombie) {
        const { zombieAt, zombieTo } = this;
        for (let i = 0; i < zombieAt.length; i++) s[b + zombieAt[i]!] = zombieTo[i]!;
      }
    }
    if (this.host) {
      const { hostSave, hostTrap } = this;
      for (let c = 0; c < hostSave.length; c++) if (s[hostTrap[c]!] !== 0) s[hostSave[c]!] = ZERO;
    }
  }
}
