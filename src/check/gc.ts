/**
 * Full garbage collections on demand, for the one case where waiting for V8's own schedule
 * costs gigabytes: a SharedArrayBuffer's memory returns to the system only once every thread
 * that held it has collected its last reference, and a thread whose heap is small (an explorer
 * thread allocates little between levels) may not collect for a long time. After the visited
 * table grows, the old segments (up to half the table) would stay resident beside the new ones.
 *
 * `gc` is not exposed without --expose-gc on the command line, which `fpctx` cannot add to its
 * own process or to worker threads (a worker takes no V8 flags). Setting the flag at run time
 * makes V8 install `gc` in contexts created afterwards, so one new context hands it out.
 */

import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/** Runs a full collection of this thread's heap now. */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * Counts the bytes of shared buffers this thread dropped and collects once they add up to
 * `threshold`: a full collection costs tens of milliseconds, and the table's first growths
 * free kilobytes a segment (a run to 8 M states grows segments 157 times).
 */
export class DroppedBuffers {
  private pending = 0;

  constructor(private readonly threshold = 64 * 2 ** 20) {}

  /** `bytes` more are unreferenced by this thread; true if that made it collect. */
  drop(bytes: number): boolean {
    this.pending += bytes;
    if (this.pending < this.threshold) return false;
    this.pending = 0;
    collectGarbage();
    return true;
  }
}
