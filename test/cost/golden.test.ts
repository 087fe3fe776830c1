/**
 * Golden outputs: the cost pipeline's documents, byte for byte, as main printed them before the
 * cost model's performance work (issue 5). Optimising the generator, the driver, the sink or the
 * oracle must not change one event, one counter or one figure of the oracle: any difference here
 * is a behaviour change, not a speed-up.
 *
 * The files in test/cost/golden/ were recorded with the build of main at 7ff5d52 (`fpctx cost
 * <profile> --variant all --events N [--json|--md]`); wall-clock `timing` fields are dropped and
 * the profile's path is reduced to its file name. A deliberate change of the model's semantics
 * (a new variant, a different counter) re-records them, and says so in its commit.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

/**
 * The variants the files were recorded with (`--variant all` at 7ff5d52, in its order): named
 * explicitly so that a variant added later (v6.1.y, v6.12.y) does not re-record them.
 */
const RECORDED = 'v4.15-rc1,rfc-2017,flush-always,no-sve-flush,v4.15,v4.18-rc1,v4.18,v5.17,v6.12-rc1,v6.12,mainline';

const golden = (name: string) => readFileSync(new URL(`golden/${name}`, import.meta.url), 'utf8');

async function cli(...argv: string[]): Promise<string> {
  const io = memoryIo();
  const code = await main(argv, io);
  expect(code, io.stderr.join('\n')).toBe(0);
  return `${io.stdout.join('\n')}\n`;
}

/** The JSON document without its wall-clock fields, the profile named by its file name. */
function deterministic(out: string): string {
  const doc = JSON.parse(out);
  delete doc.timing;
  for (const r of doc.rows) delete r.timing;
  if (doc.source.kind === 'workload') doc.source.file = basename(doc.source.file);
  return `${JSON.stringify(doc)}\n`;
}

describe('the cost pipeline prints exactly what it printed before its performance work', () => {
  for (const [profile, events] of [
    ['kvm-host', 100_000],
    ['desktop', 100_000],
    ['hpc-sve', 30_000],
    ['android-neon', 30_000],
  ] as const) {
    it(`cost ${profile} --variant all --events ${events} --json`, async () => {
      const out = await cli('cost', profile, '--variant', RECORDED, '--events', String(events), '--json');
      expect(deterministic(out)).toBe(golden(`cost-${profile}.json`));
    }, 60_000);
  }

  it('cost kvm-host --variant all (the text table)', async () => {
    expect(await cli('cost', 'kvm-host', '--variant', RECORDED, '--events', '100000')).toBe(golden('cost-kvm-host.txt'));
  }, 60_000);

  it('cost desktop --variant all --md', async () => {
    expect(await cli('cost', 'desktop', '--variant', RECORDED, '--events', '100000', '--md')).toBe(golden('cost-desktop.md'));
  }, 60_000);

  it('replay examples/kvm-host.trace.txt --variant all --json', async () => {
    const out = await cli('replay', 'examples/kvm-host.trace.txt', '--variant', RECORDED, '--json');
    expect(deterministic(out)).toBe(golden('replay-kvm-host.json'));
  }, 60_000);
});
