/**
 * What a host passes to `startMember()`, checked and turned into the member's options before
 * anything is opened: a refusal here leaves nothing behind (BAD_MEMBER_OPTIONS, or PORT_IN_USE
 * for a port another program holds, found before grpc-js would log its own line about it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { memberAddressProblem, parseHostPort, type HostPort } from '../common/addresses.js';
import { DEFAULT_SNAPSHOT_EVERY, type AssemblyOptions, type ServedApis } from '../core/server/member/options.js';
import { defaultInitialClusterState } from '../core/server/founding.js';
import type { StateMachine } from '../core/node/state/app-machine.js';
import { badOptions, MemberError } from './errors.js';

/** An API a member can serve to other programs besides what the embedding itself needs. */
export type MemberApi = 'fleet' | 'etcd';

/** How to start an embedded member; `M` is the application's state machine, which `read` hands back. */
export interface MemberOptions<M extends StateMachine = StateMachine> {
  /** This member's id (letters, digits and `-_.`, as `fleet node start --id`). */
  readonly id: string;
  /** Where its Raft log and snapshots live: its own directory, empty for a new member. */
  readonly dataDir: string;
  /** `host:port` it serves its peers (and the APIs asked for) on; port 0 (alone only): a free port, see `port`. */
  readonly listen: string;
  /** The founding members, id → `host:port`, this one included (default: this member alone). */
  readonly peers?: Readonly<Record<string, string>>;
  readonly clusterName?: string;
  /**
   * The APIs served to other programs on `listen` (default: none): `'fleet'` (fleet.v1: `client()`,
   * the fleet CLI, health and reflection) and `'etcd'` (etcd's v3 API). Without them the port serves
   * the peers and the forwarding of the application's writes only.
   */
  readonly apis?: readonly MemberApi[];
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
  readonly stateMachine?: M;
  /** Compare the application's state hash across members every this many log entries (default 1,000; 0: never). */
  readonly checkEvery?: number;
  /**
   * The fewest applied entries between two snapshots (default 500). Then a snapshot (which
   * compacts the log) is taken once the log since the last one is as large as it, or once the
   * member has spent 20 times the last one's work on other things: a small state is imaged
   * often, so a restart replays little; a large one about as often as its log grows by its size.
   */
  readonly snapshotEvery?: number;
  /**
   * Log entries kept behind the newest snapshot, at most 4 MiB of them (default 5,000; 0: none):
   * a member that far behind, back from a restart or a partition, is sent them instead of the
   * whole state (`fleet node start --snapshot-catchup-entries`).
   */
  readonly snapshotCatchupEntries?: number;
  /**
   * grpc-js's own log lines (`'member-log'`, the default): into the member's log while members
   * run, unless the host set a grpc-js logger or GRPC_VERBOSITY/GRPC_TRACE itself. `'leave'`:
   * grpc-js's logging is not touched (docs/embedding.md, "Logs").
   */
  readonly grpcLogs?: 'member-log' | 'leave';
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const APIS: readonly MemberApi[] = ['fleet', 'etcd'];

/** The member's options for `opts` and the APIs it serves, its ports checked free; creates the data dir. */
export async function planMember(opts: MemberOptions): Promise<{ options: AssemblyOptions; apis: ServedApis }> {
  if (typeof opts !== 'object' || opts === null) throw badOptions('startMember needs an options object: { id, dataDir, listen }');
  if (!ID.test(opts.id ?? '')) throw badOptions(`id ${JSON.stringify(opts.id)}: use 1-63 letters, digits and -_. starting with a letter or digit`);
  if (typeof opts.dataDir !== 'string' || opts.dataDir === '') throw badOptions('dataDir is required');
  checkMachine(opts.stateMachine);
  checkCounts(opts);
  const apis = checkApis(opts.apis);
  const listen = await listenAddress(opts);
  const peers = new Map(Object.entries(opts.peers ?? { [opts.id]: listen }));
  if (peers.get(opts.id) === undefined) throw badOptions(`peers must name this member (${opts.id}) too`);
  for (const [id, address] of peers) {
    const problem = memberAddressProblem(address);
    if (problem !== undefined) throw badOptions(`peers.${id}: ${problem}`);
  }
  const metrics = opts.metricsListen === undefined ? undefined : await freeAddress(opts.metricsListen, 'metricsListen');
  const dataDir = resolve(opts.dataDir);
  // A data dir that does not exist yet is this member's first start (the application names it).
  const initialClusterState = existsSync(dataDir) ? defaultInitialClusterState(dataDir) : 'new';
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const options: AssemblyOptions = {
    id: opts.id,
    clusterName: opts.clusterName ?? 'fleet',
    dataDir,
    listen,
    founders: peers,
    initialClusterState,
    ...(metrics === undefined ? {} : { metricsListen: metrics }),
    heartbeatMs: opts.heartbeatMs ?? 100,
    electionTimeoutMs: opts.electionTimeoutMs ?? 500,
    snapshotEvery: opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
    snapshotCatchupEntries: opts.snapshotCatchupEntries,
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
  // fleet.v1's operator services come with its client API: `apis: ['fleet']` is what the fleet CLI needs.
  const fleet = apis.includes('fleet');
  return { options, apis: { fleet, admin: fleet, etcd: apis.includes('etcd'), offHint: "the application hosting it did not ask for it (fleet/embed's apis option)" } };
}

function checkMachine(sm: unknown): void {
  if (sm === undefined) return;
  const methods = ['apply', 'snapshot', 'restore'];
  if (typeof sm !== 'object' || sm === null || !methods.every((m) => typeof (sm as Record<string, unknown>)[m] === 'function')) {
    throw badOptions('stateMachine must have apply(command, at), snapshot() and restore(image) methods');
  }
}

function checkCounts(opts: MemberOptions): void {
  if (opts.snapshotEvery !== undefined && !(Number.isSafeInteger(opts.snapshotEvery) && opts.snapshotEvery >= 1)) throw badOptions(`snapshotEvery ${String(opts.snapshotEvery)}: use a whole number of entries, at least 1`);
  if (opts.snapshotCatchupEntries !== undefined && !(Number.isSafeInteger(opts.snapshotCatchupEntries) && opts.snapshotCatchupEntries >= 0)) throw badOptions(`snapshotCatchupEntries ${String(opts.snapshotCatchupEntries)}: use a whole number of entries, 0 or more`);
  if (opts.checkEvery !== undefined && !(Number.isSafeInteger(opts.checkEvery) && opts.checkEvery >= 0)) throw badOptions(`checkEvery ${String(opts.checkEvery)}: use a whole number of entries (0: never)`);
  for (const name of ['heartbeatMs', 'electionTimeoutMs'] as const) {
    const v = opts[name];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1)) throw badOptions(`${name} ${String(v)}: use a whole number of milliseconds, at least 1`);
  }
  if (opts.grpcLogs !== undefined && opts.grpcLogs !== 'member-log' && opts.grpcLogs !== 'leave') throw badOptions(`grpcLogs ${JSON.stringify(opts.grpcLogs)}: use 'member-log' or 'leave'`);
}

function checkApis(apis: unknown): readonly MemberApi[] {
  if (apis === undefined) return [];
  if (!Array.isArray(apis) || !apis.every((a) => APIS.includes(a as MemberApi))) throw badOptions(`apis ${JSON.stringify(apis)}: a list of ${APIS.map((a) => `'${a}'`).join(', ')}`);
  return apis as MemberApi[];
}

/** The address to listen on: port 0 becomes a free port now, so that peers and clients are told a real one. */
async function listenAddress(opts: MemberOptions): Promise<string> {
  const at = hostPort(opts.listen, 'listen');
  if (at.port !== 0) {
    await bindProbe(at.host, at.port, 'listen');
    return opts.listen.trim();
  }
  if (opts.peers !== undefined) throw badOptions('listen: port 0 is for a member alone; members of a cluster name their ports in peers');
  const port = await bindProbe(at.host, 0, 'listen');
  return `${at.host.includes(':') ? `[${at.host}]` : at.host}:${port}`;
}

function hostPort(text: unknown, what: string): HostPort {
  try {
    return parseHostPort(String(text), what);
  } catch (err) {
    throw badOptions(`${what}: ${(err as Error).message}`);
  }
}

/** `text` as host and port, once a probe could bind it (and let it go). */
async function freeAddress(text: string, what: string): Promise<{ host: string; port: number }> {
  const at = hostPort(text, what);
  await bindProbe(at.host, at.port, what);
  return at;
}

/** Binds `host:port` and lets it go: the port it got. A taken port is PORT_IN_USE; an address not of this machine, a bad option. */
function bindProbe(host: string, port: number, what: string): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${what} ${host}:${port}`;
      fail(err.code === 'EADDRINUSE' ? new MemberError('PORT_IN_USE', `${where}: the port is taken by another program`) : badOptions(`${where}: cannot listen there (${err.code ?? err.message})`));
    });
    probe.listen({ host, port, exclusive: true }, () => {
      const got = (probe.address() as { port: number }).port;
      probe.close(() => done(got));
    });
  });
}
