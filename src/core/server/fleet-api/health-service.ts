/**
 * The standard gRPC health service (grpc.health.v1.Health), so grpc-health-probe, grpcurl and
 * load balancers can ask a member whether it serves. Written against proto/grpc/health/v1/
 * health.proto; `Watch` streams every change of the status it asks about.
 */
import { status, type Server } from '@grpc/grpc-js';
import { loadFleetProto } from '../../../proto/index.js';
import type * as wire from '../../../proto/index.js';
import { DEFAULT_BOUNDS, StreamBudget } from '../guard/bounds.js';
import { checkInvariant } from '../../invariant.js';

/** A service's health as the protocol names it. */
export type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN';

type Listener = (status: wire._grpc_health_v1_HealthCheckResponse_ServingStatus__Output) => void;

/**
 * The health of a member's services by name ('' = the server as a whole). A known service never
 * becomes unknown again, and every watcher sees each change once, in order: a watcher told of a
 * change must not change a status before the others are told (both checked in `setServing`).
 * Watches need no credentials (probes and load balancers hold them), so they are counted, on
 * the member and per remote address, and one beyond the limit is refused (RESOURCE_EXHAUSTED):
 * 20,000 of them grew a member by 175 MB.
 */
export class HealthService {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<Listener>>();
  readonly #budget: StreamBudget;
  /** The service whose watchers are being told of a change, if any. */
  #telling: string | undefined;

  /** Starts with the server as a whole (and any `services` given) NOT_SERVING until told otherwise. */
  constructor(services: readonly string[] = [], limits: { readonly max: number; readonly maxPerAddress: number; readonly onRefused?: () => void } = { max: DEFAULT_BOUNDS.maxHealthWatches, maxPerAddress: DEFAULT_BOUNDS.maxHealthWatchesPerAddress }) {
    for (const service of ['', ...services]) this.#statuses.set(service, 'NOT_SERVING');
    this.#budget = new StreamBudget('health watch', limits.max, limits.maxPerAddress, limits.onRefused);
  }

  /** Health watches open now. */
  get watches(): number {
    return this.#budget.open;
  }

  /** Sets a service's status (`true` = SERVING, `false` = NOT_SERVING) and tells its watchers. */
  setServing(service: string, serving: boolean | ServingStatus): void {
    const next: ServingStatus = typeof serving === 'boolean' ? (serving ? 'SERVING' : 'NOT_SERVING') : serving;
    checkInvariant(next !== 'UNKNOWN' || !this.#statuses.has(service), 'health-known-stays-known', () => `service '${service}' was ${this.#statuses.get(service)}, set to UNKNOWN`);
    if (this.#statuses.get(service) === next) return;
    checkInvariant(this.#telling === undefined, 'health-changes-in-order', () => `service '${service}' set ${next} while the watchers of '${this.#telling}' are being told of its change`);
    this.#statuses.set(service, next);
    this.#telling = service;
    try {
      for (const listener of this.#watchers.get(service) ?? []) listener(next);
    } finally {
      this.#telling = undefined;
    }
  }

  /** The status of a service, or undefined when it is unknown. */
  status(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /** Marks every known service NOT_SERVING (for shutdown): watchers hear it before the server goes. */
  shutdown(): void {
    for (const service of this.#statuses.keys()) this.setServing(service, false);
  }

  /** The grpc-js handlers. */
  handlers(): wire.HealthHandlers {
    return {
      Check: (call, callback) => {
        const current = this.#statuses.get(call.request.service);
        // The name is not echoed: anyone may call Check, and an answer must not grow with the request.
        if (current === undefined) return callback({ code: status.NOT_FOUND, details: 'unknown service' });
        callback(null, { status: current });
      },
      Watch: (call) => {
        const admitted = this.#budget.tryOpen(call.getPeer());
        if ('refusal' in admitted) return void call.emit('error', admitted.refusal);
        const service = call.request.service;
        const listener: Listener = (s) => call.write({ status: s });
        let set = this.#watchers.get(service);
        if (set === undefined) this.#watchers.set(service, (set = new Set()));
        set.add(listener);
        const stop = (): void => {
          admitted.release();
          set.delete(listener);
          if (set.size === 0) this.#watchers.delete(service);
        };
        call.on('cancelled', stop);
        call.on('error', stop);
        call.on('close', stop);
        listener(this.#statuses.get(service) ?? 'SERVICE_UNKNOWN');
      },
    };
  }

  /** Adds the health service to `server`. */
  addTo(server: Server): void {
    server.addService(loadFleetProto().grpc.health.v1.Health.service, this.handlers());
  }
}
