/**
 * A plug-in variant that back-ports a fix to an old kernel to check it: e0cb0f26594c
 * "arm64/fpsimd: Consistently preserve FPSIMD state during clone()" (v6.16) applied to v4.15.
 *
 *   npx fpctx run fork-after-ptrace-sve --variant v4.15,./examples/clone-effective-state.ts
 *   npx fpctx check --variant ./examples/clone-effective-state.ts --cpus 1 --tasks 2 --vcpus 0 \
 *       --spare 1 --depth 13 --events core,fork,ptrace
 *
 * v4.15's fork copies the parent's uw.fpsimd_state, which is stale when the parent's V
 * registers live in sve_state (a tracer gave it SVE state at a syscall-entry stop): the child
 * starts with old V values (docs/findings.md). The fix makes arch_dup_task_struct() write the
 * effective V registers into uw.fpsimd_state before the copy. The class-factory form is used
 * because the new function calls the original through `super`.
 */
import type { PluginVariant } from '../src/variants/plugin.js';
import type { TaskView } from '../src/kernel/records.js';

export default {
  name: 'v4.15+clone-fix',
  extends: 'v4.15',
  kernel: 'v4.15 with e0cb0f26594c (v6.16) back-ported',
  summary: 'arch_dup_task_struct() copies the effective FPSIMD state, even when it lives in sve_state',
  Kernel: (Base) =>
    class extends Base {
      /** Preserve, then make uw.fpsimd_state hold the effective V registers, then copy. */
      override arch_dup_task_struct(dst: TaskView, src: TaskView): void {
        this.fpsimd_preserve_current_state();
        this.sve_sync_to_fpsimd(src);
        super.arch_dup_task_struct(dst, src);
      }
    },
} satisfies PluginVariant;
