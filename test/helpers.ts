/**
 * Small builders for tests: a booted machine of a variant, and events applied by name.
 */

import { ViolationStop } from '../src/kernel/machine.js';
import { EVENTS, eventIndex } from '../src/kernel/events.js';
import { createMachine } from '../src/kernel/kernel.js';
import type { Kvm } from '../src/kernel/kvm.js';
import type { BootSpec } from '../src/kernel/boot.js';
import { findVariant } from '../src/variants/index.js';
import type { Violation } from '../src/spec/invariants.js';

export const SEED_MACHINE: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] };

export function machine(variant = 'rfc-2017', spec: BootSpec = SEED_MACHINE): Kvm {
  const v = findVariant(variant);
  if (!v) throw new Error(`no variant ${variant}`);
  return createMachine(v.Kernel, spec);
}

/** Applies event `name` at (cpu, arg) if enabled; returns the violation it hit, if any. */
export function act(k: Kvm, name: string, cpu = 0, arg = 0): Violation | null {
  const ev = EVENTS[eventIndex(name)];
  if (!ev) throw new Error(`no event ${name}`);
  if (!ev.enabled(k, cpu, arg)) throw new Error(`${name} not enabled at cpu${cpu} arg ${arg}`);
  k.violation = null;
  try {
    ev.apply(k, cpu, arg);
  } catch (e) {
    if (!(e instanceof ViolationStop)) throw e;
  }
  return k.violation;
}

/** Slot of the task named `name`. */
export function slot(k: Kvm, name: string): number {
  const t = k.tasks.find((x) => k.naming.task(x.slot) === name);
  if (!t) throw new Error(`no task ${name}`);
  return t.slot;
}
