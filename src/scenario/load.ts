/**
 * Loading scenario files: YAML → schema validation → a Scenario with line numbers kept for
 * every step, so that every later error (an unknown task, an event not enabled at that point)
 * can name the line.
 */

import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hwName, parseHw, type Hardware } from '../arch/hw.js';
import { isValidVectorLength } from '../arch/sizes.js';
import { InputError } from '../errors.js';
import { readInput } from '../input/read.js';
import { parseYaml, validateYaml } from '../input/yaml.js';
import { DEFAULT_SVE_VL_BITS, type BootSpec, vcpuVlProblem } from '../kernel/boot.js';
import { EVENTS, EVENT_NAMES } from '../kernel/events.js';
import { featureOfFamily, type ScenarioFeature } from './features.js';
import { ScenarioSchema, type Expectation, type ScenarioFile, type StepFile } from './schema.js';

export interface ScenarioStep extends StepFile {
  /** 1-based line of the step in its file. */
  readonly line: number;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description?: string;
  readonly reference?: string;
  readonly variant?: string;
  /** Features a variant must have for the scenario to apply (else its outcome is n/a). */
  readonly requires: readonly ScenarioFeature[];
  readonly boot: BootSpec;
  readonly steps: readonly ScenarioStep[];
  readonly expect: Readonly<Record<string, Expectation>>;
}

/** Directory of the built-in scenarios (works from src/ and from dist/). */
export const BUILTIN_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export function builtinScenarioNames(): string[] {
  if (!existsSync(BUILTIN_DIR)) return [];
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** A path, or the name of a built-in scenario (`seed-kvm`). */
export function resolveScenarioPath(arg: string): string {
  if (existsSync(arg)) return arg;
  const builtin = join(BUILTIN_DIR, arg.endsWith('.yaml') ? arg : `${arg}.yaml`);
  if (!arg.includes('/') && existsSync(builtin)) return builtin;
  throw new InputError(`no such scenario file (built-in scenarios: ${builtinScenarioNames().join(', ')})`, arg);
}

export function loadScenario(path: string): Scenario {
  return parseScenario(readInput(path), path);
}

export function parseScenario(text: string, file: string): Scenario {
  const input = parseYaml(text, file);
  const sc: ScenarioFile = validateYaml(ScenarioSchema, input, 'a scenario (name, machine, steps)');
  const nodeLine = input.lineOf;

  const names = new Set<string>();
  sc.machine.tasks.forEach((t, i) => {
    if (names.has(t.name))
      throw new InputError(`duplicate task name '${t.name}'`, file, nodeLine(['machine', 'tasks', i, 'name']), 'machine.tasks.name');
    names.add(t.name);
  });
  for (const key of ['sve_vl', 'sme_vl'] as const) {
    const vl = sc.machine[key];
    if (vl !== undefined && !isValidVectorLength(vl)) {
      throw new InputError(
        `${vl} is not a vector length (a multiple of 128 from 128 to 2048)`,
        file,
        nodeLine(['machine', key]),
        `machine.${key}`,
      );
    }
  }
  const vcpuVl = sc.machine.vcpu_sve_vl;
  if (vcpuVl !== undefined) {
    const why = vcpuVlProblem(vcpuVl, sc.machine.sve_vl ?? DEFAULT_SVE_VL_BITS);
    if (why) throw new InputError(why, file, nodeLine(['machine', 'vcpu_sve_vl']), 'machine.vcpu_sve_vl');
  }
  const hw = sc.machine.hw === undefined ? undefined : parseHw(sc.machine.hw);
  if (typeof hw === 'string') throw new InputError(hw, file, nodeLine(['machine', 'hw']), 'machine.hw');
  const requires: ScenarioFeature[] = [...new Set(sc.requires ?? [])];
  const steps: ScenarioStep[] = sc.steps.map((st, i) => {
    const line = nodeLine(['steps', i]) ?? 0;
    const fail = (field: string, msg: string): never => {
      throw new InputError(msg, file, nodeLine(['steps', i, field]) ?? line, `steps[${i}].${field}`);
    };
    const ev = EVENTS.find((e) => e.name === st.event);
    if (!ev) fail('event', `unknown event '${st.event}' (events: ${EVENT_NAMES.join(', ')})`);
    const params = ev!.params;
    if (st.cpu !== undefined && st.cpu >= sc.machine.cpus) fail('cpu', `cpu ${st.cpu} does not exist (machine.cpus is ${sc.machine.cpus})`);
    if (params === 'cpu+task' && (st.cpu === undefined || st.task === undefined))
      fail(st.cpu === undefined ? 'cpu' : 'task', `'${st.event}' needs both cpu and task`);
    if (params === 'task' && st.task === undefined) fail('task', `'${st.event}' needs a task`);
    if ((params === 'cpu' || params === 'cpu+slot') && st.cpu === undefined && st.task === undefined)
      fail('cpu', `'${st.event}' needs a cpu (or the task running there)`);
    if (params === 'task' && st.cpu !== undefined) fail('cpu', `'${st.event}' does not take a cpu`);
    if (st.as !== undefined && params !== 'cpu+slot') fail('as', `only fork names a new task`);
    const feature = featureOfFamily(ev!.family);
    if (feature && !requires.includes(feature)) {
      fail(
        'event',
        `'${st.event}' exists only on kernels with ${feature}: declare it with \`requires: [${[...requires, feature].join(', ')}]\``,
      );
    }
    return { ...st, line };
  });

  return {
    file,
    name: sc.name,
    ...(sc.description !== undefined ? { description: sc.description.trim() } : {}),
    ...(sc.reference !== undefined ? { reference: sc.reference.trim() } : {}),
    ...(sc.variant !== undefined ? { variant: sc.variant } : {}),
    requires,
    boot: {
      cpus: sc.machine.cpus,
      tasks: sc.machine.tasks.map((t) => ({ name: t.name, ...(t.vcpu ? { vcpu: true } : {}) })),
      spareSlots: sc.machine.spare_slots ?? 0,
      ...(sc.machine.sve_vl !== undefined ? { sveVlBits: sc.machine.sve_vl } : {}),
      ...(sc.machine.sme_vl !== undefined ? { smeVlBits: sc.machine.sme_vl } : {}),
      ...(vcpuVl !== undefined ? { vcpuSveVlBits: vcpuVl } : {}),
      ...(hw !== undefined ? { hw } : {}),
      // A scenario about SVE guests gets them: every vcpu has SVE (vcpu_has_sve).
      ...(requires.includes('sve_guests') ? { guestSve: true } : {}),
    },
    steps,
    expect: sc.expect ?? {},
  };
}

/**
 * The scenario on the CPU `hw` (`--hw`). Its `expect:` was written for its own machine, so on
 * other hardware it is dropped: the run shows what happens, not whether it was foreseen.
 */
export function withHardware(sc: Scenario, hw: Hardware | undefined): Scenario {
  if (hw === undefined) return sc;
  const same = sc.boot.hw !== undefined && hwName(sc.boot.hw) === hwName(hw);
  return { ...sc, boot: { ...sc.boot, hw }, ...(same ? {} : { expect: {} }) };
}
