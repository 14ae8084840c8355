/**
 * The leader's etcd lease timers (services/lease-expiry.ts), driven with a node stand-in whose
 * clocks and term the test sets: what the leader proposes to expire, and when.
 */
import { describe, expect, it } from 'vitest';
import { MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { decodeEtcdLogEntry, encodeEtcdLogEntry } from '../../../src/core/etcd-store/request-codec.js';
import type { FleetStateMachine } from '../../../src/core/fleet/index.js';
import type { FleetNode } from '../../../src/core/node/fleet-node.js';
import { EtcdLeaseClock } from '../../../src/core/node/lease-clock.js';
import { LeaseExpiry } from '../../../src/core/node/services/lease-expiry.js';
import { quiet } from './helpers.js';

const ELECTION_TIMEOUT_MS = 1_000;
/** A 10 s TTL stretched by twice the clocks' 1 % drift: the only margin past the TTL (no election timeout's grace). */
const DRIFT_MS = 200;

/**
 * A leader whose clocks and term the test moves (`wall` moves both clocks; `step` the wall clock
 * alone, as NTP does); it records the lease ids it proposes to expire.
 */
function leaderStandIn(store: MvccStore) {
  const clock = { wall: 0, step: 0, term: 1 };
  const proposed: (readonly number[])[] = [];
  /** Renewals proposed: [lease id, the entry's time]. */
  const renewed: [number, number][] = [];
  const node = {
    isLeader: true,
    stopped: false,
    logger: quiet,
    appliedIndex: 0,
    get appliedTerm() {
      return clock.term;
    },
    get term() {
      return clock.term;
    },
    rt: { monoNow: () => clock.wall, wallNow: () => clock.wall + clock.step },
    proposeEntries(data: readonly Uint8Array[]) {
      for (const d of data) {
        const req = decodeEtcdLogEntry(d);
        if (req.op.type === 'lease-expire') proposed.push(req.op.ids);
        if (req.op.type === 'lease-renew') renewed.push([req.op.id, req.at]);
      }
      return { ok: true, firstIndex: 0 };
    },
  };
  const registry = () => ({ leaseVersion: 0, liveLeases: () => [] }) as unknown as FleetStateMachine;
  const etcdClock = new EtcdLeaseClock(node.rt);
  const expiry = () => new LeaseExpiry(node as unknown as FleetNode, { registry, etcd: () => store, etcdClock, etcdEntry: (req) => encodeEtcdLogEntry(req, true), ageNow: () => 0 }, ELECTION_TIMEOUT_MS);
  return { clock, proposed, renewed, expiry, etcdClock };
}

describe('LeaseExpiry, etcd leases', () => {
  it("expires a lease its own clock stamped once the TTL (stretched by the drift alone) has passed, as etcd's lessor", () => {
    const store = new MvccStore();
    const { clock, proposed, expiry: start } = leaderStandIn(store);
    const expiry = start();
    store.leaseGrant(7, 10, 0);
    expiry.tick();
    clock.wall = 10_000 + DRIFT_MS - 1;
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
    // A whole TTL from the first look (stretched by the drift).
    clock.wall = 110_000 + DRIFT_MS - 1;
    expiry.tick();
    expect(proposed, 'expired before a whole TTL under the new leader').toEqual([]);
    clock.wall = 110_000 + DRIFT_MS;
    expiry.tick();
    expect(proposed).toEqual([[7]]);
  });

  it("neither expires a lease early nor keeps it late when the leader's wall clock steps within its term", () => {
    const store = new MvccStore();
    const { clock, proposed, expiry: start, etcdClock } = leaderStandIn(store);
    const expiry = start();
    store.leaseGrant(7, 10, etcdClock.now(clock.term));
    expiry.tick();
    // NTP moves the wall clock a minute ahead: the lease still has its time (before: expired at once).
    clock.step = 60_000;
    clock.wall = 5_000;
    expiry.tick();
    expect(proposed, 'expired by a step of the wall clock').toEqual([]);
    // Renewed at 5 s by the lease clock, then the wall clock steps back two minutes: due at 15.2 s all the same (before: 136 s).
    store.leaseRenew(7, etcdClock.now(clock.term));
    clock.step = -60_000;
    clock.wall = 15_000 + DRIFT_MS - 1;
    expiry.tick();
    expect(proposed).toEqual([]);
    clock.wall = 15_000 + DRIFT_MS;
    expiry.tick();
    expect(proposed).toEqual([[7]]);
  });

  it("answers TimeToLive as it times expiry: a whole TTL from a new leader's first look", () => {
    const store = new MvccStore();
    const { clock, etcdClock } = leaderStandIn(store);
    store.leaseGrant(7, 10, 40_000);
    clock.wall = 100_000;
    expect(store.leaseTimeToLive(7, etcdClock.now(1), etcdClock.look(1).since)?.ttl).toBe(10);
    clock.wall = 104_000;
    expect(store.leaseTimeToLive(7, etcdClock.now(1), etcdClock.look(1).since)?.ttl).toBe(6);
    // By the stamp alone (a member that is not the leader), it ran out long ago.
    expect(store.leaseTimeToLive(7, etcdClock.now(1))?.ttl).toBe(0);
  });

  it("renews a lease an earlier leader stamped ahead of this leader's clock, so it lives a whole TTL from now, not from that clock", () => {
    const store = new MvccStore();
    const { clock, proposed, renewed, expiry: start, etcdClock } = leaderStandIn(store);
    clock.wall = 100_000;
    // Granted with a 10 s TTL by a leader whose clock ran a minute ahead: due at 170 s by its stamp.
    store.leaseGrant(7, 10, 160_000);
    // One stamped within an election timeout of this clock is left alone.
    store.leaseGrant(8, 10, 100_500);
    const expiry = start();
    expiry.tick();
    expect(renewed).toEqual([[7, 100_000]]);
    store.leaseRenew(7, renewed[0]![1]);
    // Lease 8 (stamped at 100.5 s) is due half a second later.
    clock.wall = 110_000 + DRIFT_MS;
    expiry.tick();
    expect(proposed, 'before, lease 7 lived until 171 s').toEqual([[7]]);
    expect(renewed, 'one renewal, not one per tick').toHaveLength(1);
    expect(etcdClock.now(1)).toBe(110_000 + DRIFT_MS);
  });

  it("times a keep-alive answered without a log entry: a whole TTL from its arrival, and refuses one for a lease already due", () => {
    const store = new MvccStore();
    const { clock, proposed, expiry: start, etcdClock } = leaderStandIn(store);
    const expiry = start();
    store.leaseGrant(7, 10, 0);
    store.leaseGrant(8, 10, 0);
    expiry.tick();
    const since = etcdClock.look(1).since;
    // Lease 7 kept alive at 6 s: due at 16.2 s, not 10.2 s; the replicated stamp is unchanged.
    expect(store.leaseKeepAlive(7, 6_000, 6_000, since, 2 * 0.01)).toMatchObject({ id: 7, ttl: 10, expiresAt: 16_000 });
    expect(store.leaseExpired(7, 10_000), 'an expiry entry is judged by the replicated stamp, the same on every member').toBe(true);
    expect(store.leaseTimeToLive(7, 6_000, since)?.ttl).toBe(10);
    clock.wall = 10_000 + DRIFT_MS;
    expiry.tick();
    expect(proposed).toEqual([[8]]);
    // Lease 8 is due: its expiry may be in the log, so a keep-alive now finds it gone.
    expect(store.leaseKeepAlive(8, clock.wall, clock.wall, since, 2 * 0.01)).toBeUndefined();
    store.leaseRevoke(8); // the expiry applied
    clock.wall = 16_000 + DRIFT_MS - 1;
    expiry.tick();
    expect(proposed).toEqual([[8]]);
    clock.wall += 1;
    expiry.tick();
    expect(proposed).toEqual([[8], [7]]);
  });

  it('forgets the keep-alives it answered once it stops leading: the next leader times every lease itself', () => {
    const store = new MvccStore();
    const { expiry: start, etcdClock } = leaderStandIn(store);
    const expiry = start();
    store.leaseGrant(7, 10, 0);
    store.leaseKeepAlive(7, 6_000, 6_000, etcdClock.look(1).since, 0);
    expect(store.leaseTimeToLive(7, 6_000)?.ttl).toBe(10);
    expiry.roleChanged({ role: 'leader' }, { role: 'follower' });
    expect(store.leaseTimeToLive(7, 6_000)?.ttl).toBe(4);
    expect(store.expiredLeases(10_000)).toEqual([7]);
  });
});
