import { defineConfig } from 'vitest/config';
import { LONG_TESTS, SHARED } from './vitest.config.js';

/** `npm run test:long` (scripts/long-checks.mjs): only the `*.long.test.ts` files. */
export default defineConfig({ test: { ...SHARED, include: LONG_TESTS } });
