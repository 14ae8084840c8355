/**
 * One Status call's outcome, whichever transport made it (FleetClient's router over grpc-js, or
 * the status probe over HTTP/2): the member's status or why there is none, and the round trip.
 */
import type * as wire from '../../proto/index.js';
import { memberStatusFromWire } from '../decode.js';
import { FleetClientError, isTransportFailure } from '../errors.js';
import type { MemberStatus } from '../types.js';

/** What one Status call to one endpoint found. `reachable` is false when the member could not be reached or did not answer. */
export type EndpointStatus =
  | { readonly endpoint: string; readonly ok: true; readonly reachable: true; readonly rttMs: number; readonly status: MemberStatus }
  | { readonly endpoint: string; readonly ok: false; readonly reachable: boolean; readonly rttMs: number; readonly error: FleetClientError };

/** Runs `call` (one Status call to `endpoint`) and says what it found; never throws. */
export async function statusOfEndpoint(endpoint: string, call: () => Promise<wire.MemberStatus__Output>): Promise<EndpointStatus> {
  const started = performance.now();
  const rtt = (): number => Math.round((performance.now() - started) * 100) / 100;
  try {
    const status = memberStatusFromWire(await call());
    return { endpoint, ok: true, reachable: true, rttMs: rtt(), status };
  } catch (e) {
    const error = e instanceof FleetClientError ? e : new FleetClientError('internal', String(e), { cause: e });
    return { endpoint, ok: false, reachable: !isTransportFailure(error), rttMs: rtt(), error };
  }
}
