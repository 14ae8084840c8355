/**
 * The API report check that `npm test` runs (scripts/api-report.ts, from scripts/checks.mjs):
 * the checked-in etc/fleet.api.md and etc/fleet-embed.api.md match the declarations the build
 * emitted (test/global-setup.ts builds dist/ first), and a report that misses one export — a
 * planted stale report — fails in one line that names the entry and the command which updates it.
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

/** Both reports copied to the test's folder, one of them with `line` taken out. */
function plant(name: string, line: RegExp): void {
  for (const f of ['fleet.api.md', 'fleet-embed.api.md']) copyFileSync(join(root, 'etc', f), join(dir.path, f));
  const report = join(dir.path, name);
  const text = readFileSync(report, 'utf8');
  const planted = text.replace(line, '');
  expect(planted).not.toBe(text);
  writeFileSync(report, planted);
}

describe('etc/fleet.api.md and etc/fleet-embed.api.md', () => {
  it('matches the public surface of the build', async () => {
    const r = await check();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails in one line naming `npm run api` when it misses an export', async () => {
    plant('fleet.api.md', /^export function connect\(.*\n/m);
    const r = await check('--report-folder', dir.path);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/fleet\.api\.md is stale: the public surface of 'fleet' changed; run `npm run build && npm run api`/)]);
  });

  it("fails naming 'fleet/embed' when the embedding's report misses an export", async () => {
    plant('fleet-embed.api.md', /^export function startMember<.*\n/m);
    const r = await check('--report-folder', dir.path);
    expect(r.code).toBe(1);
    // The library's report is judged on its own (its test is the one above).
    expect(r.stderr.trim().split('\n').filter((l) => l.includes('fleet-embed'))).toEqual([expect.stringMatching(/fleet-embed\.api\.md is stale: the public surface of 'fleet\/embed' changed/)]);
  });
});
