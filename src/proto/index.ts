/**
 * The wire contract in TypeScript: the one module the client and the coordinator share. It
 * hands out the typed gRPC constructors and service definitions of proto/, plus every
 * generated message type (see types.ts).
 *
 * Start-up is part of the product, and every command that talks to a cluster passes through
 * here. So nothing heavy loads with this module (grpc-js and protobufjs are required on first
 * use), the reflection tree comes precompiled from the build (precompiled.ts), and the service
 * definitions are built directly from it — without proto-loader's descriptors of every message,
 * which only server reflection needs (`loadFleetPackageDefinition`).
 */
import type { PackageDefinition, ServiceDefinition, Options } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Method, Namespace, ReflectionObject, Root, Service } from 'protobufjs';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';
import type { ProtoGrpcType as ClientProto } from './generated/client.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as PeerProto } from './generated/peer.js';
import { LiteRoot } from './lite-codec.js';
import { decodePeerBatch, encodePeerBatch } from './peer-codec.js';
import { PRECOMPILED_FILE, PROBE_MESSAGES, parseProtoFiles, readPrecompiled, rootFromPrecompiled, subsetOf, type PrecompiledProto, type ProtoSources } from './precompiled.js';

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

/** The sources of the wire contract, for the precompiled artifact and its staleness check. */
export function protoSources(): ProtoSources {
  return { dir: protoRoot(), files: PROTO_FILES };
}

/** Where the build writes the precompiled artifact: next to this module (so only under dist/). */
export function precompiledPath(): string {
  return fileURLToPath(new URL(`./${PRECOMPILED_FILE}`, import.meta.url));
}

const lazyRequire = createRequire(import.meta.url);

// Loaded once per process, on first use.
let reflection: { root: Root; artifact: PrecompiledProto | undefined } | undefined;
let services: FleetProto | undefined;
let fullDefinition: PackageDefinition | undefined;

function loadReflection(): { root: Root; artifact: PrecompiledProto | undefined } {
  if (reflection === undefined) {
    const artifact = readPrecompiled(precompiledPath(), protoSources());
    reflection = { root: artifact === undefined ? parseProtoFiles(protoSources()) : rootFromPrecompiled(artifact), artifact };
  }
  return reflection;
}

/**
 * The typed client constructors and service definitions (`proto.fleet.v1.Fleet`, `.Admin`,
 * `.Peer`, `proto.grpc.health.v1.Health`). Message and enum entries are there too, built on
 * first access from the full package definition.
 */
export function loadFleetProto(): FleetProto {
  services ??= buildProto(loadReflection().root);
  return services;
}

/** One message's codec, shaped as proto-loader's (de)serializers shape it. */
export interface MessageCodec {
  encode(value: object): Buffer;
  decode(bytes: Buffer): object;
}

/** The codecs of the one-shot status probe (src/client/probe). */
export interface ProbeCodecs {
  readonly statusRequest: MessageCodec;
  readonly memberStatus: MessageCodec;
  readonly readRequest: MessageCodec;
  readonly readResponse: MessageCodec;
}

let probeCodecs: ProbeCodecs | undefined;

/**
 * The probe's codecs: only the probe's types (the artifact's `probe` subtree, or the same subset
 * of the parsed sources), through lite-codec.ts rather than protobufjs and without grpc-js.
 */
export function loadProbeCodecs(): ProbeCodecs {
  if (probeCodecs === undefined) {
    const artifact = readPrecompiled(precompiledPath(), protoSources());
    const root = new LiteRoot(artifact?.probe ?? subsetOf(parseProtoFiles(protoSources()), PROBE_MESSAGES));
    const codec = (name: string): MessageCodec => root.lookupType(name);
    probeCodecs = {
      statusRequest: codec('fleet.v1.StatusRequest'),
      memberStatus: codec('fleet.v1.MemberStatus'),
      readRequest: codec('fleet.v1.ReadRequest'),
      readResponse: codec('fleet.v1.ReadResponse'),
    };
  }
  return probeCodecs;
}

/** The full package definition, with descriptors (for server reflection, which describes the same files). */
export function loadFleetPackageDefinition(): PackageDefinition {
  if (fullDefinition === undefined) {
    const loader = lazyRequire('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
    const { artifact } = loadReflection();
    fullDefinition = artifact === undefined
      ? loader.loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [protoRoot()] })
      : loader.fromJSON(artifact.root, LOADER_OPTIONS);
  }
  return fullDefinition;
}

/**
 * What server reflection needs, cheaply: from the artifact, one entry carrying the file
 * descriptors (reflection reads only those, and proto-loader attaches the same ones to every
 * message), instead of the full definition — whose every message the reflection service would
 * decode them from again. Without an artifact, the full definition.
 */
export function loadReflectionDefinition(): PackageDefinition {
  const { artifact } = loadReflection();
  if (artifact === undefined) return loadFleetPackageDefinition();
  const { name, type, fileDescriptorProtos } = artifact.reflection;
  const files = fileDescriptorProtos.map((b) => Buffer.from(b, 'base64'));
  return { [name]: { format: 'Protocol Buffer 3 EnumDescriptorProto', type, fileDescriptorProtos: files } };
}

/** What grpc-js's `loadPackageDefinition` would build from the full definition, minus the descriptors' cost. */
function buildProto(root: Root): FleetProto {
  const grpc = lazyRequire('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const proto: Record<string, unknown> = {};
  for (const [fqn, obj] of handledObjects(root, '')) {
    const { parent, name } = slot(proto, fqn);
    if (isService(obj)) {
      parent[name] = grpc.makeClientConstructor(serviceDefinition(obj, fqn), name, {});
    } else {
      Object.defineProperty(parent, name, { enumerable: true, configurable: true, get: () => loadFleetPackageDefinition()[fqn] });
    }
  }
  return proto as unknown as FleetProto;
}

/** Services, messages and enums with their full names, as proto-loader enumerates them (not inside messages). */
function handledObjects(ns: Namespace, prefix: string): [string, ReflectionObject][] {
  const out: [string, ReflectionObject][] = [];
  for (const obj of ns.nestedArray) {
    const fqn = prefix === '' ? obj.name : `${prefix}.${obj.name}`;
    if (isService(obj) || 'fields' in obj || 'values' in obj) out.push([fqn, obj]);
    else if ('nestedArray' in obj) out.push(...handledObjects(obj as Namespace, fqn));
  }
  return out;
}

function isService(obj: ReflectionObject): obj is Service {
  return 'methods' in obj;
}

function slot(proto: Record<string, unknown>, fqn: string): { parent: Record<string, unknown>; name: string } {
  const parts = fqn.split('.');
  let parent = proto;
  for (const p of parts.slice(0, -1)) parent = (parent[p] ??= {}) as Record<string, unknown>;
  return { parent, name: parts[parts.length - 1]! };
}

/** proto-loader's method definitions; the descriptor-bearing fields come from the full definition when read. */
function serviceDefinition(service: Service, fqn: string): ServiceDefinition {
  const def: Record<string, unknown> = {};
  for (const method of service.methodsArray) def[method.name] = methodDefinition(method, fqn);
  return def as ServiceDefinition;
}

function methodDefinition(method: Method, serviceFqn: string): object {
  const request = method.resolvedRequestType!;
  const response = method.resolvedResponseType!;
  const full = () => (loadFleetPackageDefinition()[serviceFqn] as ServiceDefinition)[method.name]!;
  const def = {
    path: `/${serviceFqn}/${method.name}`,
    requestStream: !!method.requestStream,
    responseStream: !!method.responseStream,
    requestSerialize: serializer(request),
    requestDeserialize: deserializer(request),
    responseSerialize: serializer(response),
    responseDeserialize: deserializer(response),
    originalName: lowerFirst(method.name),
  };
  // Not enumerable: grpc-js copies a method's enumerable fields onto the client stub (Object.assign), which would build them at once.
  for (const key of ['requestType', 'responseType', 'options'] as const) {
    Object.defineProperty(def, key, { enumerable: false, configurable: true, get: () => full()[key] });
  }
  return def;
}

type MessageType = NonNullable<Method['resolvedRequestType']>;

/** The message every replicated entry travels in: encoded and decoded by hand, see peer-codec.ts. */
const PEER_BATCH = '.fleet.v1.PeerBatch';

/** proto-loader's serializer: from a plain object, refusing arrays. Peer batches have their own (peer-codec.ts). */
function serializer(type: MessageType): (value: object) => Buffer {
  if (type.fullName === PEER_BATCH) return encodePeerBatch as (value: object) => Buffer;
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

/** proto-loader's deserializer: to a plain object shaped by LOADER_OPTIONS. Peer batches have their own (peer-codec.ts). */
function deserializer(type: MessageType): (bytes: Buffer) => object {
  if (type.fullName === PEER_BATCH) return decodePeerBatch;
  return (bytes) => type.toObject(type.decode(bytes), LOADER_OPTIONS);
}

/** proto-loader names methods with lodash's camelCase; for our PascalCase method names that is a lower first letter (checked in test/proto). */
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
