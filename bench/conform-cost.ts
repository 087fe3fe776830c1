/**
 * The cost model against the kernel's counts (docs/conformance.md, part 4): for each lab trace,
 * the kernel's counted calls (the whole trace: `task_fpsimd_load`, `do_sve_acc <-el0_sve_acc`,
 * the user-state save function), what the matching Debian variant moves over the trace's own
 * event sequence (`fpctx conform`'s `model`), and what `fpctx replay` predicts from the same
 * trace (--fp-use always --sve-use never: SVE use comes from the trace's traps). Counts, not
 * times: the output depends on nothing but the traces and the model.
 *
 *   npx tsx bench/conform-cost.ts lab/traces/6.12/*.trace.gz lab/traces/6.1/*.trace.gz
 *
 * prints the Markdown table docs/conformance.md carries.
 */

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { conformOne } from '../src/app/conform.js';
import { replayTrace } from '../src/cost/api.js';
import { withPlainTrace } from '../src/cost/replay/lines.js';
import { parseUseFlag } from '../src/cost/replay/replay.js';
import { readLabTrace } from '../src/lab/trace.js';
import { findVariant } from '../src/variants/index.js';

const err = (p: number, k: number): string =>
  k === 0 ? (p === 0 ? '0' : 'n/a') : `${p - k >= 0 ? '+' : ''}${((100 * (p - k)) / k).toFixed(1)}%`;

const files = process.argv.slice(2);
console.log(
  '| trace | variant | kernel loads | conform model | replay | kernel SVE traps | conform model | replay | kernel save calls | model saves | replay saves | model bytes | replay bytes |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const file of files) {
  const name = file.includes('/6.12/') ? 'v6.12.y' : 'v6.1.y';
  const variant = findVariant(name)!;
  const t = conformOne(file, {
    files: [file],
    variant,
    variantArg: name,
    guestFp: true,
    guestFpFromTrace: true,
    maxDivergences: 0,
    threshold: 0.99,
  });
  const calls = readLabTrace(file).events.filter((e) => e.kind === 'call');
  const count = (fn: string, caller?: string) =>
    calls.filter((e) => e.kind === 'call' && e.fn === fn && (caller === undefined || e.caller === caller)).length;
  const kLoads = count('task_fpsimd_load');
  const kTraps = count('do_sve_acc', 'el0_sve_acc');
  // 6.12 saves user state in fpsimd_save_user_state(), 6.1 in fpsimd_save().
  const kSaves = count('fpsimd_save_user_state') + count('fpsimd_save');
  const manifest = JSON.parse(readFileSync(file.replace(/\.trace\.gz$/, '.manifest.json'), 'utf8')) as {
    cpu?: { sveDefaultVl?: number };
  };
  // replay reads the .gz itself (decompressed to a temporary file, as `fpctx replay` does)
  const doc = await withPlainTrace(file, (plain) =>
    replayTrace(plain, [variant], {
      fpUse: parseUseFlag('--fp-use', 'always'),
      sveUse: parseUseFlag('--sve-use', 'never'),
      seed: 1,
      sveVlBits: (manifest.cpu?.sveDefaultVl ?? 64) * 8,
    }),
  );
  const r = doc.rows[0]!;
  const m = t.model;
  const trace = `${basename(file).replace(/\.trace\.gz$/, '')} (${name === 'v6.12.y' ? '6.12' : '6.1'})`;
  console.log(
    `| ${trace} | ${name} | ${kLoads} | ${m.loads} (${err(m.loads, kLoads)}) | ${r.loads} (${err(r.loads, kLoads)}) | ${kTraps} | ${m.sveTraps} (${err(m.sveTraps, kTraps)}) | ${r.traps.sveEl0} (${err(r.traps.sveEl0, kTraps)}) | ${kSaves} | ${m.saves} | ${r.saves} | ${m.bytesSaved + m.bytesLoaded} | ${r.bytes} |`,
  );
}
