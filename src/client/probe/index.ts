/**
 * The one-shot status probe: what `fleet status` needs from a cluster (every member's status,
 * and the plans in progress from any member) over plain HTTP/2, without grpc-js. It answers in
 * the same shapes as FleetClient (`EndpointStatus`, `PlanView`), decoded by the same functions,
 * so the command prints the same thing whichever client asked. Long-lived and writing commands
 * use FleetClient: it routes to the leader, retries, and keeps streams open.
 */
import type * as wire from '../../proto/index.js';
import { loadProbeCodecs } from '../../proto/index.js';
import { consistencyToWire } from '../encode.js';
import { statusOfEndpoint, type EndpointStatus } from '../transport/endpoint-status.js';
import { FleetClientError } from '../errors.js';
import { listPlans } from '../queries.js';
import type { PlanView, ReadOptions } from '../types.js';
import type { TlsFiles } from '../transport/tls.js';
import { H2Connection } from './h2-unary.js';

/** Where and how the probe connects. */
export interface ProbeOptions {
  readonly endpoints: readonly string[];
  readonly token?: string | undefined;
  readonly tls?: TlsFiles | undefined;
  /** The deadline of each call. */
  readonly timeoutMs: number;
}

/** A probe of one cluster. Invariant: `close()` ends every connection it opened. */
export class StatusProbe {
  readonly #opts: ProbeOptions;
  readonly #connections = new Map<string, H2Connection>();

  constructor(opts: ProbeOptions) {
    this.#opts = opts;
  }

  /** Every endpoint's status (or why it has none), probed at once. */
  statusAll(): Promise<EndpointStatus[]> {
    return Promise.all(this.#opts.endpoints.map((address) => this.#status(address)));
  }

  /**
   * The rebind plans, from whichever endpoint answers a follower read first. Every endpoint is
   * asked at once: asked in turn, a member that accepts connections but never answers (stopped,
   * wedged) held `fleet status` for a whole timeout before the next was tried.
   */
  async listPlans(opts: ReadOptions = {}): Promise<PlanView[]> {
    const query = listPlans();
    const codecs = loadProbeCodecs();
    const request = codecs.readRequest.encode({ ...consistencyToWire(opts.consistency, 0), ...query.request });
    if (this.#opts.endpoints.length === 0) throw new FleetClientError('unavailable', 'no endpoint to read from');
    const reads = this.#opts.endpoints.map(async (address) => {
      const answer = await this.#call(address, '/fleet.v1.Fleet/Read', request);
      return query.decode(codecs.readResponse.decode(answer) as wire.ReadResponse__Output);
    });
    try {
      return await Promise.any(reads);
    } catch (err) {
      throw err instanceof AggregateError ? err.errors[err.errors.length - 1] : err;
    }
  }

  /** Closes every connection. */
  close(): void {
    for (const c of this.#connections.values()) c.close();
    this.#connections.clear();
  }

  #status(address: string): Promise<EndpointStatus> {
    return statusOfEndpoint(address, async () => {
      const codecs = loadProbeCodecs();
      const answer = await this.#call(address, '/fleet.v1.Fleet/Status', codecs.statusRequest.encode({}));
      return codecs.memberStatus.decode(answer) as wire.MemberStatus__Output;
    });
  }

  #call(address: string, path: string, message: Uint8Array): Promise<Buffer> {
    let connection = this.#connections.get(address);
    if (connection === undefined) {
      connection = new H2Connection(address, this.#opts.tls);
      this.#connections.set(address, connection);
    }
    return connection.unary(path, message, { token: this.#opts.token, timeoutMs: this.#opts.timeoutMs });
  }
}
