/**
 * The etcd v3 services a member answers for and their methods, by name and how each streams: the
 * one table both the served API (etcd-api/etcd-wire.ts builds its lazily loaded definitions from
 * it) and the refused one (api-off.ts, a member whose host did not ask for etcd) are made from.
 * test/core/server/etcd-api/etcd-wire.test.ts holds it to proto/etcd.
 */

/** How a method streams: neither way, the server's answers, or both ways. */
export type Streaming = 'unary' | 'server' | 'bidi';

/** The etcd services a member serves (or refuses), by the name etcd-wire.ts gives their definitions. */
export type EtcdServiceName = 'KV' | 'Watch' | 'Maintenance' | 'Cluster' | 'Auth' | 'Lease' | 'Lock' | 'Election';

/** Each etcd service's full name and its methods. */
export const ETCD_METHODS: { readonly [S in EtcdServiceName]: { readonly path: string; readonly methods: Readonly<Record<string, Streaming>> } } = {
  KV: { path: 'etcdserverpb.KV', methods: { Range: 'unary', Put: 'unary', DeleteRange: 'unary', Txn: 'unary', Compact: 'unary' } },
  Watch: { path: 'etcdserverpb.Watch', methods: { Watch: 'bidi' } },
  Maintenance: { path: 'etcdserverpb.Maintenance', methods: { Alarm: 'unary', Status: 'unary', Snapshot: 'server', MoveLeader: 'unary', Defragment: 'unary', Hash: 'unary', HashKV: 'unary' } },
  Cluster: { path: 'etcdserverpb.Cluster', methods: { MemberAdd: 'unary', MemberRemove: 'unary', MemberUpdate: 'unary', MemberList: 'unary', MemberPromote: 'unary' } },
  Auth: {
    path: 'etcdserverpb.Auth',
    methods: {
      AuthEnable: 'unary',
      AuthDisable: 'unary',
      Authenticate: 'unary',
      UserAdd: 'unary',
      UserGet: 'unary',
      UserList: 'unary',
      UserDelete: 'unary',
      UserChangePassword: 'unary',
      UserGrantRole: 'unary',
      UserRevokeRole: 'unary',
      RoleAdd: 'unary',
      RoleGet: 'unary',
      RoleList: 'unary',
      RoleDelete: 'unary',
      RoleGrantPermission: 'unary',
      RoleRevokePermission: 'unary',
    },
  },
  Lease: {
    path: 'etcdserverpb.Lease',
    methods: { LeaseGrant: 'unary', LeaseRevoke: 'unary', LeaseKeepAlive: 'bidi', LeaseTimeToLive: 'unary', LeaseLeases: 'unary' },
  },
  Lock: { path: 'v3lockpb.Lock', methods: { Lock: 'unary', Unlock: 'unary' } },
  Election: { path: 'v3electionpb.Election', methods: { Campaign: 'unary', Proclaim: 'unary', Leader: 'unary', Observe: 'server', Resign: 'unary' } },
};
