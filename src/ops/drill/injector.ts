/**
 * How a drill injects faults. One interface, two ways: signals to the members' processes on
 * this machine (local-injector.ts), or the Drills admin API of members started with
 * `--enable-drills` (remote-injector.ts). The engine only asks `can()` and calls the methods.
 */
import { CliError, EXIT } from '../../common/errors.js';
import type { MemberRef } from './steady-state.js';

/** The faults (and the one repair) an injector may be able to do. */
export type FaultAction = 'kill' | 'pause' | 'partition' | 'delay' | 'clock' | 'disk-stall' | 'stop' | 'restart';

/** The faults made inside a member through the Drills API (partitions and delays in its transport, clock and disk in its ports). */
export const IN_MEMBER_ACTIONS: readonly FaultAction[] = ['partition', 'delay', 'clock', 'disk-stall'];

/** One direction of an emulated WAN link: what a member sends to `peer` waits `delayMs` (+ up to `jitterMs`), and `loss` of it is dropped. */
export interface PeerLinkDelay {
  readonly peer: string;
  readonly delayMs: number;
  readonly jitterMs: number;
  readonly loss: number;
}

/** How a restart knows it is done, and how long it may keep trying. */
export interface RestartOptions {
  /** Whether the member is up (e.g. it answers a status call); without it, its process running is enough. */
  readonly ready?: () => Promise<boolean>;
  /** How long to keep trying, every start-up included (a member that dies starting up is started again). */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Injects faults into members. Invariants: a pause and a partition end by themselves after
 * their duration even if the drill dies; `restoreAll()` undoes every fault still in force.
 */
export interface FaultInjector {
  /** How faults are injected, for the report (`local`, `admin-api`, `local+admin-api`). */
  readonly kind: string;
  can(action: FaultAction): boolean;
  /**
   * Kills the member's process at once (SIGKILL); resolves once it has exited (gone, or a zombie
   * its parent has yet to reap: either way it holds no file, socket or lock any more) — or, for
   * the admin API, once the member has answered that it is exiting. The drill times the fault from then.
   */
  kill(member: MemberRef): Promise<void>;
  /** Freezes the member for at most `ms` (SIGSTOP, or a freeze through the API); resolves once it is frozen. */
  pause(member: MemberRef, ms: number): Promise<void>;
  /** Ends a pause (SIGCONT); resolves once the member runs again. */
  resume(member: MemberRef): Promise<void>;
  /** Drops the member's peer traffic to and from `peers`, both ways, for at most `ms`. */
  partition(member: MemberRef, peers: readonly string[], ms: number): Promise<void>;
  /** Delays what the member sends to each peer in `links`, for at most `ms` (`heal` ends it sooner); replaces earlier delays. */
  delay(member: MemberRef, links: readonly PeerLinkDelay[], ms: number): Promise<void>;
  /** Runs the member's wall clock `offsetMs` ahead (behind when negative) for at most `ms` (`heal` ends it sooner). */
  skewClock(member: MemberRef, offsetMs: number, ms: number): Promise<void>;
  /** Holds the member's log syncs for at most `ms` (`heal` ends it sooner): it cannot make entries durable meanwhile. */
  stallDisk(member: MemberRef, ms: number): Promise<void>;
  /** Ends a partition, a delay, a clock skew or a disk stall now. */
  heal(member: MemberRef): Promise<void>;
  /** Stops the member gracefully (SIGTERM: a leader hands off first); resolves once it has exited. */
  stop(member: MemberRef, timeoutMs: number): Promise<void>;
  /**
   * Starts a killed or stopped member again (nothing to do if it runs) and, where the injector
   * can, waits until it is ready, starting it again if it dies on the way; throws, naming why the
   * member would not start, when it is not ready by the deadline.
   */
  restart(member: MemberRef, opts?: RestartOptions): Promise<void>;
  /** The command line the member's process runs now (local processes only); undefined when it is not running. */
  commandLine?(member: MemberRef): Promise<readonly string[] | undefined>;
  /** Undoes whatever is still in force (resumes, heals). Best effort: never throws. */
  restoreAll(): Promise<void>;
  /**
   * Checks, before any fault, that `actions` will work on `members` (the processes are there,
   * the API answers and allows drills); throws the reason otherwise.
   */
  prepare(members: readonly MemberRef[], actions: readonly FaultAction[]): Promise<void>;
}

/** The error for a fault an injector cannot do, with what would make it possible. */
export function unsupported(kind: string, action: FaultAction, how: string): CliError {
  return new CliError(`the ${kind} fault injector cannot ${action} a member`, { exitCode: EXIT.usage, code: 'DRILL_UNSUPPORTED', hint: how });
}

/**
 * An injector that signals processes itself and leaves network faults to `network` (the
 * Drills API: a partition happens inside the member's transport).
 */
export function combineInjectors(processes: FaultInjector, network: FaultInjector | undefined): FaultInjector {
  if (network === undefined) return processes;
  return {
    kind: `${processes.kind}+${network.kind}`,
    can: (action) => (IN_MEMBER_ACTIONS.includes(action) ? network.can(action) : processes.can(action)),
    kill: (m) => processes.kill(m),
    pause: (m, ms) => processes.pause(m, ms),
    resume: (m) => processes.resume(m),
    partition: (m, peers, ms) => network.partition(m, peers, ms),
    delay: (m, links, ms) => network.delay(m, links, ms),
    skewClock: (m, offsetMs, ms) => network.skewClock(m, offsetMs, ms),
    stallDisk: (m, ms) => network.stallDisk(m, ms),
    heal: (m) => network.heal(m),
    stop: (m, t) => processes.stop(m, t),
    restart: (m, opts) => processes.restart(m, opts),
    ...(processes.commandLine ? { commandLine: (m: MemberRef) => processes.commandLine!(m) } : {}),
    restoreAll: async () => {
      await Promise.all([processes.restoreAll(), network.restoreAll()]);
    },
    prepare: async (members, actions) => {
      const inNetwork = (a: FaultAction) => IN_MEMBER_ACTIONS.includes(a);
      await processes.prepare(members, actions.filter((a) => !inNetwork(a)));
      await network.prepare(members, actions.filter(inNetwork));
    },
  };
}
