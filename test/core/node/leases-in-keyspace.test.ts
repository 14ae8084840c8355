/**
 * fleet's leases in the etcd keyspace (issue 56, "one lease system"; src/core/fleet/lease-book.ts):
 * once the cluster version says data format 6, a lease is a grant key and a live key attached to
 * an etcd lease, timed by the keyspace's lessor alone; its expiry is the etcd lease's. Tokens only
 * grow, across the move too.
 */
import { describe, expect, it } from 'vitest';
import { LEASE_GRACE_MS, LEASES_IN_KEYSPACE, type ChangeEvent } from '../../../src/core/fleet/index.js';
import type { MemberState } from '../../../src/core/node/state/member-state.js';
import { Log, member, written } from './member-log.js';

type Answer = { ok: boolean; code?: string; message?: string; value?: { lease?: { token: number; expiresAt: number; expired: boolean }; renewed?: boolean } };

const key = (m: MemberState, k: string) => m.etcd.store.range({ key: Buffer.from(k) }).kvs[0];
const lease = (m: MemberState, name: string) => m.sm.listLeases().find((l) => l.name === name);

function acquire(log: Log, name: string, holder: string, ttlMs = 3_000): Answer {
  return log.registry({ type: 'lease.acquire', name, holder, ttlMs }) as Answer;
}

/** The leader's expiry of every lease due at `log.time`, as LeaseExpiry proposes it. */
function expireDue(log: Log, m: MemberState): number[] {
  const ids = m.etcd.store.expiredLeases(log.time);
  if (ids.length > 0) log.etcd({ type: 'lease-expire', ids });
  return ids;
}

describe("fleet's leases in the keyspace", () => {
  it('is a grant key and a live key attached to an etcd lease; the token is the grant key’s revision', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    const a = acquire(log, 'db/primary', 'w1', 2_500);
    expect(a.ok).toBe(true);
    const grant = key(m, '/fleet/lease-grants/db%2Fprimary')!;
    const live = key(m, '/fleet/leases/db%2Fprimary')!;
    expect(a.value!.lease!.token).toBe(grant.modRevision);
    expect(JSON.parse(Buffer.from(grant.value).toString())).toMatchObject({ holder: 'w1', ttlMs: 2_500 });
    // Timed by the keyspace's lessor, to the millisecond, for the TTL and the grace that covers a
    // renewal on its way to the leader; etcd's clients see whole seconds.
    expect(m.etcd.store.leaseTimeToLive(live.lease, log.time)).toMatchObject({ grantedTtl: 4 });
    expect(m.etcd.store.expiredLeases(log.time + 2_500 + LEASE_GRACE_MS - 1)).toEqual([]);
    expect(m.etcd.store.expiredLeases(log.time + 2_500 + LEASE_GRACE_MS)).toEqual([live.lease]);
    expect(m.sm.counts().leases).toBe(1);
    expect(m.sm.kvGet(LEASES_IN_KEYSPACE.key, LEASES_IN_KEYSPACE.ns)?.value).toBe('1');
  });

  it('renews for its holder with the same token and refuses another holder while live', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    const token = acquire(log, 'L', 'w1').value!.lease!.token;
    expect(acquire(log, 'L', 'w2')).toMatchObject({ ok: false, code: 'FAILED_PRECONDITION', message: expect.stringContaining('held by "w1"') });
    log.time += 2_000;
    const renewed = log.registry({ type: 'lease.renew', name: 'L', holder: 'w1', token, ttlMs: 1_000 }) as Answer;
    expect(renewed.value!.lease).toMatchObject({ token, expiresAt: log.time + 1_000 });
    const again = acquire(log, 'L', 'w1', 4_000);
    expect(again.value).toMatchObject({ renewed: true, lease: { token } });
    expect(log.registry({ type: 'lease.renew', name: 'L', holder: 'w1', token: token + 1 })).toMatchObject({ ok: false, message: expect.stringContaining('fencing token') });
    // The renewal restamped the etcd lease: not due at the first grant's deadline.
    expect(m.etcd.store.expiredLeases(1_000 + 3_000 + LEASE_GRACE_MS)).toEqual([]);
  });

  it('expires with its etcd lease: the live key goes, the grant stays, watchers hear it, a new holder gets a larger token', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    const events: ChangeEvent[] = [];
    m.changes.watch(log.index + 1, { registry: 'leases', ns: '', prefix: '' }, { batch: (b) => events.push(...b.events), reset() {} });
    const first = acquire(log, 'L', 'w1', 1_000).value!.lease!.token;
    log.time += 1_000 + LEASE_GRACE_MS;
    expect(expireDue(log, m)).toHaveLength(1);
    expect(key(m, '/fleet/leases/L')).toBeUndefined();
    expect(lease(m, 'L')).toMatchObject({ holder: 'w1', token: first, expired: true, remainingMs: 0 });
    expect(events.map((e) => e.type)).toEqual(['lease.acquire', 'lease.expire']);
    expect(events[1]).toMatchObject({ key: 'L', old: { expired: false }, new: { expired: true } });
    expect(log.registry({ type: 'lease.renew', name: 'L', holder: 'w1', token: first })).toMatchObject({ ok: false, message: 'lease "L" expired; acquire it again' });
    const second = acquire(log, 'L', 'w2').value!.lease!.token;
    expect(second).toBeGreaterThan(first);
    // A release removes both keys and the etcd lease.
    expect(log.registry({ type: 'lease.release', name: 'L', holder: 'w2', token: second })).toMatchObject({ ok: true });
    expect(key(m, '/fleet/lease-grants/L')).toBeUndefined();
    expect(m.etcd.store.leaseCount).toBe(0);
    expect(lease(m, 'L')).toBeUndefined();
  });

  it('ends when an etcd client revokes its etcd lease, as etcd would', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    acquire(log, 'L', 'w1');
    log.etcd({ type: 'lease-revoke', id: key(m, '/fleet/leases/L')!.lease });
    expect(lease(m, 'L')).toMatchObject({ expired: true });
  });

  it('moves from the registry at the cluster version that says format 6, keeping tokens and handing out larger ones', async () => {
    const members = [await member(), await member()];
    const log = new Log(members);
    const v5 = log.clusterVersion(5, null);
    const held = acquire(log, 'held', 'w1', 5_000).value!.lease!.token;
    const gone = acquire(log, 'gone', 'w2', 5_000).value!.lease!.token;
    // The registry's leader timer ends `gone` (the log's entries here are the members' own, as an expiry is).
    expect(log.registry({ type: 'lease.expire', name: 'gone', token: gone, renewedIndex: log.index })).toMatchObject({ ok: true });
    expect(lease(members[0]!, 'gone')?.expired).toBe(true);
    log.time = 10_000;
    log.clusterVersion(6, v5);
    for (const x of members) {
      expect(lease(x, 'held')).toMatchObject({ holder: 'w1', token: held, expired: false });
      expect(key(x, '/fleet/leases/held')?.lease).toBeGreaterThan(0);
      // A whole TTL from the move: only ever longer than its timer had left.
      expect(x.etcd.store.expiredLeases(10_000 + 4_999)).toEqual([]);
    }
    expect(members[0]!.etcd.store.revision).toBe(members[1]!.etcd.store.revision);
    // The holder goes on with the token it had.
    expect(log.registry({ type: 'lease.renew', name: 'held', holder: 'w1', token: held })).toMatchObject({ ok: true });
    const fresh = acquire(log, 'new', 'w3').value!.lease!.token;
    expect(fresh).toBeGreaterThan(Math.max(held, gone));
  });

  it('moves the same way on a member restored from an image as on one that applied the grants (seed 1136)', async () => {
    const applied = await member();
    const log = new Log([applied]);
    const v5 = log.clusterVersion(5, null);
    acquire(log, 'L1', 'w1');
    acquire(log, 'L0', 'w2');
    // The image holds the leases by name; the member that applied them holds them in grant order.
    const restored = await member(written(applied.beginImage()));
    const both = new Log([applied, restored]);
    [both.index, both.time] = [log.index, log.time];
    both.clusterVersion(6, v5);
    const attached = (m: MemberState) => ['L0', 'L1'].map((n) => key(m, `/fleet/leases/${n}`)?.lease);
    expect(attached(restored)).toEqual(attached(applied));
    expect(restored.etcd.store.snapshot()).toEqual(applied.etcd.store.snapshot());
  });

  it('survives an image, and reads an etcd client’s value under its prefix as no lease', async () => {
    const m = await member();
    const log = new Log([m]);
    log.clusterVersion(6, null);
    const token = acquire(log, 'L', 'w1', 1_500).value!.lease!.token;
    log.etcdPut('/fleet/lease-grants/junk', 'not json');
    log.etcdPut('/fleet/leases/%zz', '{}');
    const restored = await member(written(m.beginImage()));
    expect(restored.sm.listLeases().map((l) => [l.name, l.token, l.ttlMs])).toEqual([['L', token, 1_500]]);
    expect(restored.etcd.store.expiredLeases(log.time + 1_500 + LEASE_GRACE_MS)).toHaveLength(1);
    const later = new Log([restored]);
    [later.index, later.time] = [log.index, log.time];
    expect(acquire(later, 'junk', 'w2')).toMatchObject({ ok: true });
    later.time += 3_000 + LEASE_GRACE_MS;
    expect(expireDue(later, restored)).toHaveLength(2);
    expect(lease(restored, 'L')).toMatchObject({ expired: true });
  });
});
