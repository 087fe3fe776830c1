/**
 * The lab's pins, manifest schema, TAP counting and kselftest list: the pieces of `npm run lab`
 * that need no QEMU.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { testProgs } from '../../src/lab/build.js';
import { fplabWorkloads, kselftestWorkload, LAB_DIR, loadPackages, qemuArgs } from '../../src/lab/config.js';
import { debName } from '../../src/lab/fetch.js';
import { checkManifest, readManifest, tapSummary } from '../../src/lab/manifest.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'fpctx-lab-'));

describe('lab/packages.json', () => {
  const pk = loadPackages();

  it('pairs every kernel image with the source package of exactly its version', () => {
    expect(pk.kernels.map((k) => k.id)).toEqual(['6.12', '6.1']);
    for (const k of pk.kernels) {
      expect(k.image.version).toBe(k.source.version);
      expect(k.source.package).toBe(`linux-source-${k.id}`);
      expect(k.image.arch).toBe('arm64');
    }
  });

  it("names .debs as apt-get download writes them (the epoch's colon escaped)", () => {
    expect(debName(pk.busybox)).toBe('busybox-static_1%3a1.35.0-4+deb12u1+b1_arm64.deb');
    expect(debName(pk.kernels[0]!.source)).toBe('linux-source-6.12_6.12.118-1~deb12u1_all.deb');
  });

  it('rejects a bad pin file with the field at fault', () => {
    const f = join(tmp(), 'p.json');
    const raw = JSON.parse(readFileSync(join(LAB_DIR, 'packages.json'), 'utf8'));
    raw.kernels[1].image.version = 'not a version!';
    writeFileSync(f, JSON.stringify(raw));
    try {
      loadPackages(f);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).format()).toMatch(/p\.json: kernels\.1\.image\.version: /);
    }
  });
});

describe('workloads and QEMU line', () => {
  it('pins the seed workloads to CPU 0 and records the seed in the command', () => {
    const ws = fplabWorkloads(7);
    const seed = ws.find((w) => w.name === 'seed-kvm')!;
    expect(seed.command).toBe('FPLAB_SEED=7 taskset -c 0 ./fplab seed-kvm 20 300');
    expect(new Set(ws.map((w) => w.name)).size).toBe(ws.length);
    for (const w of ws) expect(w.command).not.toMatch(/[|\n]/);
  });

  it('runs a kselftest from the binaries folder, fp-stress until one quiet second, every one with syscalls', () => {
    expect(kselftestWorkload('fp-stress').command).toBe('cd kselftest && ./fp-stress -t 1');
    expect(kselftestWorkload('sve-ptrace')).toMatchObject({ name: 'kselftest-sve-ptrace', kind: 'kselftest', profile: 'full' });
    expect(kselftestWorkload('sve-ptrace').fixtureBytes).toBeUndefined();
    // fp-stress: full profile, a timeout that is only a safety net, its gzip committed up to 3 MB
    expect(kselftestWorkload('fp-stress')).toMatchObject({ profile: 'full', timeout: 900, fixtureBytes: 3_000_000 });
  });

  it('boots at EL2 with SVE and without SME', () => {
    const a = qemuArgs('vmlinuz', 'initrd.gz', 'out.img');
    expect(a[a.indexOf('-M') + 1]).toBe('virt,virtualization=on');
    expect(a[a.indexOf('-cpu') + 1]).toMatch(/^max,sve=on,.*sme=off/);
    expect(a).toContain('virtio-blk-device,drive=out');
  });
});

describe('kselftest list', () => {
  it('reads TEST_GEN_PROGS (continued lines, +=) and not the _EXTENDED helpers', () => {
    const f = join(tmp(), 'Makefile');
    writeFileSync(
      f,
      'TEST_GEN_PROGS := \\\n\tfp-ptrace \\\n\tfp-stress \\\n\tsve-ptrace\nTEST_GEN_PROGS += za-fork\nTEST_GEN_PROGS_EXTENDED := fpsimd-test sve-test\n',
    );
    expect(testProgs(f)).toEqual(['fp-ptrace', 'fp-stress', 'sve-ptrace', 'za-fork']);
  });
});

describe('TAP summary', () => {
  it('counts ok, not ok and SKIP lines, and the plans', () => {
    const out = ['TAP version 13', '1..3', 'ok 1 a', 'not ok 2 b', 'ok 3 # SKIP no SME', '# nested', 'ok 1 x # skip y', '1..1'].join('\n');
    expect(tapSummary(out)).toEqual({ pass: 1, fail: 1, skip: 2, planned: 4 });
    expect(tapSummary('no tap here')).toEqual({ pass: 0, fail: 0, skip: 0, planned: null });
  });

  it("prefers the kselftests' own Totals line (6.1's za-fork prints its skip as a bare ok)", () => {
    const out = ['1..1', 'ok 0 skipped', '# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:1 error:0'].join('\n');
    expect(tapSummary(out)).toEqual({ pass: 0, fail: 0, skip: 1, planned: 1 });
    expect(tapSummary('# Totals: pass:3 fail:1 xfail:1 xpass:1 skip:2 error:1')).toMatchObject({ pass: 4, fail: 3, skip: 2 });
  });
});

describe('manifests', () => {
  const good = () => JSON.parse(readFileSync(join(LAB_DIR, 'traces/6.12/seed-kvm.manifest.json'), 'utf8'));

  it('a recorded manifest validates', () => {
    expect(checkManifest(good(), 'm.json').workload.name).toBe('seed-kvm');
  });

  it('a wrong or missing field is one error naming it', () => {
    const m = good();
    m.result.exitStatus = 'zero';
    expect(() => checkManifest(m, 'm.json')).toThrow(InputError);
    try {
      checkManifest(m, 'm.json');
    } catch (e) {
      expect((e as InputError).format()).toMatch(/^m\.json: result\.exitStatus: /);
    }
    const n = good();
    delete n.packages.image.sha256;
    expect(() => checkManifest(n, 'm.json')).toThrow(/sha256|expected/i);
  });

  it('a file that is not JSON names its line', () => {
    const f = join(tmp(), 'bad.manifest.json');
    writeFileSync(f, '{\n  "schema": 1,\n  oops\n}\n');
    try {
      readManifest(f);
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).format()).toMatch(/bad\.manifest\.json:3: not JSON/);
    }
  });
});
