/**
 * Roles: what a token may do. Three, each granting what the one before it grants (etcd's RBAC is
 * the anchor, without its key-prefix permissions: see docs/security.md):
 *
 * - `read`: status, reads, listings, watches; nothing that changes anything;
 * - `writer`: the registry's and the KV's writes, one at a time;
 * - `admin`: everything, including bulk destructive writes (prune, force remove, plan progress),
 *   membership, leadership, snapshots, autopilot, drills and the audit log.
 *
 * Which RPC needs which role is one table in src/core/server/guard/rpc-roles.ts; which registry write
 * needs which role is `COMMAND_ROLES` here, where the state machine sees it too (its audit log
 * keeps admin entries apart from the high-volume ones).
 */
import type { ClientCommandType } from './registry/registry-operations.js';
import type { Command } from './registry/registry-commands.js';

/** A token's role. */
export type Role = 'read' | 'writer' | 'admin';

/** Every role, least first: a role grants what every role before it grants. */
export const ROLES: readonly Role[] = ['read', 'writer', 'admin'];

/** Whether a token of role `held` may do what needs `needed`. */
export function grants(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** The role a write needs: a role, or one role plain and another with `force` set. */
export type CommandRole = Role | { readonly plain: Role; readonly forced: Role };

/**
 * The role each registry write needs. Bulk destructive writes need admin: a prune forgets every
 * stale cluster at once, a forced shard removal unbinds all of its clusters, and plan progress
 * is what status and top show operators as a rebind under way (a writer could spoof it).
 */
export const COMMAND_ROLES = {
  'shard.register': 'writer',
  'shard.update': 'writer',
  'shard.setState': 'writer',
  'shard.remove': { plain: 'writer', forced: 'admin' },
  'shard.heartbeat': 'writer',
  'cluster.contact': 'writer',
  'cluster.rebind': 'writer',
  'cluster.rebindBatch': 'writer',
  'cluster.unbind': 'writer',
  'cluster.heartbeat': 'writer',
  'cluster.prune': 'admin',
  'domain.assign': 'writer',
  'domain.unassign': 'writer',
  'quota.set': 'writer',
  'quota.remove': 'writer',
  'provider.add': 'writer',
  'provider.remove': 'writer',
  'lease.acquire': 'writer',
  'lease.renew': 'writer',
  'lease.release': 'writer',
  'kv.put': 'writer',
  'kv.delete': 'writer',
  'kv.cas': 'writer',
  'plan.progress': 'admin',
} as const satisfies Readonly<Record<ClientCommandType, CommandRole>>;

/**
 * The role `op` needs. Writes only members propose (`lease.expire`, `audit.record`) need admin:
 * no client sends them, and the audit log counts a change recorded by a member as an admin one.
 */
export function commandRole(op: Pick<Command, 'type'> & { readonly force?: unknown }): Role {
  const declared: CommandRole | undefined = (COMMAND_ROLES as Readonly<Record<string, CommandRole>>)[op.type];
  if (declared === undefined) return 'admin';
  if (typeof declared === 'string') return declared;
  return op.force === true ? declared.forced : declared.plain;
}

/** What a refusal says: what was asked, the role it needs, and the role the token has. */
export function roleRefusal(what: string, needed: Role, held: Role, tokenName: string): string {
  const hint = needed === 'admin' ? 'use the admin token (--token, or a context with an admin token file)' : 'use a token of that role (--token or FLEET_TOKEN)';
  return `${what} needs the ${needed} role; the token presented (${tokenName}) has the ${held} role: ${hint}`;
}
