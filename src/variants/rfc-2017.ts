/**
 * rfc-2017 — the seed's fix, as merged for v4.15.
 *
 * Kernel: v4.15 (release), arch/arm64/kernel/fpsimd.c after cb968afc7898 "arm64/sve: KVM: Avoid
 * dereference of dead task during guest entry" (Dave Martin, 2017-12-06; posted as RFC PATCH 2/4
 * on 2017-11-17, the seed thread), read as snapshot O (index id 105678143). The tree also has
 * 071b6d4a5d34 "arm64: fpsimd: Prevent registers leaking from dead tasks" (copy_thread flushes
 * the child's binding), which landed the day before.
 *
 * What differs from v4.15-rc1: fpsimd_last_state becomes `{ st, sve_in_use }`;
 * fpsimd_bind_to_cpu() snapshots TIF_SVE into sve_in_use, and sve_flush_cpu_state() tests that
 * snapshot instead of following st back to its task with container_of(). The pointer is only
 * ever compared, never followed, so a dead task's stale binding is harmless.
 *
 * Why not flush unconditionally (Christoffer Dall's question)? Because an FPSIMD-only task's
 * binding survives KVM's V-only host save/restore intact: keeping it lets that task skip its
 * reload after the vcpu thread ran (Dave Martin's answer). See flush-always for the cost.
 *
 * This is the v4.15 release's code (the base class's behaviour, see v4.15); the variant keeps
 * the seed thread's name for it.
 */

import type { Variant } from './types.js';
import { V415Kernel } from './v4.15.js';

export class Rfc2017Kernel extends V415Kernel {}

export const rfc2017: Variant = {
  name: 'rfc-2017',
  kernel: 'v4.15, cb968afc7898 (+071b6d4a5d34)',
  summary: "the seed's fix: per-CPU {st, sve_in_use}; the pre-entry SVE flush never follows the pointer",
  status: 'release',
  Kernel: Rfc2017Kernel,
};
