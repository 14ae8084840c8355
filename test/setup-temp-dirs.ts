/**
 * Runs in every test file (vitest.config.ts, setupFiles): once the file is done, the temp dirs it
 * made with `tempDir` are removed, even when a test failed before its own cleanup. Registered
 * first, so with vitest's stacked hooks it runs after the file's own afterAll (members stopped).
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.js';

afterAll(removeTempDirs);
