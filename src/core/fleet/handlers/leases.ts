/**
 * Handlers of the lease commands. Expiry is judged by the registry clock (leader time), never a
 * replica's own clock. Fencing tokens come from one counter that only grows, so a newer
 * holder's token is always larger than any older holder's.
 */
import { LIMITS } from '../limits.js';
import type { FleetState, LeaseRecord } from '../state.js';
import { fail, notFound, ok, type Handler, type Outcome } from './outcome.js';

const q = JSON.stringify;

function heldByOther(lease: LeaseRecord): Outcome<never> {
  return fail('FAILED_PRECONDITION', `lease ${q(lease.name)} is held by ${q(lease.holder)} until ${lease.expiresAt}`, {
    name: lease.name,
    holder: lease.holder,
    expiresAt: lease.expiresAt,
  });
}

/** The live lease `name` held by `holder` with `token`, or why not. */
function ownLease(s: FleetState, name: string, holder: string, token: number): LeaseRecord | Outcome<never> {
  const lease = s.leases.get(name);
  if (lease === undefined) return notFound('lease', name);
  if (lease.holder !== holder || lease.token !== token) return heldByOther(lease);
  return lease;
}

/** Grants a free or expired lease with a new token; for its live holder, renews it with the same token. */
export const leaseAcquire: Handler<'lease.acquire'> = (s, op, ctx) => {
  const lease = s.leases.get(op.name);
  if (lease !== undefined && lease.expiresAt > ctx.time) {
    if (lease.holder !== op.holder) return heldByOther(lease);
    const renewed = Object.freeze({ ...lease, ttlMs: op.ttlMs, expiresAt: ctx.time + op.ttlMs });
    s.leases.set(op.name, renewed);
    return ok({ lease: renewed, renewed: true });
  }
  if (lease === undefined && s.leases.size >= LIMITS.maxLeases) return fail('FAILED_PRECONDITION', `the registry already holds ${LIMITS.maxLeases} leases`);
  const granted = Object.freeze({ name: op.name, holder: op.holder, token: ++s.leaseToken, ttlMs: op.ttlMs, acquiredAt: ctx.time, expiresAt: ctx.time + op.ttlMs });
  s.leases.set(op.name, granted);
  return ok({ lease: granted, renewed: false });
};

/** Extends a live lease for its holder; an expired lease must be acquired again (and gets a new token). */
export const leaseRenew: Handler<'lease.renew'> = (s, op, ctx) => {
  const lease = ownLease(s, op.name, op.holder, op.token);
  if ('ok' in lease) return lease;
  if (lease.expiresAt <= ctx.time) {
    return fail('FAILED_PRECONDITION', `lease ${q(op.name)} expired at ${lease.expiresAt}; acquire it again`, { name: op.name, expiresAt: lease.expiresAt });
  }
  const ttlMs = op.ttlMs ?? lease.ttlMs;
  const renewed = Object.freeze({ ...lease, ttlMs, expiresAt: ctx.time + ttlMs });
  s.leases.set(op.name, renewed);
  return ok({ lease: renewed });
};

/** Gives a lease back (also once expired, as long as nobody took it since). */
export const leaseRelease: Handler<'lease.release'> = (s, op) => {
  const lease = ownLease(s, op.name, op.holder, op.token);
  if ('ok' in lease) return lease;
  s.leases.delete(op.name);
  return ok({ name: op.name, token: op.token });
};
