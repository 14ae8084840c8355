/**
 * One seam between the commands and the two kinds of cluster the CLI can target: a fleet
 * cluster (fleet.v1, FleetEngine over FleetClient) and a plain etcd cluster (EtcdEngine over
 * EtcdClient). Both answer in the types below, which are fleet's own where etcd can fill them:
 * a command renders one shape whatever the engine, and never casts one into the other.
 *
 * Invariant: an Engine answers every operation it declares or throws a FleetClientError; a
 * field etcd has no value for is optional here and left out (never filled with a stand-in).
 */
import type { CommandResults, KvEntry, KvListOptions, MembersView, Page, ReadOptions, TransferResult } from './types.js';
import type { EndpointStatus } from './transport/endpoint-status.js';

/** Which protocol an engine speaks. */
export type EngineKind = 'fleet' | 'etcd';

/** One member as `fleet members list --json` shows it. */
export interface ListedMember {
  readonly id: string;
  /** etcd: the member's name (empty until it has started). */
  readonly name?: string;
  /** fleet: the member's address; etcd: its client URLs, comma-separated. */
  readonly address: string;
  /** etcd: the member's peer URLs. */
  readonly peerUrls?: readonly string[];
  readonly voter: boolean;
  readonly leader: boolean;
  /** fleet: as the answering member heard them announced (null when unset or unknown). */
  readonly zone?: string | null;
  readonly region?: string | null;
  readonly readReplica?: boolean;
}

/** `fleet members list --json`: the membership, sorted as the engine's operators expect it. */
export interface MemberListing {
  readonly leader: string | null;
  readonly members: readonly ListedMember[];
}

/** The condition a membership change carries (the configuration index the safety gate previewed). */
export interface ConditionalChange {
  readonly ifConfigIndex?: number;
}

/** A learner just added: its id (etcd assigns one), the peer URL etcd took, and the membership after the change. */
export interface AddedLearner {
  readonly id: string;
  readonly peerUrl?: string;
  readonly view: MembersView;
}

/** The kv writes the engines share. */
export type KvWriteType = 'kv.put' | 'kv.delete' | 'kv.cas';

/**
 * A kv write's answer: fleet's `Written<T>`, whose `index` (the Raft index it committed at) is
 * absent on etcd, which does not report one.
 */
export type KvWrite<T extends KvWriteType> = CommandResults[T] & { readonly index?: number; readonly alreadyApplied?: true };

/** A snapshot saved to a local file: fleet reports its index and term, etcd its checked sha256 and the member it came from. */
export interface SavedSnapshot {
  readonly path: string;
  readonly bytes: number;
  readonly index?: number;
  readonly term?: number;
  readonly sha256?: string;
  readonly endpoint?: string;
}

/** What the membership, leadership, kv and snapshot commands ask of a cluster, on either engine. */
export interface Engine {
  readonly kind: EngineKind;
  /** True where the cluster assigns a new member's id (etcd): the operator's id is then only a label. */
  readonly assignsMemberIds: boolean;
  /** The id of the member an operator named (etcd: by hex id or name); fleet takes ids as given. */
  resolveMember(idOrName: string): Promise<string>;
  /** How a would-be member at `address` answers, for the safety gate; null where the engine cannot probe one. */
  probeMember(address: string): Promise<EndpointStatus | undefined | null>;
  listMembers(): Promise<MemberListing>;
  addLearner(id: string, address: string, opts: ConditionalChange): Promise<AddedLearner>;
  promoteMember(id: string, opts: ConditionalChange): Promise<MembersView>;
  removeMember(id: string, opts: ConditionalChange): Promise<MembersView>;
  /** Asks the leader to hand over to `to` (undefined: the engine picks the most caught-up voter). */
  transferLeader(to: string | undefined): Promise<TransferResult>;
  kvGet(key: string, opts: ReadOptions & { readonly ns: string }): Promise<KvEntry | undefined>;
  kvPut(key: string, value: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.put'>>;
  kvDelete(key: string, opts: { readonly ns: string }): Promise<KvWrite<'kv.delete'>>;
  /** `expected` null: the key must be absent; `expectRevision` is fleet's alone. */
  kvCas(key: string, expected: string | null | undefined, value: string, opts: { readonly ns: string; readonly expectRevision?: number }): Promise<KvWrite<'kv.cas'>>;
  kvList(opts: KvListOptions): Promise<Page<KvEntry>>;
  /** Saves a snapshot from the leader (or `from`) into `file`; `fresh`: taken now rather than the newest on disk (fleet). */
  saveSnapshot(file: string, opts: { readonly fresh: boolean; readonly from?: string | undefined }): Promise<SavedSnapshot>;
}
