/**
 * The fleet registry kept in etcd, under a key prefix (default `/fleet/`; a context's `--prefix`,
 * or FLEET_ETCD_PREFIX over it). Names that may hold '/' in a compound key are URI-encoded (%2F):
 *
 *   <prefix>shards/<id>                  JSON: id, address, region, zone, state, capacity, labels, registeredAt, lastHeartbeat
 *   <prefix>shard-addresses/<address>    JSON: the id of the shard at host:port <address> (an index: one shard per address)
 *   <prefix>bound/<shard>                the number of clusters bound to the shard, in decimal
 *   <prefix>clusters/<name>              JSON: shard (null: unbound), generation, lastSeen
 *   <prefix>domains/<key>=<value>        JSON: key, value, shard
 *   <prefix>quotas/<provider>/<region>   JSON: provider, region, total, allocated, slices
 *   <prefix>providers/<name>             JSON: name, kind, regions, endpoint
 *   <prefix>plans/<plan id>              JSON: a rebind plan's latest progress (planId, startedBy, done, total, state, startedAt, updatedAt)
 *   <prefix>leases/<name>                JSON: holder, ttlMs, acquiredAt, expiresAt, etcdLease; attached to an etcd lease of the TTL
 *   <prefix>lease-grants/<name>          JSON: holder, token; not attached: what an expired lease was (to refuse a renewal as fleet does)
 *
 * Every write reads what it depends on, then commits in one transaction that compares each of
 * those keys' mod revisions (0: still absent): first contact wins because the bind compares the
 * cluster key; capacity holds under concurrent binders and movers because each compares and
 * rewrites the counts of the shards it touches; an address holds one shard because a registration
 * compares the address's index key still absent (mod revision 0) in the transaction that creates
 * the shard, an update that changes the address compares and moves it, and a removal deletes it.
 * A transaction that loses a race is re-read and re-decided, so the loser gets the answer fleet's
 * state machine would give it. A rebind batch is one transaction, so it must fit etcd's
 * `--max-txn-ops` (128 by default; `fitBatch` says how many moves do).
 *
 * A write's `index` is etcd's revision after it; `boundAtIndex`, `assignedAtIndex` and
 * `updatedAtIndex` are the revisions their keys were last written at; a lease's fencing token is
 * the revision its grant was created at, so a later grant's token is always larger. The refusals
 * are fleet's own: the same codes, kinds and sentences, so the CLI exits the same way.
 */
import { checkCommand } from '../../../common/registry/registry-parse.js';
import { oneofMember, snakeCase } from '../../../common/registry/registry-operations.js';
import { GRPC_STATUS } from '../../transport/grpc-status.js';
import { FleetClientError } from '../../errors.js';
import { keptOnEtcd, type EtcdRegistryWrite, type Registry } from '../../registry.js';
import type { ClusterView, CommandOf, CommandType, DomainView, LeaseStatus, ListClustersOptions, Page, PlanView, ProviderView, QuotaView, RebindMove, RegistryCounts, ShardView, Written } from '../../types.js';
import { prefixEnd, type EtcdClient } from '../client.js';
import { movesThatFit } from '../batch-fit.js';
import { DEFAULT_REGISTRY_PREFIX } from '../plans.js';
import { clusterHeartbeat, clusterPrune, contact, rebind, rebindBatch, unbind } from './registry-clusters.js';
import { acquireLease, listLeases, releaseLease, renewLease } from './registry-leases.js';
import { registerShard, removeShard, setShardState, shardHeartbeat, updateShard } from './registry-shards.js';
import { clusterView, DEFAULT_MAX_TXN_OPS, RegistryStore, shardView, type StoredCluster, type StoredShard } from './registry-store.js';
import { addProvider, assignDomain, listDomains, listPlans, listProviders, listQuotas, planProgress, removeProvider, removeQuota, setQuota, unassignDomain } from './registry-topology.js';

export { DEFAULT_REGISTRY_PREFIX } from '../plans.js';

/** Every write the etcd backend keeps, by type: TypeScript checks it covers those the declaration keeps on etcd (REGISTRY_ON_ETCD). */
const HANDLERS: { readonly [T in EtcdRegistryWrite]: (st: RegistryStore, op: CommandOf<T>) => Promise<Written<T>> } = {
  'shard.register': registerShard,
  'shard.update': updateShard,
  'shard.setState': setShardState,
  'shard.remove': removeShard,
  'shard.heartbeat': shardHeartbeat,
  'cluster.contact': contact,
  'cluster.rebind': rebind,
  'cluster.rebindBatch': rebindBatch,
  'cluster.unbind': unbind,
  'cluster.heartbeat': clusterHeartbeat,
  'cluster.prune': clusterPrune,
  'domain.assign': assignDomain,
  'domain.unassign': unassignDomain,
  'quota.set': setQuota,
  'quota.remove': removeQuota,
  'provider.add': addProvider,
  'provider.remove': removeProvider,
  'lease.acquire': acquireLease,
  'lease.renew': renewLease,
  'lease.release': releaseLease,
  'plan.progress': planProgress,
};

/**
 * Bad input refused as a fleet member refuses it: an INVALID_ARGUMENT status (no registry code)
 * whose message names the command as the wire does (`shard_register: shard.register: 'id' must…`).
 */
function invalidInput(type: CommandType, problem: string): FleetClientError {
  const wireName = snakeCase(oneofMember(type));
  return new FleetClientError('invalid', `${wireName}: ${problem}`, { grpcCode: GRPC_STATUS.INVALID_ARGUMENT });
}

/** The registry over one etcd cluster. */
export class EtcdRegistry implements Registry {
  readonly #store: RegistryStore;

  constructor(
    readonly client: EtcdClient,
    readonly prefix = DEFAULT_REGISTRY_PREFIX,
    maxTxnOps = DEFAULT_MAX_TXN_OPS,
  ) {
    this.#store = new RegistryStore(client, prefix, maxTxnOps);
  }

  /** Checks the command as fleet's members do (src/common/registry/registry-parse.ts), then writes it: bad input never reaches etcd. */
  write<T extends CommandType>(command: CommandOf<T>): Promise<Written<T>> {
    if (!keptOnEtcd(command.type)) return Promise.reject(new FleetClientError('invalid', `${command.type} is not kept in the registry on etcd (engine etcd)`));
    const problem = checkCommand(command);
    if (problem !== undefined) return Promise.reject(invalidInput(command.type, problem));
    const handler = HANDLERS[command.type] as unknown as (st: RegistryStore, a: CommandOf<T>) => Promise<Written<T>>;
    return handler(this.#store, command);
  }

  /** How many of `moves`, from the first, one batch takes: as many as fit one etcd transaction. */
  fitBatch(moves: readonly RebindMove[]): number {
    return movesThatFit(moves, this.#store.maxTxnOps);
  }

  async listShards(): Promise<ShardView[]> {
    const [shards, counts] = await Promise.all([this.#store.scanValues<StoredShard>('shards/'), this.#store.boundCounts()]);
    return shards.map((s) => shardView(s.value, counts.get(s.name)?.value ?? 0));
  }

  async getCluster(name: string): Promise<ClusterView | undefined> {
    const r = await this.#store.read<StoredCluster>(`clusters/${name}`);
    return r.value === undefined ? undefined : clusterView(name, r.value, r.modRevision);
  }

  /** Clusters in name order after `after`, filtered, at most `limit`; `next` when more may follow. */
  async listClusters(opts: ListClustersOptions = {}): Promise<Page<ClusterView>> {
    const limit = opts.limit ?? 1_000;
    const now = Date.now();
    const keep = (c: ClusterView) => (opts.shard === undefined || c.shard === opts.shard) && (opts.unbound !== true || c.shard === null) && (opts.staleSinceMs === undefined || now - c.lastSeen >= opts.staleSinceMs);
    const items: ClusterView[] = [];
    const base = this.#store.key('clusters/');
    const end = prefixEnd(base);
    let from = this.#store.key(`clusters/${opts.after === undefined ? '' : `${opts.after}\0`}`);
    for (;;) {
      const page = await this.client.onAnyMember((ep) => this.client.range(ep, from, { rangeEnd: end, limit: Math.max(limit + 1, 100) }));
      for (const kv of page.kvs) {
        const c = clusterView(kv.key.subarray(base.length).toString(), JSON.parse(kv.value.toString()) as StoredCluster, kv.modRevision);
        if (!keep(c)) continue;
        if (items.length === limit) return { items, next: items[items.length - 1]!.name };
        items.push(c);
      }
      if (!page.more || page.kvs.length === 0) return { items };
      from = Buffer.concat([page.kvs[page.kvs.length - 1]!.key, Buffer.from([0])]);
    }
  }

  /** The registry's applied index: etcd's current revision. */
  async counts(): Promise<{ readonly appliedIndex: number }> {
    return { appliedIndex: await this.#store.revision() };
  }

  /**
   * The registry's sizes as fleet's members report them (`fleet top`'s registry line), each
   * counted by etcd. What the registry on etcd does not keep (fleet's KV namespace, client
   * sessions) counts 0; `clock` is this client's clock, as every time the registry on etcd writes.
   */
  async registryCounts(): Promise<RegistryCounts> {
    const count = (rest: string) => this.#store.count(rest);
    const [appliedIndex, bound, [shards, clusters, domains, quotas, providers, leases, plans]] = await Promise.all([
      this.#store.revision(),
      this.#store.boundCounts(),
      Promise.all(['shards/', 'clusters/', 'domains/', 'quotas/', 'providers/', 'leases/', 'plans/'].map(count)),
    ]);
    let boundClusters = 0;
    for (const c of bound.values()) boundClusters += c.value ?? 0;
    const sizes = { shards: shards!, clusters: clusters!, domains: domains!, quotas: quotas!, providers: providers!, leases: leases!, plans: plans! };
    return { ...sizes, appliedIndex, clock: Date.now(), boundClusters, unboundClusters: Math.max(0, sizes.clusters - boundClusters), kvKeys: 0, kvRevision: 0, sessions: 0 };
  }

  /** Whether anything is kept under the prefix (a registry has been written there). */
  async holdsRegistry(): Promise<boolean> {
    return (await this.#store.count('')) > 0;
  }

  listDomains(opts: { shard?: string } = {}): Promise<DomainView[]> {
    return listDomains(this.#store, opts.shard);
  }

  listQuotas(): Promise<QuotaView[]> {
    return listQuotas(this.#store);
  }

  listProviders(): Promise<ProviderView[]> {
    return listProviders(this.#store);
  }

  listLeases(): Promise<LeaseStatus[]> {
    return listLeases(this.#store);
  }

  listPlans(): Promise<PlanView[]> {
    return listPlans(this.#store);
  }
}
