/**
 * Faults by signal, for members running on this machine. A pid is signalled only right after
 * its command line has shown it is *that* member's `fleet node start` (pids are reused by the
 * kernel; a stale pid must never make a drill kill someone else's program) — the same rule as
 * the local-cluster commands (local-cluster/pids.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CliError, EXIT } from '../../cli/errors.js';
import { commandLineOf } from '../local-cluster/pids.js';
import { pause } from './clock.js';
import { unsupported, type FaultAction, type FaultInjector } from './injector.js';
import type { MemberRef } from './steady-state.js';

/** One member's process as the local injector knows it. */
export interface MemberProcess {
  readonly id: string;
  /** The member's live pid (validated), or undefined when it is not running. */
  pid(): Promise<number | undefined>;
  /** Whether `pid` is this member's process right now. */
  owns(pid: number): boolean;
  /** Starts the member again, detached; answers the new pid. */
  launch(): Promise<number>;
}

/** How long a process gets to disappear after SIGKILL, or to show up after a launch. */
const PROCESS_DEADLINE_MS = 10_000;

/** Polls `cond` every 10 ms until it holds or `ms` pass; answers whether it held. */
async function within(ms: number, cond: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await pause(10);
  }
  return true;
}

/** Sends `signal` to `pid` if it is still the member's process; a refusal names what the pid is now. */
function signalMember(proc: MemberProcess, pid: number, signal: NodeJS.Signals): void {
  if (!proc.owns(pid)) {
    const now = commandLineOf(pid);
    throw new CliError(`refusing to send ${signal} to pid ${pid}: it is not member ${proc.id}'s process (${now === undefined ? 'no such process' : `it runs ${now.slice(0, 4).join(' ')}`})`, {
      exitCode: EXIT.error,
      hint: 'the member may have restarted: run the drill again, or pass its current pid',
    });
  }
  process.kill(pid, signal);
}

/**
 * A watchdog that sends SIGCONT to `pid` after `ms` even if the drill dies meanwhile, so a
 * paused member is never left stopped. Killed when the pause ends early.
 */
function resumeWatchdog(pid: number, ms: number): ChildProcess {
  const seconds = (ms / 1000).toFixed(3);
  const child = spawn('/bin/sh', ['-c', `sleep ${seconds}; kill -CONT ${pid} 2>/dev/null`], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/**
 * Faults by signal to local processes. Partitions need the member's transport and are left to
 * the Drills API (see combineInjectors). Invariant: every pause has a watchdog until resumed.
 */
export class LocalProcessInjector implements FaultInjector {
  readonly kind = 'local';
  readonly #procs: ReadonlyMap<string, MemberProcess>;
  readonly #paused = new Map<string, { pid: number; watchdog: ChildProcess }>();

  constructor(processes: readonly MemberProcess[]) {
    this.#procs = new Map(processes.map((p) => [p.id, p]));
  }

  can(action: FaultAction): boolean {
    return action !== 'partition';
  }

  async kill(member: MemberRef): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGKILL');
    if (!(await within(PROCESS_DEADLINE_MS, () => !proc.owns(pid)))) throw new CliError(`member ${member.id} (pid ${pid}) is still there after SIGKILL`);
  }

  async pause(member: MemberRef, ms: number): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGSTOP');
    this.#paused.set(member.id, { pid, watchdog: resumeWatchdog(pid, ms) });
  }

  async resume(member: MemberRef): Promise<void> {
    const paused = this.#paused.get(member.id);
    if (paused === undefined) return;
    this.#paused.delete(member.id);
    paused.watchdog.kill('SIGKILL');
    const proc = this.#proc(member.id);
    if (proc.owns(paused.pid)) process.kill(paused.pid, 'SIGCONT');
  }

  async partition(): Promise<void> {
    throw unsupported(this.kind, 'partition', 'partitions go through the Drills API: start the members with --enable-drills and use the admin token');
  }

  async heal(): Promise<void> {}

  async stop(member: MemberRef, timeoutMs: number): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGTERM');
    if (await within(timeoutMs, () => !proc.owns(pid))) return;
    // It did not stop in time: the drill still needs it gone before restarting it.
    if (proc.owns(pid)) process.kill(pid, 'SIGKILL');
    await within(PROCESS_DEADLINE_MS, () => !proc.owns(pid));
  }

  async restart(member: MemberRef): Promise<void> {
    const proc = this.#proc(member.id);
    if ((await proc.pid()) !== undefined) return;
    const pid = await proc.launch();
    if (!(await within(PROCESS_DEADLINE_MS, () => proc.owns(pid)))) throw new CliError(`member ${member.id} did not start again (pid ${pid})`, { hint: 'see its log in <data-dir>/logs' });
  }

  /** Every member must be running here now: a drill must not find out half-way that it cannot act. */
  async prepare(members: readonly MemberRef[], actions: readonly FaultAction[]): Promise<void> {
    if (actions.length === 0) return;
    for (const m of members) await this.#running(m);
  }

  async restoreAll(): Promise<void> {
    for (const id of [...this.#paused.keys()]) {
      await this.resume({ id, address: '' }).catch(() => undefined);
    }
  }

  #proc(id: string): MemberProcess {
    const proc = this.#procs.get(id);
    if (proc === undefined) throw new CliError(`no process is known for member ${id}`, { exitCode: EXIT.usage, hint: 'pass every member\'s pid with --pids ID=PID,…, or drill a local cluster (fleet init)' });
    return proc;
  }

  async #running(member: MemberRef): Promise<{ proc: MemberProcess; pid: number }> {
    const proc = this.#proc(member.id);
    const pid = await proc.pid();
    if (pid === undefined) throw new CliError(`member ${member.id} is not running here (no live process is verifiably it)`, { hint: 'fleet ps' });
    return { proc, pid };
  }
}
