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
 *  - `zombie-data`: the data words (tokens) of a zombie task (TaskState.ZOMBIE) and its version
 *    counter. A zombie never runs again, so nothing loads its memory copy, no fork copies it
 *    (fork copies current), and its ghosts (exp_*) are checked only when it runs. Saves through
 *    fpsimd_last_state may still write into it (v4.18+: "via last rather than via current"),
 *    which is a write. Its control words (TIF_SVE, sve_state, fpsimd_cpu, ...) stay: v4.15-rc1's
 *    sve_flush_cpu_state() reads TIF_SVE through the pointer, and release_task() frees buffers.
 *  - `host-save-area`: v4.15 KVM's per-CPU host FP save area (host_fpV) while the guest FP trap
 *    is armed. The area is read only when the guest exits with FP loaded (!guest_fp_trap,
 *    kvm.ts runLoopGuestExit) and written when the trap is taken (__fpsimd_guest_restore),
 *    which is the only v4.15 path that disarms the trap; later KVMs never touch the area.
 *
 * These are claims about the shared model and every built-in variant. A plug-in variant that
 * reads one of these words where the rule calls it dead would break exactness, so the
 * abstraction is applied to built-in variants only (src/cli/api.ts).
 */

import { ZERO } from '../arch/tokens.js';
import type { Layout } from './layout.js';
import { TaskState } from './records.js';

export const DEAD_RULES = [
  { name: 'free-slot', doc: 'every word of a freed task slot but its lifecycle (fork overwrites them all)' },
  { name: 'zombie-data', doc: "a zombie's memory copies, ghosts and version counter (it never runs or is copied again)" },
  { name: 'host-save-area', doc: "v4.15 KVM's host FP save area while the guest FP trap is armed (written before read)" },
] as const;

export type DeadRuleName = (typeof DEAD_RULES)[number]['name'];

export const DEAD_RULE_NAMES: readonly DeadRuleName[] = DEAD_RULES.map((r) => r.name);

/** Resets the dead words of a state in place (see the file comment). */
export class DeadData {
  private readonly slotBases: Int32Array;
  private readonly slotInit: Int32Array;
  /** Offsets, within a slot record, of the words the zombie rule resets, and their values. */
  private readonly zombieWords: Int32Array;
  private readonly zombieValues: Int32Array;
  private readonly hostSave: Int32Array;
  private readonly hostTrap: Int32Array;
  private readonly free: boolean;
  private readonly zombie: boolean;
  private readonly host: boolean;

  constructor(
    layout: Layout,
    readonly rules: readonly DeadRuleName[] = DEAD_RULE_NAMES,
  ) {
    const spec = layout.taskSpec;
    this.slotBases = Int32Array.from({ length: layout.cfg.slots }, (_, t) => layout.slotOffset(t));
    this.slotInit = Int32Array.from(spec, (f) => f.init ?? 0);
    const stateAt = spec.findIndex((f) => f.name === 'state');
    if (stateAt !== 0 || (spec[0]!.init ?? 0) !== TaskState.FREE) {
      throw new Error('FPC506 model bug: a task slot must start with its lifecycle word, initially FREE');
    }
    const zw: number[] = [];
    const zv: number[] = [];
    spec.forEach((f, i) => {
      if (f.kind === 'token') {
        zw.push(i);
        zv.push(ZERO);
      } else if (f.name === 'version') {
        zw.push(i);
        zv.push(0);
      }
    });
    this.zombieWords = Int32Array.from(zw);
    this.zombieValues = Int32Array.from(zv);
    const cpuField = (name: string): number => {
      const i = layout.cpuSpec.findIndex((f) => f.name === name);
      if (i < 0) throw new Error(`FPC506 model bug: no per-CPU field ${name}`);
      return i;
    };
    const save = cpuField('host_fpV');
    const trap = cpuField('guest_fp_trap');
    this.hostSave = Int32Array.from({ length: layout.cfg.cpus }, (_, c) => layout.cpuOffset(c) + save);
    this.hostTrap = Int32Array.from({ length: layout.cfg.cpus }, (_, c) => layout.cpuOffset(c) + trap);
    this.free = rules.includes('free-slot');
    this.zombie = rules.includes('zombie-data');
    this.host = rules.includes('host-save-area');
  }

  apply(s: Int32Array): void {
    const { slotBases, slotInit, zombieWords, zombieValues } = this;
    for (let t = 0; t < slotBases.length; t++) {
      const b = slotBases[t]!;
      const st = s[b]!;
      if (st === TaskState.FREE) {
        if (this.free) s.set(slotInit, b);
      } else if (st === TaskState.ZOMBIE && this.zombie) {
        for (let i = 0; i < zombieWords.length; i++) s[b + zombieWords[i]!] = zombieValues[i]!;
      }
    }
    if (this.host) {
      const { hostSave, hostTrap } = this;
      for (let c = 0; c < hostSave.length; c++) if (s[hostTrap[c]!] !== 0) s[hostSave[c]!] = ZERO;
    }
  }
}
