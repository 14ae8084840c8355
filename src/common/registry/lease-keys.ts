/**
 * Where fleet's leases sit in an etcd keyspace: one layout for both engines, so that `fleet
 * leases` on an etcd cluster and on fleet's own members read and write the same keys, and etcdctl
 * sees them. Under the registry's prefix (`/fleet/` on fleet's members), a lease is two keys:
 *
 *   lease-grants/<name>   the grant: holder, TTL, when granted; never attached to an etcd lease,
 *                         so an expired grant is still known (a renewal of it is refused as
 *                         "expired; acquire it again", a release of it is still allowed). Its
 *                         mod revision is the fencing token: a later grant is written later.
 *   leases/<name>         the live lease, attached to an etcd lease of the TTL: when that lease
 *                         runs out the key goes, and that is the expiry.
 *
 * A name is URI-encoded (%2F for '/'), so that names holding '/' stay one key part.
 */

/** The prefix fleet's members keep their leases under in their own keyspace. */
export const MEMBER_REGISTRY_PREFIX = '/fleet/';
/** The folder of grants, under a registry prefix. */
export const LEASE_GRANTS_DIR = 'lease-grants/';
/** The folder of live leases, under a registry prefix. */
export const LIVE_LEASES_DIR = 'leases/';

/** A lease name as one key part. */
export function leaseKeyPart(name: string): string {
  return encodeURIComponent(name);
}

/** The grant key of lease `name` under `prefix`. */
export function leaseGrantKey(name: string, prefix = MEMBER_REGISTRY_PREFIX): string {
  return `${prefix}${LEASE_GRANTS_DIR}${leaseKeyPart(name)}`;
}

/** The live key of lease `name` under `prefix`. */
export function liveLeaseKey(name: string, prefix = MEMBER_REGISTRY_PREFIX): string {
  return `${prefix}${LIVE_LEASES_DIR}${leaseKeyPart(name)}`;
}

/** The lease name of a grant or live key's last part; undefined for a part no lease name encodes to (an etcd client's key). */
export function leaseNameOf(keyPart: string): string | undefined {
  try {
    const name = decodeURIComponent(keyPart);
    return leaseKeyPart(name) === keyPart ? name : undefined;
  } catch {
    return undefined;
  }
}
