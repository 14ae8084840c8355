/** The guard against temp dirs left behind: what counts as a leftover, and what is removed. */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountTmpfs, TMPFS_UNAVAILABLE } from './core/storage/fixtures/tmpfs.js';
import { closeRunDir, leftoverEntries, makeRunDir, removeStaleRunDirs, removeTempDirs, RUN_DIR_PREFIX, tempDir } from './temp-dirs.js';

describe('leftoverEntries', () => {
  it('names the fleet entries that were not there before, sorted', () => {
    expect(leftoverEntries(['fleet-write-a1', 'fleet-bomb-b2', 'fleet-old-x', '.fleet-check-perf-c3'], ['fleet-old-x'])).toEqual(['.fleet-check-perf-c3', 'fleet-bomb-b2', 'fleet-write-a1']);
  });

  it('leaves other tools\' entries out (they go with the run dir, but are not ours to name)', () => {
    expect(leftoverEntries(['puppeteer_dev_profile-x', 'v8-compile-cache-0', 'systemd-private-1', 'notfleet-1'])).toEqual([]);
  });

  it('answers nothing for an empty dir', () => {
    expect(leftoverEntries([])).toEqual([]);
  });
});

describe('the run dir', () => {
  it('is removed at the end, with an error naming what tests left in it', () => {
    const { path: parent } = tempDir('fleet-guard-');
    const run = makeRunDir(parent);
    mkdirSync(join(run, 'fleet-spool-abc'));
    writeFileSync(join(run, 'fleet-cid-def'), '');
    mkdirSync(join(run, 'chromium-profile'));
    const err = closeRunDir(run);
    expect(err?.message).toMatch(/^the tests left 2 temp entries behind \(removed now\): fleet-cid-def, fleet-spool-abc\. /);
    expect(existsSync(run)).toBe(false);
  });

  it('ends without an error when the tests cleaned up', () => {
    const { path: parent } = tempDir('fleet-guard-');
    const run = makeRunDir(parent);
    expect(closeRunDir(run)).toBeUndefined();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('of a run that is gone is removed by the next run; one still running is kept', () => {
    const { path: parent } = tempDir('fleet-guard-');
    for (const e of [`${RUN_DIR_PREFIX}111-aaaaaa`, `${RUN_DIR_PREFIX}222-bbbbbb`, 'fleet-write-x']) mkdirSync(join(parent, e));
    expect(removeStaleRunDirs(parent, (pid) => pid === 222)).toEqual([`${RUN_DIR_PREFIX}111-aaaaaa`]);
    expect(readdirSync(parent).sort()).toEqual([`${RUN_DIR_PREFIX}222-bbbbbb`, 'fleet-write-x']);
  });

  it.skipIf(TMPFS_UNAVAILABLE)('that cannot be removed (a tmpfs an interrupted test left mounted in it) is passed over, not fatal', () => {
    const { path: parent } = tempDir('fleet-guard-');
    const mount = mountTmpfs(64 * 1024, join(parent, `${RUN_DIR_PREFIX}333-cccccc`, 'fleet-tmpfs-x'));
    try {
      expect(removeStaleRunDirs(parent, () => false)).toEqual([`${RUN_DIR_PREFIX}333-cccccc`]);
    } finally {
      mount.unmount();
    }
  });
});

describe('tempDir', () => {
  it('makes dirs that go when the file ends, cleaned up or not', () => {
    const kept = tempDir('fleet-kept-');
    const cleaned = tempDir('fleet-cleaned-');
    cleaned.cleanup();
    expect(existsSync(cleaned.path)).toBe(false);
    expect(existsSync(kept.path)).toBe(true);
    removeTempDirs(); // what test/setup-temp-dirs.ts does after each file
    expect(existsSync(kept.path)).toBe(false);
  });
});
