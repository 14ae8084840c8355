/**
 * One member as the client reaches it: a channel (shared by the Fleet and Admin stubs), its
 * session stream and its circuit breaker. Calls here make one attempt; retrying and choosing
 * the endpoint is FleetClient's job.
 */
import { Metadata, type CallOptions, type ChannelOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { METADATA, loadFleetProto } from '../../proto/index.js';
import type * as wire from '../../proto/index.js';
import { CircuitBreaker, type BreakerOptions } from '../../common/breaker.js';
import { DEADLINE_GRACE_MS, FleetClientError, noAnswerError } from '../errors.js';
import { isServiceError, refusedWriteResponse, toClientError } from '../grpc-errors.js';
import { channelCredentials, memberChannelOptions } from './channel.js';
import { explainConnectFailure } from './tls-diagnosis.js';
import { SessionStream } from '../session-stream.js';
import type { TlsFiles } from './tls.js';

/** How every endpoint of a client connects. */
export interface EndpointConfig {
  /** TLS files; plaintext without. */
  readonly tls: TlsFiles | undefined;
  readonly channelOptions: ChannelOptions;
  readonly token: string | undefined;
  /** Who the client says it is (`user@host`), sent for the members' audit log. */
  readonly actor: string;
  readonly breaker: BreakerOptions;
  /** Send writes and reads as unary calls instead of on the session stream. */
  readonly unary: boolean;
}

type Callback<Res> = (err: ServiceError | null, res?: Res) => void;

/**
 * One member's connection. Invariant: the channel is created on first use and closed by
 * `close()`; after `close()` the endpoint is not used again.
 */
export class Endpoint {
  readonly address: string;
  readonly breaker: CircuitBreaker;
  /** The member's id once a Status call told it ('' until then). */
  memberId = '';
  /** The member's region once a Status call told it ('' until then, or when it has none). */
  region = '';
  readonly #config: EndpointConfig;
  #fleet: wire.FleetClient | undefined;
  #admin: wire.AdminClient | undefined;
  #session: SessionStream | undefined;

  constructor(address: string, config: EndpointConfig) {
    this.address = address;
    this.#config = config;
    this.breaker = new CircuitBreaker(config.breaker);
  }

  /** The Fleet stub (its channel is created on first use). */
  get fleet(): wire.FleetClient {
    const { tls, channelOptions } = this.#config;
    this.#fleet ??= new (loadFleetProto().fleet.v1.Fleet)(this.address, channelCredentials(tls, this.address), { ...channelOptions, ...memberChannelOptions(this.address, tls) });
    return this.#fleet;
  }

  /** The Admin stub, on the Fleet stub's channel. */
  get admin(): wire.AdminClient {
    this.#admin ??= new (loadFleetProto().fleet.v1.Admin)(this.address, channelCredentials(this.#config.tls, this.address), { channelOverride: this.fleet.getChannel() });
    return this.#admin;
  }

  /** The session stream (opened on first send). */
  get session(): SessionStream {
    this.#session ??= new SessionStream(this.address, () => this.fleet.Session(this.metadata()));
    return this.#session;
  }

  /** Call metadata: the bearer token when there is one. */
  metadata(): Metadata {
    const md = new Metadata();
    if (this.#config.token !== undefined) md.set('authorization', `Bearer ${this.#config.token}`);
    if (this.#config.actor !== '') md.set(METADATA.actor, this.#config.actor);
    return md;
  }

  /**
   * Runs one unary call with a deadline. Resolves within `timeoutMs` plus a small grace even if
   * the member never answers (a peer that accepts TCP but never speaks HTTP/2).
   */
  unary<Res>(start: (md: Metadata, opts: CallOptions, cb: Callback<Res>) => ClientUnaryCall, timeoutMs: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      let settled = false;
      let call: ClientUnaryCall | undefined;
      const guard = setTimeout(() => {
        settle(() => reject(noAnswerError(this.address, timeoutMs)));
        call?.cancel();
      }, timeoutMs + DEADLINE_GRACE_MS);
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        f();
      };
      try {
        call = start(this.metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
          if (!err && res !== undefined) settle(() => resolve(res));
          else void explainConnectFailure(toClientError(err, this.address), this.address, this.#config.tls).then((e) => settle(() => reject(e)));
        });
      } catch (err) {
        // A call that cannot even start (a message that does not serialize) fails now, not at the deadline.
        settle(() => reject(toClientError(err, this.address)));
      }
    });
  }

  /** The member's status. */
  status(timeoutMs: number): Promise<wire.MemberStatus__Output> {
    return this.unary<wire.MemberStatus__Output>((md, opts, cb) => this.fleet.Status({}, md, opts, cb), timeoutMs);
  }

  /** One write attempt; a registry refusal is an answer (its `error` set), not an exception. */
  async write(req: wire.WriteRequest, timeoutMs: number): Promise<wire.WriteResponse__Output> {
    if (!this.#config.unary) {
      const answer = await this.session.send({ write: req }, timeoutMs);
      if ('write' in answer) return answer.write;
      throw new FleetClientError('internal', `${this.address}: a write was answered as a read`);
    }
    try {
      // This client follows the leader itself: a follower's redirect, not a forwarded hop.
      return await this.unary<wire.WriteResponse__Output>((md, opts, cb) => (md.set(METADATA.preferRedirect, '1'), this.fleet.Write(req, md, opts, cb)), timeoutMs);
    } catch (err) {
      const cause = err instanceof FleetClientError ? err.cause : err;
      const refused = isServiceError(cause) ? refusedWriteResponse(cause) : undefined;
      if (refused === undefined) throw err;
      return loadFleetProto().fleet.v1.Fleet.service.Write.responseDeserialize(refused);
    }
  }

  /** One read attempt. */
  async read(req: wire.ReadRequest, timeoutMs: number): Promise<wire.ReadResponse__Output> {
    if (this.#config.unary) return this.unary<wire.ReadResponse__Output>((md, opts, cb) => this.fleet.Read(req, md, opts, cb), timeoutMs);
    const answer = await this.session.send({ read: req }, timeoutMs);
    if ('read' in answer) return answer.read;
    throw new FleetClientError('internal', `${this.address}: a read was answered as a write`);
  }

  /** Closes the session stream and the channel. */
  close(): void {
    this.#session?.close();
    this.#fleet?.close();
  }
}
