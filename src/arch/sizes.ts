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

/**
 * A machine's maximum vector lengths as `--vl` spells them: `sve=256,sme=512` (either or both,
 * bits). The two are independent properties of a CPU (SME's streaming VL may be larger or
 * smaller than the SVE VL; Documentation/arch/arm64/sme.rst), which matters where a kernel
 * lays out streaming state for the SVE maximum (__efi_fpsimd_begin before 63de2b3859ba).
 */
export interface VectorLengths {
  readonly sve?: number;
  readonly sme?: number;
}

/** Parses `sve=N,sme=M`; returns the lengths or one line saying what is wrong. */
export function parseVectorLengths(text: string): VectorLengths | string {
  const out: { sve?: number; sme?: number } = {};
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) return 'empty vector-length list (expected sve=BITS and/or sme=BITS, e.g. sve=256,sme=512)';
  for (const p of parts) {
    const m = /^(sve|sme)=(\d+)$/.exec(p);
    if (!m) return `'${p}' is not sve=BITS or sme=BITS (e.g. sve=256,sme=512)`;
    const key = m[1] as 'sve' | 'sme';
    if (out[key] !== undefined) return `${key} given twice`;
    const bits = Number(m[2]);
    if (!isValidVectorLength(bits)) return `${key}=${m[2]}: ${m[2]} is not a vector length (a multiple of 128 from 128 to 2048)`;
    out[key] = bits;
  }
  return out;
}

/** The canonical spelling (sve first); parseVectorLengths(vectorLengthsName(v)) equals v. */
export function vectorLengthsName(v: VectorLengths): string {
  return [v.sve !== undefined ? `sve=${v.sve}` : '', v.sme !== undefined ? `sme=${v.sme}` : ''].filter((s) => s).join(',');
}
