/**
 * The modelled kernel as a checkable Model (src/check/model.ts): one variant, one initial
 * machine. The adapter owns one machine instance and copies states through its buffer.
 *
 * It also tells the checker what the words mean (a StateShape, src/check/shape.ts), derived
 * from the Layout's regions and field kinds alone, so new fields and events need no change
 * here as long as their kinds are accurate:
 *  - symmetry groups: the CPU records, the task-slot records, the vcpu records;
 *  - `cpu`, `slot`, `vcpu` fields refer to members of those groups; `ctx` values refer to a
 *    slot's fpsimd_state (1+slot) or a vcpu's fp_regs (1+S+v); token writers refer to a slot's
 *    live task (1+slot), a guest (1+S+v) or a slot's dead incarnation (2+S+V+slot);
 *  - each task's, guest's and the kernel's version counter.
 * Permuting slots therefore renames tasks, their storage identities and their data (live and
 * dead) together, and a vcpu thread stays tied to its vcpu because both references move.
 */

import { VERSION_BITS } from '../arch/tokens.js';
import { TokenCanonicalizer } from '../check/canonical.js';
import type { Violation } from '../spec/invariants.js';
import type { Model } from '../check/model.js';
import { validateShape, type RefDomain, type StateShape } from '../check/shape.js';
import { canonFor } from '../check/explore.js';
import type { Reduction, Replay, ShrinkSubject } from '../check/shrink.js';
import { boot, slotOrder, type BootSpec } from './boot.js';
import { DEAD_RULE_NAMES, DeadData, type DeadRuleName } from './dead.js';
import { EVENTS, EVENT_NAMES, applyAction, decodeAction, enabledActions, eventsOfMask } from './events.js';
import { createMachine, type KernelClass } from './kernel.js';
import type { Kvm } from './kvm.js';
import type { Layout } from './layout.js';
import { ViolationStop } from './machine.js';
import { Naming } from './naming.js';
import { AmpleSets, reducible } from './por.js';
import { GLOBAL, TASK, VCPU } from './records.js';

/** Per writer id, the word holding its version counter (-1 for dead incarnations and ZERO). */
function counterOffsets(layout: Layout): Int32Array {
  const counters = new Int32Array(layout.writerCount).fill(-1);
  for (let t = 0; t < layout.cfg.slots; t++) counters[layout.writerOfTask(t)] = layout.slotOffset(t) + TASK.version;
  for (let v = 0; v < layout.cfg.vcpus; v++) counters[layout.writerOfGuest(v)] = layout.vcpuOffset(v) + VCPU.version;
  counters[layout.kernelWriter] = GLOBAL.kernel_version;
  return counters;
}

/** The StateShape of a layout (see the file comment). */
export function shapeOf(layout: Layout): StateShape {
  const { slots, vcpus } = layout.cfg;
  const region = (kind: string) => {
    const r = layout.regions.find((x) => x.kind === kind);
    if (!r) throw new Error(`FPC506 model bug: layout has no ${kind} region`);
    return r;
  };
  const covered = layout.regions.reduce((n, r) => n + r.stride * r.count, 0);
  if (covered !== layout.words) {
    throw new Error(
      `FPC506 model bug: layout regions cover ${covered} of ${layout.words} words; describe the new region in src/kernel/model.ts`,
    );
  }
  const CPU = 0;
  const SLOT = 1;
  const VCPUG = 2;
  const groups = (['cpu', 'slot', 'vcpu'] as const).map((k) => {
    const r = region(k);
    return { name: k, base: r.base, stride: r.stride, count: r.count };
  });
  // Identities must be linear in the index for the domains below; check rather than assume.
  const linear = (f: (i: number) => number, n: number, what: string) => {
    for (let i = 0; i < n; i++) if (f(i) !== f(0) + i) throw new Error(`FPC506 model bug: ${what} ids are not consecutive`);
    return f(0);
  };
  const stTask = linear((i) => layout.stOfTask(i), slots, 'task storage');
  const stVcpu = vcpus ? linear((i) => layout.stOfVcpu(i), vcpus, 'vcpu storage') : 0;
  const wTask = linear((i) => layout.writerOfTask(i), slots, 'task writer');
  const wGuest = vcpus ? linear((i) => layout.writerOfGuest(i), vcpus, 'guest writer') : 0;
  const wDead = linear((i) => layout.writerOfDead(i), slots, 'dead-task writer');
  const domains: RefDomain[] = [
    { name: 'cpu', segments: [{ group: CPU, offset: 0 }] },
    { name: 'slot', segments: [{ group: SLOT, offset: 0 }] },
    { name: 'vcpu', segments: [{ group: VCPUG, offset: 0 }] },
    {
      name: 'ctx',
      segments: [
        { group: SLOT, offset: stTask },
        ...(vcpus ? [{ group: VCPUG, offset: stVcpu }] : []),
        // v6.8+ layouts: a slot's kernel_fpsimd_state can be bound too (TIF_KERNEL_FPSTATE)
        ...(layout.cfg.ext ? [{ group: SLOT, offset: linear((i) => layout.stOfKernelState(i), slots, 'kernel state') }] : []),
      ],
    },
    {
      name: 'writer',
      segments: [{ group: SLOT, offset: wTask }, ...(vcpus ? [{ group: VCPUG, offset: wGuest }] : []), { group: SLOT, offset: wDead }],
    },
  ];
  const domainOfKind: Record<string, number> = { cpu: 0, slot: 1, vcpu: 2, ctx: 3 };
  const wordDomain = Int8Array.from(layout.kinds.map((k) => domainOfKind[k] ?? -1));
  const shape: StateShape = {
    words: layout.words,
    groups,
    domains,
    wordDomain,
    tokenOffsets: layout.tokenOffsets,
    versionBits: VERSION_BITS,
    writerDomain: 4,
    writerCount: layout.writerCount,
    counterOffsets: counterOffsets(layout),
  };
  validateShape(shape);
  return shape;
}

/**
 * Names during exploration: the checker reuses one machine for millions of steps, and the
 * presentation names a fork picks (the first letter not used so far) would otherwise pile up and
 * be rescanned at every fork. Nothing the checker decides depends on names: traces shown to
 * people are replayed on a fresh machine with real naming (src/trace/record.ts).
 */
class CheckerNaming extends Naming {
  override onFork(slot: number, requested?: string): string {
    return requested ?? `T${slot}`;
  }
  override onFree(): void {}
}

export interface KernelModelOptions {
  /**
   * Dead-data abstraction (src/kernel/dead.ts): reset words no future step can read after every
   * step; `true` for every rule. Off by default: it is exact for the built-in variants, which
   * the tests check, not for any plug-in.
   */
  readonly deadData?: boolean | readonly DeadRuleName[];
}

export class KernelModel implements Model {
  readonly words: number;
  readonly machine: Kvm;
  readonly shape: StateShape;
  readonly actionKinds = EVENT_NAMES;
  readonly drawnKinds: readonly number[];
  private readonly canon: TokenCanonicalizer;
  /** The dead-data abstraction applied after every step, or null. */
  readonly dead: DeadData | null;

  constructor(
    readonly Kernel: KernelClass,
    readonly spec: BootSpec,
    opts: KernelModelOptions = {},
  ) {
    this.machine = createMachine(Kernel, spec);
    const rules = opts.deadData === true ? DEAD_RULE_NAMES : opts.deadData || [];
    this.dead = rules.length > 0 ? new DeadData(this.machine.layout, rules) : null;
    const { layout } = this.machine;
    this.machine.naming = new CheckerNaming(
      layout,
      slotOrder(spec).map((t) => t.name),
    );
    this.words = layout.words;
    this.shape = shapeOf(layout);
    if (reducible(this.machine.eventMask)) {
      const sets = new AmpleSets(this.machine);
      this.ample = (s, all, out) => {
        this.machine.load(s);
        return sets.choose(all, out);
      };
    }
    this.canon = new TokenCanonicalizer(layout.tokenOffsets, this.shape.counterOffsets, layout.tokenOffsets.length + 16);
    // ... and of those, the ones whose family the kernel build has (sme, fpmr, kvm SVE...).
    const built = Kernel.features as unknown as Record<string, boolean | undefined>;
    this.drawnKinds = eventsOfMask(this.machine.eventMask, this.machine.eventOff).filter((e) => {
      const needs = EVENTS[e]!.requires;
      return !needs || built[needs] === true;
    });
  }

  initial(): Int32Array {
    boot(this.machine, this.spec);
    const s = this.machine.snapshotWords();
    this.dead?.apply(s);
    this.canonicalize(s);
    return s;
  }

  /** The machine's own state buffer: `step` into it needs no copy (src/check/model.ts). */
  get stepBuffer(): Int32Array {
    return this.machine.s;
  }

  actions(s: Int32Array, out: number[]): void {
    this.machine.load(s);
    enabledActions(this.machine, out);
  }

  /**
   * Partial-order reduction (src/kernel/por.ts): an ample subset of `all`, or false. Absent
   * (undefined) when an event of the check's families declares no footprint.
   */
  readonly ample?: (s: Int32Array, all: readonly number[], out: number[]) => boolean;

  step(s: Int32Array, a: number, out: Int32Array): Violation | null {
    const k = this.machine;
    k.load(s);
    k.violation = null;
    try {
      applyAction(k, a);
    } catch (e) {
      if (!(e instanceof ViolationStop)) throw e;
    }
    if (this.dead && !k.violation) this.dead.apply(k.s);
    if (out !== k.s) out.set(k.s);
    return k.violation;
  }

  canonicalize(s: Int32Array): void {
    this.canon.apply(s);
  }

  kindOf(a: number): number {
    return a & 0xff;
  }

  describe(a: number): string {
    const { event, cpu, arg } = decodeAction(a);
    const ev = EVENTS[event]!;
    switch (ev.params) {
      case 'cpu':
        return `${ev.name} cpu${cpu}`;
      case 'cpu+task':
      case 'cpu+slot':
        return `${ev.name} cpu${cpu} slot${arg}`;
      case 'task':
        return `${ev.name} slot${arg}`;
    }
  }
}

/** Does the event's action carry a CPU in its cpu byte? (Everything but task-only events.) */
function hasCpu(a: number): boolean {
  return EVENTS[a & 0xff]?.params !== 'task';
}

/** Does the event's action carry a task slot in its arg byte? */
function hasSlot(a: number): boolean {
  const p = EVENTS[a & 0xff]?.params;
  return p === 'cpu+task' || p === 'cpu+slot' || p === 'task';
}

/**
 * Shrinking on the kernel model (src/check/shrink.ts): a configuration is a BootSpec; smaller
 * ones drop one CPU (its events go, higher CPUs renumber) or one task slot (a user task, a vcpu
 * thread with its vcpu, or a spare slot; events naming it go, higher slots renumber).
 */
export class KernelShrinkSubject implements ShrinkSubject<BootSpec> {
  private readonly models = new Map<string, KernelModel>();

  constructor(readonly Kernel: KernelClass) {}

  model(spec: BootSpec): KernelModel {
    const key = JSON.stringify(spec);
    let m = this.models.get(key);
    if (!m) {
      m = new KernelModel(this.Kernel, spec);
      this.models.set(key, m);
    }
    return m;
  }

  replay(spec: BootSpec, actions: readonly number[]): Replay {
    const m = this.model(spec);
    const canon = canonFor(m, false);
    let s: Int32Array = m.initial();
    let next: Int32Array = new Int32Array(m.words);
    const list: number[] = [];
    const executed: number[] = [];
    for (const a of actions) {
      list.length = 0;
      m.actions(s, list);
      if (!list.includes(a)) continue;
      executed.push(a);
      const v = m.step(s, a, next);
      if (v) return { executed, violation: v };
      [s, next] = [next, s];
      if ((executed.length & 31) === 0) canon.canonicalize(s, s);
    }
    return { executed, violation: null };
  }

  reductions(spec: BootSpec): Reduction<BootSpec>[] {
    const out: Reduction<BootSpec>[] = [];
    if (spec.cpus > 1) {
      for (let k = spec.cpus - 1; k >= 0; k--) {
        out.push({
          config: { ...spec, cpus: spec.cpus - 1 },
          what: `cpu${k}`,
          map: (a) => {
            if (!hasCpu(a)) return a;
            const c = (a >>> 8) & 0xff;
            if (c === k) return null;
            return c > k ? (a & ~0xff00) | ((c - 1) << 8) : a;
          },
        });
        // Or fold CPU k's events onto CPU j (what ran in parallel now interleaves on one CPU).
        for (let j = 0; j < spec.cpus; j++) {
          if (j === k) continue;
          const to = j > k ? j - 1 : j;
          out.push({
            config: { ...spec, cpus: spec.cpus - 1 },
            what: `cpu${k} (onto cpu${j})`,
            map: (a) => {
              if (!hasCpu(a)) return a;
              const c = (a >>> 8) & 0xff;
              const nc = c === k ? to : c > k ? c - 1 : c;
              return (a & ~0xff00) | (nc << 8);
            },
          });
        }
      }
    }
    const order = slotOrder(spec);
    const slots = order.length + (spec.spareSlots ?? 0);
    if (slots > 1) {
      for (let t = slots - 1; t >= 0; t--) {
        const victim = order[t];
        const config: BootSpec = victim
          ? { ...spec, tasks: spec.tasks.filter((x) => x !== victim) }
          : { ...spec, spareSlots: (spec.spareSlots ?? 0) - 1 };
        if (config.tasks.length === 0 && (config.spareSlots ?? 0) === 0) continue;
        out.push({
          config,
          what: victim ? `task ${victim.name}` : `spare slot ${t}`,
          map: (a) => {
            if (!hasSlot(a)) return a;
            const x = (a >>> 16) & 0xff;
            if (x === t) return null;
            return x > t ? (a & ~0xff0000) | ((x - 1) << 16) : a;
          },
        });
      }
    }
    return out;
  }
}
