/**
 * Baseline: instrumented scenario runs per second (trace recording with snapshots).
 */
import type { BenchCase } from '../main.js';
import { BUILTIN_DIR, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { findVariant } from '../../src/variants/index.js';
import { join } from 'node:path';

export const cases: BenchCase[] = [
  {
    name: 'scenario-run',
    run() {
      const sc = loadScenario(join(BUILTIN_DIR, 'seed-kvm-sve.yaml'));
      const v = findVariant('rfc-2017')!;
      const n = 2000;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) runScenario(sc, v);
      const secs = (performance.now() - t0) / 1000;
      return [{ bench: 'scenario-run', value: Math.round(n / secs), unit: 'runs/s', steps: sc.steps.length }];
    },
  },
];
