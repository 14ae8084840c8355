/**
 * The client end of one Session stream: many operations in flight on one long-lived stream,
 * each with its own id and deadline, answered in any order. Operations issued in the same turn
 * of the event loop leave together as one frame. The stream opens on first use and again after
 * it fails; a failure fails every operation still waiting on it.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { SESSION_FRAME_MAX_OPS } from '../common/session-frames.js';
import type * as wire from '../proto/index.js';
import { FleetClientError } from './errors.js';
import { fromRequestError, toClientError } from './grpc-errors.js';

type SessionCall = ClientDuplexStream<wire.SessionRequests, wire.SessionResponses__Output>;

/** One operation of a session: a write or a read. */
export type SessionOp = { readonly write: wire.WriteRequest } | { readonly read: wire.ReadRequest };

/** The answer to a session operation (errors other than registry refusals are thrown). */
export type SessionAnswer = { readonly write: wire.WriteResponse__Output } | { readonly read: wire.ReadResponse__Output };

interface Pending {
  readonly resolve: (r: wire.SessionResponse__Output) => void;
  readonly reject: (e: FleetClientError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A multiplexed session stream to one endpoint. Invariants: every pending operation belongs to
 * the current call; each is settled exactly once (answer, its deadline, or the call's failure);
 * answers to ids no longer pending (timed out) are dropped.
 */
export class SessionStream {
  readonly #open: () => SessionCall;
  readonly #endpoint: string;
  readonly #pending = new Map<number, Pending>();
  #call: SessionCall | undefined;
  /** Operations waiting for the end of this turn of the event loop, to leave as one frame. */
  #outgoing: wire.SessionRequest[] = [];
  #nextId = 1;
  #opened = 0;

  constructor(endpoint: string, open: () => SessionCall) {
    this.#endpoint = endpoint;
    this.#open = open;
  }

  /** How many streams this endpoint has opened so far (1 while the first is healthy). */
  get streamsOpened(): number {
    return this.#opened;
  }

  /** Operations waiting for an answer. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Sends one operation and waits at most `timeoutMs` for its answer. */
  async send(op: SessionOp, timeoutMs: number): Promise<SessionAnswer> {
    const call = this.#ensure();
    const id = this.#nextId++;
    const response = await new Promise<wire.SessionResponse__Output>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new FleetClientError('timeout', `${this.#endpoint}: no answer within ${timeoutMs} ms`, { endpoint: this.#endpoint }));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      if (this.#outgoing.length === 0) setImmediate(() => this.#flush(call));
      this.#outgoing.push({ id, ...op });
    });
    if (response.error) throw fromRequestError(response.error, this.#endpoint);
    if (response.write) return { write: response.write };
    if (response.read) return { read: response.read };
    throw new FleetClientError('internal', `${this.#endpoint}: a session answer without a result: is the member a compatible version? (fleet version)`);
  }

  /** Ends the stream; operations still waiting fail as unavailable. */
  close(): void {
    const call = this.#call;
    if (call === undefined) return;
    this.#fail(call, new FleetClientError('unavailable', `${this.#endpoint}: the client was closed`, { endpoint: this.#endpoint }));
    call.end();
    call.cancel();
  }

  #flush(call: SessionCall): void {
    const requests = this.#outgoing;
    this.#outgoing = [];
    // Operations of a call that failed meanwhile were already failed with it.
    if (this.#call !== call) return;
    // A member refuses a frame of more operations than that, ending the stream.
    for (let i = 0; i < requests.length; i += SESSION_FRAME_MAX_OPS) call.write({ requests: requests.slice(i, i + SESSION_FRAME_MAX_OPS) });
  }

  #ensure(): SessionCall {
    if (this.#call !== undefined) return this.#call;
    const call = this.#open();
    this.#call = call;
    this.#opened++;
    call.on('data', (frame: wire.SessionResponses__Output) => {
      for (const r of frame.responses) this.#answer(r);
    });
    call.on('error', (err: unknown) => this.#fail(call, toClientError(err, this.#endpoint)));
    call.on('end', () => this.#fail(call, new FleetClientError('unavailable', `${this.#endpoint}: the session stream ended`, { endpoint: this.#endpoint })));
    return call;
  }

  #answer(r: wire.SessionResponse__Output): void {
    const pending = this.#pending.get(r.id);
    if (pending === undefined) return;
    this.#pending.delete(r.id);
    clearTimeout(pending.timer);
    pending.resolve(r);
  }

  #fail(call: SessionCall, err: FleetClientError): void {
    if (this.#call !== call) return;
    this.#call = undefined;
    this.#outgoing = [];
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of waiting) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }
}
