/**
 * Domains, quotas, providers and rebind plans in the registry on etcd. Each write compares
 * what it decided on (the entry itself, and the shard or provider it refers to), so a
 * concurrent removal of what it names makes it read again and be refused as fleet refuses it.
 */
import type { CommandOf, DomainView, PlanView, ProviderView, QuotaView, Written } from '../../types.js';
import { plansOf, type StoredPlan } from '../plans.js';
import { notFound, part, q, refusal, retry, type RegistryStore, type StoredShard } from './registry-store.js';

/** A domain as stored; its `assignedAtIndex` is the key's mod revision. */
type StoredDomain = Omit<DomainView, 'assignedAtIndex'>;


const domainKey = (key: string, value: string): string => `domains/${part(key)}=${part(value)}`;
const quotaKey = (provider: string, region: string): string => `quotas/${part(provider)}/${part(region)}`;

/** Assigns a domain to a shard, replacing an earlier assignment (reported as `previousShard`). */
export function assignDomain(st: RegistryStore, op: CommandOf<'domain.assign'>): Promise<Written<'domain.assign'>> {
  const key = domainKey(op.key, op.value);
  return retry(async () => {
    const [shard, previous] = await Promise.all([st.read<StoredShard>(`shards/${op.shard}`), st.read<StoredDomain>(key)]);
    if (shard.value === undefined) throw notFound('shard', op.shard);
    if (previous.value?.shard === op.shard) return { domain: { ...previous.value, assignedAtIndex: previous.modRevision }, previousShard: op.shard, index: previous.modRevision };
    const stored: StoredDomain = { key: op.key, value: op.value, shard: op.shard };
    // Rewriting the shard's record (unchanged) makes a concurrent removal of the shard, which compares it, read again.
    const r = await st.commit([st.same(`shards/${op.shard}`, shard), st.same(key, previous)], [st.put(key, stored), st.put(`shards/${op.shard}`, shard.value)]);
    return r.succeeded ? { domain: { ...stored, assignedAtIndex: r.revision }, previousShard: previous.value?.shard ?? null, index: r.revision } : undefined;
  });
}

/** Removes a domain's assignment. */
export function unassignDomain(st: RegistryStore, op: CommandOf<'domain.unassign'>): Promise<Written<'domain.unassign'>> {
  const key = domainKey(op.key, op.value);
  return retry(async () => {
    const previous = await st.read<StoredDomain>(key);
    if (previous.value === undefined) throw refusal('NOT_FOUND', `domain ${q(`${op.key}=${op.value}`)} does not exist`, { domain: `${op.key}=${op.value}` });
    const r = await st.commit([st.same(key, previous)], [st.del(key)]);
    return r.succeeded ? { key: op.key, value: op.value, shard: previous.value.shard, index: r.revision } : undefined;
  });
}

/** Domain assignments in key order, optionally of one shard. */
export async function listDomains(st: RegistryStore, shard?: string): Promise<DomainView[]> {
  const all = (await st.scanValues<StoredDomain>('domains/')).map((d) => ({ ...d.value, assignedAtIndex: d.modRevision }));
  return all.filter((d) => shard === undefined || d.shard === shard).sort((a, b) => cmp(`${a.key}=${a.value}`, `${b.key}=${b.value}`));
}

/** Sets a quota and its slices: it must name a known provider and one of its regions, and slice only among known shards. */
export function setQuota(st: RegistryStore, op: CommandOf<'quota.set'>): Promise<Written<'quota.set'>> {
  const key = quotaKey(op.provider, op.region);
  return retry(async () => {
    const shardIds = Object.keys(op.slices);
    const [provider, previous, ...shards] = await Promise.all([st.read<ProviderView>(`providers/${part(op.provider)}`), st.read<QuotaView>(key), ...shardIds.map((id) => st.read<StoredShard>(`shards/${id}`))]);
    if (provider.value === undefined) throw notFound('provider', op.provider);
    if (!provider.value.regions.includes(op.region)) {
      throw refusal('FAILED_PRECONDITION', `provider ${q(op.provider)} has no region ${q(op.region)} (it has ${provider.value.regions.join(', ')})`, { provider: op.provider, region: op.region });
    }
    shardIds.forEach((id, i) => {
      if (shards[i]!.value === undefined) throw notFound('shard', id);
    });
    const allocated = Object.values(op.slices).reduce((a, b) => a + b, 0);
    const quota: QuotaView = { provider: op.provider, region: op.region, total: op.total, allocated, slices: { ...op.slices } };
    const compare = [st.same(`providers/${part(op.provider)}`, provider), st.same(key, previous), ...shardIds.map((id, i) => st.same(`shards/${id}`, shards[i]!))];
    // The provider and the shards are rewritten unchanged: a concurrent removal of one of them, which compares it, reads again.
    const touch = [st.put(`providers/${part(op.provider)}`, provider.value), ...shardIds.map((id, i) => st.put(`shards/${id}`, shards[i]!.value))];
    const r = await st.commit(compare, [st.put(key, quota), ...touch]);
    return r.succeeded ? { quota, created: previous.value === undefined, index: r.revision } : undefined;
  });
}

/** Removes a quota. */
export function removeQuota(st: RegistryStore, op: CommandOf<'quota.remove'>): Promise<Written<'quota.remove'>> {
  const key = quotaKey(op.provider, op.region);
  return retry(async () => {
    const previous = await st.read<QuotaView>(key);
    if (previous.value === undefined) throw notFound('quota', `${op.provider}/${op.region}`);
    const r = await st.commit([st.same(key, previous)], [st.del(key)]);
    return r.succeeded ? { provider: op.provider, region: op.region, index: r.revision } : undefined;
  });
}

/** Quotas by provider, then region. */
export async function listQuotas(st: RegistryStore): Promise<QuotaView[]> {
  return (await st.scanValues<QuotaView>('quotas/')).map((x) => x.value).sort((a, b) => cmp(a.provider, b.provider) || cmp(a.region, b.region));
}

/** Adds a provider; the same definition again is a no-op, a different one is refused. */
export function addProvider(st: RegistryStore, op: CommandOf<'provider.add'>): Promise<Written<'provider.add'>> {
  const key = `providers/${part(op.name)}`;
  return retry(async () => {
    const existing = await st.read<ProviderView>(key);
    const e = existing.value;
    if (e !== undefined) {
      const same = e.kind === op.kind && e.endpoint === op.endpoint && e.regions.join('\u0000') === op.regions.join('\u0000');
      if (same) return { provider: e, created: false, index: existing.modRevision };
      throw refusal('FAILED_PRECONDITION', `provider ${q(op.name)} already exists with another definition; remove it first`, { provider: op.name });
    }
    const provider: ProviderView = { name: op.name, kind: op.kind, regions: [...op.regions], endpoint: op.endpoint };
    const r = await st.commit([st.same(key, existing)], [st.put(key, provider)]);
    return r.succeeded ? { provider, created: true, index: r.revision } : undefined;
  });
}

/** Removes a provider; refused while quotas refer to it. */
export function removeProvider(st: RegistryStore, op: CommandOf<'provider.remove'>): Promise<Written<'provider.remove'>> {
  const key = `providers/${part(op.name)}`;
  return retry(async () => {
    const [existing, quotas] = await Promise.all([st.read<ProviderView>(key), listQuotas(st)]);
    if (existing.value === undefined) throw notFound('provider', op.name);
    const regions = quotas.filter((x) => x.provider === op.name).map((x) => x.region).sort();
    if (regions.length > 0) {
      throw refusal('FAILED_PRECONDITION', `provider ${q(op.name)} still has quotas in ${regions.join(', ')}; remove them first`, { provider: op.name, quotaRegions: regions });
    }
    // A quota set meanwhile rewrites the provider's key, which this compares: one of the two reads again.
    const r = await st.commit([st.same(key, existing)], [st.del(key)]);
    return r.succeeded ? { name: op.name, index: r.revision } : undefined;
  });
}

/** Providers by name. */
export async function listProviders(st: RegistryStore): Promise<ProviderView[]> {
  return (await st.scanValues<ProviderView>('providers/')).map((x) => x.value).sort((a, b) => cmp(a.name, b.name));
}

/** Keeps the latest report of a plan (its start time from the first). */
export function planProgress(st: RegistryStore, op: CommandOf<'plan.progress'>): Promise<Written<'plan.progress'>> {
  const key = `plans/${part(op.planId)}`;
  return retry(async () => {
    const previous = await st.read<StoredPlan>(key);
    const now = Date.now();
    const plan: StoredPlan = { planId: op.planId, startedBy: op.startedBy, done: op.done, total: op.total, state: op.state, startedAt: previous.value?.startedAt ?? now, updatedAt: now };
    const r = await st.commit([st.same(key, previous)], [st.put(key, plan)]);
    return r.succeeded ? { plan: { ...plan, updatedAtIndex: r.revision }, index: r.revision } : undefined;
  });
}

/** Plans, most recently updated first. */
export async function listPlans(st: RegistryStore): Promise<PlanView[]> {
  return plansOf(await st.scanValues<StoredPlan>('plans/'));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
