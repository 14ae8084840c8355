/**
 * Whether a process still runs, judged by the kernel's word on the pid — never by its command
 * line, which empties as soon as an exiting process has released its memory, while it still
 * holds its files, sockets and its member's storage LOCK.
 */
import { readFileSync } from 'node:fs';

/**
 * What became of a pid: `running` (any live state, stopped included), `zombie` (it has exited
 * and released everything; its parent has yet to reap it) or `gone`.
 */
export type ProcessState = 'running' | 'zombie' | 'gone';

/** The state of `pid`: /proc/<pid>/stat on Linux, else whether a signal 0 reaches it. */
export function processState(pid: number): ProcessState {
  const letter = procStateLetter(pid);
  if (letter !== undefined) return letter === 'Z' || letter === 'X' ? 'zombie' : 'running';
  try {
    process.kill(pid, 0);
    return 'running';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'running' : 'gone';
  }
}

/** Whether `pid` is stopped (SIGSTOP took effect); undefined where /proc cannot tell. */
export function isStopped(pid: number): boolean | undefined {
  const letter = procStateLetter(pid);
  return letter === undefined ? undefined : letter === 'T' || letter === 't';
}

/** The state letter of /proc/<pid>/stat, or undefined without /proc (or without the process). */
function procStateLetter(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // `pid (comm) S …`: comm may hold spaces and parentheses, so look after the last `)`.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || undefined;
}
