import { describe, expect, it } from 'vitest';
import { LeaderPath } from '../../../../src/core/server/leader-path.js';
import { createEtcdServices } from '../../../../src/core/server/etcd-api/etcd-kv-service.js';
import { createEtcdWatchService } from '../../../../src/core/server/etcd-api/etcd-watch-service.js';
import { createEtcdLockServices } from '../../../../src/core/server/etcd-api/etcd-lock-service.js';
import { ETCD_OPEN_RPCS, ETCD_RPC_ROLES, RPC_ROLES, rpcName, rpcRequirement } from '../../../../src/core/server/guard/rpc-roles.js';
import { credentials } from '@grpc/grpc-js';

/** Every etcd method a member serves, by path, from the handlers it registers. */
function servedEtcdPaths(): string[] {
  const node = { id: 'n1' } as never;
  const s = createEtcdServices(node, { auth: {}, clusterId: () => undefined, forward: new LeaderPath({ credentials: credentials.createInsecure() }), version: '3.4.0' });
  const watch = createEtcdWatchService(node, { auth: {}, clusterId: () => undefined });
  const recipes = createEtcdLockServices(node, { auth: {}, header: s.header, invoke: s.invoke });
  const services = { 'etcdserverpb.KV': s.kv, 'etcdserverpb.Lease': s.lease, 'etcdserverpb.Maintenance': s.maintenance, 'etcdserverpb.Cluster': s.cluster, 'etcdserverpb.Auth': s.auth, 'etcdserverpb.Watch': watch, 'v3lockpb.Lock': recipes.lock, 'v3electionpb.Election': recipes.election };
  s.close();
  return Object.entries(services).flatMap(([service, handlers]) => Object.keys(handlers).map((m) => `/${service}/${m}`)).sort();
}

describe('the etcd API in the RPC role table', () => {
  it('names exactly the etcd methods a member serves, apart from the open Authenticate', () => {
    expect([...Object.keys(ETCD_RPC_ROLES), ...ETCD_OPEN_RPCS].sort()).toEqual(servedEtcdPaths());
    expect(rpcRequirement('/etcdserverpb.Auth/Authenticate')).toBeUndefined();
  });

  it('asks read for reads, writer for writes and admin for compaction; an etcd method it does not name needs admin', () => {
    expect(rpcRequirement('/etcdserverpb.KV/Range')).toBe('read');
    expect(rpcRequirement('/etcdserverpb.Watch/Watch')).toBe('read');
    expect(rpcRequirement('/etcdserverpb.KV/Put')).toBe('writer');
    expect(rpcRequirement('/etcdserverpb.Lease/LeaseKeepAlive')).toBe('writer');
    expect(rpcRequirement('/etcdserverpb.KV/Compact')).toBe('admin');
    expect(rpcRequirement('/etcdserverpb.Maintenance/Defragment')).toBe('admin');
    expect(rpcRequirement('/v3lockpb.Lock/Lock')).toBe('writer');
    expect(rpcRequirement('/v3electionpb.Election/Observe')).toBe('read');
    expect(rpcRequirement('/v3electionpb.Election/Unknown')).toBe('admin');
    expect(rpcName('/etcdserverpb.KV/Put')).toBe('etcdserverpb.KV.Put');
    expect(rpcName('/fleet.v1.Admin/AddMember')).toBe('Admin.AddMember');
  });

  it('keeps the fleet.v1 table to fleet.v1 methods', () => {
    expect(Object.keys(RPC_ROLES).every((p) => p.startsWith('/fleet.v1.'))).toBe(true);
  });
});
