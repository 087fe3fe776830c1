/**
 * The HTML report as a file: self-contained, deterministic, safe with hostile names, and drawing
 * what the kernel did (binding states, arrows) — checked against the kernel's semantics.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkVariant } from '../../src/app/check.js';
import { scenarioReport } from '../../src/app/report.js';
import { checkTrace, costSectionFromDoc } from '../../src/report/build.js';
import { runSuite } from '../../src/cli/commands/suite.js';
import { runSuiteChecks, suiteReport } from '../../src/app/suite.js';
import { memoryIo } from '../../src/cli/io.js';
import { renderReport, traceAsText } from '../../src/report/html.js';
import { BUILTIN_DIR, builtinScenarioNames, loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { cpuBinding } from '../../src/trace/binding.js';
import type { Trace } from '../../src/trace/types.js';
import { findVariant, VARIANTS } from '../../src/variants/index.js';

const trace = (scenario: string, variant: string): Trace =>
  runScenario(loadScenario(join(BUILTIN_DIR, `${scenario}.yaml`)), findVariant(variant)!).trace;
/** The state after the first step with this event. */
const after = (t: Trace, event: string, nth = 0) => t.steps.filter((s) => s.event === event)[nth]!.state;
const bindingAfter = (t: Trace, event: string, nth = 0) => {
  const s = after(t, event, nth);
  return cpuBinding(s, s.cpus[0]!);
};

describe('the per-CPU binding as drawn', () => {
  it('is bound once A has loaded and bound its state (ret_to_user)', () => {
    const b = bindingAfter(trace('seed-kvm', 'rfc-2017'), 'ret_to_user');
    expect(b).toMatchObject({ owner: 'A', boundTo: 'A', status: 'bound' });
  });

  it('is a false belief while the guest uses the registers and the binding still names A (rfc-2017)', () => {
    // The hypervisor loaded G0's registers behind the host's back; fpsimd_last_state still
    // names A (A used no SVE, so the pre-entry flush kept it) and A.fpsimd_cpu is 0.
    expect(bindingAfter(trace('seed-kvm', 'rfc-2017'), 'guest_fp')).toMatchObject({ owner: 'G0', boundTo: 'A', status: 'mismatch' });
    // At guest exit the hypervisor restores A's V registers, so the belief is true again.
    expect(bindingAfter(trace('seed-kvm', 'rfc-2017'), 'vcpu_exit')).toMatchObject({ owner: 'A', status: 'bound' });
  });

  it('stays false after guest exit when A used SVE and the flush was removed (no-sve-flush)', () => {
    // Restoring only V zeroes the SVE part; A has TIF_SVE, so its state is not in the CPU.
    const b = bindingAfter(trace('seed-kvm-sve', 'no-sve-flush'), 'vcpu_exit');
    expect(b.status).toBe('mismatch');
    expect(b.explain).toMatch(/SVE part 0, not A#\d/);
    // rfc-2017 drops the binding before entry (A had TIF_SVE when bound): nothing is believed.
    expect(bindingAfter(trace('seed-kvm-sve', 'rfc-2017'), 'vcpu_exit').status).toBe('none');
  });

  it('dangles once the bound task is freed', () => {
    expect(bindingAfter(trace('seed-uaf', 'v4.15-rc1'), 'free')).toMatchObject({ boundTo: 'A', status: 'dangling' });
  });

  it('is half a binding when only the CPU side names the task (after do_sve_acc flushed the task side)', () => {
    // sve_write traps with EL0 SVE disabled: do_sve_acc saves, then fpsimd_flush_task_state(A).
    const b = bindingAfter(trace('seed-kvm-sve', 'rfc-2017'), 'sve_write');
    expect(b).toMatchObject({ boundTo: 'A', status: 'half' });
  });
});

describe('the timeline SVG', () => {
  const html = renderReport(scenarioReport('seed-kvm', 'flush-always'));
  const svg = html.slice(html.indexOf('<svg class="timeline"'), html.indexOf('</svg>', html.indexOf('<svg class="timeline"')));
  const count = (re: RegExp) => (svg.match(re) ?? []).length;

  it('has a lane per CPU and per task slot, a column per step and the boot column', () => {
    expect(svg).toContain('data-lanes="cpu0 slot0 slot1"');
    expect(count(/<g class="col[ "]/g)).toBe(11);
    expect(count(/<g class="evb /g)).toBe(10);
  });

  it('draws no lane for a spare slot that no fork used', () => {
    const bounds = { cpus: 1, tasks: 1, vcpus: 1, spare: 1, depth: 9 };
    const r = checkVariant(findVariant('v4.15-rc1')!, bounds);
    // The use-after-free needs no fork: A's slot and the vcpu thread's are drawn, the spare is not.
    expect(r.trace!.initial.tasks).toHaveLength(3);
    expect(r.trace!.steps.some((s) => s.event === 'fork')).toBe(false);
    const page = renderReport({ format: 'fpctx-report/1', title: 't', traces: [checkTrace({ ...r, bounds: { ...bounds } })!] });
    const used = r
      .trace!.initial.tasks.map((t, i) => [t.name, i] as const)
      .filter(([, i]) => r.trace!.steps.some((s) => s.state.tasks[i]!.state !== 'free'));
    expect(page).toContain(`data-lanes="cpu0 ${used.map(([, i]) => `slot${i}`).join(' ')}"`);
    expect(used).toHaveLength(2);
  });

  it('draws each save, load and hyp transfer as an arrow (flush-always on seed-kvm: 2 loads, 1 save, 4 hyp)', () => {
    expect(count(/<g class="fx fx-load[ "]/g)).toBe(2);
    expect(count(/<g class="fx fx-load fx-redundant"/g)).toBe(1);
    expect(count(/<g class="fx fx-save"/g)).toBe(1);
    expect(count(/<g class="fx fx-hyp"/g)).toBe(4);
    // the unconditional pre-entry flush
    expect(count(/<g class="flush"><title>flush cpu0 binding \(A\)<\/title>/g)).toBe(1);
  });
});

describe('the page', () => {
  const data = scenarioReport('seed-uaf', 'all');
  const html = renderReport(data);

  it('is self-contained: nothing that could load from elsewhere, and a policy that forbids it', () => {
    expect(html).not.toMatch(/<link|<img|<iframe|@import|url\((?!#)/i);
    expect(html).not.toMatch(/\s(src|href|action)="(?!#)/);
    expect(html.match(/https?:\/\/[^"]*/g)?.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    // The script runs by its SHA-256, computed here from the script the page carries.
    const code = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(code, 'utf8').digest('base64');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:"`);
    expect(html).not.toMatch(/script-src[^;"]*unsafe-inline/);
  });

  it('carries traces other than the featured one compressed, each inflating to its full article', () => {
    // 13 traces (one per variant): the featured (v4.15-rc1's violation) in the page, 12 in the lazy block.
    expect(html.match(/<article /g)).toHaveLength(13);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(1);
    const lazy = JSON.parse(/<script type="application\/json" id="fpctx-lazy">([^<]*)<\/script>/.exec(html)![1]!) as Record<string, string>;
    expect(Object.keys(lazy)).toHaveLength(12);
    const rfc = JSON.parse(inflateSync(Buffer.from(lazy['run-seed-uaf-rfc-2017']!, 'base64')).toString('utf8'));
    // The inflated markup is what an eager rendering of that trace puts in its article.
    const alone = renderReport({ ...data, traces: data.traces!.filter((t) => t.id === 'run-seed-uaf-rfc-2017') });
    const article = /<article [^>]*>([\s\S]*?)<\/article>/.exec(alone)![1]!;
    expect(rfc.html).toBe(article);
    expect(rfc.html).toContain('<svg class="timeline"');
    expect(rfc.data.labels).toHaveLength(data.traces!.find((t) => t.id === 'run-seed-uaf-rfc-2017')!.trace.steps.length);
    expect(html).toContain('<article class="trace" id="trace-run-seed-uaf-rfc-2017" data-trace="run-seed-uaf-rfc-2017"');
  });

  it('tells an expected violation (the scenario says so) from an unexpected one at a glance', () => {
    // v4.15-rc1's use-after-free is what seed-uaf expects of it: the quiet "exp" class.
    expect(html).toMatch(/<td class="exp" title="v4.15-rc1 on seed-uaf: no-uaf @8; expected no-uaf at step 8 \(met\)/);
    expect(html).toContain('class="exp active" title="FPC101 no-uaf at step 8 — expected"');
    const wrong = {
      ...data,
      runs: data.runs!.map((r) =>
        r.variant === 'rfc-2017' ? { ...r, verdict: 'no-uaf', step: 8, expected: 'ok', expectationMet: false } : r,
      ),
    };
    expect(renderReport(wrong)).toMatch(
      /<td class="unexp" title="rfc-2017 on seed-uaf: no-uaf @8; expected ok \(NOT met\)[^"]*">.*✗ UNEXPECTED \(expected ok\)/,
    );
  });

  it('is deterministic: the same data gives the same bytes', () => {
    expect(renderReport(scenarioReport('seed-uaf', 'all'))).toBe(html);
  });

  it('explains the violation in words, with the invariant and a command that reproduces it', () => {
    expect(html).toContain('FPC101 no-uaf</b> — no use of a freed task — at step 8, detected in <code>sve_flush_cpu_state</code>');
    expect(html).toContain('The kernel never dereferences task memory through a pointer whose task has been freed');
    expect(html).toContain('Reproduce: <code>fpctx run seed-uaf --variant v4.15-rc1</code>');
  });

  it('escapes names and notes from scenario files, in the markup and in the embedded data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpctx-html-'));
    try {
      const file = join(dir, 'evil.yaml');
      writeFileSync(
        file,
        [
          'name: evil',
          'description: "<img src=x onerror=alert(1)> & co"',
          'machine: { cpus: 1, tasks: [{ name: "O\'Neil" }] }',
          'steps:',
          '  - { event: switch, cpu: 0, task: "O\'Neil", note: "</script><script>alert(2)</script>" }',
          '  - { event: ret_to_user, task: "O\'Neil" }',
        ].join('\n'),
      );
      const page = renderReport(scenarioReport(file, 'rfc-2017'));
      expect(page).not.toContain('<img src=x');
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; co');
      expect(page).not.toContain('<script>alert(2)');
      expect(page).toContain('O&#39;Neil');
      // Exactly three scripts (the data block, the compressed traces, the code), each closed once.
      expect(page.match(/<script/g)).toHaveLength(3);
      expect(page.match(/<\/script>/g)).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('carries each trace as plain text for a review, within 100 columns', () => {
    const rt = data.traces!.find((t) => t.trace.variant === 'v4.15-rc1')!;
    const textForm = traceAsText(rt);
    expect(textForm).toContain('reproduce: fpctx run seed-uaf --variant v4.15-rc1');
    expect(textForm).toMatch(/verdict: VIOLATION of no-uaf \[FPC101\] at step 8, in sve_flush_cpu_state/);
    expect(textForm.includes(String.fromCharCode(27))).toBe(false);
    for (const line of textForm.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('the suite report', () => {
  it('has every section and every trace, the seed counterexample first; stays small', () => {
    // Without the suite's own kvm-host cost run (half its CPU time): the cost assertions below
    // use the cost document fixture instead, and test/cli/report.test.ts runs the whole suite.
    const r = runSuiteChecks(undefined, { cost: false });
    expect(r.cost).toBeUndefined();
    const data = suiteReport(r);
    expect(data.featured).toBe('seed');
    expect(data.traces![0]!.id).toBe('seed');
    // every variant × every scenario, plus the check counterexamples, plus the seed's
    const counterexamples = r.checks.filter((c) => c.result.violation).length;
    const runs = VARIANTS.length * builtinScenarioNames().length;
    // a scenario that requires a feature the variant lacks (SME, FPMR) is an n/a row, no trace
    const na = r.scenarios.reduce((a, s) => a + (s.na?.length ?? 0), 0);
    expect(na).toBeGreaterThan(0);
    expect(data.traces).toHaveLength(runs - na + counterexamples + 1);
    expect(data.runs).toHaveLength(runs);
    expect(data.runs!.filter((x) => x.verdict === 'n/a')).toHaveLength(na);
    expect(data.checks![0]!.rows).toHaveLength(3 * VARIANTS.length);
    const html = renderReport(data);
    for (const id of ['verdicts', 'traces', 'variants', 'invariants']) expect(html).toContain(`<section id="${id}">`);
    // Every cell of the verdict tables that has a trace links to it, and every link has a target.
    const links = [...html.matchAll(/href="#trace-([^"]+)"/g)].map((m) => m[1]!);
    for (const id of new Set(links)) expect(html).toContain(`<article class="trace" id="trace-${id}"`);
    // Compressed traces: about 11 kB a trace (2.5 MB for the suite's 237; 11 MB when every trace
    // was drawn into the page), and one trace drawn at load whatever their number.
    expect(Buffer.byteLength(html)).toBeLessThan(16_000 * data.traces!.length);
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(1);
    // The verdict tables as Markdown, for a review
    expect(html).toContain(
      '| variant | 1cpu-kvm | 1cpu-fork | 2cpu-kvm |\n| --- | ---: | ---: | ---: |\n| v4.15-rc1 | no-uaf @7 | integrity/leak @12 | no-uaf @7 |',
    );
    expect(html).toMatch(/\| no-sve-flush \|( [^|\n]+ \|)* integrity\/corrupt @11 \| ok \|( ok \|)+\n/);

    // With the cost model's kvm-host document (a fixture of its --json contract), the suite
    // prints the comparison, oracle included, within 100 columns, and the report draws it.
    const cost = costSectionFromDoc(JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'cost-kvm-host-full.json'), 'utf8')));
    const io = memoryIo();
    expect(runSuite({ quiet: true, report: false }, io, () => ({ ...r, cost }))).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toMatch(/Cost on kvm-host \(5000 events\)\nvariant +bytes moved +loads +redundant +saves +× oracle/);
    expect(out).toMatch(/rfc-2017 +1,584,000 +1,500 +100 +1,200 +1\.50/);
    expect(out).toMatch(/no-sve-flush +1,500,000 +1,400 +0 +1,100 +∞/);
    expect(out).toMatch(/oracle +1,056,000 +1,000 +1,000 +1\.00/);
    for (const l of io.stdout) expect(l.length).toBeLessThanOrEqual(100);
    expect(renderReport(suiteReport({ ...r, cost }))).toContain('<section id="cost">');
  });
});
