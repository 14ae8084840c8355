/**
 * gRPC server reflection (generic tools such as grpcurl discover the services through it), built
 * on the first reflection call rather than at start: @grpc/reflection parses its own .proto files
 * and decodes and indexes every file descriptor of ours when constructed, a large share of a
 * member's start-up for a service almost nobody calls. The services are registered at start under
 * their fixed paths; the first call builds the real ones and hands everything to them.
 */
import type { Server, ServerDuplexStream, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { createRequire } from 'node:module';

/** The reflection protocol versions @grpc/reflection serves. */
const PACKAGES = ['grpc.reflection.v1', 'grpc.reflection.v1alpha'] as const;
const METHOD = 'ServerReflectionInfo';

interface Served {
  readonly definition: ServiceDefinition;
  readonly handlers: UntypedServiceImplementation;
}

/** Registers reflection for `definition` (called once, on the first reflection call) on `server`. */
export function addLazyReflection(server: Pick<Server, 'addService'>, definition: () => PackageDefinition): void {
  let served: Map<string, Served> | undefined;
  const real = (path: string): Served => {
    if (served === undefined) {
      // Named lazyRequire: the member bundle carries the package and loads it here (scripts/bundle.ts).
      const lazyRequire = createRequire(import.meta.url);
      const { ReflectionService } = lazyRequire('@grpc/reflection') as typeof import('@grpc/reflection');
      const built = new Map<string, Served>();
      new ReflectionService(definition()).addToServer({
        addService: (def, handlers) => built.set(def[METHOD]!.path, { definition: def, handlers }),
      });
      served = built;
    }
    const found = served.get(path);
    if (found === undefined) throw new Error(`@grpc/reflection does not serve ${path}`);
    return found;
  };
  for (const pkg of PACKAGES) {
    const path = `/${pkg}.ServerReflection/${METHOD}`;
    const method = () => real(path).definition[METHOD]!;
    const definitionOf: ServiceDefinition = {
      [METHOD]: {
        path,
        requestStream: true,
        responseStream: true,
        originalName: 'serverReflectionInfo',
        requestSerialize: (value: unknown) => method().requestSerialize(value),
        requestDeserialize: (bytes: Buffer) => method().requestDeserialize(bytes),
        responseSerialize: (value: unknown) => method().responseSerialize(value),
        responseDeserialize: (bytes: Buffer) => method().responseDeserialize(bytes),
      },
    };
    const handler = (stream: ServerDuplexStream<unknown, unknown>): void => {
      (real(path).handlers[METHOD] as (s: ServerDuplexStream<unknown, unknown>) => void)(stream);
    };
    server.addService(definitionOf, { [METHOD]: handler });
  }
}
