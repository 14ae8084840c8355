import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLineOf, isMemberCommandLine, isMemberProcess, memberPid, readPidFile, signalMember, writePidFile } from '../../../src/ops/local-cluster/pids.js';
import { reap, ready, spawnFakeMember } from './fake-member.js';

const children: ChildProcess[] = [];
let dir: string;

afterEach(async () => {
  const started = children.splice(0);
  await Promise.all(started.map(reap));
  for (const c of started) expect(c.exitCode !== null || c.signalCode !== null).toBe(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` every 10 ms for up to 5 s; no bare sleeps. */
async function waitUntil(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'fleet-pids-'));
  return dir;
}

describe('pid files', () => {
  it('round-trips a pid and ignores garbage', async () => {
    const d = tmp();
    await writePidFile(join(d, 'n1.pid'), 4242);
    expect(await readPidFile(join(d, 'n1.pid'))).toBe(4242);
    writeFileSync(join(d, 'bad.pid'), 'not a pid\n');
    expect(await readPidFile(join(d, 'bad.pid'))).toBeUndefined();
    expect(await readPidFile(join(d, 'missing.pid'))).toBeUndefined();
    // The storage lock file starts with the holder's pid.
    writeFileSync(join(d, 'LOCK'), '777 1700000000000 abc\n');
    expect(await readPidFile(join(d, 'LOCK'))).toBe(777);
  });
});

describe('recognising our members', () => {
  const member = { id: 'n1', dataDir: '/data/n1' };

  it('matches only `node start` with the same id and data dir', () => {
    const argv = ['/usr/bin/node', '/opt/fleet/bin/run.js', 'node', 'start', '--id', 'n1', '--data-dir', '/data/n1', '--listen', '127.0.0.1:7781'];
    expect(isMemberCommandLine(argv, member)).toBe(true);
    expect(isMemberCommandLine(argv, { id: 'n2', dataDir: '/data/n1' })).toBe(false);
    expect(isMemberCommandLine(argv, { id: 'n1', dataDir: '/data/n2' })).toBe(false);
    expect(isMemberCommandLine(['sleep', '30'], member)).toBe(false);
    expect(isMemberCommandLine(['vim', '--id', 'n1', '--data-dir', '/data/n1'], member)).toBe(false);
  });

  it('never treats a live unrelated process as a member, and never signals it', async () => {
    const d = tmp();
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(sleeper);
    const pid = sleeper.pid!;
    // Between fork and exec the child still shows its parent's command line: wait for the exec.
    await waitUntil(() => commandLineOf(pid)?.[0] === 'sleep');
    expect(commandLineOf(pid)).toEqual(['sleep', '30']);
    // A stale pid file that now names someone else's program.
    const pidFile = join(d, 'n1.pid');
    await writePidFile(pidFile, pid);
    const m = { id: 'n1', dataDir: join(d, 'n1') };
    expect(isMemberProcess(pid, m)).toBe(false);
    expect(await memberPid(pidFile, m)).toBeUndefined();
    expect(signalMember(pid, m, 'SIGTERM')).toBe(false);
    // Still alive: signal 0 only checks existence.
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(sleeper.exitCode).toBeNull();
  });

  it('finds a live member by its pid file, else by its storage lock file', async () => {
    const d = tmp();
    const m = { id: 'n1', dataDir: join(d, 'n1') };
    const fake = spawnFakeMember(m.id, m.dataDir);
    children.push(fake);
    await ready(fake);
    const pidFile = join(d, 'n1.pid');
    await writePidFile(pidFile, fake.pid!);
    expect(await memberPid(pidFile, m)).toBe(fake.pid);
    // The pid file lost: the lock file the member's storage holds still names it.
    rmSync(pidFile);
    expect(await memberPid(pidFile, m)).toBeUndefined();
    mkdirSync(join(m.dataDir, 'raft'), { recursive: true });
    writeFileSync(join(m.dataDir, 'raft', 'LOCK'), `${fake.pid} 1700000000000 x\n`);
    expect(await memberPid(pidFile, m)).toBe(fake.pid);
    // Another member's identity does not match it.
    expect(await memberPid(pidFile, { id: 'n2', dataDir: m.dataDir })).toBeUndefined();
  });

  it('treats a pid whose process has exited as not running', async () => {
    const d = tmp();
    const m = { id: 'n1', dataDir: join(d, 'n1') };
    const fake = spawnFakeMember(m.id, m.dataDir);
    children.push(fake);
    await ready(fake);
    const pid = fake.pid!;
    await reap(fake);
    expect(isMemberProcess(pid, m)).toBe(false);
    expect(signalMember(pid, m, 'SIGTERM')).toBe(false);
  });
});
