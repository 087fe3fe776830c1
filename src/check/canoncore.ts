/**
 * The hot loops of the canonicaliser (symmetry.ts) as WebAssembly functions (see wasm.ts for
 * why), generated for one state shape: table addresses and field layout are constants of the
 * code. Each function mirrors the JavaScript method of the same name in symmetry.ts, which
 * stays the readable statement of what is computed (and runs the rare slow paths).
 */

import { XXH64, XXH64_EX } from './fpset.js';
import { I32, locals, op, st, x, type Code, type WasmFunction } from './wasm.js';

/** Where the tables live (byte addresses) and the token encoding. */
export interface RelabelTables {
  /** Token word offsets, and how many. */
  readonly tok: number;
  readonly ntok: number;
  /** Version-counter words and their writers, and how many. */
  readonly cw: number;
  readonly cww: number;
  readonly ncw: number;
  /** Per (writer, version): stamp and new version; per writer: stamp and last version given. */
  readonly relStamp: number;
  readonly rel: number;
  readonly nvStamp: number;
  readonly nextV: number;
  readonly vb: number;
  readonly vstride: number;
  /** The same token offsets, counter words and their writers, as constants of the code. */
  readonly tokOffsets: ArrayLike<number>;
  readonly cwOffsets: ArrayLike<number>;
  readonly cwWriters: ArrayLike<number>;
}

/** Function indices in the canonicaliser's module. */
export const F = { xxh64: 0, relabel: 1, relabelHash: 2, versionStats: 3, signatures: 4, imageInto: 5, xxh64ex: 6 } as const;

/** A symmetry group, as the generated code sees it. */
export interface CoreGroup {
  readonly base: number;
  readonly stride: number;
  readonly count: number;
  /** Offset of its members in the flat member arrays (ord, sig1). */
  readonly off: number;
}

/** Everything the symmetry functions need: tables (byte addresses) and the shape's constants. */
export interface CanonLayout extends RelabelTables {
  /** Per (writer, version): stamp and occurrences; per writer: stamp and number of versions. */
  readonly seen: number;
  readonly occ: number;
  readonly vcStamp: number;
  readonly vcount: number;
  /** Per word: the writer whose counter it is (or -1). */
  readonly counterWriter: number;
  /** Per domain value: member + 1 or 0, segment + 1 or 0, and the current candidate's renaming. */
  readonly dMember: number;
  readonly dSeg: number;
  readonly dmap: number;
  /** Per group position: member (flat); per member: signature. */
  readonly ord: number;
  readonly sig1: number;
  readonly groups: readonly CoreGroup[];
  /** Groups with two members or more, in order. */
  readonly permGroups: readonly number[];
  /** Buffer order: (from, to, group or -1). */
  readonly plan: readonly (readonly [number, number, number])[];
  /** Per word: 0 plain, 1 token, 2 version counter, 3 reference; and its domain. */
  readonly code: Uint8Array;
  readonly dom: Int8Array;
  /** Per domain: values [lo, hi) map through tables at offset off. */
  readonly dLo: Int32Array;
  readonly dHi: Int32Array;
  readonly dMapOff: Int32Array;
  readonly writerDomain: number;
  readonly relabel: boolean;
}

const g = x.get;

/** i32 murmur3 finaliser (symmetry.ts fmix) of the value on the stack, through local `t`. */
const fmix = (t: number): Code => [
  ...st.set(t, x.xor(g(t), x.shru(g(t), x.c(16)))),
  ...st.set(t, x.mul(g(t), x.c(0x85ebca6b))),
  ...st.set(t, x.xor(g(t), x.shru(g(t), x.c(13)))),
  ...st.set(t, x.mul(g(t), x.c(0xc2b2ae35))),
  ...st.set(t, x.xor(g(t), x.shru(g(t), x.c(16)))),
];

/**
 * versionStats(src, stamp): per writer its number of versions, per token its occurrences, in
 * the state at byte address src (symmetry.ts, versionStats). Returns 1 when a version lies
 * beyond the tables (the caller compacts the state first), else 0.
 */
function versionStats(t: CanonLayout): WasmFunction {
  const L = locals(['src', 'stamp'], ['i', 'v', 'w', 'ver', 'key']);
  const body: Code = [
    ...st.for(L.i, x.c(0), x.c(t.ntok), [
      ...st.set(L.v, x.at(g(L.src), x.at(t.tok, g(L.i)))),
      ...st.if(x.gt(g(L.v), x.c(1)), [
        ...st.set(L.w, x.shru(g(L.v), x.c(t.vb))),
        ...st.set(L.ver, x.and(g(L.v), x.c((1 << t.vb) - 1))),
        ...st.if(x.geu(g(L.ver), x.c(t.vstride)), st.return(x.c(1))),
        ...st.set(L.key, x.add(x.mul(g(L.w), x.c(t.vstride)), g(L.ver))),
        ...st.if(
          x.ne(x.at(t.seen, g(L.key)), g(L.stamp)),
          [
            ...st.put(t.seen, g(L.key), g(L.stamp)),
            ...st.put(t.occ, g(L.key), x.c(1)),
            ...st.if(x.ne(x.at(t.vcStamp, g(L.w)), g(L.stamp)), [
              ...st.put(t.vcStamp, g(L.w), g(L.stamp)),
              ...st.put(t.vcount, g(L.w), x.c(0)),
            ]),
            ...st.put(t.vcount, g(L.w), x.add(x.at(t.vcount, g(L.w)), x.c(1))),
          ],
          st.put(t.occ, g(L.key), x.add(x.at(t.occ, g(L.key)), x.c(1))),
        ),
      ]),
    ]),
    ...x.c(0),
  ];
  return { name: 'versionStats', params: [I32, I32], results: [I32], locals: L.types, body };
}

/** The code and domain of field f of group gi (every member's record has the same layout). */
function fieldKind(t: CanonLayout, gi: number, f: number): { code: number; dom: number } {
  const gr = t.groups[gi]!;
  const j0 = gr.base + f;
  for (let e = 1; e < gr.count; e++) {
    const j = j0 + e * gr.stride;
    if (t.code[j] !== t.code[j0] || t.dom[j] !== t.dom[j0])
      throw new Error(`FPC506 model bug: members of a symmetry group differ in the kind of field ${f}`);
  }
  return { code: t.code[j0]!, dom: t.dom[j0]! };
}

/**
 * signatures(s, stamp): each member's signature into sig1 (symmetry.ts, signatures), for the
 * state at byte address s whose versionStats were taken under `stamp`. The fields of a record
 * are unrolled: each field's kind is a constant of the code.
 */
function signatures(t: CanonLayout): WasmFunction {
  const L = locals(['s', 'stamp'], ['e', 'ra', 'self', 'h', 'v', 'c', 'w', 'k', 'mem', 'tmp']);
  const wd = t.writerDomain;
  const [wLo, wHi, wOff] = [t.dLo[wd]!, t.dHi[wd]!, t.dMapOff[wd]!];
  // c := the class of a member reference `mem` found at table index k (0 = a fixed value).
  const memberClass = (extra: number): Code =>
    x.or(x.or(x.shl(x.at(t.dSeg, g(L.k)), x.c(2)), x.select(x.c(1), x.c(2), x.eq(g(L.mem), g(L.self)))), x.c(extra));
  const body: Code[] = [];
  for (const gi of t.permGroups) {
    const gr = t.groups[gi]!;
    const fields: Code[] = [];
    for (let f = 0; f < gr.stride; f++) {
      const { code, dom } = fieldKind(t, gi, f);
      const load = st.set(L.v, x.ldo(g(L.ra), 4 * f));
      let c: Code;
      switch (code) {
        case 0:
          c = st.set(L.c, g(L.v));
          break;
        case 1:
          c = st.if(x.le(g(L.v), x.c(1)), st.set(L.c, g(L.v)), [
            ...st.set(L.w, x.shru(g(L.v), x.c(t.vb))),
            ...st.set(L.k, x.add(x.c(wOff - wLo), g(L.w))),
            ...st.set(L.mem, x.c(0)),
            ...st.if(x.and(x.ge(g(L.w), x.c(wLo)), x.lt(g(L.w), x.c(wHi))), st.set(L.mem, x.at(t.dMember, g(L.k)))),
            ...st.if(x.eqz(g(L.mem)), st.set(L.c, x.or(g(L.w), x.c(0x40000000))), st.set(L.c, memberClass(0))),
            ...st.set(
              L.c,
              x.xor(x.mul(g(L.c), x.c(0x9e3779b1)), x.at(t.occ, x.add(x.mul(g(L.w), x.c(t.vstride)), x.and(g(L.v), x.c((1 << t.vb) - 1))))),
            ),
          ]);
          break;
        case 2:
          // versionCount(counterWriter[j]), j = the word's index in the state.
          c = [
            ...st.set(L.w, x.at(t.counterWriter, x.add(x.shru(x.sub(g(L.ra), g(L.s)), x.c(2)), x.c(f)))),
            ...st.set(L.c, x.select(x.at(t.vcount, g(L.w)), x.c(0), x.eq(x.at(t.vcStamp, g(L.w)), g(L.stamp)))),
          ];
          break;
        default: {
          const [lo, hi, off] = [t.dLo[dom]!, t.dHi[dom]!, t.dMapOff[dom]!];
          c = [
            ...st.set(L.k, x.add(x.c(off - lo), g(L.v))),
            ...st.set(L.mem, x.c(0)),
            ...st.if(x.and(x.ge(g(L.v), x.c(lo)), x.lt(g(L.v), x.c(hi))), st.set(L.mem, x.at(t.dMember, g(L.k)))),
            ...st.if(
              x.eqz(g(L.mem)),
              st.set(L.c, x.or(x.xor(g(L.v), x.c(dom << 24)), x.c(0x20000000))),
              st.set(L.c, memberClass((dom + 1) << 8)),
            ),
          ];
        }
      }
      fields.push([...load, ...c, ...st.set(L.h, x.mul(x.xor(g(L.h), g(L.c)), x.c(0x01000193)))]);
    }
    body.push(
      st.for(L.e, x.c(0), x.c(gr.count), [
        ...st.set(L.ra, x.add(g(L.s), x.mul(x.add(x.c(gr.base), x.mul(g(L.e), x.c(gr.stride))), x.c(4)))),
        ...st.set(L.self, x.add(g(L.e), x.c(gr.off + 1))),
        ...st.set(L.h, x.c(0x9747b28c ^ gi)),
        ...fields.flat(),
        ...st.set(L.tmp, g(L.h)),
        ...fmix(L.tmp),
        ...st.put(t.sig1, x.sub(g(L.self), x.c(1)), g(L.tmp)),
      ]),
    );
  }
  return { name: 'signatures', params: [I32, I32], results: [], locals: L.types, body: body.flat() };
}

/**
 * imageInto(s, out, cs, vstamp): the image of the state at byte address s under the current
 * candidate (ord, dmap) into byte address out (symmetry.ts, imageInto); `cs` is a fresh
 * renaming stamp, `vstamp` the stamp of the state's versionStats. Records are visited in buffer
 * order and each record's fields unrolled, so versions are renamed in order of first occurrence
 * in the image, as the JavaScript does.
 */
function imageInto(t: CanonLayout): WasmFunction {
  const L = locals(['s', 'out', 'cs', 'vstamp'], ['p', 'sa', 'da', 'v', 'w', 'w2', 'key', 'ver', 'srcj']);
  const wd = t.writerDomain;
  const [wLo, wHi, wOff] = [t.dLo[wd]!, t.dHi[wd]!, t.dMapOff[wd]!];
  const vmask = (1 << t.vb) - 1;
  /** One word: read at sa + 4f, write at da + 4f; `srcIndex` is the source word's index. */
  const word = (code: number, dom: number, f: number, srcIndex: Code): Code => {
    const load = st.set(L.v, x.ldo(g(L.sa), 4 * f));
    const store = (v: Code) => st.sto(g(L.da), 4 * f, v);
    switch (code) {
      case 0:
        return [...load, ...store(g(L.v))];
      case 1: {
        const renamed: Code = t.relabel
          ? [
              ...st.set(L.key, x.add(x.mul(g(L.w), x.c(t.vstride)), x.and(g(L.v), x.c(vmask)))),
              ...st.if(x.eq(x.at(t.relStamp, g(L.key)), g(L.cs)), st.set(L.ver, x.at(t.rel, g(L.key))), [
                ...st.if(x.ne(x.at(t.nvStamp, g(L.w2)), g(L.cs)), [
                  ...st.put(t.nvStamp, g(L.w2), g(L.cs)),
                  ...st.put(t.nextV, g(L.w2), x.c(0)),
                ]),
                ...st.set(L.ver, x.add(x.at(t.nextV, g(L.w2)), x.c(1))),
                ...st.put(t.nextV, g(L.w2), g(L.ver)),
                ...st.put(t.relStamp, g(L.key), g(L.cs)),
                ...st.put(t.rel, g(L.key), g(L.ver)),
              ]),
              ...store(x.or(x.shl(g(L.w2), x.c(t.vb)), g(L.ver))),
            ]
          : store(x.or(x.shl(g(L.w2), x.c(t.vb)), x.and(g(L.v), x.c(vmask))));
        return [
          ...load,
          ...st.if(x.le(g(L.v), x.c(1)), store(g(L.v)), [
            ...st.set(L.w, x.shru(g(L.v), x.c(t.vb))),
            ...st.set(L.w2, g(L.w)),
            ...st.if(x.and(x.ge(g(L.w), x.c(wLo)), x.lt(g(L.w), x.c(wHi))), st.set(L.w2, x.at(t.dmap, x.add(x.c(wOff - wLo), g(L.w))))),
            ...renamed,
          ]),
        ];
      }
      case 2:
        if (!t.relabel) return [...load, ...store(g(L.v))];
        return [
          ...st.set(L.w, x.at(t.counterWriter, srcIndex)),
          ...store(x.select(x.at(t.vcount, g(L.w)), x.c(0), x.eq(x.at(t.vcStamp, g(L.w)), g(L.vstamp)))),
        ];
      default: {
        const [lo, hi, off] = [t.dLo[dom]!, t.dHi[dom]!, t.dMapOff[dom]!];
        return [
          ...load,
          ...st.if(x.and(x.ge(g(L.v), x.c(lo)), x.lt(g(L.v), x.c(hi))), store(x.at(t.dmap, x.add(x.c(off - lo), g(L.v)))), store(g(L.v))),
        ];
      }
    }
  };
  const body: Code[] = [];
  for (const [from, to, gi] of t.plan) {
    if (gi < 0) {
      // Words outside any group: in place, each with its own kind.
      body.push(st.set(L.sa, x.add(g(L.s), x.c(4 * from))), st.set(L.da, x.add(g(L.out), x.c(4 * from))));
      for (let j = from; j < to; j++) body.push(word(t.code[j]!, t.dom[j]!, j - from, x.c(j)));
      continue;
    }
    const gr = t.groups[gi]!;
    const perm = gr.count >= 2;
    const fields: Code[] = [];
    for (let f = 0; f < gr.stride; f++) {
      const { code, dom } = fieldKind(t, gi, f);
      fields.push(word(code, dom, f, x.add(g(L.srcj), x.c(f))));
    }
    body.push(
      st.for(L.p, x.c(0), x.c(gr.count), [
        // srcj: the first word of the source record (member ord[off + p], or p itself).
        ...st.set(
          L.srcj,
          perm
            ? x.add(x.c(gr.base), x.mul(x.at(t.ord, x.add(x.c(gr.off), g(L.p))), x.c(gr.stride)))
            : x.add(x.c(gr.base), x.mul(g(L.p), x.c(gr.stride))),
        ),
        ...st.set(L.sa, x.add(g(L.s), x.shl(g(L.srcj), x.c(2)))),
        ...st.set(L.da, x.add(g(L.out), x.shl(x.add(x.c(gr.base), x.mul(g(L.p), x.c(gr.stride))), x.c(2)))),
        ...fields.flat(),
      ]),
    );
  }
  return { name: 'imageInto', params: [I32, I32, I32, I32], results: [], locals: L.types, body: body.flat() };
}

/**
 * relabel(dst, stamp): renames versions by first occurrence in the state at byte address dst,
 * in place, and sets each writer's counter to its number of versions (symmetry.ts,
 * relabelOnly). `stamp` must differ from every stamp used before with these tables. Returns 0,
 * or 1 when a version lies beyond the tables (the state is then partly rewritten: the caller
 * starts again from its source the slow way).
 */
function relabel(t: RelabelTables): WasmFunction {
  const [dst, stamp, v, w, ver, key, nv] = [0, 1, 2, 3, 4, 5, 6];
  const g = x.get;
  /** One token word at byte offset `at` from dst (a constant: the loop is unrolled). */
  const token = (at: number): Code => [
    ...st.set(v, x.ldo(g(dst), at)),
    ...st.if(x.gt(g(v), x.c(1)), [
      ...st.set(w, x.shru(g(v), x.c(t.vb))),
      ...st.set(ver, x.and(g(v), x.c((1 << t.vb) - 1))),
      ...st.if(x.geu(g(ver), x.c(t.vstride)), st.return(x.c(1))),
      ...st.set(key, x.add(x.mul(g(w), x.c(t.vstride)), g(ver))),
      ...st.if(x.eq(x.at(t.relStamp, g(key)), g(stamp)), st.set(nv, x.at(t.rel, g(key))), [
        ...st.if(x.ne(x.at(t.nvStamp, g(w)), g(stamp)), [...st.put(t.nvStamp, g(w), g(stamp)), ...st.put(t.nextV, g(w), x.c(0))]),
        ...st.set(nv, x.add(x.at(t.nextV, g(w)), x.c(1))),
        ...st.put(t.nextV, g(w), g(nv)),
        ...st.put(t.relStamp, g(key), g(stamp)),
        ...st.put(t.rel, g(key), g(nv)),
      ]),
      ...st.sto(g(dst), at, x.or(x.shl(g(w), x.c(t.vb)), g(nv))),
    ]),
  ];
  const body: Code = [
    // Tokens in table order (the order first occurrences are counted in).
    ...Array.from(t.tokOffsets, (off) => token(4 * off)).flat(),
    ...Array.from(t.cwOffsets, (off, i) => {
      const wr = t.cwWriters[i]!;
      return st.sto(g(dst), 4 * off, x.select(x.at(t.nextV, x.c(wr)), x.c(0), x.eq(x.at(t.nvStamp, x.c(wr)), g(stamp))));
    }).flat(),
    ...x.c(0),
  ];
  return { name: 'relabel', params: [I32, I32], results: [I32], locals: [I32, I32, I32, I32, I32], body };
}

/** relabelHash(dst, stamp, bytes): relabel, then the fingerprint of the result (at address 0). */
const relabelHash: WasmFunction = {
  name: 'relabelHash',
  params: [I32, I32, I32],
  results: [I32],
  locals: [],
  body: [
    ...st.if(
      x.ne(
        [
          [op.local_get, 0],
          [op.local_get, 1],
          [op.call, F.relabel],
        ],
        x.c(0),
      ),
      st.return(x.c(1)),
    ),
    [op.local_get, 0],
    [op.local_get, 2],
    [op.call, F.xxh64],
    ...x.c(0),
  ],
};

export interface CanonCoreExports {
  xxh64(p: number, bytes: number): void;
  /** A wide fingerprint's third word (fpset.ts, XXH64_EX), at address 8. */
  xxh64ex(p: number, bytes: number): void;
  relabel(dst: number, stamp: number): number;
  relabelHash(dst: number, stamp: number, bytes: number): number;
  versionStats(src: number, stamp: number): number;
  signatures(s: number, stamp: number): void;
  imageInto(s: number, out: number, cs: number, vstamp: number): void;
}

/** The functions of a shape's module, in index order (F). */
export function canonCoreFunctions(t: CanonLayout): WasmFunction[] {
  return [XXH64, relabel(t), relabelHash, versionStats(t), signatures(t), imageInto(t), XXH64_EX];
}
