/**
 * Cross-compiling the guest's programs, all static for arm64: the lab's workloads (fplab) and
 * the kernel's own FP kselftests, built from the linux-source package of the same version as the
 * kernel they run on. The kselftest build follows LAB-NOTES.md's recipe and its pitfalls: the
 * `all` target (the fp folder alone builds one program), KHDR_INCLUDES pointing at this source's
 * own exported headers (else the host's older ones are used silently), and `-static` inside CC
 * (LDFLAGS does not reach the assembler tests).
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR } from './config.js';
import type { Cache, Fetched } from './fetch.js';
import { LabError, run, sh, shq } from './host.js';

const CROSS = 'aarch64-linux-gnu-';

/** Builds lab/src/fplab.c into `outDir`/fplab (always: it takes a second). */
export function buildFplab(outDir: string, log: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, 'fplab');
  run([`${CROSS}gcc`, '-static', '-O2', '-Wall', '-Wextra', '-o', out, join(LAB_DIR, 'src/fplab.c')], 'compiling lab/src/fplab.c', { log });
  return out;
}

export interface Kselftests {
  /** Folder holding the static binaries (fp-stress runs the others from here). */
  dir: string;
  /** The programs the fp Makefile declares as tests (TEST_GEN_PROGS), in its order. */
  tests: string[];
  /** Every binary built. */
  binaries: string[];
}

/** The TEST_GEN_PROGS of tools/testing/selftests/arm64/fp/Makefile. */
export function testProgs(makefile: string): string[] {
  const text = readFileSync(makefile, 'utf8').replace(/\\\n/g, ' ');
  const progs: string[] = [];
  for (const m of text.matchAll(/^TEST_GEN_PROGS\s*[:+]?=\s*(.*)$/gm)) {
    for (const p of m[1]!.split(/\s+/)) if (p && !p.startsWith('$')) progs.push(p);
  }
  return progs;
}

/** Builds (once per source version) the arm64 fp kselftests of a linux-source package. */
export function buildKselftests(src: Fetched, cache: Cache, log: string): Kselftests {
  const tag = `${src.pin.package}_${src.pin.version.replace(/:/g, '%3a')}`;
  const out = join(cache.root, 'kselftest', tag);
  const binDir = join(out, 'kselftest/arm64/fp');
  const tree = join(cache.root, 'src', tag);
  const series = src.pin.package.replace(/^linux-source-/, '');
  const top = join(tree, `linux-source-${series}`);
  if (!existsSync(join(out, '.done'))) {
    if (!existsSync(join(top, 'Makefile'))) {
      rmSync(tree, { recursive: true, force: true });
      mkdirSync(tree, { recursive: true });
      // Only what `make headers` and the selftests need: drivers, fs, net, sound and the
      // documentation are most of the 1.4 GB tree.
      const excl = ['drivers', 'Documentation', 'sound', 'fs', 'net', 'firmware'].map((d) => `--exclude=${shq(`*/${d}`)}`).join(' ');
      sh(
        `dpkg-deb --fsys-tarfile ${shq(src.deb)} | tar -x -O ./usr/src/linux-source-${series}.tar.xz | xz -dc | tar -x -C ${shq(tree)} ${excl}`,
        `unpacking ${src.pin.package} ${src.pin.version}`,
        { log, timeout: 1800 },
      );
    }
    run(['make', '-C', top, 'ARCH=arm64', `CROSS_COMPILE=${CROSS}`, 'headers'], `make headers (${series})`, { log, timeout: 1800 });
    rmSync(out, { recursive: true, force: true });
    run(
      [
        'make',
        '-C',
        join(top, 'tools/testing/selftests'),
        'TARGETS=arm64',
        'ARM64_SUBTARGETS=fp',
        'ARCH=arm64',
        `CROSS_COMPILE=${CROSS}`,
        `CC=${CROSS}gcc -static`,
        `KHDR_INCLUDES=-isystem ${join(top, 'usr/include')}`,
        `O=${out}`,
        'all',
      ],
      `building the arm64 fp kselftests of ${src.pin.package} ${src.pin.version}`,
      { log, timeout: 3600 },
    );
    writeFileSync(join(out, '.done'), '');
  }
  if (!existsSync(binDir)) throw new LabError(`kselftest build of ${tag}: no ${binDir}`);
  const binaries = readdirSync(binDir)
    .filter((f) => {
      const s = statSync(join(binDir, f));
      return s.isFile() && (s.mode & 0o111) !== 0;
    })
    .sort();
  const tests = testProgs(join(top, 'tools/testing/selftests/arm64/fp/Makefile')).filter((t) => binaries.includes(t));
  return { dir: binDir, tests, binaries };
}
