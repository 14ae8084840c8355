/**
 * The admin API (service fleet.v1.Admin): leadership transfer, snapshots and membership, over
 * NodeApi. Each call needs the role rpc-roles.ts gives it: ListMembers and GetAutopilot read,
 * every other one admin.
 */
import { type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { open } from 'node:fs/promises';
import { connect } from 'node:net';
import { memberAddressProblem, memberIdProblem, parseHostPort } from '../../common/addresses.js';
import type * as wire from '../../proto/index.js';
import { NodeError } from '../node/api.js';
import type { NodeApi } from '../node/member-api.js';
import type { AutopilotPatch } from '../node/autopilot/settings.js';
import type { Actor } from '../fleet/index.js';
import { actorOf, authorizeCall, type AuthOptions } from './auth.js';
import { drillAuditOf } from './drill-record.js';
import { WireError, errorStatus } from './wire.js';

/** Options of the admin service. */
export type AdminServiceOptions = AuthOptions & {
  /** Bytes per DownloadSnapshot chunk (default 256 KiB: well under gRPC's 4 MiB message limit). */
  readonly snapshotChunkBytes?: number;
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
 * Records a change in the audit log, best effort: the change is done (or failed) either way, and
 * a member that no longer leads cannot record it (see docs/architecture.md, "The audit log").
 */
async function record(node: NodeApi, by: Actor, what: AuditedOp, outcome: string): Promise<void> {
  try {
    await node.recordAudit(by, what.op, what.args, outcome);
  } catch {
    // Not the leader, or no quorum: nothing to add to the caller's answer.
  }
}

/**
 * Like `unary`, and records the call in the audit log afterwards, with its outcome. A refusal
 * because this member does not lead is not recorded: nothing was changed, and the client
 * retries at the leader.
 */
function auditedUnary<Req, Res>(node: NodeApi, opts: AuthOptions, what: (req: Req) => AuditedOp, serve: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    const denied = authorizeCall(call, opts);
    if (denied) return callback(denied);
    const by = actorOf(call.metadata, opts);
    const done = async (outcome: string, answer: () => void): Promise<void> => {
      await record(node, by, what(call.request), outcome);
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
 */
async function checkAddMember(req: wire.AddMemberRequest__Output): Promise<void> {
  const idProblem = req.id === '' ? 'a member id is required' : memberIdProblem(req.id);
  if (idProblem !== undefined) throw new WireError(`id: ${idProblem}`);
  if (req.address === '') throw new WireError("address: the new member's host:port is required");
  const addressProblem = memberAddressProblem(req.address);
  if (addressProblem !== undefined) throw new WireError(`address: ${addressProblem}`);
  if (!req.learner && !(await accepts(req.address, NEWCOMER_PROBE_MS))) {
    throw new NodeError('FAILED_PRECONDITION', `a new voter must answer at its address, and nothing accepted a connection at ${req.address} within ${NEWCOMER_PROBE_MS} ms: start it first (fleet node start --join), or add it as a learner`);
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
 * The handlers of fleet.v1.Admin over `node`. Invariant: every call passes `authorizeCall` first
 * (the role its RPC needs, rpc-roles.ts), and failures leave with the status the ERRORS rule in client.proto gives.
 */
export function createAdminService(node: NodeApi, opts: AdminServiceOptions = {}): wire.AdminHandlers {
  const chunkBytes = opts.snapshotChunkBytes ?? DEFAULT_CHUNK;
  return {
    TransferLeader: (call, callback) => {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      transferAudited(node, actorOf(call.metadata, opts), call.request).then(
        (r) => callback(null, r),
        (err: unknown) => callback(errorStatus(err)),
      );
    },
    TakeSnapshot: auditedUnary(node, opts, () => ({ op: 'snapshot.take', args: {} }), async () => {
      const r = await node.takeSnapshot();
      return { index: r.index, term: r.term, bytes: r.bytes, path: r.path };
    }),
    DownloadSnapshot(call) {
      const denied = authorizeCall(call, opts);
      if (denied) {
        call.emit('error', denied);
        return;
      }
      const audit = (outcome: string) => record(node, actorOf(call.metadata, opts), { op: 'snapshot.download', args: { fresh: call.request.fresh } }, outcome);
      streamSnapshot(node, call, chunkBytes).then(
        () => audit('ok').finally(() => call.end()),
        (err: unknown) => audit(outcomeOf(err)).finally(() => call.emit('error', errorStatus(err))),
      );
    },
    AddMember: checkedFirst(
      opts,
      checkAddMember,
      auditedUnary(node, opts, (req) => ({ op: 'members.add', args: { id: req.id, address: req.address, learner: req.learner } }), async (req: wire.AddMemberRequest__Output) => {
        await node.addMember(req.id, req.address, req.learner, ifConfigIndexOf(req));
        return members(node);
      }),
    ),
    PromoteMember: auditedUnary(node, opts, (req) => ({ op: 'members.promote', args: { id: req.id } }), async (req: wire.PromoteMemberRequest__Output) => {
      await node.promoteMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
      return members(node);
    }),
    RemoveMember: auditedUnary(node, opts, (req) => ({ op: 'members.remove', args: { id: req.id } }), async (req: wire.RemoveMemberRequest__Output) => {
      await node.removeMember(requireId(req.id, 'id'), ifConfigIndexOf(req));
      return members(node);
    }),
    ListMembers: unary(opts, async () => members(node)),
    GetAutopilot: unary(opts, async () => {
      const r = await node.autopilotSettings();
      return { settings: { ...r.settings }, problem: r.problem ?? '' };
    }),
    SetAutopilot: auditedUnary(node, opts, (req) => ({ op: 'autopilot.set', args: autopilotPatch(req) }), async (req: wire.SetAutopilotRequest__Output) => {
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
  };
}

/**
 * A leader transfer, recorded before it starts: once it is done this member no longer leads and
 * could not record it. A transfer that then fails while this member still leads is recorded too.
 */
async function transferAudited(node: NodeApi, by: Actor, req: wire.TransferLeaderRequest__Output): Promise<wire.TransferLeaderResponse> {
  const to = req.to === undefined || req.to === '' ? undefined : req.to;
  const what = { op: 'leader.transfer', args: to === undefined ? {} : { to } };
  if (node.status().role === 'leader') await record(node, by, what, 'requested');
  try {
    const r = await node.transferLeadership(to);
    return { from: r.from, to: r.to, tookMs: r.tookMs };
  } catch (err) {
    if (node.status().role === 'leader') await record(node, by, what, outcomeOf(err));
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

