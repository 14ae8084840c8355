import { describe, expect, it } from 'vitest';
import { Harness, T0 } from './harness.js';

describe('leases', () => {
  it('grants a free lease with a fencing token and expiry in leader time', () => {
    const h = new Harness();
    const v = h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    expect(v).toEqual({ renewed: false, lease: { name: 'leader', holder: 'n1', token: 1, ttlMs: 10_000, acquiredAt: T0, expiresAt: T0 + 10_000 } });
  });

  it('renews for the same holder with the same token', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    h.advance(5_000);
    expect(h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 })).toMatchObject({ renewed: true, lease: { token: 1, expiresAt: T0 + 15_000 } });
    h.advance(5_000);
    expect(h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }).lease).toMatchObject({ token: 1, expiresAt: T0 + 20_000 });
    expect(h.ok({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1, ttlMs: 1 }).lease.expiresAt).toBe(T0 + 10_001);
  });

  it('refuses another holder while live, naming the holder and expiry', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    h.advance(9_999);
    const r = h.err({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 10_000 }, 'FAILED_PRECONDITION');
    expect(r.details).toEqual({ name: 'leader', holder: 'n1', expiresAt: T0 + 10_000 });
    expect(r.message).toContain('"n1"');
  });

  it('judges expiry by envelope time only, and hands out ever larger tokens', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 10_000 });
    h.ok({ type: 'lease.acquire', name: 'other', holder: 'x', ttlMs: 10_000 });
    h.advance(10_000); // expiresAt is exclusive: at T0+10s the lease is gone
    const v = h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 10_000 });
    expect(v).toMatchObject({ renewed: false, lease: { holder: 'n2', token: 3 } });
    // The old holder is fenced off.
    h.err({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION');
    h.err({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION');
    // Release then acquire again: still a larger token.
    h.ok({ type: 'lease.release', name: 'leader', holder: 'n2', token: 3 });
    expect(h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n2', ttlMs: 1 }).lease.token).toBe(4);
  });

  it('tokens survive a snapshot and keep growing after restore', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1 });
    h.ok({ type: 'lease.release', name: 'a', holder: 'n1', token: 1 });
    const r = new Harness(h.restored());
    expect(r.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 1 }).lease.token).toBe(2);
  });

  it('does not renew an expired lease', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'leader', holder: 'n1', ttlMs: 1_000 });
    h.advance(1_000);
    expect(h.err({ type: 'lease.renew', name: 'leader', holder: 'n1', token: 1 }, 'FAILED_PRECONDITION').message).toMatch(/expired/);
    h.err({ type: 'lease.renew', name: 'nope', holder: 'n1', token: 1 }, 'NOT_FOUND');
    // Releasing it is still fine: nobody took it since.
    h.ok({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 });
    h.err({ type: 'lease.release', name: 'leader', holder: 'n1', token: 1 }, 'NOT_FOUND');
  });

  it('lists leases as seen at the reader time', () => {
    const h = new Harness();
    h.ok({ type: 'lease.acquire', name: 'b', holder: 'n1', ttlMs: 1_000 });
    h.ok({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 5_000 });
    const seen = h.sm.listLeases(T0 + 2_000);
    expect(seen.map((l) => [l.name, l.expired, l.remainingMs])).toEqual([
      ['a', false, 3_000],
      ['b', true, 0],
    ]);
    expect(h.sm.listLeases().every((l) => !l.expired)).toBe(true);
  });

  it('refuses bad ttls and tokens', () => {
    const h = new Harness();
    h.err({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 0 }, 'INVALID_ARGUMENT');
    h.err({ type: 'lease.acquire', name: 'a', holder: 'n1', ttlMs: 24 * 3600_000 + 1 }, 'INVALID_ARGUMENT');
    h.err({ type: 'lease.release', name: 'a', holder: 'n1', token: 0 }, 'INVALID_ARGUMENT');
  });
});
