/**
 * The hot loops of the canonicaliser (symmetry.ts) as WebAssembly functions (see wasm.ts for
 * why), generated for one state shape: table addresses and field layout are constants of the
 * code. Each function mirrors the JavaScript method of the same name in symmetry.ts, which
 * stays the readable statement of what is computed (and runs the rare slow paths).
 */

import { XXH64 } from './fpset.js';
import { I32, op, st, x, type Code, type WasmFunction } from './wasm.js';

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
}

/** Function indices in the canonicaliser's module. */
export const F = { xxh64: 0, relabel: 1, relabelHash: 2 } as const;

/**
 * relabel(dst, stamp): renames versions by first occurrence in the state at byte address dst,
 * in place, and sets each writer's counter to its number of versions (symmetry.ts,
 * relabelOnly). `stamp` must differ from every stamp used before with these tables. Returns 0,
 * or 1 when a version lies beyond the tables (the state is then partly rewritten: the caller
 * starts again from its source the slow way).
 */
function relabel(t: RelabelTables): WasmFunction {
  const [dst, stamp, i, o, v, w, ver, key, nv] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const g = x.get;
  const body: Code = [
    ...st.for(i, x.c(0), x.c(t.ntok), [
      ...st.set(o, x.at(t.tok, g(i))),
      ...st.set(v, x.at(g(dst), g(o))),
      ...st.if(x.gt(g(v), x.c(1)), [
        ...st.set(w, x.shru(g(v), x.c(t.vb))),
        ...st.set(ver, x.and(g(v), x.c((1 << t.vb) - 1))),
        ...st.if(x.geu(g(ver), x.c(t.vstride)), st.return(x.c(1))),
        ...st.set(key, x.add(x.mul(g(w), x.c(t.vstride)), g(ver))),
        ...st.if(
          x.eq(x.at(t.relStamp, g(key)), g(stamp)),
          st.set(nv, x.at(t.rel, g(key))),
          [
            ...st.if(x.ne(x.at(t.nvStamp, g(w)), g(stamp)), [...st.put(t.nvStamp, g(w), g(stamp)), ...st.put(t.nextV, g(w), x.c(0))]),
            ...st.set(nv, x.add(x.at(t.nextV, g(w)), x.c(1))),
            ...st.put(t.nextV, g(w), g(nv)),
            ...st.put(t.relStamp, g(key), g(stamp)),
            ...st.put(t.rel, g(key), g(nv)),
          ],
        ),
        ...st.put(g(dst), g(o), x.or(x.shl(g(w), x.c(t.vb)), g(nv))),
      ]),
    ]),
    ...st.for(i, x.c(0), x.c(t.ncw), [
      ...st.set(w, x.at(t.cww, g(i))),
      ...st.put(g(dst), x.at(t.cw, g(i)), x.select(x.at(t.nextV, g(w)), x.c(0), x.eq(x.at(t.nvStamp, g(w)), g(stamp)))),
    ]),
    ...x.c(0),
  ];
  return { name: 'relabel', params: [I32, I32], results: [I32], locals: [I32, I32, I32, I32, I32, I32, I32], body };
}

/** relabelHash(dst, stamp, bytes): relabel, then the fingerprint of the result (at address 0). */
const relabelHash: WasmFunction = {
  name: 'relabelHash',
  params: [I32, I32, I32],
  results: [I32],
  locals: [],
  body: [
    ...st.if(x.ne([[op.local_get, 0], [op.local_get, 1], [op.call, F.relabel]], x.c(0)), st.return(x.c(1))),
    [op.local_get, 0],
    [op.local_get, 2],
    [op.call, F.xxh64],
    ...x.c(0),
  ],
};

export interface CanonCoreExports {
  xxh64(p: number, bytes: number): void;
  relabel(dst: number, stamp: number): number;
  relabelHash(dst: number, stamp: number, bytes: number): number;
}

/** The functions of a shape's module, in index order (F). */
export function canonCoreFunctions(t: RelabelTables): WasmFunction[] {
  return [XXH64, relabel(t), relabelHash];
}
