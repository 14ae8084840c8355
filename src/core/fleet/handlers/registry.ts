/** Handlers of the topology domain, quota and provider commands. */
import { FULL_REGISTRY, LIMITS } from '../limits.js';
import { domainKey, quotaKey, type FleetState } from '../state.js';
import type { QuotaView } from '../types.js';
import { fail, notFound, ok, type Handler, type Outcome } from './outcome.js';

const q = JSON.stringify;

/** Assigns a domain to a shard, replacing an earlier assignment (reported as `previousShard`). */
export const domainAssign: Handler<'domain.assign'> = (s, op, ctx) => {
  if (!s.shards.has(op.shard)) return notFound('shard', op.shard);
  const key = domainKey(op.key, op.value);
  const previous = s.domains.get(key);
  if (previous?.shard === op.shard) return ok({ domain: previous, previousShard: op.shard });
  if (previous === undefined && s.domains.size >= LIMITS.maxDomains) {
    return fail('FAILED_PRECONDITION', FULL_REGISTRY.domains);
  }
  const domain = Object.freeze({ key: op.key, value: op.value, shard: op.shard, assignedAtIndex: ctx.index });
  s.domains.set(key, domain);
  return ok({ domain, previousShard: previous?.shard ?? null });
};

/** Removes a domain's assignment. */
export const domainUnassign: Handler<'domain.unassign'> = (s, op) => {
  const key = domainKey(op.key, op.value);
  const previous = s.domains.get(key);
  if (previous === undefined) return notFound('domain', key);
  s.domains.delete(key);
  return ok({ key: op.key, value: op.value, shard: previous.shard });
};

/** A quota must name a known provider and one of its regions, and slice only among known shards. */
function checkQuotaRefs(s: FleetState, op: { provider: string; region: string; slices: Readonly<Record<string, number>> }): Outcome<never> | undefined {
  const provider = s.providers.get(op.provider);
  if (provider === undefined) return notFound('provider', op.provider);
  if (!provider.regions.includes(op.region)) {
    return fail('FAILED_PRECONDITION', `provider ${q(op.provider)} has no region ${q(op.region)} (it has ${provider.regions.join(', ')})`, {
      provider: op.provider,
      region: op.region,
    });
  }
  for (const shard of Object.keys(op.slices)) if (!s.shards.has(shard)) return notFound('shard', shard);
  return undefined;
}

/** Sets a quota and its slices (their sum was checked against the total when the command was parsed). */
export const quotaSet: Handler<'quota.set'> = (s, op) => {
  const refused = checkQuotaRefs(s, op);
  if (refused !== undefined) return refused;
  const key = quotaKey(op.provider, op.region);
  const created = !s.quotas.has(key);
  if (created && s.quotas.size >= LIMITS.maxQuotas) return fail('FAILED_PRECONDITION', FULL_REGISTRY.quotas);
  const allocated = Object.values(op.slices).reduce((a, b) => a + b, 0);
  const quota: QuotaView = Object.freeze({ provider: op.provider, region: op.region, total: op.total, allocated, slices: Object.freeze({ ...op.slices }) });
  s.quotas.set(key, quota);
  return ok({ quota, created });
};

/** Removes a quota. */
export const quotaRemove: Handler<'quota.remove'> = (s, op) => {
  const key = quotaKey(op.provider, op.region);
  if (!s.quotas.delete(key)) return notFound('quota', `${op.provider}/${op.region}`);
  return ok({ provider: op.provider, region: op.region });
};

/** Adds a provider; the same definition again is a no-op, a different one is refused. */
export const providerAdd: Handler<'provider.add'> = (s, op) => {
  const existing = s.providers.get(op.name);
  if (existing !== undefined) {
    const same = existing.kind === op.kind && existing.endpoint === op.endpoint && existing.regions.join('\u0000') === op.regions.join('\u0000');
    if (same) return ok({ provider: existing, created: false });
    return fail('FAILED_PRECONDITION', `provider ${q(op.name)} already exists with another definition; remove it first`, { provider: op.name });
  }
  if (s.providers.size >= LIMITS.maxProviders) return fail('FAILED_PRECONDITION', FULL_REGISTRY.providers);
  const provider = Object.freeze({ name: op.name, kind: op.kind, regions: Object.freeze([...op.regions]), endpoint: op.endpoint });
  s.providers.set(op.name, provider);
  return ok({ provider, created: true });
};

/** Removes a provider; refused while quotas refer to it. */
export const providerRemove: Handler<'provider.remove'> = (s, op) => {
  if (!s.providers.has(op.name)) return notFound('provider', op.name);
  const regions = [...s.quotas.values()].filter((quota) => quota.provider === op.name).map((quota) => quota.region).sort();
  if (regions.length > 0) {
    return fail('FAILED_PRECONDITION', `provider ${q(op.name)} still has quotas in ${regions.join(', ')}; remove them first`, {
      provider: op.name,
      quotaRegions: regions,
    });
  }
  s.providers.delete(op.name);
  return ok({ name: op.name });
};
