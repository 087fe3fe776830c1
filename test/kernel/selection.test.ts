/**
 * `--events` at event granularity: families, single events, `all`, and `-name` exclusions.
 */
import { describe, expect, it } from 'vitest';
import { EVENTS, parseEventSelection, selectionText, DEFAULT_FAMILIES } from '../../src/kernel/events.js';
import { checkVariant } from '../../src/app/check.js';
import { findVariant } from '../../src/variants/index.js';
import { KernelModel } from '../../src/kernel/model.js';
import { bootSpecOf } from '../../src/app/check.js';

const coreEvents = EVENTS.filter((e) => e.family === 'core').map((e) => e.name);

describe('parseEventSelection', () => {
  it('takes families and leaves single events out', () => {
    expect(parseEventSelection('core,sme,-set_sme_vl', DEFAULT_FAMILIES)).toEqual({ families: ['core', 'sme'], without: ['set_sme_vl'] });
  });
  it('a lone event brings its family with every other event of it left out', () => {
    const sel = parseEventSelection('switch,ret_to_user', DEFAULT_FAMILIES);
    expect(sel).toEqual({ families: ['core'], without: coreEvents.filter((n) => n !== 'switch' && n !== 'ret_to_user') });
  });
  it('only exclusions start from the base; a family can be excluded too', () => {
    expect(parseEventSelection('-neon,-fp_read', DEFAULT_FAMILIES)).toEqual({ families: ['core', 'fork', 'kvm'], without: ['fp_read'] });
  });
  it('refuses unknown names, -all, empty items and a selection with nothing left', () => {
    expect(parseEventSelection('core,nosuch', DEFAULT_FAMILIES)).toMatchObject({
      error: expect.stringMatching(/unknown event or family 'nosuch'/),
    });
    expect(parseEventSelection('-all', DEFAULT_FAMILIES)).toHaveProperty('error');
    expect(parseEventSelection('core,,neon', DEFAULT_FAMILIES)).toHaveProperty('error');
    expect(parseEventSelection(`core,${coreEvents.map((n) => `-${n}`).join(',')}`, DEFAULT_FAMILIES)).toHaveProperty('error');
  });
  it('prints back as text --events takes', () => {
    const sel = parseEventSelection('core,sme,-set_sme_vl', DEFAULT_FAMILIES);
    expect('error' in sel ? '' : selectionText(sel)).toBe('core,sme,-set_sme_vl');
  });
});

describe('an excluded event is never enabled', () => {
  it('in the model: no enabled action of sve_write anywhere a check goes', () => {
    const v = findVariant('v4.15-rc1')!;
    const spec = bootSpecOf({ cpus: 1, tasks: 1, vcpus: 0, spare: 0, without: ['sve_write'] });
    const m = new KernelModel(v.Kernel, spec);
    const sveWrite = EVENTS.findIndex((e) => e.name === 'sve_write');
    // Walk every state within 6 steps.
    let frontier = [m.initial()];
    const out = new Int32Array(m.words);
    for (let d = 0; d < 6; d++) {
      const next: Int32Array[] = [];
      for (const s of frontier) {
        const list: number[] = [];
        m.actions(s, list);
        expect(list.some((a) => (a & 0xff) === sveWrite)).toBe(false);
        for (const a of list) if (!m.step(s, a, out)) next.push(out.slice());
      }
      frontier = next.slice(0, 2000);
    }
  });
  it('in a check: fewer states, and the seed UAF (which needs no SVE write) is still found', () => {
    const v = findVariant('v4.15-rc1')!;
    const b = { cpus: 1, tasks: 2, vcpus: 1, spare: 0, depth: 9 };
    const all = checkVariant(v, b);
    const cut = checkVariant(v, { ...b, events: [...DEFAULT_FAMILIES], without: ['sve_write'] });
    expect(cut.violation?.invariant).toBe('no-uaf');
    expect(cut.states).toBeLessThan(all.states);
    expect(cut.trace!.steps.some((s) => s.event === 'sve_write')).toBe(false);
  });
});
