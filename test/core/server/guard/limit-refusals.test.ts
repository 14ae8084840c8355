/**
 * The one counter of limits' refusals (limit-refusals.ts): what it counts, and how etcd's
 * refusals are told apart (by etcd's exact texts, the ones the services send).
 */
import { Metadata, credentials, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ERR_NO_SPACE, ERR_TOO_LARGE, ERR_TOO_MANY_LEASES, ERR_TOO_MANY_OPS } from '../../../../src/core/etcd-store/mvcc.js';
import { AUTH_ERRORS } from '../../../../src/core/etcd-store/auth-store.js';
import { StreamBudget } from '../../../../src/core/server/guard/bounds.js';
import { ETCD_ERRORS, createEtcdServices } from '../../../../src/core/server/etcd-api/etcd-kv-service.js';
import { LeaderPath } from '../../../../src/core/server/leader-path.js';
import { COUNTED_LIMITS, LimitRefusals, etcdErrorLimit, registryErrorLimit } from '../../../../src/core/server/guard/limit-refusals.js';
import { FULL_REGISTRY, LIMITS } from '../../../../src/common/registry/registry-limits.js';
import { FleetStateMachine, encodeCommand, type ApplyResult } from '../../../../src/core/fleet/index.js';

describe('LimitRefusals', () => {
  it('holds every limit from 0 and counts each refusal of one', () => {
    const r = new LimitRefusals();
    expect([...r.counts.keys()]).toEqual([...COUNTED_LIMITS]);
    expect([...r.counts.values()].every((n) => n === 0)).toBe(true);
    r.refused('etcd-leases');
    const count = r.counter('watch-streams');
    count();
    count();
    expect(r.counts.get('etcd-leases')).toBe(1);
    expect(r.counts.get('watch-streams')).toBe(2);
    expect(r.counts.get('etcd-txn-ops')).toBe(0);
  });
});

describe('etcdErrorLimit', () => {
  it("tells a limit's refusal by etcd's text, as the services send it", () => {
    expect(etcdErrorLimit(ERR_TOO_MANY_OPS)).toBe('etcd-txn-ops');
    expect(etcdErrorLimit(ERR_TOO_LARGE)).toBe('etcd-request-bytes');
    expect(etcdErrorLimit(ERR_TOO_MANY_LEASES)).toBe('etcd-leases');
    expect(etcdErrorLimit(ETCD_ERRORS.leaseTtlTooLarge.details)).toBe('etcd-lease-ttl');
    expect(etcdErrorLimit(ETCD_ERRORS.noSpace.details)).toBe('etcd-space-quota');
    expect(etcdErrorLimit(ERR_NO_SPACE)).toBe('etcd-space-quota');
    expect(etcdErrorLimit(AUTH_ERRORS.tooMany)).toBe('etcd-auth-entries');
    expect(etcdErrorLimit('etcdserver: too many requests')).toBe('etcd-auth-checks');
  });

  it('counts no other error', () => {
    for (const e of Object.values(ETCD_ERRORS)) if (e !== ETCD_ERRORS.leaseTtlTooLarge && e !== ETCD_ERRORS.noSpace) expect(etcdErrorLimit(e.details), e.details).toBeUndefined();
    expect(etcdErrorLimit(AUTH_ERRORS.permissionDenied)).toBeUndefined();
    expect(etcdErrorLimit('')).toBeUndefined();
  });
});

describe('registryErrorLimit', () => {
  it("tells each of the registry's refusals for want of room by its text, and nothing else", () => {
    expect(registryErrorLimit(FULL_REGISTRY.shards)).toBe('registry-entries');
    expect(registryErrorLimit(FULL_REGISTRY.clusters)).toBe('registry-entries');
    expect(registryErrorLimit(FULL_REGISTRY.domains)).toBe('registry-entries');
    expect(registryErrorLimit(FULL_REGISTRY.quotas)).toBe('registry-entries');
    expect(registryErrorLimit(FULL_REGISTRY.providers)).toBe('registry-entries');
    expect(registryErrorLimit(FULL_REGISTRY.leases)).toBe('registry-leases');
    expect(registryErrorLimit(FULL_REGISTRY.kvKeys)).toBe('kv-keys');
    expect(registryErrorLimit(FULL_REGISTRY.kvBytes)).toBe('kv-bytes');
    expect(registryErrorLimit('cluster "c1" is already bound to shard "s2"; rebind it explicitly to move it')).toBeUndefined();
  });

  it('is told the texts the state machine answers with', () => {
    const sm = new FleetStateMachine();
    const by = { token: 't', client: 'c' };
    let index = 0;
    const add = (name: string) => sm.apply(++index, encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: 1, by, op: { type: 'provider.add', name, kind: 'k', regions: ['r'], endpoint: 'https://p.example' } })) as ApplyResult;
    for (let i = 0; i < LIMITS.maxProviders; i++) expect(add(`p${i}`).ok).toBe(true);
    const refused = add('one-more');
    expect(refused.ok === false && refused.message).toBe(FULL_REGISTRY.providers);
    expect(refused.ok === false && registryErrorLimit(refused.message)).toBe('registry-entries');
  });
});

describe('StreamBudget', () => {
  it('tells of each refusal, on the member and per address, and of nothing it admits', () => {
    let refused = 0;
    const budget = new StreamBudget('watcher', 2, 1, () => refused++);
    const a = budget.tryOpen('10.0.0.1:1');
    expect('release' in a).toBe(true);
    expect('refusal' in budget.tryOpen('10.0.0.1:2')).toBe(true);
    expect('release' in budget.tryOpen('10.0.0.2:1')).toBe(true);
    expect('refusal' in budget.tryOpen('10.0.0.3:1')).toBe(true);
    expect(refused).toBe(2);
  });
});

/** The etcd services over a member whose store refuses every write with `error`. */
function servicesRefusing(error: string, refusals: LimitRefusals) {
  const node = {
    id: 'n1',
    leadership: () => ({ term: 1, leader: 'n1' }),
    etcdStore: () => ({ alarms: [], approximateBytes: () => 0, revision: 1 }),
    submitEtcd: async () => ({ value: { ok: false, error: { code: 'invalid', message: error } }, index: 1 }),
  } as never;
  return createEtcdServices(node, { auth: {}, clusterId: () => undefined, forward: new LeaderPath({ credentials: credentials.createInsecure() }), version: '3.4.0', limitRefusals: refusals });
}

function grant(services: ReturnType<typeof createEtcdServices>, TTL: string, metadata = new Metadata()): Promise<{ code: number; details: string } | null> {
  return new Promise((resolve) => {
    const handler = services.lease['LeaseGrant'] as (call: object, cb: (err: { code: number; details: string } | null) => void) => void;
    handler({ request: { TTL, ID: '0' }, metadata, getPath: () => '/etcdserverpb.Lease/LeaseGrant' }, (err) => resolve(err));
  });
}

describe("the etcd services' refusals", () => {
  it('are counted where the member answers them: a lease past the cap, a TTL past its limit', async () => {
    const refusals = new LimitRefusals();
    const services = servicesRefusing(ERR_TOO_MANY_LEASES, refusals);
    expect(await grant(services, '60')).toEqual({ code: status.INVALID_ARGUMENT, details: ERR_TOO_MANY_LEASES });
    expect(await grant(services, '100000')).toEqual(ETCD_ERRORS.leaseTtlTooLarge);
    expect(refusals.counts.get('etcd-leases')).toBe(1);
    expect(refusals.counts.get('etcd-lease-ttl')).toBe(1);
    services.close();
  });

  it('are not counted for an error that is no limit of theirs', async () => {
    const refusals = new LimitRefusals();
    const services = servicesRefusing('etcdserver: lease already exists', refusals);
    expect((await grant(services, '60'))?.code).toBe(status.FAILED_PRECONDITION);
    expect([...refusals.counts.values()].every((n) => n === 0)).toBe(true);
    services.close();
  });
});
