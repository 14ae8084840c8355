import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProcessInjector } from '../../../src/ops/drill/local-injector.js';
import { parsePids, processesFromPids } from '../../../src/ops/drill/member-processes.js';
import { processState } from '../../../src/ops/drill/process-state.js';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../../..');

/**
 * Processes whose command line is a member's (`… node start --id ID --data-dir DIR --listen
 * ADDR`) but that only wait: the injector's signals and re-launches are tested on them.
 */
const SCRIPT = [
  "const fs = require('node:fs');",
  "const dir = process.argv[process.argv.indexOf('--data-dir') + 1];",
  // A member that cannot start: it prints why and exits (once, with fail-once; always, with fail).
  "const once = dir + '/fail-once';",
  "if (fs.existsSync(once)) { fs.rmSync(once); console.error('FakeError: could not open the storage'); process.exit(3); }",
  "if (fs.existsSync(dir + '/fail')) { console.error('FakeError: disk on fire'); process.exit(3); }",
  "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);",
  // Up: says so in its data dir (what a test's readiness looks at) and to a parent that listens.
  "fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(dir + '/up', String(process.pid)); process.send?.('ready');",
].join(' ');
const ADDRESS = '127.0.0.1:1';
const spawned: number[] = [];
let dir: string | undefined;

function fakeMember(id: string): Promise<ChildProcess> {
  dir ??= mkdtempSync(join(tmpdir(), 'fleet-drill-'));
  const home = dir;
  const child = spawn(process.execPath, ['-e', SCRIPT, 'node', 'start', '--id', id, '--data-dir', join(home, id), '--listen', ADDRESS], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  spawned.push(child.pid!);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`fake member exited early (${code})`)));
  });
}

function state(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  const s = state(pid);
  return s !== undefined && s !== 'Z';
}

/** Every process with our temp dir in its command line (re-launched members included). */
function ours(): number[] {
  const home = dir;
  if (home === undefined) return [];
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(home) && alive(pid);
      } catch {
        return false;
      }
    });
}

afterEach(() => {
  const left = ours();
  for (const pid of left) process.kill(pid, 'SIGKILL');
  for (const pid of spawned.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const n1 = { id: 'n1', address: ADDRESS };

/** Whether the member runs now under the pid its data dir says is up. */
function upAs(dataDir: string, pid: number | undefined): boolean {
  try {
    return pid !== undefined && readFileSync(join(dataDir, 'up'), 'utf8') === String(pid) && alive(pid);
  } catch {
    return false;
  }
}

/** The pid in `<dir>/raft/LOCK`, if any. */
function lockHolder(dataDir: string): number | undefined {
  try {
    return Number.parseInt(readFileSync(join(dataDir, 'raft', 'LOCK'), 'utf8').split(' ')[0] ?? '', 10);
  } catch {
    return undefined;
  }
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A member holding its storage LOCK (fixtures/lock-member.ts) whose parent never reaps it: `sh`
 * starts it in the background and becomes `sleep`. Killed, it stays a zombie — what a member
 * SIGKILLed by a drill is until its parent (often pid 1) gets round to reaping it.
 */
async function unreapedLockMember(id: string): Promise<{ pid: number; dataDir: string }> {
  dir ??= mkdtempSync(join(tmpdir(), 'fleet-drill-'));
  const dataDir = join(dir, id);
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const member = [process.execPath, '--import', 'tsx', join(here, 'fixtures', 'lock-member.ts'), 'node', 'start', '--id', id, '--data-dir', dataDir, '--listen', ADDRESS].map(quote).join(' ');
  const parent = spawn('/bin/sh', ['-c', `${member} & echo $!; exec sleep 120`], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  spawned.push(parent.pid!);
  const pid = await new Promise<number>((done) => parent.stdout.once('data', (b: Buffer) => done(Number.parseInt(b.toString('utf8'), 10))));
  await until(`member ${id} taking its LOCK`, () => lockHolder(dataDir) === pid);
  return { pid, dataDir };
}

describe('pids given by the operator', () => {
  it('parses ID=PID lists and refuses nonsense', () => {
    expect([...parsePids('n1=123, n2=456')]).toEqual([
      ['n1', 123],
      ['n2', 456],
    ]);
    expect(() => parsePids('n1=abc')).toThrow(/ID=PID/);
    expect(() => parsePids('n1=5,n1=6')).toThrow(/twice/);
  });

  it('refuses a pid that is not the member it is given for', async () => {
    const child = await fakeMember('n2');
    expect(() => processesFromPids(new Map([['n1', child.pid!]]), [n1])).toThrow(/runs member n2/);
    expect(() => processesFromPids(new Map([['n1', process.pid]]), [n1])).toThrow(/not fleet node start/);
    // A pid that is gone is a member that is down (the steady-state check reports it), not a usage error.
    expect(processesFromPids(new Map([['n1', 2 ** 22 + 1]]), [n1])[0]!.owns(2 ** 22 + 1)).toBe(false);
    expect(() => processesFromPids(new Map([['n9', child.pid!]]), [n1])).toThrow(/not a member/);
  });
});

describe('the local fault injector', () => {
  it('pauses and resumes, then kills, a validated member process', async () => {
    const child = await fakeMember('n1');
    const injector = new LocalProcessInjector(processesFromPids(new Map([['n1', child.pid!]]), [n1]));
    await injector.pause(n1, 60_000);
    expect(state(child.pid!)).toBe('T');
    await injector.resume(n1);
    expect(state(child.pid!)).not.toBe('T');
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    await injector.kill(n1);
    expect(await exited).toBe('SIGKILL');
  });

  it('restarts a killed member by re-running its command line', async () => {
    const child = await fakeMember('n1');
    const procs = processesFromPids(new Map([['n1', child.pid!]]), [n1]);
    const injector = new LocalProcessInjector(procs);
    await injector.kill(n1);
    await injector.restart(n1);
    const pid = await procs[0]!.pid();
    expect(pid).toBeDefined();
    expect(pid).not.toBe(child.pid);
    expect(ours()).toEqual([pid]);
    // A graceful stop ends it (SIGTERM).
    await injector.stop(n1, 5_000);
    expect(await procs[0]!.pid()).toBeUndefined();
  });

  it('waits after SIGKILL until the process has exited, not until its command line stops looking like the member', async () => {
    const child = await fakeMember('n1');
    const procs = processesFromPids(new Map([['n1', child.pid!]]), [n1]);
    // As /proc shows a process on its way out: its command line is gone (so owns() says no)
    // while it still holds its files and sockets for a while.
    let askedAt: number | undefined;
    const exiting = (pid: number) => {
      askedAt ??= Date.now();
      return Date.now() - askedAt < 300 ? 'running' : processState(pid);
    };
    const injector = new LocalProcessInjector(procs, { processState: exiting });
    const t0 = Date.now();
    await injector.kill(n1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(processState(child.pid!)).not.toBe('running');
  });

  it('restarts a killed member at once although its parent has not reaped it yet (its storage LOCK is stale)', async () => {
    const { pid, dataDir } = await unreapedLockMember('n1');
    const procs = processesFromPids(new Map([['n1', pid]]), [n1]);
    const injector = new LocalProcessInjector(procs);
    await injector.kill(n1);
    expect(processState(pid)).toBe('zombie');
    const t0 = Date.now();
    const holdsTheLock = async () => {
      const now = await procs[0]!.pid();
      return now !== undefined && lockHolder(dataDir) === now;
    };
    await injector.restart(n1, { ready: holdsTheLock, deadlineMs: 20_000 });
    const restarted = await procs[0]!.pid();
    expect(restarted).toBeDefined();
    expect(lockHolder(dataDir)).toBe(restarted);
    // The zombie is still there: it was not waited out, it was recognised as dead.
    expect(processState(pid)).toBe('zombie');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('starts a member again when it dies starting up, until it is up', async () => {
    const child = await fakeMember('n1');
    const dataDir = join(dir!, 'n1');
    const procs = processesFromPids(new Map([['n1', child.pid!]]), [n1]);
    const injector = new LocalProcessInjector(procs);
    await injector.kill(n1);
    writeFileSync(join(dataDir, 'fail-once'), '');
    await injector.restart(n1, { ready: async () => upAs(dataDir, await procs[0]!.pid()), deadlineMs: 15_000 });
    expect(existsSync(join(dataDir, 'fail-once'))).toBe(false);
    expect(upAs(dataDir, await procs[0]!.pid())).toBe(true);
  });

  it('gives up at its deadline naming why the member would not start', async () => {
    const child = await fakeMember('n1');
    const dataDir = join(dir!, 'n1');
    const procs = processesFromPids(new Map([['n1', child.pid!]]), [n1]);
    const injector = new LocalProcessInjector(procs);
    await injector.kill(n1);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'fail'), '');
    // Long enough for a loaded machine to start node and see it die at least once.
    const err = await injector.restart(n1, { ready: async () => upAs(dataDir, await procs[0]!.pid()), deadlineMs: 6_000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/member n1 did not start again within 6s \(\d+ attempts\): it exited \(3\): FakeError: disk on fire/);
  });

  it('answers an interrupted restart as the interruption, not as a member that would not start', async () => {
    // drill-chaos.long: Ctrl-C during a kill fault printed "member n2 did not start again within 30s (0 attempts): it was never started".
    const child = await fakeMember('n1');
    const injector = new LocalProcessInjector(processesFromPids(new Map([['n1', child.pid!]]), [n1]));
    await injector.kill(n1);
    const interrupt = new AbortController();
    interrupt.abort(new Error('interrupted by SIGINT'));
    await expect(injector.restart(n1, { deadlineMs: 30_000, signal: interrupt.signal })).rejects.toThrow(/^interrupted by SIGINT$/);
  });

  it('never signals a pid that no longer runs the member', async () => {
    const child = await fakeMember('n1');
    const injector = new LocalProcessInjector(processesFromPids(new Map([['n1', child.pid!]]), [n1]));
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
    await expect(injector.kill(n1)).rejects.toThrow(/not running/);
  });

  it('resumes every paused member on restoreAll', async () => {
    const child = await fakeMember('n1');
    const injector = new LocalProcessInjector(processesFromPids(new Map([['n1', child.pid!]]), [n1]));
    await injector.pause(n1, 60_000);
    await injector.restoreAll();
    expect(state(child.pid!)).not.toBe('T');
  });
});
