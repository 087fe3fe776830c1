/**
 * The event declarations (src/kernel/families/) and what reads them: the alphabet assembled
 * from one module per family, the declared features gating what is enabled, the declared
 * trap/path flags driving the scenario runner's no-op rules, and `fpctx events`.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_FAMILIES, EVENTS, FAMILIES, applyAction, enabledActions, eventCode, eventIndex } from '../../src/kernel/events.js';
import { createMachine } from '../../src/kernel/kernel.js';
import { Rng } from '../../src/check/rng.js';
import { featureOfFamily } from '../../src/scenario/features.js';
import { findVariant } from '../../src/variants/index.js';
import { runEvents } from '../../src/cli/commands/lists.js';

describe('the declared alphabet', () => {
  it('has one module per family, in mask order, and codes 0..n-1 each used once', () => {
    expect(FAMILIES.map((f) => f.name)).toEqual([...EVENT_FAMILIES]);
    const codes = FAMILIES.flatMap((f) => f.events.map((e) => e.code)).sort((a, b) => a - b);
    expect(codes).toEqual(EVENTS.map((_, i) => i));
    for (const e of EVENTS) {
      expect(EVENTS[e.code]).toBe(e);
      expect(eventIndex(e.name)).toBe(e.code);
    }
    expect(eventIndex('no_such_event')).toBe(-1);
    expect(() => eventCode('no_such_event')).toThrow(/FPC520.*no_such_event/);
  });

  it('declarations are consistent: traps only for user instructions, task events run on no CPU', () => {
    for (const e of EVENTS) {
      if (e.traps) expect({ e: e.name, runs: e.runs }).toEqual({ e: e.name, runs: 'user' });
      expect({ e: e.name, task: e.params === 'task' }).toEqual({ e: e.name, task: e.runs === 'task' });
      if (e.runs === 'other-cpu') expect(e.params).toBe('cpu');
    }
    // The two flags the runner relies on, on events whose behaviour the README documents.
    expect(EVENTS[eventCode('sve_write')]).toMatchObject({ traps: true, path: true, runs: 'user' });
    expect(EVENTS[eventCode('set_vl')]).toMatchObject({ path: true, runs: 'kernel' });
    expect(EVENTS[eventCode('fp_read')]!.traps).toBeUndefined();
  });

  it("a family's declared feature gates it: on a kernel without the feature none of its events is ever enabled", () => {
    // rfc-2017 has no SME, FPMR or SVE guests; walk it at random with every family offered.
    const v = findVariant('rfc-2017')!;
    const gated = new Set(FAMILIES.filter((f) => f.requires).flatMap((f) => f.events.map((e) => e.code)));
    expect([...gated].map((c) => EVENTS[c]!.family).sort()).toEqual([
      'fpmr',
      'kvm_sve',
      'kvmvl',
      ...Array<string>(8).fill('ptrace_full'),
      ...Array<string>(6).fill('sme'),
      // tpidr2 (SME): tpidr2_write, frame_tpidr2_write, clone_settls, ptrace_tls, ptrace_read_tls
      ...Array<string>(5).fill('tpidr2'),
    ]);
    const rng = new Rng(11);
    const out: number[] = [];
    let seen = 0;
    for (let run = 0; run < 40; run++) {
      const k = createMachine(v.Kernel, {
        cpus: 2,
        tasks: [{ name: 'A' }, { name: 'B', vcpu: true }],
        spareSlots: 1,
        events: [...EVENT_FAMILIES],
      });
      for (let step = 0; step < 60; step++) {
        out.length = 0;
        enabledActions(k, out);
        if (out.length === 0) break;
        for (const a of out) expect(gated.has(a & 0xff)).toBe(false);
        seen += out.length;
        try {
          applyAction(k, out[rng.below(out.length)]!);
        } catch {
          break; // a violation ends the walk; gating is what is tested
        }
      }
    }
    expect(seen).toBeGreaterThan(1000);
    expect(featureOfFamily('kvm_sve')).toBe('sve_guests');
    expect(featureOfFamily('core')).toBeUndefined();
  });

  it('`fpctx events --json` reports each declaration (runs, requires, traps, path) and the families', () => {
    let text = '';
    runEvents({ json: true }, { out: (l: string) => (text += `${l}\n`) } as never);
    const doc = JSON.parse(text) as {
      families: { name: string; requires: string | null }[];
      events: { name: string; runs: string; requires: string | null; traps: boolean; path: boolean }[];
    };
    expect(doc.families.map((f) => f.name)).toEqual([...EVENT_FAMILIES]);
    expect(doc.events).toHaveLength(EVENTS.length);
    expect(doc.events.find((e) => e.name === 'za_write')).toMatchObject({ runs: 'user', requires: 'sme', traps: true, path: true });
    expect(doc.events.find((e) => e.name === 'free')).toMatchObject({ runs: 'task', requires: null, traps: false, path: false });
  });
});
