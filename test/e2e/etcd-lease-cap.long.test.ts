/**
 * The etcd keyspace's cap on live leases (MAX_LEASES, 100,000; issue 56: 18,884 leases with TTLs
 * up to 9e9 s held a leader at half a core) against a real member: the grant past it is refused
 * with the error docs/security.md's Limits table gives, and counted in
 * `fleet_limit_refusals_total{limit="etcd-leases"}`. Long: it grants 100,000 leases first.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERR_TOO_MANY_LEASES, MAX_LEASES } from '../../src/core/etcd-store/mvcc.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-wire.js';
import { TestCluster } from './cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1, metrics: true });
}, 60_000);
afterAll(async () => cluster?.destroy());

type Grant = (req: object, cb: (e: grpc.ServiceError | null, res?: { ID: string }) => void) => void;

async function leaseRefusals(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^fleet_limit_refusals_total\{limit="etcd-leases"\} (\d+)$/m.exec(text)?.[1] ?? NaN);
}

describe('the cap on live etcd leases', () => {
  it(`refuses the grant past ${MAX_LEASES} with etcd's error, and counts it`, async () => {
    const m = cluster.member('n1');
    const Lease = loadEtcdDefinitions().Lease as unknown as new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { LeaseGrant: Grant };
    const lease = new Lease(`127.0.0.1:${m.port}`, grpc.credentials.createInsecure());
    const grant = (): Promise<{ code?: number; details?: string }> => new Promise((resolve) => lease.LeaseGrant({ TTL: '600', ID: '0' }, (e) => resolve(e ? { code: e.code, details: e.details } : {})));
    try {
      const before = await leaseRefusals(m.metricsPort!);
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < MAX_LEASES) {
          next++;
          const a = await grant();
          if (a.code !== undefined) throw new Error(`grant ${next} refused: ${a.details}`);
        }
      };
      await Promise.all(Array.from({ length: 256 }, worker));
      expect(await grant()).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: ERR_TOO_MANY_LEASES });
      expect(await leaseRefusals(m.metricsPort!)).toBe(before + 1);
    } finally {
      lease.close();
    }
  }, 300_000);
});
