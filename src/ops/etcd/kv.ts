/**
 * fleet's kv commands on etcd keys. A namespace (--ns) is a key prefix `NS/` on etcd, which
 * has none of its own; revisions are etcd's (the cluster-wide revision a write committed at).
 */
import type { EtcdClient } from '../../client/etcd/index.js';
import { FleetClientError } from '../../client/errors.js';

/** A key as `fleet kv get|list --json` shows it for etcd. */
export interface EtcdKvEntry {
  readonly key: string;
  readonly value: string;
  readonly revision: number;
  readonly createRevision: number;
  readonly version: number;
}

export function etcdKey(key: string, ns: string): Buffer {
  return Buffer.from(ns === '' ? key : `${ns}/${key}`);
}

export async function etcdKvGet(client: EtcdClient, key: string, ns: string): Promise<EtcdKvEntry | undefined> {
  const kv = await client.onAnyMember((ep) => client.get(ep, etcdKey(key, ns)));
  return kv === undefined ? undefined : { key, value: kv.value.toString(), revision: kv.modRevision, createRevision: kv.createRevision, version: kv.version };
}

export async function etcdKvPut(client: EtcdClient, key: string, value: string, ns: string): Promise<{ key: string; revision: number }> {
  return { key, revision: await client.onAnyMember((ep) => client.put(ep, etcdKey(key, ns), Buffer.from(value))) };
}

export async function etcdKvDelete(client: EtcdClient, key: string, ns: string): Promise<{ key: string; deleted: boolean }> {
  return { key, deleted: (await client.onAnyMember((ep) => client.delete(ep, etcdKey(key, ns)))) > 0 };
}

/** Compare-and-set: `expected` null means the key must be absent. A mismatch is a precondition failure (exit 4). */
export async function etcdKvCas(client: EtcdClient, key: string, expected: string | null, value: string, ns: string): Promise<{ key: string; revision: number }> {
  const r = await client.onAnyMember((ep) => client.compareAndPut(ep, etcdKey(key, ns), expected === null ? null : Buffer.from(expected), Buffer.from(value)));
  if (!r.succeeded) {
    const now = await etcdKvGet(client, key, ns);
    const what = now === undefined ? 'is absent' : `is ${JSON.stringify(now.value)} (revision ${now.revision})`;
    throw new FleetClientError('precondition', `compare-and-set failed: ${key} ${what}`, { code: 'CAS_FAILED' });
  }
  return { key, revision: r.revision };
}

export async function etcdKvList(client: EtcdClient, prefix: string, ns: string, limit: number): Promise<{ entries: EtcdKvEntry[]; more: boolean }> {
  const strip = ns === '' ? 0 : ns.length + 1;
  const r = await client.onAnyMember((ep) => client.list(ep, etcdKey(prefix, ns), limit));
  const entries = r.kvs.map((kv) => ({ key: kv.key.toString().slice(strip), value: kv.value.toString(), revision: kv.modRevision, createRevision: kv.createRevision, version: kv.version }));
  return { entries, more: r.more };
}
