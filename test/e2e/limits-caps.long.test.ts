/**
 * The caps on what the keyspaces hold, against a real member each, with their default values
 * (docs/security.md, "Limits"): the write past each is refused with the table's error and counted
 * in `fleet_limit_refusals_total{limit}`. Long: each fills its cap first (100,000 etcd leases,
 * 100,000 fleet leases, 100,000 KV keys, 256 MiB of KV values): 51 s, 45 s, 20 s and 26 s here.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_FRAME_MAX_OPS } from '../../src/common/session-frames.js';
import { ERR_TOO_MANY_LEASES, MAX_LEASES } from '../../src/core/etcd-store/mvcc.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import type { CountedLimit } from '../../src/core/server/guard/limit-refusals.js';
import { loadFleetProto } from '../../src/proto/index.js';
import type * as wire from '../../src/proto/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

/** One member alone, serving metrics; its client address and metrics port. */
async function member(): Promise<{ address: string; metricsPort: number }> {
  cluster = await TestCluster.start({ size: 1, metrics: true });
  const m = cluster.member('n1');
  return { address: `127.0.0.1:${m.port}`, metricsPort: m.metricsPort! };
}

async function refusals(limit: CountedLimit, port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(new RegExp(`^fleet_limit_refusals_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/**
 * Sends `n` writes on one Session stream, `perFrame` a frame (the member reads on as it answers),
 * and resolves with every answer's registry refusal message, '' for a write that passed.
 */
async function writeAll(address: string, n: number, op: (i: number) => wire.WriteRequest, perFrame = SESSION_FRAME_MAX_OPS): Promise<string[]> {
  const client = new (loadFleetProto().fleet.v1.Fleet)(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 << 20 });
  try {
    const stream = client.Session();
    stream.on('error', () => undefined);
    const answers: string[] = [];
    const other: string[] = [];
    stream.on('data', (frame: wire.SessionResponses__Output) => {
      for (const r of frame.responses) {
        if (r.error) other.push(r.error.message);
        else answers.push(r.write?.error?.message ?? '');
      }
    });
    for (let i = 1; i <= n; i += perFrame) stream.write({ requests: Array.from({ length: Math.min(perFrame, n + 1 - i) }, (_, j) => ({ id: i + j, write: op(i + j) })) });
    await waitFor(`${n} writes to be answered`, () => (other.length > 0 ? other : answers.length === n ? answers : undefined), 240_000, 200);
    stream.end();
    expect(other).toEqual([]);
    return answers;
  } finally {
    client.close();
  }
}

/** A session forgets the answers below its first incomplete write: at most 65,536 are kept for one (LIMITS.maxInFlightPerSession). */
const acked = (seq: number): number => Math.max(1, seq - 2 * SESSION_FRAME_MAX_OPS * 4);

describe('the caps of the keyspaces', () => {
  it(`etcd-leases: refuses the etcd lease past ${MAX_LEASES} with etcd's error, and counts it`, async () => {
    const { address, metricsPort } = await member();
    const Lease = loadEtcdDefinitions().Lease as unknown as new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { LeaseGrant(req: object, cb: (e: grpc.ServiceError | null) => void): void };
    const lease = new Lease(address, grpc.credentials.createInsecure());
    const grant = (): Promise<{ code?: number; details?: string }> => new Promise((resolve) => lease.LeaseGrant({ TTL: '600', ID: '0' }, (e) => resolve(e ? { code: e.code, details: e.details } : {})));
    try {
      const before = await refusals('etcd-leases', metricsPort);
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
      expect(await refusals('etcd-leases', metricsPort)).toBe(before + 1);
    } finally {
      lease.close();
    }
  }, 300_000);

  // registry-leases bounds fleet's leases only while they live in the registry: a member of this
  // build keeps them in the keyspace (fleet/lease-book.ts), as etcd leases under the one cap.
  it(`etcd-leases: refuses the fleet lease past ${MAX_LEASES} with etcd's error, as the one lease cap, and counts it`, async () => {
    const { address, metricsPort } = await member();
    const before = await refusals('etcd-leases', metricsPort);
    const answers = await writeAll(address, MAX_LEASES + 1, (i) => ({ clientId: 'leases', seq: i, firstIncomplete: acked(i), leaseAcquire: { name: `l${i}`, holder: 'h', ttlMs: 600_000 } }));
    expect(answers.filter((a) => a !== '')).toEqual([ERR_TOO_MANY_LEASES]);
    expect(await refusals('etcd-leases', metricsPort)).toBe(before + 1);
  }, 300_000);

  // kv-keys and kv-bytes bound fleet's KV only while it lives in the registry: a member of this
  // build moves it into the etcd keyspace at once (fleet/kv-location.ts), where the space quota
  // bounds it (limits-table.test.ts). test/core/fleet/kv.test.ts trips both on the registry.
});
