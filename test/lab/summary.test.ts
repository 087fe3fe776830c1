/**
 * lab/traces/summary.json after a run of some workloads: the run's rows replace the same rows,
 * the rest stay, and each kernel the run booted gets the run's own boot time (issue 12: the
 * per-kernel boot times were a previous run's after partial runs).
 */
import { describe, expect, it } from 'vitest';
import { mergeSummary, summaryMarkdown, type SummaryRow } from '../../src/lab/run.js';

const row = (kernel: string, workload: string, events: number, bootSeconds?: number): SummaryRow => ({
  kernel,
  release: `r${kernel}`,
  workload,
  exitStatus: 0,
  tap: { pass: 1, fail: 0, skip: 0, planned: 1 },
  traceBytes: 10 * events,
  traceGzBytes: events,
  events,
  calls: 1,
  lost: 0,
  dropped: 0,
  ...(bootSeconds !== undefined ? { bootSeconds } : {}),
  counts: {},
});

describe('mergeSummary', () => {
  const old = {
    kernels: [
      { kernel: '6.12', bootSeconds: 108 },
      { kernel: '6.1', bootSeconds: 67 },
    ],
    rows: [row('6.12', 'seed-kvm', 100, 108.1), row('6.1', 'seed-kvm', 200, 66.8), row('6.1', 'kselftest-fp-stress', 300, 66.8)],
  };

  it('replaces the re-recorded rows in place, keeps the others, and gives the booted kernel its own boot time', () => {
    const s = mergeSummary(old, [{ kernel: '6.1', bootSeconds: 27.8, rows: [row('6.1', 'kselftest-fp-stress', 9000, 27.8)] }]);
    expect(s.rows.map((r) => [r.kernel, r.workload, r.events])).toEqual([
      ['6.12', 'seed-kvm', 100],
      ['6.1', 'seed-kvm', 200],
      ['6.1', 'kselftest-fp-stress', 9000],
    ]);
    expect(s.kernels).toEqual([
      { kernel: '6.12', bootSeconds: 108 },
      { kernel: '6.1', bootSeconds: 28, workloads: ['kselftest-fp-stress'] },
    ]);
  });

  it('appends new workloads and kernels; without a summary before, it is the run alone', () => {
    const s = mergeSummary(old, [{ kernel: '7.0', bootSeconds: 12.4, rows: [row('7.0', 'signals', 5, 12.4)] }]);
    expect(s.rows).toHaveLength(4);
    expect(s.kernels[2]).toEqual({ kernel: '7.0', bootSeconds: 12, workloads: ['signals'] });
    const alone = mergeSummary(null, [{ kernel: '6.1', bootSeconds: 30, rows: [row('6.1', 'signals', 5, 30)] }]);
    expect(alone).toEqual({ kernels: [{ kernel: '6.1', bootSeconds: 30, workloads: ['signals'] }], rows: [row('6.1', 'signals', 5, 30)] });
  });

  it('prints each row with the boot that recorded it', () => {
    const md = summaryMarkdown(old).split('\n');
    expect(md[0]).toMatch(/\| boot s \|$/);
    expect(md[2]).toBe('| r6.12 | seed-kvm | 0 | 1/0/0 | 1000 | 100 | 1 | 0 | 0 | 0 | 0 | 108.1 |');
  });
});
