/**
 * What a registry change will touch, read before it is made, for the safety gate's preview and
 * the `--yes` prompt of bulk deletes: how many clusters a prune forgets, what removing a shard
 * unbinds, which kv keys sit under a prefix. And the one bulk delete the registry has no
 * command for: deleting the keys under a prefix, key by key.
 */
import type { Registry } from '../../client/registry.js';
import type { ClusterView, DomainView, KvEntry, ListClustersOptions, KvListOptions, Page, QuotaView, ShardView } from '../../client/index.js';
import type { RecordImpact } from './gate.js';

/** How many records a preview names; the rest are counted. */
export const SAMPLE_SIZE = 5;

/** What the impact reads need (a FleetClient has them; the registry on either engine has all but `getShard` and `kvList`). */
export interface RecordReader {
  listClusters(opts: ListClustersOptions): Promise<Page<ClusterView>>;
  getShard(id: string): Promise<ShardView | undefined>;
  listDomains(opts: { shard?: string }): Promise<DomainView[]>;
  listQuotas(): Promise<QuotaView[]>;
  kvList(opts: KvListOptions): Promise<Page<KvEntry>>;
}

/** `count` records of which `sample` are named. */
export function impactOf(action: RecordImpact['action'], what: string, count: number, sample: readonly string[]): RecordImpact {
  return { action, count, what, sample: sample.slice(0, SAMPLE_SIZE) };
}

/** The clusters `clusters prune --stale` would forget: not seen for `staleMs` (by the registry clock). */
export async function staleClusters(client: Pick<RecordReader, 'listClusters'>, staleMs: number): Promise<RecordImpact> {
  let count = 0;
  const sample: string[] = [];
  let after: string | undefined;
  do {
    const page = await client.listClusters({ staleSinceMs: staleMs, limit: 1_000, ...(after === undefined ? {} : { after }) });
    count += page.items.length;
    for (const c of page.items) if (sample.length < SAMPLE_SIZE) sample.push(c.name);
    after = page.next;
  } while (after !== undefined);
  return impactOf('remove', 'clusters', count, sample);
}

/** What removing shard `id` with --force takes with it: bound clusters, assigned domains, quota slices. */
export interface ShardRemoval {
  readonly shard: ShardView | undefined;
  readonly clusters: RecordImpact;
  readonly domains: readonly string[];
  readonly quotaSlices: readonly string[];
}

/** Reads what `shards remove ID --force` would unbind, unassign and drop. */
export async function shardRemoval(client: Pick<Registry, 'listShards' | 'listClusters' | 'listDomains' | 'listQuotas'>, id: string): Promise<ShardRemoval> {
  const [shard, bound, domains, quotas] = await Promise.all([
    client.listShards().then((all) => all.find((s) => s.id === id)),
    client.listClusters({ shard: id, limit: SAMPLE_SIZE }),
    client.listDomains({ shard: id }),
    client.listQuotas(),
  ]);
  return {
    shard,
    clusters: impactOf('unbind', 'clusters', shard?.boundClusters ?? bound.items.length, bound.items.map((c) => c.name)),
    domains: domains.map((d) => `${d.key}=${d.value}`),
    quotaSlices: quotas.filter((q) => q.slices[id] !== undefined).map((q) => `${q.provider}/${q.region}`),
  };
}

/** Every key under `prefix` in namespace `ns`, in key order. */
export async function keysUnder(client: RecordReader, prefix: string, ns: string): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  do {
    const page = await client.kvList({ prefix, ns, limit: 1_000, ...(after === undefined ? {} : { after }) });
    keys.push(...page.items.map((e) => e.key));
    after = page.next;
  } while (after !== undefined);
  return keys;
}

/** What deleting keys needs. */
export interface KvDeleter {
  kvDelete(key: string, opts: { ns?: string }): Promise<{ readonly deleted: boolean; readonly revision: number; readonly index: number }>;
}

/** What `deleteKeys` did: keys deleted, keys already gone, the last revision, and the highest Raft index committed (0: no write). */
export interface DeletedKeys {
  readonly deleted: number;
  readonly missing: number;
  readonly revision: number;
  readonly index: number;
}

/**
 * Deletes `keys`, `concurrency` at a time (each delete is its own write: not atomic as a whole,
 * and a key written again meanwhile is deleted all the same). Stops at the first failure, which
 * it throws; what was deleted before stays deleted, and running it again finishes the job.
 */
export async function deleteKeys(client: KvDeleter, keys: readonly string[], ns: string, opts: { concurrency?: number; signal?: AbortSignal; onProgress?: (done: number) => void } = {}): Promise<DeletedKeys> {
  let deleted = 0;
  let missing = 0;
  let revision = 0;
  let index = 0;
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    try {
      while (next < keys.length && !failed) {
        opts.signal?.throwIfAborted();
        const key = keys[next++]!;
        const r = await client.kvDelete(key, { ns });
        if (r.deleted) deleted++;
        else missing++;
        revision = Math.max(revision, r.revision);
        index = Math.max(index, r.index);
        opts.onProgress?.(deleted + missing);
      }
    } catch (err) {
      // The other workers stop before their next delete.
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 16, keys.length)) }, worker));
  return { deleted, missing, revision, index };
}
