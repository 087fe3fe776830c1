/**
 * The nondeterministic alphabet: everything that can happen next on the machine, assembled from
 * the event families declared in src/kernel/families/ (one module per family; how to declare an
 * event: families/declare.ts).
 *
 * Each event is one kernel path (or one user-space action) on one CPU, enabled only where the
 * kernel allows it. The checker enumerates enabled events; scenarios name them; the simulator
 * and the cost model draw them. Events call the variant's methods, so a variant changes what
 * an event does by overriding kernel functions, never by editing a declaration.
 *
 * An action is encoded in one integer: event code | cpu << 8 | arg << 16, where `arg` is a
 * task slot for events that take one. Codes live only in memory: saved documents name events.
 */

import { allocFamily } from './families/alloc.js';
import { atomicFamily } from './families/atomic.js';
import { coreFamily } from './families/core.js';
import { efiFamily } from './families/efi.js';
import { tpidr2Family } from './families/tpidr2.js';
import { EVENT_FAMILIES, type EventDecl, type EventFamily, type EventParams, type FamilyDecl, cur } from './families/declare.js';
import { execFamily } from './families/exec.js';
import { forkFamily } from './families/fork.js';
import { fpmrFamily } from './families/fpmr.js';
import { hotplugFamily } from './families/hotplug.js';
import { kvmFamily } from './families/kvm.js';
import { kvmSveFamily } from './families/kvm_sve.js';
import { kvmvlFamily } from './families/kvmvl.js';
import { neonFamily } from './families/neon.js';
import { pmFamily } from './families/pm.js';
import { ptraceFamily } from './families/ptrace.js';
import { ptraceEdgeFamily } from './families/ptrace_edge.js';
import { ptraceFullFamily } from './families/ptrace_full.js';
import { sigframeFamily } from './families/sigframe.js';
import { signalFamily } from './families/signal.js';
import { smeFamily } from './families/sme.js';
import { vlFamily } from './families/vl.js';
import type { Kvm } from './kvm.js';
import { Pos, TaskState } from './records.js';

export { EVENT_FAMILIES, type EventFamily, type EventParams, type EventRuns, type Footprint } from './families/declare.js';

/** Every family, in EVENT_FAMILIES order (its bit in an event mask). */
export const FAMILIES: readonly FamilyDecl[] = [
  coreFamily,
  neonFamily,
  forkFamily,
  kvmFamily,
  signalFamily,
  ptraceFamily,
  execFamily,
  vlFamily,
  pmFamily,
  hotplugFamily,
  smeFamily,
  fpmrFamily,
  kvmSveFamily,
  sigframeFamily,
  ptraceFullFamily,
  atomicFamily,
  allocFamily,
  kvmvlFamily,
  ptraceEdgeFamily,
  efiFamily,
  tpidr2Family,
];

/** The alphabet of the first model (issue 2): what checks explore unless told otherwise. */
export const DEFAULT_FAMILIES: readonly EventFamily[] = ['core', 'neon', 'fork', 'kvm'];

export function familyMask(families: readonly EventFamily[]): number {
  let m = 0;
  for (const f of families) m |= 1 << EVENT_FAMILIES.indexOf(f);
  return m;
}

/** An event as the program uses it: its declaration, its family, and `apply` (compiled from `run`). */
export type EventKind = EventDecl & {
  readonly family: EventFamily;
  /** The feature its family requires, if any. */
  readonly requires?: FamilyDecl['requires'];
  /** Runs the event: on its CPU (onCpu) unless it runs elsewhere, then its kernel entry. */
  apply(k: Kvm, cpu: number, arg: number): void;
};

/**
 * `run` wrapped into `apply(k, cpu, arg)`: the CPU made the executing one, the task record
 * looked up. Each wrapper is compiled as a function of its own, so its call of `run` only ever
 * sees one target (monomorphic, inlined), as the hand-written wrappers it replaces did.
 */
function compileApply(ev: EventDecl): EventKind['apply'] {
  const onCpu = ev.params !== 'task' && ev.runs !== 'other-cpu' ? 'k.onCpu(c); ' : '';
  const call = ev.params === 'cpu' ? 'run(k, c);' : 'run(k, k.tasks[x], c);';
  const fn = `apply_${ev.name.replace(/\W/g, '_')}`;
  return new Function('run', `return function ${fn}(k, c, x) { ${onCpu}${call} };`)(ev.run) as EventKind['apply'];
}

function assemble(families: readonly FamilyDecl[]): EventKind[] {
  const events: EventKind[] = [];
  families.forEach((f, i) => {
    if (f.name !== EVENT_FAMILIES[i])
      throw new Error(`FPC519 model bug: family ${f.name} listed at bit ${i}, EVENT_FAMILIES says ${EVENT_FAMILIES[i]}`);
    for (const ev of f.events) {
      if (events[ev.code]) throw new Error(`FPC519 model bug: events ${events[ev.code]!.name} and ${ev.name} share code ${ev.code}`);
      events[ev.code] = Object.freeze({
        ...ev,
        family: f.name,
        ...(f.requires ? { requires: f.requires } : {}),
        apply: compileApply(ev),
      }) as EventKind;
    }
  });
  for (let e = 0; e < events.length; e++) if (!events[e]) throw new Error(`FPC519 model bug: no event has code ${e}`);
  if (events.length > 0xff) throw new Error('FPC519 model bug: more than 255 events do not fit the action encoding');
  return events;
}

/** The events, indexed by code. */
export const EVENTS: readonly EventKind[] = assemble(FAMILIES);

export const EVENT_NAMES = EVENTS.map((e) => e.name);

/** Family bit of each event, by code. */
const FAMILY_BIT = EVENTS.map((e) => EVENT_FAMILIES.indexOf(e.family));

const BY_NAME = new Map(EVENTS.map((e) => [e.name, e.code]));

/** The codes of the events a machine with this family mask and these single exclusions can ever offer. */
export function eventsOfMask(mask: number, off: Uint8Array | null): number[] {
  const out: number[] = [];
  for (let e = 0; e < EVENTS.length; e++) if ((mask & (1 << FAMILY_BIT[e]!)) !== 0 && !off?.[e]) out.push(e);
  return out;
}

/** The code of the event named `name`, or -1. */
export function eventIndex(name: string): number {
  return BY_NAME.get(name) ?? -1;
}

/** The code of an event the caller relies on (the cost stream, the runner): a model bug if it is gone. */
export function eventCode(name: string): number {
  const e = BY_NAME.get(name);
  if (e === undefined) throw new Error(`FPC520 model bug: no event '${name}' is declared in src/kernel/families/`);
  return e;
}

// --- action encoding -----------------------------------------------------------------------------

export function encodeAction(event: number, cpu: number, arg: number): number {
  return event | (cpu << 8) | (arg << 16);
}

export function decodeAction(a: number): { event: number; cpu: number; arg: number } {
  return { event: a & 0xff, cpu: (a >>> 8) & 0xff, arg: (a >>> 16) & 0xff };
}

/**
 * Every enabled action of the machine's current state, in a fixed order (event, then CPU, then
 * argument). The order is part of the contract: counterexamples are rebuilt by replaying
 * actions, and the same state must always offer the same list.
 */
export function enabledActions(k: Kvm, out: number[]): void {
  const from = out.length;
  FAST_ENABLED(k, out, k.cfg.cpus, k.cfg.slots, k.eventMask);
  // Single events left out: filtered after the unrolled lister, so the common case pays nothing.
  const off = k.eventOff;
  if (off) {
    let j = from;
    for (let i = from; i < out.length; i++) if (off[out[i]! & 0xff] === 0) out[j++] = out[i]!;
    out.length = j;
  }
}

/**
 * The loop of enabledActions, unrolled over the event table. A plain loop calls every event's
 * `enabled` from one call site, which V8 then sees calling dozens of different closures
 * (megamorphic: no inlining, ~40 ns a call, most of the explorer's and simulator's time in the
 * kernel). Unrolled, each event's predicate has its own call site, which stays monomorphic and
 * is inlined. The unrolled function calls the same closures, in the same order, with the same
 * arguments as the loop would: it is the loop, written out once at load time.
 */
function compileEnabledActions(
  events: readonly EventKind[],
  familyBit: readonly number[],
): (k: Kvm, out: number[], ncpu: number, nslot: number, mask: number) => void {
  type Lister = (f: EventKind['enabled'], k: Kvm, out: number[], ncpu: number, nslot: number) => void;
  const loop: Record<EventParams, string> = {
    cpu: 'for (let c = 0; c < ncpu; c++) if (f(k, c, 0)) out.push(E | (c << 8));',
    'cpu+task': 'for (let c = 0; c < ncpu; c++) for (let t = 0; t < nslot; t++) if (f(k, c, t)) out.push(E | (c << 8) | (t << 16));',
    'cpu+slot': 'for (let c = 0; c < ncpu; c++) for (let t = 0; t < nslot; t++) if (f(k, c, t)) out.push(E | (c << 8) | (t << 16));',
    task: 'for (let t = 0; t < nslot; t++) if (f(k, 0, t)) out.push(E | (t << 16));',
  };
  // One lister per event, each its own function (own type feedback): its call of `f` only ever
  // sees that event's predicate.
  const listers = events.map(
    (ev, e) => new Function('f', 'k', 'out', 'ncpu', 'nslot', loop[ev.params].replaceAll('E', String(e))) as Lister,
  );
  const en = events.map((ev) => ev.enabled);
  const calls = events.map((_, e) => `if (((mask >>> ${familyBit[e]!}) & 1) !== 0) l${e}(en${e}, k, out, ncpu, nslot);`);
  const names = events.flatMap((_, e) => [`l${e}`, `en${e}`]);
  return new Function(...names, `return function enabledActionsUnrolled(k, out, ncpu, nslot, mask) {\n${calls.join('\n')}\n};`)(
    ...events.flatMap((_, e) => [listers[e], en[e]]),
  ) as never;
}

const FAST_ENABLED = compileEnabledActions(EVENTS, FAMILY_BIT);

/**
 * Runs action `a` (EVENTS[event].apply(k, cpu, arg)). A switch with one call site per event, for
 * the reason given at compileEnabledActions: `EVENTS[e].apply(...)` from one site is megamorphic.
 */
export const applyAction: (k: Kvm, a: number) => void = new Function(
  ...EVENTS.map((_, e) => `ap${e}`),
  `return function applyAction(k, a) {\n  const c = (a >>> 8) & 0xff, x = (a >>> 16) & 0xff;\n  switch (a & 0xff) {\n${EVENTS.map((_, e) => `    case ${e}: return ap${e}(k, c, x);`).join('\n')}\n    default: throw new RangeError('action ' + a + ' names no event');\n  }\n};`,
)(...EVENTS.map((ev) => ev.apply)) as never;

/** Why `ev` is not enabled at (cpu, arg), in one clause, for error messages. */
export function explainDisabled(k: Kvm, ev: EventKind, cpu: number, arg: number): string {
  const n = k.naming;
  const where = (c: number): string => {
    const t = cur(k, c);
    if (!t) return `cpu${c} is idle`;
    const pos = ['user mode', 'the kernel', 'the KVM run loop', 'guest mode'][t.pos]!;
    return `cpu${c} runs ${n.task(t.slot)} in ${pos}${t.pos === Pos.KERNEL && t.in_syscall ? ' (syscall)' : ''}`;
  };
  const state = (slot: number): string => {
    const t = k.tasks[slot]!;
    return `${n.task(slot)} is ${['free', 'runnable', 'running', 'a zombie', 'stopped'][t.state]}${t.state === TaskState.RUNNING ? ` on cpu${t.on_cpu}` : ''}`;
  };
  switch (ev.params) {
    case 'cpu':
      return `it needs ${ev.needs}; ${where(cpu)}`;
    case 'cpu+task':
      return `it needs ${ev.needs}; ${state(arg)}, ${where(cpu)}`;
    case 'cpu+slot':
      return `it needs ${ev.needs}; ${where(cpu)}, slot ${arg} is ${k.tasks[arg]!.state === TaskState.FREE ? 'free' : 'in use'}`;
    case 'task':
      return `it needs ${ev.needs}; ${state(arg)}`;
  }
}

// --- event selection (`--events core,sme,-set_sme_vl`) -------------------------------------------

/** The per-event "left out" table of a list of event names, or null when none is left out. */
export function eventOffOf(without: readonly string[] | undefined): Uint8Array | null {
  if (!without || without.length === 0) return null;
  const off = new Uint8Array(EVENTS.length);
  for (const name of without) {
    const e = BY_NAME.get(name);
    if (e === undefined) throw new Error(`FPC520 model bug: no event '${name}' is declared in src/kernel/families/`);
    off[e] = 1;
  }
  return off;
}

/** What an explorer draws from: whole families, less single events of them. */
export interface EventSelection {
  readonly families: readonly EventFamily[];
  /** Events of those families left out, in code order. */
  readonly without: readonly string[];
}

/**
 * Reads an event selection: comma-separated family names, event names, `all`, and exclusions
 * `-name` of either. A lone event brings its family in with every other event of it left out;
 * a list of exclusions only starts from `base`. Returns a message for the first unknown name.
 */
export function parseEventSelection(text: string, base: readonly EventFamily[]): EventSelection | { error: string } {
  const fams = new Set<EventFamily>();
  const single = new Set<number>();
  const outFam = new Set<EventFamily>();
  const outEv = new Set<number>();
  let positive = false;
  const isFamily = (n: string): n is EventFamily => (EVENT_FAMILIES as readonly string[]).includes(n);
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') return { error: 'empty item in the list' };
    const minus = part.startsWith('-');
    const name = minus ? part.slice(1) : part;
    if (name === 'all') {
      if (minus) return { error: "'-all' leaves nothing to explore" };
      positive = true;
      for (const f of EVENT_FAMILIES) fams.add(f);
      continue;
    }
    const code = BY_NAME.get(name);
    if (!isFamily(name) && code === undefined)
      return { error: `unknown event or family '${name}' (families: ${EVENT_FAMILIES.join(', ')}, all; events: fpctx events)` };
    if (minus) {
      if (isFamily(name)) outFam.add(name);
      else outEv.add(code!);
    } else {
      positive = true;
      if (isFamily(name)) fams.add(name);
      else single.add(code!);
    }
  }
  if (!positive) for (const f of base) fams.add(f);
  for (const f of outFam) fams.delete(f);
  const families = EVENT_FAMILIES.filter((f) => fams.has(f) || EVENTS.some((e) => single.has(e.code) && e.family === f && !outFam.has(f)));
  const without: string[] = [];
  for (const e of EVENTS) {
    if (!families.includes(e.family)) continue;
    if (outEv.has(e.code) || (!fams.has(e.family) && !single.has(e.code))) without.push(e.name);
  }
  if (families.length === 0 || families.every((f) => EVENTS.every((e) => e.family !== f || without.includes(e.name))))
    return { error: 'the selection leaves no event to explore' };
  return { families, without };
}

/** The text form of a selection (what `--events` would take back), for bounds lines and commands. */
export function selectionText(sel: EventSelection): string {
  return [...sel.families, ...sel.without.map((n) => `-${n}`)].join(',');
}
