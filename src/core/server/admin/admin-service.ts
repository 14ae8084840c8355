/**
 * The admin API (service fleet.v1.Admin): leadership transfer, snapshots and membership, over
 * NodeApi. Each call needs the role rpc-roles.ts gives it: ListMembers and GetAutopilot read,
 * every other one admin.
 */
import { type Metadata, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { memberAddressProblem, memberIdProblem, parseHostPort } from '../../../common/addresses.js';
import type * as wire from '../../../proto/index.js';
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

/** Wraps a promise-returning handler: auth first, then the answer or the mapped error. */
function unary<Req, Res>(opts: AuthOptions, serve: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const denied = authorizeCall(call, opts);
    if (denied) return callback(denied);
    serve(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(errorStatus(err)),
    );
  };
}

/** What a change outside the registry records in the audit log: its name and arguments. */
interface AuditedOp {
  readonly op: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** The outcome an audit entry gives a failure. */
function outcomeOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof NodeError ? `${err.code}: ${message}` : `ERROR: ${message}`;
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

/**
 * Like `unary`, and records the call in the audit log afterwards, with its outcome. A refusal
 * because this member does not lead is not recorded: nothing was changed, and the client
 * retries at the leader.
 */
function auditedUnary<Req, Res>(audit: AuditRecorder, opts: AuthOptions, what: (req: Req) => AuditedOp, serve: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const denied = authorizeCall(call, opts);
    if (denied) return callback(denied);
    const by = actorOf(call.metadata, opts);
    const done = async (outcome: string, answer: () => void): Promise<void> => {
      await record(audit, by, what(call.request), outcome, call.metadata);
      answer();
    };
    serve(call.request).then(
      (res) => done('ok', () => callback(null, res)),
      (err: unknown) => (err instanceof NodeError && err.code === 'NOT_LEADER' ? callback(errorStatus(err)) : done(outcomeOf(err), () => callback(errorStatus(err)))),
    );
  };
}

/**
 * Runs `check` on the request (after the admin credential) before `handler`: a request it refuses
 * is answered with its status and reaches neither the log nor the audit trail.
 */
function checkedFirst<Req, Res>(opts: AuthOptions, check: (req: Req) => Promise<void>, handler: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const denied = authorizeCall(call, opts);
    if (denied) return callback(denied);
    check(call.request).then(
      () => handler(call, callback),
      (err: unknown) => callback(errorStatus(err)),
    );
  };
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

/** Writes one message, waiting for the stream to drain when its buffer is full. */
function writeChunk(call: ServerWritableStream<wire.DownloadSnapshotRequest__Output, wire.SnapshotData>, chunk: wire.SnapshotData): Promise<void> {
  if (call.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => call.once('drain', resolve));
}

/** Streams the newest snapshot file (taking one first if asked, or if there is none). */
async function streamSnapshot(node: NodeApi, call: ServerWritableStream<wire.DownloadSnapshotRequest__Output, wire.SnapshotData>, chunkBytes: number): Promise<void> {
  let snap = call.request.fresh ? undefined : await node.latestSnapshot();
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
    let cancelled = false;
    call.once('cancelled', () => (cancelled = true));
    // The first chunk goes out even for an empty file: it carries the index and term.
    while (!cancelled && (first || offset < total)) {
      const { bytesRead } = await file.read(buffer, 0, chunkBytes, offset);
      const data = Buffer.from(buffer.subarray(0, bytesRead));
      await writeChunk(call, first ? { index: snap.index, term: snap.term, totalBytes: total, data } : { data });
      offset += bytesRead;
      first = false;
      if (bytesRead === 0) break;
    }
  } finally {
    await file.close();
  }
}

/**
 * The handlers of fleet.v1.Admin over `node`. Every call passes `authorizeCall` first (the role
 * its RPC needs, rpc-roles.ts; checked by `authorizedFirst`), and failures leave with the status
 * the ERRORS rule in client.proto gives.
 */
export function createAdminService(node: NodeApi, opts: AdminServiceOptions = {}): wire.AdminHandlers {
  const chunkBytes = opts.snapshotChunkBytes ?? DEFAULT_CHUNK;
  const audit = opts.audit ?? memberAudit(node);
  return authorizedFirst<wire.AdminHandlers>('Admin', {
    TransferLeader: (call, callback) => {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      const to = call.request.to === undefined || call.request.to === '' ? undefined : call.request.to;
      auditedTransfer(node, audit, actorOf(call.metadata, opts), to).then(
        (r) => callback(null, { from: r.from, to: r.to, tookMs: r.tookMs }),
        (err: unknown) => callback(errorStatus(err)),
      );
    },
    // Taken on the member it reached, follower or leader: the entry says which.
    TakeSnapshot: auditedUnary(audit, opts, () => ({ op: 'snapshot.take', args: { member: node.id } }), async () => {
      const r = await node.takeSnapshot();
      return { index: r.index, term: r.term, bytes: r.bytes, path: r.path };
    }),
    DownloadSnapshot(call) {
      const denied = authorizeCall(call, opts);
      if (denied) {
        call.emit('error', denied);
        return;
      }
      const recorded = (outcome: string) => record(audit, actorOf(call.metadata, opts), { op: 'snapshot.download', args: { member: node.id, fresh: call.request.fresh } }, outcome, call.metadata);
      streamSnapshot(node, call, chunkBytes).then(
        () => recorded('ok').finally(() => call.end()),
        (err: unknown) => recorded(outcomeOf(err)).finally(() => call.emit('error', errorStatus(err))),
      );
    },
    AddMember: checkedFirst(
      opts,
      checkAddMember,
      auditedUnary(audit, opts, (req) => ({ op: 'members.add', args: { id: req.id, address: req.address, learner: req.learner } }), async (req: wire.AddMemberRequest__Output) => {
        await node.addMember(req.id, req.address, req.learner, ifConfigIndexOf(req));
        return members(node);
      }),
    ),
    PromoteMember: auditedUnary(audit, opts, (req) => ({ op: 'members.promote', args: { id: req.id } }), async (req: wire.PromoteMemberRequest__Output) => {
      await node.promoteMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
      return members(node);
    }),
    RemoveMember: auditedUnary(audit, opts, (req) => ({ op: 'members.remove', args: { id: req.id } }), async (req: wire.RemoveMemberRequest__Output) => {
      await node.removeMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
      return members(node);
    }),
    ListMembers: unary(opts, async () => members(node)),
    GetAutopilot: unary(opts, async () => {
      const r = await node.autopilotSettings();
      return { settings: { ...r.settings }, problem: r.problem ?? '' };
    }),
    SetAutopilot: auditedUnary(audit, opts, (req) => ({ op: 'autopilot.set', args: autopilotPatch(req) }), async (req: wire.SetAutopilotRequest__Output) => {
      const r = await node.setAutopilot(autopilotPatch(req));
      return { settings: { ...r.settings }, problem: '' };
    }),
    GetAudit: unary(opts, async (req: wire.GetAuditRequest__Output) => {
      const { value } = await node.read({ mode: 'linearizable' }, (sm) => sm.auditEntries());
      const entries = value.filter((e) => e.time >= req.sinceTime && (req.who === '' || e.who === req.who));
      return { entries: entries.map((e) => ({ index: e.index, time: e.time, who: e.who, client: e.client, op: e.op, argsJson: e.args, outcome: e.outcome })) };
    }),
    // Not best effort like `record`: the record is the call's whole point, so a follower answers
    // NOT_LEADER (the client retries at the leader) and a failure reaches the caller.
    RecordDrill: (call, callback) => {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      const by = actorOf(call.metadata, opts);
      Promise.resolve()
        .then(async () => {
          const entry = drillAuditOf(call.request, opts);
          await node.recordAudit(by, entry.op, entry.args, entry.outcome);
        })
        .then(
          () => callback(null, {}),
          (err: unknown) => callback(errorStatus(err)),
        );
    },
    // On the leader, from the member an effect landed on (member-audit.ts); a follower answers
    // NOT_LEADER, and the sender gives up (it does not chase a leader that moved).
    RecordAudit: (call, callback) => {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      const by = actorOf(call.metadata, opts);
      Promise.resolve()
        .then(async () => {
          const entry = forwardedAuditOf(call.request, opts);
          await node.recordAudit(by, entry.op, entry.args, entry.outcome);
        })
        .then(
          () => callback(null, {}),
          (err: unknown) => callback(errorStatus(err)),
        );
    },
  });
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
  if (node.status().role === 'leader') await record(audit, by, what, 'requested');
  try {
    return await node.transferLeadership(to);
  } catch (err) {
    if (node.status().role === 'leader') await record(audit, by, what, outcomeOf(err));
    throw err;
  }
}

/** The fields the request sets (proto3 `optional`: presence is in the virtual oneof), and no others. */
function autopilotPatch(req: wire.SetAutopilotRequest__Output): AutopilotPatch {
  const patch: Record<string, unknown> = {};
  for (const key of AUTOPILOT_FIELDS) if (req[`_${key}`] === key && req[key] !== undefined) patch[key] = req[key];
  return patch as AutopilotPatch;
}

const AUTOPILOT_FIELDS = ['autoPromoteLearners', 'cleanupDeadMembers', 'deadAfterMs', 'lastContactThresholdMs', 'maxTrailingEntries', 'minQuorum', 'stabilizationMs', 'preferredRegion'] as const;

