/**
 * A minimal Node client of etcd's own v3 gRPC API (KV, Maintenance, Cluster), on the same
 * grpc-js and proto-loader the fleet client uses, so that both systems are driven by the same
 * runtime. It speaks the unary API the way etcd's users do; it has no retry policy of its own
 * beyond what a caller asks for.
 */
import { credentials, loadPackageDefinition, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('./proto/rpc.proto', import.meta.url));

/** A key's value as Range answers it. */
export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  /** etcd's per-key version: 1 after the first put, reset by a delete. */
  readonly version: number;
  readonly modRevision: number;
}

/** One member's Maintenance.Status, indices as numbers, ids as decimal strings (they are 64-bit). */
export interface EtcdStatus {
  readonly memberId: string;
  readonly leaderId: string;
  readonly raftTerm: number;
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly dbSize: number;
  readonly version: string;
}

/** One member as Cluster.MemberList answers it. */
export interface EtcdMember {
  readonly id: string;
  readonly name: string;
  readonly clientUrls: readonly string[];
}

type Callback<T> = (err: ServiceError | null, value?: T) => void;
type Unary<Req, Res> = (req: Req, md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => void;

interface WireHeader {
  memberId: string;
  revision: string;
}
interface WireKeyValue {
  key: Buffer;
  value: Buffer;
  version: string;
  modRevision: string;
}
interface KvService extends Client {
  Range: Unary<{ key: Buffer; serializable: boolean }, { header: WireHeader; kvs: WireKeyValue[] }>;
  Put: Unary<{ key: Buffer; value: Buffer }, { header: WireHeader }>;
  DeleteRange: Unary<{ key: Buffer }, { header: WireHeader }>;
  Txn: Unary<Record<string, unknown>, { header: WireHeader; succeeded: boolean }>;
}
interface MaintenanceService extends Client {
  Status: Unary<Record<string, never>, { header: WireHeader; version: string; dbSize: string; leader: string; raftIndex: string; raftTerm: string; raftAppliedIndex: string }>;
  Snapshot(req: Record<string, never>, md: Metadata, opts: { deadline: number }): NodeJS.ReadableStream & { cancel(): void };
}
interface ClusterService extends Client {
  MemberList: Unary<Record<string, never>, { members: { ID: string; name: string; clientURLs: string[] }[] }>;
}
type ServiceCtor<T> = new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options: Record<string, unknown>) => T;
interface EtcdPackage {
  KV: ServiceCtor<KvService>;
  Maintenance: ServiceCtor<MaintenanceService>;
  Cluster: ServiceCtor<ClusterService>;
}

/** The same reconnect back-off and message limit as FleetClient's channels, so neither side waits longer for a returning member. */
const DEFAULT_CHANNEL_OPTIONS = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 2_000, 'grpc.max_receive_message_length': 64 << 20 };

let loaded: EtcdPackage | undefined;

/** etcd's services, loaded once. 64-bit integers come as strings: member ids do not fit a double. */
function etcdPackage(): EtcdPackage {
  loaded ??= (loadPackageDefinition(loadSync(PROTO, { longs: String, enums: String, defaults: true, oneofs: true })) as unknown as { etcdserverpb: EtcdPackage }).etcdserverpb;
  return loaded;
}

/** The stubs of one member, on one channel (grpc-js shares the connection between them). */
class MemberChannel {
  readonly kv: KvService;
  readonly maintenance: MaintenanceService;
  readonly cluster: ClusterService;

  constructor(
    readonly address: string,
    channelOptions: Readonly<Record<string, number>>,
  ) {
    const pkg = etcdPackage();
    const creds = credentials.createInsecure();
    const options = { ...DEFAULT_CHANNEL_OPTIONS, ...channelOptions };
    this.kv = new pkg.KV(address, creds, options);
    // Services built on the same channel share its connection.
    this.maintenance = new pkg.Maintenance(address, creds, { ...options, channelOverride: this.kv.getChannel() });
    this.cluster = new pkg.Cluster(address, creds, { ...options, channelOverride: this.kv.getChannel() });
  }

  close(): void {
    this.kv.close();
  }
}

function call<Req, Res>(method: Unary<Req, Res>, self: Client, req: Req, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(self, req, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => (err ? reject(err) : resolve(value!)));
  });
}

/** Whether a failed call may succeed elsewhere or later (no leader, member down, deadline). */
export function isRetryable(err: unknown): boolean {
  const code = (err as Partial<ServiceError>).code;
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED || code === status.CANCELLED;
}

/** A client of one etcd cluster: a channel per member, opened on first use. */
export class EtcdClient {
  readonly #channels = new Map<string, MemberChannel>();

  /** `endpoints` are `host:port` of the members' client URLs. */
  constructor(
    readonly endpoints: readonly string[],
    readonly callTimeoutMs = 5_000,
    readonly channelOptions: Readonly<Record<string, number>> = {},
  ) {}

  #member(endpoint: string): MemberChannel {
    let ch = this.#channels.get(endpoint);
    if (ch === undefined) {
      ch = new MemberChannel(endpoint, this.channelOptions);
      this.#channels.set(endpoint, ch);
    }
    return ch;
  }

  /** Puts one key; answers the revision it was committed at. */
  async put(endpoint: string, key: Buffer, value: Buffer, timeoutMs = this.callTimeoutMs): Promise<number> {
    const kv = this.#member(endpoint).kv;
    const r = await call(kv.Put, kv, { key, value }, timeoutMs);
    return Number(r.header.revision);
  }

  /** Reads one key: linearizable (ReadIndex through the leader) unless `serializable`. */
  async get(endpoint: string, key: Buffer, opts: { serializable?: boolean; timeoutMs?: number } = {}): Promise<EtcdKeyValue | undefined> {
    const kv = this.#member(endpoint).kv;
    const r = await call(kv.Range, kv, { key, serializable: opts.serializable ?? false }, opts.timeoutMs ?? this.callTimeoutMs);
    const found = r.kvs[0];
    return found === undefined ? undefined : { key: found.key, value: found.value, version: Number(found.version), modRevision: Number(found.modRevision) };
  }

  async delete(endpoint: string, key: Buffer, timeoutMs = this.callTimeoutMs): Promise<void> {
    const kv = this.#member(endpoint).kv;
    await call(kv.DeleteRange, kv, { key }, timeoutMs);
  }

  /** Puts `value` if the key holds `expected` (null: the key is absent); answers whether it did. */
  async compareAndPut(endpoint: string, key: Buffer, expected: Buffer | null, value: Buffer, timeoutMs = this.callTimeoutMs): Promise<boolean> {
    const kv = this.#member(endpoint).kv;
    // An absent key has create_revision 0; a present one is compared by value.
    const compare = expected === null ? { result: 'EQUAL', target: 'CREATE', key, createRevision: 0 } : { result: 'EQUAL', target: 'VALUE', key, value: expected };
    const r = await call(kv.Txn, kv, { compare: [compare], success: [{ requestPut: { key, value } }], failure: [] }, timeoutMs);
    return r.succeeded;
  }

  async status(endpoint: string, timeoutMs = this.callTimeoutMs): Promise<EtcdStatus> {
    const m = this.#member(endpoint).maintenance;
    const r = await call(m.Status, m, {}, timeoutMs);
    return {
      memberId: r.header.memberId,
      leaderId: r.leader,
      raftTerm: Number(r.raftTerm),
      raftIndex: Number(r.raftIndex),
      raftAppliedIndex: Number(r.raftAppliedIndex),
      dbSize: Number(r.dbSize),
      version: r.version,
    };
  }

  async memberList(endpoint: string, timeoutMs = this.callTimeoutMs): Promise<EtcdMember[]> {
    const c = this.#member(endpoint).cluster;
    const r = await call(c.MemberList, c, {}, timeoutMs);
    return r.members.map((m) => ({ id: m.ID, name: m.name, clientUrls: m.clientURLs }));
  }

  /** The leader's client endpoint, asking every member (the first that knows one answers). */
  async leaderEndpoint(timeoutMs = 1_000): Promise<string | undefined> {
    const answers = await Promise.all(this.endpoints.map((ep) => this.status(ep, timeoutMs).then((s) => ({ ep, s }), () => undefined)));
    return answers.find((a) => a !== undefined && a.s.leaderId !== '0' && a.s.leaderId === a.s.memberId)?.ep;
  }

  /** Streams Maintenance.Snapshot of one member into `toFile`; answers the bytes written. */
  snapshot(endpoint: string, toFile: string, timeoutMs = 600_000): Promise<number> {
    const m = this.#member(endpoint).maintenance;
    const stream = m.Snapshot({}, new Metadata(), { deadline: Date.now() + timeoutMs });
    const out = createWriteStream(toFile);
    let bytes = 0;
    return new Promise((resolve, reject) => {
      stream.on('data', (chunk: { blob: Buffer }) => {
        bytes += chunk.blob.length;
        out.write(chunk.blob);
      });
      stream.on('error', (err) => {
        out.destroy();
        reject(err);
      });
      stream.on('end', () => out.end(() => resolve(bytes)));
    });
  }

  close(): void {
    for (const ch of this.#channels.values()) ch.close();
    this.#channels.clear();
  }
}
