import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Both cores of the CI machine: the timing tests compare within one file, so the other worker's load hits both sides.
    maxWorkers: 2,
  },
});
