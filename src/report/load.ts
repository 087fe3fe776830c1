/**
 * Reading saved JSON documents into ReportData: what `fpctx run --json`, `check --json`,
 * `suite --json`, `matrix --json` and `cost --json` print, and ReportData itself
 * (`fpctx report --data`). The kind is recognised by shape; the parts the report draws are
 * validated, and anything else a newer fpctx adds is carried along untouched (the state panel
 * shows every snapshot field it finds).
 *
 * Bad input is one line naming the file, the line and the field: JSON is parsed with
 * JSON.parse, and only when something is wrong is the text parsed again as YAML (a superset of
 * JSON) to find the line of the offending value.
 */

import { z } from 'zod';
import { InputError } from '../errors.js';
import { parseJson, positionOfPath } from '../input/json.js';
import { MAX_DEPTH, MAX_TEXT } from '../input/limits.js';
import { readInput } from '../input/read.js';
import type { MachineSnapshot, Trace, TraceStep } from '../trace/types.js';
import { checkRow, checkTrace, costSectionFromDoc, runRow, scenarioTrace, type CheckLike } from './build.js';
import {
  REPORT_FORMAT,
  boundsText,
  emptyReport,
  slug,
  verdictText,
  type Bounds,
  type CheckRow,
  type ReportData,
  type ReportTrace,
  type RunRow,
} from './data.js';

// --- schemas: what the report relies on -------------------------------------------------------

// Bounded everywhere: a saved document is read by code that draws it (a call depth becomes an
// indent, a cpu id a lane), so a number or string no fpctx run can print is refused here.
const str = z.string().max(MAX_TEXT);
const int = z.number().int().min(-1_000_000_000).max(1_000_000_000);
/** An id of a CPU, task slot or vcpu. */
const id = z.number().int().min(0).max(1023);
const nint = id.nullable();

const CpuSchema = z.looseObject({
  id: id,
  current: str.nullable(),
  regs: z.looseObject({ V: str, hi: str }),
  last: z.looseObject({ st: str, sve_in_use: z.boolean(), dangling: z.boolean() }),
  host_fpV: str,
});
const TaskSchema = z.looseObject({
  slot: id,
  name: str,
  state: str,
  pos: str,
  in_syscall: z.boolean(),
  on_cpu: nint,
  mm: z.boolean(),
  vcpu: nint,
  flags: z.looseObject({ TIF_FOREIGN_FPSTATE: z.boolean(), TIF_SVE: z.boolean() }),
  fpsimd_cpu: nint,
  mem: z.looseObject({ uw_V: str, sve_state: z.looseObject({ V: str, hi: str }).nullable() }),
  expected: z.looseObject({ V: str, hi: str }),
});
const VcpuSchema = z.looseObject({ id: id, thread: str.nullable(), mem: z.looseObject({ V: str }), expected: z.looseObject({ V: str }) });
const SnapshotSchema = z.looseObject({ cpus: z.array(CpuSchema).min(1), tasks: z.array(TaskSchema), vcpus: z.array(VcpuSchema) });
const ViolationSchema = z.looseObject({ invariant: str, kind: str.optional(), code: str, message: str, where: str });
const StepSchema = z.looseObject({
  step: int.min(1),
  event: str,
  cpu: nint,
  task: str.nullable(),
  label: str,
  calls: z.array(z.looseObject({ fn: str, depth: z.number().int().min(0).max(MAX_DEPTH) })),
  effects: z.array(z.looseObject({ kind: str })),
  state: SnapshotSchema,
  violation: ViolationSchema.optional(),
});
const CountersSchema = z.record(str, z.number());
const BoundsSchema = z.record(str, z.union([z.number(), str, z.boolean(), z.array(str)]));
const TraceSchema = z.looseObject({
  variant: str,
  machine: z.looseObject({ cpus: int, slots: int, vcpus: int, sveVlBits: int }),
  initial: SnapshotSchema,
  steps: z.array(StepSchema),
  counters: CountersSchema,
  byContext: z.record(str, z.record(str, z.number())),
  violation: ViolationSchema.extend({ step: int }).optional(),
});

const RunDocSchema = z.looseObject({
  scenario: str,
  variant: str,
  verdict: str,
  initial: SnapshotSchema.optional(),
  trace: z.array(StepSchema),
  counters: CountersSchema,
  byContext: z.record(str, z.record(str, z.number())).optional(),
  violation: ViolationSchema.extend({ step: int }).optional(),
  expectationMet: z.boolean().optional(),
  expected: z.unknown().optional(),
});
const CheckDocSchema = z.looseObject({
  variant: str,
  bounds: BoundsSchema,
  states: int.optional(),
  transitions: int.optional(),
  depth: int.optional(),
  seconds: z.number().optional(),
  verdict: str,
  initial: SnapshotSchema.optional(),
  violation: ViolationSchema.extend({ step: int, trace: z.array(StepSchema).optional() }).optional(),
  counters: CountersSchema.optional(),
});
const ConformDocSchema = z.looseObject({
  kind: z.literal('conform'),
  variant: str,
  traces: z.array(
    z.looseObject({
      file: str,
      workload: str.nullable().optional(),
      kernel: str.nullable().optional(),
      variant: str,
      replayed: int,
      agree: int,
      ratio: z.number(),
      divergences: z.array(
        z.looseObject({
          line: int,
          cpu: int,
          event: str,
          cause: str,
          kernel: z.array(z.looseObject({ fn: str, caller: str })),
          model: z.array(z.looseObject({ fn: str, depth: int })),
          trace: z.looseObject({ initial: SnapshotSchema, steps: z.array(StepSchema) }),
          command: str,
        }),
      ),
    }),
  ),
});
const CostDocSchema = z.looseObject({
  profile: str.optional(),
  events: z.number().optional(),
  rows: z
    .array(
      z.looseObject({
        variant: str,
        bytes: z.number(),
        loads: z.number(),
        saves: z.number(),
        redundantLoads: z.number(),
        wastedSaves: z.number().optional(),
        oracleRatio: z.number().nullable().optional(),
      }),
    )
    .min(1),
  oracle: z.record(str, z.unknown()).optional(),
});
const MatrixCellSchema = z.looseObject({
  variant: str,
  column: str,
  type: z.enum(['scenario', 'check']),
  verdict: str,
  invariant: str.optional(),
  kind: str.optional(),
  step: int.optional(),
  where: str.optional(),
  message: str.optional(),
  seconds: z.number().optional(),
  states: int.optional(),
  expectationMet: z.boolean().optional(),
  unexpected: z.boolean().optional(),
});
const MatrixDocSchema = z.looseObject({
  checks: z.array(z.looseObject({ name: str, bounds: BoundsSchema })).optional(),
  cells: z.array(MatrixCellSchema).min(1),
  seconds: z.number().optional(),
});

const ReportDocSchema = z.looseObject({
  format: z.literal(REPORT_FORMAT),
  title: str,
  traces: z
    .array(z.looseObject({ id: str, kind: z.enum(['scenario', 'counterexample', 'conformance']), title: str, trace: TraceSchema }))
    .optional(),
  runs: z.array(z.looseObject({ variant: str, scenario: str, verdict: str })).optional(),
  checks: z.array(z.looseObject({ title: str, rows: z.array(z.looseObject({ variant: str, check: str, verdict: str })) })).optional(),
  cost: z.array(z.looseObject({ title: str, rows: CostDocSchema.shape.rows })).optional(),
});

// --- errors with lines --------------------------------------------------------------------------

type Path = (string | number)[];

function fieldName(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string, textIn: string, base: Path = []): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) message = 'missing required field';
  const at = positionOfPath(textIn, path);
  throw new InputError(message, file, at?.line, fieldName(path) || undefined, 'FPC404', at?.col);
}

// --- conversion --------------------------------------------------------------------------------

function machineOf(s: MachineSnapshot): Trace['machine'] {
  return { cpus: s.cpus.length, slots: s.tasks.length, vcpus: s.vcpus.length, sveVlBits: s.tasks[0]?.sve_vl ?? 128 };
}

function traceFrom(
  variant: string,
  steps: TraceStep[],
  initial: MachineSnapshot | undefined,
  counters: Record<string, number> | undefined,
  byContext: Trace['byContext'] | undefined,
): { trace: Trace; initialUnknown: boolean } {
  const first = initial ?? steps[0]?.state;
  if (!first) throw new InputError('the document has no steps and no initial state: nothing to draw');
  const last = steps[steps.length - 1];
  const v = last?.violation;
  const trace: Trace = {
    variant,
    machine: machineOf(first),
    initial: first,
    steps,
    counters: { ...(counters ?? {}) } as unknown as Trace['counters'],
    byContext: byContext ?? {},
    ...(v && last ? { violation: { ...v, step: last.step } } : {}),
  };
  return { trace, initialUnknown: !initial };
}

function fromRunDoc(doc: z.infer<typeof RunDocSchema>): { trace: ReportTrace; row: RunRow } {
  const { trace, initialUnknown } = traceFrom(
    doc.variant,
    doc.trace as unknown as TraceStep[],
    doc.initial as unknown as MachineSnapshot | undefined,
    doc.counters,
    doc.byContext as unknown as Trace['byContext'],
  );
  const expected = expectationWords(doc.expected);
  const rt = scenarioTrace(
    trace,
    { name: doc.scenario },
    { ...(expected ? { expected } : {}), ...(doc.expectationMet !== undefined ? { expectationMet: doc.expectationMet } : {}) },
  );
  if (initialUnknown) rt.initialUnknown = true;
  return { trace: rt, row: runRow(rt) };
}

function expectationWords(e: unknown): string | undefined {
  if (e === undefined || e === null) return undefined;
  if (e === 'ok') return 'ok';
  if (typeof e === 'object' && 'invariant' in e) {
    const x = e as { invariant: string; kind?: string; step?: number };
    return `${verdictText(x)}${x.step ? ` at step ${x.step}` : ''}`;
  }
  return String(e);
}

function fromCheckDoc(doc: z.infer<typeof CheckDocSchema>, check: string): { trace?: ReportTrace; row: CheckRow } {
  const v = doc.violation;
  let full: Trace | undefined;
  let unknownInitial = false;
  if (v?.trace?.length) {
    const { trace, initialUnknown } = traceFrom(
      doc.variant,
      v.trace as unknown as TraceStep[],
      doc.initial as unknown as MachineSnapshot | undefined,
      doc.counters,
      undefined,
    );
    full = trace;
    unknownInitial = initialUnknown;
  }
  const like: CheckLike = {
    variant: doc.variant,
    bounds: doc.bounds,
    verdict: doc.verdict,
    ...(doc.states !== undefined ? { states: doc.states } : {}),
    ...(doc.transitions !== undefined ? { transitions: doc.transitions } : {}),
    ...(doc.depth !== undefined ? { depth: doc.depth } : {}),
    ...(doc.seconds !== undefined ? { seconds: doc.seconds } : {}),
    ...(v ? { violation: v } : {}),
    ...(full ? { trace: full } : {}),
  };
  const rt = checkTrace(like, check === 'check' ? undefined : check);
  if (rt && unknownInitial) rt.initialUnknown = true;
  return { ...(rt ? { trace: rt } : {}), row: checkRow(like, check, rt?.id) };
}

function boundsName(b: Bounds): string {
  return boundsText(b);
}

/** An array of check-like cells anywhere at the top of a document (matrix, check --variant all, suite). */
function cellArray(doc: Record<string, unknown>): [string, unknown[]] | undefined {
  for (const key of ['cells', 'results', 'rows', 'matrix', 'checks']) {
    const a = doc[key];
    if (Array.isArray(a) && a.length && a.every((x) => x && typeof x === 'object' && 'variant' in x && 'verdict' in x)) return [key, a];
  }
  return undefined;
}

/**
 * The matrix (issue 4): scenario cells become the variant × scenario verdict table, check cells
 * the variant × bounded-check table with each check's bounds, states and time. The matrix
 * carries no traces; `fpctx report <scenario>` or `--check` draws any cell.
 */
function fromMatrixDoc(doc: z.infer<typeof MatrixDocSchema>): ReportData {
  const out = emptyReport('fpctx matrix');
  const boundsOf = new Map((doc.checks ?? []).map((c) => [c.name, c.bounds as Bounds]));
  const verdict = (c: z.infer<typeof MatrixCellSchema>) =>
    c.verdict === 'violation' && c.invariant ? verdictText({ invariant: c.invariant, ...(c.kind ? { kind: c.kind } : {}) }) : c.verdict;
  const runs: RunRow[] = [];
  const rows: CheckRow[] = [];
  for (const c of doc.cells) {
    if (c.type === 'scenario') {
      runs.push({
        variant: c.variant,
        scenario: c.column,
        verdict: verdict(c),
        ...(c.step !== undefined ? { step: c.step } : {}),
        ...(c.expectationMet !== undefined ? { expectationMet: c.expectationMet } : {}),
      });
    } else {
      const b = boundsOf.get(c.column);
      rows.push({
        variant: c.variant,
        check: c.column,
        ...(b ? { bounds: b } : {}),
        ...(c.states !== undefined ? { states: c.states } : {}),
        ...(c.seconds !== undefined ? { seconds: c.seconds } : {}),
        verdict: c.verdict,
        ...(c.invariant
          ? {
              violation: {
                invariant: c.invariant,
                ...(c.kind ? { kind: c.kind } : {}),
                ...(c.step !== undefined ? { step: c.step } : {}),
                ...(c.message ? { message: c.message } : {}),
              },
            }
          : {}),
        ...(c.unexpected ? { unexpected: true } : {}),
      });
    }
  }
  if (runs.length) out.runs = runs;
  if (rows.length) {
    out.checks = [
      {
        title: 'Matrix: every variant on the named bounded checks',
        note: `incomplete = stopped at the state budget before the bound. ${doc.seconds !== undefined ? `The matrix took ${doc.seconds.toFixed(1)} s.` : ''}`.trim(),
        rows,
      },
    ];
  }
  return out;
}

/** Recognises and converts one parsed document. */
export function reportFromDocument(value: unknown, file: string, textIn: string): ReportData {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InputError('expected a JSON object (the output of an fpctx --json command)', file, 1);
  const doc = value as Record<string, unknown>;

  if (doc.format !== undefined) {
    if (doc.format !== REPORT_FORMAT)
      throw new InputError(
        `unknown format '${String(doc.format)}' (this fpctx reads ${REPORT_FORMAT})`,
        file,
        positionOfPath(textIn, ['format'])?.line,
        'format',
        'FPC404',
        positionOfPath(textIn, ['format'])?.col,
      );
    parseWith(ReportDocSchema, doc, file, textIn);
    return doc as unknown as ReportData;
  }

  // fpctx conform --json: each divergence a trace, the kernel's calls beside the model's
  if (doc.kind === 'conform' && Array.isArray(doc.traces)) {
    const d = parseWith(ConformDocSchema, doc, file, textIn);
    const out = emptyReport(`fpctx conform --variant ${d.variant}`);
    out.summary = d.traces.map(
      (t) =>
        `${t.workload ?? t.file}${t.kernel ? ` (${t.kernel})` : ''} on ${t.variant}: ${t.replayed} events compared, ${t.agree} agree (${(100 * t.ratio).toFixed(2)}%)`,
    );
    out.traces = d.traces.flatMap((t) =>
      t.divergences.map((x): ReportTrace => {
        const { trace, initialUnknown } = traceFrom(
          t.variant,
          x.trace.steps as unknown as TraceStep[],
          x.trace.initial as unknown as MachineSnapshot,
          undefined,
          undefined,
        );
        return {
          id: `conform-${t.workload ?? 'trace'}-${x.line}`,
          kind: 'conformance',
          title: `${t.workload ?? t.file} line ${x.line}, cpu${x.cpu}: ${x.cause}`,
          description: `Trace event: ${x.event}. The model's steps for it are drawn from the machine before the event; the kernel's calls are what the function tracer recorded on that CPU up to its next event.`,
          reproduce: x.command,
          calls: {
            kernel: x.kernel.map((k) => `${k.fn} <-${k.caller}`),
            model: x.model.map((m) => `${'· '.repeat(m.depth)}${m.fn}`),
            variant: t.variant,
          },
          ...(initialUnknown ? { initialUnknown } : {}),
          trace,
        };
      }),
    );
    out.featured = out.traces[0]?.id;
    return out;
  }

  // fpctx cost --json
  if (Array.isArray(doc.rows) && doc.rows.length && doc.rows.every((r) => r && typeof r === 'object' && 'bytes' in r)) {
    parseWith(CostDocSchema, doc, file, textIn);
    const sec = costSectionFromDoc(doc);
    return { ...emptyReport(`fpctx cost${sec.profile ? ` ${sec.profile}` : ''}`), cost: [sec] };
  }

  // fpctx run --json (one variant, or all)
  if (typeof doc.scenario === 'string' && (Array.isArray(doc.trace) || Array.isArray(doc.runs))) {
    const runs = Array.isArray(doc.runs) ? doc.runs.map((r, i) => ({ r, base: ['runs', i] as Path })) : [{ r: doc, base: [] as Path }];
    const out = emptyReport(`fpctx run ${doc.scenario}`);
    out.traces = [];
    out.runs = [];
    for (const { r, base } of runs) {
      const d = parseWith(RunDocSchema, r, file, textIn, base);
      const { trace, row } = fromRunDoc(d);
      out.traces.push(trace);
      out.runs.push(row);
    }
    out.featured = out.traces.find((t) => t.trace.violation)?.id ?? out.traces[0]?.id;
    return out;
  }

  // fpctx matrix --json: {variants, scenarios, checks: [{name, bounds}], cells: [{variant, column, type, verdict, ...}]}
  if (Array.isArray(doc.cells) && doc.cells.length && doc.cells.every((c) => c && typeof c === 'object' && 'column' in c && 'type' in c)) {
    return fromMatrixDoc(parseWith(MatrixDocSchema, doc, file, textIn));
  }

  // fpctx suite --json
  if (
    Array.isArray(doc.scenarios) &&
    Array.isArray(doc.checks) &&
    doc.scenarios.every((x) => x && typeof x === 'object' && 'results' in x)
  ) {
    const out = emptyReport('fpctx suite');
    out.runs = (
      doc.scenarios as { variant: string; results: { scenario: string; verdict: string; expectationMet?: boolean; loads?: number }[] }[]
    ).flatMap((v) =>
      v.results.map((x) => ({
        variant: v.variant,
        scenario: x.scenario,
        verdict: x.verdict,
        ...(x.expectationMet !== undefined ? { expectationMet: x.expectationMet } : {}),
        ...(x.loads !== undefined ? { loads: x.loads } : {}),
      })),
    );
    const rows = (doc.checks as unknown[]).map((c, i) => {
      const d = parseWith(CheckDocSchema.extend({ check: str }), c, file, textIn, ['checks', i]);
      return fromCheckDoc(d, d.check).row;
    });
    out.checks = [{ title: 'Standard bounded checks', rows }];
    const seed = doc.seedCounterexample as { trace?: unknown } | undefined;
    if (seed && Array.isArray(seed.trace)) {
      const steps = parseWith(z.array(StepSchema), seed.trace, file, textIn, ['seedCounterexample', 'trace']) as unknown as TraceStep[];
      const initial = (seed as { initial?: unknown }).initial
        ? (parseWith(SnapshotSchema, (seed as { initial: unknown }).initial, file, textIn, [
            'seedCounterexample',
            'initial',
          ]) as unknown as MachineSnapshot)
        : undefined;
      const variant = typeof (seed as { variant?: unknown }).variant === 'string' ? (seed as { variant: string }).variant : 'v4.15-rc1';
      const { trace, initialUnknown } = traceFrom(variant, steps, initial, undefined, undefined);
      const rt: ReportTrace = {
        id: 'seed',
        kind: 'counterexample',
        title: `the seed bug: shortest counterexample for ${variant}`,
        trace,
        ...(initialUnknown ? { initialUnknown } : {}),
      };
      out.traces = [rt];
      out.featured = 'seed';
    }
    return out;
  }

  // fpctx check --json, one variant
  if (typeof doc.variant === 'string' && typeof doc.verdict === 'string' && doc.bounds && typeof doc.bounds === 'object') {
    const d = parseWith(CheckDocSchema, doc, file, textIn);
    const { trace, row } = fromCheckDoc(d, 'check');
    row.check = boundsName(d.bounds);
    const out = {
      ...emptyReport(`fpctx check --variant ${d.variant}`),
      checks: [{ title: `Bounded check of ${d.variant}`, rows: [row] }],
    } as ReportData;
    if (trace) {
      out.traces = [trace];
      out.featured = trace.id;
    }
    return out;
  }

  // Arrays of check-like cells: check --variant all ({bounds, results}), and other tables of them.
  const cells = cellArray(doc);
  if (cells) {
    const [key, list] = cells;
    const out = emptyReport(
      key === 'results' ? 'fpctx check --variant all' : `fpctx ${key === 'cells' || key === 'matrix' ? 'matrix' : 'results'}`,
    );
    const rows: CheckRow[] = [];
    list.forEach((c, i) => {
      const cell = c as Record<string, unknown>;
      const bounds = (cell.bounds ?? doc.bounds ?? {}) as Bounds;
      const d = parseWith(CheckDocSchema, { ...cell, bounds }, file, textIn, [key, i]);
      const check = String(cell.check ?? cell.scenario ?? cell.config ?? boundsName(bounds));
      const { trace, row } = fromCheckDoc(d, check);
      if (trace) {
        trace.id = slug('check', check, d.variant);
        row.traceId = trace.id;
        (out.traces ??= []).push(trace);
      }
      rows.push(row);
    });
    out.checks = [
      {
        title: key === 'results' ? `Bounded checks at ${boundsName((doc.bounds ?? {}) as Bounds)}` : 'Matrix: variants × configurations',
        rows,
      },
    ];
    if (out.traces?.length) out.featured = out.traces[0]!.id;
    return out;
  }

  throw new InputError(
    'not an fpctx document: expected the output of run/check/suite/matrix/cost --json, or a report --data file',
    file,
    1,
  );
}

/** Reads one JSON document (a path, or `-` for standard input). */
export function loadReportDocument(file: string): ReportData {
  const textIn = readInput(file, { stdin: true });
  return reportFromDocument(parseJson(textIn, file), file, textIn);
}
