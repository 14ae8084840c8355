/**
 * Waiting for a lease writes nothing (issue 43): an acquire of a lease another holds is refused
 * by the leader without going into the log or the audit trail; once the lease is free, the next
 * acquire is a write like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClientError } from '../../src/client/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ token: 'client-token-0123456789', adminToken: 'admin-token-0123456789', tokenNames: { token: 'workers' } });
}, 60_000);
afterAll(async () => cluster?.destroy());

async function leaderLastIndex(): Promise<number> {
  const all = await cluster.client().statusAll();
  return all.flatMap((s) => (s.ok && s.status.role === 'leader' ? [s.status.lastIndex] : []))[0]!;
}

describe('a worker waiting for a lease', () => {
  it('is refused without a log entry or an audit entry, as often as it asks, and gets the lease once it is free', async () => {
    const a = cluster.client();
    const b = cluster.client();
    const held = await a.acquireLease('scheduler', 'worker-a', 30_000);
    // Once the leader has recorded the cluster version (its own entry, soon after the cluster forms), the log is the test's alone.
    await waitFor('the cluster version recorded', async () => ((await cluster.client().statusAll()).some((s) => s.ok && s.status.role === 'leader' && s.status.clusterVersion !== undefined) ? true : undefined), 20_000);
    const before = await leaderLastIndex();
    for (let i = 0; i < 50; i++) {
      const err = await b.acquireLease('scheduler', 'worker-b', 30_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FleetClientError);
      expect((err as FleetClientError).kind).toBe('precondition');
      expect((err as FleetClientError).message).toMatch(/lease "scheduler" is held by "worker-a"/);
    }
    expect(await leaderLastIndex()).toBe(before);
    const admin = cluster.client({ token: 'admin-token-0123456789' });
    const audit = await admin.audit({});
    expect(audit.filter((e) => e.op === 'lease.acquire' && e.outcome !== 'ok')).toEqual([]);
    // Free again: the next acquire goes through the log, with a larger fencing token.
    await a.releaseLease('scheduler', 'worker-a', held.lease.token);
    const taken = await b.acquireLease('scheduler', 'worker-b', 30_000);
    expect(taken.lease.token).toBeGreaterThan(held.lease.token);
    expect(taken.index).toBeGreaterThan(before);
  }, 60_000);
});
