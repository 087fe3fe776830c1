/**
 * The sealed specification: what each observer of the FP state must see, as plain functions of
 * the machine state.
 *
 * Kernel code never judges itself. At an *observation point* it reports that something looks at
 * a context — user space runs or reads its registers, a kernel-mode NEON section resumes, a
 * tracer reads a regset, a signal handler finds its frame, a guest uses FP, a pointer is
 * followed — and the function here decides, from the state alone (the live registers of the
 * executing CPU, memory, and the ghost `exp_*` fields the user-space and guest models write),
 * whether that observer sees what it last wrote. The kernel supplies facts only: *when* the
 * observer looks and, where its ABI lets it choose, *which format* it presents (a regset read
 * reports whether the kernel hands out SVE or FPSIMD layout). A variant or a plug-in cannot
 * replace these functions: they are module functions, not methods, and the machine services
 * they report through are sealed (Machine.SEALED).
 *
 * Each function reports through `m.fail()`, which unwinds the step (checker, scenarios) or
 * records and returns (the cost driver's lenient machines); the code after a `fail` therefore
 * runs in the lenient case, and the order of the judgements below is part of the contract (the
 * cost golden outputs count every violation).
 */

import { ZERO, type Token } from '../arch/tokens.js';
import { judgePart, type IntegrityKind, type InvariantId } from './invariants.js';

// What the specification reads of the machine's records, stated here rather than imported: the
// spec sits below the kernel (test/layering.test.ts) and sees its state only through these
// fields. Field names are the kernel records' (src/kernel/records.ts); the machine's views
// satisfy these shapes structurally, which the compiler checks at every observation call.

/** The executing CPU's registers and EL0 trap controls, and the ghost side of its binding. */
export interface ObservedCpu {
  readonly id: number;
  readonly regV: Token;
  readonly regHi: Token;
  readonly zen_el0: boolean;
  readonly hw_vq: number;
  /** fpsimd_last_state names freed storage (ghost). */
  readonly last_dangling: boolean;
  // SME-era registers (layouts with the extension only)
  readonly regSM: boolean;
  readonly smen_el0: boolean;
  readonly hw_svq: number;
  readonly regZAen: boolean;
  readonly regZA: Token;
  readonly regZT0: Token;
  readonly regFPMR: Token;
  readonly regTPIDR2: Token;
}

/** A task: what user space last wrote (ghost `exp_*`), its memory copies and its signal frame. */
export interface ObservedTask {
  readonly slot: number;
  readonly TIF_SVE: boolean;
  readonly sve_vq: number;
  readonly exp_V: Token;
  readonly exp_Hi: Token;
  readonly uw_V: Token;
  readonly sve_V: Token;
  readonly sve_Hi: Token;
  readonly sig_V: Token;
  readonly sig_sve: boolean;
  readonly sig_Hi: Token;
  /** thread.sve_state is allocated, and the VL (in quadwords) it was sized for. */
  readonly sve_state: boolean;
  readonly sve_state_vq: number;
  // SME era
  readonly sme_vq: number;
  readonly exp_kst: Token;
  readonly exp_SM: boolean;
  readonly exp_ZAen: boolean;
  readonly exp_ZA: Token;
  readonly exp_ZT0: Token;
  readonly exp_FPMR: Token;
  readonly exp_TPIDR2: Token;
  readonly sig_za: boolean;
  readonly sig_ZA: Token;
  readonly sig_ZT0: Token;
  readonly sig_FPMR: Token;
  readonly sig_TPIDR2: Token;
  // read by the tracer's SME-era regset reads (tracerReadsZa, tracerReadsFpmr)
  readonly svcr_ZA: boolean;
  readonly sme_ZA: Token;
  readonly sme_ZT0: Token;
  readonly uw_fpmr: Token;
  readonly tpidr2: Token;
}

/** A vcpu: what its guest last wrote. */
export interface ObservedVcpu {
  readonly id: number;
  readonly exp_V: Token;
  readonly exp_Hi: Token;
  readonly has_sve: boolean;
}

/** What the specification reads of a machine, and where it reports. */
export interface Observed {
  /** The CPU executing the observed code (smp_processor_id()). */
  readonly cpu: ObservedCpu;
  /** `ext`: the layout has the SME-era words. */
  readonly cfg: { readonly ext?: boolean };
  /** Writer ids of data tokens: whose data a register or memory word holds. */
  readonly layout: { writerOfTask(slot: number): number; writerOfGuest(v: number): number; readonly kernelWriter: number };
  /** Names for messages. */
  readonly naming: { task(slot: number): string; guest(v: number): string; token(t: Token): string };
  /** The system has FEAT_FPMR (FPMR is part of every context). */
  readonly hasFpmr: boolean;
  /** The system uses SME (system_supports_tpidr2(): TPIDR2_EL0 is part of every context). */
  readonly hasSme: boolean;
  fail(invariant: InvariantId, kind: IntegrityKind | undefined, where: string, message: string): never;
}

/**
 * User space runs (every return to user mode) or reads its registers back (fpsimd-test,
 * sve-test): the registers of the executing CPU are its latest state — the V part always, the
 * SVE part when EL0 can access it without trapping (otherwise the first access traps and
 * do_sve_acc rebuilds it), and on layouts of the SME era PSTATE.SM, PSTATE.ZA, ZA/ZT0 while
 * enabled, FPMR on systems with FEAT_FPMR, and TPIDR2 on systems using SME.
 */
export function userRuns(m: Observed, t: ObservedTask, where: string): void {
  const c = m.cpu;
  const own = m.layout.writerOfTask(t.slot);
  const n = m.naming;
  const ext = m.cfg.ext === true;
  if (ext && c.regSM !== t.exp_SM) {
    // ssve-test / za-test read SVCR back (svcr_barf): the mode itself is part of the state.
    m.fail('integrity', 'corrupt', where, `${n.task(t.slot)} on cpu${c.id} runs with PSTATE.SM=${+c.regSM}, it set ${+t.exp_SM}`);
  }
  let kind = judgePart('V', t.exp_V, c.regV, own);
  let part = 'V';
  let expected = t.exp_V;
  let actual = c.regV;
  // Z/P beyond V: accessible without a trap through CPACR_EL1.ZEN, or in streaming mode SMEN.
  const streaming = ext && c.regSM;
  const sveOpen = streaming ? c.smen_el0 : c.zen_el0;
  if (!kind && streaming && c.smen_el0 && c.hw_svq !== t.sme_vq) {
    m.fail(
      'integrity',
      'corrupt',
      where,
      `${n.task(t.slot)} on cpu${c.id} runs streaming SVE at VL ${c.hw_svq * 128}, its SME VL is ${t.sme_vq * 128}`,
    );
  }
  if (!kind && !streaming && c.zen_el0 && t.TIF_SVE && c.hw_vq !== t.sve_vq) {
    // RDVL disagrees with the VL the task set (sve-test's vl_barf): its Z/P data is laid out
    // for another length, whatever the tokens say.
    m.fail('integrity', 'corrupt', where, `${n.task(t.slot)} on cpu${c.id} runs SVE at VL ${c.hw_vq * 128}, its VL is ${t.sve_vq * 128}`);
  }
  if (!kind && sveOpen) {
    kind = judgePart('Hi', t.exp_Hi, c.regHi, own);
    part = 'SVE part';
    expected = t.exp_Hi;
    actual = c.regHi;
  } else if (!kind && !streaming && !t.TIF_SVE && t.exp_Hi !== ZERO) {
    // SVE state user space wrote (EL0 SVE was enabled although TIF_SVE was clear) that the
    // kernel does not track: its next SVE access traps, and do_sve_acc() hands it zeroed
    // Z/P/FFR above V. What it reads back is zero, not what it wrote.
    kind = 'corrupt';
    part = 'SVE part (untracked: EL0 SVE access traps and do_sve_acc zeroes it)';
    expected = t.exp_Hi;
    actual = ZERO;
  }
  if (!kind && ext) smeUserState(m, t, c, where);
  if (kind) {
    m.fail(
      'integrity',
      kind,
      where,
      `${n.task(t.slot)} on cpu${c.id} sees ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
    );
  }
}

/** The SME-era parts of a running user context: PSTATE.ZA as it set it, ZA and ZT0 while enabled, FPMR. */
function smeUserState(m: Observed, t: ObservedTask, c: ObservedCpu, where: string): void {
  const own = m.layout.writerOfTask(t.slot);
  const n = m.naming;
  if (c.regZAen !== t.exp_ZAen) {
    m.fail(
      'integrity',
      t.exp_ZAen ? 'lost' : 'corrupt',
      where,
      `${n.task(t.slot)} on cpu${c.id} runs with PSTATE.ZA=${+c.regZAen}, it set ${+t.exp_ZAen}`,
    );
  }
  const parts: [string, Token, Token][] = [];
  if (t.exp_ZAen) parts.push(['ZA', t.exp_ZA, c.regZA], ['ZT0', t.exp_ZT0, c.regZT0]);
  if (m.hasFpmr) parts.push(['FPMR', t.exp_FPMR, c.regFPMR]);
  if (m.hasSme) parts.push(['TPIDR2', t.exp_TPIDR2, c.regTPIDR2]);
  for (const [part, expected, actual] of parts) {
    const kind = judgePart('V', expected, actual, own);
    if (kind)
      m.fail(
        'integrity',
        kind,
        where,
        `${n.task(t.slot)} on cpu${c.id} sees ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
      );
  }
}

/**
 * User space executes a ZA/ZT0 instruction after setting PSTATE.ZA (SMSTART ZA): with PSTATE.ZA
 * clear under it (a kernel bug) the access is undefined and the task dies with SIGILL, so its ZA
 * is lost.
 */
export function userAccessesZa(m: Observed, t: ObservedTask, where: string): void {
  const c = m.cpu;
  if (!c.regZAen)
    m.fail(
      'integrity',
      'lost',
      where,
      `${m.naming.task(t.slot)} on cpu${c.id} accesses ZA with PSTATE.ZA clear, which it had set (SIGILL)`,
    );
}

/**
 * A task-level kernel-mode NEON section (v6.8+, preemptible) uses the registers again: they hold
 * what it last wrote (kselftest kernel-test: the digest matches).
 */
export function kernelNeonResumes(m: Observed, t: ObservedTask, where: string): void {
  const c = m.cpu;
  const kind = judgePart('V', t.exp_kst, c.regV, m.layout.kernelWriter);
  if (kind) {
    const n = m.naming;
    m.fail(
      'kernel-integrity',
      kind,
      where,
      `${n.task(t.slot)}'s kernel-mode NEON on cpu${c.id} sees ${n.token(c.regV)}, expected ${n.token(t.exp_kst)}`,
    );
  }
}

/**
 * A tracer reads a stopped task's FP state from memory (PTRACE_GETREGSET NT_ARM_SVE). The
 * kernel reports the format it presents, which its own bookkeeping decides (TIF_SVE before
 * v6.5, fp_type after): SVE format shows sve_state, V and the SVE part; FPSIMD format shows
 * the V registers of uw, and the rest reads as zero.
 */
export function tracerReads(m: Observed, t: ObservedTask, sveFormat: boolean, where: string): void {
  const own = m.layout.writerOfTask(t.slot);
  const memV = sveFormat ? t.sve_V : t.uw_V;
  const memHi = sveFormat ? t.sve_Hi : ZERO;
  let kind = judgePart('V', t.exp_V, memV, own);
  let part = 'V';
  let expected = t.exp_V;
  let actual = memV;
  if (!kind) {
    kind = judgePart('Hi', t.exp_Hi, memHi, own);
    part = 'SVE part';
    expected = t.exp_Hi;
    actual = memHi;
  }
  if (kind) {
    const n = m.naming;
    m.fail('integrity', kind, where, `the tracer reads ${n.token(actual)} in ${n.task(t.slot)}'s ${part}, expected ${n.token(expected)}`);
  }
}

/**
 * A tracer reads only the V registers of a stopped task: NT_ARM_SVE of a streaming task, which
 * presents "the FPSIMD subset" (sve.rst) from uw after the kernel synced it. What the tracer
 * sees must be the task's own latest V; the SVE part is not presented, so it is not judged.
 */
export function tracerReadsV(m: Observed, t: ObservedTask, where: string): void {
  const kind = judgePart('V', t.exp_V, t.uw_V, m.layout.writerOfTask(t.slot));
  if (kind) {
    const n = m.naming;
    m.fail('integrity', kind, where, `the tracer reads ${n.token(t.uw_V)} in ${n.task(t.slot)}'s V, expected ${n.token(t.exp_V)}`);
  }
}

/**
 * A tracer reads a stopped task's NT_ARM_ZA and NT_ARM_ZT regsets (sme.rst §7): whether ZA is
 * on (the header's size), ZA's data when it is, ZT0 (zero while ZA is off). They must be what
 * the task itself (or a tracer's write) last left.
 */
export function tracerReadsZa(m: Observed, t: ObservedTask, where: string): void {
  const n = m.naming;
  const own = m.layout.writerOfTask(t.slot);
  if (t.svcr_ZA !== t.exp_ZAen) {
    m.fail('integrity', 'corrupt', where, `the tracer reads PSTATE.ZA=${+t.svcr_ZA} for ${n.task(t.slot)}, which has ${+t.exp_ZAen}`);
    return;
  }
  if (!t.svcr_ZA) return;
  for (const [part, expected, actual] of [
    ['ZA', t.exp_ZA, t.sme_ZA],
    ['ZT0', t.exp_ZT0, t.sme_ZT0],
  ] as const) {
    const kind = judgePart('V', expected, actual, own);
    if (kind) {
      m.fail('integrity', kind, where, `the tracer reads ${n.token(actual)} in ${n.task(t.slot)}'s ${part}, expected ${n.token(expected)}`);
      return;
    }
  }
}

/** A tracer reads a stopped task's NT_ARM_FPMR: the saved uw.fpmr, which must be the task's own latest. */
export function tracerReadsFpmr(m: Observed, t: ObservedTask, where: string): void {
  const kind = judgePart('V', t.exp_FPMR, t.uw_fpmr, m.layout.writerOfTask(t.slot));
  if (kind) {
    const n = m.naming;
    m.fail('integrity', kind, where, `the tracer reads ${n.token(t.uw_fpmr)} in ${n.task(t.slot)}'s FPMR, expected ${n.token(t.exp_FPMR)}`);
  }
}

/** A tracer reads a stopped task's NT_ARM_TLS: TPIDR2 from thread.tpidr2_el0, which must be the task's own latest. */
export function tracerReadsTpidr2(m: Observed, t: ObservedTask, where: string): void {
  const kind = judgePart('V', t.exp_TPIDR2, t.tpidr2, m.layout.writerOfTask(t.slot));
  if (kind) {
    const n = m.naming;
    m.fail(
      'integrity',
      kind,
      where,
      `the tracer reads ${n.token(t.tpidr2)} in ${n.task(t.slot)}'s TPIDR2, expected ${n.token(t.exp_TPIDR2)}`,
    );
  }
}

/**
 * A signal handler is entered: its ucontext holds the state the interrupted code had. Every
 * frame has fpsimd_context, and sve_context register data when present. On layouts of the SME
 * era the frame also says whether ZA was on (za_context present), and carries ZA/ZT0 while it
 * was, FPMR on systems with FEAT_FPMR and TPIDR2 on systems using SME (v6.3+ frames; the
 * modelled SME builds are all later): the kernel writes those records (sig_za, sig_ZA,
 * sig_ZT0, sig_FPMR, sig_TPIDR2) where its ABI has them, and where the layout has the words but the kernel
 * lacks SME (v5.17) user space can never have enabled ZA, so those judgements hold trivially.
 */
export function handlerEntered(m: Observed, t: ObservedTask, where: string): void {
  const own = m.layout.writerOfTask(t.slot);
  const n = m.naming;
  let kind = judgePart('V', t.exp_V, t.sig_V, own);
  let part = 'fpsimd_context';
  let expected = t.exp_V;
  let actual = t.sig_V;
  if (!kind && t.sig_sve) {
    kind = judgePart('Hi', t.exp_Hi, t.sig_Hi, own);
    part = 'sve_context';
    expected = t.exp_Hi;
    actual = t.sig_Hi;
  }
  if (kind) {
    m.fail(
      'integrity',
      kind,
      where,
      `${n.task(t.slot)}'s signal handler finds ${n.token(actual)} in its ${part}, expected ${n.token(expected)}`,
    );
  }
  if (m.cfg.ext !== true) return;
  if (t.sig_za !== t.exp_ZAen) {
    m.fail(
      'integrity',
      'lost',
      where,
      `${n.task(t.slot)}'s signal frame says ZA ${t.sig_za ? 'on' : 'off'}, it was ${t.exp_ZAen ? 'on' : 'off'}`,
    );
  }
  const parts: [string, Token, Token][] = [];
  if (t.sig_za) parts.push(['za_context', t.exp_ZA, t.sig_ZA], ['zt_context', t.exp_ZT0, t.sig_ZT0]);
  if (m.hasFpmr) parts.push(['fpmr_context', t.exp_FPMR, t.sig_FPMR]);
  if (m.hasSme) parts.push(['tpidr2_context', t.exp_TPIDR2, t.sig_TPIDR2]);
  for (const [p, exp, act] of parts) {
    const k = judgePart('V', exp, act, own);
    if (k) m.fail('integrity', k, where, `${n.task(t.slot)}'s signal handler finds ${n.token(act)} in its ${p}, expected ${n.token(exp)}`);
  }
}

/** A guest uses FP: the registers hold what it last wrote (the SVE part too, for an SVE guest on an SME-era layout). */
export function guestRuns(m: Observed, v: ObservedVcpu, where: string): void {
  const c = m.cpu;
  const own = m.layout.writerOfGuest(v.id);
  const kind = judgePart('V', v.exp_V, c.regV, own);
  if (!kind && m.cfg.ext && v.has_sve) {
    const hi = judgePart('Hi', v.exp_Hi, c.regHi, own);
    if (hi) {
      const n = m.naming;
      m.fail(
        'guest-integrity',
        hi,
        where,
        `guest ${n.guest(v.id)} on cpu${c.id} sees ${n.token(c.regHi)} in its SVE part, expected ${n.token(v.exp_Hi)}`,
      );
    }
  }
  if (kind) {
    const n = m.naming;
    m.fail('guest-integrity', kind, where, `guest ${n.guest(v.id)} on cpu${c.id} sees ${n.token(c.regV)}, expected ${n.token(v.exp_V)}`);
  }
}

/**
 * The kernel follows `fpsimd_last_state.st` of the executing CPU to the task_struct that
 * contains it (container_of()); `reusedBy` names the task that slot now holds, null if free. The pointer is never cleared when its task dies (the machine
 * keeps `last_dangling` as ghost state), so it may name freed memory, or memory since reused by
 * another task: following it then is a use-after-free, whatever is done with the result.
 */
export function lastStateFollowed(m: Observed, reusedBy: string | null, where: string): void {
  const c = m.cpu;
  if (c.last_dangling) {
    const reuse = reusedBy === null ? 'freed' : `freed and reused by ${reusedBy}`;
    m.fail('no-uaf', undefined, where, `cpu${c.id} follows fpsimd_last_state to a task_struct that was ${reuse}`);
  }
}

/**
 * The kernel stores through a pointer it reports as NULL (`what`: what it was doing, for the
 * message): an oops, judged with the use-after-free rule (no dereference of memory that is not
 * a live object).
 */
export function storedThroughNull(m: Observed, isNull: boolean, where: string, what: string): void {
  if (isNull) m.fail('no-uaf', undefined, where, `cpu${m.cpu.id} ${what}`);
}

/**
 * The kernel copies `vq` quadwords of SVE register state into (`save`) or out of (`load`) the
 * task's thread.sve_state: sve_save_state()/sve_load_state() of the live registers, or a copy
 * of a signal frame or a regset. The buffer must exist and hold that VL: sve_state_size() when
 * it was allocated. NULL is an oops; a larger VL runs off the end of the allocation.
 */
export function sveStateAccessed(m: Observed, t: ObservedTask, vq: number, op: 'save' | 'load', where: string): void {
  const whose = `${m.naming.task(t.slot)}'s`;
  if (!t.sve_state) m.fail('memory-safety', undefined, where, `cpu${m.cpu.id} ${op}s ${whose} SVE state through a NULL thread.sve_state`);
  if (t.sve_state && t.sve_state_vq < vq) {
    m.fail(
      'memory-safety',
      undefined,
      where,
      `cpu${m.cpu.id} ${op}s ${whose} SVE state at VL ${vq * 128} through a thread.sve_state sized for VL ${t.sve_state_vq * 128}`,
    );
  }
}

/**
 * The kernel saves (`save`) or loads (`load`) `vq` quadwords of Z/P/FFR state through a pointer
 * to the FFR slot of a buffer laid out for `layoutVq` and allocated for `sizedVq`
 * (SVE_SIG_REGS_SIZE): sve_save_state()/sve_load_state() address Z0-Z31 and P0-P15 *below*
 * that pointer at multiples of the live VL, so Z0 lies 544 * (layoutVq - vq) bytes after the
 * buffer's start, and FFR (2 * vq bytes) at the pointer itself. A live VL larger than the
 * layout's puts the first registers before the start of the buffer; one whose FFR ends past
 * the allocation runs off its end. `what` names the buffer for the message.
 */
export function ffrAddressedAccess(
  m: Observed,
  what: string,
  vq: number,
  layoutVq: number,
  sizedVq: number,
  op: 'save' | 'load',
  where: string,
): void {
  const first = 544 * (layoutVq - vq);
  const end = 544 * layoutVq + 2 * vq;
  const size = 546 * sizedVq;
  if (first < 0) {
    m.fail(
      'memory-safety',
      undefined,
      where,
      `cpu${m.cpu.id} ${op}s SVE state at VL ${vq * 128} into ${what} laid out for VL ${layoutVq * 128}: Z0 lies ${-first} bytes before the buffer`,
    );
  }
  if (end > size) {
    m.fail(
      'memory-safety',
      undefined,
      where,
      `cpu${m.cpu.id} ${op}s SVE state at VL ${vq * 128} into ${what} sized for VL ${sizedVq * 128}: FFR ends ${end - size} bytes past the buffer`,
    );
  }
}
