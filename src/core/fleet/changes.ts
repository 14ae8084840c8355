/**
 * What one applied command changed, as watch events: for each registry entry the command may
 * touch, its view before and after. The entries are named before the handler runs (a removal
 * must be seen while it still exists), and an event is made only for those whose view changed,
 * so a refused or idempotent write makes none. Deterministic in (state, command), like apply.
 */
import type { WatchEvent } from '../etcd-store/mvcc.js';
import { keyspaceOf, kvRead } from './kv-location.js';
import { leaseBook } from './lease-book.js';
import { domainKey, quotaKey, type FleetState, type KvRecord } from './state.js';
import type { Command } from './types.js';

/** The registries a watch can follow: the KV store and the registry tables. */
export const WATCH_REGISTRIES = ['kv', 'shards', 'clusters', 'domains', 'quotas', 'providers', 'leases'] as const;

/** One of `WATCH_REGISTRIES`. */
export type WatchRegistry = (typeof WATCH_REGISTRIES)[number];

/**
 * One change, as a watcher sees it. `type` is `put` or `delete` for KV, else the registry
 * operation that made it (`cluster.rebind`, `lease.expire`, …). `old` and `new` are the value
 * (KV) or the entry's view (registries), null when the key did not or no longer exists.
 */
export interface ChangeEvent {
  readonly index: number;
  readonly registry: WatchRegistry;
  readonly type: string;
  /** The KV namespace ('' for registries and for KV's default namespace). */
  readonly ns: string;
  /**
   * A KV change of the etcd keyspace (once the KV moved there: kv-location.ts), whoever made it:
   * `ns` is '' and `key` the etcd key, which a watcher of a namespace sees under that namespace
   * (change-feed.ts, `filterBatch`).
   */
  readonly inKeyspace?: true;
  readonly key: string;
  readonly old: unknown;
  readonly new: unknown;
}

/** Where the state machine reports changes (the node's change feed). */
export interface ChangeSink {
  /** The changes of the entry at `index`, in the order the command made them; never empty. */
  record(index: number, events: readonly ChangeEvent[]): void;
}

/** A registry entry a command may touch, and how to read its current view. */
interface Touched {
  readonly registry: WatchRegistry;
  readonly ns: string;
  readonly key: string;
  readonly read: () => unknown;
}

/** An entry touched, with its view before the command. */
export interface Before extends Touched {
  readonly before: unknown;
}

function shard(s: FleetState, id: string): Touched {
  return { registry: 'shards', ns: '', key: id, read: () => { const rec = s.shards.get(id); return rec === undefined ? undefined : s.shardView(rec); } };
}

function cluster(s: FleetState, name: string): Touched {
  return { registry: 'clusters', ns: '', key: name, read: () => { const slot = s.clusters.slotOf(name); return slot === undefined ? undefined : s.clusters.view(slot); } };
}

function domain(s: FleetState, key: string, value: string): Touched {
  const k = domainKey(key, value);
  return { registry: 'domains', ns: '', key: k, read: () => s.domains.get(k) };
}

function quota(s: FleetState, provider: string, region: string): Touched {
  const k = quotaKey(provider, region);
  return { registry: 'quotas', ns: '', key: `${provider}/${region}`, read: () => s.quotas.get(k) };
}

function kv(s: FleetState, ns: string, key: string): Touched[] {
  // In the keyspace, the member records every change of it, an etcd client's too (keyspaceChanges).
  if (keyspaceOf(s, ns) !== undefined) return [];
  // The record, not the value: a put of the same value is a change too (a new revision), as in etcd.
  return [{ registry: 'kv', ns, key, read: () => kvRead(s, ns, key) }];
}

/**
 * The KV events of the keyspace's revisions in `events` (etcd watch events, in revision order),
 * recorded at log index `index`: what `fleet watch --registry kv` hears of a write made by
 * `fleet kv` and by any etcd client alike. Values are text, as `fleet kv` reads them.
 */
export function keyspaceChanges(index: number, events: readonly WatchEvent[]): ChangeEvent[] {
  const text = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  return events.map((e) => ({
    index,
    registry: 'kv',
    type: e.type === 'PUT' ? 'put' : 'delete',
    ns: '',
    key: text(e.kv.key),
    old: e.prevKv === undefined ? null : text(e.prevKv.value),
    new: e.type === 'PUT' ? text(e.kv.value) : null,
    inKeyspace: true,
  }));
}

/** Everything a shard removal touches: the shard, its bound clusters, its domains and the quotas sliced to it. */
function shardRemoval(s: FleetState, id: string): Touched[] {
  const touched = [shard(s, id)];
  if (!s.shards.has(id)) return touched;
  for (const slot of s.clusters.slotsOf(id)) touched.push(cluster(s, s.clusters.name(slot)));
  for (const d of s.domains.values()) if (d.shard === id) touched.push(domain(s, d.key, d.value));
  for (const q of s.quotas.values()) if (q.slices[id] !== undefined) touched.push(quota(s, q.provider, q.region));
  return touched;
}

/** The clusters a prune at registry time `time` forgets (the handler's own rule). */
function pruned(s: FleetState, notSeenSinceMs: number, time: number): Touched[] {
  const cutoff = time - notSeenSinceMs;
  const touched: Touched[] = [];
  s.clusters.forEachAfter(undefined, undefined, (name, slot) => {
    if (s.clusters.lastSeen(slot) < cutoff) touched.push(cluster(s, name));
    return true;
  });
  return touched;
}

/** The entries `op` may change; `time` is the registry clock it is applied at. */
function touchedBy(s: FleetState, op: Command, time: number): Touched[] {
  switch (op.type) {
    case 'shard.register': case 'shard.update': case 'shard.setState': case 'shard.heartbeat':
      return [shard(s, op.id)];
    case 'shard.remove':
      return shardRemoval(s, op.id);
    case 'cluster.contact': case 'cluster.rebind': case 'cluster.unbind': case 'cluster.heartbeat':
      return [cluster(s, op.cluster)];
    case 'cluster.rebindBatch':
      return op.moves.map((m) => cluster(s, m.cluster));
    case 'cluster.prune':
      return pruned(s, op.notSeenSinceMs, time);
    case 'domain.assign': case 'domain.unassign':
      return [domain(s, op.key, op.value)];
    case 'quota.set': case 'quota.remove':
      return [quota(s, op.provider, op.region)];
    case 'provider.add': case 'provider.remove':
      return [{ registry: 'providers', ns: '', key: op.name, read: () => s.providers.get(op.name) }];
    case 'lease.acquire': case 'lease.renew': case 'lease.release': case 'lease.expire':
      return [{ registry: 'leases', ns: '', key: op.name, read: () => leaseBook(s).get(op.name) }];
    case 'kv.put': case 'kv.cas': case 'kv.delete':
      return kv(s, op.ns ?? '', op.key);
    case 'plan.progress': case 'audit.record':
      return [];
  }
}

/** Reads the views `op` may change, before it is applied. */
export function captureBefore(s: FleetState, op: Command, time: number): Before[] {
  return touchedBy(s, op, time).map((t) => ({ ...t, before: t.read() }));
}

/** Whether two views are the same: equal scalars, or objects whose own fields are identical. */
function sameView(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.length === Object.keys(b).length && ka.every((k) => ra[k] === rb[k]);
}

/** The events of the entry at `index`, comparing each captured view with the view now. */
export function changesAfter(index: number, op: Command, captured: readonly Before[]): ChangeEvent[] {
  const events: ChangeEvent[] = [];
  for (const t of captured) {
    const after = t.read();
    if (sameView(t.before, after)) continue;
    if (t.registry === 'kv') {
      const [was, now] = [t.before as KvRecord | undefined, after as KvRecord | undefined];
      events.push({ index, registry: 'kv', type: now === undefined ? 'delete' : 'put', ns: t.ns, key: t.key, old: was?.value ?? null, new: now?.value ?? null });
    } else {
      events.push({ index, registry: t.registry, type: op.type, ns: '', key: t.key, old: t.before ?? null, new: after ?? null });
    }
  }
  return events;
}
