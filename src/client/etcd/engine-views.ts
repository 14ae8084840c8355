/**
 * etcd's answers in the Engine's types (src/client/engine.ts), which are fleet's own: pure
 * functions, so that each mapping is tested without an etcd. A namespace (--ns) is a key prefix
 * `NS/` on etcd, which has none of its own; revisions are etcd's (the cluster-wide revision).
 */
import { kvEtcdKey, kvKeyOfEtcd } from '../../common/registry/kv-keys.js';
import type { ListedMember, MemberListing } from '../engine.js';
import type { KvEntry, KvMeta, MembersView } from '../types.js';
import { etcdId } from './ids.js';
import type { EtcdKeyValue, EtcdMember, EtcdStatus } from './types.js';

/** The etcd key of a fleet key in namespace `ns` (src/common/registry/kv-keys.ts). */
export function etcdKey(key: string, ns: string): Buffer {
  return Buffer.from(kvEtcdKey(key, ns));
}

/** A stored key as fleet's KvEntry: the namespace's prefix taken off again. */
export function kvEntryOf(kv: EtcdKeyValue, ns: string): KvEntry {
  return { ns, key: kvKeyOfEtcd(kv.key.toString(), ns), value: kv.value.toString(), createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version };
}

/**
 * A key's revisions after a put committed at `revision`, from the value it replaced (etcd's
 * prev_kv): a new key is created at the put; an existing one keeps its creation and counts on.
 */
export function writtenKvMeta(key: string, ns: string, revision: number, previous: EtcdKeyValue | undefined): KvMeta {
  return { ns, key, createRevision: previous?.createRevision ?? revision, modRevision: revision, version: (previous?.version ?? 0) + 1 };
}

/** The membership as a change answers it, in fleet's shape: hex ids, client URLs as the address. */
export function membersViewOf(members: readonly EtcdMember[], leader: string | null): MembersView {
  return { members: members.map((m) => ({ id: etcdId(m.id), address: m.clientUrls.join(','), voter: !m.isLearner })), leaderId: leader ?? '' };
}

/** The membership as `fleet members list` shows it for etcd: ids in hex as etcdctl prints them, names, URLs, learners. */
export function memberListingOf(members: readonly EtcdMember[], leader: string | null): MemberListing {
  const listed = members.map((m): ListedMember => {
    const id = etcdId(m.id);
    return { id, name: m.name, address: m.clientUrls.join(','), peerUrls: m.peerUrls, voter: !m.isLearner, leader: id === leader };
  });
  return { leader, members: listed };
}

/** The member that leads, as the answering members report it: the one that says it leads itself, in the highest term. */
export function leaderOf(statuses: readonly EtcdStatus[]): EtcdStatus | undefined {
  let best: EtcdStatus | undefined;
  for (const s of statuses) {
    if (s.leaderId === '0' || s.leaderId !== s.memberId) continue;
    if (best === undefined || s.raftTerm > best.raftTerm) best = s;
  }
  return best;
}

/** The member an operator named, by its hex id (leading zeros optional) or its name. */
export function findMember(members: readonly EtcdMember[], idOrName: string): EtcdMember | undefined {
  return members.find((m) => etcdId(m.id) === idOrName.toLowerCase().padStart(16, '0') || (m.name !== '' && m.name === idOrName));
}

/** The peer URL etcd takes for a member added at `address` (host:port, or a URL already). */
export function peerUrlOf(address: string): string {
  return /^[a-z]+:\/\//.test(address) ? address : `http://${address}`;
}
