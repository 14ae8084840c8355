/**
 * etcd's v3 messages for `fleet status` of an etcd cluster, precompiled like fleet's own
 * (precompiled.ts): `npm run build` parses proto/etcd/rpc.proto once and writes the messages the
 * status probe sends and reads to dist/proto/etcd-v3.json, stamped with the source's hash. At
 * run time the probe decodes them with lite-codec.ts, without proto-loader, protobufjs or
 * grpc-js; a missing or stale artifact falls back to parsing the .proto file.
 */
import { fileURLToPath } from 'node:url';
import type { INamespace } from 'protobufjs';
import { LiteRoot, type LiteType } from './lite-codec.js';
import { parseProtoFiles, protoSourceHash, readPrecompiledJson, subsetOf, type ProtoSources } from './precompiled.js';

/** etcd's API as fleet declares it, relative to proto/. */
export const ETCD_PROTO_FILE = 'etcd/rpc.proto';

/** The artifact's file name, next to this module in dist/proto. */
export const ETCD_PRECOMPILED_FILE = 'etcd-v3.json';

/** What the status probe sends and reads: Maintenance.Status and Alarm, Cluster.MemberList, and KV.Range (the registry's plans). */
export const ETCD_PROBE_MESSAGES: readonly string[] = [
  'etcdserverpb.StatusRequest', 'etcdserverpb.StatusResponse',
  'etcdserverpb.MemberListRequest', 'etcdserverpb.MemberListResponse',
  'etcdserverpb.AlarmRequest', 'etcdserverpb.AlarmResponse',
  'etcdserverpb.RangeRequest', 'etcdserverpb.RangeResponse',
];

/** The artifact: the probe's messages and the hash of the source they came from. */
export interface EtcdPrecompiled {
  readonly sourceHash: string;
  readonly probe: INamespace;
}

/** proto/etcd/rpc.proto (src/proto and dist/proto sit at the same depth). */
export function etcdProtoSources(): ProtoSources {
  return { dir: fileURLToPath(new URL('../../proto/', import.meta.url)), files: [ETCD_PROTO_FILE] };
}

/** Where the build writes the artifact: next to this module (so only under dist/). */
export function etcdPrecompiledPath(): string {
  return fileURLToPath(new URL(`./${ETCD_PRECOMPILED_FILE}`, import.meta.url));
}

/** Builds the artifact from the .proto source (`npm run build`). */
export function precompileEtcd(src: ProtoSources = etcdProtoSources()): EtcdPrecompiled {
  return { sourceHash: protoSourceHash(src), probe: subsetOf(parseProtoFiles(src), ETCD_PROBE_MESSAGES) };
}

/** The status probe's codecs, 64-bit integers as decimal strings (member ids do not fit a double). */
export interface EtcdProbeCodecs {
  readonly statusRequest: LiteType;
  readonly statusResponse: LiteType;
  readonly memberListRequest: LiteType;
  readonly memberListResponse: LiteType;
  readonly alarmRequest: LiteType;
  readonly alarmResponse: LiteType;
  readonly rangeRequest: LiteType;
  readonly rangeResponse: LiteType;
}

let codecs: EtcdProbeCodecs | undefined;

/** The probe's codecs, from the artifact when it matches the source, else from parsing it. */
export function loadEtcdProbeCodecs(): EtcdProbeCodecs {
  if (codecs === undefined) {
    const src = etcdProtoSources();
    const artifact = readPrecompiledJson<EtcdPrecompiled>(etcdPrecompiledPath(), src);
    const root = new LiteRoot(artifact?.probe ?? subsetOf(parseProtoFiles(src), ETCD_PROBE_MESSAGES), { longs: String });
    const codec = (name: string): LiteType => root.lookupType(`etcdserverpb.${name}`);
    codecs = {
      statusRequest: codec('StatusRequest'), statusResponse: codec('StatusResponse'),
      memberListRequest: codec('MemberListRequest'), memberListResponse: codec('MemberListResponse'),
      alarmRequest: codec('AlarmRequest'), alarmResponse: codec('AlarmResponse'),
      rangeRequest: codec('RangeRequest'), rangeResponse: codec('RangeResponse'),
    };
  }
  return codecs;
}
