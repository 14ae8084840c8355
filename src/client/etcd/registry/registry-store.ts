/**
 * The primitives every part of the registry on etcd is written with: keys under the prefix,
 * reads that keep the mod revision a transaction compares, transactions, the retry of a write
 * that lost a race, and fleet's refusals (the same codes, kinds and sentences as its state
 * machine, so the CLI exits the same way on both engines). See registry.ts for the layout.
 */
import { FleetClientError } from '../../errors.js';
import type { ClusterView, FleetErrorCode, FleetErrorDetails, ShardView } from '../../types.js';
import type { EtcdClient, EtcdCompare, EtcdKeyValue, EtcdTxnOp } from '../client.js';

/** How many times a write re-reads and retries after losing a race. */
const MAX_ATTEMPTS = 32;

/** etcd's default `--max-txn-ops`: the most compares, and the most operations, one transaction may hold. */
export const DEFAULT_MAX_TXN_OPS = 128;

export const q = JSON.stringify;

/** A shard as stored: the view without its bound count, which is kept under bound/<shard>. */
export type StoredShard = Omit<ShardView, 'boundClusters'>;

/** A cluster as stored; its `boundAtIndex` is the key's mod revision. */
export interface StoredCluster {
  readonly shard: string | null;
  readonly generation: number;
  readonly lastSeen: number;
}

/** A key as read: its value (undefined: absent) and the mod revision a transaction compares. */
export interface Read<T> {
  readonly value: T | undefined;
  readonly modRevision: number;
}

/** A transaction's outcome: whether its compares held, and etcd's revision after it. */
export interface Committed {
  readonly succeeded: boolean;
  readonly revision: number;
}

/** Keys, reads and transactions of one registry prefix. */
export class RegistryStore {
  constructor(
    readonly client: EtcdClient,
    readonly prefix: string,
    readonly maxTxnOps = DEFAULT_MAX_TXN_OPS,
  ) {}

  key(rest: string): Buffer {
    return Buffer.from(`${this.prefix}${rest}`);
  }

  put(rest: string, value: unknown, lease?: string): EtcdTxnOp {
    return { key: this.key(rest), value: Buffer.from(JSON.stringify(value)), ...(lease === undefined ? {} : { lease }) };
  }

  del(rest: string): EtcdTxnOp {
    return { key: this.key(rest) };
  }

  /** The condition that `rest` is still as `read` saw it. */
  same(rest: string, read: Read<unknown>): EtcdCompare {
    return { key: this.key(rest), modRevision: read.modRevision };
  }

  async read<T>(rest: string): Promise<Read<T>> {
    const kv = await this.client.onAnyMember((ep) => this.client.get(ep, this.key(rest)));
    return kv === undefined ? { value: undefined, modRevision: 0 } : { value: JSON.parse(kv.value.toString()) as T, modRevision: kv.modRevision };
  }

  /** Every key under `rest`, in key order. */
  async scan(rest: string): Promise<EtcdKeyValue[]> {
    return (await this.client.onAnyMember((ep) => this.client.list(ep, this.key(rest)))).kvs;
  }

  /** Every value under `rest` with its key's rest (after `rest`) and mod revision. */
  async scanValues<T>(rest: string): Promise<{ name: string; value: T; modRevision: number }[]> {
    const skip = this.key(rest).length;
    return (await this.scan(rest)).map((kv) => ({ name: kv.key.subarray(skip).toString(), value: JSON.parse(kv.value.toString()) as T, modRevision: kv.modRevision }));
  }

  /** How many keys there are under `rest`. */
  count(rest: string): Promise<number> {
    return this.client.onAnyMember((ep) => this.client.count(ep, this.key(rest)));
  }

  /** Bound counts by shard. */
  async boundCounts(): Promise<Map<string, Read<number>>> {
    const counts = await this.scanValues<number>('bound/');
    return new Map(counts.map((c) => [c.name, { value: c.value, modRevision: c.modRevision }]));
  }

  commit(compare: readonly EtcdCompare[], ops: readonly EtcdTxnOp[]): Promise<Committed> {
    if (compare.length > this.maxTxnOps || ops.length > this.maxTxnOps) {
      return Promise.reject(refusal('INVALID_ARGUMENT', `this write needs ${Math.max(compare.length, ops.length)} operations in one etcd transaction, more than the ${this.maxTxnOps} etcd allows (--max-txn-ops); split it`, {}));
    }
    return this.client.onAnyMember((ep) => this.client.txn(ep, compare, ops));
  }

  /** Etcd's current revision (the registry's applied index). */
  async revision(): Promise<number> {
    return (await this.client.onAnyMember((ep) => this.client.range(ep, this.key('shards/'), { limit: 1 }))).revision;
  }
}

/** Runs `attempt` until it answers; one that lost a race (a compare failed, undefined) reads again. */
export async function retry<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const r = await attempt();
    if (r !== undefined) return r;
  }
  throw new FleetClientError('unavailable', `the registry on etcd kept changing under this write (${MAX_ATTEMPTS} attempts); try again`);
}

/** A refusal as fleet's registry words it. */
export function refusal(code: FleetErrorCode, message: string, details: FleetErrorDetails): FleetClientError {
  const kind = code === 'NOT_FOUND' ? 'not-found' : code === 'INVALID_ARGUMENT' ? 'invalid' : 'precondition';
  return new FleetClientError(kind, message, { code, details });
}

export function notFound(what: 'shard' | 'cluster' | 'domain' | 'provider' | 'quota' | 'lease', id: string): FleetClientError {
  return refusal('NOT_FOUND', `${what} ${q(id)} does not exist`, { [what]: id });
}

/** Refuses a shard in this state with `bound` clusters taking `incoming` more (net): as fleet's state machine decides. */
export function admits(shard: StoredShard, bound: number, incoming: number): void {
  if (shard.state !== 'active') throw refusal('FAILED_PRECONDITION', `shard ${q(shard.id)} is ${shard.state} and takes no new clusters`, { shard: shard.id, state: shard.state });
  if (incoming > 0 && bound + incoming > shard.capacity) {
    throw refusal('FAILED_PRECONDITION', `shard ${q(shard.id)} is at capacity (${bound} of ${shard.capacity} bound, ${incoming} more asked)`, { shard: shard.id, capacity: shard.capacity, boundClusters: bound, incoming });
  }
}

export function shardView(s: StoredShard, boundClusters: number): ShardView {
  return { id: s.id, address: s.address, region: s.region, zone: s.zone, state: s.state, capacity: s.capacity, labels: s.labels, registeredAt: s.registeredAt, lastHeartbeat: s.lastHeartbeat, boundClusters };
}

export function clusterView(name: string, c: StoredCluster, modRevision: number): ClusterView {
  return { name, shard: c.shard, generation: c.generation, boundAtIndex: modRevision, lastSeen: c.lastSeen };
}

/** A key part that may hold '/' (a provider or a domain key), escaped so compound keys stay unambiguous. */
export function part(name: string): string {
  return encodeURIComponent(name);
}
