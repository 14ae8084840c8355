/**
 * `fleet/embed`: a coordinator member inside the host's own process: the same member as
 * `fleet node start` (Raft, storage, the fleet.v1 API on its port, metrics if asked), started
 * and stopped by the host. The host stays in charge: nothing here exits the process or installs
 * a signal handler; a storage failure stops the member and is reported as a `fatal` event;
 * `stop()` leaves no handle open. A member alone works (solo); the same program grows to three
 * or five members with `fleet members add` and `fleet node start --join`, or by starting each with
 * the same `peers`.
 *
 * An application replicates its own state by passing a `stateMachine` (apply / snapshot /
 * restore): `submitWrite` on any member applies a command on every member, in one log with the
 * registry, and `read` queries it at the consistency asked for (docs/embedding.md).
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FleetClient } from '../client/fleet-client.js';
import { FleetClientError } from '../client/errors.js';
import { parseEndpoints } from '../common/addresses.js';
import { createLogger, startCoordinator, type CoordinatorOptions, type RunningCoordinator } from '../core/server/coordinator.js';
import { defaultInitialClusterState } from '../core/server/founding.js';
import type { AppFault, StateMachine } from '../core/node/app-machine.js';
import { NodeError, type MemberStatus, type ReadConsistency } from '../core/node/api.js';

export type { AppCommand, AppFault, AppliedAt, StateMachine } from '../core/node/app-machine.js';
export type { MemberStatus } from '../core/node/api.js';

/** How to start an embedded member. */
export interface MemberOptions {
  /** This member's id (letters, digits and `-_.`, as `fleet node start --id`). */
  readonly id: string;
  /** Where its Raft log and snapshots live: its own directory, empty for a new member. */
  readonly dataDir: string;
  /** `host:port` it serves the fleet.v1 API and its peers on. */
  readonly listen: string;
  /** The founding members, id → `host:port`, this one included (default: this member alone). */
  readonly peers?: Readonly<Record<string, string>>;
  readonly clusterName?: string;
  /** Bearer tokens clients must present (client and admin); absent: none required (loopback only). */
  readonly tokens?: { readonly client?: string; readonly admin?: string };
  /** The secret members sign their peer streams with (required beyond loopback unless TLS is mutual). */
  readonly peerSecret?: string;
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  readonly heartbeatMs?: number;
  readonly electionTimeoutMs?: number;
  /** `host:port` to serve Prometheus metrics on (default: none). */
  readonly metricsListen?: string;
  /** The application's own state machine, replicated on every member (each member of the cluster must be given one). */
  readonly stateMachine?: StateMachine;
  /** Compare the application's state hash across members every this many log entries (default 1,000; 0: never). */
  readonly checkEvery?: number;
  /** Take a snapshot (and compact the log) every this many applied entries (default 10,000). */
  readonly snapshotEvery?: number;
}

/** How fresh a `read` must be: `linearizable` (the default), `local` (this member's state now), or at least a given index. */
export type ReadOption = 'linearizable' | 'local' | { readonly minIndex: number };

/** What a running embedded member reports and offers. */
export interface EmbeddedMember extends EventEmitter {
  readonly id: string;
  /** The port it serves on (the one given, or the one the OS chose for port 0). */
  readonly port: number;
  /** A client of this member's cluster through this member (closed by `stop()`). */
  client(): FleetClient;
  /**
   * Replicates one command for the application's state machine and resolves once this member's
   * copy of the cluster applied it on the leader: with the apply's answer (as JSON would carry it)
   * and its index. On a follower it is forwarded to the leader. A lost answer after it may have
   * been proposed rejects with code OUTCOME_UNKNOWN (it may have applied).
   */
  submitWrite(op: string, payload: Uint8Array | string): Promise<{ value: unknown; index: number }>;
  /** Runs `query` against this member's copy of the application's state once `consistency` holds. */
  read<T>(query: (machine: StateMachine) => T, opts?: { readonly consistency?: ReadOption }): Promise<{ value: T; index: number }>;
  /** What this member reports (as `fleet status` shows it). */
  status(): MemberStatus;
  /** Stops the member (a leader hands off first); resolves once nothing of it is left running. */
  stop(): Promise<void>;
}

/**
 * The events: `fatal` (the member stopped: a storage failure, or the application's apply threw;
 * the host decides what follows) and `fault` (an AppFault: the application's state diverged from
 * the leader's at an index, so this member serves no reads of it, or its apply threw).
 */
export type MemberEvent = 'fatal' | 'fault';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Starts a member in this process; rejects with a FleetClientError (code BAD_MEMBER_OPTIONS, or the start's failure) and leaves nothing running. */
export async function startMember(opts: MemberOptions): Promise<EmbeddedMember> {
  const plan = planMember(opts);
  const events = new EventEmitter();
  let running: RunningCoordinator;
  try {
    running = await startCoordinator(
      { ...plan, onFatal: (err) => events.emit('fatal', err), onAppFault: (fault: AppFault) => events.emit('fault', fault) },
      createLogger(plan, { stderr: false }),
    );
  } catch (err) {
    throw new FleetClientError('unavailable', `member ${opts.id} did not start: ${(err as Error).message}`, { cause: err });
  }
  const clients: FleetClient[] = [];
  const token = opts.tokens?.admin ?? opts.tokens?.client;
  const forward = new Forwarder(running, token);
  const node = running.node;
  return Object.assign(events, {
    id: opts.id,
    port: running.port,
    client(): FleetClient {
      const c = new FleetClient({ endpoints: [opts.listen], ...(token === undefined ? {} : { token }) });
      clients.push(c);
      return c;
    },
    async submitWrite(op: string, payload: Uint8Array | string): Promise<{ value: unknown; index: number }> {
      if (typeof op !== 'string' || op === '') throw bad('submitWrite: op must be a non-empty string');
      const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
      try {
        const { value, index } = await node.submit(op, bytes);
        // As a forwarded write's answer is: the same answer whichever member the host asked.
        return { value: JSON.parse(JSON.stringify(value ?? null)) as unknown, index };
      } catch (err) {
        if (err instanceof NodeError && err.code === 'NOT_LEADER' && err.leaderAddress !== '') return forward.submit(op, bytes, err);
        throw fromNode(err, true);
      }
    },
    async read<T>(query: (machine: StateMachine) => T, ro: { readonly consistency?: ReadOption } = {}): Promise<{ value: T; index: number }> {
      return node.readApp(consistencyOf(ro.consistency ?? 'linearizable'), query).catch((err: unknown) => {
        throw fromNode(err);
      });
    },
    status(): MemberStatus {
      return node.status();
    },
    async stop(): Promise<void> {
      for (const c of clients.splice(0)) c.close();
      forward.close();
      await running.stop();
    },
  });
}

function consistencyOf(c: ReadOption): ReadConsistency {
  if (c === 'linearizable') return { mode: 'linearizable' };
  if (c === 'local') return { mode: 'max-staleness', ms: Number.MAX_SAFE_INTEGER };
  if (typeof c === 'object' && c !== null && Number.isSafeInteger(c.minIndex) && c.minIndex >= 0) return { mode: 'min-index', index: c.minIndex };
  throw bad(`read: consistency ${JSON.stringify(c)}: use 'linearizable', 'local' or { minIndex: n }`);
}

/** A node's refusal as the library's typed error. */
function fromNode(err: unknown, write = false): unknown {
  if (!(err instanceof NodeError)) return err;
  const kind = err.code === 'TIMEOUT' ? 'timeout' : err.code === 'FAILED_PRECONDITION' ? 'precondition' : err.code === 'OUT_OF_SPACE' ? 'exhausted' : err.code === 'INVALID_ARGUMENT' ? 'invalid' : err.code === 'NOT_FOUND' ? 'not-found' : err.code === 'PERMISSION_DENIED' ? 'permission-denied' : 'unavailable';
  return new FleetClientError(kind, err.message, { cause: err, leaderId: err.leaderId, leaderAddress: err.leaderAddress, notLeader: err.code === 'NOT_LEADER', ...(write && err.code === 'TIMEOUT' ? { code: 'OUTCOME_UNKNOWN' as const } : {}) });
}

/** How long a leader that could not be reached is not tried again: forwarded writes fail fast meanwhile. */
const BREAKER_OPEN_MS = 1_000;

/**
 * Forwards a follower's submitWrite to the leader over the Submit RPC, with a circuit breaker:
 * once the leader could not be reached, writes fail at once (UNAVAILABLE, naming the leader) for
 * a second instead of each waiting out a timeout.
 */
class Forwarder {
  private client: FleetClient | undefined;
  private clientFor = '';
  private openUntil = 0;
  private openFor = '';

  constructor(
    private readonly running: RunningCoordinator,
    private readonly token: string | undefined,
  ) {}

  async submit(op: string, payload: Uint8Array, hint: NodeError): Promise<{ value: unknown; index: number }> {
    const leader = `${hint.leaderId} at ${hint.leaderAddress}`;
    if (this.openFor === hint.leaderAddress && Date.now() < this.openUntil) {
      throw new FleetClientError('unavailable', `the leader ${leader} could not be reached from ${this.running.node.id} just now; retry`, { leaderId: hint.leaderId, leaderAddress: hint.leaderAddress, notLeader: true });
    }
    try {
      return await this.clientOf(hint.leaderAddress).submit(op, payload);
    } catch (err) {
      if (err instanceof FleetClientError && err.kind === 'unavailable' && !err.notLeader) {
        this.openFor = hint.leaderAddress;
        this.openUntil = Date.now() + BREAKER_OPEN_MS;
      }
      throw err;
    }
  }

  private clientOf(leaderAddress: string): FleetClient {
    // Every member the cluster has: the client follows the leader if it moves meanwhile.
    const members = this.running.node.status().members.map((m) => m.address).filter((a) => a !== '');
    const key = [leaderAddress, ...members].join(',');
    if (this.client === undefined || this.clientFor !== key) {
      this.client?.close();
      this.client = new FleetClient({ endpoints: [...new Set([leaderAddress, ...members])], overallTimeoutMs: 5_000, ...(this.token === undefined ? {} : { token: this.token }) });
      this.clientFor = key;
    }
    return this.client;
  }

  close(): void {
    this.client?.close();
  }
}

function bad(message: string): FleetClientError {
  return new FleetClientError('invalid', message, { code: 'BAD_MEMBER_OPTIONS' });
}

function planMember(opts: MemberOptions): CoordinatorOptions {
  if (!ID.test(opts.id ?? '')) throw bad(`id ${JSON.stringify(opts.id)}: use 1-63 letters, digits and -_. starting with a letter or digit`);
  if (typeof opts.dataDir !== 'string' || opts.dataDir === '') throw bad('dataDir is required');
  try {
    parseEndpoints(opts.listen);
  } catch (err) {
    throw bad(`listen: ${(err as Error).message}`);
  }
  const sm = opts.stateMachine;
  if (sm !== undefined && (typeof sm !== 'object' || sm === null || !['apply', 'snapshot', 'restore'].every((m) => typeof (sm as unknown as Record<string, unknown>)[m] === 'function'))) {
    throw bad('stateMachine must have apply(command, at), snapshot() and restore(image) methods');
  }
  if (opts.snapshotEvery !== undefined && !(Number.isSafeInteger(opts.snapshotEvery) && opts.snapshotEvery >= 1)) throw bad(`snapshotEvery ${String(opts.snapshotEvery)}: use a whole number of entries, at least 1`);
  if (opts.checkEvery !== undefined && !(Number.isSafeInteger(opts.checkEvery) && opts.checkEvery >= 0)) throw bad(`checkEvery ${String(opts.checkEvery)}: use a whole number of entries (0: never)`);
  const peers = new Map(Object.entries(opts.peers ?? { [opts.id]: opts.listen }));
  if (peers.get(opts.id) === undefined) throw bad(`peers must name this member (${opts.id}) too`);
  const dataDir = resolve(opts.dataDir);
  // A data dir that does not exist yet is this member's first start (the application names it).
  const initialClusterState = existsSync(dataDir) ? defaultInitialClusterState(dataDir) : 'new';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const metrics = opts.metricsListen === undefined ? undefined : parseEndpoints(opts.metricsListen)[0]!;
  const [host, port] = metrics === undefined ? [] : [metrics.slice(0, metrics.lastIndexOf(':')), Number(metrics.slice(metrics.lastIndexOf(':') + 1))];
  return {
    id: opts.id,
    clusterName: opts.clusterName ?? 'fleet',
    dataDir,
    listen: opts.listen,
    founders: peers,
    initialClusterState,
    ...(host === undefined ? {} : { metricsListen: { host, port: port! } }),
    heartbeatMs: opts.heartbeatMs ?? 100,
    electionTimeoutMs: opts.electionTimeoutMs ?? 500,
    snapshotEvery: opts.snapshotEvery ?? 10_000,
    token: opts.tokens?.client,
    adminToken: opts.tokens?.admin,
    tls: opts.tls,
    peerSecret: opts.peerSecret === undefined ? undefined : Buffer.from(opts.peerSecret),
    maxSnapshotBytes: 1 << 30,
    ...(opts.stateMachine === undefined ? {} : { app: opts.stateMachine }),
    ...(opts.checkEvery === undefined ? {} : { appCheckEvery: opts.checkEvery }),
    enableDrills: false,
    unsafeAckBeforeCommit: false,
    version: 'embedded',
  };
}
