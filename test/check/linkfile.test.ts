/** The parallel explorer's trace links on disk (src/check/linkfile.ts). */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type LevelLinks, LinkFile } from '../../src/check/linkfile.js';

/** A level of `sizes` chunks whose state i has parent 3i+1 and action i mod 7 (chunks sized past what they hold). */
function level(base: number, sizes: number[]): LevelLinks {
  const starts: number[] = [];
  const parents: Int32Array[] = [];
  const via: Uint16Array[] = [];
  let at = 0;
  for (const n of sizes) {
    starts.push(at);
    const p = new Int32Array(new SharedArrayBuffer(4 * (n + 5))).fill(-99);
    const v = new Uint16Array(new SharedArrayBuffer(2 * (n + 5))).fill(999);
    for (let k = 0; k < n; k++) {
      p[k] = 3 * (base + at + k) + 1;
      v[k] = (base + at + k) % 7;
    }
    parents.push(p);
    via.push(v);
    at += n;
  }
  return { base, starts, parents, via, n: at };
}

describe('trace links on file', () => {
  it("reads back each state's parent and action, across levels and chunks, and nothing past what was written", () => {
    const f = new LinkFile();
    const before = readdirSync(tmpdir()).filter((d) => d.startsWith('fpctx-links-')).length;
    f.write(level(0, [1]));
    f.write(level(1, [3, 2]));
    f.write(level(6, [4, 1, 5]));
    // The file is unnamed: nothing of it is left in the temporary directory even while open.
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith('fpctx-links-')).length).toBe(before);
    expect(f.end).toBe(16);
    expect(f.bytes).toBe(16 * 6);
    for (let id = 0; id < 16; id++) expect(f.read(id)).toEqual({ parent: 3 * id + 1, via: id % 7 });
    expect(() => f.read(16)).toThrow(/no trace link for state 16/);
    f.close();
  });

  it('refuses a level that does not start where the file ends', () => {
    const f = new LinkFile();
    f.write(level(0, [2]));
    expect(() => f.write(level(5, [1]))).toThrow(/out of order/);
    f.close();
  });
});
