/**
 * The member's data dir remembers that it held Raft state (src/core/server/storage-adapter.ts):
 * a data dir whose log was removed, whole or in part, is refused instead of opening as new.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultInitialClusterState } from '../../../src/core/server/founding.js';
import { openNodeStorage } from '../../../src/core/server/storage-adapter.js';
import { entries, hard, tempDir } from './helpers.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

async function open(dataDir: string, founding = false) {
  return openNodeStorage(dataDir, quiet, () => undefined, '', undefined, { founding });
}

/** Opens, persists a term and a vote, closes: a member that has promised something. */
async function voted(dataDir: string): Promise<void> {
  const s = await open(dataDir);
  await s.persist({ hardState: { ...hard(2, 0), vote: 'n2' }, entries: entries(1, 3, 1) }, true);
  await s.close();
}

describe('a data dir that lost its Raft state', () => {
  it('is refused when raft/ is gone, naming what happened and how to re-seed', async () => {
    const dataDir = tempDir();
    await voted(dataDir);
    fs.rmSync(path.join(dataDir, 'raft'), { recursive: true });
    const err = await open(dataDir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('MemberStateLostError');
    expect((err as Error).message).toMatch(/held this member's Raft state/);
    expect((err as Error).message).toMatch(/fleet members remove.*--join/);
    // Refusing left no new log behind that a later start could take for this member's.
    expect(fs.existsSync(path.join(dataDir, 'raft', 'wal'))).toBe(false);
    expect(await open(dataDir).catch((e: unknown) => (e as Error).name)).toBe('MemberStateLostError');
  });

  it('is refused when only the WAL segments were deleted (no snapshot to vouch for anything)', async () => {
    const dataDir = tempDir();
    await voted(dataDir);
    const wal = path.join(dataDir, 'raft', 'wal');
    for (const f of fs.readdirSync(wal)) fs.rmSync(path.join(wal, f));
    expect(await open(dataDir).catch((e: unknown) => (e as Error).name)).toBe('MemberStateLostError');
  });

  it('opens a new data dir, a restart, and a first start that stopped before it persisted anything', async () => {
    const dataDir = tempDir();
    const first = await open(dataDir);
    expect(first.recovered.hardState?.term ?? 0).toBe(0);
    await first.close();
    // Nothing was persisted: nothing was promised, so this is still a member that may bootstrap.
    const second = await open(dataDir);
    await second.persist({ hardState: hard(1, 0), entries: entries(1, 3, 1) }, true);
    await second.close();
    const third = await open(dataDir);
    expect(third.recovered.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await third.close();
  });

  it('adopts a data dir written before it kept that record', async () => {
    const dataDir = tempDir();
    await voted(dataDir);
    for (const f of fs.readdirSync(dataDir)) if (f !== 'raft') fs.rmSync(path.join(dataDir, f), { recursive: true });
    const s = await open(dataDir);
    await s.close();
    fs.rmSync(path.join(dataDir, 'raft'), { recursive: true });
    expect(await open(dataDir).catch((e: unknown) => (e as Error).name)).toBe('MemberStateLostError');
  });
});

describe('a data dir a founding start was stopped in', () => {
  it('is still one to found until the first state is durable, then one that exists', async () => {
    const dataDir = tempDir();
    expect(defaultInitialClusterState(dataDir)).toBe('new');
    // Opened and stopped before anything was persisted: files, but no promise made.
    await (await open(dataDir, true)).close();
    expect(fs.readdirSync(dataDir).length).toBeGreaterThan(1);
    expect(defaultInitialClusterState(dataDir)).toBe('new');
    const second = await open(dataDir, true);
    await second.persist({ hardState: hard(1, 0), entries: entries(1, 2, 1) }, true);
    expect(defaultInitialClusterState(dataDir)).toBe('existing');
    await second.close();
    // Its state lost from here on is refused as before.
    fs.rmSync(path.join(dataDir, 'raft'), { recursive: true });
    expect(await open(dataDir).catch((e: unknown) => (e as Error).name)).toBe('MemberStateLostError');
  });

  it('is marked only when founding on a data dir without a log, and settles on reopening one with state', async () => {
    const notFounding = tempDir();
    await (await open(notFounding)).close();
    expect(defaultInitialClusterState(notFounding)).toBe('existing');
    const withState = tempDir();
    await voted(withState);
    await (await open(withState, true)).close();
    expect(fs.existsSync(path.join(withState, 'raft.founding'))).toBe(false);
    // A mark a crash left behind after the state became durable goes at the next open.
    fs.writeFileSync(path.join(withState, 'raft.founding'), '{}');
    await (await open(withState)).close();
    expect(defaultInitialClusterState(withState)).toBe('existing');
  });

  it('is not one to found when missing (it may have been wiped) or holding only a log directory', () => {
    const root = tempDir();
    expect(defaultInitialClusterState(path.join(root, 'missing'))).toBe('existing');
    fs.mkdirSync(path.join(root, 'logs'));
    expect(defaultInitialClusterState(root)).toBe('new');
  });
});
