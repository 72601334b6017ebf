import { defineConfig } from 'vitest/config';

// Tests that run heavy child processes for a minute (whole OSM imports under a heap limit, the import CLI,
// the reader on generated copies of Monaco) measure memory, not time. Run alongside the browser tests on a
// 2-core machine they starved them: CI once saw the wall's "report on screen within 1 s" take 4.3 s while
// the other worker ran the OSM memory test. They run as a second group, after everything else.
const HEAVY = ['tests/import/osm-import-memory.test.ts', 'tests/import/cli.test.ts', 'tests/import/read-pbf.test.ts'];

// Tests run in forked workers (PGlite's WASM heap and native argon2 are happier in processes than threads).
// Two workers on the 2-core machines we run on; browser and multi-process tests set longer timeouts.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    globalSetup: ['tests/helpers/global-setup.ts'],
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['tests/**/*.test.ts'], exclude: HEAVY, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'heavy', include: HEAVY, sequence: { groupOrder: 1 } } },
    ],
  },
});
