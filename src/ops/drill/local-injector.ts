/**
 * Faults by signal, for members running on this machine. A pid is signalled only right after
 * its command line has shown it is *that* member's `fleet node start` (pids are reused by the
 * kernel; a stale pid must never make a drill kill someone else's program) — the same rule as
 * the local-cluster commands (local-cluster/pids.ts). Whether a signalled process has exited is
 * the kernel's word on the pid (process-state.ts), not its command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CliError, EXIT } from '../../common/errors.js';
import { commandLineOf } from '../local-cluster/pids.js';
import { pause } from './clock.js';
import { IN_MEMBER_ACTIONS, unsupported, type FaultAction, type FaultInjector, type RestartOptions } from './injector.js';
import { isStopped, processState, type ProcessState } from './process-state.js';
import type { MemberRef } from './steady-state.js';

/** A member's process just started by the injector. */
export interface LaunchedProcess {
  readonly pid: number;
  /** Why it exited (`it exited (1): StorageLockedError: …`), once it has; undefined while it runs. */
  exited(): string | undefined;
}

/** One member's process as the local injector knows it. */
export interface MemberProcess {
  readonly id: string;
  /** The member's live pid (validated), or undefined when it is not running. */
  pid(): Promise<number | undefined>;
  /** Whether `pid` is this member's process right now. */
  owns(pid: number): boolean;
  /** Starts the member again, detached. */
  launch(): Promise<LaunchedProcess>;
  /** The files its logs and output are in now (kept beside a drill's history: why it died, what it did). */
  logFiles?(): string[];
}

/** What the local injector can be given besides the processes. */
export interface LocalInjectorOptions {
  /** How a pid's state is read (default: the kernel's, process-state.ts); tests stand in for it. */
  readonly processState?: (pid: number) => ProcessState;
}

/** How long a process gets to exit after SIGKILL, to stop after SIGSTOP, or to show up after a launch. */
const PROCESS_DEADLINE_MS = 10_000;
/** How long a restart keeps trying when it is given no deadline. */
const RESTART_DEADLINE_MS = 30_000;
/** How often a restart asks whether the member is ready. */
const READY_EVERY_MS = 50;
/** Back-off before starting a member that died starting up: doubling from the first, up to the cap. */
const RELAUNCH_FIRST_MS = 250;
const RELAUNCH_MAX_MS = 2_000;

/** Polls `cond` every `everyMs` until it holds or `ms` pass; answers whether it held. */
async function within(ms: number, cond: () => boolean, everyMs = 5): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() >= deadline) return false;
    await pause(everyMs);
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
  readonly #state: (pid: number) => ProcessState;

  constructor(processes: readonly MemberProcess[], opts: LocalInjectorOptions = {}) {
    this.#procs = new Map(processes.map((p) => [p.id, p]));
    this.#state = opts.processState ?? processState;
  }

  async commandLine(member: MemberRef): Promise<readonly string[] | undefined> {
    const pid = await this.#proc(member.id).pid();
    return pid === undefined ? undefined : commandLineOf(pid);
  }

  /** Each member's log files, by member id. */
  memberLogs(): Map<string, string[]> {
    return new Map([...this.#procs].map(([id, p]) => [id, p.logFiles?.() ?? []]));
  }

  can(action: FaultAction): boolean {
    return !IN_MEMBER_ACTIONS.includes(action);
  }

  async kill(member: MemberRef): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGKILL');
    if (!(await within(PROCESS_DEADLINE_MS, () => this.#exited(pid)))) throw new CliError(`member ${member.id} (pid ${pid}) is still running ${PROCESS_DEADLINE_MS / 1000}s after SIGKILL`);
  }

  async pause(member: MemberRef, ms: number): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGSTOP');
    this.#paused.set(member.id, { pid, watchdog: resumeWatchdog(pid, ms) });
    // The drill times the fault from here: it must have taken effect (where /proc cannot tell, the signal is trusted).
    if (!(await within(PROCESS_DEADLINE_MS, () => isStopped(pid) !== false || this.#exited(pid), 1))) throw new CliError(`member ${member.id} (pid ${pid}) did not stop ${PROCESS_DEADLINE_MS / 1000}s after SIGSTOP`);
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

  async delay(): Promise<void> {
    throw unsupported(this.kind, 'delay', 'link delays go through the Drills API: start the members with --enable-drills and use the admin token');
  }

  async skewClock(): Promise<void> {
    throw unsupported(this.kind, 'clock', 'clock skews go through the Drills API: start the members with --enable-drills and use the admin token');
  }

  async stallDisk(): Promise<void> {
    throw unsupported(this.kind, 'disk-stall', 'disk stalls go through the Drills API: start the members with --enable-drills and use the admin token');
  }

  async heal(): Promise<void> {}

  async stop(member: MemberRef, timeoutMs: number): Promise<void> {
    const { proc, pid } = await this.#running(member);
    signalMember(proc, pid, 'SIGTERM');
    if (await within(timeoutMs, () => this.#exited(pid), 10)) return;
    // It did not stop in time: the drill still needs it gone before restarting it.
    if (proc.owns(pid)) process.kill(pid, 'SIGKILL');
    if (!(await within(PROCESS_DEADLINE_MS, () => this.#exited(pid)))) throw new CliError(`member ${member.id} (pid ${pid}) is still running after SIGTERM and SIGKILL`);
  }

  /**
   * Starts the member unless it runs, then waits until `ready`; a start that dies on the way
   * (a port or a LOCK not yet released, a crash) is followed by another after a back-off, until
   * the deadline. The error names the last reason a start died of (else what the member was
   * doing at the deadline).
   */
  async restart(member: MemberRef, opts: RestartOptions = {}): Promise<void> {
    const proc = this.#proc(member.id);
    const deadlineMs = opts.deadlineMs ?? RESTART_DEADLINE_MS;
    const deadline = Date.now() + deadlineMs;
    const ready = opts.ready ?? (async () => (await proc.pid()) !== undefined);
    let launched: LaunchedProcess | undefined;
    let attempts = 0;
    let died: string | undefined;
    let state: string | undefined;
    for (;;) {
      const pid = await proc.pid();
      if (pid !== undefined) {
        if (await ready().catch(() => false)) return;
        state = `it runs (pid ${pid}) but was not ready`;
      } else if (launched === undefined || (await this.#died(launched))) {
        if (launched !== undefined) {
          died = launched.exited() ?? `pid ${launched.pid} exited`;
          await pause(Math.min(RELAUNCH_MAX_MS, RELAUNCH_FIRST_MS * 2 ** (attempts - 1), deadline - Date.now()), opts.signal);
        }
        if (Date.now() >= deadline || opts.signal?.aborted) break;
        attempts++;
        launched = await proc.launch();
        continue;
      } else {
        state = `it did not show up as member ${member.id} (pid ${launched.pid})`;
      }
      if (Date.now() >= deadline || opts.signal?.aborted) break;
      await pause(Math.min(READY_EVERY_MS, deadline - Date.now()), opts.signal);
    }
    // Ctrl-C, not a member that would not start: the drill says it was interrupted (engine.ts) and heals.
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new CliError('interrupted');
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    throw new CliError(`member ${member.id} did not start again within ${deadlineMs / 1000}s (${tries}): ${died ?? state ?? 'it was never started'}`, { hint: 'see the member\'s log; start it yourself (fleet up for a local cluster), then check fleet status' });
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

  #exited(pid: number): boolean {
    return this.#state(pid) !== 'running';
  }

  /** Whether a process the injector launched has died; its exit is reported a moment after it is reaped, so that moment is waited for. */
  async #died(launched: LaunchedProcess): Promise<boolean> {
    if (launched.exited() !== undefined) return true;
    if (!this.#exited(launched.pid)) return false;
    await within(200, () => launched.exited() !== undefined);
    return true;
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
