/**
 * Flat records over one Int32Array.
 *
 * The whole machine state (CPUs, task slots, vcpus) is a single Int32Array so that copying a
 * state is one memcpy and hashing it is a loop over words: the explorer's hot loop never walks
 * an object graph. Readable code on top of it comes from *views*: small objects whose named
 * properties read and write words at fixed offsets. A record type is declared once as a field
 * list; the list gives the offsets, the property accessors, the documentation and the *kind* of
 * each word, which the checker uses to canonicalise states (tokens, task references, CPU
 * references are permuted or relabelled; plain integers are not).
 */

/** What a word means, for canonicalisation and symmetry. */
export type FieldKind =
  | 'bool' // 0 or 1
  | 'int' // small enumeration or counter, compared literally
  | 'token' // abstract register/memory content, see src/arch/tokens.ts
  | 'slot' // task slot index, or -1
  | 'cpu' // CPU index, or NR_CPUS / -1
  | 'ctx' // identity of an FP storage area (what fpsimd_last_state.st points at)
  | 'vcpu'; // vcpu index, or -1

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  /** Initial value of the word for a fresh record. */
  readonly init?: number;
  readonly doc: string;
}

export type RecordSpec = readonly FieldSpec[];

/** Property types of a view generated from a record spec. */
export type RecordFields<S extends RecordSpec> = {
  -readonly [F in S[number] as F['name']]: F['kind'] extends 'bool' ? boolean : number;
};

/** Offsets of each field inside one record. */
export function offsetsOf<S extends RecordSpec>(spec: S): { readonly [F in S[number] as F['name']]: number } {
  const out: Record<string, number> = {};
  spec.forEach((f, i) => {
    if (f.name in out) throw new Error(`duplicate field ${f.name}`);
    out[f.name] = i;
  });
  return out as never;
}

/** Base class of every view: a window of `spec.length` words at `base` in the state buffer. */
export abstract class View {
  constructor(
    /** The state buffer. Fixed for the life of the view; states are copied in and out of it. */
    readonly s: Int32Array,
    /** Offset of this record's first word. */
    readonly base: number,
  ) {}
}

/**
 * Adds one accessor property per field to `cls.prototype`. Booleans read as `!== 0` and store
 * as 0/1; everything else is a plain number.
 */
export function defineFieldAccessors(cls: { prototype: object }, spec: RecordSpec): void {
  spec.forEach((f, i) => {
    if (f.kind === 'bool') {
      Object.defineProperty(cls.prototype, f.name, {
        get(this: View) {
          return this.s[this.base + i] !== 0;
        },
        set(this: View, v: boolean) {
          this.s[this.base + i] = v ? 1 : 0;
        },
        enumerable: true,
      });
    } else {
      Object.defineProperty(cls.prototype, f.name, {
        get(this: View) {
          return this.s[this.base + i];
        },
        set(this: View, v: number) {
          this.s[this.base + i] = v;
        },
        enumerable: true,
      });
    }
  });
}

/** Writes every field's initial value into the record at `base`. */
export function initRecord(s: Int32Array, base: number, spec: RecordSpec): void {
  spec.forEach((f, i) => {
    s[base + i] = f.init ?? 0;
  });
}
