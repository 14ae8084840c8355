import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../src/client/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

/** Writes unique keys from `writers` concurrent loops until `stop()`; returns what was acknowledged. */
function writeLoad(client: FleetClient, writers: number) {
  const acked = new Map<string, string>();
  let running = true;
  let n = 0;
  const loops = Array.from({ length: writers }, async (_, w) => {
    while (running) {
      const key = `load/${w}/${n++}`;
      try {
        await client.kvPut(key, `v-${key}`);
        acked.set(key, `v-${key}`);
      } catch {
        // Unacknowledged: it may or may not have applied; only acknowledged writes are checked.
      }
    }
  });
  return {
    acked,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function expectAllPresent(client: FleetClient, acked: Map<string, string>): Promise<void> {
  const missing: string[] = [];
  for (const [key, value] of acked) {
    const got = await client.kvGet(key);
    if (got?.value !== value) missing.push(key);
  }
  expect(missing).toEqual([]);
}

async function leaderOf(c: TestCluster): Promise<string> {
  return c.waitForLeader();
}

describe('coordinator members as real processes', () => {
  it('serves writes and linearizable reads through the client', async () => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    const put = await client.kvPut('hello', 'world');
    expect(put.index).toBeGreaterThan(0);
    expect((await client.kvGet('hello'))?.value).toBe('world');
    await client.registerShard({ id: 's1', address: '10.0.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 10 });
    const bound = await client.contact('c1', 's1');
    expect(bound.cluster.shard).toBe('s1');
    const status = await client.statusAll();
    expect(status.filter((s) => s.ok)).toHaveLength(3);
  });

  it('loses no acknowledged write when the leader is SIGKILLed under load', async () => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    const load = writeLoad(client, 8);
    await waitFor('some acknowledged writes', () => (load.acked.size > 200 ? true : undefined));
    const leader = await leaderOf(cluster);
    await cluster.kill(leader);
    const before = load.acked.size;
    await waitFor('writes acknowledged by the new leader', () => (load.acked.size > before + 200 ? true : undefined), 20_000);
    await load.stop();
    const next = await leaderOf(cluster);
    expect(next).not.toBe(leader);
    await expectAllPresent(client, load.acked);
  }, 90_000);

  it('catches a wiped follower up by snapshot once it is re-seeded as a learner', async () => {
    cluster = await TestCluster.start({ snapshotEvery: 50 });
    const client = cluster.client();
    for (let i = 0; i < 300; i++) await client.kvPut(`k${i}`, `v${i}`);
    const leader = await leaderOf(cluster);
    const follower = cluster.members.find((m) => m.id !== leader)!;
    await cluster.kill(follower.id);
    rmSync(follower.dataDir, { recursive: true, force: true });
    for (let i = 300; i < 400; i++) await client.kvPut(`k${i}`, `v${i}`);
    // A member whose data is gone may not come back as the voter it was (it could vote twice in a
    // term): it is removed, added again as a learner, and starts with --join.
    await client.removeMember(follower.id);
    await client.addMember(follower.id, `127.0.0.1:${follower.port}`, { learner: true });
    mkdirSync(follower.dataDir, { recursive: true });
    follower.joins = true;
    cluster.restart(follower.id);
    const probe = cluster.client({ endpoints: [`127.0.0.1:${follower.port}`] });
    await waitFor('the wiped follower to catch up', async () => {
      const st = await probe.status(`127.0.0.1:${follower.port}`);
      return st.appliedIndex >= (await client.status()).commitIndex - 1 && st.snapshotIndex > 0 ? true : undefined;
    }, 30_000);
    expect((await probe.kvGet('k399', { consistency: { maxStalenessMs: 5_000 } }))?.value).toBe('v399');
    expect(follower.output()).toMatch(/snapshot/i);
  }, 90_000);

  it('lets a member started with --join alone find the founders and catch up', async () => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    for (let i = 0; i < 50; i++) await client.kvPut(`j${i}`, `v${i}`);
    const joiner = await cluster.addJoiner('n4');
    const endpoint = `127.0.0.1:${joiner.port}`;
    await client.addMember('n4', endpoint, { learner: true });
    cluster.launch(joiner);
    const probe = cluster.client({ endpoints: [endpoint] });
    await waitFor('the joined learner to catch up', async () => {
      const st = await probe.status(endpoint).catch(() => undefined);
      return st && st.leaderId && st.appliedIndex >= (await client.status()).commitIndex ? true : undefined;
    }, 30_000);
    // It answers (so it knows where the leader is), and holds the data written before it joined.
    expect((await probe.kvGet('j49', { consistency: { maxStalenessMs: 5_000 } }))?.value).toBe('v49');
    expect(joiner.output()).toMatch(/learned a peer address/);
  }, 90_000);

  it('comes back with every acknowledged write after the whole cluster is SIGKILLed', async () => {
    cluster = await TestCluster.start({ snapshotEvery: 100 });
    const client = cluster.client();
    const load = writeLoad(client, 8);
    await waitFor('acknowledged writes', () => (load.acked.size > 500 ? true : undefined), 30_000);
    await Promise.all(cluster.members.map((m) => cluster!.kill(m.id)));
    await load.stop();
    for (const m of cluster.members) cluster.restart(m.id);
    await cluster.waitForLeader(30_000);
    await expectAllPresent(cluster.client(), load.acked);
  }, 90_000);

  it('truncates a torn log tail on restart and rejoins', async () => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    for (let i = 0; i < 50; i++) await client.kvPut(`t${i}`, `v${i}`);
    const leader = await leaderOf(cluster);
    const follower = cluster.members.find((m) => m.id !== leader)!;
    await cluster.kill(follower.id);
    const walDir = join(follower.dataDir, 'raft', 'wal');
    const last = readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort().at(-1)!;
    const file = join(walDir, last);
    // A torn write: a record header that promises more bytes than follow.
    appendFileSync(file, Buffer.from([0x40, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    expect(statSync(file).size).toBeGreaterThan(0);
    cluster.restart(follower.id);
    await client.kvPut('after', 'corruption');
    const probe = cluster.client({ endpoints: [`127.0.0.1:${follower.port}`] });
    await waitFor('the follower to rejoin', async () => ((await probe.kvGet('after', { consistency: { maxStalenessMs: 5_000 } }))?.value === 'corruption' ? true : undefined), 30_000);
    expect(follower.output()).toMatch(/torn|truncat/i);
  }, 90_000);

  it.each(['follower', 'leader'] as const)('stops on SIGTERM within a few seconds without a quorum (the survivor was the %s), with requests waiting on it', async (role) => {
    cluster = await TestCluster.start();
    const client = cluster.client();
    await client.kvPut('before', 'isolation');
    const leader = await leaderOf(cluster);
    const survivor = cluster.members.find((m) => (m.id === leader) === (role === 'leader'))!;
    for (const m of cluster.members.filter((x) => x !== survivor)) await cluster.kill(m.id);
    // Requests that can never finish (no quorum) are waiting on the survivor when it is told to stop.
    const stuck = cluster.client({ endpoints: [`127.0.0.1:${survivor.port}`], callTimeoutMs: 60_000, overallTimeoutMs: 60_000 });
    void stuck.kvPut('during', 'isolation').catch(() => undefined);
    void stuck.kvGet('before').catch(() => undefined);
    const child = survivor.child!;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const t0 = performance.now();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000))]);
    const tookMs = performance.now() - t0;
    survivor.child = undefined;
    if (code === 'hung') child.kill('SIGKILL');
    expect(code, `SIGTERM took over 15 s\n${cluster.logs()}`).not.toBe('hung');
    expect(tookMs).toBeLessThan(10_000);
  }, 90_000);

  it('refuses requests without the right token', async () => {
    cluster = await TestCluster.start({ token: 'client-secret', adminToken: 'admin-secret' });
    const anonymous = cluster.client({ token: undefined, overallTimeoutMs: 3_000 });
    await expect(anonymous.kvPut('x', 'y')).rejects.toMatchObject({ kind: 'unauthenticated' });
    const plain = cluster.client({ token: 'client-secret' });
    expect((await plain.kvPut('x', 'y')).index).toBeGreaterThan(0);
    await expect(plain.takeSnapshot()).rejects.toMatchObject({ kind: 'permission-denied' });
    const wrong = cluster.client({ token: 'guess', overallTimeoutMs: 3_000 });
    await expect(wrong.kvGet('x')).rejects.toMatchObject({ kind: 'unauthenticated' });
  }, 60_000);
});
