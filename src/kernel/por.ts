/**
 * Partial-order reduction for the kernel model (issue 15): ample sets built from the events'
 * footprints (families/declare.ts, `touches`).
 *
 * The processes are the CPUs. In a state s, CPU c's enabled actions form an ample set when:
 *  1. every event of the check's families declares a footprint (otherwise never: see Footprint);
 *  2. c runs a task T, and every enabled action of c touches only c, T and T's vcpu (not the
 *     global record): so c has no switch to a runnable task enabled (another CPU could take that
 *     task first), no fork (the free slot), no kernel-mode NEON (the kernel writer's global
 *     version counter), and its binding names nothing but T's storage;
 *  3. no other CPU's binding names T's storage or T's vcpu's (a save there would write into T),
 *     and the records of c, T and T's vcpu hold no data written by another live task (reaping
 *     that task later would re-attribute the data in place);
 *  4. every other enabled action's footprint is disjoint from c's and not global;
 *  5. c's actions are not all the enabled actions (else nothing is gained);
 *  6. nothing the other processes do can enable an action of c that is not enabled now: no
 *     other CPU runs a task (it could `idle` or `exit` and leave its task runnable, or `fork` a
 *     runnable child — c could then switch to it), no task is stopped for a tracer
 *     (`ptrace_cont` makes it runnable) and none is a zombie (`free` gives c's `fork` a slot).
 *
 * Why this is an ample set (C0 and C1 of Clarke, Grumberg and Peled, *Model Checking*, ch. 10):
 * it is not empty, and no action that depends on one of c's can run before c moves — neither
 * another process's (below) nor one of c's own that the others enable (6: C1 counts those too;
 * without 6, `idle` on another CPU followed by c's switch to the task it left runnable was such
 * a path, and the reduction then skipped that switch's interleavings before c's actions). Another CPU d touches only d, its own current task, what its binding names, and
 * tasks that are not running (the rule in declare.ts); while c does not move, T stays running on
 * c, so d can neither schedule, fork into nor reap T; d's binding can come to name only storage
 * of a task d runs, never T's; and the records of c, T and T's vcpu are written by c's actions
 * alone, so they cannot come to hold another task's data. Actions of different CPUs with
 * disjoint footprints commute and neither enables nor disables the other, and a violation is
 * judged from what the violating action reads, inside its footprint, so a violating action of
 * another CPU that is postponed stays enabled and still violates after c's actions
 * (`test/kernel/por.test.ts` checks the commutation, the footprints and the verdicts against the
 * unreduced search). C2 (invisibility) is not needed: the property is a violating action, not a
 * proposition over states. The cycle proviso C3 is the explorer's (src/check/explore.ts).
 */

import { writerOf } from '../arch/tokens.js';
import { EVENTS, FAMILIES, decodeAction } from './events.js';
import { EVENT_FAMILIES, type EventFamily, type Footprint } from './families/declare.js';
import type { Kvm } from './kvm.js';
import { NONE, TaskState } from './records.js';

function emptyFootprint(): Footprint {
  return { cpus: [], slots: [], vcpus: [], shared: false };
}

function clear(f: Footprint): void {
  f.cpus.length = 0;
  f.slots.length = 0;
  f.vcpus.length = 0;
  f.shared = false;
}

/**
 * Whether every event of the families in `mask` declares a footprint. A family with no events
 * of its own (`atomic`) changes how existing paths run, which their footprints were not declared
 * for: with it in the mask there is no reduction either.
 */
export function reducible(mask: number): boolean {
  return FAMILIES.every(
    (f) => !((mask >>> familyBit(f.name)) & 1) || (f.events.length > 0 && f.events.every((e) => typeof e.touches === 'function')),
  );
}

function familyBit(f: EventFamily): number {
  return EVENT_FAMILIES.indexOf(f);
}

/** Runs on CPU `cpu`: an action whose process is a CPU (not a 'task' or 'other-cpu' event). */
function cpuOf(a: number): number {
  const { event, cpu } = decodeAction(a);
  const ev = EVENTS[event]!;
  return ev.params === 'task' || ev.runs === 'other-cpu' ? -1 : cpu;
}

export class AmpleSets {
  private readonly f = emptyFootprint();
  private readonly g = emptyFootprint();
  /** Per writer id: allowed in the records of the chosen CPU, its task and vcpu. */
  private readonly own: Uint8Array;

  constructor(private readonly k: Kvm) {
    this.own = new Uint8Array(k.layout.writerCount);
  }

  /**
   * Writes into `out` an ample subset of `all` (the enabled actions of the machine's loaded
   * state, in their order) and returns true, or returns false when no proper subset is ample.
   */
  choose(all: readonly number[], out: number[]): boolean {
    const k = this.k;
    for (let c = 0; c < k.cfg.cpus; c++) {
      if (this.ampleOf(c, all)) {
        out.length = 0;
        for (const a of all) if (cpuOf(a) === c) out.push(a);
        return true;
      }
    }
    return false;
  }

  private ampleOf(c: number, all: readonly number[]): boolean {
    const k = this.k;
    const cpu = k.cpus[c]!;
    const T = cpu.current;
    if (T === NONE || k.tasks[T]!.state !== TaskState.RUNNING) return false;
    const V = k.tasks[T]!.vcpu;
    const f = this.f;
    clear(f);
    let mine = 0;
    for (const a of all) {
      if (cpuOf(a) !== c) continue;
      mine++;
      const { event, arg } = decodeAction(a);
      EVENTS[event]!.touches!(k, c, arg, f);
    }
    if (mine === 0 || mine === all.length || f.shared) return false;
    for (const x of f.cpus) if (x !== c) return false;
    for (const x of f.slots) if (x !== T) return false;
    for (const x of f.vcpus) if (x !== V) return false;
    // (3) no other binding into T's storage, no foreign live data in c, T, V.
    const l = k.layout;
    const st = l.stOfTask(T);
    const kst = k.cfg.ext ? l.stOfKernelState(T) : -1;
    const vst = V !== NONE ? l.stOfVcpu(V) : -1;
    for (let d = 0; d < k.cfg.cpus; d++) {
      if (d === c) continue;
      const b = k.cpus[d]!.last_st;
      if (b !== 0 && (b === st || b === kst || b === vst)) return false;
    }
    if (!this.ownDataOnly(c, T, V)) return false;
    // (6) no process but c can make a task runnable or free a slot for c's fork.
    for (let d = 0; d < k.cfg.cpus; d++) if (d !== c && k.cpus[d]!.current !== NONE) return false;
    for (let t = 0; t < k.cfg.slots; t++) {
      const st = k.tasks[t]!.state;
      if (st === TaskState.STOPPED || st === TaskState.ZOMBIE) return false;
    }
    // (4) every other enabled action is independent of c's.
    const g = this.g;
    for (const a of all) {
      if (cpuOf(a) === c) continue;
      clear(g);
      const { event, cpu: d, arg } = decodeAction(a);
      EVENTS[event]!.touches!(k, d, arg, g);
      if (g.shared) return false;
      for (const x of g.cpus) if (x === c) return false;
      for (const x of g.slots) if (x === T) return false;
      if (V !== NONE) for (const x of g.vcpus) if (x === V) return false;
    }
    return true;
  }

  /** The data in the records of CPU c, task T and vcpu V is T's, V's guest's, dead or no one's. */
  private ownDataOnly(c: number, T: number, V: number): boolean {
    const k = this.k;
    const l = k.layout;
    const own = this.own;
    own.fill(0);
    own[0] = 1;
    own[l.writerOfTask(T)] = 1;
    if (V !== NONE) own[l.writerOfGuest(V)] = 1;
    for (let t = 0; t < k.cfg.slots; t++) own[l.writerOfDead(t)] = 1;
    const s = k.s;
    const check = (base: number, len: number): boolean => {
      const offs = l.tokenOffsets;
      for (let i = 0; i < offs.length; i++) {
        const o = offs[i]!;
        if (o >= base && o < base + len && !own[writerOf(s[o]!)]) return false;
      }
      return true;
    };
    return (
      check(l.cpuOffset(c), l.cpuSpec.length) &&
      check(l.slotOffset(T), l.taskSpec.length) &&
      (V === NONE || check(l.vcpuOffset(V), l.vcpuSpec.length))
    );
  }
}
