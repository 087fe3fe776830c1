/**
 * Limits on a run that has no store budget of its own (the cost model and trace replay stream
 * their input in bounded memory): a wall-clock deadline and a cap on the process's resident
 * memory, checked between chunks of work. Reaching one ends the run with LimitReached, which the
 * CLI turns into exit status 3 and `verdict: "incomplete"`, as for check.
 */

export class LimitReached extends Error {
  constructor(
    readonly kind: 'time' | 'memory',
    message: string,
  ) {
    super(message);
  }
}

export interface RunLimits {
  readonly timeSeconds?: number;
  /** Cap on the process's resident set size, in bytes. */
  readonly memoryBytes?: number;
}

/**
 * A guard to call between chunks of work: throws LimitReached once a limit is passed. `done`
 * says how far the work got, for the message.
 */
export function limitGuard(limits: RunLimits, done: () => string): () => void {
  const t0 = performance.now();
  const { timeSeconds, memoryBytes } = limits;
  if (timeSeconds === undefined && memoryBytes === undefined) return () => {};
  return () => {
    if (timeSeconds !== undefined && performance.now() - t0 > timeSeconds * 1000)
      throw new LimitReached('time', `time limit of ${timeSeconds}s reached ${done()}`);
    if (memoryBytes !== undefined) {
      const rss = process.memoryUsage.rss();
      if (rss > memoryBytes)
        throw new LimitReached(
          'memory',
          `memory limit of ${(memoryBytes / 2 ** 20).toFixed(0)} MiB reached (resident ${(rss / 2 ** 20).toFixed(0)} MiB) ${done()}`,
        );
    }
  };
}
