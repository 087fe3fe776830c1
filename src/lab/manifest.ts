/**
 * The manifest beside every lab trace (lab/traces/<kernel>/<workload>.manifest.json): everything
 * needed to know where the trace came from and to redo it. Validated on read; a bad manifest is
 * one InputError naming the file and the field (exit status 2).
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';

const Pin = z.strictObject({ package: z.string(), arch: z.string(), version: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

const Tap = z.strictObject({
  pass: z.number().int(),
  fail: z.number().int(),
  skip: z.number().int(),
  planned: z.number().int().nullable(),
});

export const ManifestSchema = z.strictObject({
  schema: z.literal(1),
  /** Lab kernel id (lab/packages.json), e.g. "6.12". */
  kernel: z.string(),
  /** uname -r and /proc/version in the guest. */
  release: z.string(),
  version: z.string(),
  /** The model variant closest to this kernel (what `fpctx conform` compares with first). */
  nearestVariant: z.string(),
  packages: z.strictObject({ image: Pin, source: Pin, busybox: Pin }),
  /** Host tool package versions (qemu-system-arm, gcc-aarch64-linux-gnu, ...), as installed. */
  tools: z.record(z.string(), z.string()),
  qemu: z.strictObject({ argv: z.array(z.string()), version: z.string() }),
  cpu: z.strictObject({
    /** QEMU's -cpu option. */
    model: z.string(),
    cpus: z.number().int(),
    /** The Features line of /proc/cpuinfo (first CPU). */
    features: z.array(z.string()),
    sveDefaultVl: z.number().int().nullable(),
    kvm: z.boolean(),
  }),
  workload: z.strictObject({
    name: z.string(),
    about: z.string(),
    kind: z.enum(['fplab', 'kselftest', 'shell']),
    command: z.string(),
    pinning: z.string(),
    seed: z.number().int(),
    timeout: z.number().int(),
  }),
  result: z.strictObject({
    /** The workload's exit status in the guest (137 = killed at its timeout). */
    exitStatus: z.number().int(),
    /** Guest uptime (s) at start and end. */
    start: z.number(),
    end: z.number(),
    /** TAP summary of its output (ok / not ok / # SKIP lines). */
    tap: Tap,
    /** The workload's output (stdout and stderr). */
    output: z.string(),
  }),
  tracing: z.strictObject({
    tracer: z.string(),
    clock: z.string(),
    bufferKb: z.number().int(),
    /** Events enabled (set_event, read back). */
    events: z.array(z.string()),
    /** Functions the filter matched (set_ftrace_filter, read back). */
    functions: z.array(z.string()),
    /** Per CPU: events dropped because the buffer was full, and overruns. */
    dropped: z.array(z.strictObject({ cpu: z.number().int(), dropped: z.number().int(), overrun: z.number().int() })),
  }),
  trace: z.strictObject({
    /** File name beside the manifest (.trace, or .trace.gz when committed compressed). */
    file: z.string(),
    bytes: z.number().int(),
    lines: z.number().int(),
    events: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
  }),
  /** Kernel warnings on the console during the whole boot (WARNING:/BUG:/Oops lines). */
  kernelWarnings: z.array(z.string()),
  boot: z.strictObject({ seconds: z.number(), missingModules: z.array(z.string()) }),
  /** When it was recorded (ISO 8601) and by which commit of this repository. */
  date: z.string(),
  labCommit: z.string(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Validates a parsed manifest; `file` names it in errors. */
export function checkManifest(raw: unknown, file: string): Manifest {
  const r = ManifestSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(issue.message, file, undefined, issue.path.join('.') || 'manifest', 'FPC404');
  }
  return r.data;
}

export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, file, undefined, undefined, 'FPC402');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new InputError(`not JSON: ${(e as Error).message}`, file, line, undefined, 'FPC403');
  }
  return checkManifest(raw, file);
}

/**
 * TAP summary of a workload's output. The kselftests end with their own count ("# Totals:
 * pass:N fail:N xfail:N xpass:N skip:N error:N"), which is authoritative where present (6.1's
 * za-fork reports its skip as a bare "ok 0 skipped"): failures include xpass and error.
 * Otherwise (the lab's own workloads) the "ok N", "not ok N", "ok N ... # SKIP" lines are
 * counted. "1..N" plans are summed.
 */
export function tapSummary(output: string): z.infer<typeof Tap> {
  let pass = 0;
  let fail = 0;
  let skip = 0;
  let planned: number | null = null;
  const totals = { pass: 0, fail: 0, skip: 0, seen: false };
  for (const line of output.split('\n')) {
    const plan = /^1\.\.(\d+)\s*$/.exec(line);
    if (plan) planned = (planned ?? 0) + Number(plan[1]);
    const t = /^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)/.exec(line);
    if (t) {
      totals.seen = true;
      totals.pass += Number(t[1]) + Number(t[3]);
      totals.fail += Number(t[2]) + Number(t[4]) + Number(t[6]);
      totals.skip += Number(t[5]);
    }
    if (/^not ok\b/.test(line)) fail++;
    else if (/^ok\b/.test(line)) {
      if (/#\s*SKIP/i.test(line)) skip++;
      else pass++;
    }
  }
  return totals.seen ? { pass: totals.pass, fail: totals.fail, skip: totals.skip, planned } : { pass, fail, skip, planned };
}
