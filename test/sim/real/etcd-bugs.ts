/**
 * Planted bugs for the etcd keyspace's checkers (etcd-checkers.ts): each breaks one production
 * path of every member in this thread — the store, the watch service's source of events, the
 * member's reads — by patching its prototype until the returned function undoes it. A run with
 * one planted must fail, and on the property that names it (etcd-sim.test.ts). Runs that plant
 * one run on the calling thread: worker threads load their own, unpatched, modules.
 */
import { MvccStore, type WatchEvent } from '../../../src/core/etcd-store/mvcc.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { Property } from '../violation.js';

/** The planted bugs, each with what it breaks and the property whose checker must catch it. */
export const ETCD_BUGS = {
  'revoke-keeps-a-key': {
    what: 'the store revokes (or expires) a lease but keeps one of its keys, still attached to it',
    caughtAs: 'lease-safety',
  },
  'keep-alive-not-kept': {
    what: "the leader's lessor answers a keep-alive with the lease's TTL but does not move its expiry",
    caughtAs: 'lease-safety',
  },
  'watch-skips-a-revision': {
    what: "the watch service's source of the newest revision's events returns none for every fourth revision",
    caughtAs: 'watch-completeness',
  },
  'local-linearizable-read': {
    what: 'the member serves a linearizable etcd read from its own state, without a ReadIndex round',
    caughtAs: 'linearizability',
  },
} as const satisfies Record<string, { what: string; caughtAs: Property }>;

export type EtcdBug = keyof typeof ETCD_BUGS;

/** Plants `bug` in this thread's modules; the answer undoes it. */
export function plantEtcdBug(bug: EtcdBug): () => void {
  switch (bug) {
    case 'revoke-keeps-a-key': {
      const original = MvccStore.prototype.leaseRevoke;
      MvccStore.prototype.leaseRevoke = function (this: MvccStore, id: number): number {
        const lease = (this as unknown as { leases: Map<number, { keys: Set<string> }> }).leases.get(id);
        const kept = lease === undefined ? undefined : [...lease.keys].sort()[0];
        if (kept !== undefined) lease?.keys.delete(kept);
        return original.call(this, id);
      };
      return () => void (MvccStore.prototype.leaseRevoke = original);
    }
    case 'keep-alive-not-kept': {
      const original = MvccStore.prototype.leaseKeepAlive;
      MvccStore.prototype.leaseKeepAlive = function (this: MvccStore, id: number, stampedAt: number, now: number, leaderSince: number, drift: number) {
        const ttl = this.leaseTimeToLive(id, now, leaderSince);
        if (ttl === undefined || ttl.ttl === 0) return original.call(this, id, stampedAt, now, leaderSince, drift);
        return { id, ttl: ttl.grantedTtl, expiresAt: stampedAt + ttl.grantedTtl * 1000 };
      };
      return () => void (MvccStore.prototype.leaseKeepAlive = original);
    }
    case 'watch-skips-a-revision': {
      const original = MvccStore.prototype.newestRevisionEvents;
      MvccStore.prototype.newestRevisionEvents = function (this: MvccStore, key: Uint8Array, rangeEnd: Uint8Array | undefined): WatchEvent[] | undefined {
        const events = original.call(this, key, rangeEnd);
        return events !== undefined && this.revision % 4 === 0 ? [] : events;
      };
      return () => void (MvccStore.prototype.newestRevisionEvents = original);
    }
    case 'local-linearizable-read': {
      const original = FleetMember.prototype.readEtcd;
      FleetMember.prototype.readEtcd = function <T>(this: FleetMember, _linearizable: boolean, query: (store: MvccStore) => T) {
        return original.call(this, false, query) as Promise<{ value: T; index: number }>;
      };
      return () => void (FleetMember.prototype.readEtcd = original);
    }
  }
}
