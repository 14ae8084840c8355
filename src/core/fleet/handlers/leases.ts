/**
 * Handlers of the lease commands. No handler judges expiry by a clock: a lease is live until the
 * leader ends it. Where the leases live (the registry's map, or the etcd keyspace once a cluster
 * reads data format 6) is the book's business (../lease-book.ts): in the keyspace the etcd lessor
 * times them, in the registry's map the leader's LeaseKeeper proposes a `lease.expire`. Wall
 * time is stamped for display only. Fencing tokens only grow, so a newer holder's token is
 * always larger than any older holder's.
 */
import { FULL_REGISTRY, LIMITS } from '../limits.js';
import { expireInRegistry, leaseBook, leasesMoved, type LeaseBook } from '../lease-book.js';
import type { FleetState, LeaseRecord } from '../state.js';
import type { LeaseView } from '../types.js';
import { fail, notFound, ok, type ApplyContext, type Handler, type Outcome } from './outcome.js';

const q = JSON.stringify;

/**
 * The refusal an acquire of `name` by `holder` gets in state `s` without changing anything: the
 * lease is live and another holds it. Undefined when the acquire would be applied (granted,
 * renewed, or refused for another reason that the log must decide).
 */
export function acquireRefusal(s: FleetState, name: string, holder: string): Outcome<never> | undefined {
  const lease = leaseBook(s).get(name);
  return lease !== undefined && !lease.expired && lease.holder !== holder ? heldByOther(lease) : undefined;
}

function heldByOther(lease: LeaseRecord): Outcome<never> {
  return fail('FAILED_PRECONDITION', `lease ${q(lease.name)} is held by ${q(lease.holder)} (for ${lease.ttlMs} ms from its last renewal, unless renewed or released)`, {
    name: lease.name,
    holder: lease.holder,
    expiresAt: lease.expiresAt,
  });
}

/** The lease `name` held by `holder` with `token` (live or expired), or why not. */
function ownLease(book: LeaseBook, name: string, holder: string, token: number): LeaseRecord | Outcome<never> {
  const lease = book.get(name);
  if (lease === undefined) return notFound('lease', name);
  if (lease.holder !== holder) return heldByOther(lease);
  if (lease.token !== token) {
    return fail('FAILED_PRECONDITION', `fencing token ${token} is not lease ${q(name)}'s: ${q(holder)} holds it under another token (the one its latest acquire printed)`, { name, holder: lease.holder });
  }
  return lease;
}

/**
 * The answer's view of a renewal: the lease as stored, and, when this renewal came after the
 * `expiresAt` the previous grant or renewal showed (on the leaders' wall clocks, as that field
 * is), by how much and which grant it outlived. Why the leader still had it live (its margin,
 * or a new leader timing it afresh) only the leader knows: it adds `reason` to its answer.
 */
function renewalView(before: LeaseRecord, after: LeaseRecord, ctx: ApplyContext): LeaseView {
  const lateMs = ctx.time - before.expiresAt;
  return lateMs > 0 ? { ...after, extended: { lateMs, sinceIndex: before.renewedIndex } } : after;
}

/** Grants a free or expired lease with a new token; for its live holder, renews it with the same token. */
export const leaseAcquire: Handler<'lease.acquire'> = (s, op, ctx) => {
  const book = leaseBook(s);
  const lease = book.get(op.name);
  if (lease !== undefined && !lease.expired) {
    if (lease.holder !== op.holder) return heldByOther(lease);
    return ok({ lease: renewalView(lease, book.renew(lease, op.ttlMs, ctx), ctx), renewed: true });
  }
  // The keyspace's book is capped by the store's lease cap (LIMITS.maxLeases too), refused by the grant.
  if (lease === undefined && !leasesMoved(s) && s.leases.size >= LIMITS.maxLeases) return fail('FAILED_PRECONDITION', FULL_REGISTRY.leases);
  const granted = book.grant(op.name, op.holder, op.ttlMs, ctx);
  // The store's words: its lease cap (the registry's own) or its space quota.
  if ('refused' in granted) return fail('FAILED_PRECONDITION', granted.refused);
  return ok({ lease: granted, renewed: false });
};

/** Extends a live lease for its holder; an expired lease must be acquired again (and gets a new token). */
export const leaseRenew: Handler<'lease.renew'> = (s, op, ctx) => {
  const book = leaseBook(s);
  const lease = ownLease(book, op.name, op.holder, op.token);
  if ('ok' in lease) return lease;
  if (lease.expired) {
    return fail('FAILED_PRECONDITION', `lease ${q(op.name)} expired; acquire it again`, { name: op.name, expiresAt: lease.expiresAt });
  }
  return ok({ lease: renewalView(lease, book.renew(lease, op.ttlMs ?? lease.ttlMs, ctx), ctx) });
};

/** Gives a lease back (also once expired, as long as nobody took it since). */
export const leaseRelease: Handler<'lease.release'> = (s, op) => {
  const book = leaseBook(s);
  const lease = ownLease(book, op.name, op.holder, op.token);
  if ('ok' in lease) return lease;
  book.release(lease);
  return ok({ name: op.name, token: op.token });
};

/**
 * Ends the grant or renewal the leader timed; a lease renewed, released or taken since is left
 * alone. Only the registry's map is timed so: a lease in the keyspace expires with its etcd lease.
 */
export const leaseExpire: Handler<'lease.expire'> = (s, op) => {
  const lease = leasesMoved(s) ? undefined : s.leases.get(op.name);
  if (lease === undefined || lease.expired || lease.token !== op.token || lease.renewedIndex !== op.renewedIndex) {
    return fail('FAILED_PRECONDITION', `lease ${q(op.name)} token ${op.token} was renewed, released or expired since index ${op.renewedIndex}`);
  }
  expireInRegistry(s, lease);
  return ok({ name: op.name, token: op.token });
};
