/** The shard writes of the registry on etcd: register, update, setState, heartbeat, remove. */
import type { CommandOf, Labels, QuotaView, Written } from '../../types.js';
import type { EtcdCompare, EtcdTxnOp } from '../client.js';
import { notFound, q, refusal, retry, shardView, type Read, type RegistryStore, type StoredCluster, type StoredShard } from './registry-store.js';

/** Registers a shard; the same settings again are a no-op, other settings are refused (shard.update changes them). */
export function registerShard(st: RegistryStore, op: CommandOf<'shard.register'>): Promise<Written<'shard.register'>> {
  const labels = op.labels ?? {};
  return retry(async () => {
    const [shard, owner] = await Promise.all([st.read<StoredShard>(`shards/${op.id}`), addressOwner(st, op.address)]);
    if (shard.value !== undefined) {
      const s = shard.value;
      const same = s.address === op.address && s.region === op.region && s.zone === op.zone && s.capacity === op.capacity && sameLabels(s.labels, labels);
      if (!same) throw refusal('FAILED_PRECONDITION', `shard ${q(op.id)} is already registered with other settings; use shard.update to change them`, { shard: op.id });
      const count = await st.read<number>(`bound/${op.id}`);
      return { shard: shardView(s, count.value ?? 0), created: false, index: Math.max(shard.modRevision, count.modRevision) };
    }
    addressFree(op.address, owner, op.id);
    const stored: StoredShard = { id: op.id, address: op.address, region: op.region, zone: op.zone, state: 'active', capacity: op.capacity, labels: sortedLabels(labels), registeredAt: Date.now(), lastHeartbeat: null };
    const compare = [st.same(`shards/${op.id}`, shard), st.same(addressKey(op.address), owner)];
    const r = await st.commit(compare, [st.put(`shards/${op.id}`, stored), st.put(`bound/${op.id}`, 0), st.put(addressKey(op.address), op.id)]);
    return r.succeeded ? { shard: shardView(stored, 0), created: true, index: r.revision } : undefined;
  });
}

/** The index key that says which shard holds `address` (addresses hold no '/'). */
function addressKey(address: string): string {
  return `shard-addresses/${address}`;
}

/**
 * The shard at `address` by its index key. With no key, a shard registered before the index
 * existed may still hold the address (its key is never written): it is found by a scan, and
 * answered with the absent key's revision (0), which the transaction compares.
 */
async function addressOwner(st: RegistryStore, address: string): Promise<Read<string>> {
  const indexed = await st.read<string>(addressKey(address));
  if (indexed.value !== undefined) return indexed;
  const legacy = (await st.scanValues<StoredShard>('shards/')).find((s) => s.value.address === address);
  return { value: legacy?.value.id, modRevision: 0 };
}

/** Two shards behind one address would make clusters' contacts ambiguous: refuses `address` when its index names another shard. */
function addressFree(address: string, owner: Read<string>, self: string): void {
  if (owner.value !== undefined && owner.value !== self) throw refusal('FAILED_PRECONDITION', `address ${address} is already used by shard ${q(owner.value)}`, { address, shard: owner.value });
}

/** What a shard change writes: the next record, and what else its transaction compares and writes. */
interface ShardChange {
  readonly next: StoredShard;
  readonly compare?: readonly EtcdCompare[];
  readonly ops?: readonly EtcdTxnOp[];
}

/** Reads a shard and its count, or refuses an unknown one; `change` makes the next record, committed against both. */
function changeShard<R>(st: RegistryStore, id: string, change: (s: StoredShard) => Promise<ShardChange> | ShardChange, answer: (s: StoredShard, count: number, before: StoredShard, index: number) => R): Promise<R> {
  return retry(async () => {
    const [shard, count] = await Promise.all([st.read<StoredShard>(`shards/${id}`), st.read<number>(`bound/${id}`)]);
    if (shard.value === undefined) throw notFound('shard', id);
    const { next, compare = [], ops = [] } = await change(shard.value);
    const r = await st.commit([st.same(`shards/${id}`, shard), ...compare], [st.put(`shards/${id}`, next), ...ops]);
    return r.succeeded ? answer(next, count.value ?? 0, shard.value, r.revision) : undefined;
  });
}

/** Moves a shard between active, draining and cordoned. */
export function setShardState(st: RegistryStore, op: CommandOf<'shard.setState'>): Promise<Written<'shard.setState'>> {
  return changeShard(st, op.id, (s) => ({ next: { ...s, state: op.state } }), (s, n, before, index) => ({ shard: shardView(s, n), previousState: before.state, index }));
}

/**
 * Changes a shard's settings. Lowering capacity below the bound count is allowed: it only stops new
 * bindings. A new address moves the shard's address index key in the same transaction.
 */
export function updateShard(st: RegistryStore, op: CommandOf<'shard.update'>): Promise<Written<'shard.update'>> {
  const change = async (s: StoredShard): Promise<ShardChange> => {
    const next = { ...s, ...defined({ address: op.address, region: op.region, zone: op.zone, capacity: op.capacity }), ...(op.labels === undefined ? {} : { labels: sortedLabels(op.labels) }) };
    if (op.address === undefined || op.address === s.address) return { next };
    const [owner, old] = await Promise.all([addressOwner(st, op.address), st.read<string>(addressKey(s.address))]);
    addressFree(op.address, owner, op.id);
    const release = old.value === op.id ? [st.del(addressKey(s.address))] : [];
    return { next, compare: [st.same(addressKey(op.address), owner), st.same(addressKey(s.address), old)], ops: [...release, st.put(addressKey(op.address), op.id)] };
  };
  return changeShard(st, op.id, change, (s, n, _b, index) => ({ shard: shardView(s, n), index }));
}

/** Records a shard's heartbeat (at this client's clock). */
export function shardHeartbeat(st: RegistryStore, op: CommandOf<'shard.heartbeat'>): Promise<Written<'shard.heartbeat'>> {
  const now = Date.now();
  return changeShard(st, op.id, (s) => ({ next: { ...s, lastHeartbeat: now } }), (_s, _n, _b, index) => ({ id: op.id, lastHeartbeat: now, index }));
}

/**
 * Removes a shard. Refused while clusters are bound, unless `force`, which first unbinds them
 * (in transactions that fit etcd's limit, each comparing what it rewrites), then removes the
 * shard, its count, its address's index key, its domains and its quota slices in one transaction that compares the count
 * still zero: a cluster bound meanwhile makes it unbind again.
 */
export async function removeShard(st: RegistryStore, op: CommandOf<'shard.remove'>): Promise<Written<'shard.remove'>> {
  let unboundClusters = 0;
  for (;;) {
    const r = await retry(() => removeOnce(st, op));
    if (r.removed !== undefined) return { ...r.removed, unboundClusters };
    unboundClusters += r.unbound;
  }
}

/** One round of a removal: the shard removed, or (forced) some of its clusters unbound, or undefined when it lost a race. */
async function removeOnce(st: RegistryStore, op: CommandOf<'shard.remove'>): Promise<{ removed?: Omit<Written<'shard.remove'>, 'unboundClusters'>; unbound: number } | undefined> {
  const [shard, count] = await Promise.all([st.read<StoredShard>(`shards/${op.id}`), st.read<number>(`bound/${op.id}`)]);
  if (shard.value === undefined) throw notFound('shard', op.id);
  const n = count.value ?? 0;
  if (n > 0 && op.force !== true) {
    throw refusal('FAILED_PRECONDITION', `shard ${q(op.id)} still has ${n} bound clusters; rebind them first, or pass --force to remove it with its bindings`, { shard: op.id, boundClusters: n });
  }
  if (n > 0) {
    const unbound = await unbindSome(st, op.id, count);
    return unbound === 0 ? undefined : { unbound };
  }
  const [domains, quotas] = await Promise.all([st.scanValues<{ shard: string }>('domains/'), st.scanValues<QuotaView>('quotas/')]);
  const mine = domains.filter((d) => d.value.shard === op.id);
  const sliced = quotas.filter((x) => x.value.slices[op.id] !== undefined);
  const address = await st.read<string>(addressKey(shard.value.address));
  const release = address.value === op.id ? [st.del(addressKey(shard.value.address))] : [];
  const compare = [st.same(`shards/${op.id}`, shard), st.same(`bound/${op.id}`, count), st.same(addressKey(shard.value.address), address), ...mine.map((d) => st.same(`domains/${d.name}`, d)), ...sliced.map((x) => st.same(`quotas/${x.name}`, x))];
  const ops: EtcdTxnOp[] = [st.del(`shards/${op.id}`), st.del(`bound/${op.id}`), ...release, ...mine.map((d) => st.del(`domains/${d.name}`)), ...sliced.map((x) => st.put(`quotas/${x.name}`, withoutSlice(x.value, op.id)))];
  const r = await st.commit(compare, ops);
  return r.succeeded ? { removed: { id: op.id, unassignedDomains: mine.length, droppedQuotaSlices: sliced.length, index: r.revision }, unbound: 0 } : undefined;
}

/** Unbinds up to one transaction's worth of the shard's clusters; answers how many. */
async function unbindSome(st: RegistryStore, shard: string, count: Read<number>): Promise<number> {
  const bound = (await st.scanValues<StoredCluster>('clusters/')).filter((c) => c.value.shard === shard).slice(0, st.maxTxnOps - 1);
  const compare = [...bound.map((c) => ({ key: st.key(`clusters/${c.name}`), modRevision: c.modRevision })), st.same(`bound/${shard}`, count)];
  const ops = [...bound.map((c) => st.put(`clusters/${c.name}`, { ...c.value, shard: null, generation: c.value.generation + 1 })), st.put(`bound/${shard}`, Math.max(0, (count.value ?? 0) - bound.length))];
  const r = await st.commit(compare, ops);
  return r.succeeded ? bound.length : 0;
}

function withoutSlice(quota: QuotaView, shard: string): QuotaView {
  const slices = { ...quota.slices };
  const amount = slices[shard] ?? 0;
  delete slices[shard];
  return { ...quota, allocated: quota.allocated - amount, slices };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function sortedLabels(labels: Labels): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
