/**
 * What the real-kernel lab runs: the pinned packages (lab/packages.json), the tracing set-up and
 * the workloads. lab/README.md explains every choice; this file is the single source for them.
 */

import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InputError } from '../errors.js';

/** The repository's lab/ folder (scripts, C sources, pins, traces). */
export const LAB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../lab');

const Pkg = z.strictObject({
  package: z.string().regex(/^[a-z0-9][a-z0-9.+-]*$/),
  arch: z.enum(['arm64', 'all', 'amd64']),
  version: z.string().regex(/^[0-9A-Za-z.+:~-]+$/),
});
export type PackagePin = z.infer<typeof Pkg>;

const Packages = z.strictObject({
  comment: z.string().optional(),
  kernels: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[0-9]+\.[0-9]+$/),
        image: Pkg,
        source: Pkg,
        nearestVariant: z.string(),
      }),
    )
    .min(1),
  busybox: Pkg,
  tools: z.array(z.string()),
});
export type LabPackages = z.infer<typeof Packages>;
export type KernelPin = LabPackages['kernels'][number];

/** Reads and validates lab/packages.json (or `file`); bad content is an InputError naming the field. */
export function loadPackages(file = join(LAB_DIR, 'packages.json')): LabPackages {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(
      `cannot read the package pins: ${(e as Error).message}`,
      file,
      undefined,
      undefined,
      e instanceof SyntaxError ? 'FPC403' : 'FPC402',
    );
  }
  const r = Packages.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(issue.message, file, undefined, issue.path.join('.'), 'FPC404');
  }
  return r.data;
}

/**
 * Functions handed to set_ftrace_filter (globs). Together they cover every kernel function the
 * model names (DESIGN.md §1) that the function tracer can see; the guest records which ones
 * matched (the manifest's tracing.functions), and lab/README.md lists the ones that are inlined
 * or static and so cannot be seen.
 */
export const FTRACE_FILTER = [
  'fpsimd_*',
  'task_fpsimd_*',
  'sve_*',
  'sme_*',
  'do_sve_acc',
  'do_sme_acc',
  'do_fpsimd_acc',
  'do_fpsimd_exc',
  'kernel_neon_begin',
  'kernel_neon_end',
  'vec_set_vector_length',
  'fpr_set',
  'fpr_get',
  'preserve_fpsimd_context',
  'restore_fpsimd_context',
  'preserve_sve_context',
  'restore_sve_fpsimd_context',
  'kvm_arch_vcpu_load_fp',
  'kvm_arch_vcpu_ctxsync_fp',
  'kvm_arch_vcpu_put_fp',
  'kvm_arch_vcpu_load',
  'kvm_arch_vcpu_put',
];

/** Trace events per profile. `full` adds every system call (conform needs them to tell a task's
 * user slices apart: every workload and kselftest but fp-stress uses it); `light` leaves them out
 * (fp-stress: see kselftestWorkload). The kselftests were recorded light until issue 12's third
 * round, at 67-98 % agreement for want of the syscalls; recorded full their traces are 37 KB to
 * 1.1 MB of text (6.1's sve-ptrace: 12,403 events), nothing dropped. */
const EVENTS_BASE = [
  'sched:sched_switch',
  'sched:sched_wakeup',
  'sched:sched_wakeup_new',
  'sched:sched_migrate_task',
  'sched:sched_process_fork',
  'sched:sched_process_exec',
  'sched:sched_process_exit',
  'sched:sched_process_free',
  'signal:signal_generate',
  'signal:signal_deliver',
  'kvm:kvm_entry',
  'kvm:kvm_exit',
  'kvm:kvm_userspace_exit',
];
export const EVENTS = {
  full: [...EVENTS_BASE, 'raw_syscalls:sys_enter', 'raw_syscalls:sys_exit'],
  light: EVENTS_BASE,
} as const;
export type Profile = keyof typeof EVENTS;

/** Per-CPU ring buffer (KiB). The guest drops new events when full and records how many. */
export const BUFFER_KB = 8192;

export interface Workload {
  name: string;
  /** What it exercises, for the manifest and the summary. */
  about: string;
  profile: Profile;
  /** Guest seconds before the workload is killed (the guest then goes on with the next one). */
  timeout: number;
  /** Shell command run in /lab/bin (fplab and the kselftests are there). */
  command: string;
  /** CPU pinning, as the command does it. */
  pinning: string;
  kind: 'fplab' | 'kselftest' | 'shell';
  /** Largest committed .trace.gz (bytes) for this workload, if not the run's `fixtureBytes`. */
  fixtureBytes?: number;
}

/**
 * The lab's own workloads (lab/src/fplab.c). FPLAB_SEED offsets the register patterns: the one
 * input that varies them, recorded as the manifest's seed.
 */
export function fplabWorkloads(seed: number): Workload[] {
  const w = (name: string, about: string, args: string, pinning: string, taskset = ''): Workload => ({
    name,
    about,
    profile: 'full',
    timeout: 240,
    command: `FPLAB_SEED=${seed} ${taskset}./fplab ${name} ${args}`.replace(/\s+$/, ''),
    pinning,
    kind: 'fplab',
  });
  return [
    w(
      'seed-kvm',
      'the seed: FPSIMD task A and KVM vcpu thread B (guest uses FP, exits by MMIO) on CPU 0',
      '20 300',
      'A and B on CPU 0 (taskset -c 0)',
      'taskset -c 0 ',
    ),
    w(
      'seed-kvm-sve',
      'the seed with an SVE task A: its Z registers must survive B’s guest runs',
      '20 300',
      'A and B on CPU 0 (taskset -c 0)',
      'taskset -c 0 ',
    ),
    w(
      'kvm-sve-guest',
      'an SVE guest (KVM_ARM_VCPU_SVE) beside FPSIMD task A on CPU 0',
      '10 150',
      'A and B on CPU 0 (taskset -c 0)',
      'taskset -c 0 ',
    ),
    w('signals', 'timer signals interrupt live V registers; the handler clobbers them; sigreturn restores', '10', 'none'),
    w('signals-sve', 'the same with live SVE registers', '10', 'none'),
    w('fork-exec', 'fork with live V registers (child inherits them), exec (new program starts zeroed)', '5', 'none'),
    w('ptrace', 'a tracer reads and writes a stopped child’s NT_PRFPREG, reads NT_ARM_SVE', '5', 'none'),
    w('prctl-vl', 'PR_SVE_SET_VL through 16..256 bytes with SVE use at each VL', '10', 'none'),
    w(
      'migrate',
      'task A moves between CPU 0 and CPU 1 while B keeps CPU 1 busy with FP',
      '10',
      'A alternates CPU 0/1 (sched_setaffinity); B on CPU 1',
    ),
    w('kernel-neon', 'write(2) into an AF_ALG sha256 socket: kernel-mode NEON inside a syscall with live V registers', '10', 'none'),
    {
      name: 'hotplug',
      about: 'CPU 1 taken offline and back online (fpsimd_cpu_dead) while the shell runs on CPU 0',
      profile: 'full',
      timeout: 120,
      command:
        'taskset -c 0 sh -c "echo 0 > /sys/devices/system/cpu/cpu1/online && sleep 1 && echo 1 > /sys/devices/system/cpu/cpu1/online"',
      pinning: 'the shell on CPU 0 (taskset -c 0)',
      kind: 'shell',
    },
  ];
}

/** The short workload of the live smoke test: one boot, the seed, a few rounds. */
export function smokeWorkload(): Workload {
  return { ...fplabWorkloads(0)[0]!, command: 'FPLAB_SEED=0 taskset -c 0 ./fplab seed-kvm 3 40', timeout: 120 };
}

/** A kselftest program, run from the folder of the binaries (fp-stress execs ./fpsimd-test etc.). */
export function kselftestWorkload(prog: string): Workload {
  const stress = prog === 'fp-stress';
  return {
    name: `kselftest-${prog}`,
    about: `tools/testing/selftests/arm64/fp/${prog} (TAP)`,
    // fp-stress runs until `-t` seconds pass with no output from its test programs (6.1.192
    // tools/testing/selftests/arm64/fp/fp-stress.c:500-537), after a start-up whose length
    // depends on the emulation's speed. Its FPSIMD programs call sched_yield() at every iteration
    // (fpsimd-test.S:286-287), so with the syscall events the trace grows with the run: `-t 5` made
    // 21.8 MB on 6.1 and did not finish within 240 s on a loaded machine (load 11-15). `-t 1` (one
    // quiet second) and a timeout that is only a safety net keep it full-profile and complete.
    profile: 'full',
    timeout: stress ? 900 : 300,
    command: `cd kselftest && ./${prog}${stress ? ' -t 1' : ''}`,
    pinning: 'none (the test decides)',
    kind: 'kselftest',
    // Its gzip is committed up to 3 MB (the other fixtures' limit is 200 KB): the one trace of
    // many processes per VL on both CPUs at once.
    ...(stress ? { fixtureBytes: 3_000_000 } : {}),
  };
}

/** Kernel modules loaded in the guest: the results disk, and AF_ALG with the arm64 SHA drivers
 * (fp-stress's kernel-mode NEON test and the kernel-neon workload need them). */
export const MODULES = ['virtio_mmio', 'virtio_blk', 'af_alg', 'algif_hash', 'sha256-arm64', 'sha2-ce', 'sha1-ce'];
export const REQUIRED_MODULES = ['virtio_mmio', 'virtio_blk'];

/** QEMU: the notes' machine (EL2 for KVM, SVE on), pauth-impdef for TCG speed, SME off (neither
 * kernel enables it anyway; off keeps /proc/cpuinfo honest about what the guest could use), and
 * SVE vector lengths up to 512 bits (sve-max-vq=4: 128, 256, 384, 512) instead of all 16 up to
 * 2048, because the kselftests start one test process per VL and 16 of them on two emulated CPUs
 * made 6.1's fp-stress outlast its timeout. */
export function qemuArgs(kernel: string, initrd: string, disk: string): string[] {
  return [
    '-M',
    'virt,virtualization=on',
    '-cpu',
    'max,sve=on,sve-max-vq=4,sme=off,pauth-impdef=on',
    '-smp',
    '2',
    '-m',
    '1024',
    '-nographic',
    '-no-reboot',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    'console=ttyAMA0 panic=-1 rdinit=/init quiet',
    '-drive',
    `if=none,id=out,file=${disk},format=raw`,
    '-device',
    'virtio-blk-device,drive=out',
  ];
}
