/**
 * Pid files of detached members, and the check that makes them safe to act on: a pid is only
 * ever signalled after its command line shows it is *our* member (`node start --id <id>
 * --data-dir <dir>`). Pids are reused by the kernel; a stale pid file must never make fleet
 * kill someone else's program.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** What identifies a member's process: its id and data dir, as passed to `node start`. */
export interface MemberIdentity {
  readonly id: string;
  readonly dataDir: string;
}

/** Writes a pid file (mode 0600), replacing any old one. */
export async function writePidFile(file: string, pid: number): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(`${pid}\n`, 'utf8');
  } finally {
    await handle.close();
  }
}

/** The pid in a pid file, or undefined when it is missing or does not hold a pid. */
export async function readPidFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  // A lock file holds `<pid> <time> <nonce>`; a pid file just the pid.
  const pid = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Removes a pid file if present. */
export async function removePidFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * A process's argv, or undefined when it does not exist (or is a zombie, whose cmdline is
 * empty). Linux reads /proc; elsewhere `ps` is asked, which cannot separate arguments that
 * contain spaces, so there the answer is split on spaces (best effort).
 */
export function commandLineOf(pid: number): string[] | undefined {
  if (existsSync('/proc/self/cmdline')) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const argv = raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
      return argv.length > 0 ? argv : undefined;
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out ? out.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `argv` is this member's: `… node start … --id <id> … --data-dir <dir> …` for fleet's
 * members, `…/etcd … --name <id> … --data-dir <dir> …` for a local etcd cluster's.
 */
export function isMemberCommandLine(argv: readonly string[], member: MemberIdentity): boolean {
  if (basename(argv[0] ?? '') === 'etcd') return flagAfter(argv, 0, '--name') === member.id && flagAfter(argv, 0, '--data-dir') === member.dataDir;
  const start = argv.findIndex((a, i) => a === 'node' && argv[i + 1] === 'start');
  return start >= 0 && flagAfter(argv, start, '--id') === member.id && flagAfter(argv, start, '--data-dir') === member.dataDir;
}

function flagAfter(argv: readonly string[], from: number, name: string): string | undefined {
  const i = argv.indexOf(name, from);
  return i < 0 ? undefined : argv[i + 1];
}

/** Whether `pid` is alive and is this member's process. */
export function isMemberProcess(pid: number, member: MemberIdentity): boolean {
  const argv = commandLineOf(pid);
  return argv !== undefined && isMemberCommandLine(argv, member);
}

/**
 * The member's pid, only if that process is alive and is the member; else undefined. The pid
 * file is asked first; the storage's lock file (`<data-dir>/raft/LOCK`, which starts with the
 * holder's pid) covers a pid file lost to a crash between spawn and write. Both are validated.
 */
export async function memberPid(pidFile: string, member: MemberIdentity): Promise<number | undefined> {
  for (const file of [pidFile, join(member.dataDir, 'raft', 'LOCK')]) {
    const pid = await readPidFile(file);
    if (pid !== undefined && isMemberProcess(pid, member)) return pid;
  }
  return undefined;
}

/**
 * Signals `pid` only if it is still this member's process (checked immediately before, which
 * narrows the pid-reuse window to microseconds). Answers whether the signal was sent.
 */
export function signalMember(pid: number, member: MemberIdentity, signal: NodeJS.Signals): boolean {
  if (!isMemberProcess(pid, member)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
