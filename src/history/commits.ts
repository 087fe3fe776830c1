/**
 * The modelled history: every commit whose effect on the FP/SVE/SME context protocol the model
 * distinguishes, oldest first. A kernel version (src/history/releases.ts) is a set of these.
 *
 * A model commit is one kernel commit, or a series the model does not separate (`also` lists
 * the other kernel commits it stands for; their code was read as one snapshot, see the
 * `snapshot` note). The functions each commit introduces or changes are not listed here: they
 * are the versions tagged with its id in src/kernel/versions/ (`fpctx commits` shows them).
 *
 * Order is the model's history: a later commit's version of a function wins over an earlier
 * one's in any set that has both (src/history/resolve.ts). Hashes are the first 12 hex digits;
 * a proposal or mutation, which never was a kernel commit, has a name instead.
 */

import type { KernelFeatures } from '../kernel/machine.js';

export interface Commit {
  /** The kernel's 12-digit abbreviated hash, or a name for what never was a kernel commit. */
  readonly id: string;
  readonly title: string;
  /** The first release (or -rc) that has it, as far as the sources read say. */
  readonly release: string;
  readonly kind: 'commit' | 'series' | 'proposal' | 'mutation' | 'backport';
  /** For a backport: the upstream commit it carries to an older stable line (its id names the line). */
  readonly upstream?: string;
  /** The commit named by its `Fixes:` tag (or the CVE's "introduced by"), where that was read; absent otherwise. */
  readonly fixes?: string;
  /** For a series: the other kernel commits folded into this model commit. */
  readonly also?: readonly string[];
  /** What the model's code of this commit was read from, or why it is reconstructed. */
  readonly note?: string;
  /** Kernel build features this commit switches (folded in history order over a set). */
  readonly features?: Partial<KernelFeatures>;
  /** Per-instance model fields (not machine state) its versions need, with initial values. */
  readonly fields?: Readonly<Record<string, boolean | number>>;
  /**
   * For a fix: the violations it removes, as the checker reports them, and the model commit
   * that brought each in. A commit with guards is a *fix*: `check --continue` names it for a
   * matching violation, and `fpctx mutants` reverts it and expects `hunt` to find one of them.
   */
  readonly guards?: readonly Guard[];
}

/** A violation a fix removes: what is violated, where it is detected, since which commit. */
export interface Guard {
  readonly invariant: 'no-uaf' | 'integrity' | 'guest-integrity' | 'kernel-integrity' | 'kernel-warn' | 'memory-safety';
  readonly kind?: 'lost' | 'corrupt' | 'leak';
  /** The kernel function or observation point that detects it (Violation.where); absent: any. */
  readonly where?: string;
  /** The model commit that introduced the bug (it must be in a set for the guard to apply). */
  readonly since: string;
  /** The CPU the bug needs (`--hw` spelling), when not the variant's own: `mutants` hunts there. */
  readonly hw?: string;
  /**
   * A kernel feature the bug needs compiled in (scenario spelling), when the code exists in
   * builds without it: `mutants` reverts the fix in a release built with it (the Debian 6.12
   * build has SME's code but not CONFIG_ARM64_SME).
   */
  readonly feature?: 'sme' | 'fpmr' | 'sve_guests';
}

const START = '8cd969d28fd2';
const SME_ERA = 'ef3be86021c3';

export const COMMITS: readonly Commit[] = [
  {
    id: '8cd969d28fd2',
    title: 'arm64/sve: Core task context handling (and the rest of the SVE series)',
    release: 'v4.15-rc1',
    kind: 'series',
    note: 'the start of the modelled history: v4.15-rc1 as reconstructed from the seed diff and snapshot O (src/kernel/ holds the functions no later commit changed)',
  },
  {
    id: '071b6d4a5d34',
    title: 'arm64: fpsimd: Prevent registers leaking from dead tasks',
    release: 'v4.15-rc3',
    kind: 'commit',
    guards: [{ invariant: 'integrity', kind: 'leak', since: START }],
  },
  {
    id: 'cb968afc7898',
    title: 'arm64/sve: Avoid dereference of dead task_struct in KVM guest entry',
    release: 'v4.15',
    kind: 'commit',
    also: ['8884b7bd7e52'],
    note: 'the seed thread (posted as RFC PATCH 2/4 on 2017-11-17)',
    guards: [{ invariant: 'no-uaf', where: 'sve_flush_cpu_state', since: START }],
  },
  {
    id: 'a45448313706',
    title: 'arm64: fpsimd: Fix copying of FP state from signal frame into task struct',
    release: 'v4.15-rc4',
    kind: 'commit',
    // The garbage fpsimd_state.cpu skips a reload: of an older V (lost) or a stale SVE part (corrupt, found by hunt).
    guards: [
      { invariant: 'integrity', kind: 'lost', since: START },
      { invariant: 'integrity', kind: 'corrupt', since: START },
    ],
  },
  {
    id: 'flush-always',
    title: "KVM: flush the CPU's FP binding before every guest entry (Christoffer Dall's review alternative, never merged)",
    release: '-',
    kind: 'proposal',
  },
  {
    id: 'no-sve-flush',
    title: 'no flush of SVE bindings before guest entry (mutation: what the flush protects)',
    release: '-',
    kind: 'mutation',
  },
  {
    id: 'e6b673b741ea',
    title: 'KVM: arm64: Optimise FPSIMD handling to reduce guest/host thrashing (and the v4.18 fpsimd.c series)',
    release: 'v4.18-rc1',
    kind: 'series',
    also: ['20b8547277a6', 'd8ad71fa38a9', 'd179761519d9', 'df3fb9682045', '0cff8e776f8f', '85acda3b4a27', '21cdd7fd76e3'],
  },
  {
    id: 'b045e4d0f392',
    title: "KVM: arm64: Don't mask softirq with IRQs disabled in vcpu_put()",
    release: 'v4.18',
    kind: 'commit',
    guards: [{ invariant: 'kernel-warn', where: 'local_bh_enable', since: 'e6b673b741ea' }],
  },
  {
    id: 'b3eb56b629d1',
    title: 'KVM: arm64/sve: Fix SVE trap restoration for non-current tasks',
    release: 'v4.18',
    kind: 'commit',
    also: ['2955bcc8c309'],
    note: '2955bcc8c309 (restore TIF_SVE only after saving the vcpu state) is folded in: the model has the put_fp of v4.18-rc1 and of v4.18, not the state between them',
    guards: [
      { invariant: 'kernel-warn', where: 'do_sve_acc', since: 'e6b673b741ea' },
      { invariant: 'integrity', kind: 'leak', since: 'e6b673b741ea' },
    ],
  },
  {
    id: 'e35ac9d0b56e',
    title: 'arm64/sve: Use correct size when reinitialising SVE state',
    release: 'v5.15',
    kind: 'commit',
    note: "Mark Brown, Sept 2021, Cc stable (5.4 review copy, index id 13286574896; mainline hash from a mainline log, index id 65812824220); Fixes: bc0ee4760364, part of 8cd969d28fd2's series. sve_alloc() zeroed an existing buffer for sve_state_size(current): a tracer's NT_ARM_SVE write to a tracee with a smaller VL overflowed the tracee's buffer. No guards: only the ptrace and vl families together reach it",
  },
  {
    id: '8383741ab2e7',
    title: 'KVM: arm64: Get rid of host SVE tracking/saving (and the v4.19-v5.17 changes before it)',
    release: 'v5.17',
    kind: 'series',
    also: ['54b8c7cbc57c', 'cccb78ce89c4'],
    note: 'snapshot K0; with SVE guests (v5.2), the in-register SVE trap conversion cccb78ce89c4 (v5.13) and the FP_FOREIGN_FPSTATE mirror',
    features: { ext: true, guestSve: true },
  },
  {
    id: 'd52d165d67c5',
    title: 'KVM: arm64: Always start with clearing SVE flag on load',
    release: 'v5.19-rc3',
    kind: 'commit',
    fixes: '8383741ab2e7',
    guards: [{ invariant: 'integrity', kind: 'corrupt', since: '8383741ab2e7' }],
  },
  {
    id: 'fbc7e61195e2-6.1',
    title: 'KVM: arm64: Unconditionally save+flush host FPSIMD/SVE/SME state (6.1.y backport)',
    release: 'v6.1.y (Debian 6.1.192)',
    kind: 'backport',
    upstream: 'fbc7e61195e2',
    note: 'upstream fbc7e61195e2 as linux-source-6.1 (6.1.192-3) has it, written over the v5.17 KVM code the 6.1 line keeps: arch/arm64/kvm/fpsimd.c:73-90 and :144-165. A side branch: no later commit is written over it',
  },
  {
    id: '59419f10045b-6.1',
    title: 'KVM: arm64: Eagerly switch ZCR_EL{1,2} (6.1.y backport)',
    release: 'v6.1.y (Debian 6.1.192)',
    kind: 'backport',
    upstream: '59419f10045b',
    fixes: '8c8010d69c13',
    note: 'upstream 59419f10045b as linux-source-6.1 (6.1.192-3) has it: arch/arm64/kvm/hyp/include/hyp/switch.h:170-215 (fpsimd_lazy_switch_to_guest/host, guest ownership read from vcpu->arch.fp_state), called at nvhe/hyp-main.c:29-31 and vhe/switch.c:137,169; put_fp (kvm/fpsimd.c:144-165) no longer touches ZCR_EL1',
    guards: [{ invariant: 'kernel-warn', where: 'fpsimd_save', since: '8383741ab2e7' }],
  },
  {
    id: 'd4d5be94a878-6.1',
    title: 'arm64/fpsimd: Ensure SME storage is allocated after SVE VL changes (6.1.y backport)',
    release: 'v6.1.y (6.1.42)',
    kind: 'backport',
    upstream: 'd4d5be94a878',
    note: 'upstream d4d5be94a878 (v6.5-rc3, Mark Brown; hash and title from a mainline log, index id 66421639068, and the applied-patch mail, index id 24049675930): vec_set_vector_length() frees and at once reallocates sve_state (sve_free(); sve_alloc(task, true)) — but before task_set_vl(), so the buffer is sized for the old VL. In 6.1.42 only (CVE-2023-53184: affected >=6.1.42 <6.1.43, index id 68415021599)',
  },
  {
    id: '05d881b85b48-6.1',
    title: 'arm64/sme: Set new vector length before reallocating (6.1.y backport)',
    release: 'v6.1.y (6.1.43)',
    kind: 'backport',
    upstream: '05d881b85b48',
    fixes: 'd4d5be94a878-6.1',
    note: "upstream 05d881b85b48 (v6.5-rc4; the patch mail, index id 45625435291: Fixes: d4d5be94a878; the CVE record's stable links, index id 68415021599); Debian 6.1.192 has the result: arch/arm64/kernel/fpsimd.c:900-911 (task_set_vl(), then sve_free() and sve_alloc(task, true))",
    guards: [{ invariant: 'memory-safety', since: 'd4d5be94a878-6.1' }],
  },
  {
    id: '751ecf6afd65-6.1',
    title: 'arm64/sve: Discard stale CPU state when handling SVE traps (6.1.y backport)',
    release: 'v6.1.y (Debian 6.1.192)',
    kind: 'backport',
    upstream: '751ecf6afd65',
    fixes: '8383741ab2e7',
    note: 'CVE-2024-50275 as linux-source-6.1 (6.1.192-3) has it: arch/arm64/kernel/fpsimd.c:1393-1416 (sve_init_regs() flushes the task binding when the state is not live), over the v5.17 do_sve_acc() the 6.1 line keeps',
    // The stale binding a migrated SVE trap leaves is caught by fpsimd_save()'s RDVL check, or,
    // when a signal comes first, shows as stale SVE data in the frame (hunt on v5.17: 16 steps
    // with core,signal,hotplug on 2 CPUs; ok with this backport).
    guards: [
      { invariant: 'kernel-warn', where: 'fpsimd_save', since: '8383741ab2e7' },
      { invariant: 'integrity', kind: 'corrupt', where: 'setup_sigframe', since: '8383741ab2e7' },
    ],
  },
  {
    id: 'ef3be86021c3',
    title: 'KVM: arm64: Add save/restore support for FPMR (and the v5.19-v6.12-rc1 SME, fp_type, kernel-NEON and FPMR changes before it)',
    release: 'v6.12-rc1',
    kind: 'series',
    also: [
      '0033cd933964',
      'f8077b0d5923',
      '1192b93ba352',
      'baa8515281b3',
      'deeb8f9a80fd',
      '62021cc36add',
      '8c845e273104',
      'e0838f6373e5',
      '93ae6b01bafe',
      'aefbab8e77eb',
      '2632e2521769',
      'e92bee9f861b',
      '203f2b95a882',
      '8c46def44409',
    ],
    note: 'snapshots A and K (src/kernel/versions/ cites them per function)',
    features: { ext: true, sme: true, fpmr: true, guestSve: true },
    fields: { inSoftirq: false },
  },
  {
    id: '616cb2f4b141',
    title: 'arm64/signal: Restore TPIDR2 register rather than memory state',
    release: 'v6.5-rc1',
    kind: 'commit',
    fixes: '39e54499280f',
    note:
      'Mark Brown, June 2023 (stable: 6.3.y, 6.4.y). Fixes: 39e54499280f ("arm64/signal: Include TPIDR2 in the signal context", v6.3-rc1), ' +
      'which the model folds into ef3be86021c3: restore_tpidr2_context() wrote thread.tpidr2_el0, but TPIDR2 is switched eagerly, so the register ' +
      "kept the handler's value and the next switch out saved it over the restored one. Modelled as its own commit after the series so it can be " +
      'reverted (the A snapshot, v6.10, has it). Hash and title from kernel.org ref logs (index ids 66724025342, 66532829579) and the posted series (23782869779)',
    guards: [{ invariant: 'integrity', where: 'ret_to_user', since: SME_ERA }],
  },
  {
    id: '751ecf6afd65',
    title: 'arm64/sve: Discard stale CPU state when handling SVE traps',
    release: 'v6.12-rc7',
    kind: 'commit',
    fixes: 'cccb78ce89c4',
    note: 'CVE-2024-50275; the model folds cccb78ce89c4 into 8383741ab2e7',
    // The RDVL check is in fpsimd_save() in v5.17, in fpsimd_save_user_state() from v6.x.
    guards: [
      { invariant: 'kernel-warn', where: 'fpsimd_save', since: '8383741ab2e7' },
      { invariant: 'kernel-warn', where: 'fpsimd_save_user_state', since: '8383741ab2e7' },
    ],
  },
  {
    id: '81235ae0c846',
    title: 'arm64: Kconfig: Make SME depend on BROKEN for now',
    release: 'v6.12-rc7',
    kind: 'commit',
    features: { sme: false },
  },
  {
    id: 'fbc7e61195e2',
    title: 'KVM: arm64: Unconditionally save+flush host FPSIMD/SVE/SME state',
    release: 'v6.14',
    kind: 'series',
    also: ['8eca7f6d5100', '459f059be702', '407a99c4654e'],
    guards: [
      { invariant: 'integrity', kind: 'lost', since: SME_ERA },
      { invariant: 'integrity', kind: 'corrupt', since: SME_ERA },
    ],
  },
  {
    id: '59419f10045b',
    title: 'KVM: arm64: Eagerly switch ZCR_EL{1,2}',
    release: 'v6.14',
    kind: 'commit',
    fixes: '8c8010d69c13',
    note:
      'the last of the fbc7e61195e2 series (after 9b66195063c5 and f9dd00de1e53, refactors the model does not see); ' +
      'Fixes: 8c8010d69c13 "KVM: arm64: Save/restore SVE state for nVHE" (v5.12, before the modelled v5.17) and 2e3cf82063a0 (NV, not modelled). ' +
      "Read from the 6.12 stable backport's diff and linux-source-6.12 arch/arm64/kvm/hyp/include/hyp/switch.h:350-405",
    // nVHE: the guest's ZCR_EL1 is the host's VL between guest exit and vcpu_put; a softirq's
    // kernel-mode NEON then saves the bound guest state and fails the RDVL check.
    guards: [
      { invariant: 'kernel-warn', where: 'fpsimd_save_user_state', since: '8383741ab2e7' },
      { invariant: 'kernel-warn', where: 'fpsimd_save', since: '8383741ab2e7' },
    ],
  },
  {
    id: 'e5fa85fce08b',
    title: "arm64/fpsimd: Don't corrupt FPMR when streaming mode changes",
    release: 'mainline',
    kind: 'commit',
    also: ['45fd86986b79'],
    note: '45fd86986b79 "Remove redundant SVE trap manipulation" is folded in (the same function)',
    guards: [{ invariant: 'integrity', kind: 'lost', since: SME_ERA }],
  },
  {
    id: 'd3eaab3c7090',
    title: 'arm64/fpsimd: Discard stale CPU state when handling SME traps',
    release: 'mainline',
    kind: 'commit',
    guards: [{ invariant: 'kernel-warn', where: 'do_sme_acc', since: SME_ERA }],
  },
  {
    id: '01098d893fa8',
    title: 'arm64/fpsimd: Avoid clobbering kernel FPSIMD state with SMSTOP',
    release: 'mainline',
    kind: 'commit',
    // SMSTOP is an SME instruction: no bug where SME is compiled out (v6.12.y has the fix).
    guards: [{ invariant: 'kernel-integrity', since: SME_ERA, feature: 'sme' }],
  },
  {
    id: 'a90878f297d3',
    title: 'arm64/fpsimd: Reset FPMR upon exec()',
    release: 'mainline',
    kind: 'commit',
    guards: [{ invariant: 'integrity', kind: 'lost', since: SME_ERA }],
  },
  {
    id: 'c94f2f326146',
    title: 'arm64/fpsimd: Fix merging of FPSIMD state during signal return',
    release: 'v6.15',
    kind: 'commit',
    note: "Mark Rutland, April 2025, Cc stable: fpsimd_update_current_state() merges the frame's V registers into sve_state when fp_type is FP_STATE_SVE, not TIF_SVE (a streaming restore has the first without the second). Debian 6.12.118 has it (fpsimd.c:1804-1822); it was folded into 929fa99b1215 until the v6.12.y audit",
  },
  {
    id: '929fa99b1215',
    title: 'arm64/fpsimd: signal: Always save+flush state early',
    release: 'v6.15',
    kind: 'series',
    also: ['d3a181588df9', '99560c9452bb'],
    guards: [
      { invariant: 'integrity', kind: 'lost', since: SME_ERA },
      { invariant: 'integrity', kind: 'corrupt', since: SME_ERA },
      // The FPMR record read from the live register, holding another task's value (hunt).
      { invariant: 'integrity', kind: 'leak', where: 'setup_sigframe', since: SME_ERA },
    ],
  },
  {
    id: '398edaa12f9c',
    title: 'arm64/fpsimd: Do not discard modified SVE state',
    release: 'v6.16',
    kind: 'commit',
    guards: [{ invariant: 'integrity', kind: 'corrupt', since: SME_ERA }],
  },
  {
    id: '49ce484187f7',
    title: 'arm64/fpsimd: ptrace/prctl: Ensure VL changes do not resurrect stale data',
    release: 'v6.16',
    kind: 'series',
    also: ['b87c8c4aca11'],
    guards: [{ invariant: 'integrity', kind: 'lost', since: SME_ERA }],
  },
  {
    id: '316283f276eb',
    title: 'arm64/fpsimd: ptrace: Consistently handle partial writes to NT_ARM_(S)SVE',
    release: 'v6.16',
    kind: 'series',
    also: ['054d627c5554', 'b93e685ecff7', 'f916dd32a943', '9f8bf718f292'],
    note: 'with the rest of the ptrace part of the 2025 series as snapshot B has it: save task state before generating the SVE header, no register data for the inactive mode, SVE payload mandated for streaming state, errors handled gracefully (whose system_supports_sme() guard 128a7494a9f1 removed); hashes from a backport listing (index id 55133223415). Guards: before it a header-only NT_ARM_SVE write to a task with TIF_SVE zeroed sve_state without refilling it (v4.15-v6.12.y; sve.rst says only the VL and flags change), and an NT_ARM_SSVE write failing with -ENOMEM left SVCR.SM and TIF_SME set (9f8bf718f292 allocates before changing anything)',
    guards: [
      { invariant: 'integrity', kind: 'lost', where: 'sve_get', since: START },
      { invariant: 'integrity', kind: 'corrupt', where: 'ret_to_user', since: SME_ERA },
      { invariant: 'memory-safety', where: 'fpsimd_save_user_state', since: SME_ERA },
    ],
  },
  {
    id: 'e0cb0f26594c',
    title: 'arm64/fpsimd: Consistently preserve FPSIMD state during clone()',
    release: 'v6.16',
    kind: 'commit',
    guards: [{ invariant: 'integrity', kind: 'lost', since: START }],
  },
  {
    id: 'sme-reenable',
    title: 'arm64: SME selectable again (no longer depends on BROKEN)',
    release: 'v6.16',
    kind: 'commit',
    note: 'the end of the 2025 rework series; its hash was not read',
    features: { sme: true },
  },
  {
    id: 'e62dd507844f',
    title: 'KVM: arm64: Reorganise CPTR trap manipulation',
    release: 'mainline',
    kind: 'commit',
    note: "Mark Rutland, June 2025 (posted as 3/7 of the CPTR series; mainline hash from the series' applied-commits list, index id 35261222578; release not checked). VHE's __deactivate_cptr_traps() now enables SVE/SME for host EL0 as well as EL1 (CPACR_EL1.ZEN/SMEN = 0b11); before it, kvm_reset_cptr_el2() enabled them for EL1 only (Debian 6.12.118, arch/arm64/include/asm/kvm_emulate.h:618-640). Benign after fbc7e61195e2: the host rebinds, and so reprograms the EL0 traps, before returning to EL0",
  },
  {
    id: '128a7494a9f1',
    title: 'arm64/fpsimd: ptrace: Fix SVE writes on !SME systems',
    release: 'after the modelled mainline',
    kind: 'commit',
    fixes: '9f8bf718f292',
    note: 'Mark Rutland, arm64 for-next/fixes 2026-01-22 with d2907cbe9ea0, Cc stable (6.18 review copy, index id 62161087450); syzbot report. 9f8bf718f292 ("ptrace: Gracefully handle errors") is part of the 2025 series the model folds into 316283f276eb',
  },
  {
    id: 'd2907cbe9ea0',
    title: 'arm64/fpsimd: signal: Fix restoration of SVE context',
    release: 'after the modelled mainline',
    kind: 'commit',
    fixes: '85ed24dad290',
    note: 'Mark Rutland, 2026-01-20, Cc stable; Fixes: 85ed24dad290 ("arm64/sme: Implement streaming SVE signal handling", v5.19), which the model folds into ef3be86021c3. Read from the stable review copy (index id 62128739268)',
  },
  {
    // The upstream commit was not identified with the search tools: B (Kingxukai/linux
    // @0291023e7330, v6.16+) still accepts the record; Debian 6.1.192 (arch/arm64/kernel/
    // signal.c:296-309) and 6.12.118 (signal.c:431-446) reject it, so a later upstream fix was
    // backported to both stable lines. Named for what it does until its hash is known.
    id: 'sme-only-sve-payload',
    title: 'arm64/fpsimd: signal: on SME-only systems, accept a non-streaming SVE context only without a payload',
    release: 'after the modelled mainline',
    kind: 'commit',
    note: 'Mark Brown\'s 2022 fix for SME-only systems (signal.c: "A SME only system use SVE for streaming mode so can have a SVE formatted context with a zero VL and no payload data"), folded into ef3be86021c3, accepted such a context with any payload; the later check takes only the header. Upstream id not identified',
    guards: [{ invariant: 'memory-safety', where: 'task_fpsimd_load', since: SME_ERA, hw: 'sme' }],
  },
  {
    id: '63de2b3859ba',
    title: 'arm64/efi: Remove unneeded SVE/SME fallback preserve/store handling',
    release: 'after the modelled mainline',
    kind: 'series',
    also: ['7137a203b251'],
    note:
      'Ard Biesheuvel, Nov 2025: applied to arm64 for-next/fixes (Catalin Marinas, "for -rc1"; hash 63de2b3859ba1def9f43ed0a9c25a68810208e5c ' +
      'in kernel.org ref logs, index ids 41018360114, 67186728439), on top of 7137a203b251 ("arm64/fpsimd: Permit kernel mode NEON with IRQs off", ' +
      'same series as 1d038e801833 and e04796c8b598, index id 40361417020). Not marked as a fix: its message says the fallback is reached only ' +
      'from hardirq/NMI on a dying system. Read from the posted patch (index id 41496363567). In torvalds/linux master on 2025-12-20 ' +
      '(v6.19-rc2: the post-receive log of torvalds/linux, index id 67186728439)',
    guards: [
      // FPMR zeroed by the fallback's two changes of PSTATE.SM and not restored (hunt: core,sme,fpmr,efi).
      { invariant: 'integrity', kind: 'lost', where: 'ret_to_user', since: SME_ERA, hw: 'sve,sme,fpmr' },
      // The streaming VL above sve_max_vl() (needs the SME VL above the SVE one: scenario
      // efi-streaming-vl, `--vl sve=256,sme=512`; hunt runs its efi jobs there, so mutants sees it).
      { invariant: 'memory-safety', where: '__efi_fpsimd_begin', since: SME_ERA, hw: 'sve,sme' },
    ],
  },
  {
    id: '5cbb61bf4168',
    title: "arm64/fpsimd: ptrace: zero target's fpsimd_state, not the tracer's",
    release: 'after the modelled mainline',
    kind: 'commit',
    fixes: '316283f276eb',
    guards: [{ invariant: 'integrity', kind: 'lost', since: '316283f276eb' }],
  },
];

/** A commit as JSON (id, title, release, kind, also, fixes and the fixed commit's title). */
export function commitJson(c: Commit): object {
  const f = c.fixes ? findCommit(c.fixes) : undefined;
  return {
    id: c.id,
    title: c.title,
    release: c.release,
    kind: c.kind,
    ...(c.upstream ? { upstream: c.upstream } : {}),
    ...(c.also ? { also: c.also } : {}),
    ...(c.fixes ? { fixes: c.fixes } : {}),
    ...(f ? { fixesTitle: f.title } : {}),
  };
}

const INDEX = new Map(COMMITS.map((c, i) => [c.id, i]));

/** A commit's place in the history (older first), or undefined for an unknown id. */
export function commitIndex(id: string): number | undefined {
  return INDEX.get(id);
}

export function findCommit(id: string): Commit | undefined {
  const i = INDEX.get(id);
  return i === undefined ? undefined : COMMITS[i];
}

/**
 * The model commit an id names: its own id, an abbreviation of it (7 hex digits or more,
 * unambiguous), a longer form of it (a full 40-digit hash), or a kernel commit a series folds in.
 */
export function lookupCommit(text: string): Commit | undefined {
  const t = text.toLowerCase();
  const own = findCommit(t);
  if (own) return own;
  if (/^[0-9a-f]{7,40}$/.test(t)) {
    // A hash names an upstream commit: a backport (named `<upstream>-<line>`) only by its full id.
    const hits = COMMITS.filter(
      (c) => c.kind !== 'backport' && (c.id.startsWith(t) || t.startsWith(c.id) || c.also?.some((a) => a.startsWith(t) || t.startsWith(a))),
    );
    if (hits.length === 1) return hits[0];
  }
  return undefined;
}
