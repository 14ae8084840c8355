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

  it('takes over a LOCK whose holder died but is not reaped yet (a zombie, as right after a SIGKILL)', async () => {
    const dir = tempDir();
    const zombie = await unreapedZombie();
    try {
      expect(processState(zombie.pid)).toBe('Z');
      fs.writeFileSync(path.join(dir, 'LOCK'), `${zombie.pid} ${Date.now()} x\n`);
      const logger = recordingLogger();
      const taken = await RaftStorage.open(dir, { logger });
      expect(taken.report.lockTakenOverFrom).toBe(zombie.pid);
      await taken.storage.close();
    } finally {
      zombie.dispose();
    }
  });
});

/** The state letter of /proc/<pid>/stat (R, S, T, Z, …), or undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

/**
 * A child that has exited but that its parent never waits for: `sh` starts a short `sleep` in the
 * background and then becomes `sleep`, which never reaps it, so it stays a zombie — what a
 * SIGKILLed member is until its parent (often pid 1) gets round to it.
 */
async function unreapedZombie(): Promise<{ pid: number; dispose: () => void }> {
  const parent = spawn('/bin/sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (chunk: Buffer) => resolve(Number.parseInt(chunk.toString('utf8'), 10)));
    parent.once('exit', () => reject(new Error('the zombie\'s parent exited early')));
  });
  const deadline = Date.now() + 5_000;
  while (processState(pid) !== 'Z') {
    if (Date.now() > deadline) throw new Error(`pid ${pid} did not become a zombie (state ${processState(pid) ?? 'gone'})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { pid, dispose: () => parent.kill('SIGKILL') };
}
