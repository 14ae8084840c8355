/**
 * A FleetClient's way into the etcd keyspace its members serve: the same endpoints and
 * credentials (a fleet token goes as `authorization: Bearer`, which the etcd API accepts), one
 * EtcdClient built once per FleetClient and closed with it. `run` is the patience of the library's
 * etcd calls: a call that meets no leader, a member that is down or a deadline is tried on the
 * next member, the leader fleet's client last saw first, with a back-off between rounds, until the
 * client's overall deadline. A write whose answer was lost may thus be applied twice: the recipes'
 * writes are transactions that a second application leaves as the first did.
 */
import { FleetClientError } from '../errors.js';
import type { TlsFiles } from '../transport/tls.js';
import { EtcdClient } from './client.js';
import { pause } from '../../common/pause.js';

/** What the FleetClient hands over: where its members are, its credentials and its patience. */
export interface EtcdAccessOptions {
  readonly endpoints: readonly string[];
  readonly token?: string | undefined;
  readonly tls?: TlsFiles | undefined;
  readonly callTimeoutMs: number;
  readonly overallTimeoutMs: number;
  /** The leader's client endpoint as fleet's client last saw it (tried first: no forwarding hop). */
  readonly leaderHint: () => string | undefined;
  /** Aborted when the FleetClient is closed. */
  readonly closeSignal: AbortSignal;
}

/** Keep-alive pings find a dead member under an idle watch; the back-off lets a restarted one be used within seconds. */
const CHANNEL_OPTIONS = { 'grpc.keepalive_time_ms': 20_000, 'grpc.keepalive_timeout_ms': 5_000, 'grpc.keepalive_permit_without_calls': 1 };
const BACKOFF_MS = { initial: 50, max: 1_000 };

export class EtcdAccess {
  readonly etcd: EtcdClient;
  readonly #opts: EtcdAccessOptions;

  constructor(opts: EtcdAccessOptions) {
    this.#opts = opts;
    this.etcd = new EtcdClient({
      endpoints: opts.endpoints,
      callTimeoutMs: opts.callTimeoutMs,
      ...(opts.tls === undefined ? {} : { tls: opts.tls }),
      ...(opts.token === undefined || opts.token === '' ? {} : { bearerToken: opts.token }),
      channelOptions: CHANNEL_OPTIONS,
    });
  }

  get closeSignal(): AbortSignal {
    return this.#opts.closeSignal;
  }

  /** The endpoints in the order to try them: the last known leader first, then as configured. */
  order(): string[] {
    const leader = this.#opts.leaderHint();
    const all = [...this.#opts.endpoints];
    return leader !== undefined && all.includes(leader) ? [leader, ...all.filter((e) => e !== leader)] : all;
  }

  /** Throws CLIENT_CLOSED once the client was closed: no call of a closed client is sent. */
  checkOpen(what: string): void {
    if (this.closeSignal.aborted) throw clientClosed(what);
  }

  /**
   * Runs `call` on the first member that answers, trying the others (then again, after a back-off)
   * while the failure is retryable, until the overall deadline or `signal`. Refusals are final.
   */
  async run<T>(what: string, call: (endpoint: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + this.#opts.overallTimeoutMs;
    let delay = BACKOFF_MS.initial;
    for (;;) {
      let last: unknown;
      for (const ep of this.order()) {
        this.checkOpen(what);
        try {
          return await call(ep);
        } catch (err) {
          if (!(err instanceof FleetClientError) || !err.retryable) throw err;
          last = err;
        }
      }
      if (Date.now() + delay > deadline || signal?.aborted === true) throw last;
      await pause(delay, signal);
      delay = Math.min(delay * 2, BACKOFF_MS.max);
    }
  }

  close(): void {
    this.etcd.close();
  }
}

/** The error of a call on a closed client: not retryable, one code. */
export function clientClosed(what: string): FleetClientError {
  return new FleetClientError('invalid', `${what}: the client was closed; connect again`, { code: 'CLIENT_CLOSED' });
}


/** Each FleetClient's access, made on first use from what its constructor registered. */
const factories = new WeakMap<object, () => EtcdAccess>();
const made = new WeakMap<object, EtcdAccess>();

/** Called by a FleetClient's constructor: how to build its access when a recipe or `keyspace` first needs it. */
export function registerEtcdAccess(client: object, make: () => EtcdAccess): void {
  factories.set(client, make);
}

/** The etcd access of `client` (one per client, built once). */
export function etcdAccessOf(client: object): EtcdAccess {
  let access = made.get(client);
  if (access === undefined) {
    const make = factories.get(client);
    if (make === undefined) throw new FleetClientError('internal', 'this client has no etcd access: it was not made by FleetClient');
    access = make();
    made.set(client, access);
  }
  return access;
}

/** Called by `FleetClient.close()`: closes the access if one was built. */
export function closeEtcdAccess(client: object): void {
  made.get(client)?.close();
}
