/**
 * Properties of the cost model on random workloads (fast-check):
 *  - the oracle never exceeds any variant that ran the stream without violating an invariant
 *    (it is a lower bound), and the lazy-restore bound never exceeds the oracle;
 *  - the variants claimed correct (rfc-2017, flush-always) never violate an invariant on long
 *    random streams, and no variant ever has a stream event disabled (the normalizer mirrors the
 *    kernel's scheduling state);
 *  - the same profile and seed give the same numbers.
 * And the seed's claim on the built-in kvm-host profile.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costWorkload } from '../../src/cost/api.js';
import type { Profile, TaskClass } from '../../src/cost/profile.js';
import { findVariant, VARIANTS } from '../../src/variants/index.js';
import { EVENT_NAMES } from '../../src/kernel/events.js';

/** Probabilities in 1% steps, 0 and 1 included (fast-check's bias to extremes would give denormals). */
const prob = fc.integer({ min: 0, max: 100 }).map((x) => x / 100);

function taskClass(name: string, vcpu: boolean): fc.Arbitrary<TaskClass> {
  return fc
    .record({
      count: fc.integer({ min: 1, max: 3 }),
      extra: fc.integer({ min: 0, max: 2 }),
      weight: fc.integer({ min: 1, max: 40 }).map((x) => x / 10),
      fp: prob,
      sve: prob,
      syscall: prob,
      preempt: prob,
      kernelNeon: prob,
      block: prob,
      fork: prob,
      exit: prob,
      signal: prob,
      guestFp: prob,
      guestRuns: fc.integer({ min: 1, max: 40 }),
      exitToUser: prob,
    })
    .map((r) => ({
      name,
      count: r.count,
      max: vcpu ? r.count : r.count + r.extra,
      vcpu,
      weight: r.weight,
      fp: r.fp,
      sve: r.sve,
      sme: 0,
      syscall: r.syscall,
      preempt: r.preempt,
      kernelNeon: r.kernelNeon,
      block: r.block,
      signal: r.signal,
      fork: vcpu ? 0 : r.fork,
      exit: vcpu ? 0 : r.exit,
      guestFp: vcpu ? r.guestFp : 0,
      guestRuns: vcpu ? r.guestRuns : 1,
      exitToUser: vcpu ? r.exitToUser : 0,
    }));
}

const profiles: fc.Arbitrary<Profile> = fc
  .record({
    cpus: fc.integer({ min: 1, max: 4 }),
    vq: fc.integer({ min: 1, max: 16 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    migration: prob,
    softirqNeon: fc.integer({ min: 0, max: 30 }).map((x) => x / 100),
    idle: prob,
    hosts: fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }),
    vcpus: fc.integer({ min: 0, max: 2 }),
  })
  .chain((g) =>
    fc
      .tuple(
        fc.tuple(...g.hosts.map((_, i) => taskClass(`h${i}`, false))),
        g.vcpus ? fc.tuple(...Array.from({ length: g.vcpus }, (_, i) => taskClass(`v${i}`, true))) : fc.constant([] as TaskClass[]),
      )
      .map(([hosts, vcpus]) => ({
        file: '<random>',
        name: 'random',
        cpus: g.cpus,
        sveVlBits: g.vq * 128,
        events: 400,
        seed: g.seed,
        migration: g.migration,
        softirqNeon: g.softirqNeon,
        idle: g.idle,
        classes: [...hosts, ...vcpus],
      })),
  );

describe('the oracle is a lower bound', () => {
  it('never exceeds any variant that ran without a violation; the lazy bound never exceeds the oracle', () => {
    fc.assert(
      fc.property(profiles, (p) => {
        const doc = costWorkload(p, VARIANTS);
        expect(doc.oracle.lazy.bytes).toBeLessThanOrEqual(doc.oracle.bytes);
        for (const r of doc.rows) {
          expect(r.skipped, `${r.variant} skipped stream events`).toBe(0);
          if (r.correct) expect(r.bytes, `${r.variant} moved less than the oracle`).toBeGreaterThanOrEqual(doc.oracle.bytes);
        }
      }),
      { numRuns: 150, seed: 5 },
    );
  });

  it('rfc-2017 and flush-always never violate an invariant on random workloads', () => {
    const claimed = [findVariant('rfc-2017')!, findVariant('flush-always')!];
    fc.assert(
      fc.property(profiles, (p) => {
        for (const r of costWorkload({ ...p, events: 1500 }, claimed).rows) {
          expect(r.firstViolation, `${r.variant}: ${r.firstViolation?.message}`).toBeUndefined();
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('the property can fail: no-sve-flush moves less than the oracle when SVE tasks share CPUs with guests', () => {
    // An SVE task bound on a CPU whose guest then uses FP skips a reload it needs (its SVE part
    // was zeroed by KVM's V-only host restore): incorrect, and cheaper than any correct protocol.
    const p: Profile = {
      file: '<inline>',
      name: 'sve-and-guests',
      cpus: 1,
      sveVlBits: 2048,
      events: 20_000,
      seed: 3,
      migration: 0,
      softirqNeon: 0,
      idle: 0,
      classes: [
        { ...base('sve', false), count: 1, max: 1, sve: 1, syscall: 0, preempt: 1 },
        { ...base('vcpu', true), count: 1, max: 1, guestFp: 1, guestRuns: 1 },
      ],
    };
    const doc = costWorkload(p, [findVariant('no-sve-flush')!, findVariant('rfc-2017')!]);
    const [broken, fixed] = doc.rows;
    expect(broken!.correct).toBe(false);
    expect(broken!.firstViolation).toMatchObject({ invariant: 'integrity', kind: 'corrupt' });
    expect(broken!.bytes).toBeLessThan(doc.oracle.bytes);
    expect(fixed!.correct).toBe(true);
    expect(fixed!.bytes).toBeGreaterThanOrEqual(doc.oracle.bytes);
  });
});

function base(name: string, vcpu: boolean): TaskClass {
  return {
    name,
    count: 1,
    max: 1,
    vcpu,
    weight: 1,
    fp: 0,
    sve: 0,
    sme: 0,
    syscall: 0,
    preempt: 0,
    kernelNeon: 0,
    block: 0,
    signal: 0,
    fork: 0,
    exit: 0,
    guestFp: 0,
    guestRuns: 1,
    exitToUser: 0,
  };
}

describe('events the alphabet may lack', () => {
  it('signals reach the model when the alphabet has signal events, and are counted as unsupported otherwise', () => {
    const doc = costWorkload('desktop', [findVariant('rfc-2017')!], { events: 50_000 });
    const row = doc.rows[0]!;
    if (EVENT_NAMES.includes('signal')) {
      expect(doc.unsupported.signal).toBeUndefined();
      expect(row.frameBytes).toBeGreaterThan(0);
      expect(row.correct).toBe(true);
    } else {
      expect(doc.unsupported.signal).toBeGreaterThan(0);
      expect(row.frameBytes).toBe(0);
    }
  });
});

describe('determinism', () => {
  it('the same profile and seed give the same document, wall-clock fields aside', () => {
    const strip = (d: ReturnType<typeof costWorkload>) =>
      JSON.stringify({ ...d, timing: 0, rows: d.rows.map((r) => ({ ...r, timing: 0 })) });
    const a = costWorkload('android-neon', VARIANTS, { events: 30_000, seed: 9 });
    const b = costWorkload('android-neon', VARIANTS, { events: 30_000, seed: 9 });
    expect(strip(a)).toBe(strip(b));
    const c = costWorkload('android-neon', VARIANTS, { events: 30_000, seed: 10 });
    expect(strip(c)).not.toBe(strip(a));
  });
});

describe("the seed's claim on kvm-host", () => {
  // 200k events keep this quick; the ordering holds at every length we tried (see docs/cost.md).
  const doc = costWorkload('kvm-host', VARIANTS, { events: 200_000 });
  const row = (name: string) => doc.rows.find((r) => r.variant === name);

  it('flush-always moves more bytes than rfc-2017, by the reloads its flush forces', () => {
    const rfc = row('rfc-2017')!;
    const always = row('flush-always')!;
    expect(rfc.correct && always.correct).toBe(true);
    expect(always.bytes).toBeGreaterThan(rfc.bytes);
    expect(always.redundantLoads).toBeGreaterThan(rfc.redundantLoads);
    expect(always.waste.map((w) => w.source)).toContain('redundant load: binding dropped by fpsimd_flush_cpu_state in vcpu_enter');
    expect(rfc.waste.map((w) => w.source)).not.toContain('redundant load: binding dropped by fpsimd_flush_cpu_state in vcpu_enter');
    expect(always.oracleRatio).toBeGreaterThan(rfc.oracleRatio);
    expect(rfc.oracleRatio).toBeGreaterThan(1);
  });

  it("v4.18 (KVM using the host's context management) moves less than both, when that variant exists", () => {
    const v418 = row('v4.18');
    if (!v418) return; // the variant is being written on another branch (issue 4); checked once it lands
    expect(v418.correct).toBe(true);
    expect(v418.bytes).toBeLessThan(row('rfc-2017')!.bytes);
    expect(v418.bytes).toBeLessThan(row('flush-always')!.bytes);
    expect(v418.oracleRatio).toBeGreaterThanOrEqual(1);
  });
});
