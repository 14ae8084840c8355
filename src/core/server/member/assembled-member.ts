/**
 * An assembled member (assemble.ts) and its life after: the API parts `serveApis` adds to it, the
 * start that binds its port and runs the node, the graceful stop, and the fatal fault that closes
 * it at once and tells the caller. A member is up only when all of it is up: a start step that
 * fails closes everything opened before it.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Server as HttpServer } from 'node:http';
import type pino from 'pino';
import { NodeError } from '../../node/api.js';
import type { FleetMember } from '../../node/fleet-member.js';
import type { NodeLogger } from '../../node/fleet-node.js';
import type { BackupSchedule } from '../admin/backup-schedule.js';
import type { ClockSkew, DiskStall } from '../admin/drill-faults.js';
import type { AuthOptions } from '../guard/auth.js';
import { frontAuthorities, type Front, type FrontOptions } from '../guard/authority-front.js';
import type { ServerBounds } from '../guard/bounds.js';
import { ConnectionRefusals, limitConnections } from '../guard/connection-limit.js';
import type { LimitRefusals } from '../guard/limit-refusals.js';
import type { LeaderPath } from '../leader-path.js';
import type { MemberCallOptions } from '../member-calls.js';
import type { NodeMetrics } from '../metrics.js';
import type { ClusterIdentity, PeerTransport } from '../peer/peer-transport.js';
import { FRAMED_PATHS } from '../peer/peer-frames.js';
import type { openNodeStorage } from '../storage-adapter.js';
import type { WriteForwarder } from '../write-forwarder.js';
import { bindPort, type PeerChannel } from './listener.js';
import type { AssemblyOptions } from './options.js';

/**
 * What a start has opened so far, closed in reverse if a later step fails: a member is up only
 * when all of it is up, and one that cannot start leaves no port bound and no file open.
 */
export class StartUndo {
  private readonly steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(logger: NodeLogger): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err }, 'while undoing a failed start');
      }
    }
  }
}

/** The HTTP a part answers on the member's port beside gRPC (etcd's JSON gateway). */
export type HttpHandlers = Pick<FrontOptions, 'onHttp1' | 'onHttp2'>;

/** What `serveApis` adds to a member: closed before the member stops or as it fails. */
export interface ApiPart {
  /** The port is bound and the node not yet started: what this part answers over HTTP, if anything. */
  bound?(port: number): HttpHandlers | undefined;
  /** The member serves (once started) or no longer does (as it stops or fails). */
  serving?(up: boolean): void;
  /** Closes it: synchronous, since a fatal fault must not wait on anything. */
  close(): void;
}

/** Everything `assembleMember` opened, as the member holds it. */
export interface MemberPieces {
  readonly opts: AssemblyOptions;
  readonly logger: NodeLogger & pino.Logger;
  readonly onFatal: (err: Error) => void;
  readonly metrics: NodeMetrics | undefined;
  readonly metricsServer: HttpServer | undefined;
  readonly storage: Awaited<ReturnType<typeof openNodeStorage>>;
  readonly node: FleetMember;
  readonly channel: PeerChannel;
  readonly clusterId: ClusterIdentity;
  readonly transport: PeerTransport;
  readonly server: grpc.Server;
  readonly auth: AuthOptions;
  readonly bounds: ServerBounds;
  readonly limitRefusals: LimitRefusals;
  readonly leaderPath: LeaderPath;
  readonly forwarder: WriteForwarder;
  readonly backups: BackupSchedule | undefined;
  readonly faults: { readonly clock?: ClockSkew | undefined; readonly disk?: DiskStall | undefined };
  readonly stopCompacting: () => void;
}

/**
 * One member, assembled: storage, node and peer transport open, its port not yet bound. Give it
 * APIs with `serveApis`, then `start()` it; `stop()` ends it gracefully. After a failed start
 * step, or after a fatal fault, nothing of it is left open: every piece was added to its
 * StartUndo as it opened, and that closes them all in reverse.
 */
export class AssembledMember {
  readonly id: string;
  readonly node: FleetMember;
  private readonly parts: ApiPart[] = [];
  private front: Front | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    /** What the API parts are built from (serve-apis.ts). */
    readonly pieces: MemberPieces,
    private readonly undo: StartUndo,
  ) {
    this.id = pieces.opts.id;
    this.node = pieces.node;
  }

  /** What fleet.v1's `Status` adds from outside the node, with the member's credentials (member-calls.ts). */
  memberCallOptions(): MemberCallOptions {
    const { auth, transport, backups } = this.pieces;
    return { ...auth, peerRefusals: () => transport.trouble.list(), backup: () => backups?.status() };
  }

  /** Adds what an API serves besides its gRPC services (registered on `pieces.server` before `start()`). */
  add(part: ApiPart): void {
    this.parts.push(part);
    this.undo.add(() => part.close());
  }

  /** Runs one step of the start; if it fails, everything opened so far is closed and the error rethrown. */
  async startStep<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.undo.run(this.pieces.logger);
      throw err;
    }
  }

  /** Binds the port (every listener before the node runs), then starts the node. Resolves with the port once it serves. */
  start(): Promise<number> {
    return this.startStep(() => this.listenAndRun());
  }

  private async listenAndRun(): Promise<number> {
    const { opts, logger, server, node, transport, backups, metrics, clusterId } = this.pieces;
    const port = await bindPort(server, opts);
    // The front first, so that the bounds run before it: a refused connection is never held.
    const refusals = new ConnectionRefusals((obj, msg) => logger.warn(obj, msg), () => performance.now());
    metrics?.countRefusedConnections(refusals);
    const http = this.parts.map((p) => p.bound?.(port)).find((h) => h !== undefined);
    const front = (this.front = frontAuthorities(server, {
      onIdleClosed: (a) => refusals.refused(a, 'idle'),
      onEvicted: (a) => refusals.refused(a, 'evicted'),
      peerStream: { paths: FRAMED_PATHS, take: (stream, headers) => transport.servePeerStream(stream, headers) },
      ...http,
    }));
    this.undo.add(() => front.close());
    limitConnections(server, { ...this.pieces.bounds, onRefused: (a, why) => refusals.refused(a, why), makeRoom: () => front.evictOldest() });
    node.start(transport, (err) => this.fail(err));
    transport.announce();
    await backups?.start();
    for (const part of this.parts) part.serving?.(true);
    const peerAuth = [opts.tls?.ca ? 'mutual-tls' : undefined, opts.peerSecret ? 'peer-secret' : undefined].filter(Boolean).join('+') || 'none';
    logger.info({ listen: opts.listen, port, founders: Object.fromEntries(opts.founders), dataDir: opts.dataDir, clusterId: clusterId.current() ?? '(learned on join)', peerAuth, ...(opts.backup ? { backup: opts.backup } : {}), ...opts.startLine }, 'member started');
    return port;
  }

  /** Stops the member: its APIs first, then a leader hands off, then the node, the port and storage. */
  stop(): Promise<void> {
    return (this.stopping ??= this.stopNow());
  }

  private async stopNow(): Promise<void> {
    const { server, node, transport, backups, leaderPath, stopCompacting, metricsServer, storage, logger } = this.pieces;
    for (const part of this.parts) part.serving?.(false);
    backups?.stop();
    for (const part of this.parts) part.close();
    leaderPath.close();
    stopCompacting();
    await node.handOff();
    node.stop();
    transport.close();
    // Clients and peers keep streams open for ever: give in-flight calls a moment, then close.
    const forced = setTimeout(() => server.forceShutdown(), 500);
    this.front?.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(forced);
    metricsServer?.close();
    await storage.close();
    logger.info({}, 'stopped');
  }

  /**
   * A disk write or fsync failed: the member must be gone at once, port and all, so that clients
   * and peers turn to the others. Nothing here waits on the disk that failed: no leadership
   * hand-off (it waits for a follower to catch up), no flush of pending writes (the disk refuses
   * them), no graceful drain of calls: every step is synchronous and nothing is awaited, so the
   * end is bounded by construction (even a graceful stop already under way is cut short). Then
   * the caller's `onFatal` decides what follows.
   */
  private fail(err: Error): void {
    const { server, node, transport, backups, metricsServer, storage, logger, onFatal } = this.pieces;
    logger.fatal({ err }, err instanceof NodeError ? `fatal: ${err.message}` : 'fatal storage error: exiting');
    const steps = [
      ...this.parts.map((part) => () => part.serving?.(false)),
      () => backups?.stop(),
      ...this.parts.map((part) => () => part.close()),
      () => node.stop(),
      () => transport.close(),
      () => this.front?.close(),
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
    onFatal(err);
  }
}
