/**
 * Runs before every test file (vitest.config.ts `setupFiles`).
 *
 * Between tests, let the worker's event loop reach its poll phase, so that vitest's own RPC
 * replies (task updates to the main process) are handled. Without it, CPU-bound tests that
 * follow each other in one file (the exhaustive checks take ~50 s together on a loaded 2-core
 * machine) keep a reply waiting past vitest's 60 s RPC timeout, and the whole run fails with
 * "[vitest-worker]: Timeout calling onTaskUpdate" although every test passed. A zero-delay
 * setImmediate does not help: it runs before the poll phase; a short timer waits in it.
 */
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setTimeout(resolve, 10)));
