/**
 * Where fleet's KV lives. Once every member reads data format 5, a cluster keeps the KV of its
 * users' namespaces in the etcd keyspace, the member's one store of keys: `fleet kv put` is an
 * etcd put (kv-keys.ts maps the key), etcdctl reads what `fleet kv` wrote and back, and a KV
 * revision is the store's revision. Before that, and always for the `fleet.` namespaces (the
 * member's own settings: the cluster version, autopilot's, which no etcd client may change), the
 * KV is the registry's own sorted map.
 *
 * The move is a replicated decision: the apply of the cluster version that first says format 5
 * copies every user key into the keyspace and marks the registry (`KV_IN_KEYSPACE`), on every
 * member at the same index. The mark is a key of the registry's KV, so images carry it unchanged.
 * The registry reaches the keyspace through a port (the member's, node/state/keyspace-kv.ts);
 * a registry without one (a tool reading an image, a unit test) keeps its KV to itself.
 */
import { isSystemNs, kvEtcdKey } from '../../common/registry/kv-keys.js';
import type { KeyspacePort } from './keyspace-port.js';
import { kvKey, type FleetState, type KvRecord } from './state.js';

export type { KeyspacePort, KeyspaceRefusal } from './keyspace-port.js';

/** The data format from which the user's KV lives in the keyspace. */
export const KV_IN_KEYSPACE_FORMAT = 5;
/** Where the log keeps the agreed cluster version (node/cluster-version.ts writes it). */
export const CLUSTER_VERSION_KV = { ns: 'fleet.system', key: 'cluster-version' } as const;
/** The registry's mark that the user's KV moved into the keyspace: present, it did. */
export const KV_IN_KEYSPACE = { ns: 'fleet.system', key: 'kv-in-keyspace' } as const;

/** The registry's mark that the user's KV moved (a key of its own KV, so images carry it). */
const MARK = kvKey(KV_IN_KEYSPACE.ns, KV_IN_KEYSPACE.key);

function kvMoved(s: FleetState): boolean {
  return s.kv.get(MARK) !== undefined;
}

/** The keyspace when `ns` lives there now, else undefined (the registry's map). */
export function keyspaceOf(s: FleetState, ns: string): KeyspacePort | undefined {
  if (s.keyspace === undefined || isSystemNs(ns)) return undefined;
  return kvMoved(s) ? s.keyspace : undefined;
}

/** A key's record, wherever its namespace lives. */
export function kvRead(s: FleetState, ns: string, key: string): KvRecord | undefined {
  const keyspace = keyspaceOf(s, ns);
  return keyspace === undefined ? s.kv.get(kvKey(ns, key)) : keyspace.get(kvEtcdKey(key, ns));
}

/** Whether a cluster version's value says every member reads data format `format` (the moves into the keyspace wait for it). */
export function saysDataFormat(clusterVersion: string, format: number): boolean {
  try {
    const v = JSON.parse(clusterVersion) as { dataFormat?: unknown };
    return typeof v.dataFormat === 'number' && v.dataFormat >= format;
  } catch {
    return false;
  }
}

/**
 * Called when the cluster version was written: the first value that says format 5 moves the
 * user's KV into the keyspace at one revision past the registry's KV revision, each key keeping
 * its version (the count of its writes; its revisions are the keyspace's from then on). All or nothing: a keyspace over its
 * space quota refuses the move, and the KV stays, to be moved at the next version written.
 */
export function moveKvIfDue(s: FleetState, clusterVersion: string): void {
  const keyspace = s.keyspace;
  if (keyspace === undefined || !saysDataFormat(clusterVersion, KV_IN_KEYSPACE_FORMAT)) return;
  if (kvMoved(s)) return;
  const moving: [string, KvRecord][] = [];
  s.kv.forEachAfter('', (composite, rec) => {
    if (!isSystemNs(composite.slice(0, composite.indexOf('\u0000')))) moving.push([composite, rec]);
    return true;
  }, true);
  const records = moving.map(([composite, rec]): [string, KvRecord] => {
    const nul = composite.indexOf('\u0000');
    return [kvEtcdKey(composite.slice(nul + 1), composite.slice(0, nul)), rec];
  });
  // Past every revision the registry's KV answered, so that a client's revisions of a key never
  // go back. With nothing to move (a new cluster), no revision is made: its keyspace's revisions
  // stay etcd's own (a new store's first write is revision 2).
  if (records.length > 0 && typeof keyspace.importAll(records, s.kvRevision + 1) !== 'number') return;
  for (const [composite, rec] of moving) s.deleteKv(composite, rec);
  const mark: KvRecord = { value: '1', createRevision: ++s.kvRevision, modRevision: s.kvRevision, version: 1 };
  s.putKv(MARK, mark, undefined);
}
