/**
 * The API report check that `npm test` runs (scripts/api-report.ts, from scripts/checks.mjs):
 * the checked-in etc/fleet.api.md matches the declarations the build emitted (test/global-setup.ts
 * builds dist/ first), and a report that misses one export — a planted stale report — fails in
 * one line that names the command which updates it.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram, tempDir } from '../e2e/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('fleet-api-report-');
afterAll(() => dir.cleanup());

function check(...args: string[]) {
  return runProgram(process.execPath, ['--import', 'tsx', 'scripts/api-report.ts', ...args], { cwd: root, timeoutMs: 45_000 });
}

describe('etc/fleet.api.md', () => {
  it('matches the public surface of the build', async () => {
    const r = await check();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails in one line naming `npm run api` when it misses an export', async () => {
    const report = join(dir.path, 'fleet.api.md');
    copyFileSync(join(root, 'etc/fleet.api.md'), report);
    const text = readFileSync(report, 'utf8');
    const planted = text.replace(/^export function connect\(.*\n/m, '');
    expect(planted).not.toBe(text);
    writeFileSync(report, planted);
    const r = await check('--report-folder', dir.path);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/fleet\.api\.md is stale: .*run `npm run build && npm run api`/)]);
  });
});
