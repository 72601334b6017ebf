import { defineConfig } from 'vitest/config';

// Tests run in forked workers (PGlite's WASM heap and native argon2 are happier in processes than threads).
// Two workers on the 2-core machines we run on; browser and multi-process tests set longer timeouts.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/helpers/global-setup.ts'],
    reporters: ['default'],
  },
});
