/**
 * What `fpctx conform` reports: per trace, the units compared (a trace event and the kernel's
 * context-management calls on its CPU up to the next one), whether the model's calls agree, and
 * the first divergences with enough to read and reproduce them. Serialisable as is (`--json`).
 */

import type { Trace } from '../trace/types.js';

/** One kernel call as the function tracer recorded it. */
export interface KernelCall {
  fn: string;
  caller: string;
  line: number;
}

/** One model call (the kernel function a model method names) with its nesting depth. */
export interface ModelCall {
  fn: string;
  depth: number;
}

/** A divergence: the unit, both call sequences, the model's steps and the machine before them. */
export interface Divergence {
  /** Line of the trace event that opens the unit. */
  line: number;
  /** Line of the next event on that CPU (the unit is [line, end)), or null at the end of the trace. */
  end: number | null;
  cpu: number;
  /** Unit kind (the anchor event: switch, sys_enter, trap, ...). */
  kind: string;
  /** The trace event as printed, shortened. */
  event: string;
  /** Short classification: `<kind>: kernel calls fn, ...` / `... the model calls fn ...` / order. */
  cause: string;
  /** The calls agree (only for a unit asked for with --at). */
  agree: boolean;
  /** The compared calls (functions both sides know). */
  kernel: KernelCall[];
  model: ModelCall[];
  /** The model's steps for this unit, drawn as a timeline (initial: the machine before them). */
  trace: Trace;
  /** A command that prints this divergence again. */
  command: string;
}

export interface FunctionCount {
  fn: string;
  model: number;
  kernel: number;
}

export interface ConformTrace {
  file: string;
  /** uname -r of the traced kernel, from the manifest, or null. */
  kernel: string | null;
  workload: string | null;
  variant: string;
  cpus: number;
  /** User tasks (slots) and vcpu threads the machine was booted with. */
  tasks: number;
  vcpus: number;
  /** Events in the trace (lines that are events or calls). */
  lines: number;
  /** Units compared (trace events mapped to model events, with the calls up to the next one). */
  replayed: number;
  /** Of those, units whose calls agree (same functions, same order, same counts). */
  agree: number;
  /** agree / replayed (1 when nothing was replayed). */
  ratio: number;
  /** Trace events the model cannot express, by kind: their units are not compared. */
  unexpressed: Record<string, number>;
  /** Trace events that only mark time or name current (wakeup, marker, ...), by kind: no model event. */
  context: Record<string, number>;
  /** Per compared function: calls made by the model and by the kernel over the compared units. */
  functions: FunctionCount[];
  /** Kernel calls of traced functions the variant does not model, by function (never compared). */
  unmodelled: Record<string, number>;
  /**
   * What the model moved over the whole trace (its effects: every unit, compared or not), and
   * per context (task, vcpu) its saves and loads: the cost model's figures on the trace's own
   * event sequence.
   */
  model: {
    saves: number;
    loads: number;
    flushes: number;
    sveTraps: number;
    guestFpTraps: number;
    bytesSaved: number;
    bytesLoaded: number;
  };
  byContext: Record<string, { saves: number; loads: number }>;
  /** Divergences by cause. */
  causes: Record<string, number>;
  /** The first divergences (at most --max-divergences). */
  divergences: Divergence[];
  /** Model invariant violations seen on the way (the run continues past them), by invariant. */
  violations: Record<string, number>;
  verdict: 'agree' | 'diverge';
}

export interface ConformDoc {
  kind: 'conform';
  variant: string;
  /** The agreement the verdict asks of every trace (0.99 by default). */
  threshold: number;
  traces: ConformTrace[];
  verdict: 'agree' | 'diverge';
}
