/**
 * A plug-in variant: Christoffer Dall's proposal from the seed thread ("why not flush
 * unconditionally?"), rebuilt on top of the built-in rfc-2017 by replacing one kernel function.
 *
 *   npx fpctx run seed-kvm --variant ./examples/flush-always.ts
 *   npx fpctx check --cpus 1 --variant rfc-2017,./examples/flush-always.ts
 *
 * It behaves exactly like the built-in `flush-always` (test/variants/plugin.test.ts checks
 * that on every built-in scenario and on a bounded check). docs/variants.md explains the format.
 */
import type { PluginVariant } from '../src/variants/plugin.js';

export default {
  name: 'my-flush-always',
  extends: 'rfc-2017',
  kernel: 'v4.15 + review proposal (never merged)',
  summary: 'unconditional fpsimd_flush_cpu_state() before every guest entry',
  overrides: {
    /** Before every guest entry: forget whatever the CPU's registers are bound to, SVE or not. */
    kvm_fpsimd_flush_cpu_state() {
      this.fpsimd_flush_cpu_state();
    },
  },
} satisfies PluginVariant;
