/**
 * A brute-force canonical form, for tests: the least image of a state over *every* element of
 * the symmetry group (all permutations of every group, then versions renamed by first
 * occurrence). Independent of src/check/symmetry.ts except for reading the same StateShape.
 */
import type { StateShape } from '../../src/check/shape.js';

function permutations(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}

/** All elements of the group as, per group, an array member -> new index. */
export function groupElements(shape: StateShape): number[][][] {
  let acc: number[][][] = [[]];
  for (const g of shape.groups) {
    const next: number[][][] = [];
    for (const a of acc) for (const p of permutations(g.count)) next.push([...a, p]);
    acc = next;
  }
  return acc;
}

/** The image of `s` under `perm` (per group: member -> new index), versions untouched. */
export function applyPermutation(shape: StateShape, perm: number[][], s: Int32Array): Int32Array {
  const out = s.slice();
  const remap = (d: number, v: number): number => {
    for (const seg of shape.domains[d]!.segments) {
      const i = v - seg.offset;
      if (i >= 0 && i < shape.groups[seg.group]!.count) return seg.offset + perm[seg.group]![i]!;
    }
    return v;
  };
  const tokens = new Set(shape.tokenOffsets);
  const value = (j: number): number => {
    const v = s[j]!;
    if (tokens.has(j)) {
      if (v <= 1) return v;
      const w = v >>> shape.versionBits;
      return (remap(shape.writerDomain, w) << shape.versionBits) | (v & ((1 << shape.versionBits) - 1));
    }
    const d = shape.wordDomain[j]!;
    return d >= 0 ? remap(d, v) : v;
  };
  const owner = new Map<number, [number, number, number]>();
  shape.groups.forEach((g, gi) => {
    for (let e = 0; e < g.count; e++) for (let f = 0; f < g.stride; f++) owner.set(g.base + e * g.stride + f, [gi, e, f]);
  });
  for (let j = 0; j < s.length; j++) {
    const o = owner.get(j);
    if (!o) out[j] = value(j);
    else {
      const [gi, e, f] = o;
      const g = shape.groups[gi]!;
      out[g.base + perm[gi]![e]! * g.stride + f] = value(j);
    }
  }
  return out;
}

/** Renames versions by first occurrence and sets counters to the number of versions in use. */
export function relabel(shape: StateShape, s: Int32Array): Int32Array {
  const out = s.slice();
  const names = new Map<number, number>();
  const count = new Map<number, number>();
  for (const o of shape.tokenOffsets) {
    const t = out[o]!;
    if (t <= 1) continue;
    let nt = names.get(t);
    if (nt === undefined) {
      const w = t >>> shape.versionBits;
      const n = (count.get(w) ?? 0) + 1;
      count.set(w, n);
      nt = (w << shape.versionBits) | n;
      names.set(t, nt);
    }
    out[o] = nt;
  }
  shape.counterOffsets.forEach((o, w) => {
    if (o >= 0) out[o] = count.get(w) ?? 0;
  });
  return out;
}

function less(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

export function bruteCanonical(shape: StateShape, s: Int32Array, elements = groupElements(shape)): Int32Array {
  let best: Int32Array | null = null;
  for (const g of elements) {
    const img = relabel(shape, applyPermutation(shape, g, s));
    if (!best || less(img, best)) best = img;
  }
  return best!;
}
