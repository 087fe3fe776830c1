/**
 * The standard bounded checks (what `fpctx matrix` runs): every one states its outcome for
 * every built-in variant, and meets it. Each violation among them is a finding in
 * docs/findings.md (or a mutation's purpose); everything else is a bound at which the variant
 * is claimed clean.
 */
import { describe, expect, it } from 'vitest';
import { checkVariant } from '../../src/app/check.js';
import { STANDARD_MATRIX_CHECKS, meetsCheckExpectation } from '../../src/app/checks.js';
import { VARIANTS } from '../../src/variants/index.js';
import { notApplicable } from '../../src/scenario/features.js';

describe('standard bounded checks × built-in variants', () => {
  for (const c of STANDARD_MATRIX_CHECKS) {
    for (const v of VARIANTS) {
      const na = notApplicable(c.requires, v);
      if (na) {
        it(`${c.name} on ${v.name} is n/a (${na})`, () => {
          expect(c.expect?.[v.name], `${c.name} states an expectation for ${v.name}, where it is n/a`).toBeUndefined();
        });
        continue;
      }
      it(`${c.name} on ${v.name}`, () => {
        const e = c.expect?.[v.name];
        expect(e, `${c.name} states no expectation for ${v.name}`).toBeDefined();
        const r = checkVariant(v, c.bounds);
        expect(
          meetsCheckExpectation(r.violation, e!),
          `${c.name} on ${v.name}: ${r.violation ? `${r.violation.invariant}/${r.violation.kind ?? ''} @${r.violation.step}: ${r.violation.message}` : 'ok'}`,
        ).toBe(true);
        if (e === 'ok') expect(r.depth).toBe(c.bounds.depth); // explored to the full bound
      });
    }
  }
});
