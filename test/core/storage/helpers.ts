import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Entry, HardState, SnapshotMeta } from '../../../src/core/raft/types.js';
import type { StorageLogger } from '../../../src/core/storage/index.js';
import { tempDir as sharedTempDir } from '../../temp-dirs.js';
import { payload } from './fixtures/payload.js';

export { payload, seeded } from './fixtures/payload.js';

/** Removals of the temp directories made by the current test; run after it (pass or fail). */
const made: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of made.splice(0)) cleanup();
});

/** A fresh directory under the OS temp dir, removed after the test. */
/** Waits until `cond` holds, polling; fails naming `what` after the deadline (a bare sleep is flaky on a slow machine). */
export async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function tempDir(): string {
  const dir = sharedTempDir('fleet-storage-');
  made.push(dir.cleanup);
  return dir.path;
}

/** Entries [from, to] of one term with deterministic payloads. */
export function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ index: i, term, type: 'normal', data: payload(i, term) });
  return out;
}

/** Checks that `log` holds exactly the entries (from, term) ranges describe, payloads included. */
export function expectLog(log: readonly Entry[], ranges: readonly (readonly [from: number, to: number, term: number])[]): void {
  const want = ranges.flatMap(([from, to, term]) => entries(from, to, term));
  const summary = (es: readonly Entry[]) => es.map((e) => `${e.index}@${e.term}`).join(' ');
  if (summary(log) !== summary(want)) throw new Error(`log mismatch\n got: ${summary(log)}\nwant: ${summary(want)}`);
  log.forEach((e, k) => {
    if (!Buffer.from(e.data).equals(Buffer.from(want[k]?.data ?? []))) throw new Error(`payload of entry ${e.index} differs`);
  });
}

/** Checks two entry lists are equal, payload bytes included; much faster than toEqual on typed arrays. */
export function expectSameEntries(got: readonly Entry[], want: readonly Entry[]): void {
  const summary = (es: readonly Entry[]) => es.map((e) => `${e.index}@${e.term}:${e.type}:${Buffer.from(e.data).toString('base64')}`);
  const a = summary(got);
  const b = summary(want);
  if (a.length !== b.length || a.some((x, k) => x !== b[k])) {
    throw new Error(`entries differ\n got: ${got.map((e) => `${e.index}@${e.term}`).join(' ')}\nwant: ${want.map((e) => `${e.index}@${e.term}`).join(' ')}`);
  }
}

/** A hard state for tests. */
export function hard(term: number, commit: number, vote = 'n1'): HardState {
  return { term, vote, commit };
}

/** Snapshot meta for tests. */
export function snapMeta(index: number, term: number): SnapshotMeta {
  return { index, term, conf: { voters: ['n1', 'n2', 'n3'], learners: [] } };
}

/** A logger that records lines for assertions. */
export function recordingLogger(): StorageLogger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Paths of the WAL segments in a storage directory, oldest first. */
export function segmentPaths(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'wal'))
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => path.join(dir, 'wal', f));
}

/** Paths of the snapshot files, oldest first by index. */
export function snapshotPaths(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'snap'))
    .filter((f) => f.endsWith('.snap'))
    .sort((a, b) => Number(a.split('-')[1]?.slice(0, 16)) - Number(b.split('-')[1]?.slice(0, 16)))
    .map((f) => path.join(dir, 'snap', f));
}
