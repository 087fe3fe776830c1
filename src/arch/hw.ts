/**
 * The CPU's FP/SIMD extensions: what the hardware has, independent of what a kernel does with it.
 *
 * A kernel answers `system_supports_sve()` and friends from the CPU features it detected AND
 * from what it was built to use (CONFIG_ARM64_SVE/SME, and whether the code exists at all in
 * that version). The first half is this record, a parameter of the simulated machine
 * (`--hw`, `hw:` in scenarios); the second is the kernel class's build features
 * (src/kernel/machine.ts KernelFeatures). A kernel older than an extension simply never
 * enables it: it leaves the trap for EL0 armed (CPACR_EL1.SMEN, say), user space's
 * instructions are undefined (SIGILL), and nothing of that state ever changes. So every
 * configuration is legal on every variant; the model reads the AND of the two.
 *
 * Architectural dependencies (ARM DDI 0487, the ID_AA64PFR1_EL1.SME and ID_AA64SMFR0_EL1
 * fields): SME2 (ZT0) and FA64 (the full A64 instruction set, FFR included, in streaming mode)
 * are SME features, so they need SME; SME without SVE is a legal CPU (Documentation/arch/
 * arm64/sme.rst: streaming mode works on systems without SVE); FPMR (FEAT_FPMR) stands alone.
 *
 * `nvhe` is the one entry that is not an extension: KVM runs its hypervisor at EL2 apart from
 * the host kernel (kvm-arm.mode=nvhe; every SVE CPU has VHE, ARMv8.1, so on SVE hardware nVHE
 * is a boot choice). It belongs here because, like the extensions, it is fixed for a run and
 * changes what the same kernel code does: with nVHE the host and the guest share ZCR_EL1, so
 * the VL a guest chose is still the host's VL after the guest exits (the `kvmvl` family).
 */

export const HW_FEATURES = ['sve', 'sme', 'sme2', 'fa64', 'fpmr', 'nvhe'] as const;
export type HwFeature = (typeof HW_FEATURES)[number];

/** One CPU model (all CPUs of the machine are the same: the kernel uses the system-wide features). */
export type Hardware = Readonly<Record<HwFeature, boolean>>;

/** A CPU with FPSIMD only (ARMv8.0): no SVE, no SME, no FPMR. */
export const FPSIMD_ONLY: Hardware = { sve: false, sme: false, sme2: false, fa64: false, fpmr: false, nvhe: false };

/** The name `--hw` takes for FPSIMD_ONLY. */
export const FPSIMD_ONLY_NAME = 'fpsimd';

/** Why `hw` is not a CPU that can exist, or undefined. */
export function hwProblem(hw: Hardware): string | undefined {
  if (hw.sme2 && !hw.sme) return 'sme2 needs sme (ZT0 is an SME2 register)';
  if (hw.fa64 && !hw.sme) return 'fa64 needs sme (it is the full instruction set in streaming mode)';
  if (hw.nvhe && !hw.sve) return 'nvhe needs sve (it is modelled only for what it does to SVE vector lengths)';
  return undefined;
}

/**
 * Parses `sve,sme,...` (any order, `fpsimd` alone for none). Returns the hardware or one line
 * saying what is wrong, for the caller to report with its file, line and field.
 */
export function parseHw(text: string): Hardware | string {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) return `empty hardware list (features: ${HW_FEATURES.join(', ')}; or ${FPSIMD_ONLY_NAME})`;
  if (parts.length === 1 && parts[0] === FPSIMD_ONLY_NAME) return FPSIMD_ONLY;
  const hw: Record<HwFeature, boolean> = { ...FPSIMD_ONLY };
  for (const p of parts) {
    if (!(HW_FEATURES as readonly string[]).includes(p)) {
      return `unknown hardware feature '${p}' (features: ${HW_FEATURES.join(', ')}; or ${FPSIMD_ONLY_NAME} alone)`;
    }
    hw[p as HwFeature] = true;
  }
  return hwProblem(hw) ?? hw;
}

/** The canonical spelling: features in HW_FEATURES order, or `fpsimd`. parseHw(hwName(h)) equals h. */
export function hwName(hw: Hardware): string {
  const on = HW_FEATURES.filter((f) => hw[f]);
  return on.length ? on.join(',') : FPSIMD_ONLY_NAME;
}

export function sameHw(a: Hardware, b: Hardware): boolean {
  return HW_FEATURES.every((f) => a[f] === b[f]);
}
