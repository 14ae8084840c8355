/**
 * The role every RPC of fleet.v1 needs: one table, read by the pre-decode interceptor
 * (pre-auth.ts, before a message is read) and by every handler (auth.ts, `authorizeCall`), and
 * documented in docs/security.md. A test checks that the table names exactly the methods of the
 * service definitions, so a new RPC cannot be forgotten.
 *
 * `peer`: members only, with the peer secret or a member certificate (peer-auth.ts). Services
 * outside fleet.v1 (gRPC health, server reflection) need no credentials; a fleet.v1 method
 * missing from the table is refused as if it needed admin.
 */
import type { Role } from '../../../common/roles.js';
import { ADMIN_OPERATIONS, ADMIN_OP_NAMES, adminPath } from '../../../proto/admin-operations.js';

/** What a call needs: a token of a role, or a member's peer credentials. */
export type RpcRequirement = Role | 'peer';

/** fleet.v1.Admin's rows, from its operations' table (src/proto/admin-operations.ts). */
function adminRoles(): Readonly<Record<string, Role>> {
  return Object.fromEntries(ADMIN_OP_NAMES.map((name) => [adminPath(name), ADMIN_OPERATIONS[name].role]));
}

/**
 * Every RPC by its path. The two that carry registry writes (`Write`, and `Session` where a
 * token that reads may also send writes) check each write's own role once it is decoded
 * (COMMAND_ROLES in src/common/roles.ts): bulk destructive writes need admin.
 */
export const RPC_ROLES: Readonly<Record<string, RpcRequirement>> = {
  // fleet.v1.Fleet: the client API.
  '/fleet.v1.Fleet/Status': 'read',
  '/fleet.v1.Fleet/Read': 'read',
  '/fleet.v1.Fleet/Watch': 'read',
  '/fleet.v1.Fleet/Session': 'read',
  '/fleet.v1.Fleet/Write': 'writer',
  // An embedding application's command (fleet/embed): a write to its state machine.
  '/fleet.v1.Fleet/Submit': 'writer',
  // fleet.v1.Admin: members, leadership, snapshots, autopilot, the audit log (its table's roles).
  ...adminRoles(),
  // fleet.v1.Drills: fault injection.
  '/fleet.v1.Drills/Drill': 'admin',
  // fleet.v1.Peer: Raft between members.
  '/fleet.v1.Peer/Replicate': 'peer',
  '/fleet.v1.Peer/InstallSnapshot': 'peer',
};

/**
 * The etcd v3 API every member serves (etcd-kv-service.ts), apart from RPC_ROLES, whose keys are
 * exactly fleet.v1's methods: reads `read`, writes `writer`, compaction `admin`. A method of
 * etcdserverpb missing here is refused as if it needed admin.
 */
export const ETCD_RPC_ROLES = {
  '/etcdserverpb.KV/Range': 'read',
  '/etcdserverpb.KV/Put': 'writer',
  '/etcdserverpb.KV/DeleteRange': 'writer',
  // A txn may write; one without writes is still judged as one that may.
  '/etcdserverpb.KV/Txn': 'writer',
  '/etcdserverpb.KV/Compact': 'admin',
  '/etcdserverpb.Lease/LeaseGrant': 'writer',
  '/etcdserverpb.Lease/LeaseRevoke': 'writer',
  '/etcdserverpb.Lease/LeaseKeepAlive': 'writer',
  '/etcdserverpb.Lease/LeaseTimeToLive': 'read',
  '/etcdserverpb.Lease/LeaseLeases': 'read',
  '/etcdserverpb.Watch/Watch': 'read',
  '/etcdserverpb.Maintenance/MoveLeader': 'admin',
  // As etcd's: maintenance beyond Status and Alarm needs the admin (its root) role.
  '/etcdserverpb.Maintenance/Defragment': 'admin',
  '/etcdserverpb.Maintenance/Hash': 'admin',
  '/etcdserverpb.Maintenance/HashKV': 'admin',
  '/etcdserverpb.Maintenance/Snapshot': 'admin',
  // Membership changes, as fleet.v1's AddMember, PromoteMember and RemoveMember (etcd-cluster-service.ts).
  '/etcdserverpb.Cluster/MemberAdd': 'admin',
  '/etcdserverpb.Cluster/MemberRemove': 'admin',
  '/etcdserverpb.Cluster/MemberUpdate': 'admin',
  '/etcdserverpb.Cluster/MemberPromote': 'admin',
  // etcd's Auth service (etcd-auth-service.ts): management is root's, as etcd's (a fleet admin token
  // acts as root); a user may read itself and the roles it holds, checked by the handler.
  '/etcdserverpb.Auth/AuthEnable': 'admin',
  '/etcdserverpb.Auth/AuthDisable': 'admin',
  '/etcdserverpb.Auth/UserAdd': 'admin',
  '/etcdserverpb.Auth/UserGet': 'read',
  '/etcdserverpb.Auth/UserList': 'admin',
  '/etcdserverpb.Auth/UserDelete': 'admin',
  '/etcdserverpb.Auth/UserChangePassword': 'admin',
  '/etcdserverpb.Auth/UserGrantRole': 'admin',
  '/etcdserverpb.Auth/UserRevokeRole': 'admin',
  '/etcdserverpb.Auth/RoleAdd': 'admin',
  '/etcdserverpb.Auth/RoleGet': 'read',
  '/etcdserverpb.Auth/RoleList': 'admin',
  '/etcdserverpb.Auth/RoleDelete': 'admin',
  '/etcdserverpb.Auth/RoleGrantPermission': 'admin',
  '/etcdserverpb.Auth/RoleRevokePermission': 'admin',
  // etcd's Lock and Election services (etcd-lock-service.ts): they write as KV and Lease calls do.
  '/v3lockpb.Lock/Lock': 'writer',
  '/v3lockpb.Lock/Unlock': 'writer',
  '/v3electionpb.Election/Campaign': 'writer',
  '/v3electionpb.Election/Proclaim': 'writer',
  '/v3electionpb.Election/Resign': 'writer',
  '/v3electionpb.Election/Leader': 'read',
  '/v3electionpb.Election/Observe': 'read',
} as const satisfies Readonly<Record<string, RpcRequirement>>;

/**
 * etcd methods any caller may make: `Authenticate` is how an etcd client turns a user name and a
 * password (a fleet token) into the token its later calls carry, so it cannot need one; etcd 3.4
 * checks no credentials on `MemberList`, `Status` or `Alarm` either (etcdctl's `--cluster` and
 * `endpoint status` ask them without the user's). Raising or clearing an alarm still needs admin:
 * the Alarm handler checks it for every action but listing.
 */
export const ETCD_OPEN_RPCS: readonly string[] = ['/etcdserverpb.Auth/Authenticate', '/etcdserverpb.Cluster/MemberList', '/etcdserverpb.Maintenance/Status', '/etcdserverpb.Maintenance/Alarm'];

/** The package whose methods must all be in the table. */
const FLEET_PACKAGE = '/fleet.v1.';
const ETCD_PACKAGES = ['/etcdserverpb.', '/v3lockpb.', '/v3electionpb.'];

/** Whether `path` is a method of etcd's API, whose refusals are etcd's own errors. */
export function isEtcdPath(path: string): boolean {
  return ETCD_PACKAGES.some((p) => path.startsWith(p));
}

/** What the call at `path` (`/fleet.v1.Fleet/Write`) needs; undefined for services outside fleet.v1 and etcd's API, and for etcd's open methods. */
export function rpcRequirement(path: string): RpcRequirement | undefined {
  const known: RpcRequirement | undefined = RPC_ROLES[path] ?? (ETCD_RPC_ROLES as Readonly<Record<string, RpcRequirement>>)[path];
  if (known !== undefined) return known;
  if (ETCD_OPEN_RPCS.includes(path)) return undefined;
  return path.startsWith(FLEET_PACKAGE) || isEtcdPath(path) ? 'admin' : undefined;
}

/** `/fleet.v1.Admin/AddMember` → `Admin.AddMember` (`/etcdserverpb.KV/Put` → `etcdserverpb.KV.Put`): how a refusal names the call. */
export function rpcName(path: string): string {
  return path.replace(FLEET_PACKAGE, '').replace(/^\//, '').replace('/', '.');
}
