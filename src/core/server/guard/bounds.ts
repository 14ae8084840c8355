/**
 * Bounds on what a client can make a member hold: connections, long-lived streams (watches,
 * health watches, session streams), the bytes queued for a watcher that does not read, and the
 * operations a session stream carries. A client credential is not needed to hold most of these
 * (a TCP connection, a health watch), so none may grow without a limit. Each refusal is a gRPC
 * status with the limit named (RESOURCE_EXHAUSTED), counted by limit (limit-refusals.ts), and
 * docs/security.md's "Limits" table lists them all.
 */
import { status, type ServerDuplexStream, type ServerWritableStream, type StatusObject } from '@grpc/grpc-js';
import { SESSION_FRAME_MAX_OPS } from '../../../common/session-frames.js';
import { checkInvariant } from '../../invariant.js';

/** The limits of one member. Defaults: `DEFAULT_BOUNDS`; tests pass small ones. */
export interface ServerBounds {
  /** TCP connections open to the member at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** TCP connections from one remote IP address at once. */
  readonly maxConnectionsPerAddress: number;
  /** Concurrent HTTP/2 streams (calls) on one connection (`grpc.max_concurrent_streams`). */
  readonly maxStreamsPerConnection: number;
  /** Open Watch streams, on the member and from one remote address. */
  readonly maxWatchers: number;
  readonly maxWatchersPerAddress: number;
  /** Bytes queued for one watcher that does not read before it is cancelled. */
  readonly maxWatchQueuedBytes: number;
  /** Bytes queued for all watchers together before the one that adds more is cancelled. */
  readonly maxWatchQueuedBytesTotal: number;
  /** Open health Watch streams, on the member and from one remote address. */
  readonly maxHealthWatches: number;
  readonly maxHealthWatchesPerAddress: number;
  /** Open Session streams, on the member and from one remote address. */
  readonly maxSessionStreams: number;
  readonly maxSessionStreamsPerAddress: number;
  /** Operations in one Session frame; a larger frame ends the stream. */
  readonly maxSessionFrameOps: number;
  /** Operations being served on one session stream; beyond it the stream is not read until some are answered. */
  readonly maxSessionInFlight: number;
  /** Open etcd streams (Watch, LeaseKeepAlive, Election Observe, together), on the member and from one remote address. */
  readonly maxEtcdStreams: number;
  readonly maxEtcdStreamsPerAddress: number;
}

/**
 * Generous for operators, tools and drills on one machine (every loopback client shares one
 * address), small against what a member can hold: the probe of issue 42 exhausted 20,000 file
 * descriptors with 20,000 connections, and grew a follower by 400 MB with three paused watchers.
 */
export const DEFAULT_BOUNDS: ServerBounds = {
  maxConnections: 4096,
  maxConnectionsPerAddress: 1024,
  maxStreamsPerConnection: 1000,
  maxWatchers: 4096,
  maxWatchersPerAddress: 1024,
  maxWatchQueuedBytes: 16 * 1024 * 1024,
  maxWatchQueuedBytesTotal: 128 * 1024 * 1024,
  maxHealthWatches: 1024,
  maxHealthWatchesPerAddress: 256,
  maxSessionStreams: 4096,
  maxSessionStreamsPerAddress: 1024,
  maxSessionFrameOps: SESSION_FRAME_MAX_OPS,
  maxSessionInFlight: 4096,
  // etcd's clients carry all of a client's watches on one stream and its keep-alives on another:
  // 2,048 from one address is a thousand clients on one host (and the 1,100 keep-alive streams of
  // issue 56's probe, which the relay must bear).
  maxEtcdStreams: 8192,
  maxEtcdStreamsPerAddress: 2048,
};

/** The IP address of a grpc-js peer string (`1.2.3.4:5678`, `[::1]:5678`), without the port. */
export function addressOfPeer(peer: string): string {
  const m = /^\[([^\]]*)\]:\d+$/.exec(peer) ?? /^([^:]*):\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

/**
 * Counts open streams of one kind, on the member and per remote address. `tryOpen` either refuses
 * (and counts nothing) or counts one stream within both limits (checked) and returns a release
 * that, called any number of times, takes back exactly that one stream (its `released` flag).
 */
export class StreamBudget {
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(
    readonly kind: string,
    readonly max: number,
    readonly maxPerAddress: number,
    /** Told of each refusal (limit-refusals.ts counts them). */
    private readonly onRefused: () => void = () => undefined,
  ) {}

  /** Streams open now. */
  get open(): number {
    return this.#total;
  }

  /** Counts a stream from `peer`, or answers the status to refuse it with. */
  tryOpen(peer: string): { release: () => void } | { refusal: Partial<StatusObject> } {
    const address = addressOfPeer(peer);
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (this.#total >= this.max) return this.#refuse(`this member has ${this.max} ${this.kind}s open, its limit; retry later or use another member`);
    if (fromAddress >= this.maxPerAddress) return this.#refuse(`${address} has ${this.maxPerAddress} ${this.kind}s open to this member, its limit per address; close some first`);
    this.#total++;
    this.#perAddress.set(address, fromAddress + 1);
    checkInvariant(this.#total <= this.max && fromAddress + 1 <= this.maxPerAddress, 'stream-budget-within-limits', () => `${this.kind}: ${this.#total} open (limit ${this.max}), ${fromAddress + 1} from ${address} (limit ${this.maxPerAddress})`);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.#perAddress.delete(address);
        else this.#perAddress.set(address, left);
      },
    };
  }

  #refuse(details: string): { refusal: Partial<StatusObject> } {
    this.onRefused();
    return { refusal: exhausted(details) };
  }
}

/** A server-streaming or bidirectional call, whichever a budgeted handler serves. */
type StreamCall = ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

/**
 * Runs `handler(call)` counted against `budget` from its start until it ends (finished,
 * cancelled or closed, whichever comes first), or refuses the call at once beyond it. Without a
 * budget, runs it uncounted.
 */
export function runBudgeted<C extends StreamCall>(budget: StreamBudget | undefined, call: C, handler: (call: C) => void): void {
  if (budget === undefined) return handler(call);
  const admitted = budget.tryOpen(call.getPeer());
  if ('refusal' in admitted) return void call.emit('error', admitted.refusal);
  for (const end of ['finish', 'cancelled', 'close']) call.once(end, admitted.release);
  handler(call);
}

/** A RESOURCE_EXHAUSTED status. */
export function exhausted(details: string): Partial<StatusObject> {
  return { code: status.RESOURCE_EXHAUSTED, details };
}

/** Bytes queued for watchers on one member, against `maxWatchQueuedBytesTotal`. */
export class QueuedBytes {
  #bytes = 0;

  constructor(readonly max: number) {}

  get bytes(): number {
    return this.#bytes;
  }

  /** Adds `n` bytes if they fit; says whether they did. */
  tryAdd(n: number): boolean {
    if (this.#bytes + n > this.max) return false;
    this.#bytes += n;
    return true;
  }

  remove(n: number): void {
    this.#bytes -= n;
  }
}
