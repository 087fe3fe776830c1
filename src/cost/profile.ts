/**
 * Workload profiles (YAML): what a machine runs, as rates, for the stream generator
 * (src/cost/generator.ts; the generation model is described in docs/cost.md).
 *
 *   name: kvm-host
 *   cpus: 4
 *   sve_vl: 512            # bits, every task's SVE vector length
 *   events: 1000000        # stream length (model events)
 *   seed: 1
 *   migration: 0.05        # a scheduling decision picks a task that last ran on another CPU
 *   softirq_neon: 0.002    # per decision on a CPU: a softirq uses kernel-mode NEON there
 *   idle: 0.1              # a CPU whose task blocks goes idle rather than running another task
 *   tasks:
 *     - { name: vcpu, count: 4, vcpu: true, guest_fp: 0.5, guest_runs: 20, exit_to_user: 0.02 }
 *     - { name: shell, count: 4, max: 8, fp: 0.3, syscall: 0.6, fork: 0.05, exit: 0.05 }
 *
 * Every probability is in [0, 1]. A task-class field left out is 0 (never), except `weight`
 * (1), `max` (= count) and `guest_runs` (1). Errors name the file, line and field.
 */

import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isValidVectorLength } from '../arch/sizes.js';
import { InputError } from '../errors.js';
import { CAPACITY } from '../kernel/layout.js';
import { readInput } from '../input/read.js';
import { MAX_NAME, MAX_TEXT } from '../input/limits.js';
import { parseYaml, validateYaml } from '../input/yaml.js';

const p = z.number().min(0).max(1);
/** The longest stream a profile or --events may ask for (minutes for every variant). */
export const MAX_EVENTS = 100_000_000;

const name = z
  .string()
  .max(MAX_NAME, `a name is at most ${MAX_NAME} characters`)
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, 'a name is a letter followed by letters, digits, _ . or -');

export const TaskClassSchema = z
  .strictObject({
    name,
    /** Tasks of this class at the start. */
    count: z.number().int().min(1),
    /** Most tasks of this class alive at once (forks stop there); default: count. */
    max: z.number().int().min(1).optional(),
    /** vcpu threads: each runs one vcpu (KVM_RUN loop) and its guest. */
    vcpu: z.boolean().optional(),
    /** Relative chance of being picked when a CPU schedules (default 1). */
    weight: z.number().positive().optional(),
    /** A user-mode slice writes the FPSIMD registers. */
    fp: p.optional(),
    /** A user-mode slice writes SVE registers (checked before fp). */
    sve: p.optional(),
    /** A user-mode slice uses SME (streaming mode / ZA); counted, not modelled by this event alphabet yet. */
    sme: p.optional(),
    /** A user-mode slice ends in a syscall. */
    syscall: p.optional(),
    /** A slice that does not end in a syscall ends with the task preempted (timer tick). */
    preempt: p.optional(),
    /** A syscall uses kernel-mode NEON (crypto, checksums, RAID). */
    kernel_neon: p.optional(),
    /** A syscall blocks: the task is switched out. */
    block: p.optional(),
    /** A signal with a handler is delivered at the end of a slice. */
    signal: p.optional(),
    /** A syscall is fork() (if the class is below `max` and a slot is free). */
    fork: p.optional(),
    /** A syscall is exit() (if the class has more than one task alive). */
    exit: p.optional(),
    /** vcpu: a guest run uses FP. */
    guest_fp: p.optional(),
    /** vcpu: mean guest runs (entries) before the vcpu blocks (guest idle, WFI). */
    guest_runs: z.number().min(1).optional(),
    /** vcpu: a guest exit is handled by the VMM in user space (KVM_RUN returns). */
    exit_to_user: p.optional(),
  })
  .refine((c) => (c.max ?? c.count) >= c.count, { message: 'max must be at least count', path: ['max'] });

export const ProfileSchema = z.strictObject({
  name,
  description: z.string().max(MAX_TEXT, `at most ${MAX_TEXT} characters`).optional(),
  cpus: z.number().int().min(1).max(CAPACITY.cpus),
  sve_vl: z.number().int().optional(),
  events: z
    .number()
    .int()
    .min(1)
    .max(MAX_EVENTS, `at most ${MAX_EVENTS.toLocaleString('en-US')} events (use --time to bound a run)`)
    .optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  migration: p.optional(),
  softirq_neon: p.optional(),
  idle: p.optional(),
  tasks: z.array(TaskClassSchema).min(1),
});

export type ProfileFile = z.infer<typeof ProfileSchema>;
export type TaskClassFile = z.infer<typeof TaskClassSchema>;

/** A task class with every field resolved. */
export interface TaskClass {
  readonly name: string;
  readonly count: number;
  readonly max: number;
  readonly vcpu: boolean;
  readonly weight: number;
  readonly fp: number;
  readonly sve: number;
  readonly sme: number;
  readonly syscall: number;
  readonly preempt: number;
  readonly kernelNeon: number;
  readonly block: number;
  readonly signal: number;
  readonly fork: number;
  readonly exit: number;
  readonly guestFp: number;
  readonly guestRuns: number;
  readonly exitToUser: number;
}

export interface Profile {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly cpus: number;
  readonly sveVlBits: number;
  readonly events: number;
  readonly seed: number;
  readonly migration: number;
  readonly softirqNeon: number;
  readonly idle: number;
  readonly classes: readonly TaskClass[];
}

export const DEFAULT_EVENTS = 1_000_000;

/** Directory of the built-in profiles (works from src/ and from dist/). */
export const WORKLOADS_DIR = fileURLToPath(new URL('../../workloads/', import.meta.url));

export function builtinProfileNames(): string[] {
  if (!existsSync(WORKLOADS_DIR)) return [];
  return readdirSync(WORKLOADS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** A path, or the name of a built-in profile (`kvm-host`). */
export function resolveProfilePath(arg: string): string {
  if (existsSync(arg)) return arg;
  const builtin = join(WORKLOADS_DIR, arg.endsWith('.yaml') ? arg : `${arg}.yaml`);
  if (!arg.includes('/') && existsSync(builtin)) return builtin;
  throw new InputError(`no such workload profile (built-in profiles: ${builtinProfileNames().join(', ')})`, arg);
}

export function loadProfile(path: string): Profile {
  return parseProfile(readInput(path), path);
}

export function parseProfile(text: string, file: string): Profile {
  const input = parseYaml(text, file);
  const pf = validateYaml(ProfileSchema, input, 'a workload profile (name, cpus, tasks)');
  const nodeLine = input.lineOf;
  const fail = (path: (string | number)[], field: string, msg: string): never => {
    throw new InputError(msg, file, nodeLine(path), field);
  };

  if (pf.sve_vl !== undefined && !isValidVectorLength(pf.sve_vl)) {
    fail(['sve_vl'], 'sve_vl', `${pf.sve_vl} is not a vector length (a multiple of 128 from 128 to 2048)`);
  }
  const seen = new Set<string>();
  pf.tasks.forEach((t, i) => {
    if (seen.has(t.name)) fail(['tasks', i, 'name'], `tasks[${i}].name`, `duplicate task class '${t.name}'`);
    seen.add(t.name);
    const vcpuOnly = ['guest_fp', 'guest_runs', 'exit_to_user'] as const;
    const hostOnly = ['fork', 'exit', 'max'] as const;
    for (const f of vcpuOnly)
      if (!t.vcpu && t[f] !== undefined) fail(['tasks', i, f], `tasks[${i}].${f}`, `only vcpu classes (vcpu: true) have ${f}`);
    for (const f of hostOnly)
      if (t.vcpu && t[f] !== undefined)
        fail(['tasks', i, f], `tasks[${i}].${f}`, `${f} is for host task classes: vcpu threads do not fork or exit in this model`);
  });
  const slots = pf.tasks.reduce((n, t) => n + (t.max ?? t.count), 0);
  if (slots > CAPACITY.slots) fail(['tasks'], 'tasks', `${slots} task slots (sum of max) exceed the model's ${CAPACITY.slots}`);
  const vcpus = pf.tasks.reduce((n, t) => n + (t.vcpu ? t.count : 0), 0);
  if (vcpus > CAPACITY.vcpus) fail(['tasks'], 'tasks', `${vcpus} vcpus exceed the model's ${CAPACITY.vcpus}`);

  return {
    file,
    name: pf.name,
    ...(pf.description !== undefined ? { description: pf.description.trim() } : {}),
    cpus: pf.cpus,
    sveVlBits: pf.sve_vl ?? 512,
    events: pf.events ?? DEFAULT_EVENTS,
    seed: pf.seed ?? 1,
    migration: pf.migration ?? 0,
    softirqNeon: pf.softirq_neon ?? 0,
    idle: pf.idle ?? 0,
    classes: pf.tasks.map((t) => ({
      name: t.name,
      count: t.count,
      max: t.vcpu ? t.count : (t.max ?? t.count),
      vcpu: t.vcpu ?? false,
      weight: t.weight ?? 1,
      fp: t.fp ?? 0,
      sve: t.sve ?? 0,
      sme: t.sme ?? 0,
      syscall: t.syscall ?? 0,
      preempt: t.preempt ?? 0,
      kernelNeon: t.kernel_neon ?? 0,
      block: t.block ?? 0,
      signal: t.signal ?? 0,
      fork: t.fork ?? 0,
      exit: t.exit ?? 0,
      guestFp: t.guest_fp ?? 0,
      guestRuns: t.guest_runs ?? 1,
      exitToUser: t.exit_to_user ?? 0,
    })),
  };
}
