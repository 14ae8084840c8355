/**
 * The paths of etcd 3.4's HTTP gateway (the `google.api.http` options of its rpc.proto,
 * v3lock.proto and v3election.proto), each to the gRPC method it calls. A path whose method
 * fleet does not serve still routes: the call answers Unimplemented, as a gRPC client hears it.
 */

/** How a method streams, as the gateway carries it over HTTP/1.1. */
export type RouteKind = 'unary' | 'server' | 'bidi';

export interface Route {
  /** The gRPC service, with its package (`etcdserverpb.KV`). */
  readonly service: string;
  readonly method: string;
  readonly kind: RouteKind;
}

const KV = 'etcdserverpb.KV';
const LEASE = 'etcdserverpb.Lease';
const CLUSTER = 'etcdserverpb.Cluster';
const MAINTENANCE = 'etcdserverpb.Maintenance';
const AUTH = 'etcdserverpb.Auth';

const unary = (service: string, method: string): Route => ({ service, method, kind: 'unary' });

/** Every path under /v3, as etcd 3.4 maps it. */
const PATHS: Readonly<Record<string, Route>> = {
  '/v3/kv/range': unary(KV, 'Range'),
  '/v3/kv/put': unary(KV, 'Put'),
  '/v3/kv/deleterange': unary(KV, 'DeleteRange'),
  '/v3/kv/txn': unary(KV, 'Txn'),
  '/v3/kv/compaction': unary(KV, 'Compact'),
  '/v3/watch': { service: 'etcdserverpb.Watch', method: 'Watch', kind: 'bidi' },
  '/v3/lease/grant': unary(LEASE, 'LeaseGrant'),
  '/v3/lease/revoke': unary(LEASE, 'LeaseRevoke'),
  '/v3/kv/lease/revoke': unary(LEASE, 'LeaseRevoke'),
  '/v3/lease/keepalive': { service: LEASE, method: 'LeaseKeepAlive', kind: 'bidi' },
  '/v3/lease/timetolive': unary(LEASE, 'LeaseTimeToLive'),
  '/v3/kv/lease/timetolive': unary(LEASE, 'LeaseTimeToLive'),
  '/v3/lease/leases': unary(LEASE, 'LeaseLeases'),
  '/v3/kv/lease/leases': unary(LEASE, 'LeaseLeases'),
  '/v3/cluster/member/add': unary(CLUSTER, 'MemberAdd'),
  '/v3/cluster/member/remove': unary(CLUSTER, 'MemberRemove'),
  '/v3/cluster/member/update': unary(CLUSTER, 'MemberUpdate'),
  '/v3/cluster/member/list': unary(CLUSTER, 'MemberList'),
  '/v3/cluster/member/promote': unary(CLUSTER, 'MemberPromote'),
  '/v3/maintenance/alarm': unary(MAINTENANCE, 'Alarm'),
  '/v3/maintenance/status': unary(MAINTENANCE, 'Status'),
  '/v3/maintenance/defragment': unary(MAINTENANCE, 'Defragment'),
  // etcd declares Hash and HashKV on this one path; its gateway serves Hash.
  '/v3/maintenance/hash': unary(MAINTENANCE, 'Hash'),
  '/v3/maintenance/snapshot': { service: MAINTENANCE, method: 'Snapshot', kind: 'server' },
  '/v3/maintenance/transfer-leadership': unary(MAINTENANCE, 'MoveLeader'),
  '/v3/auth/enable': unary(AUTH, 'AuthEnable'),
  '/v3/auth/disable': unary(AUTH, 'AuthDisable'),
  '/v3/auth/authenticate': unary(AUTH, 'Authenticate'),
  '/v3/auth/user/add': unary(AUTH, 'UserAdd'),
  '/v3/auth/user/get': unary(AUTH, 'UserGet'),
  '/v3/auth/user/list': unary(AUTH, 'UserList'),
  '/v3/auth/user/delete': unary(AUTH, 'UserDelete'),
  '/v3/auth/user/changepw': unary(AUTH, 'UserChangePassword'),
  '/v3/auth/user/grant': unary(AUTH, 'UserGrantRole'),
  '/v3/auth/user/revoke': unary(AUTH, 'UserRevokeRole'),
  '/v3/auth/role/add': unary(AUTH, 'RoleAdd'),
  '/v3/auth/role/get': unary(AUTH, 'RoleGet'),
  '/v3/auth/role/list': unary(AUTH, 'RoleList'),
  '/v3/auth/role/delete': unary(AUTH, 'RoleDelete'),
  '/v3/auth/role/grant': unary(AUTH, 'RoleGrantPermission'),
  '/v3/auth/role/revoke': unary(AUTH, 'RoleRevokePermission'),
  '/v3/lock/lock': unary('v3lockpb.Lock', 'Lock'),
  '/v3/lock/unlock': unary('v3lockpb.Lock', 'Unlock'),
  '/v3/election/campaign': unary('v3electionpb.Election', 'Campaign'),
  '/v3/election/proclaim': unary('v3electionpb.Election', 'Proclaim'),
  '/v3/election/leader': unary('v3electionpb.Election', 'Leader'),
  '/v3/election/observe': { service: 'v3electionpb.Election', method: 'Observe', kind: 'server' },
  '/v3/election/resign': unary('v3electionpb.Election', 'Resign'),
};

/** The route of a request path; etcd 3.4 also serves every path under the older /v3beta. */
export function routeOf(path: string): Route | undefined {
  const v3 = path.startsWith('/v3beta/') ? `/v3/${path.slice('/v3beta/'.length)}` : path;
  return Object.hasOwn(PATHS, v3) ? PATHS[v3] : undefined;
}

/** Whether `path` is the gateway's (an unknown one there answers grpc-gateway's JSON-less 404, else Go's). */
export function isGatewayPath(path: string): boolean {
  return path.startsWith('/v3/') || path.startsWith('/v3beta/');
}
