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
import type { KernelFeatures } from './machine.js';
import { DEFAULT_FAMILIES, familyMask } from './events.js';

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
  boot(k, spec);
  return k;
}
