/** What etcd's key, status, membership and alarm calls answer, as fleet's etcd clients hand it out. */

/** A key's value as Range and Watch answer it. */
export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  /** etcd's per-key version: 1 after the first put, reset by a delete. */
  readonly version: number;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** One member's Maintenance.Status, indices as numbers, ids as decimal strings (they are 64-bit). */
export interface EtcdStatus {
  readonly memberId: string;
  readonly leaderId: string;
  readonly raftTerm: number;
  /** The member's commit index. */
  readonly raftIndex: number;
  readonly raftAppliedIndex: number;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly isLearner: boolean;
  readonly version: string;
  readonly errors: readonly string[];
  readonly revision: number;
}

/** One member as the Cluster service answers it. `name` is empty for an added member that has not started. */
export interface EtcdMember {
  readonly id: string;
  readonly name: string;
  readonly peerUrls: readonly string[];
  readonly clientUrls: readonly string[];
  readonly isLearner: boolean;
}

/** An active alarm: which member raised it, and what (NOSPACE, CORRUPT). */
export interface EtcdAlarm {
  readonly memberId: string;
  readonly alarm: string;
}
