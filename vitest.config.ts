import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The simulator and the e2e tests are CPU-bound; two workers match the CI machine.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
  },
});
