/**
 * The wire contract in TypeScript: the one module the client and the coordinator share. It
 * hands out the typed gRPC constructors and service definitions of proto/, plus every
 * generated message type (see types.ts).
 *
 * Start-up is part of the product, and every command that talks to a cluster passes through
 * here. So nothing heavy loads with this module (grpc-js and protobufjs are required on first
 * use), the reflection tree comes precompiled from the build (precompiled.ts) as JSON, the service
 * definitions are built directly from that JSON, and each message's codec from its own part of
 * it when first used — without proto-loader's descriptors of every message, which only server
 * reflection needs (`loadFleetPackageDefinition`).
 */
import type { PackageDefinition, ServiceDefinition, Options } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { INamespace, Type } from 'protobufjs';
import type { ProtoGrpcType as AdminProto } from './generated/admin.js';
import type { ProtoGrpcType as ClientProto } from './generated/client.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type { ProtoGrpcType as PeerProto } from './generated/peer.js';
import { LiteRoot } from './lite-codec.js';
import { decodePeerBatch, encodePeerBatch } from './peer-codec.js';
import { PRECOMPILED_FILE, PRECOMPILED_PROBE_FILE, PROBE_MESSAGES, closureOf, parseProtoFiles, readPrecompiled, readPrecompiledJson, resolveTypeName, rootFromJSON, subsetOf, type PrecompiledProto, type ProtoSources } from './precompiled.js';

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

/** Where the build writes the probe's part of it, beside it. */
export function precompiledProbePath(): string {
  return fileURLToPath(new URL(`./${PRECOMPILED_PROBE_FILE}`, import.meta.url));
}

const lazyRequire = createRequire(import.meta.url);

// Loaded once per process, on first use.
let contract: { json: INamespace; artifact: PrecompiledProto | undefined } | undefined;
let services: FleetProto | undefined;
let fullDefinition: PackageDefinition | undefined;
const messageTypes = new Map<string, Type>();

/** The reflection tree as JSON: the artifact's, or the parsed sources' (runs from the sources). */
function loadContract(): { json: INamespace; artifact: PrecompiledProto | undefined } {
  if (contract === undefined) {
    const artifact = readPrecompiled(precompiledPath(), protoSources());
    contract = { json: artifact?.root ?? parseProtoFiles(protoSources()).toJSON(), artifact };
  }
  return contract;
}

/**
 * One message type, built on first use from its part of the tree only (closureOf): building all
 * of them took most of a command's or a member's protocol start-up, and a command uses a few.
 */
function messageType(fullName: string): Type {
  let type = messageTypes.get(fullName);
  if (type === undefined) {
    type = rootFromJSON(closureOf(loadContract().json, fullName)).lookupType(fullName);
    messageTypes.set(fullName, type);
  }
  return type;
}

/**
 * The typed client constructors and service definitions (`proto.fleet.v1.Fleet`, `.Admin`,
 * `.Peer`, `proto.grpc.health.v1.Health`). Message and enum entries are there too, built on
 * first access from the full package definition.
 */
export function loadFleetProto(): FleetProto {
  services ??= buildProto(loadContract().json);
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
    const artifact = readPrecompiledJson<Pick<PrecompiledProto, 'sourceHash' | 'probe'>>(precompiledProbePath(), protoSources());
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
    const { artifact } = loadContract();
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
  const { artifact } = loadContract();
  if (artifact === undefined) return loadFleetPackageDefinition();
  const { name, type, fileDescriptorProtos } = artifact.reflection;
  const files = fileDescriptorProtos.map((b) => Buffer.from(b, 'base64'));
  return { [name]: { format: 'Protocol Buffer 3 EnumDescriptorProto', type, fileDescriptorProtos: files } };
}

/** A service as the JSON tree describes it. */
interface ServiceJson {
  readonly methods: Readonly<Record<string, { readonly requestType: string; readonly responseType: string; readonly requestStream?: boolean; readonly responseStream?: boolean }>>;
}

/** What grpc-js's `loadPackageDefinition` would build from the full definition, minus the descriptors' cost. */
function buildProto(json: INamespace): FleetProto {
  const grpc = lazyRequire('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const proto: Record<string, unknown> = {};
  for (const [fqn, obj] of handledObjects(json, '')) {
    const { parent, name } = slot(proto, fqn);
    if ('methods' in obj) {
      parent[name] = grpc.makeClientConstructor(serviceDefinition(json, obj as ServiceJson, fqn), name, {});
    } else {
      Object.defineProperty(parent, name, { enumerable: true, configurable: true, get: () => loadFleetPackageDefinition()[fqn] });
    }
  }
  return proto as unknown as FleetProto;
}

/** Services, messages and enums with their full names, as proto-loader enumerates them (not inside messages). */
function handledObjects(ns: INamespace, prefix: string): [string, object][] {
  const out: [string, object][] = [];
  for (const [name, obj] of Object.entries(ns.nested ?? {})) {
    const fqn = prefix === '' ? name : `${prefix}.${name}`;
    if ('methods' in obj || 'fields' in obj || 'values' in obj) out.push([fqn, obj]);
    else if ('nested' in obj) out.push(...handledObjects(obj as INamespace, fqn));
  }
  return out;
}

function slot(proto: Record<string, unknown>, fqn: string): { parent: Record<string, unknown>; name: string } {
  const parts = fqn.split('.');
  let parent = proto;
  for (const p of parts.slice(0, -1)) parent = (parent[p] ??= {}) as Record<string, unknown>;
  return { parent, name: parts[parts.length - 1]! };
}

/** proto-loader's method definitions; the descriptor-bearing fields come from the full definition when read. */
function serviceDefinition(json: INamespace, service: ServiceJson, fqn: string): ServiceDefinition {
  const scope = fqn.split('.').slice(0, -1);
  const typeName = (name: string): string => {
    const found = resolveTypeName(json, scope, name);
    if (found === undefined) throw new Error(`unknown message ${name} (in ${fqn})`);
    return found;
  };
  const def: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service.methods)) {
    def[name] = methodDefinition(fqn, name, { ...method, requestType: typeName(method.requestType), responseType: typeName(method.responseType) });
  }
  return def as ServiceDefinition;
}

function methodDefinition(serviceFqn: string, name: string, method: ServiceJson['methods'][string]): object {
  const full = () => (loadFleetPackageDefinition()[serviceFqn] as ServiceDefinition)[name]!;
  const def = {
    path: `/${serviceFqn}/${name}`,
    requestStream: !!method.requestStream,
    responseStream: !!method.responseStream,
    requestSerialize: serializer(method.requestType),
    requestDeserialize: deserializer(method.requestType),
    responseSerialize: serializer(method.responseType),
    responseDeserialize: deserializer(method.responseType),
    originalName: lowerFirst(name),
  };
  // Not enumerable: grpc-js copies a method's enumerable fields onto the client stub (Object.assign), which would build them at once.
  for (const key of ['requestType', 'responseType', 'options'] as const) {
    Object.defineProperty(def, key, { enumerable: false, configurable: true, get: () => full()[key] });
  }
  return def;
}

/** The message every replicated entry travels in: encoded and decoded by hand, see peer-codec.ts. */
const PEER_BATCH = 'fleet.v1.PeerBatch';

/** proto-loader's serializer: from a plain object, refusing arrays. Peer batches have their own (peer-codec.ts). */
function serializer(fullName: string): (value: object) => Buffer {
  if (fullName === PEER_BATCH) return encodePeerBatch as (value: object) => Buffer;
  const shortName = fullName.slice(fullName.lastIndexOf('.') + 1);
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${shortName} structure, got array instead`);
    const type = messageType(fullName);
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

/** proto-loader's deserializer: to a plain object shaped by LOADER_OPTIONS. Peer batches have their own (peer-codec.ts). */
function deserializer(fullName: string): (bytes: Buffer) => object {
  if (fullName === PEER_BATCH) return decodePeerBatch;
  return (bytes) => {
    const type = messageType(fullName);
    return type.toObject(type.decode(bytes), LOADER_OPTIONS);
  };
}

/** proto-loader names methods with lodash's camelCase; for our PascalCase method names that is a lower first letter (checked in test/proto). */
function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
