#!/usr/bin/env node
/**
 * fpctx command line. Exit status, for every command: 0 no violation, 1 violation found,
 * 2 bad input (one line naming the file, line and field, or the flag), 3 a limit (--memory,
 * --time) stopped the work before it was complete.
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { InputError, Interrupted, Unavailable } from '../errors.js';
import { runBisect } from './commands/bisect.js';
import { runCheck } from './commands/check.js';
import { runCommits } from './commands/commits.js';
import { runCostCommand } from './commands/cost.js';
import { runReplayCommand } from './commands/replay.js';
import { runConformCommand } from './commands/conform.js';
import { runEvents, runScenarios, runVariants } from './commands/lists.js';
import { runMatrix } from './commands/matrix.js';
import { runReport } from './commands/report.js';
import { runRun } from './commands/run.js';
import { runSuite } from './commands/suite.js';
import { simulateCommand } from './commands/simulate.js';
import { huntCommand } from './commands/hunt.js';
import { mutantsCommand } from './commands/mutants.js';
import { shrinkCommand } from './commands/shrink.js';
import { workerCommand } from './commands/worker.js';
import { processIo, type Io } from './io.js';
import { HW_HELP, VL_HELP } from './options.js';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_LIMIT = 3;
/** sysexits' EX_UNAVAILABLE: a service the command needs (Redis) is gone (FPC6xx). */
export const EXIT_UNAVAILABLE = 69;
/** 128 + SIGINT, as a shell reports a process Ctrl-C ended. */
export const EXIT_INTERRUPTED = 130;

/**
 * A command module: builds its commander Command. `done` records the exit status the command
 * decided on (0/1); bad input is thrown as InputError and becomes status 2 here.
 */
export type CommandFactory = (io: Io, done: (code: number) => void) => Command;

const run: CommandFactory = (io, done) =>
  new Command('run')
    .description('execute a fixed event script (a scenario file or a built-in name) and print its timeline')
    .argument('<scenario>', 'scenario YAML file, or a built-in name such as seed-kvm')
    .option(
      '--variant <name>',
      "variant to run (default: the scenario's own, else rfc-2017): a name, a plug-in module path, 'all', or a comma-separated list",
    )
    .option('--hw <list>', `${HW_HELP}; the scenario's expect: holds only on its own hardware`)
    .option('--json', 'print one JSON document')
    .option('--quiet', 'print only the verdict')
    .action(async (file: string, opts) => done(await runRun(file, opts, io)));

const check: CommandFactory = (io, done) =>
  new Command('check')
    .description('explore every interleaving breadth-first up to the bounds; print ok or the shortest counterexample')
    .option('--variant <name>', "variant to check: a name, a plug-in module path, 'all', or a comma-separated list", 'rfc-2017')
    .option('--cpus <n>', 'CPUs (default 2)')
    .option('--tasks <n>', 'user-task slots, each starting with a runnable task (default 2)')
    .option('--vcpus <n>', 'vcpus, each with a vcpu thread starting in the run loop (default 1)')
    .option('--spare <n>', 'extra free slots for fork (default 0)')
    .option('--depth <n>', 'maximum steps from the initial state (default 12)')
    .option(
      '--events <list>',
      "families and events to explore, comma-separated, 'all', '-name' to leave one out (default core,neon,fork,kvm; see fpctx events)",
    )
    .option('--continue', 'go on past violations: the shortest counterexample of every violation class')
    .option('--hw <list>', HW_HELP)
    .option('--vl <list>', VL_HELP)
    .option('--memory <size>', "cap on the explorer's stores, e.g. 512M, 4G (default: a quarter of RAM); exit 3 when reached")
    .option('--time <duration>', 'wall-clock cap, e.g. 90s, 15m; exit 3 when reached')
    .option('--no-symmetry', 'do not reduce by symmetry of CPUs, task slots and vcpus')
    .option('--no-relabel', 'do not rename data versions by first occurrence (data independence)')
    .option('--no-abstraction', 'keep dead data (words no future step can read) instead of resetting it')
    .option('--orbits', 'with --no-symmetry or --no-relabel, also count the orbits of the states found')
    .option('--por', 'partial-order reduction (ample sets over the CPUs; sequential explorer only)')
    .option(
      '--fingerprint-bits <n>',
      '64 (default) or 96: wider fingerprints, 12 bytes a visited state instead of 8, for a negligible collision chance over 10^8+ states',
    )
    .option('--workers <n>', 'worker threads sharing the search (default 1; at most the cores)')
    .option('--redis <url>', 'coordinate `fpctx worker` processes through this Redis instead (e.g. redis://127.0.0.1:6379)')
    .option('--partitions <n>', 'with --redis: fingerprint partitions of the state space (default 16)')
    .option('--json', 'print one JSON document')
    .option('--quiet', 'no timeline, no progress')
    .action(async (opts) => done(await runCheck(opts, io)));

const suite: CommandFactory = (io, done) =>
  new Command('suite')
    .description('the main job: every variant on the built-in scenarios and the standard checks, as tables and an HTML report')
    .option('--json', 'print one JSON document (it names the report written)')
    .option('--quiet', 'tables only')
    .option('--report <file>', 'HTML report to write (default fpctx-report.html)')
    .option('--no-report', 'write no HTML report')
    .option('--perfetto <file>', 'also write every trace as Chrome trace-event JSON')
    .action((opts) => done(runSuite(opts, io)));

const matrix: CommandFactory = (io, done) =>
  new Command('matrix')
    .description('every variant × every built-in scenario and the standard bounded checks: ok / violation / incomplete, with times')
    .option('--variant <list>', "variants (default: all built-in ones): names, plug-in module paths, 'all', comma-separated")
    .option('--checks <list>', "bounded checks: names (comma-separated), 'all', or 'none' (default: the standard set)")
    .option('--max-states <n>', 'report a check incomplete after this many states (default 2000000)')
    .option('--hw <list>', `${HW_HELP}; 'all': each variant on every configuration it distinguishes, a row each`)
    .option('--json', 'print one JSON document')
    .option('--md', 'print a Markdown table')
    .option('--quiet', 'the table only')
    .action(async (opts) => done(await runMatrix(opts, io)));

const report: CommandFactory = (io, done) =>
  new Command('report')
    .description('write a self-contained HTML report (and a Perfetto trace) of scenarios, a check, or saved --json documents')
    .argument('[inputs...]', 'scenario names or YAML files, and saved --json documents (*.json, or - for stdin)')
    .option('-o, --output <file>', `HTML report to write (default ${'fpctx-report.html'} unless only --perfetto/--data is given)`)
    .option('--perfetto <file>', 'also write Chrome trace-event JSON for ui.perfetto.dev / chrome://tracing')
    .option('--data <file>', 'also write the report data as JSON (fpctx report <file> rebuilds the report)')
    .option('--variant <name>', "variant for scenarios (default: the scenario's own) and --check; 'all' for every variant")
    .option('--check', 'run a bounded check (with the bounds below) and report it')
    .option('--hw <list>', `${HW_HELP}; for the scenarios and --check`)
    .option('--cpus <n>', 'with --check: CPUs (default 2)')
    .option('--tasks <n>', 'with --check: user-task slots (default 2)')
    .option('--vcpus <n>', 'with --check: vcpus (default 1)')
    .option('--spare <n>', 'with --check: extra free slots for fork (default 0)')
    .option('--depth <n>', 'with --check: maximum steps (default 12)')
    .option('--time <duration>', 'with --check: wall-clock cap, e.g. 90s; exit 3 when reached')
    .option('--memory <size>', "with --check: cap on the explorer's stores, e.g. 512M; exit 3 when reached")
    .option('--title <text>', 'title of the report')
    .option('--quiet', 'print nothing (the exit status says whether the report shows a violation)')
    .action(async (inputs: string[], opts) => done(await runReport(inputs, opts, io)));

const variants: CommandFactory = (io, done) =>
  new Command('variants')
    .description('list the built-in variants and the commits of the modelled history each has')
    .option('--json', 'print [{name, kernel, summary, commits}]')
    .action((opts) => done(runVariants(opts, io)));

const commits: CommandFactory = (io, done) =>
  new Command('commits')
    .description('list the modelled history: each commit, its release, and the kernel functions it introduces or changes')
    .option('--json', 'print [{id, title, release, kind, fixes, functions, variants}]')
    .action((opts) => done(runCommits(opts, io)));

const bisectCmd: CommandFactory = (io, done) =>
  new Command('bisect')
    .description('name the first modelled commit between two variants at which a check or scenario changes its verdict')
    .argument('<target>', 'a bounded check (1cpu-kvm, sve-ptrace, ...: src/app/checks.ts) or a scenario name or file')
    .option('--good <variant>', 'where the walk starts: a variant or variant expression (v6.12, mainline+5cbb61bf4168)')
    .option('--bad <variant>', 'where it ends: a variant or variant expression with a different verdict')
    .option('--hw <list>', `${HW_HELP}; every set on the walk runs on it`)
    .option('--json', 'print one JSON document: the walk, the sets tested, the commit and both sides (check/run documents)')
    .option('--quiet', 'no timelines')
    .action(async (target: string, opts) => done(await runBisect(target, opts, io)));

const scenarios: CommandFactory = (io, done) =>
  new Command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'print JSON')
    .action((opts) => done(runScenarios(opts, io)));

const events: CommandFactory = (io, done) =>
  new Command('events')
    .description('list the event alphabet and the invariants')
    .option('--json', 'print JSON')
    .action((opts) => done(runEvents(opts, io)));

const cost: CommandFactory = (io, done) =>
  new Command('cost')
    .description("generate a workload's event stream and compare the register traffic of every variant with the oracle")
    .argument('<profile>', 'workload profile YAML file, or a built-in name: desktop, kvm-host, hpc-sve, android-neon')
    .option('--variant <name>', "variant(s) to measure: names, plug-in module paths, or 'all'", 'all')
    .option('--events <n>', "stream length in events (default: the profile's)")
    .option('--seed <n>', "generator seed (default: the profile's)")
    .option('--hw <list>', `${HW_HELP}; every variant runs the stream on it (without SVE a task's SVE work runs on its FPSIMD path)`)
    .option('--time <duration>', 'wall-clock cap, e.g. 90s, 15m; exit 3 when reached')
    .option('--memory <size>', "cap on the process's resident memory, e.g. 512M; exit 3 when reached")
    .option('--json', 'print one JSON document: {rows: [...], oracle: {...}, events: N, ...}')
    .option('--md', 'print the comparison as a Markdown table')
    .option('--quiet', 'no progress')
    .action(async (profile: string, opts) => done(await runCostCommand(profile, opts, io)));

const replay: CommandFactory = (io, done) =>
  new Command('replay')
    .description(
      'replay a kernel trace (trace-cmd report or /sys/kernel/tracing/trace text) and compare the register traffic of every variant with the oracle',
    )
    .argument('<trace>', 'ftrace text file, or - for standard input (examples/README.md: how to record one on arm64)')
    .option('--variant <name>', "variant(s) to measure: names, plug-in module paths, or 'all'", 'all')
    .option('--fp-use <how>', 'which tasks use FP registers in each user slice: always, never, or p=<probability> per task', 'always')
    .option('--sve-use <how>', 'which tasks use SVE instead: always, never, or p=<probability> per task', 'never')
    .option('--seed <n>', 'seed of the per-task choices of --fp-use/--sve-use p=...', '1')
    .option('--sve-vl <bits>', 'SVE vector length of every task', String(512))
    .option('--time <duration>', 'wall-clock cap, e.g. 90s, 15m; exit 3 when reached')
    .option('--memory <size>', "cap on the process's resident memory, e.g. 512M; exit 3 when reached")
    .option('--json', 'print one JSON document: {rows: [...], oracle: {...}, events: N, ...}')
    .option('--md', 'print the comparison as a Markdown table')
    .option('--quiet', 'no progress')
    .action(async (trace: string, opts) => done(await runReplayCommand(trace, opts, io)));

const conformCmd: CommandFactory = (io, done) =>
  new Command('conform')
    .description(
      "validate a variant against real kernel traces: at every trace event, compare the model's context-management calls with the kernel's",
    )
    .argument('<trace...>', 'lab traces (lab/traces/<kernel>/<workload>.trace.gz) or ftrace text with the same events')
    .option('--variant <name>', 'the variant to check (one): a name such as v6.12.y, an expression, or a plug-in module')
    .option(
      '--guest-fp <how>',
      "whether the guest used FP in a run: trace (when the kernel bound the guest's state at the exit), always, never",
      'trace',
    )
    .option('--max-divergences <n>', 'divergences printed in full per trace', '3')
    .option('--min-agreement <share>', 'a trace agrees when at least this share of its events agree (0-1 or N%)', '1')
    .option('--at <line>', 'print the unit that starts at this line of the trace (what a divergence says to run)')
    .option('--json', 'print one JSON document: {kind: "conform", variant, threshold, traces: [...], verdict}')
    .option('--md', 'print the per-trace table as Markdown')
    .option('--quiet', 'no divergence timelines')
    .action((traces: string[], opts) => done(runConformCommand(traces, opts, io)));

/** Every command, in help order. A new command is a factory in its own module plus one entry here. */
const COMMANDS: readonly CommandFactory[] = [
  run,
  check,
  simulateCommand,
  huntCommand,
  mutantsCommand,
  workerCommand,
  shrinkCommand,
  suite,
  matrix,
  report,
  cost,
  replay,
  conformCmd,
  bisectCmd,
  variants,
  commits,
  scenarios,
  events,
];

function buildProgram(io: Io, done: (c: number) => void): Command {
  const program = new Command('fpctx')
    .description('Run, check and measure the Linux arm64 FPSIMD/SVE register-context protocol (with KVM)')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '').replace(/^error: /, 'fpctx: ')),
    })
    .showSuggestionAfterError(true);
  for (const make of COMMANDS) program.addCommand(make(io, done).copyInheritedSettings(program));
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (e) {
    io.progressDone();
    if (e instanceof InputError) {
      io.err(`fpctx: ${e.format()}`);
      return EXIT_BAD_INPUT;
    }
    if (e instanceof Interrupted) {
      io.err(`fpctx: ${e.message}`);
      return EXIT_INTERRUPTED;
    }
    if (e instanceof Unavailable) {
      io.err(`fpctx: ${e.message}`);
      return EXIT_UNAVAILABLE;
    }
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_BAD_INPUT; // commander has already printed its one-line message
    }
    throw e;
  }
}

const isEntry = (() => {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();

if (isEntry) {
  main(process.argv.slice(2)).then(
    // Exit once stdout has drained: process.exit() right after a large write to a pipe cuts it.
    (code) => {
      process.exitCode = code;
      process.stdout.write('', () => process.exit(code));
    },
    (e: unknown) => {
      process.stderr.write(`fpctx: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(70);
    },
  );
}
