/**
 * Where fleet's KV keys sit in an etcd keyspace: one mapping for both engines, so that a key
 * written with `fleet kv put` is the key etcdctl reads, on an etcd cluster and on fleet's own
 * members alike. A namespace (`--ns`) is a key prefix `NS/` (etcd has no namespaces); the
 * default namespace is the key itself.
 */

/** Namespaces that hold fleet's own replicated settings: written only by their own commands, never kept in the keyspace. */
export const SYSTEM_NS_PREFIX = 'fleet.';

/** The etcd key of fleet key `key` in namespace `ns`. */
export function kvEtcdKey(key: string, ns: string): string {
  return ns === '' ? key : `${ns}/${key}`;
}

/** The fleet key of etcd key `etcdKey` read in namespace `ns` (the namespace's prefix taken off). */
export function kvKeyOfEtcd(etcdKey: string, ns: string): string {
  return ns === '' ? etcdKey : etcdKey.slice(ns.length + 1);
}

/** Whether `ns` holds fleet's own settings. */
export function isSystemNs(ns: string): boolean {
  return ns.startsWith(SYSTEM_NS_PREFIX);
}
