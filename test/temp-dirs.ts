/**
 * Temp directories of the tests, and the guard that none is left behind. `tempDir` is the one way
 * a test makes one: test/setup-temp-dirs.ts removes every dir a test file made once the file is
 * done, whether or not it called `cleanup()`. test/global-setup.ts gives the run its own TMPDIR
 * and, at the end, fails the run naming what is left there (`leftoverEntries`).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Dirs `tempDir` made in this test file (its module state is the file's: vitest isolates files). */
const made = new Set<string>();

/** A fresh dir under the run's TMPDIR; `cleanup()` removes it now, else it goes once the test file ends. */
export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  made.add(path);
  return {
    path,
    cleanup: () => {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      made.delete(path);
    },
  };
}

/** Removes every dir `tempDir` made and has not yet removed (test/setup-temp-dirs.ts, after each file). */
export function removeTempDirs(): void {
  for (const path of made) rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}

/** Prefix of the run's own TMPDIR; the pid tells a run that is gone (its dir may go) from one still running. */
export const RUN_DIR_PREFIX = 'fleet-test-run-';

/** What the tests name their temp entries: `fleet-…` (any other tool's droppings go with the run dir, unnamed). */
const OURS = /^\.?fleet-/;

/**
 * The entries of the run's TMPDIR that a test made and left: fleet's names among `after` that were
 * not there `before` (the run dir starts empty; `before` is for a dir shared with others).
 */
export function leftoverEntries(after: readonly string[], before: readonly string[] = []): string[] {
  const had = new Set(before);
  return after.filter((e) => OURS.test(e) && !had.has(e)).sort();
}

/** A run's TMPDIR under `parent` (the machine's temp dir), for this process. */
export function makeRunDir(parent: string = tmpdir()): string {
  return mkdtempSync(join(parent, `${RUN_DIR_PREFIX}${process.pid}-`));
}

/** Removes run dirs under `parent` of runs that are gone (interrupted: their teardown never ran). */
export function removeStaleRunDirs(parent: string = tmpdir(), alive: (pid: number) => boolean = pidAlive): string[] {
  const stale = readdirSync(parent).filter((e) => {
    const pid = Number(new RegExp(`^${RUN_DIR_PREFIX}(\\d+)-`).exec(e)?.[1]);
    return Number.isInteger(pid) && pid !== process.pid && !alive(pid);
  });
  // Best effort: what cannot go (a tmpfs an interrupted test left mounted) must not stop this run.
  for (const e of stale) removeQuietly(join(parent, e));
  return stale;
}

/** Removes `path`; answers why not when it could not be removed. */
function removeQuietly(path: string): string | undefined {
  try {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ends the run's TMPDIR: removes it, and answers an error naming the fleet entries tests left in
 * it (undefined when none), for the global teardown to fail the run with.
 */
export function closeRunDir(dir: string): Error | undefined {
  const left = leftoverEntries(readdirSync(dir));
  const stuck = removeQuietly(dir);
  if (left.length === 0) return undefined;
  return new Error(
    `the tests left ${left.length} temp ${left.length === 1 ? 'entry' : 'entries'} behind (${stuck ? `not all removed: ${stuck}` : 'removed now'}): ${left.join(', ')}. ` +
      `Make them with tempDir() from test/temp-dirs.ts, or remove them in afterEach/afterAll; the prefix names the test.`,
  );
}
