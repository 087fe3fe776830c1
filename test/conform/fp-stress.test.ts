/**
 * The agreement floors of the two fp-stress traces (conform.test.ts FLOORS has the rest): the
 * kselftest's ten test programs on both CPUs for one quiet second, recorded with syscall events
 * (200,000-260,000 events, 1.0-1.2 MB gzip). A file of its own: the two runs take most of the
 * conform tests' time (reading 18-25 MB of trace text), and vitest runs files side by side.
 */

import { describe, expect, it } from 'vitest';
import { conform } from '../../src/app/conform.js';
import { findVariant } from '../../src/variants/index.js';

const STRESS: [string, string, number, number][] = [
  ['lab/traces/6.12/kselftest-fp-stress.trace.gz', 'v6.12.y', 99.99, 189852],
  ['lab/traces/6.1/kselftest-fp-stress.trace.gz', 'v6.1.y', 99.99, 187295],
];

describe('conform agreement floors on the fp-stress traces', () => {
  it.each(STRESS)('%s on %s agrees on at least %s %% (%s units)', (file, variant, floor, agree) => {
    const t = conform({
      files: [file],
      variant: findVariant(variant)!,
      variantArg: variant,
      guestFp: true,
      guestFpFromTrace: true,
      maxDivergences: 0, // counts only: one pass, no step snapshots
      threshold: 0.99,
    }).traces[0]!;
    expect(t.kernel).toBe(variant === 'v6.12.y' ? '6.12.118+deb12-arm64' : '6.1.0-57-arm64');
    expect(t.ratio * 100).toBeGreaterThanOrEqual(floor);
    expect(t.agree).toBeGreaterThanOrEqual(agree);
    expect(t.unexpressed['ptrace request'] ?? 0).toBe(0);
  });
});
