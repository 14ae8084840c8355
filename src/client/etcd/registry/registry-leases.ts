/**
 * Leases in the registry on etcd. A grant is two keys: `lease-grants/<name>` (holder, TTL, when
 * granted; never attached, so an expired grant is still known) and `leases/<name>` (the live
 * lease, attached to an etcd lease of the TTL, rounded up to whole seconds: etcd deletes it when
 * that runs out, and that is the expiry). A grant's fencing token is the revision its grant key
 * was written at: every later grant is written at a later revision, so tokens only grow. A
 * renewal attaches the live key to a new etcd lease and leaves the grant key (and the token) alone.
 */
import type { CommandOf, LeaseStatus, LeaseView, Written } from '../../types.js';
import { LEASE_GRANTS_DIR, LIVE_LEASES_DIR, leaseKeyPart } from '../../../common/registry/lease-keys.js';
import { notFound, q, refusal, retry, type Read, type RegistryStore } from './registry-store.js';

/** The grant as stored; its token is the key's mod revision. */
interface StoredGrant {
  readonly holder: string;
  readonly ttlMs: number;
  readonly acquiredAt: number;
}

/** The live lease as stored (attached to `etcdLease`). */
interface StoredLive {
  readonly ttlMs: number;
  readonly expiresAt: number;
  readonly etcdLease: string;
}

interface LeaseReads {
  readonly grant: Read<StoredGrant>;
  readonly live: Read<StoredLive>;
}

// The one layout of both engines (fleet's members keep theirs under /fleet/ in their own keyspace).
const grantKey = (name: string): string => `${LEASE_GRANTS_DIR}${leaseKeyPart(name)}`;
const liveKey = (name: string): string => `${LIVE_LEASES_DIR}${leaseKeyPart(name)}`;

async function readLease(st: RegistryStore, name: string): Promise<LeaseReads> {
  const [grant, live] = await Promise.all([st.read<StoredGrant>(grantKey(name)), st.read<StoredLive>(liveKey(name))]);
  // A live key without its grant cannot be written; treat it as expired all the same.
  return { grant, live: grant.value === undefined ? { value: undefined, modRevision: live.modRevision } : live };
}

function view(name: string, r: LeaseReads): LeaseView {
  const g = r.grant.value!;
  const l = r.live.value;
  return { name, holder: g.holder, token: r.grant.modRevision, ttlMs: l?.ttlMs ?? g.ttlMs, acquiredAt: g.acquiredAt, expiresAt: l?.expiresAt ?? g.acquiredAt + g.ttlMs };
}

function heldByOther(name: string, r: LeaseReads): Error {
  const v = view(name, r);
  return refusal('FAILED_PRECONDITION', `lease ${q(name)} is held by ${q(v.holder)} (for ${v.ttlMs} ms from its last renewal, unless renewed or released)`, { name, holder: v.holder, expiresAt: v.expiresAt });
}

/** The lease `name` held by `holder` with `token` (live or expired), or why not: as fleet's `ownLease`. */
async function ownLease(st: RegistryStore, name: string, holder: string, token: number): Promise<LeaseReads> {
  const r = await readLease(st, name);
  if (r.grant.value === undefined) throw notFound('lease', name);
  if (r.grant.value.holder !== holder) throw heldByOther(name, r);
  if (r.grant.modRevision !== token) {
    throw refusal('FAILED_PRECONDITION', `fencing token ${token} is not lease ${q(name)}'s: ${q(holder)} holds it under another token (the one its latest acquire printed)`, { name, holder });
  }
  return r;
}

/** Attaches the live key to a new etcd lease of `ttlMs`, in one transaction with `extra`; revokes the loser's lease. */
async function attach(st: RegistryStore, name: string, r: LeaseReads, ttlMs: number, grant?: StoredGrant): Promise<{ revision: number; live: StoredLive } | undefined> {
  const granted = await st.client.onAnyMember((ep) => st.client.leaseGrant(ep, Math.ceil(ttlMs / 1000)));
  const live: StoredLive = { ttlMs, expiresAt: Date.now() + ttlMs, etcdLease: granted.id };
  const ops = [st.put(liveKey(name), live, granted.id), ...(grant === undefined ? [] : [st.put(grantKey(name), grant)])];
  const c = await st.commit([st.same(grantKey(name), r.grant), st.same(liveKey(name), r.live)], ops);
  const old = c.succeeded ? r.live.value?.etcdLease : granted.id;
  if (old !== undefined) await revoke(st, old);
  return c.succeeded ? { revision: c.revision, live } : undefined;
}

async function revoke(st: RegistryStore, id: string): Promise<void> {
  await st.client.onAnyMember((ep) => st.client.leaseRevoke(ep, id)).catch(() => undefined);
}

/** Grants a free or expired lease with a new token; for its live holder, renews it with the same token. */
export function acquireLease(st: RegistryStore, op: CommandOf<'lease.acquire'>): Promise<Written<'lease.acquire'>> {
  return retry(async () => {
    const r = await readLease(st, op.name);
    if (r.live.value !== undefined && r.grant.value!.holder !== op.holder) throw heldByOther(op.name, r);
    const renewing = r.live.value !== undefined;
    const grant: StoredGrant | undefined = renewing ? undefined : { holder: op.holder, ttlMs: op.ttlMs, acquiredAt: Date.now() };
    const a = await attach(st, op.name, r, op.ttlMs, grant);
    if (a === undefined) return undefined;
    const g = grant ?? r.grant.value!;
    const token = renewing ? r.grant.modRevision : a.revision;
    return { lease: { name: op.name, holder: g.holder, token, ttlMs: op.ttlMs, acquiredAt: g.acquiredAt, expiresAt: a.live.expiresAt }, renewed: renewing, index: a.revision };
  });
}

/** Extends a live lease for its holder; an expired lease must be acquired again (and gets a new token). */
export function renewLease(st: RegistryStore, op: CommandOf<'lease.renew'>): Promise<Written<'lease.renew'>> {
  return retry(async () => {
    const r = await ownLease(st, op.name, op.holder, op.token);
    if (r.live.value === undefined) throw refusal('FAILED_PRECONDITION', `lease ${q(op.name)} expired; acquire it again`, { name: op.name, expiresAt: view(op.name, r).expiresAt });
    const a = await attach(st, op.name, r, op.ttlMs ?? r.live.value.ttlMs);
    return a === undefined ? undefined : { lease: { ...view(op.name, r), ttlMs: a.live.ttlMs, expiresAt: a.live.expiresAt }, index: a.revision };
  });
}

/** Gives a lease back (also once expired, as long as nobody took it since). */
export function releaseLease(st: RegistryStore, op: CommandOf<'lease.release'>): Promise<Written<'lease.release'>> {
  return retry(async () => {
    const r = await ownLease(st, op.name, op.holder, op.token);
    const c = await st.commit([st.same(grantKey(op.name), r.grant), st.same(liveKey(op.name), r.live)], [st.del(grantKey(op.name)), st.del(liveKey(op.name))]);
    if (!c.succeeded) return undefined;
    if (r.live.value !== undefined) await revoke(st, r.live.value.etcdLease);
    return { name: op.name, token: op.token, index: c.revision };
  });
}

/** Leases by name, live or expired, as this client's clock sees them now. */
export async function listLeases(st: RegistryStore): Promise<LeaseStatus[]> {
  const [grants, lives] = await Promise.all([st.scanValues<StoredGrant>(LEASE_GRANTS_DIR), st.scanValues<StoredLive>(LIVE_LEASES_DIR)]);
  const live = new Map(lives.map((l) => [l.name, l]));
  const now = Date.now();
  return grants.map((g) => {
    const l = live.get(g.name);
    const v = view(decodeURIComponent(g.name), { grant: g, live: l ?? { value: undefined, modRevision: 0 } });
    return { ...v, expired: l === undefined, remainingMs: l === undefined ? 0 : Math.max(0, v.expiresAt - now) };
  });
}
