/**
 * The invariants fpctx checks, in one catalogue.
 *
 * The protocol keeps a two-sided cached binding (DESIGN.md §0): each CPU remembers whose state
 * its registers hold (`fpsimd_last_state`), each context remembers which CPU last held it
 * (`fpsimd_cpu`), and a reload may be skipped only while both sides agree. What can go wrong is
 * one of these:
 *
 *  - the kernel follows the per-CPU pointer to a task that no longer exists (`no-uaf`);
 *  - a user context runs with registers that are not its own latest state (`integrity`), which
 *    is either its own older data (`lost`), its own V part with a damaged SVE part (`corrupt`),
 *    or somebody else's data (`leak`, a security failure);
 *  - a guest runs with registers that are not its latest state (`guest-integrity`);
 *  - a task-level kernel-mode NEON section, preemptible since v6.8, resumes with registers that
 *    are not the ones it wrote (`kernel-integrity`: the kselftest kernel-test's digest mismatch);
 *  - the kernel saves or loads SVE state through a NULL thread.sve_state, or more of it than
 *    the buffer was sized for (`memory-safety`);
 *  - the kernel would hit one of its own WARN_ON()s (`kernel-warn`), i.e. the model reached a
 *    state the code's author declared impossible.
 *
 * Each violation carries a stable code (FPC1xx for invariants, FPC2xx for kernel warnings) that
 * documentation, tests and reports refer to.
 */

import { GARBAGE, ZERO, writerOf, type Token } from '../arch/tokens.js';

export type InvariantId = 'no-uaf' | 'integrity' | 'guest-integrity' | 'kernel-integrity' | 'memory-safety' | 'kernel-warn';
export type IntegrityKind = 'lost' | 'corrupt' | 'leak';

export interface InvariantInfo {
  readonly id: InvariantId;
  readonly code: string;
  readonly title: string;
  readonly doc: string;
}

export const INVARIANTS: readonly InvariantInfo[] = [
  {
    id: 'no-uaf',
    code: 'FPC101',
    title: 'no use of a freed task',
    doc:
      'The kernel never dereferences task memory through a pointer whose task has been freed ' +
      '(or whose slot now holds a different task). fpsimd_last_state.st may dangle: it may be ' +
      'compared, never followed, unless its owner is known to be alive.',
  },
  {
    id: 'integrity',
    code: 'FPC102',
    title: 'user FP state intact',
    doc:
      'Whenever a user context runs (every return to user mode, every user FP read), the ' +
      'registers hold exactly the state it last wrote: the V part always, the SVE part whenever ' +
      'user space can access it. lost = an older version of its own data or nothing at all; ' +
      "corrupt = V right but the SVE part zeroed or stale; leak = another context's data.",
  },
  {
    id: 'guest-integrity',
    code: 'FPC103',
    title: 'guest FP state intact',
    doc: 'Whenever a guest uses FP, the registers hold exactly the state that guest last wrote.',
  },
  {
    id: 'kernel-integrity',
    code: 'FPC104',
    title: 'kernel-mode NEON state intact',
    doc:
      'Whenever a task-level kernel-mode NEON section uses its registers (v6.8+, where such a ' +
      'section can be preempted and its state is context-switched with TIF_KERNEL_FPSTATE), ' +
      'they hold exactly what the section last wrote.',
  },
  {
    id: 'memory-safety',
    code: 'FPC105',
    title: 'SVE state stays inside its buffer',
    doc:
      'The kernel saves or loads SVE register state through thread.sve_state only while it is ' +
      'allocated, and never more of it than the buffer was sized for: sve_state_size() at ' +
      'allocation time (the SVE VL, or since SME the larger of the SVE and SME VLs). A NULL ' +
      'buffer is an oops, a larger VL a heap overflow or over-read. The same holds for the EFI ' +
      'save area efi_sve_state, addressed through its FFR slot.',
  },
  {
    id: 'kernel-warn',
    code: 'FPC201',
    title: 'kernel assertion',
    doc: 'A WARN_ON() of the modelled kernel fires: the model reached a state its authors declared impossible.',
  },
];

export function invariantInfo(id: InvariantId): InvariantInfo {
  const info = INVARIANTS.find((i) => i.id === id);
  if (!info) throw new Error(`unknown invariant ${id}`);
  return info;
}

/** One detected violation, as the model reports it. */
export interface Violation {
  readonly invariant: InvariantId;
  readonly kind?: IntegrityKind;
  readonly code: string;
  /** One line, naming the CPU, the context and the fields involved. */
  readonly message: string;
  /** The kernel function in which the violation was detected. */
  readonly where: string;
}

/**
 * Judges what a context sees in one register part against what it expects.
 *
 * `own` is the writer id of the context itself. Data written by anyone else (another task, a
 * guest, the kernel, a dead task) is a leak whichever part it appears in. Otherwise the V part
 * is `lost` and the SVE part `corrupt`.
 */
export function judgePart(part: 'V' | 'Hi', expected: Token, actual: Token, own: number): IntegrityKind | null {
  if (actual === expected) return null;
  if (actual !== ZERO && actual !== GARBAGE && writerOf(actual) !== own) return 'leak';
  return part === 'V' ? 'lost' : 'corrupt';
}
