/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core (no browser
 * download). Opens a generated report from a file:// URL and checks what a reader relies on:
 * the lanes and steps are drawn, clicking a step shows that step's machine state, the keyboard
 * moves between steps, traces switch from the picker, nothing is logged as an error and nothing
 * is fetched; that it prints. Saves artifacts/report.png, artifacts/report.pdf and the HTML.
 *
 * .ci/run installs chromium; a machine without it skips this file, except under CI, where a
 * missing browser fails the run instead of hiding it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { checkVariant } from '../../src/app/check.js';
import { catalogues, scenarioReport } from '../../src/app/report.js';
import { checkRow, checkTrace } from '../../src/report/build.js';
import { mergeReports, type ReportData } from '../../src/report/data.js';
import { renderReport } from '../../src/report/html.js';
import { loadReportDocument } from '../../src/report/load.js';
import { findVariant } from '../../src/variants/index.js';

const CHROMIUM = process.env.FPCTX_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = resolve('artifacts');
const available = existsSync(CHROMIUM);

/** Launch flags for a closed network: no background fetches, no first-run, a fresh profile. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function buildReport(): ReportData {
  // A two-CPU counterexample (featured), the seed-uaf script on two variants, a cost document.
  const bounds = { cpus: 2, tasks: 1, vcpus: 1, spare: 0, depth: 10 };
  const r = checkVariant(findVariant('v4.15-rc1')!, bounds);
  const rt = checkTrace({ ...r, bounds: { ...bounds } }, '2cpu-kvm')!;
  const check: ReportData = {
    format: 'fpctx-report/1',
    title: 'check',
    traces: [rt],
    featured: rt.id,
    checks: [{ title: 'Bounded checks', rows: [checkRow({ ...r, bounds: { ...bounds } }, '2cpu-kvm', rt.id)] }],
  };
  const runs = mergeReports([scenarioReport('seed-uaf', 'v4.15-rc1'), scenarioReport('seed-uaf', 'rfc-2017')]);
  const cost = loadReportDocument(join(import.meta.dirname, 'fixtures', 'cost-kvm-host.json'));
  return { ...mergeReports([check, runs, cost], 'fpctx report: browser test'), ...catalogues() };
}

describe.skipIf(!available && !process.env.CI)('the HTML report in headless Chromium', () => {
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  let data: ReportData;
  const problems: string[] = [];
  const requests: string[] = [];
  let url: string;

  beforeAll(async () => {
    data = buildReport();
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'report-test.html');
    writeFileSync(file, renderReport(data));
    url = pathToFileURL(file).href;
    profile = mkdtempSync(join(tmpdir(), 'fpctx-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
  });

  afterAll(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const active = () => page.locator('article.trace.active');
  const stateStep = async () => Number(await active().locator('aside.state [data-state-step]').getAttribute('data-state-step'));

  it('opens on the featured counterexample, with one lane per CPU and per task slot and a column per step', async () => {
    const rt = data.traces!.find((t) => t.id === data.featured)!;
    expect(await active().getAttribute('data-trace')).toBe(rt.id);
    // Exactly one trace is shown at a time.
    expect(await page.locator('article.trace:visible').count()).toBe(1);
    const svg = active().locator('svg.timeline');
    // 2 CPUs, 1 user task + 1 vcpu thread = 2 task slots
    expect(await svg.getAttribute('data-lanes')).toBe('cpu0 cpu1 slot0 slot1');
    expect(await svg.locator('text.lanelabel').allTextContents()).toEqual(['cpu0', 'cpu1', 'A', 'V0']);
    const n = rt.trace.steps.length;
    expect(await svg.locator('g.col').count()).toBe(n + 1); // boot + every step
    expect(await svg.locator('g.evb').count()).toBe(n); // every step drawn once, on its CPU or its task
    // The violating step is highlighted, in the column, the block and the step list.
    const v = rt.trace.violation!;
    expect(await svg.locator(`g.col.viol[data-step="${v.step}"]`).count()).toBe(1);
    expect(await svg.locator('g.evb.viol').count()).toBe(1);
    await expect.poll(() => active().locator('ol.steps li.viol').getAttribute('data-step')).toBe(String(v.step));
    expect(await active().locator('.violation').innerText()).toContain('FPC101 no-uaf');
    // ...and is where the cursor starts.
    expect(await stateStep()).toBe(v.step);
  });

  it("switches traces from the picker, and clicking a step shows that step's machine state", async () => {
    await page.locator('.picker a', { hasText: 'seed-uaf on v4.15-rc1' }).click();
    await expect.poll(() => active().getAttribute('data-trace')).toBe('run-seed-uaf-v4.15-rc1');
    expect(await active().locator('svg.timeline').getAttribute('data-lanes')).toBe('cpu0 slot0 slot1');
    // Click column 2 (the ret_to_user of A) in the cpu0 lane, wherever that lands (a bar, a
    // block): the script maps the pointer to the column.
    await active()
      .locator('g.col[data-step="2"] rect.colbg')
      .click({ position: { x: 56, y: 60 }, force: true });
    expect(await stateStep()).toBe(2);
    const panel = active().locator('aside.state');
    expect(await panel.locator('h4').innerText()).toContain('ret_to_user cpu0 (A)');
    // After ret_to_user, fpsimd_restore_current_state() has loaded A's state and bound it on
    // both sides: cpu0's fpsimd_last_state names A's storage, A.fpsimd_cpu is 0 and
    // TIF_FOREIGN_FPSTATE is clear; before, the pointer was NULL and the flag set.
    const cell = (row: string, col: number) =>
      panel
        .locator('table')
        .filter({ has: page.locator(`th:text-is("${row}")`) })
        .first()
        .locator(`tr:has(th:text-is("${row}")) td`)
        .nth(col);
    expect(await cell('fpsimd_last_state.st', 0).innerText()).toBe('&A.fpsimd_state (was NULL)');
    expect(await cell('TIF_FOREIGN_FPSTATE', 0).innerText()).toBe('0 (was 1)');
    expect(await cell('fpsimd_cpu', 0).innerText()).toBe('0 (was NR_CPUS)');
    expect(await panel.locator('td.chg').count()).toBeGreaterThanOrEqual(5);
    // The cursor moved to the column, and the step list follows.
    expect(await active().locator('rect[data-cursor]').getAttribute('x')).toBe(
      String(await active().locator('g.col[data-step="2"] rect.colbg').getAttribute('x')),
    );
    expect(await active().locator('ol.steps li.sel').getAttribute('data-step')).toBe('2');
  });

  it('moves between steps with the keyboard, and from the step list', async () => {
    await page.keyboard.press('ArrowRight');
    expect(await stateStep()).toBe(3);
    await page.keyboard.press('j');
    expect(await stateStep()).toBe(4);
    await page.keyboard.press('ArrowLeft');
    expect(await stateStep()).toBe(3);
    await page.keyboard.press('End');
    expect(await stateStep()).toBe(8); // seed-uaf stops at its violation, step 8
    await page.keyboard.press('ArrowRight');
    expect(await stateStep()).toBe(8);
    await page.keyboard.press('Home');
    expect(await stateStep()).toBe(0);
    expect(await active().locator('aside.state h4').innerText()).toContain('Boot');
    // ] and [ move between traces in the picker's order, and back.
    const order = await page.locator('.picker a[data-trace]').evaluateAll((as) => as.map((a) => a.getAttribute('data-trace')));
    const here = order.indexOf('run-seed-uaf-v4.15-rc1');
    await page.keyboard.press(']');
    expect(await active().getAttribute('data-trace')).toBe(order[here + 1]);
    await page.keyboard.press('[');
    expect(await active().getAttribute('data-trace')).toBe('run-seed-uaf-v4.15-rc1');
    await active().locator('ol.steps li[data-step="6"]').click();
    expect(await stateStep()).toBe(6);
    // Step 6 frees A: the pointer still names A's storage, now marked freed (dangling).
    expect(await active().locator('aside.state tr:has(th:text-is("st freed (ghost)")) td').first().innerText()).toBe('1 (was 0)');
  });

  it('previews the state of a hovered column and returns to the selection when the pointer leaves', async () => {
    await active()
      .locator('g.col[data-step="3"] rect.colbg')
      .hover({ position: { x: 56, y: 100 }, force: true });
    expect(await stateStep()).toBe(3);
    expect(await active().locator('aside.state .preview').innerText()).toContain('selected: step 6');
    await page.mouse.move(5, 5);
    expect(await stateStep()).toBe(6);
    expect(await active().locator('aside.state .preview').count()).toBe(0);
  });

  it('prints the selected trace without the navigation (PDF saved as an artifact)', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      expect(await page.locator('article.trace:visible').count()).toBe(1);
      expect(await page.locator('.picker').isVisible()).toBe(false);
      expect(await active().locator('svg.timeline').isVisible()).toBe(true);
      const pdf = join(ARTIFACTS, 'report.pdf');
      await page.pdf({ path: pdf, format: 'A4', landscape: true, printBackground: true });
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  it('keeps the trace and step in the address, and opens a link at that step', async () => {
    await active().locator('ol.steps li[data-step="4"]').click();
    expect(new URL(page.url()).hash).toBe('#trace-run-seed-uaf-v4.15-rc1:4');
    const other = await ctx.newPage();
    try {
      await other.goto(`${url}#trace-run-seed-uaf-rfc-2017:3`);
      const a = other.locator('article.trace.active');
      expect(await a.getAttribute('data-trace')).toBe('run-seed-uaf-rfc-2017');
      expect(await a.locator('aside.state [data-state-step]').getAttribute('data-state-step')).toBe('3');
    } finally {
      await other.close();
    }
  });

  it('draws the cost comparison with the oracle', async () => {
    const bars = page.locator('#cost svg.bars');
    expect(await bars.count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#cost figcaption').allTextContents()).toEqual(
      expect.arrayContaining(['ratio to the oracle (1 = optimal)', 'bytes moved (B)', 'loads', 'redundant loads']),
    );
  });

  it('offers the trace as text, with a copy button that copies it or selects it', async () => {
    await active().locator('details.astext summary').click();
    const pre = active().locator('details.astext pre');
    expect(await pre.innerText()).toContain('verdict: VIOLATION of no-uaf [FPC101]');
    await active().locator('details.astext button[data-copy]').click();
    // Headless Chromium may refuse the clipboard; then the text is selected for Ctrl-C.
    await expect
      .poll(
        async () =>
          (await active().locator('details.astext button[data-copy]').innerText()) === 'copied' ||
          (await page.evaluate(() => String((globalThis as unknown as { getSelection(): unknown }).getSelection()))).includes(
            'verdict: VIOLATION',
          ),
      )
      .toBe(true);
  });

  it('logs no error and fetches nothing but the file itself; saves a screenshot', async () => {
    await page.locator('.picker a', { hasText: 'shortest counterexample' }).first().click();
    const shot = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(problems).toEqual([]);
    expect(requests.filter((r) => r !== url && !r.startsWith(`${url}#`))).toEqual([]);
    // And the file has nothing that could fetch: no src/href to another place, no url() to one.
    const html = readFileSync(new URL(url), 'utf8');
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/url\((?!#)/);
  });
});
