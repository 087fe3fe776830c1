/**
 * Human names for task incarnations, guests and tokens.
 *
 * Names are presentation, not state: they live beside the state buffer and are updated as
 * tasks are forked and freed, so that a trace says "A", "B", "C" rather than slot numbers and
 * a dead task's data reads "†A#2".
 */

import { GARBAGE, ZERO, versionOf, writerOf, type Token } from '../arch/tokens.js';
import type { Layout } from './layout.js';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export class Naming {
  /** Name of the task currently (or last) in each slot. */
  private readonly slotNames: string[];
  /** Name of the most recent dead incarnation of each slot. */
  private readonly deadNames: string[];
  private readonly used = new Set<string>();
  /**
   * Index of the first generated candidate that may be free. Names are never removed from
   * `used`, so every candidate before it stays taken: forks need not rescan them (long cost runs
   * fork thousands of times).
   */
  private nextCandidate = 0;

  constructor(
    private readonly layout: Layout,
    initial: readonly string[],
  ) {
    this.slotNames = layout.cfg.slots ? Array.from({ length: layout.cfg.slots }, (_, i) => initial[i] ?? `T${i}`) : [];
    this.deadNames = this.slotNames.map((n) => n);
    for (const n of this.slotNames) this.used.add(n);
  }

  clone(): Naming {
    const n = new Naming(this.layout, this.slotNames);
    n.deadNames.splice(0, n.deadNames.length, ...this.deadNames);
    for (const u of this.used) n.used.add(u);
    n.nextCandidate = this.nextCandidate;
    return n;
  }

  task(slot: number): string {
    return this.slotNames[slot] ?? `slot${slot}`;
  }

  guest(v: number): string {
    return `G${v}`;
  }

  /** Picks a name for a task forked into `slot` (the requested one if given). */
  onFork(slot: number, requested?: string): string {
    let name = requested;
    if (!name) {
      for (let i = this.nextCandidate; !name; i++) {
        const candidate = i < LETTERS.length ? LETTERS[i]! : `${LETTERS[i % LETTERS.length]}${Math.floor(i / LETTERS.length)}`;
        if (!this.used.has(candidate)) name = candidate;
        else this.nextCandidate = i + 1;
      }
    }
    this.used.add(name);
    this.slotNames[slot] = name;
    return name;
  }

  onFree(slot: number): void {
    this.deadNames[slot] = this.slotNames[slot]!;
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** Renames the task in `slot` (a scenario naming a forked child). */
  rename(slot: number, name: string): void {
    this.used.add(name);
    this.slotNames[slot] = name;
  }

  /** Short name of the context owning storage `st`: a task name, or `G<v>` for a guest. */
  context(st: number): string {
    const slot = this.layout.taskOfSt(st);
    if (slot >= 0) return this.task(slot);
    const v = this.layout.vcpuOfSt(st);
    if (v >= 0) return this.guest(v);
    return st === 0 ? 'NULL' : `st${st}`;
  }

  /** Name of a storage identity (what fpsimd_last_state.st points at). */
  storage(st: number): string {
    if (st === 0) return 'NULL';
    const slot = this.layout.taskOfSt(st);
    if (slot >= 0) return `&${this.task(slot)}.fpsimd_state`;
    const v = this.layout.vcpuOfSt(st);
    if (v >= 0) return `&vcpu${v}.fp_regs`;
    return `st${st}`;
  }

  /** Name of the writer of data tokens, as shown before '#'. */
  writer(w: number): string {
    const d = this.layout.describeWriter(w);
    switch (d.kind) {
      case 'task':
        return this.task(d.index);
      case 'guest':
        return this.guest(d.index);
      case 'kernel':
        return 'K';
      case 'dead':
        return `†${this.deadNames[d.index]}`;
      default:
        return '?';
    }
  }

  token(t: Token): string {
    if (t === ZERO) return '0';
    if (t === GARBAGE) return '?';
    return `${this.writer(writerOf(t))}#${versionOf(t)}`;
  }
}
