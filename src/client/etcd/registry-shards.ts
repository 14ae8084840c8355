/** The shard writes of the registry on etcd: register, update, setState, heartbeat, remove. */
import type { CommandOf, Labels, QuotaView, Written } from '../types.js';
import type { EtcdTxnOp } from './client.js';
import { notFound, q, refusal, retry, shardView, type Read, type RegistryStore, type StoredCluster, type StoredShard } from './registry-store.js';

/** Registers a shard; the same settings again are a no-op, other settings are refused (shard.update changes them). */
export function registerShard(st: RegistryStore, op: CommandOf<'shard.register'>): Promise<Written<'shard.register'>> {
  const labels = op.labels ?? {};
  return retry(async () => {
    const shard = await st.read<StoredShard>(`shards/${op.id}`);
    if (shard.value !== undefined) {
      const s = shard.value;
      const same = s.address === op.address && s.region === op.region && s.zone === op.zone && s.capacity === op.capacity && sameLabels(s.labels, labels);
      if (!same) throw refusal('FAILED_PRECONDITION', `shard ${q(op.id)} is already registered with other settings; use shard.update to change them`, { shard: op.id });
      const count = await st.read<number>(`bound/${op.id}`);
      return { shard: shardView(s, count.value ?? 0), created: false, index: Math.max(shard.modRevision, count.modRevision) };
    }
    await addressFree(st, op.address, op.id);
    const stored: StoredShard = { id: op.id, address: op.address, region: op.region, zone: op.zone, state: 'active', capacity: op.capacity, labels: sortedLabels(labels), registeredAt: Date.now(), lastHeartbeat: null };
    const r = await st.commit([st.same(`shards/${op.id}`, shard)], [st.put(`shards/${op.id}`, stored), st.put(`bound/${op.id}`, 0)]);
    return r.succeeded ? { shard: shardView(stored, 0), created: true, index: r.revision } : undefined;
  });
}

/** Two shards behind one address would make clusters' contacts ambiguous. */
async function addressFree(st: RegistryStore, address: string, self: string): Promise<void> {
  const other = (await st.scanValues<StoredShard>('shards/')).find((s) => s.value.address === address && s.value.id !== self);
  if (other !== undefined) throw refusal('FAILED_PRECONDITION', `address ${address} is already used by shard ${q(other.value.id)}`, { address, shard: other.value.id });
}

/** Reads a shard and its count, or refuses an unknown one; `change` makes the next record, committed against both. */
function changeShard<R>(st: RegistryStore, id: string, change: (s: StoredShard) => Promise<StoredShard> | StoredShard, answer: (s: StoredShard, count: number, before: StoredShard, index: number) => R): Promise<R> {
  return retry(async () => {
    const [shard, count] = await Promise.all([st.read<StoredShard>(`shards/${id}`), st.read<number>(`bound/${id}`)]);
    if (shard.value === undefined) throw notFound('shard', id);
    const next = await change(shard.value);
    const r = await st.commit([st.same(`shards/${id}`, shard)], [st.put(`shards/${id}`, next)]);
    return r.succeeded ? answer(next, count.value ?? 0, shard.value, r.revision) : undefined;
  });
}

/** Moves a shard between active, draining and cordoned. */
export function setShardState(st: RegistryStore, op: CommandOf<'shard.setState'>): Promise<Written<'shard.setState'>> {
  return changeShard(st, op.id, (s) => ({ ...s, state: op.state }), (s, n, before, index) => ({ shard: shardView(s, n), previousState: before.state, index }));
}

/** Changes a shard's settings. Lowering capacity below the bound count is allowed: it only stops new bindings. */
export function updateShard(st: RegistryStore, op: CommandOf<'shard.update'>): Promise<Written<'shard.update'>> {
  const change = async (s: StoredShard): Promise<StoredShard> => {
    if (op.address !== undefined) await addressFree(st, op.address, op.id);
    return { ...s, ...defined({ address: op.address, region: op.region, zone: op.zone, capacity: op.capacity }), ...(op.labels === undefined ? {} : { labels: sortedLabels(op.labels) }) };
  };
  return changeShard(st, op.id, change, (s, n, _b, index) => ({ shard: shardView(s, n), index }));
}

/** Records a shard's heartbeat (at this client's clock). */
export function shardHeartbeat(st: RegistryStore, op: CommandOf<'shard.heartbeat'>): Promise<Written<'shard.heartbeat'>> {
  const now = Date.now();
  return changeShard(st, op.id, (s) => ({ ...s, lastHeartbeat: now }), (_s, _n, _b, index) => ({ id: op.id, lastHeartbeat: now, index }));
}

/**
 * Removes a shard. Refused while clusters are bound, unless `force`, which first unbinds them
 * (in transactions that fit etcd's limit, each comparing what it rewrites), then removes the
 * shard, its count, its domains and its quota slices in one transaction that compares the count
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
  const compare = [st.same(`shards/${op.id}`, shard), st.same(`bound/${op.id}`, count), ...mine.map((d) => st.same(`domains/${d.name}`, d)), ...sliced.map((x) => st.same(`quotas/${x.name}`, x))];
  const ops: EtcdTxnOp[] = [st.del(`shards/${op.id}`), st.del(`bound/${op.id}`), ...mine.map((d) => st.del(`domains/${d.name}`)), ...sliced.map((x) => st.put(`quotas/${x.name}`, withoutSlice(x.value, op.id)))];
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
