/**
 * Mutation score of `hunt` over the modelled history (issue 13 part 5): per fix commit, the
 * budget (states and steps, deterministic) and the CPU and wall seconds to the first detection
 * of a violation the fix is about on its release with the fix reverted; then detected/total.
 * `npm run bench mutants` runs only this case; it takes minutes (the budget per fix is the
 * hunt's default). Each row carries the load average at its start: the machine is shared.
 */
import { loadavg } from 'node:os';
import type { BenchCase, BenchResult } from '../main.js';
import { mutationScore } from '../../src/app/mutants.js';
import { FIX_COMMITS } from '../../src/history/fixes.js';

export const cases: BenchCase[] = [
  {
    name: 'mutants',
    slow: true,
    async run(): Promise<BenchResult[]> {
      const out: BenchResult[] = [];
      let detected = 0;
      for (const c of FIX_COMMITS) {
        const load = Number(loadavg()[0]!.toFixed(2));
        const u0 = process.cpuUsage();
        const r = await mutationScore({ only: [c.id], timeSeconds: 300 });
        const u = process.cpuUsage(u0);
        const m = r.results[0]!;
        if (m.detected) detected++;
        out.push({
          bench: `mutant/${c.id}`,
          value: m.firstSpent ?? m.spent,
          unit: m.detected ? 'states+steps to detection' : 'states+steps (missed)',
          detected: m.detected,
          mutant: m.mutant,
          ...(m.finding ? { finding: m.finding.class, steps: m.finding.step, firstSeconds: +m.firstSeconds!.toFixed(1) } : {}),
          cpuSeconds: +((u.user + u.system) / 1e6).toFixed(1),
          seconds: +m.seconds.toFixed(1),
          cut: m.cut,
          load,
        });
      }
      out.push({ bench: 'mutants/detected', value: detected, unit: `of ${FIX_COMMITS.length} fixes` });
      return out;
    },
  },
];
