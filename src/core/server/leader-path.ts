/**
 * A follower's one way to the leader's client port. Clients behind one address reach any member,
 * and etcd's clients do not follow redirects, so a follower passes on what only the leader can do:
 * fleet.v1 writes and audit records (write-forwarder.ts), etcd writes and relayed keep-alives
 * (etcd-kv-service.ts, keepalive-relay.ts). They all go here, with one half-open circuit breaker
 * per leader address (src/common/breaker.ts, the client's own): once the leader could not be
 * reached, calls meanwhile fail at once for a cool-down, then one probe goes through.
 *
 * Two lanes, each a connection of its own per leader (grpc-js otherwise shares one between
 * clients of the same target, and a connection carries at most 1,000 streams): `calls` for
 * unary calls, `streams` for held streams, so that keep-alive streams never take the streams
 * forwarded writes need (1,100 held keep-alive streams once left every forwarded write waiting).
 */
import { status, type ChannelCredentials, type ChannelOptions, type Client, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { CircuitBreaker } from '../../common/breaker.js';
import { METADATA } from '../../proto/index.js';

/** How long the path to a leader that could not be reached stays closed before one call probes it. */
export const BREAKER_OPEN_MS = 2_000;
/** How long a forwarded call waits for the leader at most. */
export const FORWARD_TIMEOUT_MS = 10_000;

export type Lane = 'calls' | 'streams';

/** The leader as a NOT_LEADER refusal names it. */
export interface LeaderHint {
  readonly leaderId: string;
  readonly leaderAddress: string;
}

/** A gRPC client class of a service the leader serves. */
export type ServiceClass<C extends Client> = new (address: string, creds: ChannelCredentials, options?: ChannelOptions) => C;

export interface LeaderPathOptions {
  /** How this member reaches another's client port (its peer channel's credentials). */
  readonly credentials: ChannelCredentials;
  readonly optionsFor?: ((peer: string) => ChannelOptions) | undefined;
  /** The clock the breakers are timed by (tests); deadlines are wall-clock times. */
  readonly now?: () => number;
}

/** A unary call's outcome: the leader's answer, its refusal, or `unreachable` (no answer from it at all; the breaker counted it). */
export type Forwarded = { readonly response: unknown } | { readonly error: ServiceError; readonly unreachable: boolean };

type UnaryMethod = (req: unknown, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: unknown) => void) => void;

/**
 * Whether `f` may be called as a unary method of a grpc-js client (makeClientConstructor puts each
 * method on the client's prototype). Only that it is a function is checkable; its arguments are
 * those grpc-js gives every unary method.
 */
function isUnaryMethod(f: unknown): f is UnaryMethod {
  return typeof f === 'function';
}

export class LeaderPath {
  private readonly clients = new Map<string, Client>();
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly o: LeaderPathOptions) {}

  /** How this member reaches another's client port (also for calls that are not the leader's). */
  get credentials(): ChannelCredentials {
    return this.o.credentials;
  }

  /** Whether a call to the leader at `address` may go now; false while its breaker is open (one probe at a time when half-open). */
  allow(address: string): boolean {
    return this.breakerOf(address).allow(this.now());
  }

  /**
   * Calls `method` of the leader's `service` on the `calls` lane, with the caller's `metadata`;
   * call `allow` first. A failure that is no answer from the leader (the connection failed, or
   * the deadline passed) opens the breaker; any answer closes it.
   */
  unary<C extends Client>(service: string, Class: ServiceClass<C>, method: string, leader: LeaderHint, request: unknown, metadata: Metadata, deadline?: number): Promise<Forwarded> {
    const client = this.client('calls', service, Class, leader);
    const call: unknown = Reflect.get(client, method);
    if (!isUnaryMethod(call)) throw new Error(`the client of ${service} has no method ${method}`);
    const until = Math.min(deadline ?? Infinity, Date.now() + FORWARD_TIMEOUT_MS);
    const breaker = this.breakerOf(leader.leaderAddress);
    return new Promise((resolve) => {
      call.call(client, request, metadata, { deadline: until }, (err, res) => {
        if (!err) {
          breaker.success();
          return resolve({ response: res });
        }
        const unreachable = isNoAnswer(err);
        if (unreachable) breaker.failure(this.now());
        else breaker.success();
        resolve({ error: err, unreachable });
      });
    });
  }

  /** A client of the leader's `service` on `lane` (kept per lane, service and address). */
  client<C extends Client>(lane: Lane, service: string, Class: ServiceClass<C>, leader: LeaderHint): C {
    const key = `${lane} ${service} ${leader.leaderAddress}`;
    let client = this.clients.get(key);
    if (client === undefined) {
      const options = this.o.optionsFor?.(leader.leaderId) ?? {};
      client = new Class(leader.leaderAddress, this.o.credentials, lane === 'streams' ? { ...options, 'grpc.use_local_subchannel_pool': 1 } : options);
      this.clients.set(key, client);
    }
    return client as C;
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private breakerOf(address: string): CircuitBreaker {
    let b = this.breakers.get(address);
    if (b === undefined) this.breakers.set(address, (b = new CircuitBreaker({ failures: 1, coolDownMs: BREAKER_OPEN_MS })));
    return b;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }
}

/**
 * Whether a call's failure is no answer from the leader: the connection failed or the deadline
 * passed, as opposed to a refusal it made, which carries fleet's error code or leader hint, or
 * etcd's `etcdserver:` text.
 */
export function isNoAnswer(err: ServiceError): boolean {
  if (err.code !== status.UNAVAILABLE && err.code !== status.DEADLINE_EXCEEDED) return false;
  if (err.metadata?.get(METADATA.errorCode).length || err.metadata?.get(METADATA.leaderAddress).length) return false;
  return !err.details.startsWith('etcdserver:');
}
