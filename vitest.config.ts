import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The exhaustive checks are long synchronous computations: run files one at a time, so that
    // none is slowed past vitest's 60 s worker-RPC timeout by its neighbours (on a shared
    // 2-core machine this is also faster overall than running files in parallel).
    fileParallelism: false,
    reporters: ['default'],
  },
});
