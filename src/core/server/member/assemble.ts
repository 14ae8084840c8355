/**
 * `assembleMember`: one member as `fleet node start` and fleet/embed both build it — its metrics
 * port (when asked), storage, the node, the peer transport and the gRPC server its peers reach it
 * on — and nothing a client calls: `serveApis` (serve-apis.ts) adds those, and `start()` then binds
 * the port and runs the node. Nothing here exits the process or handles a signal: a fault the
 * member cannot serve through closes it and is handed to the caller's `onFatal`.
 */
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import type pino from 'pino';
import { FleetMember } from '../../node/fleet-member.js';
import type { NodeLogger } from '../../node/fleet-node.js';
import { systemRuntime } from '../../node/runtime.js';
import { DEFAULT_TRAIL } from '../../node/snapshots/log-trail.js';
import { nodeStorageIo } from '../../storage/index.js';
import { loadFleetProto } from '../../../proto/index.js';
import type { BackupSchedule } from '../admin/backup-schedule.js';
import type { ClockSkew, DiskStall } from '../admin/drill-faults.js';
import { DATA_FORMAT } from '../data-format.js';
import { isBeingFounded } from '../founding.js';
import type { AuthOptions } from '../guard/auth.js';
import { DEFAULT_BOUNDS, type ServerBounds } from '../guard/bounds.js';
import { LimitRefusals } from '../guard/limit-refusals.js';
import { preAuthInterceptor } from '../guard/pre-auth.js';
import { RequestLimitCounts, requestLimitInterceptor } from '../guard/request-limits.js';
import { LeaderPath } from '../leader-path.js';
import type { NodeMetrics } from '../metrics.js';
import { foundingClusterId, openClusterIdentity } from '../peer/cluster-id.js';
import { PeerTransport, type ClusterIdentity } from '../peer/peer-transport.js';
import { openNodeStorage } from '../storage-adapter.js';
import { WriteForwarder } from '../write-forwarder.js';
import { AssembledMember, StartUndo, type MemberPieces } from './assembled-member.js';
import { listenMetrics, loadMetrics, peerChannel, warnIfShared, type PeerChannel } from './listener.js';
import type { AssemblyOptions } from './options.js';

/** What the caller of `assembleMember` gives the member besides its options. */
export interface MemberHost {
  readonly logger: NodeLogger & pino.Logger;
  /**
   * Told once the member is gone after a fault it cannot serve through (a storage write or fsync
   * failed, the application's apply threw): its port closed, its storage abandoned. The caller
   * decides what follows: `fleet node start` exits 1; fleet/embed reports a `fatal` event.
   */
  readonly onFatal: (err: Error) => void;
}

type MemberStorage = Awaited<ReturnType<typeof openNodeStorage>>;

/** A drill's clock skew and disk stall (drill-faults.ts): only on members that allow drills. */
interface DrillFaults {
  readonly clock?: ClockSkew | undefined;
  readonly disk?: DiskStall | undefined;
  /** The member's wall clock when a drill or `--unsafe-clock-offset` moves it. */
  readonly wallNow?: (() => number) | undefined;
}

/**
 * Builds one member: metrics, storage, node, peer transport and server, not yet listening and
 * not yet running. If any step fails, everything opened before it is closed and the error
 * rethrown; after it, `serveApis` and `start()` close it all if they fail.
 */
export async function assembleMember(opts: AssemblyOptions, host: MemberHost): Promise<AssembledMember> {
  const undo = new StartUndo();
  try {
    return new AssembledMember(await openPieces(opts, host, undo), undo);
  } catch (err) {
    await undo.run(host.logger);
    throw err;
  }
}

async function openPieces(opts: AssemblyOptions, host: MemberHost, undo: StartUndo): Promise<MemberPieces> {
  const { logger } = host;
  warnIfShared(opts.dataDir, logger);
  // The metrics read the node's status at scrape time; the node exists before any scrape.
  const built: { node?: FleetMember } = {};
  const metrics = await loadMetrics(opts, () => built.node!.status());
  // Every limit's refusals that no counter of its own counts (limit-refusals.ts; docs/security.md, "Limits").
  const limitRefusals = new LimitRefusals();
  metrics?.countLimitRefusals(limitRefusals);
  // The metrics port first, before anything is written: a start that fails on it leaves a new
  // member's data dir empty, so that the same command line works once the port is free.
  const metricsServer = metrics && opts.metricsListen ? await listenMetrics(metrics, opts.metricsListen) : undefined;
  if (metricsServer) undo.add(() => metricsServer.close());
  const faults = await drillFaults(opts);
  const storage = await openStorage(opts, logger, metrics, faults, undo);
  const node = (built.node = await openNode(opts, logger, storage, metrics, faults));
  undo.add(() => node.stop());
  const channel = peerChannel(opts);
  const clusterId = openClusterIdentity(opts.dataDir, opts.founders.size > 0 ? foundingClusterId(opts.clusterName, opts.founders, opts.peerSecret) : undefined);
  const transport = openTransport(opts, { logger, channel, clusterId, faults }, node, storage);
  undo.add(() => transport.close());
  metrics?.countPeerRejections(transport.rejections);
  // etcd's users are the replicated keyspace's (etcd-auth-service.ts); their tokens are checked by this member's clock.
  const auth: AuthOptions = { token: opts.token, adminToken: opts.adminToken, readTokens: opts.readTokens, tokenName: opts.tokenName, adminTokenName: opts.adminTokenName, etcdUsers: { auth: () => node.etcdAuth(), now: () => Date.now() } };
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const server = openServer(opts, auth, bounds, transport, metrics);
  undo.add(() => server.forceShutdown());
  // The one way to the leader for whatever a follower passes on: fleet.v1's and etcd's writes, audit records, keep-alives.
  const leaderPath = new LeaderPath(channel);
  undo.add(() => leaderPath.close());
  const forwarder = new WriteForwarder({ memberId: opts.id, path: leaderPath });
  const backups = await backupSchedule(opts, node, logger, metrics);
  const stopCompacting = await autoCompaction(opts, node, logger);
  undo.add(stopCompacting);
  return { opts, logger, onFatal: host.onFatal, metrics, metricsServer, storage, node, channel, clusterId, transport, server, auth, bounds, limitRefusals, leaderPath, forwarder, backups, faults, stopCompacting };
}

/** Drill faults exist only where drills may act: nothing of them is in the path otherwise. */
async function drillFaults(opts: AssemblyOptions): Promise<DrillFaults> {
  const offset = opts.unsafeClockOffsetMs;
  if (!opts.enableDrills) return { wallNow: offset ? () => Date.now() + offset : undefined };
  const { ClockSkew, DiskStall } = await import('../admin/drill-faults.js');
  const clock = new ClockSkew(offset ?? 0);
  return { clock, disk: new DiskStall(), wallNow: () => clock.wallNow() };
}

async function openStorage(opts: AssemblyOptions, logger: NodeLogger, metrics: NodeMetrics | undefined, faults: DrillFaults, undo: StartUndo): Promise<MemberStorage> {
  const storage = await openNodeStorage(opts.dataDir, logger, (s: number) => metrics?.fsync.observe(s), opts.version, faults.disk?.wrap(nodeStorageIo), {
    founding: opts.initialClusterState === 'new' && opts.founders.size > 0,
  });
  undo.add(() => storage.close());
  return storage;
}

async function openNode(opts: AssemblyOptions, logger: NodeLogger, storage: MemberStorage, metrics: NodeMetrics | undefined, faults: DrillFaults): Promise<FleetMember> {
  // A data dir a founding start marked and stopped in before its state was durable never voted or
  // acknowledged anything: it founds still, whatever the flag says now (`fleet up` after an
  // interrupted `fleet init` passes existing).
  const initialClusterState = isBeingFounded(opts.dataDir) ? 'new' : opts.initialClusterState;
  return FleetMember.open({
    id: opts.id,
    clusterName: opts.clusterName,
    address: opts.listen,
    ...(opts.placement ? { placement: opts.placement } : {}),
    founders: opts.founders,
    ...(initialClusterState ? { initialClusterState } : {}),
    heartbeatMs: opts.heartbeatMs,
    electionTimeoutMs: opts.electionTimeoutMs,
    snapshotEvery: opts.snapshotEvery,
    ...(opts.snapshotCatchupEntries === undefined ? {} : { snapshotTrail: { ...DEFAULT_TRAIL, entries: opts.snapshotCatchupEntries } }),
    storage,
    logger,
    version: opts.version,
    dataFormat: DATA_FORMAT,
    unsafe: { ackBeforeCommit: opts.unsafeAckBeforeCommit, ...(opts.unsafeStopApplyingAfter === undefined ? {} : { stopApplyingAfter: opts.unsafeStopApplyingAfter }) },
    runtime: faults.wallNow ? { ...systemRuntime, wallNow: faults.wallNow } : systemRuntime,
    ...(metrics ? { observer: metrics.observer() } : {}),
    ...(opts.app ? { app: opts.app } : {}),
    ...(opts.appCheckEvery !== undefined ? { appCheckEvery: opts.appCheckEvery } : {}),
    ...(opts.onAppFault ? { onAppFault: opts.onAppFault } : {}),
  });
}

/** The Raft transport between members, attached to the node. */
function openTransport(opts: AssemblyOptions, parts: { logger: NodeLogger; channel: PeerChannel; clusterId: ClusterIdentity; faults: DrillFaults }, node: FleetMember, storage: MemberStorage): PeerTransport {
  const { logger, channel, clusterId, faults } = parts;
  const transport = new PeerTransport({
    selfId: opts.id,
    selfAddress: opts.listen,
    ...(opts.placement ? { selfPlacement: opts.placement } : {}),
    selfVersion: { version: opts.version, dataFormat: DATA_FORMAT },
    clusterName: opts.clusterName,
    clusterId,
    credentials: channel.credentials,
    channelOptionsFor: channel.optionsFor,
    framedDial: channel.framedDial,
    peerCredentials: { secret: opts.peerSecret, mutualTls: opts.tls?.ca !== undefined },
    snapshotSpool: { dir: join(opts.dataDir, 'incoming'), maxBytes: opts.maxSnapshotBytes },
    logger,
    ...(faults.wallNow ? { wallNow: faults.wallNow } : {}),
  });
  transport.attach({
    knowsPeer: (p) => node.knowsPeer(p),
    leadership: () => node.leadership(),
    step: (m) => node.step(m),
    peerDisconnected: (p) => node.peerDisconnected(p),
    reportUnreachable: (p) => node.reportUnreachable(p),
    reportSnapshot: (p, ok) => node.reportSnapshot(p, ok),
    peerAddress: (p, address) => node.learnPeerAddress(p, address),
    peerPlacement: (p, placement) => node.learnPeerPlacement(p, placement),
    peerVersion: (p, announced) => node.learnPeerVersion(p, announced),
    readLatestSnapshot: () => storage.readLatestSnapshot(),
  });
  return transport;
}

/** The gRPC server of the member's port, serving its peers: every call passes the request limits and the credential checks before a message is read. */
function openServer(opts: AssemblyOptions, auth: AuthOptions, bounds: ServerBounds, transport: PeerTransport, metrics: NodeMetrics | undefined): grpc.Server {
  // Credentials are checked from metadata before any message is read (pre-auth.ts).
  const preAuth = preAuthInterceptor({
    auth,
    peerSecret: opts.peerSecret !== undefined,
    onPeerRefused: (source, claimed, rejection) => {
      transport.rejections.record(source, claimed, rejection);
      if (claimed !== '') transport.trouble.refusedByUs(claimed, rejection.reason, rejection.detail);
    },
  });
  const requestRefusals = new RequestLimitCounts();
  metrics?.countTooLargeRequests(requestRefusals);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 64 << 20,
    'grpc.max_send_message_length': 64 << 20,
    'grpc.max_concurrent_streams': bounds.maxStreamsPerConnection,
    // The request limits first: they must see grpc-js's own call, before any message is read.
    interceptors: [requestLimitInterceptor(requestRefusals), preAuth],
  });
  server.addService(loadFleetProto().fleet.v1.Peer.service, transport.handlers());
  return server;
}

/** Scheduled backups (`--backup-dir`), loaded only for a member that takes them. */
async function backupSchedule(opts: AssemblyOptions, node: FleetMember, logger: NodeLogger, metrics: NodeMetrics | undefined): Promise<BackupSchedule | undefined> {
  if (!opts.backup) return undefined;
  const { BackupSchedule } = await import('../admin/backup-schedule.js');
  const backups = new BackupSchedule(node, opts.backup, logger);
  metrics?.trackBackups(() => backups.status());
  return backups;
}

/** The etcd keyspace's automatic compaction (`--etcd-auto-compaction-*`), whether or not its API is served; returns its stop. */
async function autoCompaction(opts: AssemblyOptions, node: FleetMember, logger: NodeLogger): Promise<() => void> {
  const compaction = opts.etcdAutoCompaction;
  if (compaction === undefined) return () => undefined;
  const { startAutoCompaction } = await import('../etcd-api/etcd-auto-compaction.js');
  return startAutoCompaction(node, compaction, (err, revision) => logger.warn({ err, revision }, 'automatic etcd compaction failed; it is tried again at the next interval'));
}
