import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RaftStorage, StorageLockedError } from '../../../src/core/storage/index.js';
import { entries, recordingLogger, tempDir } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '../../..');

describe('LOCK', () => {
  it('refuses a second open of the same directory in this process', async () => {
    const dir = tempDir();
    const { storage } = await RaftStorage.open(dir);
    const err = await RaftStorage.open(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageLockedError);
    expect((err as StorageLockedError).pid).toBe(process.pid);
    expect((err as Error).message).toMatch(/locked by process \d+, which is still running/);
    await storage.close();
    const again = await RaftStorage.open(dir);
    await again.storage.close();
  });

  it('refuses a directory another live process holds, and takes the lock over once that process is killed', async () => {
    const dir = tempDir();
    const first = await RaftStorage.open(dir);
    await first.storage.persist({ entries: entries(1, 3, 1) });
    await first.storage.close();

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'hold-lock.ts'), dir], { cwd: REPO, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const deadline = setTimeout(() => reject(new Error('the lock holder did not start within 20 s')), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('ready\n')) {
            clearTimeout(deadline);
            resolve();
          }
        });
      });
      const err = await RaftStorage.open(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageLockedError);
      expect((err as StorageLockedError).pid).toBe(child.pid);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // The holder died without releasing: its LOCK is stale.
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')).toMatch(new RegExp(`^${child.pid} `));
    const logger = recordingLogger();
    const taken = await RaftStorage.open(dir, { logger });
    expect(taken.report.lockTakenOverFrom).toBe(child.pid);
    expect(logger.lines.some((l) => l.level === 'warn' && /stale LOCK/.test(l.msg))).toBe(true);
    expect(taken.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    await taken.storage.close();
  });
});
