/**
 * An API a member does not serve, answered anyway: its services stay registered so that every
 * call gets UNIMPLEMENTED with a message naming why (`node start --no-etcd-api`, or an embedding
 * host that did not ask for it) rather than grpc's bare "method not found", which an operator
 * could take for a version mismatch. Nothing here loads an API's protos or its services.
 */
import { status, type MethodDefinition, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ETCD_METHODS, type EtcdServiceName } from './etcd-methods.js';

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

/**
 * etcd's services as a member that does not serve them registers them: each method's path from
 * the one table (etcd-methods.ts), its messages left as bytes, since a refused call's request is
 * never read and no answer is ever written.
 */
export function refusedEtcdServices(): { readonly [S in EtcdServiceName]: ServiceDefinition } {
  const bytes = (b: Buffer): Buffer => b;
  const entries = Object.entries(ETCD_METHODS).map(([service, { path, methods }]) => {
    const definition = Object.fromEntries(
      Object.entries(methods).map(([name, streaming]) => [
        name,
        { path: `/${path}/${name}`, requestStream: streaming === 'bidi', responseStream: streaming !== 'unary', requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes } satisfies MethodDefinition<Buffer, Buffer>,
      ]),
    );
    return [service, definition];
  });
  return Object.fromEntries(entries) as { readonly [S in EtcdServiceName]: ServiceDefinition };
}
