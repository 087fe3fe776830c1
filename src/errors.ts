/**
 * The closed list of fpctx's codes, one meaning each, and bad input as a value.
 *
 *  - FPC1xx/FPC2xx name the invariant a verdict says is violated (src/spec/invariants.ts
 *    carries their full statements): a finding about a kernel, exit status 1.
 *  - FPC4xx classify bad input (InputError): exit status 2, one line naming the file, line and
 *    field, or the flag. The line does not print the code (the README's contract for that line
 *    predates the codes); the code is on the error for programs and tests.
 *  - FPC5xx are internal errors: a bug in the model or the checker, never a verdict, exit 70.
 *    They are thrown as `Error` whose message starts with the code.
 *  - FPC6xx say the environment failed the command (a service it needs is gone): not a bug and
 *    not a verdict, exit 69 (sysexits' EX_UNAVAILABLE). They are thrown as `Unavailable`.
 *
 * test/errors.test.ts fails on any FPCnnn in src/ that is not listed here, and README.md lists
 * the same table: a new code is a new line in both, never a second meaning for an old one.
 */

export const ERROR_CODES = {
  FPC101: 'no-uaf: the kernel dereferenced a freed task',
  FPC102: 'integrity: a user context ran with FP registers that are not the state it last wrote (lost, corrupt or leak)',
  FPC103: 'guest-integrity: a guest used FP registers that are not the state it last wrote',
  FPC104: 'kernel-integrity: a kernel-mode NEON section used registers that are not what it last wrote',
  FPC105: 'memory-safety: the kernel saved or loaded SVE state through a NULL or too small thread.sve_state',
  FPC201: 'kernel-warn: a modelled WARN_ON() fired',

  FPC401: 'a flag or command-line argument has a bad value, or flags that exclude each other were given together',
  FPC402: 'a file cannot be read or written (missing, a directory, no permission)',
  FPC403: 'a document is not well-formed: malformed YAML or JSON, an alias bomb, nesting too deep, or empty',
  FPC404:
    'a document does not have the shape its kind requires (a field missing, of the wrong type, unknown), or is of a kind the command does not take',
  FPC405:
    'a well-formed document describes something the model cannot do (an unknown task, variant or event, a step not enabled, a trace that does not replay to its violation)',
  FPC406: 'an input exceeds a stated limit (a name or string too long, too many events, too many lines of a kind)',

  FPC501: 'a CPU expected to run a task has none',
  FPC502: 'a vcpu thread runs no vcpu',
  FPC503: "a data version beyond the canonicaliser's tables",
  FPC504: 'a counterexample or trace that does not replay to its violation',
  FPC505: 'a counterexample that cannot be rebuilt from the trace links (a broken symmetry claim)',
  FPC506: 'a state shape that does not describe the layout (a record region or symmetry group declared inconsistently)',
  FPC507: 'more than 65535 enabled actions in a state',
  FPC508: 'a worker that cannot build its model',
  FPC509: 'a worker that died',
  FPC510: 'a trace handed to the shrinker that does not fail',
  FPC511: 'an SME-era field written on a machine without the extended layout',
  FPC512: "an event of a family the variant's kernel lacks reached its kernel",
  FPC513: 'fpsimd_last_state names no storage of the right kind',
  FPC514: "a user-state save while a task's kernel-mode FP state is bound",
  FPC515: 'more event kinds than the cost counters can hold',
  FPC516: 'a continue step for a task on no split kernel path',
  FPC517: 'an event the cost model needs is missing from the event alphabet',
  FPC518: 'a version table of src/kernel/versions/ names a commit the history does not have, or a base function that does not exist',
  FPC519:
    'event declarations that do not assemble into an alphabet (a code used twice or left unused, a family out of its bit order, more than 255 events)',
  FPC520: 'a module relies on an event that no family declares',
  FPC521: 'a kernel class redefines a machine service the specification relies on (Machine.SEALED)',
  FPC522: 'a --redis run failed: a worker process failed one of its jobs, or its data in Redis is missing',

  FPC601: 'Redis was lost for good: unreachable for longer than the client reconnects (a coordinator) or than --give-up-after (a worker)',
  FPC602:
    "a --redis run was removed under its coordinator: the coordinator's lease expired (it was stopped, or cut off from Redis, for longer than the lease), and a worker took the run for dead",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type InputErrorCode = Extract<ErrorCode, `FPC4${string}`>;

/**
 * The user stopped a command (Ctrl-C, SIGTERM) that cleans up before it exits (a `--redis`
 * coordinator removes its run's keys): exit status 130, one line.
 */
export class Interrupted extends Error {
  constructor(message = 'interrupted') {
    super(message);
    this.name = 'Interrupted';
  }
}

/**
 * The environment failed the command: a service it needs (Redis) is gone for good. One line,
 * exit status 69; the message starts with its FPC6xx code.
 */
export class Unavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Unavailable';
  }
}

export class InputError extends Error {
  /**
   * The kind of bad input. When not given: FPC401 if `field` names a flag (`--x`) or an
   * argument (`<x>`), else FPC405 (the content of a document).
   */
  readonly code: InputErrorCode;

  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly field?: string,
    code?: InputErrorCode,
    /** 1-based column, for JSON documents (whose lines can be long, or one). */
    readonly column?: number,
  ) {
    super(message);
    this.code = code ?? (field && /^(--|<)/.test(field) ? 'FPC401' : 'FPC405');
  }

  /** The one-line form. */
  format(): string {
    const at = this.line ? `:${this.line}${this.column ? `:${this.column}` : ''}` : '';
    const where = this.file ? `${this.file}${at}: ` : '';
    const field = this.field ? `${this.field}: ` : '';
    return `${where}${field}${this.message}`;
  }
}
