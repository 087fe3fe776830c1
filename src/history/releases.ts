/**
 * The built-in variants as commit sets: each release (or -rc) is its predecessor's set plus the
 * commits that landed in between; a proposal or mutation is a release plus its own change. The
 * sets are data: src/history/resolve.ts turns each into one kernel class.
 */

export interface Release {
  readonly name: string;
  /** The set this one starts from (its commits are included), if any. */
  readonly after?: string;
  /** The commits added to it. */
  readonly add: readonly string[];
  readonly kernel: string;
  readonly summary: string;
  /** As Variant.status (src/variants/types.ts). */
  readonly status: 'release' | 'prerelease' | 'proposal' | 'mutation';
}

/** Oldest first within each line; the listing order of `fpctx variants` is VARIANT_ORDER. */
export const RELEASES: readonly Release[] = [
  {
    name: 'v4.15-rc1',
    add: ['8cd969d28fd2'],
    kernel: 'v4.15-rc1 (before cb968afc7898, 071b6d4a5d34 and a45448313706)',
    summary: 'sve_flush_cpu_state() follows fpsimd_last_state to a possibly freed task (use-after-free)',
    status: 'prerelease',
  },
  {
    name: 'v4.15',
    after: 'v4.15-rc1',
    add: ['071b6d4a5d34', 'cb968afc7898', 'a45448313706'],
    kernel: 'v4.15 (snapshot O: cb968afc7898, 071b6d4a5d34, a45448313706)',
    summary: 'first SVE release: eager save, lazy restore; KVM saves host V only and flushes SVE bindings before guest entry',
    status: 'release',
  },
  {
    name: 'rfc-2017',
    after: 'v4.15',
    add: [],
    kernel: 'v4.15, cb968afc7898 (+071b6d4a5d34)',
    summary: "the seed's fix: per-CPU {st, sve_in_use}; the pre-entry SVE flush never follows the pointer",
    status: 'release',
  },
  {
    name: 'flush-always',
    after: 'v4.15',
    add: ['flush-always'],
    kernel: 'v4.15 + review proposal (never merged)',
    summary: 'unconditional fpsimd_flush_cpu_state() before guest entry: safe, but host tasks always reload',
    status: 'proposal',
  },
  {
    name: 'no-sve-flush',
    after: 'v4.15',
    add: ['no-sve-flush'],
    kernel: 'v4.15 with the pre-entry flush removed (mutation)',
    summary: 'no flush before guest entry: an SVE task skips its reload after KVM zeroed its SVE part',
    status: 'mutation',
  },
  {
    name: 'v4.18-rc1',
    after: 'v4.15',
    add: ['e6b673b741ea'],
    kernel: 'v4.18-rc1 (before b045e4d0f392, b3eb56b629d1, 2955bcc8c309)',
    summary: 'vcpu_put masks softirqs with IRQs off, and leaves EL0 SVE disabled for a task whose state survived the run loop',
    status: 'prerelease',
  },
  {
    name: 'v4.18',
    after: 'v4.18-rc1',
    add: ['b045e4d0f392', 'b3eb56b629d1'],
    kernel: 'v4.18 (e6b673b741ea, df3fb9682045; fixes b3eb56b629d1, 2955bcc8c309)',
    summary: "KVM binds the vcpu through the host's context tracking: lazy host save into the task, no pre-entry flush",
    status: 'release',
  },
  {
    name: 'v5.17',
    after: 'v4.18',
    add: ['e35ac9d0b56e', '8383741ab2e7'],
    kernel: 'v5.17 (snapshot K0 @0033cd93: 8383741ab2e7, cccb78ce89c4; before d52d165d67c5)',
    summary: 'lazy FPSIMD-only host save in hyp on the premise that KVM_RUN has no SVE state; SVE guests; HOST_SVE_ENABLED never cleared',
    status: 'release',
  },
  {
    name: 'v6.12-rc1',
    after: 'v5.17',
    add: ['d52d165d67c5', 'ef3be86021c3', '616cb2f4b141'],
    kernel: 'v6.12-rc1 (snapshots A = v6.10 fpsimd.c, K = ef3be86021c3; SME enabled, before 751ecf6afd65 and 81235ae0c846)',
    summary:
      'fp_type/to_save, SVE kept across syscalls, preemptible kernel NEON, FPMR, SME (streaming/ZA/ZT0) with lazy FPSIMD-only host save in hyp',
    status: 'prerelease',
  },
  {
    name: 'v6.12',
    after: 'v6.12-rc1',
    add: ['751ecf6afd65', '81235ae0c846'],
    kernel: 'v6.12 (snapshots A, K; 751ecf6afd65; SME depends on BROKEN, 81235ae0c846)',
    summary: 'v6.12-rc1 with the SVE-trap flush; SME compiled out; FPMR, SVE kept across syscalls, fpsimd_kvm_prepare() at vcpu_load',
    status: 'release',
  },
  {
    name: 'v6.12.y',
    after: 'v6.12',
    add: ['fbc7e61195e2', '59419f10045b', '398edaa12f9c', 'a90878f297d3', '01098d893fa8', 'c94f2f326146'],
    kernel:
      "Debian 6.12.118-1~deb12u1 (linux-source-6.12, the lab's 6.12 kernel), read from arch/arm64/kvm/fpsimd.c:50-74 and :132-150 " +
      '(fbc7e61195e2: save+flush at vcpu_load, no trap state restored at vcpu_put), arch/arm64/kvm/hyp/include/hyp/switch.h:350-405 ' +
      '(59419f10045b: ZCR_EL1/ZCR_EL2 switched eagerly at guest entry and exit), arch/arm64/kernel/entry-common.c:397-441 ' +
      '(398edaa12f9c: fpsimd_syscall_enter/exit, SVE state kept in registers across syscalls), arch/arm64/kernel/fpsimd.c:1634-1677 ' +
      '(a90878f297d3: fpsimd_flush_thread() zeroes FPMR), :1565-1597 (01098d893fa8: fpsimd_thread_switch() flushes before it ' +
      "loads next's kernel-mode NEON state), :1804-1822 (c94f2f326146: sigreturn merges the frame's V registers by fp_type), " +
      ':437 fpsimd_save_user_state(); arch/arm64/kvm/hyp/vhe/switch.c:211 and ' +
      'asm/kvm_emulate.h:618-640 (kvm_reset_cptr_el2(): host EL0 SVE/SME stay trapped after a guest run; e62dd507844f is not there); ' +
      'not backported: 929fa99b1215 ' +
      '(fpsimd_signal_preserve_current_state() still at :1698), e0cb0f26594c (process.c:297-301 still preserves without flushing), ' +
      "49ce484187f7, d3eaab3c7090 (do_sme_acc() at fpsimd.c:1440-1471 unchanged); e5fa85fce08b's FPMR-after-SVCR order is there " +
      "(fpsimd.c:403-414) but not the 45fd86986b79 trap change the model folds with it, so it is left out (no FPMR on the lab's CPU)",
    summary:
      'v6.12 with the stable backports the lab kernel has: save+flush of the host state at vcpu_load, SVE kept across syscalls only while unmodified, FPMR reset at exec',
    status: 'release',
  },
  {
    name: 'v6.1.y',
    after: 'v5.17',
    add: [
      'd52d165d67c5',
      '81235ae0c846',
      '751ecf6afd65-6.1',
      'fbc7e61195e2-6.1',
      '59419f10045b-6.1',
      'd4d5be94a878-6.1',
      '05d881b85b48-6.1',
    ],
    kernel:
      "Debian 6.1.192-3 (linux-source-6.1, the lab's 6.1 kernel), read from arch/arm64/kernel/fpsimd.c:1393-1416 (751ecf6afd65 backported: " +
      'the SVE trap flushes a stale binding), arch/arm64/kvm/fpsimd.c:73-90 (fbc7e61195e2 backported: ' +
      'save+flush at vcpu_load, fp_state FREE), :112-136 (ctxsync binds the vcpu with its fp_type), :144-165 (put_fp saves and flushes a ' +
      'guest-owned state, restores no trap state), arch/arm64/kernel/fpsimd.c:445-500 (fpsimd_save() through fpsimd_last_state with ' +
      'to_save/fp_type, the v6.2 baa8515281b3/deeb8f9a80fd design, backported), arch/arm64/kernel/fpsimd.c:900-911 (d4d5be94a878 and ' +
      '05d881b85b48 backported: a VL change sets the VL, then frees and reallocates sve_state), arch/arm64/kernel/syscall.c:163-203 (fp_user_discard(): ' +
      'SVE dropped at every syscall, no 8c845e273104), arch/arm64/Kconfig:2193-2197 (ARM64_SME depends on BROKEN: 81235ae0c846 ' +
      'backported; the image config has no CONFIG_ARM64_SME), no TIF_KERNEL_FPSTATE (kernel-mode NEON not preemptible), no FPMR; ' +
      "the model has no separate fp_type commit before ef3be86021c3, so fp_type is approximated by v5.17's TIF_SVE",
    summary:
      'v5.17 with the 6.1 stable backports: host state saved and flushed at vcpu_load (no hyp host save), the SVE-trap flush (CVE-2024-50275), SME compiled out, SVE discarded at syscalls',
    status: 'release',
  },
  {
    name: 'mainline',
    after: 'v6.12',
    add: [
      'fbc7e61195e2',
      '59419f10045b',
      'e5fa85fce08b',
      'd3eaab3c7090',
      '01098d893fa8',
      'a90878f297d3',
      'c94f2f326146',
      '929fa99b1215',
      '398edaa12f9c',
      '49ce484187f7',
      '316283f276eb',
      'e0cb0f26594c',
      'sme-reenable',
      'e62dd507844f',
    ],
    kernel: 'v6.16+ (snapshots B @0291023e7330, E, H: fbc7e61195e2, 929fa99b1215, 398edaa12f9c, e0cb0f26594c; before 5cbb61bf4168)',
    summary: 'eager save+flush of the host state at vcpu_load, syscall to_save window, save+flush-first signals and fork, SME re-enabled',
    status: 'release',
  },
];

/**
 * The order of `fpctx variants`, the matrix and `--variant all`: roughly in order of time, the
 * seed thread's three (v4.15-rc1, the fix as posted, the review's alternative), the mutation
 * that motivates the flush, then the releases.
 */
export const VARIANT_ORDER = [
  'v4.15-rc1',
  'rfc-2017',
  'flush-always',
  'no-sve-flush',
  'v4.15',
  'v4.18-rc1',
  'v4.18',
  'v5.17',
  'v6.1.y',
  'v6.12-rc1',
  'v6.12',
  'v6.12.y',
  'mainline',
];

/** The full commit set of a release (its predecessors' commits included), in history order of listing. */
export function commitsOfRelease(name: string): string[] {
  const r = RELEASES.find((x) => x.name === name);
  if (!r) throw new Error(`FPC518 model bug: no release ${name}`);
  return [...(r.after ? commitsOfRelease(r.after) : []), ...r.add];
}
