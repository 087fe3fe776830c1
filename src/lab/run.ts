/**
 * `npm run lab`: the whole lab from one command. Per kernel of lab/packages.json: fetch (or take
 * from the cache) the pinned image, busybox and source packages; cross-compile the workloads and
 * that source's FP kselftests; boot once under QEMU running every workload with ftrace on; write
 * lab/traces/<kernel>/<workload>.trace and .manifest.json, and a summary (summary.json,
 * summary.md). `smoke` mode boots each kernel with one short workload instead and only parses
 * the trace (the live test and .ci/run use it).
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { boot, kernelFiles } from './boot.js';
import { buildFplab, buildKselftests } from './build.js';
import {
  BUFFER_KB,
  fplabWorkloads,
  kselftestWorkload,
  LAB_DIR,
  loadPackages,
  smokeWorkload,
  type KernelPin,
  type Workload,
} from './config.js';
import { cacheAt, ensureTools, fetchPackage, type Fetched } from './fetch.js';
import { LabError, versionLine } from './host.js';
import { InputError } from '../errors.js';
import { checkManifest, tapSummary, type Manifest } from './manifest.js';
import { countEvents, parseLabTrace, type LabTrace } from './trace.js';

export interface LabOptions {
  /** Kernel ids to run (default: all pinned). */
  kernels?: string[];
  /** Workload names to run (default: all). */
  workloads?: string[];
  kselftests: boolean;
  smoke: boolean;
  /** Install missing apt tools (as root or through sudo -n). */
  install: boolean;
  /** Stop after installing and fetching. */
  fetchOnly: boolean;
  /** Also fetch the source packages (needed for the kselftests). */
  sources: boolean;
  seed: number;
  cache: string;
  out: string;
  /** Scratch folder (initramfs roots, disks, console logs). */
  build: string;
  /** Seconds without guest progress before the boot counts as hung (beyond workload timeouts). */
  stall: number;
  /** Committed fixtures: a trace is also written gzip-compressed when its .gz is at most this. */
  fixtureBytes: number;
  log: (line: string) => void;
}

export const DEFAULTS: Omit<LabOptions, 'log'> = {
  kselftests: true,
  smoke: false,
  install: true,
  fetchOnly: false,
  sources: true,
  seed: 0,
  cache: join(LAB_DIR, 'cache'),
  out: join(LAB_DIR, 'traces'),
  build: join(LAB_DIR, 'build'),
  stall: 900,
  fixtureBytes: 200_000,
};

export interface WorkloadOutcome {
  kernel: string;
  workload: string;
  manifest: Manifest;
  trace: LabTrace;
  /** Where the trace was written (smoke: the scratch copy). */
  traceFile: string;
  gz: string | null;
}

export interface KernelOutcome {
  kernel: string;
  bootSeconds: number;
  workloads: WorkloadOutcome[];
}

export async function runLab(o: LabOptions): Promise<KernelOutcome[]> {
  const pk = loadPackages();
  const wanted = o.kernels ?? pk.kernels.map((k) => k.id);
  for (const k of wanted)
    if (!pk.kernels.some((p) => p.id === k))
      throw new InputError(
        `unknown kernel '${k}' (lab/packages.json has ${pk.kernels.map((p) => p.id).join(', ')})`,
        undefined,
        undefined,
        '--kernel',
      );
  const cache = cacheAt(o.cache);
  mkdirSync(o.build, { recursive: true });
  const log = join(o.build, 'lab.log');
  o.log(`lab: tools`);
  const tools = ensureTools(pk, cache, o.install);
  const busybox = fetchPackage(pk.busybox, cache);
  const fetched = new Map<string, { image: Fetched; source: Fetched | null }>();
  for (const k of pk.kernels.filter((p) => wanted.includes(p.id))) {
    o.log(
      `lab: ${k.id}: packages ${k.image.package} ${k.image.version}${o.sources && !o.smoke ? `, ${k.source.package} ${k.source.version}` : ''}`,
    );
    const image = fetchPackage(k.image, cache);
    const source = o.sources && !o.smoke ? fetchPackage(k.source, cache, false) : null;
    fetched.set(k.id, { image, source });
  }
  if (o.fetchOnly) return [];
  const fplab = buildFplab(join(o.build, 'bin'), log);
  const qemuVersion = versionLine(['qemu-system-aarch64', '--version']) ?? 'unknown';
  const labCommit = gitCommit();
  const results: KernelOutcome[] = [];
  for (const k of pk.kernels.filter((p) => wanted.includes(p.id))) {
    const f = fetched.get(k.id)!;
    let plan: Workload[];
    let kself: ReturnType<typeof buildKselftests> | null = null;
    if (o.smoke) plan = [smokeWorkload()];
    else {
      plan = fplabWorkloads(o.seed);
      if (o.kselftests) {
        if (!f.source) throw new LabError(`${k.id}: the kselftests need the source package (drop --no-source)`);
        o.log(`lab: ${k.id}: building the kselftests of ${k.source.package} ${k.source.version}`);
        kself = buildKselftests(f.source, cache, log);
        plan.push(...kself.tests.map(kselftestWorkload));
      }
      if (o.workloads) {
        const names = new Set(o.workloads);
        for (const n of names)
          if (!plan.some((w) => w.name === n))
            throw new InputError(
              `unknown workload '${n}' (known: ${plan.map((w) => w.name).join(', ')})`,
              undefined,
              undefined,
              '--workload',
            );
        plan = plan.filter((w) => names.has(w.name));
      }
    }
    const kf = kernelFiles(f.image.dir);
    o.log(`lab: ${k.id}: booting ${kf.release} with ${plan.length} workload(s): ${plan.map((w) => w.name).join(' ')}`);
    const work = join(o.build, o.smoke ? `smoke-${k.id}` : `run-${k.id}`);
    const b = await boot({
      kernelId: k.id,
      kernel: kf,
      busybox: join(busybox.dir, 'bin/busybox'),
      bin: [fplab],
      ...(kself ? { kselftestDir: kself.dir } : {}),
      plan,
      work,
      stallSeconds: o.stall,
      log,
      onProgress: (l) => o.log(`lab: ${k.id}: ${l.slice(5)}`),
    });
    o.log(`lab: ${k.id}: boot finished in ${b.seconds.toFixed(1)} s`);
    const outDir = o.smoke ? work : join(o.out, k.id);
    mkdirSync(outDir, { recursive: true });
    const common = guestFacts(b.outDir);
    const outcomes: WorkloadOutcome[] = [];
    for (const w of plan) {
      const rcFile = join(b.outDir, `${w.name}.rc`);
      if (!existsSync(rcFile)) throw new LabError(`${k.id}: ${w.name}: the guest recorded no result`);
      const [rc, start, end] = readFileSync(rcFile, 'utf8').trim().split(/\s+/).map(Number);
      const src = join(b.outDir, `${w.name}.trace`);
      const text = readFileSync(src, 'utf8');
      const traceFile = join(outDir, `${w.name}.trace`);
      if (!o.smoke) copyFileSync(src, traceFile);
      const trace = parseLabTrace(text, o.smoke ? src : traceFile);
      const output = readFileSync(join(b.outDir, `${w.name}.out`), 'utf8');
      const counts = countEvents(trace);
      const manifest = checkManifest(
        {
          schema: 1,
          kernel: k.id,
          release: common.release,
          version: common.version,
          nearestVariant: k.nearestVariant,
          packages: { image: pin(f.image), source: sourcePin(k, f.source), busybox: pin(busybox) },
          tools,
          qemu: { argv: b.qemuArgv, version: qemuVersion },
          cpu: {
            model: b.qemuArgv[b.qemuArgv.indexOf('-cpu') + 1]!,
            cpus: Number(b.qemuArgv[b.qemuArgv.indexOf('-smp') + 1]),
            ...common.cpu,
          },
          workload: {
            name: w.name,
            about: w.about,
            kind: w.kind,
            command: w.command,
            pinning: w.pinning,
            seed: o.seed,
            timeout: w.timeout,
          },
          result: { exitStatus: rc ?? -1, start: start ?? 0, end: end ?? 0, tap: tapSummary(output), output },
          tracing: {
            tracer: trace.tracer ?? 'unknown',
            clock: 'global',
            bufferKb: BUFFER_KB,
            events: lines(join(b.outDir, `${w.name}.events`)),
            functions: lines(join(b.outDir, 'ftrace-filter')),
            dropped: drops(join(b.outDir, `${w.name}.stats`)),
          },
          trace: {
            file: `${w.name}.trace`,
            bytes: Buffer.byteLength(text),
            lines: text.split('\n').length - 1,
            events: trace.events.length,
            counts,
          },
          kernelWarnings: common.warnings,
          boot: { seconds: Math.round(b.seconds * 10) / 10, missingModules: b.missingModules },
          date: new Date().toISOString(),
          labCommit,
        },
        `${w.name}.manifest.json`,
      );
      let gz: string | null = null;
      if (!o.smoke) {
        writeFileSync(join(outDir, `${w.name}.manifest.json`), `${JSON.stringify(manifest, null, 2)}\n`);
        const z = gzipSync(text, { level: 9 });
        gz = join(outDir, `${w.name}.trace.gz`);
        if (z.length <= (w.fixtureBytes ?? o.fixtureBytes)) writeFileSync(gz, z);
        else {
          rmSync(gz, { force: true }); // a smaller one from an earlier run is not this trace
          gz = null;
        }
      }
      outcomes.push({ kernel: k.id, workload: w.name, manifest, trace, traceFile: o.smoke ? src : traceFile, gz });
      const tap = manifest.result.tap;
      o.log(
        `lab: ${k.id}: ${w.name}: exit ${rc}, TAP ${tap.pass} pass ${tap.fail} fail ${tap.skip} skip, trace ${manifest.trace.bytes} B, ${manifest.trace.events} events${trace.lost.length ? `, LOST ${trace.lost.reduce((a, l) => a + l.count, 0)}` : ''}`,
      );
    }
    results.push({ kernel: k.id, bootSeconds: b.seconds, workloads: outcomes });
  }
  if (!o.smoke) writeSummary(o.out, results);
  return results;
}

function pin(f: Fetched): Manifest['packages']['image'] {
  return { package: f.pin.package, arch: f.pin.arch, version: f.pin.version, sha256: f.sha256 };
}

/** The source pin; its checksum when it was fetched (smoke runs skip the 150 MB download and
 * record the pin with a zero checksum: the kselftests were not built in them). */
function sourcePin(k: KernelPin, f: Fetched | null): Manifest['packages']['source'] {
  return f ? pin(f) : { package: k.source.package, arch: k.source.arch, version: k.source.version, sha256: '0'.repeat(64) };
}

function lines(file: string): string[] {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
}

function drops(file: string): Manifest['tracing']['dropped'] {
  const out: Manifest['tracing']['dropped'] = [];
  let cur: Manifest['tracing']['dropped'][number] | null = null;
  for (const l of lines(file)) {
    const c = /^cpu (\d+)$/.exec(l);
    if (c) out.push((cur = { cpu: Number(c[1]), dropped: 0, overrun: 0 }));
    const d = /^dropped events: (\d+)/.exec(l);
    if (d && cur) cur.dropped = Number(d[1]);
    const v = /^overrun: (\d+)/.exec(l);
    if (v && cur) cur.overrun = Number(v[1]);
  }
  return out;
}

function guestFacts(dir: string): {
  release: string;
  version: string;
  cpu: { features: string[]; sveDefaultVl: number | null; kvm: boolean };
  warnings: string[];
} {
  const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : '');
  const feat = /^Features\s*:\s*(.*)$/m.exec(read('cpuinfo'));
  const vl = read('sve-default-vl');
  const warnings = read('dmesg')
    .split('\n')
    .filter((l) => /WARNING:|BUG:|Oops|Call trace:|rcu_.*stall/i.test(l))
    .map((l) => l.replace(/^\[\s*\d+\.\d+\]\s*/, ''));
  return {
    release: read('uname'),
    version: read('version'),
    cpu: { features: feat ? feat[1]!.trim().split(/\s+/) : [], sveDefaultVl: vl ? Number(vl) : null, kvm: read('kvm') === 'yes' },
    warnings,
  };
}

function gitCommit(): string {
  const r = spawnSync('git', ['-C', LAB_DIR, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['-C', LAB_DIR, 'status', '--porcelain', '--', '.', ':!traces', '../src/lab'], {
    encoding: 'utf8',
  }).stdout.trim();
  return `${r.stdout.trim()}${dirty ? '-dirty' : ''}`;
}

/** One row of summary.json: a workload's result and trace, and the boot that recorded it. */
export interface SummaryRow {
  kernel: string;
  release: string;
  workload: string;
  exitStatus: number;
  tap: Manifest['result']['tap'];
  traceBytes: number;
  traceGzBytes: number | null;
  events: number;
  calls: number;
  lost: number;
  dropped: number;
  /** Seconds of the boot that recorded this workload (its manifest's boot.seconds). */
  bootSeconds?: number;
  counts: Record<string, number>;
}

/** summary.json: per kernel, its latest boot; per kernel and workload, the latest recording. */
export interface Summary {
  kernels: { kernel: string; bootSeconds: number; workloads?: string[] }[];
  rows: SummaryRow[];
}

/**
 * The summary after a run: the run's rows replace the same kernel's and workload's rows of the
 * summary before it, others are kept (a run of one workload must not drop the rest), new ones are
 * appended. Each kernel the run booted gets this run's boot time and the workloads that boot
 * recorded; a kernel it did not boot keeps its entry. Each row carries the boot time of the boot
 * that recorded it, so a summary merged from several runs says which is which.
 */
export function mergeSummary(
  old: Summary | null,
  results: readonly { kernel: string; bootSeconds: number; rows: SummaryRow[] }[],
): Summary {
  const key = (r: { kernel: string; workload: string }) => `${r.kernel}/${r.workload}`;
  const fresh = new Map(results.flatMap((k) => k.rows.map((r) => [key(r), r] as const)));
  const rows = (old?.rows ?? []).map((r) => fresh.get(key(r)) ?? r);
  const have = new Set(rows.map(key));
  for (const r of fresh.values()) if (!have.has(key(r))) rows.push(r);
  const kernels = [...(old?.kernels ?? [])];
  for (const k of results) {
    const entry = { kernel: k.kernel, bootSeconds: Math.round(k.bootSeconds), workloads: k.rows.map((r) => r.workload) };
    const i = kernels.findIndex((e) => e.kernel === k.kernel);
    if (i >= 0) kernels[i] = entry;
    else kernels.push(entry);
  }
  return { kernels, rows };
}

function readSummary(file: string): Summary | null {
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Summary;
    return Array.isArray(s.kernels) && Array.isArray(s.rows) ? s : null;
  } catch {
    return null; // an unreadable summary is rewritten from this run alone
  }
}

/** summary.json and summary.md under `out`: per kernel and workload, the result and the trace (mergeSummary). */
function writeSummary(out: string, results: KernelOutcome[]): void {
  const runRows = results.map((k) => ({
    kernel: k.kernel,
    bootSeconds: k.bootSeconds,
    rows: k.workloads.map(
      (w): SummaryRow => ({
        kernel: k.kernel,
        release: w.manifest.release,
        workload: w.workload,
        exitStatus: w.manifest.result.exitStatus,
        tap: w.manifest.result.tap,
        traceBytes: w.manifest.trace.bytes,
        traceGzBytes: w.gz ? statSync(w.gz).size : null,
        events: w.manifest.trace.events,
        calls: w.manifest.trace.counts.call ?? 0,
        lost: w.trace.lost.reduce((a, l) => a + l.count, 0),
        dropped: w.manifest.tracing.dropped.reduce((a, d) => a + d.dropped, 0),
        bootSeconds: w.manifest.boot.seconds,
        counts: w.manifest.trace.counts,
      }),
    ),
  }));
  mkdirSync(out, { recursive: true });
  const summary = mergeSummary(readSummary(join(out, 'summary.json')), runRows);
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(out, 'summary.md'), summaryMarkdown(summary));
}

/** summary.md: one row per kernel and workload. */
export function summaryMarkdown(summary: Summary): string {
  const md = [
    '| kernel | workload | exit | TAP pass/fail/skip | trace bytes | events | calls | sched_switch | kvm_entry | markers | dropped | boot s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...summary.rows.map(
      (r) =>
        `| ${r.release} | ${r.workload} | ${r.exitStatus} | ${r.tap.pass}/${r.tap.fail}/${r.tap.skip} | ${r.traceBytes} | ${r.events} | ${r.calls} | ${r.counts.switch ?? 0} | ${r.counts.kvm_entry ?? 0} | ${r.counts.marker ?? 0} | ${r.dropped + r.lost} | ${r.bootSeconds ?? '?'} |`,
    ),
  ];
  return `${md.join('\n')}\n`;
}
