import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { FleetMember } from '../node/fleet-member.js';
import { systemRuntime } from '../node/runtime.js';
import type { FleetMemberOptions } from '../node/fleet-member.js';
import type { NodeLogger } from '../node/fleet-node.js';
import { NodeError, type MemberStatus, type Placement } from '../node/api.js';
import { PRIVATE_FILES, nodeStorageIo } from '../storage/index.js';
import { memberIdProblem, parseHostPort } from '../../common/addresses.js';
import { loadFleetProto, loadReflectionDefinition } from '../../proto/index.js';
import { createAdminService } from './admin/admin-service.js';
import { createClientService } from './fleet-api/client-service.js';
import { createDrillService } from './admin/drill-service.js';
import { createEtcdServices } from './etcd-api/etcd-kv-service.js';
import { createEtcdLockServices } from './etcd-api/etcd-lock-service.js';
import { LeaderPath } from './leader-path.js';
import { WriteForwarder } from './write-forwarder.js';
import { memberAudit } from './admin/member-audit.js';
import { startAutoCompaction, type AutoCompaction } from './etcd-api/etcd-auto-compaction.js';
import { createEtcdWatchService } from './etcd-api/etcd-watch-service.js';
import { ETCD_API_OFF_MESSAGE, refusingService } from './api-off.js';
import { lazyEtcdServices } from './etcd-api/etcd-wire.js';
import { HealthService } from './fleet-api/health-service.js';
import { addLazyReflection } from './fleet-api/lazy-reflection.js';
import { logFileCap, RotatingLogFile } from './log-file.js';
import { LimitRefusals } from './guard/limit-refusals.js';
import type { NodeMetrics } from './metrics.js';
import { RequestLimitCounts, requestLimitInterceptor, withTxnOpsLimit } from './guard/request-limits.js';
import { BackupSchedule, type BackupPolicy } from './admin/backup-schedule.js';
import { DEFAULT_BOUNDS, StreamBudget, type ServerBounds } from './guard/bounds.js';
import { DATA_FORMAT } from './data-format.js';
import { foundingClusterId, openClusterIdentity } from './peer/cluster-id.js';
import { isBeingFounded } from './founding.js';
import { frontAuthorities } from './guard/authority-front.js';
import { etcdGateway, type Gateway } from './etcd-api/gateway/gateway.js';
import { ConnectionRefusals, limitConnections } from './guard/connection-limit.js';
import { memberServerName } from './guard/member-names.js';
import { GrpcPeerTransport } from './peer/peer-transport.js';
import type { ReadToken } from './guard/auth.js';
import { preAuthInterceptor } from './guard/pre-auth.js';
import { openNodeStorage } from './storage-adapter.js';
import { ClockSkew, DiskStall } from './admin/drill-faults.js';

/** Everything `fleet node start` decided from its flags. */
export interface CoordinatorOptions {
  readonly id: string;
  readonly clusterName: string;
  readonly dataDir: string;
  readonly listen: string;
  /** This member's zone and region (`--zone`, `--region`); absent when neither is set. */
  readonly placement?: Placement | undefined;
  readonly founders: ReadonlyMap<string, string>;
  /** Whether a founder without Raft state may bootstrap (`new`, the default) or is refused (`existing`). */
  readonly initialClusterState?: 'new' | 'existing';
  readonly metricsListen?: { host: string; port: number } | undefined;
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  readonly snapshotEvery: number;
  readonly token?: string | undefined;
  readonly adminToken?: string | undefined;
  /** Read-only tokens (`--read-token-file`), each with the name its file gives it (auth.ts). */
  readonly readTokens?: readonly ReadToken[] | undefined;
  /** The names token files give their tokens, for the audit log. */
  readonly tokenName?: string | undefined;
  readonly adminTokenName?: string | undefined;
  /**
   * TLS for the port. With `ca`, every connection must present a certificate signed by it
   * (mutual TLS): peers a member certificate, clients an operator's (or a member's).
   */
  readonly tls?: { cert: string; key: string; ca?: string | undefined } | undefined;
  /** The secret peers sign their streams with (`--peer-secret-file`). */
  readonly peerSecret?: Buffer | undefined;
  /** The largest snapshot accepted from a leader, in bytes. */
  readonly maxSnapshotBytes: number;
  readonly enableDrills: boolean;
  /** Serve etcd's v3 API on the client port (default); false: every etcd call gets UNIMPLEMENTED naming `--no-etcd-api` (or `apiOffHint`). */
  readonly etcdApi?: boolean | undefined;
  /**
   * Serve fleet.v1's client, admin and drill services, health and reflection (default). false
   * (fleet/embed without `apis: ['fleet']`): only the peers' service and fleet.v1's `Submit` and
   * `Status`, which members forward an application's writes with; every other fleet.v1 call is
   * refused naming `apiOffHint`.
   */
  readonly fleetApi?: boolean | undefined;
  /** Why an API that is off is off, as a refused call's message ends (default: node start's flags). */
  readonly apiOffHint?: string | undefined;
  /** How often an etcd watcher that asked for progress notifications hears the revision (default 10 min). */
  readonly etcdProgressNotifyMs?: number | undefined;
  /** Compact the etcd keyspace's history automatically (`--etcd-auto-compaction-*`); undefined keeps it all. */
  readonly etcdAutoCompaction?: AutoCompaction | undefined;
  /** The keyspace's space quota in bytes (`--etcd-quota-backend-bytes`); undefined: spaceQuotaDefault(). */
  readonly etcdQuotaBytes?: number | undefined;
  readonly unsafeAckBeforeCommit: boolean;
  /** TEST ONLY: apply no entry beyond this index (`--unsafe-stop-applying-after`), so that the member is stuck. */
  readonly unsafeStopApplyingAfter?: number | undefined;
  /** TEST ONLY: this member's wall clock runs this many ms ahead (`--unsafe-clock-offset`): its stamps and peer handshakes. */
  readonly unsafeClockOffsetMs?: number | undefined;
  /** Scheduled backups (`--backup-dir`, `--backup-every`, `--backup-keep`); none when absent. */
  readonly backup?: BackupPolicy | undefined;
  /** Bounds on what clients can make the member hold (default `DEFAULT_BOUNDS`, see bounds.ts). */
  readonly bounds?: ServerBounds | undefined;
  readonly version: string;
  /**
   * Told once the member is gone after a storage failure (its port closed, its storage
   * abandoned). Default: the process exits 1, as `fleet node start` must; an embedding host
   * passes its own, and nothing exits its process.
   */
  readonly onFatal?: ((err: Error) => void) | undefined;
  /** An embedding application's state machine, replicated beside the registry (fleet/embed). */
  readonly app?: FleetMemberOptions['app'];
  readonly appCheckEvery?: number | undefined;
  readonly onAppFault?: FleetMemberOptions['onAppFault'];
  /** How `fleet node start` was loaded (bin/run.js), named in the start line, and what it asks to be told. */
  readonly launch?: MemberLaunch | undefined;
}

/** What bin/run.js tells a `fleet node start` member about how it was loaded, and asks to hear back. */
export interface MemberLaunch {
  /** What became of the bundle's code cache (bin/code-cache.js): `used`, `none`, `damaged` or `rejected`. */
  readonly codeCache?: string | undefined;
  /** Called once, when the member has started (listening, its own log being replayed). */
  readonly onStarted?: (() => void) | undefined;
}

/** A running member, for tests and benchmarks that host one in-process. */
export interface RunningCoordinator {
  readonly node: FleetMember;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Logs as JSON lines to stderr and to `<data-dir>/logs/<id>.log`. The file is on the member's
 * data disk, so it must survive that disk failing: it is written synchronously (pino's buffered
 * destination retries its final flush for ever on ENOSPC — sonic-boom's flushSync loops on any
 * error but EAGAIN — so a member whose disk filled never exited, its port held), and after its
 * first failed write the member logs to stderr only.
 */
export function createLogger(opts: CoordinatorOptions, to: { readonly stderr: boolean } = { stderr: true }): pino.Logger {
  const dir = join(opts.dataDir, 'logs');
  // The id names a file: refused here too, whoever built the options (node start and embed check it first).
  const idProblem = memberIdProblem(opts.id);
  if (idProblem !== undefined) throw new Error(idProblem);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_FILES.dirMode });
  const path = join(dir, `${opts.id}.log`);
  // Rotated by size with a cap (log-file.ts): no flood of lines fills the data disk.
  const file = new RotatingLogFile(path, logFileCap(opts.dataDir), (err) => {
    process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), member: opts.id, cluster: opts.clusterName, path, err: err.message, msg: 'cannot write the member log file: logging to stderr only' })}\n`);
  });
  // An embedded member keeps the host's stderr for the host: its own file only.
  const streams = pino.multistream([...(to.stderr ? [{ stream: process.stderr, level: 'info' as const }] : []), { stream: file, level: 'debug' as const }]);
  return pino({ level: 'debug', base: { member: opts.id, cluster: opts.clusterName } }, streams);
}

/** With a CA, client certificates are required and verified (mutual TLS); without one, TLS only encrypts and proves the member. */
function serverCredentials(opts: CoordinatorOptions): grpc.ServerCredentials {
  if (!opts.tls) return grpc.ServerCredentials.createInsecure();
  const ca = opts.tls.ca ? readFileSync(opts.tls.ca) : null;
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: readFileSync(opts.tls.cert), private_key: readFileSync(opts.tls.key) }], ca !== null);
}

/**
 * What a member presents to its peers: its certificate, and it checks that the peer it reached
 * holds the member certificate of the id it dialled (not just any certificate of the CA).
 */
function peerChannel(opts: CoordinatorOptions): { credentials: grpc.ChannelCredentials; optionsFor?: (peer: string) => grpc.ChannelOptions } {
  if (!opts.tls) return { credentials: grpc.credentials.createInsecure() };
  const credentials = grpc.credentials.createSsl(opts.tls.ca ? readFileSync(opts.tls.ca) : null, readFileSync(opts.tls.key), readFileSync(opts.tls.cert));
  // The name sent in SNI and checked against the certificate is the peer's id: certificates name members, and an IP there draws Node's deprecation warning.
  return { credentials, optionsFor: (peer) => ({ 'grpc.ssl_target_name_override': memberServerName(peer) }) };
}

/** Binds the metrics port, or fails naming it as the metrics port. */
async function listenMetrics(metrics: NodeMetrics, at: { host: string; port: number }): Promise<import('node:http').Server> {
  try {
    return await metrics.listen(at.host, at.port);
  } catch (err) {
    throw new Error(`cannot listen on ${at.host}:${at.port} (metrics): ${(err as Error).message}`, { cause: err });
  }
}

/** Metrics exist only when they are served: prom-client costs a member several MB it would keep for nothing. */
async function loadMetrics(opts: CoordinatorOptions, status: () => MemberStatus): Promise<NodeMetrics | undefined> {
  if (!opts.metricsListen) return undefined;
  const { NodeMetrics } = await import('./metrics.js');
  const metrics = new NodeMetrics(status);
  metrics.trackDisk(opts.dataDir);
  if (opts.tls) metrics.trackCertificate(Date.parse(new X509Certificate(readFileSync(opts.tls.cert)).validTo));
  return metrics;
}

/**
 * What a start has opened so far, closed in reverse if a later step fails: a member is up only
 * when all of it is up, and one that cannot start leaves no port bound and no file open.
 */
class StartUndo {
  private readonly steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(logger: NodeLogger): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err }, 'while undoing a failed start');
      }
    }
  }
}

/**
 * Starts one member: storage, node, metrics and client/peer listeners, then the node. Resolves
 * once it serves; if any step fails, everything opened before it is closed and the error rethrown.
 */
export async function startCoordinator(opts: CoordinatorOptions, logger: NodeLogger & pino.Logger): Promise<RunningCoordinator> {
  const undo = new StartUndo();
  try {
    return await startMember(opts, logger, undo);
  } catch (err) {
    await undo.run(logger);
    throw err;
  }
}

async function startMember(opts: CoordinatorOptions, logger: NodeLogger & pino.Logger, undo: StartUndo): Promise<RunningCoordinator> {
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
  // A drill's clock skew and disk stall (drill-faults.ts) act only on members that allow drills.
  const clockSkew = opts.enableDrills ? new ClockSkew(opts.unsafeClockOffsetMs ?? 0) : undefined;
  const diskStall = opts.enableDrills ? new DiskStall() : undefined;
  const wallNow = clockSkew !== undefined ? () => clockSkew.wallNow() : opts.unsafeClockOffsetMs ? () => Date.now() + opts.unsafeClockOffsetMs! : undefined;
  const storage = await openNodeStorage(opts.dataDir, logger, (s: number) => metrics?.fsync.observe(s), opts.version, diskStall?.wrap(nodeStorageIo), {
    founding: opts.initialClusterState === 'new' && opts.founders.size > 0,
  });
  // A data dir a founding start marked and stopped in before its state was durable never voted or
  // acknowledged anything: it founds still, whatever the flag says now (`fleet up` after an
  // interrupted `fleet init` passes existing).
  const initialClusterState = isBeingFounded(opts.dataDir) ? 'new' : opts.initialClusterState;
  undo.add(() => storage.close());
  const member = await FleetMember.open({
    id: opts.id,
    clusterName: opts.clusterName,
    address: opts.listen,
    ...(opts.placement ? { placement: opts.placement } : {}),
    founders: opts.founders,
    ...(initialClusterState ? { initialClusterState } : {}),
    heartbeatMs: opts.heartbeatMs,
    electionTimeoutMs: opts.electionTimeoutMs,
    snapshotEvery: opts.snapshotEvery,
    storage,
    logger,
    version: opts.version,
    dataFormat: DATA_FORMAT,
    unsafe: { ackBeforeCommit: opts.unsafeAckBeforeCommit, ...(opts.unsafeStopApplyingAfter === undefined ? {} : { stopApplyingAfter: opts.unsafeStopApplyingAfter }) },
    runtime: wallNow ? { ...systemRuntime, wallNow } : systemRuntime,
    ...(metrics ? { observer: metrics.observer() } : {}),
    ...(opts.app ? { app: opts.app } : {}),
    ...(opts.appCheckEvery !== undefined ? { appCheckEvery: opts.appCheckEvery } : {}),
    ...(opts.onAppFault ? { onAppFault: opts.onAppFault } : {}),
  });
  built.node = member;
  undo.add(() => member.stop());
  const channel = peerChannel(opts);
  const clusterId = openClusterIdentity(opts.dataDir, opts.founders.size > 0 ? foundingClusterId(opts.clusterName, opts.founders, opts.peerSecret) : undefined);
  const transport = new GrpcPeerTransport({
    selfId: opts.id,
    selfAddress: opts.listen,
    ...(opts.placement ? { selfPlacement: opts.placement } : {}),
    selfVersion: { version: opts.version, dataFormat: DATA_FORMAT },
    clusterName: opts.clusterName,
    clusterId,
    credentials: channel.credentials,
    channelOptionsFor: channel.optionsFor,
    peerCredentials: { secret: opts.peerSecret, mutualTls: opts.tls?.ca !== undefined },
    snapshotSpool: { dir: join(opts.dataDir, 'incoming'), maxBytes: opts.maxSnapshotBytes },
    logger,
    ...(wallNow ? { wallNow } : {}),
  });
  undo.add(() => transport.close());
  metrics?.countPeerRejections(transport.rejections);
  transport.attach({
    knowsPeer: (p) => member.knowsPeer(p),
    leadership: () => member.leadership(),
    step: (m) => member.step(m),
    peerDisconnected: (p) => member.peerDisconnected(p),
    reportUnreachable: (p) => member.reportUnreachable(p),
    reportSnapshot: (p, ok) => member.reportSnapshot(p, ok),
    peerAddress: (p, address) => member.learnPeerAddress(p, address),
    peerPlacement: (p, placement) => member.learnPeerPlacement(p, placement),
    peerVersion: (p, announced) => member.learnPeerVersion(p, announced),
    readLatestSnapshot: () => storage.readLatestSnapshot(),
  });

  const proto = loadFleetProto();
  // etcd's users are the replicated keyspace's (etcd-auth-service.ts); their tokens are checked by this member's clock.
  const auth = { token: opts.token, adminToken: opts.adminToken, readTokens: opts.readTokens, tokenName: opts.tokenName, adminTokenName: opts.adminTokenName, etcdUsers: { auth: () => member.etcdAuth(), now: () => Date.now() } };
  // Credentials are checked from metadata before any message is read (pre-auth.ts).
  const preAuth = preAuthInterceptor({
    auth,
    peerSecret: opts.peerSecret !== undefined,
    onPeerRefused: (source, claimed, rejection) => {
      transport.rejections.record(source, claimed, rejection);
      if (claimed !== '') transport.trouble.refusedByUs(claimed, rejection.reason, rejection.detail);
    },
  });
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const requestRefusals = new RequestLimitCounts();
  metrics?.countTooLargeRequests(requestRefusals);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 64 << 20,
    'grpc.max_send_message_length': 64 << 20,
    'grpc.max_concurrent_streams': bounds.maxStreamsPerConnection,
    // The request limits first: they must see grpc-js's own call, before any message is read.
    interceptors: [requestLimitInterceptor(requestRefusals), preAuth],
  });
  server.addService(proto.fleet.v1.Peer.service, transport.handlers());
  const backups = opts.backup ? new BackupSchedule(member, opts.backup, logger) : undefined;
  if (backups) metrics?.trackBackups(() => backups.status());
  // The one way to the leader for whatever a follower passes on: fleet.v1's and etcd's writes, audit records, keep-alives.
  const leaderPath = new LeaderPath(channel);
  undo.add(() => leaderPath.close());
  const forwarder = new WriteForwarder({ memberId: opts.id, path: leaderPath });
  // Admin effects that land on a follower (a snapshot, a drill's fault) reach the leader's audit log through the forwarder.
  const audit = memberAudit(member, forwarder);
  const clientService = createClientService(member, { ...auth, bounds, limitRefusals, peerRefusals: () => transport.trouble.list(), backup: () => backups?.status(), forwarder });
  const fleetApi = opts.fleetApi !== false;
  server.addService(proto.fleet.v1.Fleet.service, fleetApi ? clientService : forwardingOnly(proto.fleet.v1.Fleet.service, clientService, opts.apiOffHint));
  const drills = createDrillService({
    ...auth,
    enabled: opts.enableDrills,
    memberId: opts.id,
    transport,
    peers: () => member.status().members.map((m) => m.id).filter((id) => id !== opts.id),
    logger,
    recordAudit: audit,
    ...(clockSkew ? { clock: clockSkew } : {}),
    ...(diskStall ? { disk: diskStall } : {}),
  });
  if (fleetApi) {
    server.addService(proto.fleet.v1.Admin.service, createAdminService(member, { ...auth, audit }));
    server.addService(proto.fleet.v1.Drills.service, drills.handlers);
  }
  const etcd = serveEtcd(server, member, opts, { auth, clusterId, leaderPath, limitRefusals, bounds });
  if (etcd) undo.add(() => etcd.close());
  const health = new HealthService([], { max: bounds.maxHealthWatches, maxPerAddress: bounds.maxHealthWatchesPerAddress, onRefused: limitRefusals.counter('health-watches') });
  if (fleetApi) {
    health.addTo(server);
    // Reflection lets generic tools (grpcurl) discover the services without our .proto files.
    addLazyReflection(server, loadReflectionDefinition);
  }
  const compaction = opts.etcdAutoCompaction;
  const stopCompacting = compaction === undefined ? () => undefined : startAutoCompaction(member, compaction, (err, revision) => logger.warn({ err, revision }, 'automatic etcd compaction failed; it is tried again at the next interval'));
  undo.add(stopCompacting);
  // Every listener is bound before the node starts.
  undo.add(() => server.forceShutdown());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, serverCredentials(opts), (err, p) => (err ? reject(new Error(`cannot listen on ${opts.listen}: ${err.message}`)) : resolve(p))),
  );
  // The front first, so that the bounds run before it: a refused connection is never held.
  const refusals = new ConnectionRefusals((obj, msg) => logger.warn(obj, msg), () => performance.now());
  metrics?.countRefusedConnections(refusals);
  const gateway = etcd ? startGateway(member, opts, port, channel, limitRefusals) : undefined;
  if (gateway) undo.add(() => gateway.close());
  const front = frontAuthorities(server, { onIdleClosed: (a) => refusals.refused(a, 'idle'), onEvicted: (a) => refusals.refused(a, 'evicted'), onHttp1: gateway && ((s) => gateway.accept(s)), onHttp2: gateway && ((...a) => gateway.acceptStream(...a)) });
  undo.add(() => front.close());
  limitConnections(server, { ...bounds, onRefused: (a, why) => refusals.refused(a, why), makeRoom: () => front.evictOldest() });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      health.setServing('', false);
      backups?.stop();
      drills.close();
      etcd?.close();
      gateway?.close();
      leaderPath.close();
      stopCompacting();
      await member.handOff();
      member.stop();
      transport.close();
      // Clients and peers keep streams open for ever: give in-flight calls a moment, then close.
      const forced = setTimeout(() => server.forceShutdown(), 500);
      front.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      clearTimeout(forced);
      metricsServer?.close();
      await storage.close();
      logger.info({}, 'stopped');
    })());

  /**
   * A disk write or fsync failed: the member must be gone at once, port and all, so that clients
   * and peers turn to the others. Nothing here waits on the disk that failed: no leadership
   * hand-off (it waits for a follower to catch up), no flush of pending writes (the disk refuses
   * them), no graceful drain of calls: every step is synchronous and nothing is awaited, so the
   * exit is bounded by construction (even a graceful stop already under way is cut short).
   */
  const fail = (err: Error): void => {
    logger.fatal({ err }, err instanceof NodeError ? `fatal: ${err.message}` : 'fatal storage error: exiting');
    const steps = [
      () => health.setServing('', false),
      () => backups?.stop(),
      () => drills.close(),
      () => member.stop(),
      () => transport.close(),
      () => front.close(),
      () => gateway?.close(),
      () => server.forceShutdown(),
      () => metricsServer?.close(),
      () => storage.abandon(),
    ];
    for (const step of steps) {
      try {
        step();
      } catch (stepErr) {
        logger.error({ err: stepErr }, 'while exiting after a storage failure');
      }
    }
    if (opts.onFatal) opts.onFatal(err);
    else process.exit(1);
  };

  member.start(transport, fail);
  transport.announce();
  await backups?.start();
  health.setServing('', true);
  const peerAuth = [opts.tls?.ca ? 'mutual-tls' : undefined, opts.peerSecret ? 'peer-secret' : undefined].filter(Boolean).join('+') || 'none';
  logger.info({ listen: opts.listen, port, founders: Object.fromEntries(opts.founders), dataDir: opts.dataDir, clusterId: clusterId.current() ?? '(learned on join)', peerAuth, ...(opts.backup ? { backup: opts.backup } : {}), ...(opts.launch?.codeCache ? { codeCache: opts.launch.codeCache } : {}) }, 'member started');
  opts.launch?.onStarted?.();
  return { node: member, port, stop };
}

/**
 * etcd's v3 API on the client port (issue 36): the keyspace every member replicates. Off, its
 * services stay registered to refuse every call naming why (etcd-off.ts).
 */
function serveEtcd(
  server: grpc.Server,
  member: FleetMember,
  opts: CoordinatorOptions,
  ctx: { auth: Parameters<typeof createEtcdServices>[1]['auth']; clusterId: ReturnType<typeof openClusterIdentity>; leaderPath: LeaderPath; limitRefusals: LimitRefusals; bounds: ServerBounds },
): { close(): void } | undefined {
  const etcdDefs = lazyEtcdServices();
  if (opts.etcdApi === false) {
    const message = opts.apiOffHint === undefined ? ETCD_API_OFF_MESSAGE : `the etcd v3 API is not served by this member: ${opts.apiOffHint}`;
    for (const def of Object.values(etcdDefs)) server.addService(def, refusingService(def, message));
    return undefined;
  }
  const { auth, clusterId } = ctx;
  // Every long-lived etcd stream counts against one budget: a member holds what each costs
  // (watchers, relayed keep-alives, observed prefixes) whichever service it came through.
  const streams = new StreamBudget('etcd stream', ctx.bounds.maxEtcdStreams, ctx.bounds.maxEtcdStreamsPerAddress, ctx.limitRefusals.counter('etcd-streams'));
  const services = createEtcdServices(member, { auth, clusterId: () => clusterId.current(), forward: ctx.leaderPath, version: ETCD_API_VERSION, tls: opts.tls !== undefined, quotaBytes: opts.etcdQuotaBytes, limitRefusals: ctx.limitRefusals, streams });
  // A Txn's operations are counted on its bytes before protobuf decodes it (request-limits.ts).
  server.addService(withTxnOpsLimit(etcdDefs.KV), services.kv);
  server.addService(etcdDefs.Lease, services.lease);
  server.addService(etcdDefs.Maintenance, services.maintenance);
  server.addService(etcdDefs.Cluster, services.cluster);
  server.addService(etcdDefs.Auth, services.auth);
  const recipes = createEtcdLockServices(member, { auth, header: services.header, invoke: services.invoke, streams });
  server.addService(etcdDefs.Lock, recipes.lock);
  server.addService(etcdDefs.Election, recipes.election);
  server.addService(etcdDefs.Watch, createEtcdWatchService(member, { auth, clusterId: () => clusterId.current(), progressNotifyMs: opts.etcdProgressNotifyMs, limitRefusals: ctx.limitRefusals, streams }));
  return services;
}

/**
 * etcd's JSON gateway on the client port: each request a gRPC call on the member's own port, as a
 * client on this host makes it (the member's own certificate where the port is TLS).
 */
function startGateway(member: FleetMember, opts: CoordinatorOptions, port: number, channel: ReturnType<typeof peerChannel>, limitRefusals: LimitRefusals): Gateway {
  const { host } = parseHostPort(opts.listen, '--listen');
  const dialled = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return etcdGateway({
    target: `${dialled.includes(':') ? `[${dialled}]` : dialled}:${port}`,
    credentials: channel.credentials,
    channelOptions: channel.optionsFor?.(opts.id) ?? {},
    version: ETCD_API_VERSION,
    healthy: () => etcdHealthy(member),
    limitRefusals,
  });
}

/** etcd's /health: a committed read (so a leader that still leads) within a second, and no alarm raised. */
async function etcdHealthy(member: FleetMember): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1_000)));
  const read = member.readEtcd(true, (store) => store.alarms.length === 0).then((r) => r.value);
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/**
 * fleet.v1 reduced to what members of an embedding need of each other: `Submit`, on which a
 * follower forwards the application's writes, and `Status`, by which its client finds the
 * leader. Every other call is refused naming why.
 */
function forwardingOnly(service: grpc.ServiceDefinition, handlers: grpc.UntypedServiceImplementation, hint = 'it was not asked for'): grpc.UntypedServiceImplementation {
  return { ...refusingService(service, `the fleet.v1 API is not served by this member: ${hint}`), Submit: handlers['Submit']!, Status: handlers['Status']! };
}

/**
 * Logs refused connections at most once a minute, with how many and the last address: a flood
 * of them must not become a flood of log lines (see log-file.ts).
 */

/**
 * What the member creates in its data dir is 0700/0600 (PRIVATE_FILES); a data dir it was given
 * that others may read is the operator's to tighten, so it is named once, as etcd does.
 */
function warnIfShared(dataDir: string, logger: NodeLogger): void {
  const mode = statSync(dataDir, { throwIfNoEntry: false })?.mode;
  if (mode !== undefined && (mode & 0o077) !== 0) {
    logger.warn({ dataDir, mode: (mode & 0o777).toString(8) }, `the data dir is open to other users (mode ${(mode & 0o777).toString(8)}): chmod 700 ${dataDir}; what the member creates in it is 0700/0600`);
  }
}

/** The etcd server version a member's etcd API reports (Maintenance.Status): the API level it speaks. */
const ETCD_API_VERSION = '3.4.0';

/**
 * Runs a member until SIGTERM/SIGINT, as `fleet node start` does. The signals are taken before
 * the start begins: without a handler a signal ends the process on the spot, and one that came
 * while the member was starting (right after its start line, as `fleet down` may send it) left
 * its lock behind and, on a new member, files without the Raft state they were opened for.
 */
export async function runCoordinator(opts: CoordinatorOptions): Promise<void> {
  const logger = createLogger(opts);
  const started: { member?: RunningCoordinator } = {};
  let signalled: ((running: RunningCoordinator) => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      // A graceful stop hands leadership off and drains calls; whatever it waits on (a peer that
      // does not answer, a stalled disk), systemd and `fleet down` must see the process gone soon.
      const deadline = setTimeout(() => {
        logger.warn({ afterMs: STOP_DEADLINE_MS }, 'graceful stop did not finish in time: exiting');
        process.exit(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      // A second signal means now.
      process.once(signal, () => process.exit(1));
      signalled = (member) =>
        member.stop().then(resolve, (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          resolve();
        });
      // A signal during the start stops the member once it is up (a failed start exits anyway).
      if (started.member) signalled(started.member);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  started.member = await startCoordinator(opts, logger);
  signalled?.(started.member);
  await stopped;
  logger.flush();
}

/** How long SIGTERM waits for a graceful stop before the member exits anyway (see node start --help). */
export const STOP_DEADLINE_MS = 5_000;
