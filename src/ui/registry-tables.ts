/**
 * Renderers of the registry listings (shards, clusters, domains, quotas, providers, leases, kv).
 * Every text from the cluster prints through printable(): members refuse control and bidi
 * characters in new writes, but records from before that rule, and a registry on etcd that
 * others write to, may still hold them.
 */
import { printable } from '../common/printable.js';
import type { ClusterView, DomainView, KvEntry, LeaseStatus, ProviderView, QuotaView, ShardView } from '../client/index.js';
import { formatDuration } from '../common/durations.js';
import type { Palette } from './colors.js';
import { renderFields, renderTable, type Column } from './table.js';

/** "3s ago" from a registry timestamp (ms since the epoch), or "never". */
export function age(ms: number | null, now: number): string {
  if (ms === null || ms <= 0) return 'never';
  return `${formatDuration(Math.max(0, now - ms))} ago`;
}

function labels(l: Readonly<Record<string, string>>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '-' : printable(parts.join(','));
}

function shardState(s: ShardView['state'], p: Palette): string {
  return s === 'active' ? p.ok(s) : s === 'draining' ? p.warn(s) : p.bad(s);
}

/** `fleet shards list`. */
export function renderShards(shards: readonly ShardView[], p: Palette, now = Date.now()): string {
  const cols: Column[] = [{ header: 'id' }, { header: 'address' }, { header: 'region' }, { header: 'zone' }, { header: 'state' }, { header: 'bound', align: 'right' }, { header: 'capacity', align: 'right' }, { header: 'labels' }, { header: 'heartbeat' }];
  const rows = shards.map((s) => [printable(s.id), printable(s.address), printable(s.region), printable(s.zone), shardState(s.state, p), s.boundClusters, s.capacity, labels(s.labels), age(s.lastHeartbeat, now)]);
  return renderTable(cols, rows, p);
}

/** One shard's fields. */
export function renderShard(s: ShardView, p: Palette, now = Date.now()): string {
  return renderFields(
    [
      ['id', printable(s.id)], ['address', printable(s.address)], ['region', printable(s.region)], ['zone', printable(s.zone)], ['state', shardState(s.state, p)],
      ['clusters', `${s.boundClusters} of ${s.capacity}`], ['labels', labels(s.labels)], ['heartbeat', age(s.lastHeartbeat, now)],
    ],
    p,
  );
}

/** Columns of `fleet clusters list` (streamed: see StreamingTable). */
export const CLUSTER_COLUMNS: readonly Column[] = [{ header: 'name' }, { header: 'shard' }, { header: 'generation', align: 'right' }, { header: 'bound at', align: 'right' }, { header: 'last seen' }];

/** One row of `fleet clusters list`. */
export function clusterRow(c: ClusterView, p: Palette, now = Date.now()): string[] {
  return [printable(c.name), c.shard === null ? p.dim('(unbound)') : printable(c.shard), String(c.generation), String(c.boundAtIndex), age(c.lastSeen, now)];
}

/** `fleet clusters show`. */
export function renderCluster(c: ClusterView, p: Palette, now = Date.now()): string {
  return renderFields([['name', printable(c.name)], ['shard', c.shard === null ? p.dim('(unbound)') : printable(c.shard)], ['generation', c.generation], ['bound at index', c.boundAtIndex], ['last seen', age(c.lastSeen, now)]], p);
}

/** `fleet domains list`. */
export function renderDomains(domains: readonly DomainView[], p: Palette): string {
  return renderTable([{ header: 'domain' }, { header: 'shard' }, { header: 'assigned at', align: 'right' }], domains.map((d) => [printable(`${d.key}=${d.value}`), printable(d.shard), d.assignedAtIndex]), p);
}

/** `fleet quotas list`. */
export function renderQuotas(quotas: readonly QuotaView[], p: Palette): string {
  const rows = quotas.map((q) => {
    const slices = printable(Object.entries(q.slices).map(([s, n]) => `${s}=${n}`).join(',')) || '-';
    const used = q.allocated > q.total ? p.bad(String(q.allocated)) : String(q.allocated);
    return [printable(q.provider), printable(q.region), q.total, used, slices];
  });
  return renderTable([{ header: 'provider' }, { header: 'region' }, { header: 'total', align: 'right' }, { header: 'allocated', align: 'right' }, { header: 'slices' }], rows, p);
}

/** `fleet providers list`. */
export function renderProviders(providers: readonly ProviderView[], p: Palette): string {
  return renderTable([{ header: 'name' }, { header: 'kind' }, { header: 'regions' }, { header: 'endpoint' }], providers.map((x) => [printable(x.name), printable(x.kind), printable(x.regions.join(',')) || '-', printable(x.endpoint) || '-']), p);
}

/** `fleet leases list`. */
export function renderLeases(leases: readonly LeaseStatus[], p: Palette): string {
  const rows = leases.map((l) => [printable(l.name), printable(l.holder), l.token, formatDuration(l.ttlMs), l.expired ? p.bad('expired') : `${formatDuration(l.remainingMs)} left`]);
  return renderTable([{ header: 'name' }, { header: 'holder' }, { header: 'token', align: 'right' }, { header: 'ttl', align: 'right' }, { header: 'expires' }], rows, p);
}

/** Columns of `fleet kv list` (streamed). */
export const KV_COLUMNS: readonly Column[] = [{ header: 'key' }, { header: 'value' }, { header: 'version', align: 'right' }, { header: 'mod rev', align: 'right' }];

/** One row of `fleet kv list`; long values are cut for the table (use --json or kv get for the whole value). */
export function kvRow(e: KvEntry): string[] {
  const value = e.value.length > 60 ? `${e.value.slice(0, 57)}...` : e.value;
  return [printable(e.ns === '' ? e.key : `${e.ns}/${e.key}`), printable(value), String(e.version), String(e.modRevision)];
}
