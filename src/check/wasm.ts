/**
 * A very small WebAssembly assembler, for the few loops of the explorer that JavaScript runs
 * slowly: V8 re-checks a typed array's map, base and length at every element of a loop, so a
 * pass over a state costs 1.5-2.5 ns a word; compiled WebAssembly reads 8 bytes per load with no
 * checks and has 64-bit multiplies. The modules are written here as instruction lists (a
 * readable stand-in for the text format) and assembled when first used: no build step, no
 * binary blobs in the repository.
 *
 * Only what the engine's modules use is covered: i32/i64 integer instructions, loads and
 * stores, locals, one mutable i32 global, structured control flow, one exported memory.
 */

/** Opcodes (WebAssembly 1.0 core, plus the two bulk-memory ones). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  global_get: 0x23,
  global_set: 0x24,
  i32_load: 0x28,
  i64_load: 0x29,
  i32_load8_u: 0x2d,
  i64_load32_u: 0x35,
  i32_store: 0x36,
  i64_store: 0x37,
  i32_store8: 0x3a,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_u: 0x88,
  i64_rotl: 0x89,
  i32_wrap_i64: 0xa7,
  i64_extend_i32_u: 0xad,
} as const;

/** Value and block types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const VOID = 0x40;

/** An instruction: an opcode, or an opcode with its immediates. Constants are tagged. */
export type Insn = number | readonly [number, ...(number | bigint)[]];

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  /** Types of the locals after the parameters. */
  readonly locals: readonly number[];
  readonly body: readonly Insn[];
}

export interface WasmModuleSpec {
  /** Initial memory in 64 KiB pages (exported as `mem`). */
  readonly pages: number;
  /** Mutable i32 globals, exported under these names, all starting at 0. */
  readonly globals: readonly string[];
  readonly functions: readonly WasmFunction[];
}

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: bigint, out: number[]): void {
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  out.push(...b);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

/** Memory instructions carry (align log2, offset). */
const MEMORY_OPS: ReadonlySet<number> = new Set([
  op.i32_load,
  op.i64_load,
  op.i32_load8_u,
  op.i64_load32_u,
  op.i32_store,
  op.i64_store,
  op.i32_store8,
]);

function code(insns: readonly Insn[], out: number[]): void {
  for (const i of insns) {
    if (typeof i === 'number') {
      out.push(i);
      continue;
    }
    const [o, ...imm] = i;
    out.push(o);
    if (o === op.i64_const) sleb(BigInt(imm[0]!), out);
    else if (o === op.i32_const) sleb(BigInt(imm[0]!), out);
    else if (o === op.block || o === op.loop || o === op.if) out.push(Number(imm[0] ?? VOID));
    else if (MEMORY_OPS.has(o)) {
      uleb(Number(imm[0] ?? 0), out); // alignment hint
      uleb(Number(imm[1] ?? 0), out); // offset
    } else for (const x of imm) uleb(Number(x), out);
  }
}

/** Assembles a module to its binary form. */
export function assemble(spec: WasmModuleSpec): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(spec.functions.length, types);
  for (const f of spec.functions) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  const funcs: number[] = [];
  uleb(spec.functions.length, funcs);
  for (let i = 0; i < spec.functions.length; i++) uleb(i, funcs);
  section(3, funcs, out);
  const mem: number[] = [1, 0];
  uleb(spec.pages, mem);
  section(5, mem, out);
  const globals: number[] = [];
  uleb(spec.globals.length, globals);
  for (let g = 0; g < spec.globals.length; g++) globals.push(I32, 1, op.i32_const, 0, op.end);
  section(6, globals, out);
  const exports: number[] = [];
  uleb(1 + spec.globals.length + spec.functions.length, exports);
  name('mem', exports);
  exports.push(2, 0);
  spec.globals.forEach((g, i) => {
    name(g, exports);
    exports.push(3);
    uleb(i, exports);
  });
  spec.functions.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0);
    uleb(i, exports);
  });
  section(7, exports, out);
  const bodies: number[] = [];
  uleb(spec.functions.length, bodies);
  for (const f of spec.functions) {
    const body: number[] = [];
    // Locals, run-length grouped by type.
    const groups: [number, number][] = [];
    for (const t of f.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(groups.length, body);
    for (const [n, t] of groups) {
      uleb(n, body);
      body.push(t);
    }
    code(f.body, body);
    body.push(op.end);
    uleb(body.length, bodies);
    bodies.push(...body);
  }
  section(10, bodies, out);
  return Uint8Array.from(out);
}

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export interface WasmGlobal {
  value: number;
}
const WA = (
  globalThis as unknown as {
    WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: unknown } };
  }
).WebAssembly;

/**
 * Byte addresses for i32 arrays in a module's memory, laid out before the module exists (the
 * memory never grows: growing would detach every JavaScript view of it). Bytes 0-15 are kept
 * for results (a fingerprint: 64 bits at 0, a wide one's third word at 8).
 */
export class MemoryPlan {
  private next = 16;
  /** Reserves `words` i32s, 8-byte aligned; returns their byte address. */
  words(words: number): number {
    const at = this.next;
    this.next += (4 * words + 7) & ~7;
    return at;
  }
  get pages(): number {
    return Math.max(1, Math.ceil(this.next / 65536));
  }
}

/** Assembles and instantiates a module synchronously (the modules are small). */
export function instantiate<E>(spec: WasmModuleSpec): E & { readonly mem: WasmMemory } {
  return new WA.Instance(new WA.Module(assemble(spec)), {}).exports as never;
}

// --- a few expression helpers, so that modules read like the JavaScript they replace ---------

/** An expression or statement: a list of instructions. */
export type Code = readonly Insn[];

const bin =
  (o: number) =>
  (a: Code, b: Code): Code => [...a, ...b, o];

/** i32 expressions. Comparisons marked `u` are unsigned; the others signed. */
export const x = {
  c: (n: number): Code => [[op.i32_const, n | 0]],
  get: (l: number): Code => [[op.local_get, l]],
  add: bin(op.i32_add),
  sub: bin(op.i32_sub),
  mul: bin(op.i32_mul),
  and: bin(op.i32_and),
  or: bin(op.i32_or),
  xor: bin(op.i32_xor),
  shl: bin(op.i32_shl),
  shru: bin(op.i32_shr_u),
  eq: bin(op.i32_eq),
  ne: bin(op.i32_ne),
  lt: bin(op.i32_lt_s),
  le: bin(op.i32_le_s),
  gt: bin(op.i32_gt_s),
  ge: bin(op.i32_ge_s),
  ltu: bin(op.i32_lt_u),
  geu: bin(op.i32_ge_u),
  eqz: (a: Code): Code => [...a, op.i32_eqz],
  /** The i32 at byte address `addr`. */
  load: (addr: Code): Code => [...addr, [op.i32_load, 2, 0]],
  /** Element `i` of the i32 array at byte address `base` (a constant or an expression). */
  at: (base: number | Code, i: Code): Code => [
    ...(typeof base === 'number' ? x.c(base) : base),
    ...i,
    [op.i32_const, 2],
    op.i32_shl,
    op.i32_add,
    [op.i32_load, 2, 0],
  ],
  /** The i32 at byte address `addr + off` (off a constant). */
  ldo: (addr: Code, off: number): Code => [...addr, [op.i32_load, 2, off]],
  /** `cond ? a : b`, both evaluated. */
  select: (a: Code, b: Code, cond: Code): Code => [...a, ...b, ...cond, op.select],
};

/** Local variables by name: parameters first, then the rest (all i32). */
export function locals<P extends string, L extends string>(
  params: readonly P[],
  rest: readonly L[],
): { readonly [K in P | L]: number } & { readonly types: readonly number[] } {
  const out: Record<string, number> = {};
  for (const [i, n] of [...params, ...rest].entries()) out[n] = i;
  return Object.assign(out, { types: rest.map(() => I32) }) as never;
}

/** Statements. */
export const st = {
  set: (l: number, e: Code): Code => [...e, [op.local_set, l]],
  /** Element `i` of the i32 array at byte address `base` := v. */
  put: (base: number | Code, i: Code, v: Code): Code => [
    ...(typeof base === 'number' ? x.c(base) : base),
    ...i,
    [op.i32_const, 2],
    op.i32_shl,
    op.i32_add,
    ...v,
    [op.i32_store, 2, 0],
  ],
  /** The i32 at byte address `addr + off` (off a constant) := v. */
  sto: (addr: Code, off: number, v: Code): Code => [...addr, ...v, [op.i32_store, 2, off]],
  inc: (l: number, by = 1): Code => [[op.local_get, l], [op.i32_const, by], op.i32_add, [op.local_set, l]],
  if: (cond: Code, then: Code, otherwise?: Code): Code => [
    ...cond,
    [op.if, VOID],
    ...then,
    ...(otherwise ? [op.else, ...otherwise] : []),
    op.end,
  ],
  /** `while (cond) body`; inside body, `st.continue(0)` re-tests and `st.break(1)` leaves (depths grow with nested blocks). */
  while: (cond: Code, body: Code): Code => [
    [op.block, VOID],
    [op.loop, VOID],
    ...cond,
    op.i32_eqz,
    [op.br_if, 1],
    ...body,
    [op.br, 0],
    op.end,
    op.end,
  ],
  /** `for (l = from; l < to; l++) body` (signed compare). */
  for: (l: number, from: Code, to: Code, body: Code): Code => [
    ...st.set(l, from),
    ...st.while(x.lt(x.get(l), to), [...body, ...st.inc(l)]),
  ],
  return: (e?: Code): Code => [...(e ?? []), op.return],
};
