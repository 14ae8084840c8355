/**
 * What a member is assembled from (`assembleMember`) and which APIs it is then given
 * (`serveApis`): `fleet node start` fills them from its flags (src/cli/node-start.ts), fleet/embed
 * from the host's options (src/embed/options.ts).
 */
import type { FleetMemberOptions } from '../../node/fleet-member.js';
import type { Placement } from '../../node/api.js';
import type { BackupPolicy } from '../admin/backup-schedule.js';
import type { AutoCompaction } from '../etcd-api/etcd-auto-compaction.js';
import type { ReadToken } from '../guard/auth.js';
import type { ServerBounds } from '../guard/bounds.js';

/** The fewest entries between two snapshots when none is given (`--snapshot-every`, embed's `snapshotEvery`): the snapshot policy's. */
export { DEFAULT_SNAPSHOT_EVERY } from '../../node/snapshots/snapshot-policy.js';
/** The log entries kept behind the newest snapshot when none is given (`--snapshot-catchup-entries`). */
export { DEFAULT_SNAPSHOT_CATCHUP_ENTRIES } from '../../node/snapshots/log-trail.js';

/** Everything a member is built from: its identity, storage, peers, port, credentials and limits. */
export interface AssemblyOptions {
  readonly id: string;
  readonly clusterName: string;
  readonly dataDir: string;
  readonly listen: string;
  /** This member's zone and region (`--zone`, `--region`); absent when neither is set. */
  readonly placement?: Placement | undefined;
  readonly founders: ReadonlyMap<string, string>;
  /** Whether a founder without Raft state may bootstrap (`new`, the default) or is refused (`existing`). */
  readonly initialClusterState?: 'new' | 'existing';
  readonly metricsListen?: { host: string; port: number } | undefined;
  readonly heartbeatMs: number;
  readonly electionTimeoutMs: number;
  readonly snapshotEvery: number;
  /** Log entries kept behind the newest snapshot for a follower a little behind (default 5,000; 0: it is sent a snapshot). */
  readonly snapshotCatchupEntries?: number | undefined;
  readonly token?: string | undefined;
  readonly adminToken?: string | undefined;
  /** Read-only tokens (`--read-token-file`), each with the name its file gives it (auth.ts). */
  readonly readTokens?: readonly ReadToken[] | undefined;
  /** The names token files give their tokens, for the audit log. */
  readonly tokenName?: string | undefined;
  readonly adminTokenName?: string | undefined;
  /**
   * TLS for the port. With `ca`, every connection must present a certificate signed by it
   * (mutual TLS): peers a member certificate, clients an operator's (or a member's).
   */
  readonly tls?: { cert: string; key: string; ca?: string | undefined } | undefined;
  /** The secret peers sign their streams with (`--peer-secret-file`). */
  readonly peerSecret?: Buffer | undefined;
  /** The largest snapshot accepted from a leader, in bytes. */
  readonly maxSnapshotBytes: number;
  readonly enableDrills: boolean;
  /** How often an etcd watcher that asked for progress notifications hears the revision (default 10 min). */
  readonly etcdProgressNotifyMs?: number | undefined;
  /** Compact the etcd keyspace's history automatically (`--etcd-auto-compaction-*`); undefined keeps it all. */
  readonly etcdAutoCompaction?: AutoCompaction | undefined;
  /** The keyspace's space quota in bytes (`--etcd-quota-backend-bytes`); undefined: spaceQuotaDefault(). */
  readonly etcdQuotaBytes?: number | undefined;
  readonly unsafeAckBeforeCommit: boolean;
  /** TEST ONLY: apply no entry beyond this index (`--unsafe-stop-applying-after`), so that the member is stuck. */
  readonly unsafeStopApplyingAfter?: number | undefined;
  /** TEST ONLY: this member's wall clock runs this many ms ahead (`--unsafe-clock-offset`): its stamps and peer handshakes. */
  readonly unsafeClockOffsetMs?: number | undefined;
  /** Scheduled backups (`--backup-dir`, `--backup-every`, `--backup-keep`); none when absent. */
  readonly backup?: BackupPolicy | undefined;
  /** Bounds on what clients can make the member hold (default `DEFAULT_BOUNDS`, see bounds.ts). */
  readonly bounds?: ServerBounds | undefined;
  readonly version: string;
  /** An embedding application's state machine, replicated beside the registry (fleet/embed). */
  readonly app?: FleetMemberOptions['app'];
  readonly appCheckEvery?: number | undefined;
  readonly onAppFault?: FleetMemberOptions['onAppFault'];
  /** What the caller adds to the `member started` line (node start: what became of its code cache). */
  readonly startLine?: Readonly<Record<string, string>> | undefined;
}

/**
 * The APIs a member serves to other programs on its port, besides what its peers need of it (the
 * Raft transport, and fleet.v1's `Submit` and `Status`, which members forward writes with).
 */
export interface ServedApis {
  /** fleet.v1's client service (reads, writes, sessions, watches), health and reflection. */
  readonly fleet?: boolean | undefined;
  /** fleet.v1's Admin and Drills services (drills act only with `enableDrills`). */
  readonly admin?: boolean | undefined;
  /** etcd's v3 API and its JSON gateway; off, every etcd call is refused naming why. */
  readonly etcd?: boolean | undefined;
  /** Why an API that is off is off, as a refused call's message ends (default: node start's flags). */
  readonly offHint?: string | undefined;
}
