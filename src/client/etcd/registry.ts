/**
 * The fleet registry kept in etcd, under a key prefix (default `/fleet/`):
 *
 *   <prefix>shards/<id>      JSON: id, address, region, zone, state, capacity, labels, registeredAt, lastHeartbeat
 *   <prefix>bound/<shard>    the number of clusters bound to the shard, in decimal
 *   <prefix>clusters/<name>  JSON: shard (null: unbound), generation, lastSeen
 *
 * Every write reads what it depends on, then commits in one transaction that compares each of
 * those keys' mod revisions (0: still absent): first contact wins because the bind compares the
 * cluster key; capacity holds under concurrent binders because the bind compares and rewrites
 * the shard's count. A transaction that loses a race is re-read and re-decided, so the loser
 * gets the answer fleet's state machine would give it (ALREADY_BOUND, at capacity).
 *
 * A write's `index` is etcd's revision after it; a binding's `boundAtIndex` is the revision its
 * cluster key was last written at (a contact with the same shard writes nothing). The refusals
 * are fleet's own: the same codes, kinds and sentences, so the CLI exits the same way.
 */
import { FleetClientError } from '../errors.js';
import { keptOnEtcd, type EtcdRegistryWrite, type Registry } from '../registry.js';
import type { ClusterView, CommandOf, CommandType, FleetErrorCode, FleetErrorDetails, ListClustersOptions, Page, ShardView, Written } from '../types.js';
import { prefixEnd, type EtcdClient, type EtcdCompare, type EtcdKeyValue, type EtcdTxnOp } from './client.js';

/** Where the registry lives when no prefix is given. */
export const DEFAULT_REGISTRY_PREFIX = '/fleet/';

/** How many times a write re-reads and retries after losing a race. */
const MAX_ATTEMPTS = 32;

const q = JSON.stringify;

/** A shard as stored: the view without its bound count, which is kept under bound/<shard>. */
type StoredShard = Omit<ShardView, 'boundClusters'>;

interface StoredCluster {
  readonly shard: string | null;
  readonly generation: number;
  readonly lastSeen: number;
}

/** A key as read: its value (undefined: absent) and the mod revision a transaction compares. */
interface Read<T> {
  readonly value: T | undefined;
  readonly modRevision: number;
}

type Handlers = { [T in EtcdRegistryWrite]: (args: CommandOf<T>) => Promise<Written<T>> };

/** The registry over one etcd cluster. */
export class EtcdRegistry implements Registry {
  readonly #handlers: Handlers;

  constructor(
    readonly client: EtcdClient,
    readonly prefix = DEFAULT_REGISTRY_PREFIX,
  ) {
    this.#handlers = {
      'shard.register': (a) => this.#registerShard(a),
      'shard.setState': (a) => this.#setShardState(a),
      'cluster.contact': (a) => this.#contact(a),
      'cluster.unbind': (a) => this.#unbind(a),
    };
  }

  write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>> {
    if (!keptOnEtcd(command.type)) return Promise.reject(new FleetClientError('invalid', `${command.type} is not kept in the registry on etcd yet (engine etcd)`));
    const handler = this.#handlers[command.type] as unknown as (a: CommandOf<T>) => Promise<Written<T>>;
    return handler(command);
  }

  async listShards(): Promise<ShardView[]> {
    const [shards, counts] = await Promise.all([this.#scan('shards/'), this.#scan('bound/')]);
    const bound = new Map(counts.map((kv) => [kv.key.toString().slice(this.#key('bound/').length), Number(kv.value.toString())]));
    return shards.map((kv) => shardView(JSON.parse(kv.value.toString()) as StoredShard, bound.get(kv.key.toString().slice(this.#key('shards/').length)) ?? 0));
  }

  async getCluster(name: string): Promise<ClusterView | undefined> {
    const r = await this.#read<StoredCluster>(`clusters/${name}`);
    return r.value === undefined ? undefined : clusterView(name, r.value, r.modRevision);
  }

  /** Clusters in name order after `after`, filtered, at most `limit`; `next` when more may follow. */
  async listClusters(opts: ListClustersOptions = {}): Promise<Page<ClusterView>> {
    const limit = opts.limit ?? 1_000;
    const now = Date.now();
    const keep = (c: ClusterView) => (opts.shard === undefined || c.shard === opts.shard) && (opts.unbound !== true || c.shard === null) && (opts.staleSinceMs === undefined || now - c.lastSeen >= opts.staleSinceMs);
    const items: ClusterView[] = [];
    const end = prefixEnd(this.#key('clusters/'));
    let from = this.#key(`clusters/${opts.after === undefined ? '' : `${opts.after}\0`}`);
    for (;;) {
      const page = await this.client.onAnyMember((ep) => this.client.range(ep, from, { rangeEnd: end, limit: Math.max(limit + 1, 100) }));
      for (const kv of page.kvs) {
        const name = kv.key.toString().slice(this.#key('clusters/').length);
        const c = clusterView(name, JSON.parse(kv.value.toString()) as StoredCluster, kv.modRevision);
        if (!keep(c)) continue;
        if (items.length === limit) return { items, next: items[items.length - 1]!.name };
        items.push(c);
      }
      if (!page.more || page.kvs.length === 0) return { items };
      from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Writes
  // -------------------------------------------------------------------------------------------

  /** Registers a shard; the same settings again are a no-op, other settings are refused (shard.update changes them). */
  async #registerShard(op: CommandOf<'shard.register'>): Promise<Written<'shard.register'>> {
    const labels = op.labels ?? {};
    return this.#retry<Written<'shard.register'>>(async () => {
      const shard = await this.#read<StoredShard>(`shards/${op.id}`);
      if (shard.value !== undefined) {
        const s = shard.value;
        const same = s.address === op.address && s.region === op.region && s.zone === op.zone && s.capacity === op.capacity && sameLabels(s.labels, labels);
        if (!same) throw refusal('FAILED_PRECONDITION', `shard ${q(op.id)} is already registered with other settings; use shard.update to change them`, { shard: op.id });
        const count = await this.#read<number>(`bound/${op.id}`);
        return { shard: shardView(s, count.value ?? 0), created: false, index: Math.max(shard.modRevision, count.modRevision) };
      }
      const other = (await this.listShards()).find((s) => s.address === op.address);
      if (other !== undefined) throw refusal('FAILED_PRECONDITION', `address ${op.address} is already used by shard ${q(other.id)}`, { address: op.address, shard: other.id });
      const stored: StoredShard = { id: op.id, address: op.address, region: op.region, zone: op.zone, state: 'active', capacity: op.capacity, labels: sortedLabels(labels), registeredAt: Date.now(), lastHeartbeat: null };
      const r = await this.#commit([{ key: this.#key(`shards/${op.id}`), modRevision: 0 }], [this.#put(`shards/${op.id}`, stored), this.#put(`bound/${op.id}`, 0)]);
      return r.succeeded ? ({ shard: shardView(stored, 0), created: true, index: r.revision }) : undefined;
    });
  }

  /** Moves a shard between active, draining and cordoned. */
  async #setShardState(op: CommandOf<'shard.setState'>): Promise<Written<'shard.setState'>> {
    return this.#retry<Written<'shard.setState'>>(async () => {
      const [shard, count] = await Promise.all([this.#read<StoredShard>(`shards/${op.id}`), this.#read<number>(`bound/${op.id}`)]);
      if (shard.value === undefined) throw notFound('shard', op.id);
      const next = { ...shard.value, state: op.state };
      const r = await this.#commit([{ key: this.#key(`shards/${op.id}`), modRevision: shard.modRevision }], [this.#put(`shards/${op.id}`, next)]);
      return r.succeeded ? ({ shard: shardView(next, count.value ?? 0), previousState: shard.value.state, index: r.revision }) : undefined;
    });
  }

  /** First contact wins: binds an unbound cluster, accepts the same shard again, refuses any other. */
  async #contact(op: CommandOf<'cluster.contact'>): Promise<Written<'cluster.contact'>> {
    return this.#retry<Written<'cluster.contact'>>(async () => {
      const [shard, count, cluster] = await Promise.all([this.#read<StoredShard>(`shards/${op.shard}`), this.#read<number>(`bound/${op.shard}`), this.#read<StoredCluster>(`clusters/${op.cluster}`)]);
      if (shard.value === undefined) throw notFound('shard', op.shard);
      const c = cluster.value;
      if (c !== undefined && c.shard === op.shard) return { cluster: clusterView(op.cluster, c, cluster.modRevision), created: false, bound: false, index: cluster.modRevision };
      if (c !== undefined && c.shard !== null) {
        throw refusal('ALREADY_BOUND', `cluster ${q(op.cluster)} is already bound to shard ${q(c.shard)}; rebind it explicitly to move it`, { cluster: op.cluster, currentShard: c.shard, generation: c.generation });
      }
      admits(shard.value, count.value ?? 0, 1);
      const next: StoredCluster = { shard: op.shard, generation: (c?.generation ?? 0) + 1, lastSeen: Date.now() };
      const r = await this.#commit(
        [
          { key: this.#key(`clusters/${op.cluster}`), modRevision: cluster.modRevision },
          { key: this.#key(`bound/${op.shard}`), modRevision: count.modRevision },
          { key: this.#key(`shards/${op.shard}`), modRevision: shard.modRevision },
        ],
        [this.#put(`clusters/${op.cluster}`, next), this.#put(`bound/${op.shard}`, (count.value ?? 0) + 1)],
      );
      return r.succeeded ? ({ cluster: clusterView(op.cluster, next, r.revision), created: c === undefined, bound: true, index: r.revision }) : undefined;
    });
  }

  /** Leaves a cluster known but unbound; unbinding an unbound cluster is a no-op. */
  async #unbind(op: CommandOf<'cluster.unbind'>): Promise<Written<'cluster.unbind'>> {
    return this.#retry<Written<'cluster.unbind'>>(async () => {
      const cluster = await this.#read<StoredCluster>(`clusters/${op.cluster}`);
      const c = cluster.value;
      if (c === undefined) throw notFound('cluster', op.cluster);
      if (c.shard === null) return { cluster: clusterView(op.cluster, c, cluster.modRevision), previousShard: null, index: cluster.modRevision };
      const count = await this.#read<number>(`bound/${c.shard}`);
      const next: StoredCluster = { ...c, shard: null, generation: c.generation + 1 };
      const r = await this.#commit(
        [
          { key: this.#key(`clusters/${op.cluster}`), modRevision: cluster.modRevision },
          { key: this.#key(`bound/${c.shard}`), modRevision: count.modRevision },
        ],
        [this.#put(`clusters/${op.cluster}`, next), this.#put(`bound/${c.shard}`, Math.max(0, (count.value ?? 1) - 1))],
      );
      return r.succeeded ? ({ cluster: clusterView(op.cluster, next, r.revision), previousShard: c.shard, index: r.revision }) : undefined;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Keys, reads and transactions
  // -------------------------------------------------------------------------------------------

  #key(rest: string): Buffer {
    return Buffer.from(`${this.prefix}${rest}`);
  }

  #put(rest: string, value: unknown): EtcdTxnOp {
    return { key: this.#key(rest), value: Buffer.from(JSON.stringify(value)) };
  }

  async #read<T>(rest: string): Promise<Read<T>> {
    const kv = await this.client.onAnyMember((ep) => this.client.get(ep, this.#key(rest)));
    return kv === undefined ? { value: undefined, modRevision: 0 } : { value: JSON.parse(kv.value.toString()) as T, modRevision: kv.modRevision };
  }

  async #scan(rest: string): Promise<EtcdKeyValue[]> {
    return (await this.client.onAnyMember((ep) => this.client.list(ep, this.#key(rest)))).kvs;
  }

  #commit(compare: readonly EtcdCompare[], ops: readonly EtcdTxnOp[]): Promise<{ succeeded: boolean; revision: number }> {
    return this.client.onAnyMember((ep) => this.client.txn(ep, compare, ops));
  }

  /** Runs `attempt` until it answers; one that lost a race (a compare failed, undefined) reads again. */
  async #retry<T>(attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await attempt();
      if (r !== undefined) return r;
    }
    throw new FleetClientError('unavailable', `the registry on etcd kept changing under this write (${MAX_ATTEMPTS} attempts); try again`);
  }
}

/** Whether a shard in this state with `bound` clusters takes `incoming` more: as fleet's state machine decides. */
function admits(shard: StoredShard, bound: number, incoming: number): void {
  if (shard.state !== 'active') throw refusal('FAILED_PRECONDITION', `shard ${q(shard.id)} is ${shard.state} and takes no new clusters`, { shard: shard.id, state: shard.state });
  if (incoming > 0 && bound + incoming > shard.capacity) {
    throw refusal('FAILED_PRECONDITION', `shard ${q(shard.id)} is at capacity (${bound} of ${shard.capacity} bound, ${incoming} more asked)`, { shard: shard.id, capacity: shard.capacity, boundClusters: bound, incoming });
  }
}

function refusal(code: FleetErrorCode, message: string, details: FleetErrorDetails): FleetClientError {
  return new FleetClientError(code === 'NOT_FOUND' ? 'not-found' : 'precondition', message, { code, details });
}

function notFound(what: 'shard' | 'cluster', id: string): FleetClientError {
  return refusal('NOT_FOUND', `${what} ${q(id)} does not exist`, { [what]: id });
}

function shardView(s: StoredShard, boundClusters: number): ShardView {
  return { id: s.id, address: s.address, region: s.region, zone: s.zone, state: s.state, capacity: s.capacity, labels: s.labels, registeredAt: s.registeredAt, lastHeartbeat: s.lastHeartbeat, boundClusters };
}

function clusterView(name: string, c: StoredCluster, modRevision: number): ClusterView {
  return { name, shard: c.shard, generation: c.generation, boundAtIndex: modRevision, lastSeen: c.lastSeen };
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sortedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
