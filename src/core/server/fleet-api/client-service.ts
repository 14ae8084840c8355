/**
 * The client API (service fleet.v1.Fleet): translates wire requests to NodeApi calls and the
 * answers back, following the ERRORS rule of proto/fleet/v1/client.proto.
 */
import { Metadata, status, type ServerDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { METADATA, loadFleetProto } from '../../../proto/index.js';
import type * as wire from '../../../proto/index.js';
import type { Actor, Command, CommandType } from '../../fleet/index.js';
import { NodeError } from '../../node/api.js';
import type { NodeApi } from '../../node/member-api.js';
import { grants, roleRefusal, commandRole, type Role } from '../../../common/roles.js';
import { actorOf, authorizeCall, authorizedFirst, callerOf, type AuthOptions } from '../guard/auth.js';
import { consistencyFromWire, errorStatus, failureOf, refusalCode } from '../wire.js';
import { writeRequestFromWire } from './wire-commands.js';
import { guarded, queryFromWire } from './wire-reads.js';
import { writeResponseToWire } from './wire-results.js';
import { DEFAULT_BOUNDS, StreamBudget, exhausted, type ServerBounds } from '../guard/bounds.js';
import { defaultWatchLimits, runWatch, type WatchLimits } from './watch-stream.js';
import { registryErrorLimit, type LimitRefusals } from '../guard/limit-refusals.js';
import type { WriteForwarder } from '../write-forwarder.js';
import { memberCalls, type MemberCallOptions } from '../member-calls.js';

/** Options of the client service: credentials, the bounds on what one client may hold (default `DEFAULT_BOUNDS`), and what the status adds from outside the node: the peer streams refused (peer-trouble.ts). */
export type ClientServiceOptions = MemberCallOptions & {
  readonly bounds?: ServerBounds | undefined;
  /** Counts the bounds' refusals (fleet_limit_refusals_total). */
  readonly limitRefusals?: LimitRefusals | undefined;
  /** Sends a unary Write this member cannot propose (a follower) to the leader; without one, the caller is redirected. */
  readonly forwarder?: WriteForwarder | undefined;
};

/** What the session streams of one member may hold. */
interface SessionLimits {
  readonly streams: StreamBudget;
  readonly maxFrameOps: number;
  readonly maxInFlight: number;
  /** Told of a frame over `maxFrameOps`, and of each time a stream stops being read at `maxInFlight`. */
  readonly refused: (limit: 'session-frame-ops' | 'session-in-flight') => void;
  /** Counts the writes refused for want of room in the registry. */
  readonly refusals: LimitRefusals | undefined;
}

/** A write's answer, or the refusal to fail a unary call with (it carries the same answer). */
type WriteOutcome = { readonly response: wire.WriteResponse; readonly refusal?: Partial<StatusObject> };

/** Who sends a call's writes: the actor the audit log records, and the role their token holds. */
interface Writer {
  readonly by: Actor;
  readonly role: Role;
}

/** The caller of an authorized call (authorizeCall passed, so the token names a caller). */
function writerOf(metadata: Metadata, opts: AuthOptions): Writer {
  return { by: actorOf(metadata, opts), role: callerOf(metadata, opts)?.role ?? 'read' };
}

/** Refuses a write its token's role does not allow (COMMAND_ROLES): prune, forced removal and plan progress need admin. */
function checkWriteRole(op: Command, writer: Writer): void {
  const needed = commandRole(op);
  if (!grants(writer.role, needed)) {
    const what = op.type === 'shard.remove' && op.force === true ? 'shard.remove with force' : op.type;
    throw new NodeError('PERMISSION_DENIED', roleRefusal(what, needed, writer.role, writer.by.token));
  }
}

/**
 * Serves one write on this member. A refusal for want of room in the registry is counted here,
 * where it is answered (not for a retry answered from the session table, nor by a follower that
 * forwarded the write: the leader answers it).
 */
async function serveWrite(node: NodeApi, req: wire.WriteRequest__Output, serialize: (r: wire.WriteResponse) => Buffer, writer: Writer, refusals: LimitRefusals | undefined): Promise<WriteOutcome> {
  const request = { ...writeRequestFromWire(req), by: writer.by };
  checkWriteRole(request.op, writer);
  const type: CommandType = request.op.type;
  const result = await node.write(request);
  const response = writeResponseToWire(type, result);
  if (result.ok) return { response };
  const limit = result.duplicate === true ? undefined : registryErrorLimit(result.message);
  if (limit !== undefined) refusals?.refused(limit);
  const metadata = new Metadata();
  metadata.set(METADATA.errorCode, result.code);
  metadata.set(METADATA.writeResponse, serialize(response));
  return { response, refusal: { code: refusalCode(result.code), details: result.message, metadata } };
}

async function serveRead(node: NodeApi, req: wire.ReadRequest__Output): Promise<wire.ReadResponse> {
  const query = guarded(queryFromWire(req));
  const { value, index } = await node.read(consistencyFromWire(req), query);
  if (!value.ok) throw value.error;
  return { ...value.response, index, servedBy: node.id };
}

/** Serves one operation of a session stream; never rejects (failures become the answer). */
async function serveSessionOp(node: NodeApi, req: wire.SessionRequest__Output, serialize: (r: wire.WriteResponse) => Buffer, writer: Writer, refusals: LimitRefusals | undefined): Promise<wire.SessionResponse> {
  const id = req.id;
  try {
    if (req.op === 'write' && req.write) return { id, write: (await serveWrite(node, req.write, serialize, writer, refusals)).response };
    if (req.op === 'read' && req.read) return { id, read: await serveRead(node, req.read) };
    return { id, error: { code: status.INVALID_ARGUMENT, message: 'op: none set; set write or read' } };
  } catch (err) {
    const f = failureOf(err);
    return { id, error: { code: f.code, message: f.message, notLeader: f.notLeader, leaderId: f.leaderId, leaderAddress: f.leaderAddress } };
  }
}

/**
 * Runs a session stream: every request is served concurrently and answered as soon as it is
 * done, in any order. Answers completed in the same microtask checkpoint leave as one frame.
 * When the client half-closes, the stream ends after the last answer. Reading pauses while the
 * answers back up (the client reads slower than it sends) and while `maxInFlight` operations are
 * being served (the rest of a frame waits its turn); a frame of more than `maxFrameOps` operations
 * ends the stream (RESOURCE_EXHAUSTED):
 * one frame of 20,000 writes, all proposed at once, stalled a leader into an election.
 */
function runSession(node: NodeApi, call: ServerDuplexStream<wire.SessionRequests__Output, wire.SessionResponses>, serialize: (r: wire.WriteResponse) => Buffer, writer: Writer, limits: SessionLimits): void {
  const admitted = limits.streams.tryOpen(call.getPeer());
  if ('refusal' in admitted) return void call.emit('error', admitted.refusal);
  const session = new SessionStream(call, (op) => serveSessionOp(node, op, serialize, writer, limits.refusals), limits, () => admitted.release());
  const leave = (): void => session.leave();
  call.on('data', (frame: wire.SessionRequests__Output) => session.receive(frame));
  call.on('end', () => session.endInput());
  call.on('cancelled', leave);
  call.on('error', leave);
  call.on('close', leave);
}

/** The state of one session stream (runSession): what is being served, what waits, what is to be sent. */
class SessionStream {
  private inFlight = 0;
  /** Whether operations wait because `maxInFlight` are being served. */
  private heldAtLimit = false;
  /** Operations read but not yet being served (at most one frame's worth). */
  private waiting: wire.SessionRequest__Output[] = [];
  private inputEnded = false;
  private gone = false;
  private writeBlocked = false;
  private outgoing: wire.SessionResponse[] = [];

  constructor(
    private readonly call: ServerDuplexStream<wire.SessionRequests__Output, wire.SessionResponses>,
    private readonly serve: (op: wire.SessionRequest__Output) => Promise<wire.SessionResponse>,
    private readonly limits: SessionLimits,
    private readonly release: () => void,
  ) {}

  /** A frame of operations: served up to `maxInFlight` at once; one over `maxFrameOps` ends the stream. */
  receive(frame: wire.SessionRequests__Output): void {
    if (this.gone) return;
    const { limits } = this;
    if (frame.requests.length > limits.maxFrameOps) {
      limits.refused('session-frame-ops');
      this.leave();
      this.call.emit('error', exhausted(`a Session frame carries at most ${limits.maxFrameOps} operations, this one ${frame.requests.length}: send them in several frames`));
      return;
    }
    this.waiting = this.waiting.length === 0 ? frame.requests : [...this.waiting, ...frame.requests];
    this.serveWaiting();
  }

  /** The client half-closed: the stream ends after the last answer. */
  endInput(): void {
    this.inputEnded = true;
    this.finishIfDone();
  }

  leave(): void {
    this.gone = true;
    this.waiting = [];
    this.release();
  }

  /** Reads while the answers do not back up and nothing waits to be served. */
  private pace(): void {
    const hold = this.writeBlocked || this.waiting.length > 0;
    if (hold && !this.call.isPaused()) this.call.pause();
    else if (!hold && this.call.isPaused()) this.call.resume();
  }

  private finishIfDone(): void {
    if (this.inputEnded && this.inFlight === 0 && this.waiting.length === 0 && this.outgoing.length === 0 && !this.gone) {
      this.leave();
      this.call.end();
    }
  }

  private flush(): void {
    const responses = this.outgoing;
    this.outgoing = [];
    if (!this.gone && !this.call.write({ responses }) && !this.writeBlocked) {
      this.writeBlocked = true;
      this.call.once('drain', () => {
        this.writeBlocked = false;
        this.pace();
      });
    }
    this.finishIfDone();
  }

  private answer(response: wire.SessionResponse): void {
    this.inFlight--;
    // A microtask, not an immediate: the writes a commit resolves all answer within the same
    // microtask checkpoint, and an immediate let the next socket reads (another follower's
    // acknowledgement, say) run before the answer left.
    if (this.outgoing.length === 0) queueMicrotask(() => this.flush());
    this.outgoing.push(response);
    this.serveWaiting();
  }

  /** Starts waiting operations while fewer than `maxInFlight` are being served. */
  private serveWaiting(): void {
    let started = 0;
    while (!this.gone && this.inFlight < this.limits.maxInFlight && started < this.waiting.length) {
      this.inFlight++;
      void this.serve(this.waiting[started++]!).then((response) => this.answer(response));
    }
    if (started > 0) this.waiting = this.waiting.slice(started);
    // Counted once each time the stream starts to wait for its operations in flight.
    const full = this.waiting.length > 0;
    if (full && !this.heldAtLimit) this.limits.refused('session-in-flight');
    this.heldAtLimit = full;
    this.pace();
  }
}

/**
 * The handlers of fleet.v1.Fleet over `node`. Every call passes `authorizeCall` first (the role
 * of its RPC; checked by `authorizedFirst`), every write the role it needs, and every failure
 * leaves as the status the ERRORS rule gives it.
 */
export function createClientService(node: NodeApi, opts: ClientServiceOptions = {}): wire.FleetHandlers {
  const serialize = loadFleetProto().fleet.v1.Fleet.service.Write.responseSerialize;
  const bounds = opts.bounds ?? DEFAULT_BOUNDS;
  const refusals = opts.limitRefusals;
  const watchLimits: WatchLimits = defaultWatchLimits(bounds, refusals);
  const sessionLimits: SessionLimits = {
    streams: new StreamBudget('session stream', bounds.maxSessionStreams, bounds.maxSessionStreamsPerAddress, refusals?.counter('session-streams')),
    maxFrameOps: bounds.maxSessionFrameOps,
    maxInFlight: bounds.maxSessionInFlight,
    refused: (limit) => refusals?.refused(limit),
    refusals,
  };
  return authorizedFirst<wire.FleetHandlers>('Fleet', {
    ...memberCalls(node, opts),
    Write(call, callback) {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      serveWrite(node, call.request, serialize, writerOf(call.metadata, opts), refusals).then(
        ({ response, refusal }) => (refusal ? callback(refusal) : callback(null, response)),
        (err: unknown) => {
          const forwarder = opts.forwarder;
          if (!(err instanceof NodeError) || forwarder === undefined || !forwarder.shouldForward(call.metadata, err)) return callback(errorStatus(err));
          const deadline = call.getDeadline();
          forwarder.forward(call.request, call.metadata, err, deadline instanceof Date ? deadline.getTime() : Number.isFinite(deadline) ? deadline : undefined).then((answer) =>
            'response' in answer ? callback(null, answer.response as wire.WriteResponse) : callback(answer.refusal),
          );
        },
      );
    },
    Read(call, callback) {
      const denied = authorizeCall(call, opts);
      if (denied) return callback(denied);
      serveRead(node, call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(errorStatus(err)),
      );
    },
    Session(call) {
      const denied = authorizeCall(call, opts);
      if (denied) {
        call.emit('error', denied);
        return;
      }
      runSession(node, call, serialize, writerOf(call.metadata, opts), sessionLimits);
    },
    Watch(call) {
      const denied = authorizeCall(call, opts);
      if (denied) {
        call.emit('error', denied);
        return;
      }
      runWatch(node, call, watchLimits);
    },
  });
}
