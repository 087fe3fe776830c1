/**
 * `fpctx report` reads `fpctx conform --json`: each divergence becomes a trace drawn from the
 * machine before the event, with the kernel's calls (the trace) beside the model's.
 */

import { describe, expect, it } from 'vitest';
import { conform } from '../../src/app/conform.js';
import { renderReport } from '../../src/report/html.js';
import { reportFromDocument } from '../../src/report/load.js';
import { findVariant } from '../../src/variants/index.js';

describe('report of a conform document', () => {
  // v6.12 lacks fbc7e61195e2: its first divergence on the 6.12.118 seed trace is a KVM_RUN whose
  // vcpu_load saves and flushes in the kernel, not in the model.
  const input = {
    files: ['lab/traces/6.12/seed-kvm.trace.gz'],
    variant: findVariant('v6.12')!,
    variantArg: 'v6.12',
    guestFp: true,
    guestFpFromTrace: true,
    maxDivergences: 200,
    threshold: 1,
  };
  const all = conform(input).traces[0]!.divergences;
  const kvmRun = all.find((d) => d.cause.startsWith('sys_enter: kernel calls fpsimd_save_and_flush_cpu_state'))!;
  const other = all.find((d) => d !== kvmRun)!;
  // Two divergences in one document: the KVM_RUN one first.
  const doc = conform({ ...input, maxDivergences: 0 });
  doc.traces[0]!.divergences = [kvmRun, other];
  const text = JSON.stringify(doc);
  const data = reportFromDocument(JSON.parse(text), 'conform.json', text);

  it('makes one trace per divergence, with both call lists and the reproducing command', () => {
    expect(data.traces).toHaveLength(2);
    const t = data.traces![0]!;
    expect(t.kind).toBe('conformance');
    expect(t.calls!.kernel).toContain('fpsimd_save_and_flush_cpu_state <-kvm_arch_vcpu_load_fp');
    expect(t.calls!.model.join(' ')).not.toContain('fpsimd_save_and_flush_cpu_state');
    expect(t.reproduce).toMatch(/^npx fpctx conform lab\/traces\/6\.12\/seed-kvm\.trace\.gz --variant v6\.12 --at \d+$/);
    expect(t.trace.steps.map((s) => s.event)).toEqual(['syscall', 'kvm_run']);
    expect(data.summary![0]).toMatch(/^seed-kvm \(6\.12\.118\+deb12-arm64\) on v6\.12: \d+ events compared/);
  });

  it('draws the kernel calls beside the model calls, the differing rows marked', () => {
    const html = renderReport(data);
    expect(html).toContain('<table class="calls">');
    expect(html).toMatch(/<tr class="calls-differ"><td>fpsimd_save_and_flush_cpu_state &lt;-kvm_arch_vcpu_load_fp<\/td>/);
    expect(html).toContain('conformance divergences');
  });
});
