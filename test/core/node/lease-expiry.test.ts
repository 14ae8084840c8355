/**
 * The leader's etcd lease timers (services/lease-expiry.ts), driven with a node stand-in whose
 * clocks and term the test sets: what the leader proposes to expire, and when.
 */
import { describe, expect, it } from 'vitest';
import { etcdEntryBody } from '../../../src/core/app-format.js';
import { MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { decodeEtcdRequest } from '../../../src/core/etcd-store/replica.js';
import type { FleetStateMachine } from '../../../src/core/fleet/index.js';
import type { FleetNode } from '../../../src/core/node/fleet-node.js';
import { LeaseExpiry } from '../../../src/core/node/services/lease-expiry.js';
import { quiet } from './helpers.js';

const ELECTION_TIMEOUT_MS = 1_000;

/** A leader whose wall clock and term the test moves; it records the lease ids it proposes to expire. */
function leaderStandIn(store: MvccStore) {
  const clock = { wall: 0, term: 1 };
  const proposed: (readonly number[])[] = [];
  const node = {
    isLeader: true,
    stopped: false,
    logger: quiet,
    appliedIndex: 0,
    get appliedTerm() {
      return clock.term;
    },
    raftStatus: () => ({ term: clock.term }),
    rt: { monoNow: () => clock.wall, wallNow: () => clock.wall },
    proposeEntries(data: readonly Uint8Array[]) {
      for (const d of data) {
        const req = decodeEtcdRequest(etcdEntryBody(d));
        if (req.op.type === 'lease-expire') proposed.push(req.op.ids);
      }
      return { ok: true, firstIndex: 0 };
    },
  };
  const registry = () => ({ leaseVersion: 0, liveLeases: () => [] }) as unknown as FleetStateMachine;
  const expiry = () => new LeaseExpiry(node as unknown as FleetNode, { registry, etcd: () => store, ageNow: () => 0 }, ELECTION_TIMEOUT_MS);
  return { clock, proposed, expiry };
}

describe('LeaseExpiry, etcd leases', () => {
  it('expires a lease its own clock stamped once the TTL and the grace have passed', () => {
    const store = new MvccStore();
    const { clock, proposed, expiry: start } = leaderStandIn(store);
    const expiry = start();
    store.leaseGrant(7, 10, 0);
    expiry.tick();
    clock.wall = 10_000 + ELECTION_TIMEOUT_MS - 1;
    expiry.tick();
    expect(proposed).toEqual([]);
    clock.wall += 1;
    expiry.tick();
    expect(proposed).toEqual([[7]]);
  });

  it("gives every lease a whole TTL from a new leader's first look, as etcd's leader extends them when elected", () => {
    const store = new MvccStore();
    const { clock, proposed, expiry: start } = leaderStandIn(store);
    // Granted with a 10 s TTL, stamped by an earlier leader's clock that ran 60 s behind this one's.
    store.leaseGrant(7, 10, 40_000);
    clock.wall = 100_000;
    const expiry = start();
    expiry.tick();
    // A whole TTL and the grace (etcd extends by an election timeout too).
    clock.wall = 110_999;
    expiry.tick();
    expect(proposed, 'expired before a whole TTL under the new leader').toEqual([]);
    clock.wall = 111_000;
    expiry.tick();
    expect(proposed).toEqual([[7]]);
  });
});
