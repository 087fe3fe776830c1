/**
 * Cost counters against hand-traced runs: what v4.15's fpsimd.c and KVM do, step by step, and
 * what each save, load and hypervisor switch costs (FPSIMD state 528 B, SVE at VL 512 2192 B).
 */
import { describe, expect, it } from 'vitest';
import type { BootSpec } from '../../src/kernel/boot.js';
import { runCost } from '../../src/cost/engine.js';
import { ScriptSource, type Normalizer } from '../../src/cost/stream.js';
import { costWorkload } from '../../src/cost/api.js';
import { findVariant, VARIANTS } from '../../src/variants/index.js';
import { FPSIMD_ONLY } from '../../src/arch/hw.js';

const F = 528;
const SVE512 = 2192;

function costOf(variant: string, boot: BootSpec, script: (n: Normalizer, slot: (name: string) => number) => void) {
  const run = runCost(new ScriptSource(boot, script), [findVariant(variant)!]);
  return { row: run.rows[0]!, run };
}

const SEED: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B', vcpu: true }] };

/** Dave Martin's scenario: A in user space, vcpu thread B preempts it, B's guest uses FP and exits, A returns. */
function seedScript(n: Normalizer, s: (name: string) => number) {
  n.run(0, s('A'));
  n.userFp(0);
  n.run(0, s('B'));
  n.guestFp(0);
  n.guestExit(0);
  n.run(0, s('A'));
  n.toUser(0);
}

describe('the seed scenario, hand-traced', () => {
  it('rfc-2017: A loads once, is saved once; KVM switches the host V registers around the guest; A skips its reload', () => {
    const { row, run } = costOf('rfc-2017', SEED, seedScript);
    expect(run.events).toBe(9); // switch, ret_to_user, fp_write, switch, vcpu_enter, guest_fp, vcpu_exit, switch, ret_to_user
    expect(row).toMatchObject({ loads: 1, saves: 1, redundantLoads: 0, wastedSaves: 0, bytesLoaded: F, bytesSaved: F });
    // hyp: host save + guest load at the trap, guest save + host restore at exit
    expect(row.hyp).toMatchObject({ hostSaves: 1, guestLoads: 1, guestSaves: 1, hostRestores: 1, bytes: 4 * F, bytesUnused: 0 });
    expect(row.bytes).toBe(6 * F);
    expect(row.traps.guestFp).toBe(1);
    expect(row.flushes).toBe(0); // A's binding has sve_in_use clear: sve_flush_cpu_state keeps it
    expect(row.savesPendingAtEnd).toBe(1); // A's save at the switch to B: nobody read it yet
    expect(row.waste).toEqual([]);
    // oracle (oracle.test.ts): 3 loads + 1 save = 2112 B
    expect(run.oracle.bytes).toBe(4 * F);
    expect(row.oracleRatio).toBe(1.5);
  });

  it("flush-always: the unconditional flush makes A reload what the registers hold, and KVM's host restore was for nothing", () => {
    const { row } = costOf('flush-always', SEED, seedScript);
    expect(row).toMatchObject({ loads: 2, saves: 1, redundantLoads: 1, bytesRedundantLoads: F, wastedSaves: 0 });
    expect(row.flushes).toBe(1);
    expect(row.bindingsDropped).toBe(1);
    expect(row.bytes).toBe(7 * F);
    expect(row.oracleRatio).toBe(1.75);
    expect(row.waste).toEqual([
      { source: 'hyp host save/restore never used (vcpu_exit)', kind: 'hyp', count: 1, bytes: 2 * F },
      { source: 'redundant load: binding dropped by fpsimd_flush_cpu_state in vcpu_enter', kind: 'redundant-load', count: 1, bytes: F },
    ]);
    expect(row.hyp.bytesUnused).toBe(2 * F);
  });
});

describe('SVE on v4.15', () => {
  it('the first SVE use traps: do_sve_acc saves unmodified FPSIMD state and forces an SVE reload of the same data', () => {
    // A's SVE use programs the CPU's vector length; then B's first SVE use on the same CPU: the
    // trap saves B's FPSIMD state (unchanged since its load), zero-extends it in memory, flushes
    // the task side and reloads it in SVE format: exactly what the registers already held.
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], sveVlBits: 512 };
    const { row } = costOf('rfc-2017', boot, (n, s) => {
      n.run(0, s('A'));
      n.userSve(0);
      n.syscall(0);
      n.run(0, s('B'));
      n.userSve(0);
    });
    expect(row).toMatchObject({ trapRetries: 2, skipped: 0 });
    expect(row.traps.sveEl0).toBe(2);
    const b = row.perContext.find((c) => c.context === 'B')!;
    // B: FPSIMD load, the trap's FPSIMD save, the SVE reload (redundant); its save was of unmodified state.
    expect(b).toMatchObject({ loads: 2, saves: 1, redundantLoads: 1, bytesRedundantLoads: SVE512, wastedSaves: 1, bytesWastedSaves: F });
    expect(b.bytesLoaded).toBe(F + SVE512);
    expect(row.parts.sve.byVl).toEqual({ '512': row.parts.sve.bytes });
    const sources = row.waste.map((w) => w.source);
    expect(sources).toContain('redundant load: task side flushed in sve_write');
    expect(sources).toContain('save of unmodified state in sve_write');
  });

  it('a syscall discards SVE: the next save and load are FPSIMD-sized again', () => {
    const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }, { name: 'B' }], sveVlBits: 1024 };
    const { row } = costOf('rfc-2017', boot, (n, s) => {
      n.run(0, s('A'));
      n.userSve(0); // load 528, trap: save 528, reload SVE (1024 bits: 546*8+8 = 4376)
      n.run(0, s('B')); // save A as SVE (4376)
      n.toUser(0); // load B 528
      n.run(0, s('A')); // save B? B's state is live: FPSIMD save 528
      n.syscall(0); // ret_to_user first: A reloads SVE (4376); then el0_svc clears TIF_SVE
      n.run(0, s('B')); // save A: FPSIMD now (528)
    });
    expect(row.parts.sve).toEqual({ saves: 1, loads: 2, bytes: 3 * 4376, byVl: { '1024': 3 * 4376 } });
    expect(row.parts.fpsimd).toMatchObject({ saves: 3, loads: 2 });
  });
});

describe('wasted saves over the stream', () => {
  const boot: BootSpec = { cpus: 1, tasks: [{ name: 'A' }] };
  it('a save overwritten by the next save before any load read it', () => {
    const { row } = costOf('rfc-2017', boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0);
      n.idle(0); // save #1 (A#2)
      n.run(0, s('A'));
      n.toUser(0); // binding intact: no load, save #1 unread
      n.userFp(0);
      n.idle(0); // save #2 overwrites it: #1 was never needed
    });
    expect(row).toMatchObject({ saves: 2, wastedSaves: 1, bytesWastedSaves: F, savesPendingAtEnd: 1 });
    expect(row.waste).toEqual([{ source: 'save never read (saved again) in idle', kind: 'wasted-save', count: 1, bytes: F }]);
  });
  it('a save whose owner exits unread; and a save of unmodified state', () => {
    const { row } = costOf('rfc-2017', boot, (n, s) => {
      n.run(0, s('A'));
      n.userFp(0);
      n.idle(0); // save (pending)
      n.run(0, s('A'));
      n.toUser(0);
      n.idle(0); // A wrote nothing since: a save of unmodified state
      n.run(0, s('A'));
      n.exit(0); // syscall, exit: the pending save was never read
    });
    expect(row).toMatchObject({ saves: 2, wastedSaves: 2, savesPendingAtEnd: 0 });
    expect(row.waste.map((w) => w.source).sort()).toEqual(['save never read (owner exited) in idle', 'save of unmodified state in idle']);
  });
  it("a save read by fork's copy of the parent was needed", () => {
    const b: BootSpec = { cpus: 1, tasks: [{ name: 'P' }], spareSlots: 1 };
    const { row } = costOf('rfc-2017', b, (n, s) => {
      n.run(0, s('P'));
      n.userFp(0);
      n.fork(0, 1); // arch_dup_task_struct: preserve P's live state (save), copy it to the child
      n.idle(0); // P's state unchanged since: save of unmodified state
    });
    expect(row).toMatchObject({ saves: 2, wastedSaves: 1, savesPendingAtEnd: 0 });
    expect(row.waste).toEqual([{ source: 'save of unmodified state in idle', kind: 'wasted-save', count: 1, bytes: F }]);
  });
});

describe('breakdowns add up', () => {
  it('per CPU, per context and per part sums equal the totals on a generated workload', () => {
    for (const profile of ['kvm-host', 'hpc-sve', 'desktop']) {
      const doc = costWorkload(profile, VARIANTS, { events: 20_000 });
      for (const r of doc.rows) {
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        for (const f of ['bytes', 'saves', 'loads', 'redundantLoads', 'wastedSaves', 'bytesHyp'] as const) {
          expect(sum(r.perCpu.map((c) => c[f])), `${profile} ${r.variant} perCpu ${f}`).toBe(r[f]);
        }
        for (const f of ['saves', 'loads', 'redundantLoads', 'wastedSaves', 'bytesSaved', 'bytesLoaded'] as const) {
          expect(sum(r.perContext.map((c) => c[f])), `${profile} ${r.variant} perContext ${f}`).toBe(r[f]);
        }
        const parts = Object.values(r.parts);
        expect(sum(parts.map((p) => p.saves))).toBe(r.saves);
        expect(sum(parts.map((p) => p.loads))).toBe(r.loads);
        expect(sum(parts.map((p) => p.bytes))).toBe(r.bytesSaved + r.bytesLoaded);
        expect(sum(Object.values(r.parts.sve.byVl!))).toBe(r.parts.sve.bytes);
        expect(r.bytes).toBe(r.bytesSaved + r.bytesLoaded + r.bytesHyp);
        const wasteBytes = sum(r.waste.filter((w) => w.kind === 'wasted-save').map((w) => w.bytes));
        expect(wasteBytes).toBe(r.bytesWastedSaves);
        expect(sum(r.waste.filter((w) => w.kind === 'redundant-load').map((w) => w.bytes))).toBe(r.bytesRedundantLoads);
        expect(r.skipped, `${profile} ${r.variant} skipped events`).toBe(0);
      }
    }
  });
});

describe('cost --hw: the same workload on a CPU without SVE', () => {
  it('moves no SVE state in any variant, and the stream keeps its length and shape', () => {
    const variants = ['v4.15', 'v6.12', 'mainline'].map((n) => findVariant(n)!);
    const sve = costWorkload('hpc-sve', variants, { events: 5_000 });
    const plain = costWorkload('hpc-sve', variants, { events: 5_000, hw: FPSIMD_ONLY });
    expect(plain.source).toMatchObject({ kind: 'workload', hw: 'fpsimd' });
    expect(plain.events).toBe(sve.events);
    for (const r of plain.rows) {
      expect(r.parts.sve, r.variant).toMatchObject({ saves: 0, loads: 0, bytes: 0 });
      expect(r.traps.sveEl0, r.variant).toBe(0);
    }
    // The profile does use SVE on its own CPU, so the comparison says something.
    expect(sve.rows.some((r) => r.parts.sve.saves > 0)).toBe(true);
    // Without SVE state there is less to move, for the oracle and for every variant.
    expect(plain.oracle.bytes).toBeLessThan(sve.oracle.bytes);
    for (const [i, r] of plain.rows.entries()) expect(r.bytes, r.variant).toBeLessThan(sve.rows[i]!.bytes);
  });
});
