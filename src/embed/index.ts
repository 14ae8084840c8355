/**
 * `fleet/embed`: a coordinator member inside the host's own process: the same member as
 * `fleet node start` (Raft, storage, the fleet.v1 API on its port, metrics if asked), started
 * and stopped by the host. The host stays in charge: nothing here exits the process or installs
 * a signal handler; a storage failure stops the member and is reported as a `fatal` event;
 * `stop()` leaves no handle open. A member alone works (solo); the same program grows to three
 * or five members with `fleet members add` and `fleet node start --join`, or by starting each with
 * the same `peers`.
 *
 * This release hosts fleet's own registry as the replicated state; an application's own state
 * machine (apply / snapshot / restore) is the next step (docs/embedding.md).
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FleetClient } from '../client/fleet-client.js';
import { FleetClientError } from '../client/errors.js';
import { parseEndpoints } from '../common/addresses.js';
import { createLogger, startCoordinator, type CoordinatorOptions, type RunningCoordinator } from '../core/server/coordinator.js';

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
}

/** What a running embedded member reports and offers. */
export interface EmbeddedMember extends EventEmitter {
  readonly id: string;
  /** The port it serves on (the one given, or the one the OS chose for port 0). */
  readonly port: number;
  /** A client of this member's cluster through this member (closed by `stop()`). */
  client(): FleetClient;
  /** Stops the member (a leader hands off first); resolves once nothing of it is left running. */
  stop(): Promise<void>;
}

/** The events: `fatal` (a storage failure stopped the member; the host decides what follows). */
export type MemberEvent = 'fatal';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Starts a member in this process; rejects with a FleetClientError (code BAD_MEMBER_OPTIONS, or the start's failure) and leaves nothing running. */
export async function startMember(opts: MemberOptions): Promise<EmbeddedMember> {
  const plan = planMember(opts);
  const events = new EventEmitter();
  let running: RunningCoordinator;
  try {
    running = await startCoordinator({ ...plan, onFatal: (err) => events.emit('fatal', err) }, createLogger(plan, { stderr: false }));
  } catch (err) {
    throw new FleetClientError('unavailable', `member ${opts.id} did not start: ${(err as Error).message}`, { cause: err });
  }
  const clients: FleetClient[] = [];
  const token = opts.tokens?.admin ?? opts.tokens?.client;
  return Object.assign(events, {
    id: opts.id,
    port: running.port,
    client(): FleetClient {
      const c = new FleetClient({ endpoints: [opts.listen], ...(token === undefined ? {} : { token }) });
      clients.push(c);
      return c;
    },
    async stop(): Promise<void> {
      for (const c of clients.splice(0)) c.close();
      await running.stop();
    },
  });
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
  const peers = new Map(Object.entries(opts.peers ?? { [opts.id]: opts.listen }));
  if (peers.get(opts.id) === undefined) throw bad(`peers must name this member (${opts.id}) too`);
  const dataDir = resolve(opts.dataDir);
  const fresh = !existsSync(dataDir) || readdirSync(dataDir).filter((n) => n !== 'logs').length === 0;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const metrics = opts.metricsListen === undefined ? undefined : parseEndpoints(opts.metricsListen)[0]!;
  const [host, port] = metrics === undefined ? [] : [metrics.slice(0, metrics.lastIndexOf(':')), Number(metrics.slice(metrics.lastIndexOf(':') + 1))];
  return {
    id: opts.id,
    clusterName: opts.clusterName ?? 'fleet',
    dataDir,
    listen: opts.listen,
    founders: peers,
    initialClusterState: fresh ? 'new' : 'existing',
    ...(host === undefined ? {} : { metricsListen: { host, port: port! } }),
    heartbeatMs: opts.heartbeatMs ?? 100,
    electionTimeoutMs: opts.electionTimeoutMs ?? 500,
    snapshotEvery: 10_000,
    token: opts.tokens?.client,
    adminToken: opts.tokens?.admin,
    tls: opts.tls,
    peerSecret: opts.peerSecret === undefined ? undefined : Buffer.from(opts.peerSecret),
    maxSnapshotBytes: 1 << 30,
    enableDrills: false,
    unsafeAckBeforeCommit: false,
    version: 'embedded',
  };
}
