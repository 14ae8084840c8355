import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every test file but the long checks. A file named `*.long.test.ts` (a scenario
 * that needs minutes: real etcd beside fleet, many processes, many seeds) runs only in
 * `npm run test:long` (vitest.long.config.ts), which CI runs after this suite.
 */
export const LONG_TESTS = ['test/**/*.long.test.ts', 'test/**/*.long.test.tsx'];

/** What both suites share. */
export const SHARED = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // The simulator and the e2e tests are CPU-bound; two workers match the CI machine.
  maxWorkers: 2,
  globalSetup: ['test/global-setup.ts'],
  // Removes each file's temp dirs (test/temp-dirs.ts); the global teardown fails a run that left any.
  setupFiles: ['test/setup-temp-dirs.ts'],
};

export default defineConfig({
  test: {
    ...SHARED,
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['**/node_modules/**', ...LONG_TESTS],
  },
});
