/**
 * v4.15 — the release: first SVE support in a released kernel, KVM with its own host save area.
 *
 * Kernel: v4.15 (2018-01-28). Snapshot read: O, arch/arm64/kernel/fpsimd.c (index id
 * 105678143, read in full), which has every fpsimd.c commit of the v4.15 cycle:
 *  - 8cd969d28fd2 and the rest of Dave Martin's SVE series (TIF_SVE, do_sve_acc, sve_state,
 *    the syscall-entry SVE discard, signal frames with sve_context, NT_ARM_SVE, prctl VL);
 *  - 071b6d4a5d34 "arm64: fpsimd: Prevent registers leaking from dead tasks" (copy_thread()
 *    flushes the child's binding);
 *  - cb968afc7898 "arm64/sve: Avoid dereference of dead task_struct in KVM guest entry" (the
 *    seed: fpsimd_last_state = { st, sve_in_use });
 *  - 8884b7bd7e52 "arm64: fpsimd: Abstract out binding of task's fpsimd context to the cpu"
 *    (fpsimd_bind_to_cpu());
 *  - a45448313706 "arm64: fpsimd: Fix copying of FP state from signal frame into task struct"
 *    (fpsimd_update_current_state() copies only user_fpsimd, never the `cpu` field).
 * Paths outside fpsimd.c (entry.S, signal.c, ptrace.c, process.c, KVM) are described, with
 * what was read and what is reconstructed, in src/kernel/entry.ts and src/kernel/kvm.ts.
 *
 * What it is: the base classes of src/kernel/ model this release, so the variant adds
 * nothing; it exists to give the release its name. `rfc-2017` is the seed's name for the
 * same code (the fix as posted in the thread), `v4.15-rc1` the code before the fixes above.
 * KVM is modelled on a non-VHE host (see kvm.ts): on VHE, EL0 SVE would also be disabled
 * after each guest run, which changes how (not whether) the no-sve-flush mutation fails.
 *
 * What differs from its predecessor (v4.15-rc1): sve_in_use cached beside fpsimd_last_state
 * (no dereference of a possibly dead task before guest entry), the copy_thread() flush (no
 * leak to a child in a reused task_struct), and the sigreturn copy that no longer clobbers
 * the task's `cpu` field.
 */

import { Kernel } from '../kernel/kernel.js';
import type { Variant } from './types.js';

export class V415Kernel extends Kernel {}

export const v415: Variant = {
  name: 'v4.15',
  kernel: 'v4.15 (snapshot O: cb968afc7898, 071b6d4a5d34, a45448313706)',
  summary: 'first SVE release: eager save, lazy restore; KVM saves host V only and flushes SVE bindings before guest entry',
  status: 'release',
  Kernel: V415Kernel,
};
