/**
 * One boot of a real arm64 kernel under QEMU (TCG) with a plan of workloads.
 *
 * The initramfs holds static busybox, lab/guest/init, the modules the guest needs (decompressed,
 * in dependency order), the workloads and the plan. The guest writes its results as a tar archive
 * onto a raw virtio disk, which is unpacked here. QEMU's console goes to console.log; its
 * "LAB:" lines are progress. A guest that prints no new LAB: line for `stallSeconds` is hung:
 * QEMU is killed and the boot fails with one line naming the console log.
 */

import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { BUFFER_KB, EVENTS, FTRACE_FILTER, LAB_DIR, MODULES, qemuArgs, REQUIRED_MODULES, type Workload } from './config.js';
import { LabError, run, sh, shq } from './host.js';

export interface KernelFiles {
  /** The unpacked image package (boot/vmlinuz-*, lib/modules/*). */
  dir: string;
  vmlinuz: string;
  release: string;
  config: string;
}

export function kernelFiles(dir: string): KernelFiles {
  const boot = join(dir, 'boot');
  const vm = existsSync(boot) ? readdirSync(boot).find((f) => f.startsWith('vmlinuz-')) : undefined;
  if (!vm) throw new LabError(`no boot/vmlinuz-* in ${dir}`);
  const release = vm.slice('vmlinuz-'.length);
  return { dir, vmlinuz: join(boot, vm), release, config: join(boot, `config-${release}`) };
}

/** A module's file under lib/modules/<release>/kernel, its name and its `depends=`. */
interface Mod {
  file: string;
  name: string;
  depends: string[];
  compressed: boolean;
}

function modIndex(k: KernelFiles, log: string): Map<string, Mod> {
  const root = join(k.dir, 'lib/modules', k.release, 'kernel');
  const files = sh(`find ${shq(root)} -name '*.ko' -o -name '*.ko.xz'`, 'listing modules', { log })
    .split('\n')
    .filter(Boolean);
  const idx = new Map<string, Mod>();
  for (const f of files) {
    const name = basename(f)
      .replace(/\.ko(\.xz)?$/, '')
      .replace(/-/g, '_');
    idx.set(name, { file: f, name, depends: [], compressed: f.endsWith('.xz') });
  }
  return idx;
}

/** The wanted modules and their dependencies, dependencies first, decompressed into `dest`.
 * Debian's image ships no modules.dep (depmod runs at install), so `depends=` is read from each
 * module's .modinfo strings. Returns the file names in load order and the names not found. */
function stageModules(k: KernelFiles, dest: string, log: string): { order: string[]; missing: string[] } {
  const idx = modIndex(k, log);
  const order: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const visit = (want: string): void => {
    const name = want.replace(/-/g, '_');
    if (seen.has(name)) return;
    seen.add(name);
    const m = idx.get(name);
    if (!m) {
      missing.push(want);
      return;
    }
    const bytes = m.compressed ? xzDecompress(m.file) : readFileSync(m.file);
    const dep = /\0depends=([^\0]*)\0/.exec(bytes.toString('latin1'));
    for (const d of dep?.[1] ? dep[1].split(',') : []) visit(d);
    const out = `${name}.ko`;
    writeFileSync(join(dest, out), bytes);
    order.push(out);
  };
  for (const m of MODULES) visit(m);
  return { order, missing };
}

function xzDecompress(file: string): Buffer {
  const r = spawnSync('xz', ['-dc', file], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new LabError(`xz -dc ${file}: ${r.error?.message ?? r.stderr.toString().trim()}`);
  return r.stdout;
}

export interface BootSpec {
  kernelId: string;
  kernel: KernelFiles;
  busybox: string;
  /** Files copied into /lab/bin (fplab), and folders copied under it (kselftest/). */
  bin: string[];
  kselftestDir?: string;
  plan: Workload[];
  /** Scratch folder for this boot (initramfs root, disk, console log, results). */
  work: string;
  /** Seconds the kernel may take to reach /init, and beyond a workload's own timeout, seconds
   * without a new LAB: console line before the guest counts as hung. */
  stallSeconds: number;
  log: string;
  /** Called with each LAB: line (progress). */
  onProgress?: (line: string) => void;
}

export interface BootResult {
  /** Unpacked /out of the guest. */
  outDir: string;
  console: string;
  qemuArgv: string[];
  seconds: number;
  missingModules: string[];
}

export async function boot(spec: BootSpec): Promise<BootResult> {
  const { work } = spec;
  rmSync(work, { recursive: true, force: true });
  const root = join(work, 'root');
  for (const d of ['bin', 'lab/bin', 'lib/modules']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(spec.busybox, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  copyFileSync(join(LAB_DIR, 'guest/init'), join(root, 'init'));
  chmodSync(join(root, 'init'), 0o755);
  for (const b of spec.bin) copyFileSync(b, join(root, 'lab/bin', basename(b)));
  if (spec.kselftestDir) sh(`cp -a ${shq(spec.kselftestDir)} ${shq(join(root, 'lab/bin/kselftest'))}`, 'staging the kselftests');
  const mods = stageModules(spec.kernel, join(root, 'lib/modules'), spec.log);
  const lost = mods.missing.filter((m) => REQUIRED_MODULES.includes(m));
  if (lost.length) throw new LabError(`${spec.kernelId}: kernel modules not in the image: ${lost.join(', ')}`);
  writeFileSync(join(root, 'lab/modules'), `${mods.order.join('\n')}\n`);
  writeFileSync(join(root, 'lab/buffer_kb'), `${BUFFER_KB}\n`);
  writeFileSync(join(root, 'lab/ftrace-filter'), `${FTRACE_FILTER.join('\n')}\n`);
  for (const [p, evs] of Object.entries(EVENTS)) writeFileSync(join(root, `lab/events-${p}`), `${evs.join('\n')}\n`);
  for (const w of spec.plan)
    if (/[|\n]/.test(w.name + w.command)) throw new LabError(`workload ${w.name}: '|' or a newline in its command`);
  writeFileSync(join(root, 'lab/plan'), spec.plan.map((w) => `${w.name}|${w.profile}|${w.timeout}|${w.command}\n`).join(''));
  const initrd = join(work, 'initrd.gz');
  sh(`cd ${shq(root)} && find . | cpio -o -H newc --quiet | gzip -1 > ${shq(initrd)}`, 'building the initramfs', { log: spec.log });
  const disk = join(work, 'out.img');
  // Sparse: holds the tar of every trace of the boot.
  sh(`truncate -s 2G ${shq(disk)}`, 'creating the results disk');
  const argv = qemuArgs(spec.kernel.vmlinuz, initrd, disk);
  const consoleLog = join(work, 'console.log');
  const t0 = Date.now();
  await runQemu(argv, consoleLog, spec);
  const seconds = (Date.now() - t0) / 1000;
  const outDir = join(work, 'out');
  mkdirSync(outDir, { recursive: true });
  run(['tar', '-xf', disk, '-C', outDir], `${spec.kernelId}: unpacking the guest's results`, { log: spec.log });
  const fatal = /^LAB: fatal (.*)$/m.exec(readFileSync(consoleLog, 'utf8'));
  if (fatal) throw new LabError(`${spec.kernelId}: guest: ${fatal[1]} (console: ${consoleLog})`);
  return { outDir, console: consoleLog, qemuArgv: ['qemu-system-aarch64', ...argv], seconds, missingModules: mods.missing };
}

function runQemu(argv: string[], consoleLog: string, spec: BootSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(consoleLog);
    const q = spawn('qemu-system-aarch64', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let last = Date.now();
    let lastLine = 'none (the kernel did not reach /init)';
    let done = false;
    let buf = '';
    let failed: string | null = null;
    const onData = (d: Buffer): void => {
      out.write(d);
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const at = line.indexOf('LAB: ');
        if (at >= 0) {
          up = true;
          last = Date.now();
          lastLine = line.slice(at);
          spec.onProgress?.(lastLine);
          if (lastLine.startsWith('LAB: done')) done = true;
        }
        if (/Kernel panic/.test(line)) failed ??= `kernel panic: ${line.trim()}`;
      }
    };
    q.stdout.on('data', onData);
    q.stderr.on('data', onData);
    // Workload timeouts are enforced inside the guest; this catches a guest that stopped making
    // progress at all (a hung boot, a stuck kill, a dead console).
    // Before the first LAB: line only the boot itself runs: stallSeconds bounds it.
    const maxStep = Math.max(...spec.plan.map((w) => w.timeout)) + spec.stallSeconds;
    let up = false;
    const timer = setInterval(() => {
      const idle = (Date.now() - last) / 1000;
      if (idle > (up ? maxStep : spec.stallSeconds)) {
        failed = `guest hung: no progress for ${Math.round(idle)} s after '${lastLine}'`;
        q.kill('SIGKILL');
      }
    }, 1000);
    q.on('error', (e) => {
      clearInterval(timer);
      reject(new LabError(`${spec.kernelId}: cannot start qemu-system-aarch64: ${e.message}`));
    });
    q.on('close', (code) => {
      clearInterval(timer);
      out.end();
      appendFileSync(spec.log, `$ qemu-system-aarch64 ${argv.join(' ')}: exit ${code}\n`);
      if (!failed && lastLine.startsWith('LAB: fatal')) failed = `guest: ${lastLine.slice('LAB: fatal '.length)}`;
      if (failed) reject(new LabError(`${spec.kernelId}: ${failed} (console: ${consoleLog})`));
      else if (!done)
        reject(
          new LabError(
            `${spec.kernelId}: QEMU exited (status ${code}) before the guest finished; last: '${lastLine}' (console: ${consoleLog})`,
          ),
        );
      else resolve();
    });
  });
}
