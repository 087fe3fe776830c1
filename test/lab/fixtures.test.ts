/**
 * The committed lab traces (lab/traces/<kernel>/<workload>.trace.gz with their manifests),
 * recorded by `npm run lab` on the real Debian kernels: they parse, they agree with their
 * manifests, and they show what the lab exists to record. No QEMU needed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_DIR, loadPackages } from '../../src/lab/config.js';
import { readManifest } from '../../src/lab/manifest.js';
import { countEvents, readLabTrace, type LabTrace } from '../../src/lab/trace.js';

const TRACES = join(LAB_DIR, 'traces');
const kernels = loadPackages().kernels.map((k) => k.id);

function manifests(kernel: string): string[] {
  const dir = join(TRACES, kernel);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.manifest.json'))
        .sort()
    : [];
}

const cache = new Map<string, LabTrace>();
function trace(kernel: string, workload: string): LabTrace {
  const key = `${kernel}/${workload}`;
  let t = cache.get(key);
  if (!t) cache.set(key, (t = readLabTrace(join(TRACES, kernel, `${workload}.trace.gz`))));
  return t;
}

describe.each(kernels)('committed lab traces of kernel %s', (kernel) => {
  const files = manifests(kernel);

  it('has a manifest for each workload, the seed and the kselftests among them', () => {
    const names = files.map((f) => f.replace(/\.manifest\.json$/, ''));
    expect(names).toContain('seed-kvm');
    expect(names).toContain('seed-kvm-sve');
    expect(names.some((n) => n.startsWith('kselftest-'))).toBe(true);
  });

  it('every manifest validates and names its kernel, packages and trace', () => {
    const pin = loadPackages().kernels.find((k) => k.id === kernel)!;
    for (const f of files) {
      const m = readManifest(join(TRACES, kernel, f));
      expect(m.kernel).toBe(kernel);
      expect(m.packages.image).toMatchObject({ package: pin.image.package, version: pin.image.version });
      expect(m.packages.source.version).toBe(m.packages.image.version);
      expect(m.trace.file).toBe(f.replace(/\.manifest\.json$/, '.trace'));
      expect(m.cpu.kvm).toBe(true);
    }
  });

  it('every committed trace parses and agrees with its manifest (events, counts)', () => {
    let committed = 0;
    for (const f of files) {
      const w = f.replace(/\.manifest\.json$/, '');
      if (!existsSync(join(TRACES, kernel, `${w}.trace.gz`))) continue;
      committed++;
      const m = readManifest(join(TRACES, kernel, f));
      const t = trace(kernel, w);
      expect(t.events.length, w).toBe(m.trace.events);
      expect(countEvents(t), w).toEqual(m.trace.counts);
      expect(t.lost, w).toEqual([]);
      // time never goes backwards on one CPU (the global clock)
      const backwards = t.cpus.flatMap((c) => c.events.filter((e, i) => i > 0 && e.ts < c.events[i - 1]!.ts).map((e) => e.line));
      expect(backwards, w).toEqual([]);
    }
    expect(committed).toBeGreaterThanOrEqual(8);
  });

  it("the seed: A and B share CPU 0, B enters the guest, A's registers always came back intact", () => {
    const m = readManifest(join(TRACES, kernel, 'seed-kvm.manifest.json'));
    expect(m.result.exitStatus).toBe(0);
    const t = trace(kernel, 'seed-kvm');
    const marks = t.events.filter((e) => e.kind === 'marker' && e.workload === 'seed-kvm');
    const a = new Set(marks.filter((e) => e.kind === 'marker' && e.role === 'A').map((e) => e.pid));
    const b = new Set(marks.filter((e) => e.kind === 'marker' && e.role === 'B').map((e) => e.pid));
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    const checks = marks.filter((e) => e.kind === 'marker' && e.action === 'fp_check');
    expect(checks.length).toBe(20);
    expect(checks.every((e) => e.kind === 'marker' && e.rest[0] === 'ok')).toBe(true);
    // every KVM entry is B's, on CPU 0, and A was switched out for B on CPU 0 at least once
    const entries = t.events.filter((e) => e.kind === 'kvm_entry');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => b.has(e.pid) && e.cpu === 0)).toBe(true);
    const [pa] = a;
    const [pb] = b;
    expect(t.events.some((e) => e.kind === 'switch' && e.prevPid === pa && e.nextPid === pb && e.cpu === 0)).toBe(true);
    // the KVM context-management calls are seen, each with its caller
    const calls = new Set(t.cpus[0]!.calls.map((c) => `${c.fn}<-${c.caller}`));
    expect(calls).toContain('kvm_arch_vcpu_load_fp<-kvm_arch_vcpu_load');
    expect(calls).toContain('kvm_arch_vcpu_ctxsync_fp<-kvm_arch_vcpu_ioctl_run');
    expect(calls).toContain('kvm_arch_vcpu_put_fp<-kvm_arch_vcpu_put');
  });

  it("the SVE seed: the SVE task's first SVE use traps (do_sve_acc) and its Z registers survive", () => {
    const t = trace(kernel, 'seed-kvm-sve');
    const checks = t.events.filter((e) => e.kind === 'marker' && e.action === 'fp_check');
    expect(checks.length).toBe(20);
    expect(checks.every((e) => e.kind === 'marker' && e.rest[0] === 'ok')).toBe(true);
    expect(t.events.some((e) => e.kind === 'call' && e.fn === 'do_sve_acc')).toBe(true);
  });
});
