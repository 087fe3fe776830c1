/**
 * hunt --redis runs a check speculatively with a larger share than it may get and cuts its
 * outcome down afterwards (src/app/hunt.ts, outcomeFor). Here, without Redis: the cut-down
 * outcome of a run with a large share must equal the outcome of running with the small share.
 */
import { describe, expect, it } from 'vitest';
import { type HuntJob, outcomeFor, runHuntJob } from '../../src/app/hunt.js';
import { findVariant } from '../../src/variants/index.js';

const stable = (o: object | null) => JSON.stringify(o, (k, v) => (k === 'seconds' ? undefined : v));
const NEVER = Number.POSITIVE_INFINITY;

describe('a speculative check cut down to its real share', () => {
  const v = findVariant('v4.18-rc1')!;
  // A job of v4.18-rc1's schedule that finds its two KVM WARNs at 2 and more steps.
  const job: HuntJob = { kind: 'check', cpus: 1, tasks: 2, vcpus: 1, spare: 0, events: ['core', 'kvm'] };

  it('equals the check run with that share, at every share up to the one it ran with', async () => {
    const big = await runHuntJob(v, job, [], { share: 20_000 }, NEVER);
    expect(big.kind).toBe('check');
    if (big.kind !== 'check') return;
    expect(big.exhausted).toBe(false); // it stopped at its share: the interesting case
    expect(big.violations.length).toBeGreaterThan(1);
    for (const share of [1, 2, 40, 700, 5_000, 20_000]) {
      const direct = await runHuntJob(v, job, [], { share }, NEVER);
      expect(stable(outcomeFor(big, { share })), `share ${share}`).toBe(stable(direct));
    }
    // A larger share than it ran with: it cannot tell where the search would have stopped.
    expect(outcomeFor(big, { share: 20_001 + big.states })).toBe(null);
  });

  it('an exhausted check answers for any share; a simulation only for its own runs and seed', async () => {
    const small: HuntJob = { kind: 'check', cpus: 1, tasks: 1, vcpus: 0, spare: 0, events: ['core'] };
    const all = await runHuntJob(v, small, [], { share: 1_000_000 }, NEVER);
    expect(all.kind === 'check' && all.exhausted).toBe(true);
    expect(stable(outcomeFor(all, { share: 5_000_000 }))).toBe(stable({ ...all, share: 5_000_000 }));
    const sim: HuntJob = { kind: 'simulate', cpus: 2, tasks: 2, vcpus: 1, spare: 1, events: ['core', 'kvm'] };
    const s = await runHuntJob(v, sim, [], { runs: 3, seed: 1 }, NEVER);
    expect(outcomeFor(s, { runs: 3, seed: 1 })).toBe(s);
    expect(outcomeFor(s, { runs: 2, seed: 1 })).toBe(null);
    expect(outcomeFor(s, { runs: 3, seed: 2 })).toBe(null);
  });
});
