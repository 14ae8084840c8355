/**
 * The admin API (service fleet.v1.Admin): leadership transfer, snapshots and membership, over
 * NodeApi. Each operation is a row of ADMIN_OPERATIONS (src/proto/admin-operations.ts), which
 * says the role it needs, whether it streams and how the audit log records it; the handlers here
 * hold only what each operation does, and `createAdminService` gives every one of them the role
 * check, the audit record and the error mapping their row asks for.
 */
import { type Metadata, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { memberAddressProblem, memberIdProblem, parseHostPort } from '../../../common/addresses.js';
import type * as wire from '../../../proto/index.js';
import { ADMIN_OPERATIONS, ADMIN_OP_NAMES, auditArgsOf, type AdminAnswerOut, type AdminOp, type AdminOperation, type AdminRequestIn, type StreamingAdminOp, type UnaryAdminOp } from '../../../proto/admin-operations.js';
import { NodeError } from '../../node/api.js';
import type { NodeApi } from '../../node/member-api.js';
import type { AutopilotPatch } from '../../node/autopilot/settings.js';
import type { Actor } from '../../fleet/index.js';
import { actorOf, authorizeCall, authorizedFirst, type AuthOptions } from '../guard/auth.js';
import { drillAuditOf } from './drill-record.js';
import { forwardedAuditOf, memberAudit, type AuditRecorder } from './member-audit.js';
import { WireError, errorStatus } from '../wire.js';

/** Options of the admin service. */
export type AdminServiceOptions = AuthOptions & {
  /** Bytes per DownloadSnapshot chunk (default 256 KiB: well under gRPC's 4 MiB message limit). */
  readonly snapshotChunkBytes?: number;
  /** How admin effects reach the audit log (default: proposed here, so recorded only on the leader). */
  readonly audit?: AuditRecorder;
};

const DEFAULT_CHUNK = 256 * 1024;

/** What a handler is given besides its request: the member, the service's options, and the call's caller. */
interface AdminContext {
  readonly node: NodeApi;
  readonly opts: AdminServiceOptions;
  readonly audit: AuditRecorder;
  /** Who called: the token's name and the client it said it is. */
  readonly by: Actor;
  readonly metadata: Metadata;
}

/** A streaming handler's context: how to send one message (waiting while the stream is full), and the caller's cancel. */
interface StreamContext<M extends StreamingAdminOp> extends AdminContext {
  send(message: AdminAnswerOut<M>): Promise<void>;
  readonly cancelled: AbortSignal;
}

/** What a unary operation does: its answer. */
type ServeUnary<M extends UnaryAdminOp> = (req: AdminRequestIn<M>, ctx: AdminContext) => Promise<AdminAnswerOut<M>>;
/** What a streaming operation does: sends its stream, and resolves when it is done. */
type ServeStream<M extends StreamingAdminOp> = (req: AdminRequestIn<M>, ctx: StreamContext<M>) => Promise<void>;

/** A handler `Serve`, optionally with a check of the request that runs first: a request it refuses reaches neither the node nor the audit log. */
type Checked<Req, Serve> = Serve | { readonly check: (req: Req) => Promise<void>; readonly serve: Serve };


/** The outcome an audit entry gives a failure. */
function outcomeOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof NodeError ? `${err.code}: ${message}` : `ERROR: ${message}`;
}

/** What a change outside the registry records in the audit log: its name and arguments. */
interface AuditedOp {
  readonly op: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/**
 * Records a change in the audit log, best effort: the change is done (or failed) either way. An
 * effect that landed on a follower goes to the leader with the caller's `metadata` (member-audit.ts).
 */
async function record(audit: AuditRecorder, by: Actor, what: AuditedOp, outcome: string, metadata?: Metadata): Promise<void> {
  try {
    await audit(by, what.op, what.args, outcome, metadata);
  } catch {
    // No leader, or no quorum: nothing to add to the caller's answer.
  }
}

/** Runs `serve`, then records it with its outcome; a refusal because this member does not lead is not recorded. */
async function auditedAfter<T>(ctx: AdminContext, what: AuditedOp, serve: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await serve();
  } catch (err) {
    if (!(err instanceof NodeError && err.code === 'NOT_LEADER')) await record(ctx.audit, ctx.by, what, outcomeOf(err), ctx.metadata);
    throw err;
  }
  await record(ctx.audit, ctx.by, what, 'ok', ctx.metadata);
  return result;
}

/**
 * Records `what` as requested before `serve` runs, when this member leads, and again with the
 * failure if it fails while this member still leads (the `before` rows of the table).
 */
async function auditedBefore<T>(node: { status(): { readonly role: string } }, audit: AuditRecorder, by: Actor, what: AuditedOp, serve: () => Promise<T>): Promise<T> {
  if (node.status().role === 'leader') await record(audit, by, what, 'requested');
  try {
    return await serve();
  } catch (err) {
    if (node.status().role === 'leader') await record(audit, by, what, outcomeOf(err));
    throw err;
  }
}

/** Runs operation `name` as its row says: its handler's check, then `run` of its handler, recorded in the audit log as declared. */
async function perform<M extends AdminOp, Serve extends (...args: never[]) => Promise<unknown>, T>(name: M, handler: Checked<AdminRequestIn<M>, Serve>, req: AdminRequestIn<M>, ctx: AdminContext, run: (serve: Serve) => Promise<T>): Promise<T> {
  const declared = (ADMIN_OPERATIONS[name] as AdminOperation<M>).audit;
  // A request its check refuses is not recorded: the check runs before the audit starts.
  if (typeof handler !== 'function') await handler.check(req);
  const act = (): Promise<T> => run(typeof handler === 'function' ? handler : handler.serve);
  if (declared === 'none' || declared === 'itself') return act();
  const what = { op: declared.op, args: auditArgsOf(declared, req, ctx.node.id) };
  return declared.when === 'before' ? auditedBefore(ctx.node, ctx.audit, ctx.by, what, act) : auditedAfter(ctx, what, act);
}

/** How long AddMember waits for a new voter's port to accept a connection. */
const NEWCOMER_PROBE_MS = 2_000;

/**
 * The safety gate of `fleet members add`, on the server, for every client: the id is a safe
 * name (it becomes a file name and is printed), the address is host:port (clients connect to
 * what the member list says), and a new voter answers at its address (a voter that cannot vote
 * only lowers the cluster's fault tolerance). A learner may be added before it is started.
 * etcd's MemberAdd passes through it too (etcd-cluster-service.ts).
 */
export async function checkAddMember(req: Pick<wire.AddMemberRequest__Output, 'id' | 'address' | 'learner'>): Promise<void> {
  const idProblem = req.id === '' ? 'a member id is required' : memberIdProblem(req.id);
  if (idProblem !== undefined) throw new WireError(`id: ${idProblem}`);
  if (req.address === '') throw new WireError("address: the new member's host:port is required");
  const addressProblem = memberAddressProblem(req.address);
  if (addressProblem !== undefined) throw new WireError(`address: ${addressProblem}`);
  if (!req.learner && !(await accepts(req.address, NEWCOMER_PROBE_MS))) {
    throw new NodeError('FAILED_PRECONDITION', `a new voter must answer at its address, and nothing accepted a connection at ${req.address} within ${NEWCOMER_PROBE_MS} ms: start it first (fleet node start --join), or add it as a learner`, { reason: 'newcomer-unreachable' });
  }
}

/** Whether a TCP connection to `address` is accepted within `timeoutMs`. */
function accepts(address: string, timeoutMs: number): Promise<boolean> {
  const { host, port } = parseHostPort(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

function requireId(id: string, field: string): string {
  if (id === '') throw new WireError(`${field}: a member id is required`);
  return id;
}

/** A conditional membership change's configuration index; undefined when the request sets none. */
function ifConfigIndexOf(req: { ifConfigIndex?: number | null; _ifConfigIndex?: string }): number | undefined {
  return req.ifConfigIndex === undefined || req.ifConfigIndex === null ? undefined : req.ifConfigIndex;
}

function members(node: NodeApi): wire.MembersResponse {
  const s = node.status();
  return { members: s.members.map((m) => ({ ...m })), leaderId: s.leaderId };
}

/** How often WatchMembers looks at the member's status for a change (the node has no event for it). */
const WATCH_MEMBERS_EVERY_MS = 250;

/** Sends the membership, then again whenever it changes (members, roles, leader), until the caller cancels. */
async function watchMembers(_req: wire.ListMembersRequest__Output, { node, send, cancelled }: StreamContext<'WatchMembers'>): Promise<void> {
  let sent = '';
  while (!cancelled.aborted) {
    const now = members(node);
    const seen = JSON.stringify(now);
    if (seen !== sent) await send(now);
    sent = seen;
    await sleep(WATCH_MEMBERS_EVERY_MS, undefined, { signal: cancelled }).catch(() => undefined);
  }
}

/** Streams the newest snapshot file (taking one first if asked, or if there is none). */
async function streamSnapshot(req: wire.DownloadSnapshotRequest__Output, { node, opts, send, cancelled }: StreamContext<'DownloadSnapshot'>): Promise<void> {
  const chunkBytes = opts.snapshotChunkBytes ?? DEFAULT_CHUNK;
  let snap = req.fresh ? undefined : await node.latestSnapshot();
  if (snap === undefined) {
    await node.takeSnapshot();
    snap = await node.latestSnapshot();
  }
  if (snap === undefined) throw new NodeError('FAILED_PRECONDITION', 'this member has no snapshot to send, even after taking one');
  const file = await open(snap.path, 'r');
  try {
    const total = (await file.stat()).size;
    const buffer = Buffer.alloc(chunkBytes);
    let offset = 0;
    let first = true;
    // The first chunk goes out even for an empty file: it carries the index and term.
    while (!cancelled.aborted && (first || offset < total)) {
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, offset);
      const data = Buffer.from(buffer.subarray(0, bytesRead));
      await send(first ? { index: snap.index, term: snap.term, totalBytes: total, data } : { data });
      offset += bytesRead;
      first = false;
      if (bytesRead === 0) break;
    }
  } finally {
    await file.close();
  }
}

/** Writes a record the caller made (a drill's, or an effect forwarded from the member it landed on) through this member, which must lead. */
async function recordEntry(ctx: AdminContext, entry: { op: string; args: Readonly<Record<string, unknown>>; outcome: string }): Promise<Record<string, never>> {
  await ctx.node.recordAudit(ctx.by, entry.op, entry.args, entry.outcome);
  return {};
}

/** What each unary operation does; the rest (role, audit, errors) is its row of ADMIN_OPERATIONS. */
const UNARY_HANDLERS: { readonly [M in UnaryAdminOp]: Checked<AdminRequestIn<M>, ServeUnary<M>> } = {
  ListMembers: async (_req, { node }) => members(node),
  GetAutopilot: async (_req, { node }) => {
    const r = await node.autopilotSettings();
    return { settings: { ...r.settings }, problem: r.problem ?? '' };
  },
  GetAudit: async (req, { node }) => {
    const { value } = await node.read({ mode: 'linearizable' }, (sm) => sm.auditEntries());
    const entries = value.filter((e) => e.time >= req.sinceTime && (req.who === '' || e.who === req.who));
    return { entries: entries.map((e) => ({ index: e.index, time: e.time, who: e.who, client: e.client, op: e.op, argsJson: e.args, outcome: e.outcome })) };
  },
  TransferLeader: async (req, { node }) => {
    const r = await node.transferLeadership(req.to === undefined || req.to === '' ? undefined : req.to);
    return { from: r.from, to: r.to, tookMs: r.tookMs };
  },
  TakeSnapshot: async (_req, { node }) => {
    const r = await node.takeSnapshot();
    return { index: r.index, term: r.term, bytes: r.bytes, path: r.path };
  },
  AddMember: {
    check: checkAddMember,
    serve: async (req, { node }) => {
      await node.addMember(req.id, req.address, req.learner, ifConfigIndexOf(req));
      return members(node);
    },
  },
  PromoteMember: async (req, { node }) => {
    await node.promoteMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
    return members(node);
  },
  RemoveMember: async (req, { node }) => {
    await node.removeMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
    return members(node);
  },
  SetAutopilot: async (req, { node }) => {
    const r = await node.setAutopilot(autopilotPatch(req));
    return { settings: { ...r.settings }, problem: '' };
  },
  // Not best effort like an audited operation's record: the record is the call's whole point, so a
  // follower answers NOT_LEADER (the client retries at the leader) and a failure reaches the caller.
  RecordDrill: async (req, ctx) => recordEntry(ctx, drillAuditOf(req, ctx.opts)),
  // On the leader, from the member an effect landed on (member-audit.ts); a follower answers
  // NOT_LEADER, and the sender gives up (it does not chase a leader that moved).
  RecordAudit: async (req, ctx) => recordEntry(ctx, forwardedAuditOf(req, ctx.opts)),
};

/** What each streaming operation does. */
const STREAM_HANDLERS: { readonly [M in StreamingAdminOp]: Checked<AdminRequestIn<M>, ServeStream<M>> } = {
  WatchMembers: watchMembers,
  DownloadSnapshot: streamSnapshot,
};

/** The service-wide part of every call's context. */
type ServiceEnv = Pick<AdminContext, 'node' | 'opts' | 'audit'>;

/** The gRPC handler of a unary operation: the role check, then `perform`, then the answer or the mapped error. */
function unaryHandler<M extends UnaryAdminOp>(env: ServiceEnv, name: M) {
  return (call: ServerUnaryCall<AdminRequestIn<M>, AdminAnswerOut<M>>, callback: sendUnaryData<AdminAnswerOut<M>>): void => {
    const denied = authorizeCall(call, env.opts);
    if (denied) return callback(denied);
    const ctx: AdminContext = { ...env, by: actorOf(call.metadata, env.opts), metadata: call.metadata };
    const handler: Checked<AdminRequestIn<M>, ServeUnary<M>> = UNARY_HANDLERS[name];
    perform(name, handler, call.request, ctx, (serve) => serve(call.request, ctx)).then(
      (res) => callback(null, res),
      (err: unknown) => callback(errorStatus(err)),
    );
  };
}

/** The gRPC handler of a streaming operation: as `unaryHandler`, the stream ended once the handler is done. */
function streamHandler<M extends StreamingAdminOp>(env: ServiceEnv, name: M) {
  return (call: ServerWritableStream<AdminRequestIn<M>, AdminAnswerOut<M>>): void => {
    const denied = authorizeCall(call, env.opts);
    if (denied) {
      call.emit('error', denied);
      return;
    }
    const cancel = new AbortController();
    call.once('cancelled', () => cancel.abort());
    const send = (message: AdminAnswerOut<M>): Promise<void> => (call.write(message) ? Promise.resolve() : new Promise((resolve) => call.once('drain', resolve)));
    const ctx: StreamContext<M> = { ...env, by: actorOf(call.metadata, env.opts), metadata: call.metadata, send, cancelled: cancel.signal };
    const handler: Checked<AdminRequestIn<M>, ServeStream<M>> = STREAM_HANDLERS[name];
    perform(name, handler, call.request, ctx, (serve) => serve(call.request, ctx)).then(
      () => call.end(),
      (err: unknown) => call.emit('error', errorStatus(err)),
    );
  };
}

/**
 * The handlers of fleet.v1.Admin over `node`, one per row of ADMIN_OPERATIONS. Every call passes
 * `authorizeCall` first (the role its row gives it, through RPC_ROLES; checked by
 * `authorizedFirst`), and failures leave with the status the ERRORS rule in client.proto gives.
 */
export function createAdminService(node: NodeApi, opts: AdminServiceOptions = {}): wire.AdminHandlers {
  const env: ServiceEnv = { node, opts, audit: opts.audit ?? memberAudit(node) };
  const handlers: Record<string, unknown> = {};
  for (const name of ADMIN_OP_NAMES) {
    handlers[name] = ADMIN_OPERATIONS[name].answer === 'stream' ? streamHandler(env, name as StreamingAdminOp) : unaryHandler(env, name as UnaryAdminOp);
  }
  return authorizedFirst<wire.AdminHandlers>('Admin', handlers as wire.AdminHandlers);
}

/**
 * A leader transfer, recorded before it starts: once it is done this member no longer leads and
 * could not record it. A transfer that then fails while this member still leads is recorded too.
 * Shared by fleet.v1's TransferLeader and etcd's MoveLeader (`args` says which API asked).
 */
export async function auditedTransfer<T>(
  node: { status(): { readonly role: string }; transferLeadership(to: string | undefined): Promise<T> },
  audit: AuditRecorder,
  by: Actor,
  to: string | undefined,
  args: Readonly<Record<string, unknown>> = {},
): Promise<T> {
  const what = { op: 'leader.transfer', args: to === undefined ? args : { to, ...args } };
  return auditedBefore(node, audit, by, what, () => node.transferLeadership(to));
}

/** The fields the request sets (proto3 `optional`: presence is in the virtual oneof), and no others. */
function autopilotPatch(req: wire.SetAutopilotRequest__Output): AutopilotPatch {
  const patch: Record<string, unknown> = {};
  for (const key of AUTOPILOT_FIELDS) if (req[`_${key}`] === key && req[key] !== undefined) patch[key] = req[key];
  return patch as AutopilotPatch;
}

const AUTOPILOT_FIELDS = ['autoPromoteLearners', 'cleanupDeadMembers', 'deadAfterMs', 'lastContactThresholdMs', 'maxTrailingEntries', 'minQuorum', 'stabilizationMs', 'preferredRegion'] as const;

