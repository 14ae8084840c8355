/**
 * `fleet kv` and `fleet leases` are views of the etcd keyspace (issue 56): on a real three-member
 * cluster, a key written with `fleet kv put` is the etcd key etcdctl reads (same value, same mod
 * revision), a key put with etcdctl is what `fleet kv get` and `kv list` read, and
 * `--expect-revision` compares the mod revision whoever wrote last; a lease is two keys under
 * /fleet/ attached to an etcd lease etcdctl sees, and revoking that lease ends it. The cluster is
 * started here and stopped by pid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { runCli, spawnCli, tempDir, waitFor } from './processes.js';

const etcd = requireEtcd();
let cluster: TestCluster;
const config = tempDir('fleet-kv-keyspace-');

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
  await cluster.waitForLeader();
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  config.cleanup();
});

async function fleet<T>(args: string[]): Promise<T> {
  const r = await runCli([...args, '--endpoints', cluster.endpoints.join(','), '--json'], { FLEET_CONFIG_DIR: config.path });
  if (r.code !== 0) throw new Error(`fleet ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function etcdctl(args: string[]): Promise<string> {
  const r = await runEtcdctl(etcd.etcdctl, ['--endpoints', cluster.endpoints.join(','), ...args]);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} exited ${r.code}: ${r.out}`);
  return r.out;
}

interface EtcdGet {
  kvs?: { key: string; value: string; mod_revision: number; version: number }[];
}
interface KvEntry { key: string; value: string; modRevision: number; version: number }

/** Waits for the registry's mark that the cluster moved `what` into the keyspace (at the data format that says so). */
async function moved(mark: string, what: string): Promise<void> {
  await waitFor(`${what} to move into the keyspace`, async () => ((await fleet<KvEntry | null>(['kv', 'get', mark, '--ns', 'fleet.system']).catch(() => null)) ? true : undefined), 30_000);
}

describe('fleet kv on the etcd keyspace', () => {
  // The members move the KV once the cluster version says they all read data format 5.
  beforeAll(() => moved('kv-in-keyspace', 'the KV'), 40_000);

  it('a fleet kv put is the etcd key etcdctl reads, at the same revision', async () => {
    const put = await fleet<{ revision: number }>(['kv', 'put', 'config/mode', 'blue']);
    const got = JSON.parse(await etcdctl(['get', 'config/mode', '-w', 'json'])) as EtcdGet;
    const kv = got.kvs![0]!;
    expect(Buffer.from(kv.value, 'base64').toString()).toBe('blue');
    expect(kv.mod_revision).toBe(put.revision);
  });

  it('an etcdctl put is what fleet kv get and list read, in its namespace', async () => {
    await etcdctl(['put', 'app1/owner', 'alice']);
    await etcdctl(['put', 'app1/team', 'infra']);
    const owner = await fleet<KvEntry>(['kv', 'get', 'owner', '--ns', 'app1', '--consistency', 'linearizable']);
    expect(owner).toMatchObject({ key: 'owner', value: 'alice', version: 1 });
    const listed = await fleet<{ entries: KvEntry[] }>(['kv', 'list', '--ns', 'app1']);
    expect(listed.entries.map((e) => [e.key, e.value])).toEqual([['owner', 'alice'], ['team', 'infra']]);
  });

  it('--expect-revision is the mod revision, whoever wrote last', async () => {
    const first = await fleet<{ revision: number }>(['kv', 'put', 'lock/owner', 'fleet']);
    await etcdctl(['put', 'lock/owner', 'etcdctl']);
    const stale = await runCli(['kv', 'cas', 'lock/owner', 'fleet-again', '--expect-revision', String(first.revision), '--endpoints', cluster.endpoints.join(',')], { FLEET_CONFIG_DIR: config.path });
    expect(stale.code).toBe(4);
    const now = await fleet<KvEntry>(['kv', 'get', 'lock/owner', '--consistency', 'linearizable']);
    expect(now).toMatchObject({ value: 'etcdctl', version: 2 });
    await fleet(['kv', 'cas', 'lock/owner', 'fleet-again', '--expect-revision', String(now.modRevision)]);
    expect(await etcdctl(['get', 'lock/owner', '--print-value-only'])).toBe('fleet-again\n');
  });

  it('fleet watch hears an etcdctl put and delete in the namespace it watches', async () => {
    const watch = spawnCli(['watch', 'w/', '--ns', 'app2', '--json', '--endpoints', cluster.endpoints.join(',')], { FLEET_CONFIG_DIR: config.path });
    try {
      // The watch starts at the next change: put until it hears one (it may attach after the first put).
      await waitFor('the watch to hear an etcdctl put', async () => {
        await etcdctl(['put', 'app2/w/a', 'from-etcdctl']);
        return watch.output().includes('from-etcdctl') ? true : undefined;
      }, 20_000);
      await etcdctl(['del', 'app2/w/a']);
      const events = await waitFor('the delete', async () => {
        const lines = watch.output().split('\n').filter((l) => l.startsWith('{'));
        const parsed = lines.map((l) => JSON.parse(l) as { ns: string; key: string; type: string });
        return parsed.some((e) => e.type === 'delete') ? parsed : undefined;
      }, 20_000);
      expect(events.at(-1)).toMatchObject({ ns: 'app2', key: 'w/a', type: 'delete' });
      expect(events.every((e) => e.ns === 'app2' && e.key === 'w/a')).toBe(true);
    } finally {
      watch.child.kill();
    }
  });

  it("keeps the member's own settings out of etcd's reach", async () => {
    expect(await etcdctl(['get', 'fleet.system/cluster-version', '--print-value-only'])).toBe('');
  });
});

interface LeaseStatus { name: string; holder: string; token: number; expired: boolean }

describe('fleet leases on the etcd keyspace', () => {
  beforeAll(() => moved('leases-in-keyspace', 'the leases'), 40_000);

  it('a lease is a grant key and a live key attached to an etcd lease, and its token is the grant key’s revision', async () => {
    const { lease } = await fleet<{ lease: { token: number } }>(['leases', 'acquire', 'db/primary', '--holder', 'w1', '--ttl', '30s']);
    const grant = (JSON.parse(await etcdctl(['get', '/fleet/lease-grants/db%2Fprimary', '-w', 'json'])) as EtcdGet).kvs![0]!;
    expect(grant.mod_revision).toBe(lease.token);
    expect(JSON.parse(Buffer.from(grant.value, 'base64').toString())).toMatchObject({ holder: 'w1', ttlMs: 30_000 });
    const live = JSON.parse(await etcdctl(['get', '/fleet/leases/db%2Fprimary', '-w', 'json'])) as { kvs: { lease: number }[] };
    const id = BigInt(live.kvs[0]!.lease).toString(16);
    // etcdctl names the lease in hex; its TTL is the lease's and the grace (whole seconds).
    expect(await etcdctl(['lease', 'timetolive', id])).toMatch(/granted with TTL\(31s\)/);
  });

  it('an etcdctl lease revoke ends it: fleet leases list shows it expired, and another holder takes it with a larger token', async () => {
    const { lease } = await fleet<{ lease: { token: number } }>(['leases', 'acquire', 'revoked', '--holder', 'w1', '--ttl', '30s']);
    const live = JSON.parse(await etcdctl(['get', '/fleet/leases/revoked', '-w', 'json'])) as { kvs: { lease: number }[] };
    await etcdctl(['lease', 'revoke', BigInt(live.kvs[0]!.lease).toString(16)]);
    const listed = await fleet<{ leases: LeaseStatus[] }>(['leases', 'list', '--consistency', 'linearizable']);
    expect(listed.leases.find((l) => l.name === 'revoked')).toMatchObject({ holder: 'w1', token: lease.token, expired: true });
    const next = await fleet<{ lease: { token: number; holder: string } }>(['leases', 'acquire', 'revoked', '--holder', 'w2', '--ttl', '30s']);
    expect(next.lease.holder).toBe('w2');
    expect(next.lease.token).toBeGreaterThan(lease.token);
  });
});
