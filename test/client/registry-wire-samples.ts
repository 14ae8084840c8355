/**
 * One representative of every registry write and of every answer, for the wire golden test
 * (registry-wire-golden.test.ts): the bytes they encode to are recorded there, so any change of
 * the wire format of a registry operation fails it. Several commands appear more than once to
 * cover absent optionals, a null `from`, empty labels and the kv.cas rules.
 */
import type { Command as ClientCommand, CommandResults as ClientResults, CommandType as ClientType } from '../../src/client/types.js';
import type { ClusterView, Command as CoreCommand, CommandType as CoreType, KvMeta, LeaseView, PlanView, ResultOf, ShardView } from '../../src/core/fleet/index.js';

/** A command as the client sends it, and the command the member decodes from it. */
export interface CommandSample {
  readonly name: string;
  readonly sent: ClientCommand;
  readonly decoded: CoreCommand;
}

export const COMMAND_SAMPLES: readonly CommandSample[] = [
  {
    name: 'shard.register',
    sent: { type: 'shard.register', id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'eu-1a', capacity: 40, labels: { disk: 'ssd', tier: 'gold' } },
    decoded: { type: 'shard.register', id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'eu-1a', capacity: 40, labels: { disk: 'ssd', tier: 'gold' } },
  },
  {
    name: 'shard.register without labels',
    sent: { type: 'shard.register', id: 's2', address: 'h:1', region: 'eu', zone: 'eu-1b', capacity: 0 },
    decoded: { type: 'shard.register', id: 's2', address: 'h:1', region: 'eu', zone: 'eu-1b', capacity: 0, labels: {} },
  },
  {
    name: 'shard.update',
    sent: { type: 'shard.update', id: 's1', address: 'h:2', region: 'us', zone: 'us-1b', capacity: 7, labels: { a: 'b' } },
    decoded: { type: 'shard.update', id: 's1', address: 'h:2', region: 'us', zone: 'us-1b', capacity: 7, labels: { a: 'b' } },
  },
  {
    name: 'shard.update of one field',
    sent: { type: 'shard.update', id: 's1', capacity: 0 },
    decoded: { type: 'shard.update', id: 's1', capacity: 0 },
  },
  {
    name: 'shard.update clearing the labels',
    sent: { type: 'shard.update', id: 's1', labels: {} },
    decoded: { type: 'shard.update', id: 's1', labels: {} },
  },
  { name: 'shard.setState', sent: { type: 'shard.setState', id: 's1', state: 'draining' }, decoded: { type: 'shard.setState', id: 's1', state: 'draining' } },
  { name: 'shard.remove', sent: { type: 'shard.remove', id: 's1', force: true }, decoded: { type: 'shard.remove', id: 's1', force: true } },
  { name: 'shard.remove without force', sent: { type: 'shard.remove', id: 's1' }, decoded: { type: 'shard.remove', id: 's1', force: false } },
  { name: 'shard.heartbeat', sent: { type: 'shard.heartbeat', id: 's1' }, decoded: { type: 'shard.heartbeat', id: 's1' } },
  { name: 'cluster.contact', sent: { type: 'cluster.contact', cluster: 'c1', shard: 's1' }, decoded: { type: 'cluster.contact', cluster: 'c1', shard: 's1' } },
  {
    name: 'cluster.rebind',
    sent: { type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2', force: true },
    decoded: { type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's2', force: true },
  },
  {
    name: 'cluster.rebind from unbound',
    sent: { type: 'cluster.rebind', cluster: 'c1', from: null, to: 's2' },
    decoded: { type: 'cluster.rebind', cluster: 'c1', from: null, to: 's2', force: false },
  },
  {
    name: 'cluster.rebindBatch',
    sent: { type: 'cluster.rebindBatch', moves: [{ cluster: 'c1', from: 's1', to: 's2' }, { cluster: 'c2', from: null, to: 's3' }], force: true, planId: 'p1' },
    decoded: { type: 'cluster.rebindBatch', moves: [{ cluster: 'c1', from: 's1', to: 's2' }, { cluster: 'c2', from: null, to: 's3' }], force: true, planId: 'p1' },
  },
  {
    name: 'cluster.rebindBatch without a plan',
    sent: { type: 'cluster.rebindBatch', moves: [{ cluster: 'c1', from: 's1', to: 's2' }] },
    decoded: { type: 'cluster.rebindBatch', moves: [{ cluster: 'c1', from: 's1', to: 's2' }], force: false },
  },
  { name: 'cluster.unbind', sent: { type: 'cluster.unbind', cluster: 'c1' }, decoded: { type: 'cluster.unbind', cluster: 'c1' } },
  { name: 'cluster.heartbeat', sent: { type: 'cluster.heartbeat', cluster: 'c1' }, decoded: { type: 'cluster.heartbeat', cluster: 'c1' } },
  { name: 'cluster.prune', sent: { type: 'cluster.prune', notSeenSinceMs: 86_400_000 }, decoded: { type: 'cluster.prune', notSeenSinceMs: 86_400_000 } },
  {
    name: 'domain.assign',
    sent: { type: 'domain.assign', key: 'zone', value: 'eu-1a', shard: 's1' },
    decoded: { type: 'domain.assign', key: 'zone', value: 'eu-1a', shard: 's1' },
  },
  { name: 'domain.unassign', sent: { type: 'domain.unassign', key: 'zone', value: 'eu-1a' }, decoded: { type: 'domain.unassign', key: 'zone', value: 'eu-1a' } },
  {
    name: 'quota.set',
    sent: { type: 'quota.set', provider: 'aws', region: 'eu', total: 100, slices: { s1: 60, s2: 40 } },
    decoded: { type: 'quota.set', provider: 'aws', region: 'eu', total: 100, slices: { s1: 60, s2: 40 } },
  },
  { name: 'quota.set without slices', sent: { type: 'quota.set', provider: 'aws', region: 'eu', total: 0, slices: {} }, decoded: { type: 'quota.set', provider: 'aws', region: 'eu', total: 0, slices: {} } },
  { name: 'quota.remove', sent: { type: 'quota.remove', provider: 'aws', region: 'eu' }, decoded: { type: 'quota.remove', provider: 'aws', region: 'eu' } },
  {
    name: 'provider.add',
    sent: { type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' },
    decoded: { type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' },
  },
  { name: 'provider.remove', sent: { type: 'provider.remove', name: 'aws' }, decoded: { type: 'provider.remove', name: 'aws' } },
  {
    name: 'lease.acquire',
    sent: { type: 'lease.acquire', name: 'l1', holder: 'h1', ttlMs: 10_000 },
    decoded: { type: 'lease.acquire', name: 'l1', holder: 'h1', ttlMs: 10_000 },
  },
  {
    name: 'lease.renew',
    sent: { type: 'lease.renew', name: 'l1', holder: 'h1', token: 5, ttlMs: 2_000 },
    decoded: { type: 'lease.renew', name: 'l1', holder: 'h1', token: 5, ttlMs: 2_000 },
  },
  { name: 'lease.renew without ttl', sent: { type: 'lease.renew', name: 'l1', holder: 'h1', token: 5 }, decoded: { type: 'lease.renew', name: 'l1', holder: 'h1', token: 5 } },
  { name: 'lease.release', sent: { type: 'lease.release', name: 'l1', holder: 'h1', token: 5 }, decoded: { type: 'lease.release', name: 'l1', holder: 'h1', token: 5 } },
  { name: 'kv.put', sent: { type: 'kv.put', key: 'k', value: 'v', ns: 'app' }, decoded: { type: 'kv.put', key: 'k', value: 'v', ns: 'app' } },
  { name: 'kv.put default ns', sent: { type: 'kv.put', key: 'k', value: '' }, decoded: { type: 'kv.put', key: 'k', value: '' } },
  { name: 'kv.delete', sent: { type: 'kv.delete', key: 'k', ns: 'app' }, decoded: { type: 'kv.delete', key: 'k', ns: 'app' } },
  { name: 'kv.delete default ns', sent: { type: 'kv.delete', key: 'k' }, decoded: { type: 'kv.delete', key: 'k' } },
  { name: 'kv.cas on a value', sent: { type: 'kv.cas', key: 'k', expected: 'old', value: 'new', ns: 'app' }, decoded: { type: 'kv.cas', key: 'k', expected: 'old', value: 'new', ns: 'app' } },
  { name: 'kv.cas on absence', sent: { type: 'kv.cas', key: 'k', expected: null, value: 'new' }, decoded: { type: 'kv.cas', key: 'k', expected: null, value: 'new' } },
  { name: 'kv.cas on a revision', sent: { type: 'kv.cas', key: 'k', expectRevision: 7, value: 'new' }, decoded: { type: 'kv.cas', key: 'k', expectRevision: 7, value: 'new' } },
  { name: 'kv.cas on revision 0', sent: { type: 'kv.cas', key: 'k', expectRevision: 0, value: 'new' }, decoded: { type: 'kv.cas', key: 'k', expectRevision: 0, value: 'new' } },
  {
    name: 'kv.cas on both',
    sent: { type: 'kv.cas', key: 'k', expected: 'old', expectRevision: 7, value: 'new', ns: 'app' },
    decoded: { type: 'kv.cas', key: 'k', expected: 'old', expectRevision: 7, value: 'new', ns: 'app' },
  },
  {
    name: 'plan.progress',
    sent: { type: 'plan.progress', planId: 'p1', startedBy: 'me@host', done: 3, total: 9, state: 'paused' },
    decoded: { type: 'plan.progress', planId: 'p1', startedBy: 'me@host', done: 3, total: 9, state: 'paused' },
  },
];

/** Every client write type, for the check that each has a sample. */
export const CLIENT_TYPES: readonly ClientType[] = [
  'shard.register', 'shard.update', 'shard.setState', 'shard.remove', 'shard.heartbeat',
  'cluster.contact', 'cluster.rebind', 'cluster.rebindBatch', 'cluster.unbind', 'cluster.heartbeat', 'cluster.prune',
  'domain.assign', 'domain.unassign', 'quota.set', 'quota.remove', 'provider.add', 'provider.remove',
  'lease.acquire', 'lease.renew', 'lease.release', 'kv.put', 'kv.delete', 'kv.cas', 'plan.progress',
];

const shard: ShardView = {
  id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'eu-1a', state: 'cordoned', capacity: 40,
  labels: { disk: 'ssd' }, registeredAt: 1_700_000_000_000, lastHeartbeat: 1_700_000_001_000, boundClusters: 3,
};
const fresh: ShardView = { ...shard, id: 's2', state: 'active', labels: {}, lastHeartbeat: null, boundClusters: 0 };
const bound: ClusterView = { name: 'c1', shard: 's2', generation: 2, boundAtIndex: 41, lastSeen: 1_700_000_002_000 };
const unbound: ClusterView = { name: 'c1', shard: null, generation: 3, boundAtIndex: 44, lastSeen: 1_700_000_003_000 };
const lease: LeaseView = {
  name: 'l1', holder: 'h1', token: 5, ttlMs: 10_000, acquiredAt: 1_700_000_000_000, expiresAt: 1_700_000_010_000,
  renewedIndex: 12, renewedAge: 3_000, expired: false,
};
const kv: KvMeta = { ns: 'app', key: 'k', createRevision: 3, modRevision: 8, version: 2 };
const plan: PlanView = { planId: 'p1', startedBy: 'me@host', done: 3, total: 9, state: 'failed', startedAt: 1_700_000_000_000, updatedAt: 1_700_000_004_000, updatedAtIndex: 77 };

/** The views as the client reads them (the registry's lease has fields the wire does not carry). */
const clientLease = { name: 'l1', holder: 'h1', token: 5, ttlMs: 10_000, acquiredAt: 1_700_000_000_000, expiresAt: 1_700_000_010_000 };

/** An answer as the member gives it, and the result the client reads from it (undefined: clients never read it). */
export interface ResultSample {
  readonly name: string;
  readonly type: CoreType;
  readonly value: ResultOf<CoreType>;
  readonly read: ClientResults[ClientType] | undefined;
}

function sample<T extends CoreType>(name: string, type: T, value: ResultOf<T>, read: ClientResults[ClientType] | undefined): ResultSample {
  return { name, type, value, read };
}

export const RESULT_SAMPLES: readonly ResultSample[] = [
  sample('shard.register', 'shard.register', { shard, created: true }, { shard, created: true }),
  sample('shard.register of a fresh shard', 'shard.register', { shard: fresh, created: false }, { shard: fresh, created: false }),
  sample('shard.update', 'shard.update', { shard }, { shard }),
  sample('shard.setState', 'shard.setState', { shard, previousState: 'draining' }, { shard, previousState: 'draining' }),
  sample('shard.remove', 'shard.remove', { id: 's1', unboundClusters: 2, unassignedDomains: 1, droppedQuotaSlices: 4 }, { id: 's1', unboundClusters: 2, unassignedDomains: 1, droppedQuotaSlices: 4 }),
  sample('shard.heartbeat', 'shard.heartbeat', { id: 's1', lastHeartbeat: 1_700_000_005_000 }, { id: 's1', lastHeartbeat: 1_700_000_005_000 }),
  sample('cluster.contact', 'cluster.contact', { cluster: bound, created: true, bound: true }, { cluster: bound, created: true, bound: true }),
  sample('cluster.rebind', 'cluster.rebind', { cluster: bound, from: 's1' }, { cluster: bound, from: 's1' }),
  sample('cluster.rebind from unbound', 'cluster.rebind', { cluster: bound, from: null }, { cluster: bound, from: null }),
  sample('cluster.rebindBatch', 'cluster.rebindBatch', { moved: 2, planId: 'p1' }, { moved: 2, planId: 'p1' }),
  sample('cluster.rebindBatch without a plan', 'cluster.rebindBatch', { moved: 0, planId: null }, { moved: 0, planId: null }),
  sample('cluster.unbind', 'cluster.unbind', { cluster: unbound, previousShard: 's2' }, { cluster: unbound, previousShard: 's2' }),
  sample('cluster.unbind of an unbound cluster', 'cluster.unbind', { cluster: unbound, previousShard: null }, { cluster: unbound, previousShard: null }),
  sample('cluster.heartbeat', 'cluster.heartbeat', { cluster: 'c1', lastSeen: 1_700_000_006_000 }, { cluster: 'c1', lastSeen: 1_700_000_006_000 }),
  sample('cluster.prune', 'cluster.prune', { pruned: 4 }, { pruned: 4 }),
  sample('domain.assign', 'domain.assign', { domain: { key: 'zone', value: 'eu-1a', shard: 's1', assignedAtIndex: 9 }, previousShard: 's0' }, { domain: { key: 'zone', value: 'eu-1a', shard: 's1', assignedAtIndex: 9 }, previousShard: 's0' }),
  sample('domain.assign first', 'domain.assign', { domain: { key: 'zone', value: 'eu-1a', shard: 's1', assignedAtIndex: 9 }, previousShard: null }, { domain: { key: 'zone', value: 'eu-1a', shard: 's1', assignedAtIndex: 9 }, previousShard: null }),
  sample('domain.unassign', 'domain.unassign', { key: 'zone', value: 'eu-1a', shard: 's1' }, { key: 'zone', value: 'eu-1a', shard: 's1' }),
  sample('quota.set', 'quota.set', { quota: { provider: 'aws', region: 'eu', total: 100, allocated: 90, slices: { s1: 60, s2: 30 } }, created: true }, { quota: { provider: 'aws', region: 'eu', total: 100, allocated: 90, slices: { s1: 60, s2: 30 } }, created: true }),
  sample('quota.remove', 'quota.remove', { provider: 'aws', region: 'eu' }, { provider: 'aws', region: 'eu' }),
  sample('provider.add', 'provider.add', { provider: { name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' }, created: false }, { provider: { name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' }, created: false }),
  sample('provider.remove', 'provider.remove', { name: 'aws' }, { name: 'aws' }),
  sample('lease.acquire', 'lease.acquire', { lease, renewed: true }, { lease: clientLease, renewed: true }),
  sample('lease.renew', 'lease.renew', { lease }, { lease: clientLease }),
  sample('lease.release', 'lease.release', { name: 'l1', token: 5 }, { name: 'l1', token: 5 }),
  sample('lease.expire', 'lease.expire', { name: 'l1', token: 6 }, undefined),
  sample('kv.put', 'kv.put', { kv, revision: 8 }, { kv, revision: 8 }),
  sample('kv.delete', 'kv.delete', { deleted: true, revision: 9 }, { deleted: true, revision: 9 }),
  sample('kv.delete of an absent key', 'kv.delete', { deleted: false, revision: 9 }, { deleted: false, revision: 9 }),
  sample('kv.cas', 'kv.cas', { kv, revision: 8 }, { kv, revision: 8 }),
  sample('plan.progress', 'plan.progress', { plan }, { plan }),
  sample('audit.record', 'audit.record', { op: 'members.add' }, undefined),
];
