/**
 * Sizes of the architectural state, for the cost model (bytes moved by a save or a load).
 *
 * Sources: `struct user_fpsimd_state` (V0-V31, FPSR, FPCR, padding) and the SVE signal-frame
 * register block `SVE_SIG_REGS_SIZE(vq)` in arch/arm64/include/uapi/asm/sigcontext.h.
 */

/** `sizeof(struct user_fpsimd_state)`: 32 x 16-byte V registers + FPSR + FPCR + 8 reserved. */
export const FPSIMD_STATE_BYTES = 528;

/** Bits per quadword: vector lengths are multiples of 128 bits. */
export const VQ_BITS = 128;

/** Largest architectural vector length the kernel accepts (VL_ARCH_MAX, 2048 bits). */
export const VL_ARCH_MAX_BITS = 2048;

/** `SVE_SIG_REGS_SIZE(vq)`: Z0-Z31 (16*vq each), P0-P15 and FFR (2*vq each) = 546*vq bytes. */
export function sveRegsBytes(vlBits: number): number {
  const vq = vlBits / VQ_BITS;
  return 32 * 16 * vq + 17 * 2 * vq;
}

/** Bytes of an SVE-format save or load: the register block plus FPSR/FPCR kept in uw. */
export function sveSaveBytes(vlBits: number): number {
  return sveRegsBytes(vlBits) + 8;
}

/** SME ZA array: SVL x SVL bits = (16*svq)^2 bytes. */
export function zaBytes(svlBits: number): number {
  const svq = svlBits / VQ_BITS;
  return (16 * svq) ** 2;
}

/** SME2 ZT0: 512 bits. */
export const ZT0_BYTES = 64;

export function isValidVectorLength(vlBits: number): boolean {
  return Number.isInteger(vlBits) && vlBits >= VQ_BITS && vlBits <= VL_ARCH_MAX_BITS && vlBits % VQ_BITS === 0;
}
