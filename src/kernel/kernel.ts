/**
 * The complete modelled kernel of the base era, and how to instantiate one.
 *
 * `Kernel` is the base kernel (host fpsimd.c + entry paths + KVM: the functions no modelled
 * commit changes). A variant's class is resolved from its commit set (src/history/resolve.ts):
 * one class directly over this one, with each changed function's newest version in the set.
 */

import { Kvm } from './kvm.js';
import { boot, machineConfigOf, slotOrder, type BootSpec } from './boot.js';
import type { MachineConfig } from './layout.js';
import type { KernelFeatures } from './machine.js';
import { DEFAULT_FAMILIES, eventOffOf, familyMask } from './events.js';

export { Kvm as Kernel };
export type KernelClass = (new (cfg: MachineConfig, names?: readonly string[]) => Kvm) & { readonly features: KernelFeatures };

/** The machine configuration a kernel class runs `spec` on (its layout depends on the class's features). */
export function machineConfigFor(K: KernelClass, spec: BootSpec): MachineConfig {
  return machineConfigOf(spec, K.features.ext);
}

/** A kernel of class `K`, booted into the initial state `spec` describes. */
export function createMachine(K: KernelClass, spec: BootSpec): Kvm {
  const k = new K(
    machineConfigFor(K, spec),
    slotOrder(spec).map((t) => t.name),
  );
  k.eventMask = familyMask(spec.events ?? DEFAULT_FAMILIES);
  k.eventOff = eventOffOf(spec.without);
  if (spec.hw) k.setHardware(spec.hw);
  boot(k, spec);
  return k;
}
