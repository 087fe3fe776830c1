/**
 * The fuzz suite's short run (issue 16 part 6): a few dozen cases per input reader and for the
 * flags, each of which must end in exit 0-3 with no stack trace and bad input on one line.
 * `npm run fuzz` runs the same cases by the ten thousand (test/fuzz/main.ts).
 */

import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Corpus, flagCases, loadCorpus, readerCases } from './cases.js';
import { cleanup, failureOf, type FuzzCase, runCase } from './harness.js';

let corpus: Corpus;
beforeAll(async () => {
  corpus = await loadCorpus();
});
afterAll(cleanup);

/** Generous: a case reads a small document; only a hang or a runaway should come near it. */
const TIMEOUT_MS = 60_000;

async function property(arb: fc.Arbitrary<FuzzCase>, numRuns: number, seed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (c) => {
      const failure = failureOf(await runCase(c), TIMEOUT_MS);
      if (failure) throw new Error(`${failure}\n  argv: ${JSON.stringify(c.argv)}`);
    }),
    { numRuns, seed, endOnFailure: true },
  );
}

describe('fuzz: every input reader, no internal error', () => {
  for (const reader of ['scenario', 'profile', 'report', 'shrink', 'trace']) {
    it(reader, async () => property(readerCases(corpus)[reader]!, 25, 16_001), 300_000);
  }
});

describe('fuzz: every command, nonsense flags', () => {
  it('ends in a verdict, a limit or one line of bad input', async () => property(flagCases, 60, 16_002), 300_000);
});
