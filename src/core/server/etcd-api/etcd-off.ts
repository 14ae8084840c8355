/**
 * The etcd v3 API turned off (`node start --no-etcd-api`): its services stay registered, so that
 * every call gets UNIMPLEMENTED with a message naming the flag rather than grpc's bare "method
 * not found", which an operator could take for a version mismatch.
 */
import { status, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

export const ETCD_API_OFF_MESSAGE = 'the etcd v3 API is turned off on this member: it was started with --no-etcd-api (drop the flag to serve it)';

/** Handlers for every method of `service` that refuse the call with UNIMPLEMENTED and `message`. */
export function refusingService(service: ServiceDefinition, message = ETCD_API_OFF_MESSAGE): UntypedServiceImplementation {
  const refusal = { code: status.UNIMPLEMENTED, details: message };
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [
      name,
      method.responseStream
        ? (call: { emit(event: 'error', err: object): void }) => void call.emit('error', refusal)
        : (_call: unknown, callback: (err: object) => void) => callback(refusal),
    ]),
  ) as UntypedServiceImplementation;
}
