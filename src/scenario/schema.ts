/**
 * The scenario file format (YAML), validated with zod.
 *
 *   name: seed-kvm
 *   description: ...
 *   machine:
 *     cpus: 1
 *     tasks: [{ name: A }, { name: B, vcpu: true }]
 *   steps:
 *     - { event: switch, cpu: 0, task: A }
 *     - { event: fp_write, task: A }
 *   requires: [sme]          # optional: n/a on variants without SME
 *   expect:
 *     v4.15-rc1: ok
 *     no-sve-flush: { invariant: integrity, kind: corrupt }
 *
 * A step names an event (see `fpctx events`) and where it happens: `cpu`, or `task` for the CPU
 * that task is running on. `switch` takes both; `free` takes a task; `fork` may name the child
 * with `as`. `note` is free text shown with the step.
 *
 * The runner (run.ts) completes a kernel path the step's task is part-way through with implied
 * `continue` steps, and records a written `continue` (or `ret_to_user`) that has nothing to do
 * on this variant, right after a path it runs atomically (or an instruction it does not trap),
 * as a no-op: README "Scenario files".
 */

import { z } from 'zod';
import { MAX_NAME, MAX_TEXT } from '../input/limits.js';
import { SCENARIO_FEATURES } from './features.js';

const name = z
  .string()
  .max(MAX_NAME, `a name is at most ${MAX_NAME} characters`)
  .regex(/^[A-Za-z][A-Za-z0-9_']*$/, "a name is a letter followed by letters, digits, _ or '");
/** Free text (a description, a note): bounded, as every string an input file gives. */
const text = z.string().max(MAX_TEXT, `at most ${MAX_TEXT} characters`);
/** The most steps a scenario may have (the longest built-in one has under 60). */
export const MAX_STEPS = 10_000;

export const StepSchema = z.strictObject({
  event: z.string().max(MAX_NAME),
  cpu: z.number().int().min(0).optional(),
  task: name.optional(),
  as: name.optional(),
  note: text.optional(),
});

export const ExpectSchema = z.union([
  z.literal('ok'),
  z.strictObject({
    invariant: z.enum(['no-uaf', 'integrity', 'guest-integrity', 'kernel-integrity', 'memory-safety', 'kernel-warn']),
    kind: z.enum(['lost', 'corrupt', 'leak']).optional(),
    step: z.number().int().min(1).optional(),
  }),
]);

export const ScenarioSchema = z.strictObject({
  name: z.string().min(1).max(MAX_NAME, `a name is at most ${MAX_NAME} characters`),
  description: text.optional(),
  /** What the scenario mirrors (a mail, a kselftest, a commit). */
  reference: text.optional(),
  /** Default variant for `fpctx run` when --variant is not given. */
  variant: z.string().max(MAX_TEXT).optional(),
  /**
   * Kernel features the scenario needs (SME, FPMR, SVE guests): on a variant whose class lacks
   * one, the outcome is n/a (src/scenario/features.ts). Events of those families require it.
   */
  requires: z
    .array(
      z.enum(SCENARIO_FEATURES, {
        error: (iss) => `unknown feature ${JSON.stringify(iss.input)} (features: ${SCENARIO_FEATURES.join(', ')})`,
      }),
    )
    .optional(),
  machine: z.strictObject({
    cpus: z.number().int().min(1).max(8),
    spare_slots: z.number().int().min(0).max(8).optional(),
    sve_vl: z.number().int().optional(),
    /** The streaming (SME) VL of every task, in bits (default 256); used only by variants with SME. */
    sme_vl: z.number().int().optional(),
    /**
     * The maximum SVE VL of every vcpu, in bits (the VMM's KVM_REG_ARM64_SVE_VLS; default
     * `sve_vl`): `sve_vl` or the other VL the host supports; used only by variants with SVE guests.
     */
    vcpu_sve_vl: z.number().int().optional(),
    /** The CPU's extensions (`sve,sme,...` or `fpsimd`; src/arch/hw.ts); default the variant's. */
    hw: z.string().optional(),
    tasks: z
      .array(z.strictObject({ name, vcpu: z.boolean().optional() }))
      .min(1)
      .max(12),
  }),
  steps: z.array(StepSchema).min(1).max(MAX_STEPS, `at most ${MAX_STEPS} steps`),
  expect: z.record(z.string().max(MAX_TEXT), ExpectSchema).optional(),
});

export type ScenarioFile = z.infer<typeof ScenarioSchema>;
export type StepFile = z.infer<typeof StepSchema>;
export type Expectation = z.infer<typeof ExpectSchema>;
