/**
 * The modelled kernel as a checkable Model (src/check/model.ts): one variant, one initial
 * machine. The adapter owns one machine instance and copies states through its buffer.
 */

import { TokenCanonicalizer } from '../check/canonical.js';
import type { Violation } from '../check/invariants.js';
import type { Model } from '../check/model.js';
import { boot, type BootSpec } from './boot.js';
import { EVENTS, decodeAction, enabledActions } from './events.js';
import { createMachine, type KernelClass } from './kernel.js';
import type { Kvm } from './kvm.js';
import { ViolationStop } from './machine.js';
import { GLOBAL, TASK, VCPU } from './records.js';

export class KernelModel implements Model {
  readonly words: number;
  readonly machine: Kvm;
  private readonly canon: TokenCanonicalizer;

  constructor(
    readonly Kernel: KernelClass,
    readonly spec: BootSpec,
  ) {
    this.machine = createMachine(Kernel, spec);
    const { layout } = this.machine;
    this.words = layout.words;
    const counters = new Int32Array(layout.writerCount).fill(-1);
    for (let t = 0; t < layout.cfg.slots; t++) counters[layout.writerOfTask(t)] = layout.slotOffset(t) + TASK.version;
    for (let v = 0; v < layout.cfg.vcpus; v++) counters[layout.writerOfGuest(v)] = layout.vcpuOffset(v) + VCPU.version;
    counters[layout.kernelWriter] = GLOBAL.kernel_version;
    this.canon = new TokenCanonicalizer(layout.tokenOffsets, counters, layout.tokenOffsets.length + 16);
  }

  initial(): Int32Array {
    boot(this.machine, this.spec);
    const s = this.machine.snapshotWords();
    this.canonicalize(s);
    return s;
  }

  actions(s: Int32Array, out: number[]): void {
    this.machine.load(s);
    enabledActions(this.machine, out);
  }

  step(s: Int32Array, a: number, out: Int32Array): Violation | null {
    const k = this.machine;
    k.load(s);
    k.violation = null;
    const { event, cpu, arg } = decodeAction(a);
    try {
      EVENTS[event]!.apply(k, cpu, arg);
    } catch (e) {
      if (!(e instanceof ViolationStop)) throw e;
    }
    out.set(k.s);
    return k.violation;
  }

  canonicalize(s: Int32Array): void {
    this.canon.apply(s);
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
