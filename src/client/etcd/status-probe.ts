/**
 * What `fleet status` asks an etcd cluster (Maintenance.Status of each member; Cluster.MemberList,
 * Maintenance.Alarm and a KV.Range of the registry's plans of one), over plain HTTP/2 with the
 * precompiled messages: no grpc-js, no protobufjs, the same one-shot transport as fleet's own status probe (client/probe). Answers in
 * EtcdClient's shapes, mapped by the same functions (from-wire.ts). etcd's user auth needs a
 * token call first; a target with a user takes EtcdClient instead.
 */
import { loadEtcdProbeCodecs } from '../../proto/etcd.js';
import type { LiteType } from '../../proto/lite-codec.js';
import { H2Connection } from '../probe/h2-unary.js';
import type { TlsFiles } from '../transport/tls.js';
import type { EtcdAlarm, EtcdMember, EtcdStatus } from './types.js';
import { ALARM_GET, alarmsFromWire, memberFromWire, statusFromWire } from './from-wire.js';
import type { WireMember, WireStatus } from './services.js';

/** Where and how the probe connects. */
export interface EtcdProbeOptions {
  readonly endpoints: readonly string[];
  readonly tls?: TlsFiles | undefined;
  /** The deadline of each call unless one is given. */
  readonly timeoutMs: number;
}

/** A message decoded by its codec, in the shape its .proto gives it (the codec checks the wire, not the TypeScript type). */
function decoded<T>(type: LiteType, bytes: Uint8Array): T {
  return type.decode(bytes) as unknown as T;
}

/** A probe of one etcd cluster. Invariant: `close()` ends every connection it opened. */
export class EtcdStatusProbe {
  readonly endpoints: readonly string[];
  readonly #opts: EtcdProbeOptions;
  readonly #connections = new Map<string, H2Connection>();

  constructor(opts: EtcdProbeOptions) {
    this.#opts = opts;
    this.endpoints = opts.endpoints;
  }

  async status(endpoint: string, timeoutMs?: number): Promise<EtcdStatus> {
    const c = loadEtcdProbeCodecs();
    const answer = await this.#call(endpoint, '/etcdserverpb.Maintenance/Status', c.statusRequest.encode({}), timeoutMs);
    return statusFromWire(decoded<WireStatus>(c.statusResponse, answer));
  }

  async memberList(endpoint: string, timeoutMs?: number): Promise<EtcdMember[]> {
    const c = loadEtcdProbeCodecs();
    const answer = await this.#call(endpoint, '/etcdserverpb.Cluster/MemberList', c.memberListRequest.encode({}), timeoutMs);
    return decoded<{ members: WireMember[] }>(c.memberListResponse, answer).members.map(memberFromWire);
  }

  async alarms(endpoint: string, timeoutMs?: number): Promise<EtcdAlarm[]> {
    const c = loadEtcdProbeCodecs();
    const answer = await this.#call(endpoint, '/etcdserverpb.Maintenance/Alarm', c.alarmRequest.encode(ALARM_GET), timeoutMs);
    return alarmsFromWire(decoded<{ alarms: { memberID: string; alarm: string }[] }>(c.alarmResponse, answer));
  }

  /** The keys from `key` to `rangeEnd` (a linearizable read), as EtcdClient.range answers them. */
  async range(endpoint: string, key: Buffer, opts: { rangeEnd?: Buffer } = {}): Promise<{ kvs: { key: Buffer; value: Buffer; modRevision: number }[] }> {
    const c = loadEtcdProbeCodecs();
    const answer = await this.#call(endpoint, '/etcdserverpb.KV/Range', c.rangeRequest.encode({ key, ...(opts.rangeEnd === undefined ? {} : { rangeEnd: opts.rangeEnd }) }));
    const kvs = decoded<{ kvs?: { key: Uint8Array; value: Uint8Array; modRevision: string }[] }>(c.rangeResponse, answer).kvs ?? [];
    return { kvs: kvs.map((kv) => ({ key: Buffer.from(kv.key), value: Buffer.from(kv.value), modRevision: Number(kv.modRevision) })) };
  }

  /** Closes every connection. */
  close(): void {
    for (const c of this.#connections.values()) c.close();
    this.#connections.clear();
  }

  #call(address: string, path: string, message: Uint8Array, timeoutMs = this.#opts.timeoutMs): Promise<Buffer> {
    let connection = this.#connections.get(address);
    if (connection === undefined) {
      connection = new H2Connection(address, this.#opts.tls);
      this.#connections.set(address, connection);
    }
    return connection.unary(path, message, { timeoutMs });
  }
}
