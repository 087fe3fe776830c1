/**
 * The live smoke test: one real boot per pinned kernel under QEMU, one short workload (the seed:
 * FPSIMD task A beside KVM vcpu thread B on CPU 0), the trace parsed. Runs for each kernel whose
 * packages are in the lab's cache (`npm run lab -- --fetch-only --no-source` fetches them; .ci/run
 * does) when QEMU and the arm64 cross compiler are installed; otherwise it is skipped, saying why.
 * Under CI (the CI variable set), a missing tool or package fails instead of hiding the lab.
 */
import { mkdtempSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPackages } from '../../src/lab/config.js';
import { debName } from '../../src/lab/fetch.js';
import { have } from '../../src/lab/host.js';
import { DEFAULTS, runLab } from '../../src/lab/run.js';

const pk = loadPackages();
const tools = ['qemu-system-aarch64', 'aarch64-linux-gnu-gcc', 'cpio'].filter((t) => !have(t));
const ci = Boolean(process.env.CI);

function why(kernel: string): string | null {
  if (tools.length) return `${tools.join(', ')} not installed`;
  const k = pk.kernels.find((p) => p.id === kernel)!;
  for (const p of [k.image, pk.busybox])
    if (!existsSync(join(DEFAULTS.cache, 'debs', debName(p))))
      return `${p.package} ${p.version} not in lab/cache (npm run lab -- --fetch-only --no-source)`;
  return null;
}

describe.each(pk.kernels.map((k) => k.id))('live smoke test: kernel %s under QEMU', (kernel) => {
  const reason = why(kernel);
  if (reason && !ci) console.log(`live smoke test on ${kernel} skipped: ${reason}`);

  it.skipIf(reason !== null && !ci)(
    'boots, runs the seed workload with ftrace on, and the trace shows A, B, the guest and the FP calls',
    async () => {
      expect(reason, 'the lab cannot run here').toBeNull();
      const build = mkdtempSync(join(tmpdir(), `fpctx-lab-smoke-${kernel}-`));
      const lines: string[] = [];
      const [k] = await runLab({
        ...DEFAULTS,
        kernels: [kernel],
        smoke: true,
        kselftests: false,
        sources: false,
        install: false,
        build,
        log: (l) => lines.push(l),
      });
      const w = k!.workloads[0]!;
      expect(w.manifest.result.exitStatus, w.manifest.result.output).toBe(0);
      expect(w.manifest.result.tap).toMatchObject({ pass: 2, fail: 0 });
      expect(w.manifest.release).toMatch(new RegExp(`^${kernel.replace('.', '\\.')}\\.`));
      expect(w.manifest.cpu.kvm).toBe(true);
      expect(w.manifest.cpu.features).toContain('sve');
      const t = w.trace;
      expect(t.lost).toEqual([]);
      const kinds = new Set(t.events.map((e) => e.kind));
      for (const kind of ['switch', 'call', 'kvm_entry', 'kvm_exit', 'marker', 'sys_enter', 'fork']) expect(kinds, kind).toContain(kind);
      const fns = new Set(t.events.flatMap((e) => (e.kind === 'call' ? [e.fn] : [])));
      for (const fn of ['fpsimd_thread_switch', 'kvm_arch_vcpu_load_fp', 'kvm_arch_vcpu_put_fp', 'task_fpsimd_load'])
        expect(fns, fn).toContain(fn);
      const checks = t.events.filter((e) => e.kind === 'marker' && e.action === 'fp_check');
      expect(checks.length).toBe(3);
      expect(checks.every((e) => e.kind === 'marker' && e.rest[0] === 'ok')).toBe(true);
    },
    // A boot takes 15-25 s on a quiet 2-core machine, minutes on a busy one.
    900_000,
  );

  it.skipIf(reason !== null && !ci)(
    'a guest that makes no progress is killed and reported in one line',
    async () => {
      expect(reason, 'the lab cannot run here').toBeNull();
      const build = mkdtempSync(join(tmpdir(), `fpctx-lab-hang-${kernel}-`));
      // One second cannot be enough for a kernel to reach /init under TCG: that is the hang.
      const run = runLab({
        ...DEFAULTS,
        kernels: [kernel],
        smoke: true,
        kselftests: false,
        sources: false,
        install: false,
        build,
        stall: 1,
        log: () => {},
      });
      await expect(run).rejects.toThrow(
        new RegExp(
          `^${kernel.replace('.', '\\.')}: guest hung: no progress for \\d+ s after 'none \\(the kernel did not reach /init\\)' \\(console: .*console\\.log\\)$`,
        ),
      );
    },
    300_000,
  );
});
