/**
 * Test harness for the gRPC services: a fake NodeApi over an in-memory FleetStateMachine (no
 * Raft: writes apply at once, a flag says whether this node leads), and a real grpc-js server
 * on a free port that serves the client, admin and health services over it.
 */
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeFeed, FleetStateMachine, encodeCommand, type Actor, type ApplyResult } from '../../../src/core/fleet/index.js';
import { NodeError, type MemberStatus, type ReadConsistency } from '../../../src/core/node/api.js';
import type { NodeApi, WriteRequest } from '../../../src/core/node/member-api.js';
import { DEFAULT_AUTOPILOT, mergeSettings, type AutopilotPatch, type AutopilotSettings } from '../../../src/core/node/autopilot/settings.js';
import { createAdminService } from '../../../src/core/server/admin/admin-service.js';
import { createClientService } from '../../../src/core/server/fleet-api/client-service.js';
import type { AuthOptions } from '../../../src/core/server/guard/auth.js';
import { DEFAULT_BOUNDS, type ServerBounds } from '../../../src/core/server/guard/bounds.js';
import { limitConnections } from '../../../src/core/server/guard/connection-limit.js';
import { HealthService } from '../../../src/core/server/fleet-api/health-service.js';
import { loadFleetProto } from '../../../src/proto/index.js';

/** How a fake node behaves. */
export interface FakeNodeOptions {
  readonly id: string;
  /** Whether it leads (writes and linearizable reads need that). */
  leader?: boolean;
  /** The term it reports. */
  term?: number;
  /** Who it names as leader when it does not lead. */
  leaderHint?: { id: string; address: string };
}

/**
 * A NodeApi without Raft. Writes apply to the state machine at once (so the session table gives
 * exactly-once for real); answers may be delayed out of order or dropped to exercise clients.
 */
export class FakeNode implements NodeApi {
  readonly id: string;
  readonly sm = new FleetStateMachine();
  readonly changes = new ChangeFeed();
  address = '';
  /** The region its status reports ('' none). */
  region = '';
  leader: boolean;
  term: number;
  leaderHint: { id: string; address: string };
  /** Answers to drop (the write applies, the answer never comes): for retry tests. */
  dropAnswers = 0;
  /** Hold every answer until this many writes wait at once, then answer them newest first (0: answer at once). */
  gate = 0;
  /** Write calls that reached this node, and the most that were waiting at once. */
  writeCalls = 0;
  pending = 0;
  maxPending = 0;
  readonly #held: (() => void)[] = [];
  readonly #dir = mkdtempSync(join(tmpdir(), 'fleet-fake-node-'));
  #index = 0;
  #snapshot: { index: number; term: number; path: string } | undefined;

  constructor(opts: FakeNodeOptions) {
    this.id = opts.id;
    this.leader = opts.leader ?? true;
    this.term = opts.term ?? 1;
    this.leaderHint = opts.leaderHint ?? { id: '', address: '' };
    this.sm.changes = this.changes;
  }

  #notLeader(): NodeError {
    return new NodeError('NOT_LEADER', `${this.id} is not the leader`, { leaderId: this.leaderHint.id, leaderAddress: this.leaderHint.address });
  }

  async recordAudit(by: Actor, op: string, args: Readonly<Record<string, unknown>>, outcome: string): Promise<void> {
    await this.write({ clientId: '', seq: 0, firstIncomplete: 0, by, op: { type: 'audit.record', op, args, outcome } });
  }

  async submit(): Promise<{ value: unknown; index: number }> {
    throw new NodeError('FAILED_PRECONDITION', 'this fake hosts no application state machine');
  }

  async write(req: WriteRequest): Promise<ApplyResult> {
    this.writeCalls++;
    if (!this.leader) throw this.#notLeader();
    const data = encodeCommand({ clientId: req.clientId, seq: req.seq, firstIncomplete: req.firstIncomplete, time: Date.now(), ...(req.by ? { by: req.by } : {}), op: req.op });
    const result = this.sm.apply(++this.#index, data);
    if (this.dropAnswers > 0) {
      this.dropAnswers--;
      return new Promise<never>(() => {});
    }
    if (this.gate === 0) return result;
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    await new Promise<void>((resolve) => {
      this.#held.push(resolve);
      if (this.#held.length >= this.gate) for (const release of this.#held.splice(0).reverse()) release();
    });
    this.pending--;
    return result;
  }

  async read<T>(consistency: ReadConsistency, fn: (sm: FleetStateMachine) => T): Promise<{ value: T; index: number }> {
    if (consistency.mode === 'linearizable' && !this.leader) throw this.#notLeader();
    if (consistency.mode === 'min-index' && this.sm.appliedIndex < consistency.index) throw new NodeError('TIMEOUT', `${this.id} has not applied ${consistency.index}`);
    return { value: fn(this.sm), index: this.sm.appliedIndex };
  }

  status(): MemberStatus {
    return {
      id: this.id,
      address: this.address,
      clusterName: 'test',
      role: this.leader ? 'leader' : 'follower',
      term: this.term,
      leaderId: this.leader ? this.id : this.leaderHint.id,
      leaderAddress: this.leader ? this.address : this.leaderHint.address,
      commitIndex: this.#index,
      appliedIndex: this.sm.appliedIndex,
      lastIndex: this.#index,
      snapshotIndex: this.#snapshot?.index ?? 0,
      members: [{ id: this.id, address: this.address, voter: true }],
      progress: this.leader ? [{ id: 'n9', match: 1, next: 2, state: 'replicate', recentActive: true, learner: false, lag: 0 }] : [],
      lastContactMs: this.leader ? 0 : 5,
      uptimeMs: 1000,
      version: 'test',
      rssBytes: 1 << 20,
      snapshotsTaken: 0,
      elections: 1,
      repairsCompleted: 0,
      autopilot: undefined,
      storage: 'ok',
      ...(this.region === '' ? {} : { region: this.region }),
    };
  }

  async transferLeadership(to?: string): Promise<{ from: string; to: string; tookMs: number }> {
    if (!this.leader) throw this.#notLeader();
    return { from: this.id, to: to ?? 'n2', tookMs: 12 };
  }

  async takeSnapshot(): Promise<{ index: number; term: number; bytes: number; path: string }> {
    const data = this.sm.snapshot();
    const path = join(this.#dir, `snap-${this.sm.appliedIndex}.bin`);
    writeFileSync(path, data);
    this.#snapshot = { index: this.sm.appliedIndex, term: this.term, path };
    return { ...this.#snapshot, bytes: data.byteLength };
  }

  async latestSnapshot(): Promise<{ index: number; term: number; path: string } | undefined> {
    return this.#snapshot;
  }

  async addMember(id: string): Promise<void> {
    if (!this.leader) throw this.#notLeader();
    if (id === this.id) throw new NodeError('FAILED_PRECONDITION', `${id} is already a member`);
  }

  async promoteMember(): Promise<void> {}

  async removeMember(): Promise<void> {}

  /** Autopilot settings kept in memory (the real node replicates them). */
  autopilot: AutopilotSettings = DEFAULT_AUTOPILOT;

  async autopilotSettings(): Promise<{ settings: AutopilotSettings }> {
    return { settings: this.autopilot };
  }

  async setAutopilot(patch: AutopilotPatch): Promise<{ settings: AutopilotSettings }> {
    if (!this.leader) throw this.#notLeader();
    const merged = mergeSettings(this.autopilot, patch);
    if (!merged.ok) throw new NodeError('INVALID_ARGUMENT', merged.problem);
    this.autopilot = merged.settings;
    return { settings: this.autopilot };
  }

  /** Removes the snapshot directory. */
  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A running server over one fake node. */
export interface TestServer {
  readonly node: FakeNode;
  /** Session streams opened so far. */
  readonly sessions: () => number;
  readonly server: grpc.Server;
  readonly address: string;
  readonly health: HealthService;
  stop(): Promise<void>;
}

/** Serves `node` on 127.0.0.1 at a free port, with the member's bounds (`DEFAULT_BOUNDS` but those given). */
export async function startServer(node: FakeNode, auth: AuthOptions = {}, bounds: Partial<ServerBounds> = {}): Promise<TestServer> {
  const proto = loadFleetProto();
  const limits: ServerBounds = { ...DEFAULT_BOUNDS, ...bounds };
  const server = new grpc.Server({ 'grpc.max_concurrent_streams': limits.maxStreamsPerConnection });
  const handlers = createClientService(node, { ...auth, bounds: limits });
  let sessions = 0;
  const openSession = handlers.Session;
  handlers.Session = (call) => {
    sessions++;
    openSession(call);
  };
  server.addService(proto.fleet.v1.Fleet.service, handlers);
  server.addService(proto.fleet.v1.Admin.service, createAdminService(node, { ...auth, snapshotChunkBytes: 1024 }));
  const health = new HealthService([], { max: limits.maxHealthWatches, maxPerAddress: limits.maxHealthWatchesPerAddress });
  health.addTo(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  limitConnections(server, limits);
  node.address = `127.0.0.1:${port}`;
  health.setServing('', true);
  return {
    node,
    sessions: () => sessions,
    server,
    address: node.address,
    health,
    stop: async () => {
      server.forceShutdown();
      node.dispose();
    },
  };
}

/** A TCP server that accepts connections and never says a word (not even HTTP/2's preface). */
export async function startSilentServer(): Promise<{ address: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An address nothing listens on: a port that was free a moment ago. */
export async function closedPortAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** Waits until `condition` holds, checking every few ms; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
