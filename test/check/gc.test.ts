import { describe, expect, it } from 'vitest';
import { DroppedBuffers, collectGarbage } from '../../src/check/gc.js';

/** Whether an object that nothing references any more is collected by one collectGarbage(). */
async function collectedNow(): Promise<boolean> {
  let finalized = false;
  const registry = new FinalizationRegistry(() => {
    finalized = true;
  });
  (() => {
    registry.register(new SharedArrayBuffer(1 << 20), 'dropped');
  })();
  collectGarbage();
  // Finalizers run as tasks after the collection that found their object dead.
  for (let i = 0; i < 10 && !finalized; i++) await new Promise((r) => setImmediate(r));
  return finalized;
}

describe('forced collection of dropped shared buffers', () => {
  it('collects an unreferenced SharedArrayBuffer at once, without --expose-gc on the command line', async () => {
    expect(await collectedNow()).toBe(true);
  });

  it('collects only once the dropped bytes reach the threshold, then counts afresh', () => {
    const d = new DroppedBuffers(100);
    expect(d.drop(40)).toBe(false);
    expect(d.drop(59)).toBe(false);
    expect(d.drop(1)).toBe(true); // 100 in all
    expect(d.drop(99)).toBe(false);
    expect(d.drop(250)).toBe(true);
  });
});
