/**
 * The shape of a state: which words hold references to interchangeable things, and which hold
 * data tokens. It is all the symmetry reduction and the data-independence relabelling need to
 * know about a model, stated without naming kernels.
 *
 *  - A *group* is a run of same-typed records (CPUs, task slots, vcpus) whose order carries no
 *    meaning: permuting the records, and every reference to them, maps reachable states to
 *    reachable states with the same verdicts. The model asserts this; a property test checks it
 *    (test/check/symmetry.test.ts).
 *  - A *domain* says how a word's value refers to group members: value `offset + i` means member
 *    `i` of `group`, for each segment; any other value (NONE, NULL, NR_CPUS, ...) is fixed.
 *  - *Tokens* are `writer << versionBits | version` (0 and 1 are special, fixed); the writer is
 *    a reference in `writerDomain`, the version is renamed by first occurrence (data
 *    independence, see canonical.ts). `counterOffsets[w]` is the word holding writer w's last
 *    version (set to the number of versions of w in use, so the next write is still fresh).
 */

export interface SymmetryGroup {
  readonly name: string;
  /** Offset of member 0's record. */
  readonly base: number;
  /** Words per record. */
  readonly stride: number;
  readonly count: number;
}

export interface RefSegment {
  readonly group: number;
  readonly offset: number;
}

export interface RefDomain {
  readonly name: string;
  readonly segments: readonly RefSegment[];
}

export interface StateShape {
  readonly words: number;
  readonly groups: readonly SymmetryGroup[];
  readonly domains: readonly RefDomain[];
  /** Per word: index into `domains`, or -1 for a plain value (booleans, enumerations, tokens). */
  readonly wordDomain: Int8Array;
  /** Offsets of the token words, ascending. */
  readonly tokenOffsets: Int32Array;
  readonly versionBits: number;
  /** Domain of token writers. */
  readonly writerDomain: number;
  /** Writer ids are 0 .. writerCount-1 (0 = ZERO/GARBAGE). */
  readonly writerCount: number;
  /** Per writer: the word holding its version counter, or -1. */
  readonly counterOffsets: Int32Array;
}

/** A consistency check of a shape; throws FPC506 naming the problem. */
export function validateShape(shape: StateShape): void {
  const bad = (m: string): never => {
    throw new Error(`FPC506 model bug: state shape: ${m}`);
  };
  if (shape.wordDomain.length !== shape.words) bad('wordDomain does not cover every word');
  const owner = new Int32Array(shape.words).fill(-1);
  shape.groups.forEach((g, gi) => {
    for (let i = 0; i < g.count * g.stride; i++) {
      const w = g.base + i;
      if (w >= shape.words) bad(`group ${g.name} runs past the end of the state`);
      if (owner[w] !== -1) bad(`groups overlap at word ${w}`);
      owner[w] = gi;
    }
  });
  for (const d of shape.domains) for (const s of d.segments) if (!shape.groups[s.group]) bad(`domain ${d.name} names no group`);
  if (!shape.domains[shape.writerDomain]) bad('writerDomain names no domain');
  if (shape.counterOffsets.length !== shape.writerCount) bad('counterOffsets must have one entry per writer');
  for (let i = 1; i < shape.tokenOffsets.length; i++)
    if (shape.tokenOffsets[i]! <= shape.tokenOffsets[i - 1]!) bad('tokenOffsets must ascend');
}
