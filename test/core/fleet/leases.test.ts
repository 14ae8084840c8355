import { describe, expect, it } from 'vitest';
import { FleetStateMachine } from '../../../src/core/fleet/index.js';
import { Harness, T0 } from './harness.js';

/** The leader's expiry of the grant or renewal at `renewedIndex` (an internal entry). */
const expire = (name: string, token: number, renewedIndex: number) => ({ type: 'lease.expire', name, token, renewedIndex }) as const;

describe('leases', () => {
  it('grants a free lease with a fencing token, stamped with leader wall time and the registry age', () => {
    const h = new Harness();
    h.age = 7;
    const v = h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    expect(v).toEqual({
      renewed: false,
      lease: { name: 'leader', holder: 'n1', token: 1, ttlMs: 10_000, acquiredAt: T0, expiresAt: T0 + 10_000, renewedIndex: 1, renewedAge: 7, expired: false },
    });
  });

  it('renews for the same holder with the same token and a new renewal index', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    h.advance(5_000);
    expect(h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 })).toMatchObject({ renewed: true, lease: { token: 1, expiresAt: T0 + 15_000, renewedIndex: 2 } });
    h.advance(5_000);
    expect(h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }).lease).toMatchObject({ token: 1, expiresAt: T0 + 20_000, renewedIndex: 3 });
    expect(h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1, ttlMs: 1 }).lease).toMatchObject({ ttlMs: 1, expiresAt: T0 + 10_001 });
  });

  it('says when a renewal came after the expiry the lease showed: by how much (as expiresAt, leader wall time) and which grant it outlived', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 1_000 }); // index 1
    h.advance(1_000);
    // On time (the shown expiry itself): nothing to explain.
    expect(h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }).lease.extended).toBeUndefined(); // index 2
    h.advance(1_250);
    const late = h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }).lease; // index 3
    expect(late).toMatchObject({ token: 1, renewedIndex: 3, extended: { lateMs: 250, sinceIndex: 2 } });
    h.advance(400);
    const onTime = h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 1_000 }); // index 4
    expect(onTime.renewed).toBe(true);
    expect(onTime.lease.extended).toBeUndefined();
    h.advance(1_001);
    expect(h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 1_000 }).lease.extended).toEqual({ lateMs: 1, sinceIndex: 4 });
    // What the registry keeps is the lease, never the explanation.
    expect(h.sm.listLeases()[0]).not.toHaveProperty('extended');
  });

  it('says a wrong fencing token is wrong, not that the lease is held by another', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    const r = h.err({ type: 'lease.release', name: 'leader', holder: 'n1', token: 999 }, 'FAILED_PRECONDITION');
    expect(r.message).toMatch(/^fencing token 999 is not lease "leader"'s/);
  });

  it('refuses another holder while live, naming the holder', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    h.advance(9_999);
    const r = h.err({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 10_000 }, 'FAILED_PRECONDITION');
    expect(r.details).toEqual({ name: 'leader', holder: 'n1', expiresAt: T0 + 10_000 });
    expect(r.message).toContain('"n1"');
  });

  it('never expires a lease by a clock: not when leader time runs past it, not when it jumps hours ahead', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 20_000 });
    // A new leader whose wall clock is two hours ahead (the reported bug granted the lease to n2 here).
    h.time += 2 * 3600_000;
    h.err({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 20_000 }, 'FAILED_PRECONDITION');
    h.advance(60_000);
    h.err({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 20_000 }, 'FAILED_PRECONDITION');
    expect(h.sm.listLeases()[0]).toMatchObject({ holder: 'n1', expired: false });
  });

  it('expires only by the leader’s lease.expire naming the current grant, and then hands out a larger token', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 }); // index 1
    h.ok({ type: 'lease.acquire', name: 'other', holder: 'x', ttlMs: 10_000 });
    h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }); // index 3
    // An expiry of the grant at index 1 comes too late: the lease was renewed at 3 since.
    h.err(expire('leader', 1, 1), 'FAILED_PRECONDITION');
    h.err(expire('leader', 2, 3), 'FAILED_PRECONDITION');
    expect(h.sm.listLeases().find((l) => l.name === 'leader')?.expired).toBe(false);
    h.ok(expire('leader', 1, 3));
    expect(h.sm.listLeases().find((l) => l.name === 'leader')).toMatchObject({ expired: true, remainingMs: 0 });
    h.err(expire('leader', 1, 3), 'FAILED_PRECONDITION');
    const v = h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 10_000 });
    expect(v).toMatchObject({ renewed: false, lease: { holder: 'n2', token: 3, expired: false } });
    // The old holder is fenced off.
    h.err({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION');
    h.err({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION');
    // Release then acquire again: still a larger token.
    h.ok({ type: 'lease.release', name: 'leader', holder: 'n2', token: 3 });
    expect(h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 1 }).lease.token).toBe(4);
  });

  it("draws tokens from one counter for every lease name: a name's first token is 1 only on a cluster that never granted one (README)", () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'deploy', holder: 'me', ttlMs: 1_000 });
    h.ok({ type: 'lease.release', name: 'deploy', holder: 'me', token: 1 });
    expect(h.ok({ type: 'lease.acquire', name: 'backup', holder: 'me', ttlMs: 1_000 }).lease.token).toBe(2);
  });

  it('refuses lease.expire from a client session: only the leader decides that a lease ran out', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1_000 });
    expect(h.err(expire('a', 1, 1), 'INVALID_ARGUMENT', { clientId: 'c', seq: 1, firstIncomplete: 1 }).message).toMatch(/leader only/);
    expect(h.sm.listLeases()[0]?.expired).toBe(false);
  });

  it('tokens and expiry survive a snapshot and keep working after restore', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1 });
    h.ok({ type: 'lease.release', name: 'a', holder: 'n1', token: 1 });
    h.ok({ type: 'lease.acquire', name: 'b', holder: 'n1', ttlMs: 1 });
    h.ok(expire('b', 2, 3));
    const r = new Harness(h.restored());
    expect(r.sm.listLeases()).toMatchObject([{ name: 'b', expired: true }]);
    expect(r.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1 }).lease.token).toBe(3);
    expect(r.ok({ type: 'lease.acquire', name: 'b', holder: 'n2', ttlMs: 1 }).lease.token).toBe(4);
  });

  it('does not renew an expired lease', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 1_000 });
    h.ok(expire('leader', 1, 1));
    expect(h.err({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION').message).toMatch(/expired/);
    h.err({ type: 'lease.renew', name: 'nope', holder: 'n1', token: 1 }, 'NOT_FOUND');
    // Releasing it is still fine: nobody took it since.
    h.ok({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 });
    h.err({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 }, 'NOT_FOUND');
  });

  it('lists leases with what is left of their ttl in registry age, and the leader’s verdict', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'b', holder: 'n1', ttlMs: 1_000 });
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 5_000 });
    const seen = h.sm.listLeases(2_000);
    // b's ttl has run out but the leader has not expired it yet: live, nothing left.
    expect(seen.map((l) => [l.name, l.expired, l.remainingMs])).toEqual([
      ['a', false, 3_000],
      ['b', false, 0],
    ]);
    expect(h.sm.listLeases().map((l) => l.remainingMs)).toEqual([5_000, 1_000]);
    // A reader's age source (the node's estimate of "now") is used when no age is given.
    h.sm.readerAge = () => 4_500;
    expect(h.sm.listLeases().map((l) => l.remainingMs)).toEqual([500, 0]);
  });

  it('lists only live leases to the leader that times them', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1_000 });
    h.ok({ type: 'lease.acquire', name: 'b', holder: 'n1', ttlMs: 1_000 });
    const before = h.sm.leaseVersion;
    h.ok(expire('a', 1, 1));
    expect(h.sm.leaseVersion).toBeGreaterThan(before);
    expect([...h.sm.liveLeases()].map((l) => l.name)).toEqual(['b']);
    expect([...new FleetStateMachine().liveLeases()]).toEqual([]);
  });

  it('refuses bad ttls and tokens', () => {
    const h = new Harness();
    h.err({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 0 }, 'INVALID_ARGUMENT');
    h.err({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 24 * 3600_000 + 1 }, 'INVALID_ARGUMENT');
    h.err({ type: 'lease.release', name: 'a', holder: 'n1', token: 0 }, 'INVALID_ARGUMENT');
    h.err({ type: 'lease.expire', name: 'a', token: 1, renewedIndex: 0 }, 'INVALID_ARGUMENT');
  });
});
