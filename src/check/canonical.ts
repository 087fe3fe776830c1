/**
 * Canonical relabelling of data tokens (data independence).
 *
 * The protocol only ever compares tokens for equality (src/arch/tokens.ts), so renaming the
 * versions of one writer consistently maps reachable states to reachable states with the same
 * verdicts. We rename each writer's versions 1, 2, 3, ... in order of first occurrence in the
 * state, and reset the writer's version counter to the number of versions in use, so the next
 * write still gets a fresh version. This keeps the state space finite although user code writes
 * new data forever, and merges states that differ only in history.
 */

import { VERSION_BITS } from '../arch/tokens.js';

const VERSION_MASK = (1 << VERSION_BITS) - 1;

export class TokenCanonicalizer {
  private readonly seen: Int32Array; // (writer, old version) -> stamp
  private readonly label: Int32Array; // (writer, old version) -> new version
  private readonly next: Int32Array; // writer -> last label handed out
  private stamp = 0;
  private readonly stride: number;

  /**
   * @param tokenOffsets words holding tokens, in a fixed traversal order
   * @param counterOffsets per writer id, the word holding its version counter, or -1
   * @param maxVersion an upper bound on versions present in states handed to `apply`
   */
  constructor(
    private readonly tokenOffsets: Int32Array,
    private readonly counterOffsets: Int32Array,
    maxVersion: number,
  ) {
    this.stride = maxVersion + 1;
    const n = counterOffsets.length * this.stride;
    this.seen = new Int32Array(n);
    this.label = new Int32Array(n);
    this.next = new Int32Array(counterOffsets.length);
  }

  apply(s: Int32Array): void {
    const stamp = ++this.stamp;
    const { seen, label, next, tokenOffsets, counterOffsets, stride } = this;
    next.fill(0);
    for (let i = 0; i < tokenOffsets.length; i++) {
      const o = tokenOffsets[i]!;
      const t = s[o]!;
      if (t <= 1) continue; // ZERO, GARBAGE
      const w = t >>> VERSION_BITS;
      const v = t & VERSION_MASK;
      if (v >= stride) throw new Error(`FPC503 model bug: version ${v} exceeds canonicaliser bound ${stride - 1}`);
      const key = w * stride + v;
      let nv: number;
      if (seen[key] === stamp) nv = label[key]!;
      else {
        nv = ++next[w]!;
        seen[key] = stamp;
        label[key] = nv;
      }
      s[o] = (w << VERSION_BITS) | nv;
    }
    for (let w = 0; w < counterOffsets.length; w++) {
      const o = counterOffsets[w]!;
      if (o >= 0) s[o] = next[w]!;
    }
  }
}
