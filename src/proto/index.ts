/**
 * The wire contract in TypeScript: the one module the client and the coordinator share. It
 * loads proto/ at run time (lazily, once) and hands out the typed gRPC constructors and service
 * definitions generated from it, plus every generated message type (see types.ts).
 */
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';
import type { ProtoGrpcType as ClientProto } from './generated/client.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as PeerProto } from './generated/peer.js';

export type * from './types.js';
export * from './enums.js';

/** Every service and message of fleet.v1 and grpc.health.v1, as `loadPackageDefinition` returns them. */
export type FleetProto = ClientProto & AdminProto & PeerProto & HealthProto;

/** The .proto files served, relative to `PROTO_ROOT`. */
export const PROTO_FILES: readonly string[] = ['fleet/v1/client.proto', 'fleet/v1/admin.proto', 'fleet/v1/peer.proto', 'grpc/health/v1/health.proto'];

/**
 * The loader options. They must match the `proto:gen` script (the generated types describe
 * exactly these shapes): camelCase fields, 64-bit integers as numbers, enums as their names,
 * defaults for absent scalars, and the virtual oneof fields that name the member set.
 */
export const LOADER_OPTIONS: Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** proto/ of the package: src/proto and dist/proto sit at the same depth, so one path serves both. */
export function protoRoot(): string {
  return fileURLToPath(new URL('../../proto/', import.meta.url));
}

// Parsing the .proto files takes tens of milliseconds; do it once per process, on first use.
let memo: { definition: PackageDefinition; proto: FleetProto } | undefined;

function load(): { definition: PackageDefinition; proto: FleetProto } {
  if (memo === undefined) {
    const definition = loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    // The generated ProtoGrpcType describes exactly what loadPackageDefinition builds from these files.
    const proto = loadPackageDefinition(definition) as unknown as FleetProto;
    memo = { definition, proto };
  }
  return memo;
}

/** The typed client constructors and service definitions (`proto.fleet.v1.Fleet`, `.Admin`, `.Peer`, `proto.grpc.health.v1.Health`). */
export function loadFleetProto(): FleetProto {
  return load().proto;
}

/** The raw package definition (for server reflection, which describes the same files). */
export function loadFleetPackageDefinition(): PackageDefinition {
  return load().definition;
}
