import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalProcessInjector } from '../../../src/ops/drill/local-injector.js';
import { parsePids, processesFromPids } from '../../../src/ops/drill/member-processes.js';

/**
 * Processes whose command line is a member's (`… node start --id ID --data-dir DIR --listen
 * ADDR`) but that only wait: the injector's signals and re-launches are tested on them.
 */
const SCRIPT = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000); process.send?.('ready');";
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
