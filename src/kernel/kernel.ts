/**
 * The complete modelled kernel of the base era, and how to instantiate one.
 *
 * `Kernel` is the most derived shared class (host fpsimd.c + entry paths + KVM). A variant is a
 * subclass of it (or of another variant) that overrides the kernel functions its version
 * changed; see src/variants/.
 */

import { Kvm } from './kvm.js';
import { boot, machineConfigOf, slotOrder, type BootSpec } from './boot.js';
import type { MachineConfig } from './layout.js';
import { DEFAULT_FAMILIES, familyMask } from './events.js';

export { Kvm as Kernel };
export type KernelClass = new (cfg: MachineConfig, names?: readonly string[]) => Kvm;

/** A kernel of class `K`, booted into the initial state `spec` describes. */
export function createMachine(K: KernelClass, spec: BootSpec): Kvm {
  const k = new K(machineConfigOf(spec), slotOrder(spec).map((t) => t.name));
  k.eventMask = familyMask(spec.events ?? DEFAULT_FAMILIES);
  boot(k, spec);
  return k;
}
