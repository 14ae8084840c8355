/**
 * Attacks on the peer port of real members: forged heartbeats at a higher term and forged
 * appends, with no credentials, another cluster's, a client's token, and a member's own
 * credentials speaking for another member; oversized and non-leader snapshots. Each must be
 * refused before anything is stepped (no term, log or leader moves), logged and counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../src/client/index.js';
import { createAuthority, createMemberCert } from '../../src/ops/local-cluster/certs.js';
import { TestCluster } from './cluster.js';
import { appendPut, heartbeat, sendBatch, sendSnapshot, type ForgerCredentials, type Target } from './peer-forger.js';
import { tempDir, waitFor } from './processes.js';

interface View {
  readonly term: number;
  readonly lastIndex: number;
  readonly leader: string;
}

async function views(client: FleetClient): Promise<Map<string, View>> {
  const all = await client.statusAll();
  return new Map(all.flatMap((s) => (s.ok ? [[s.status.id, { term: s.status.term, lastIndex: s.status.lastIndex, leader: s.status.leaderId }] as const] : [])));
}

async function rejections(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^fleet_peer_rejected_total\{reason="([^"]+)"\} (\d+)/gm)) counts.set(m[1]!, Number(m[2]));
  return counts;
}

/** Waits until every member counted `n` more refusals for `reason` than in `before`. */
async function expectCounted(cluster: TestCluster, before: Map<string, Map<string, number>>, reason: string, n: number): Promise<void> {
  for (const m of cluster.members) {
    await waitFor(`${m.id} to count ${n} refusals for ${reason}`, async () => ((await rejections(m.metricsPort!)).get(reason) ?? 0) - (before.get(m.id)?.get(reason) ?? 0) >= n, 10_000);
  }
}

async function counts(cluster: TestCluster): Promise<Map<string, Map<string, number>>> {
  return new Map(await Promise.all(cluster.members.map(async (m) => [m.id, await rejections(m.metricsPort!)] as const)));
}

function target(cluster: TestCluster, id: string): Target {
  const m = cluster.member(id);
  return { id, address: `127.0.0.1:${m.port}`, clusterId: readFileSync(join(m.dataDir, 'cluster-id'), 'utf8').trim() };
}

/** Sends every member a forged heartbeat at term+100 and a forged append, each from `from`; returns the errors. */
async function forgeAll(cluster: TestCluster, before: Map<string, View>, creds: (to: string) => ForgerCredentials, from: string, key: string): Promise<string[]> {
  const errors: string[] = [];
  for (const m of cluster.members) {
    const v = before.get(m.id)!;
    const t = target(cluster, m.id);
    const hb = await sendBatch(t, creds(m.id), from, [heartbeat(from, m.id, v.term + 100, v.lastIndex)]);
    const app = await sendBatch(t, creds(m.id), from, [appendPut(from, m.id, v.term + 100, v.lastIndex, v.term, key)]);
    errors.push(hb?.details ?? 'accepted', app?.details ?? 'accepted');
  }
  return errors;
}

/**
 * Waits until the cluster writes nothing of its own: the leader records the cluster version once
 * it has heard every member (cluster-version.ts), which with mutual TLS came after the test's
 * first look once in CI and moved every member's last index by one, as if an attack had.
 */
async function settled(client: FleetClient): Promise<void> {
  await waitFor('every member to show the cluster version and the same last index', async () => {
    const all = await client.statusAll();
    const st = all.flatMap((s) => (s.ok ? [s.status] : []));
    return st.length === all.length && st.every((s) => s.clusterVersion !== undefined && s.lastIndex === st[0]!.lastIndex && s.appliedIndex === s.lastIndex) ? true : undefined;
  });
}

function expectUnchanged(before: Map<string, View>, after: Map<string, View>): void {
  expect([...after.entries()]).toEqual([...before.entries()]);
}

function vmRssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe('peer authentication with a peer secret (real processes)', () => {
  let cluster: TestCluster;
  let client: FleetClient;
  beforeAll(async () => {
    cluster = await TestCluster.start({ metrics: true, token: 'client-token-0123456789', adminToken: 'admin-token-0123456789', extraArgs: ['--max-snapshot-mb', '8'] });
    client = cluster.client();
    await client.kvPut('before', 'attack');
    await settled(client);
  });
  afterAll(async () => cluster?.destroy());

  it.each([
    ['no credentials', (): ForgerCredentials => ({ claim: 'n9' }), 'no-credentials'],
    ["another cluster's peer secret", (): ForgerCredentials => ({ signAs: { secret: randomBytes(32).toString('hex'), id: 'n9' } }), 'bad-signature'],
    ["a client's valid token", (): ForgerCredentials => ({ claim: 'n9', metadata: { authorization: 'Bearer admin-token-0123456789' } }), 'no-credentials'],
  ])('refuses forged heartbeats and appends with %s, and nothing changes', async (_what, creds, reason) => {
    const before = await views(client);
    const counted = await counts(cluster);
    const leader = [...before.values()][0]!.leader;
    const errors = [...(await forgeAll(cluster, before, creds, 'n9', 'pwned-n9')), ...(await forgeAll(cluster, before, creds, leader, 'pwned-leader'))];
    expect(errors.every((e) => e.includes(`peer refused (${reason})`)), errors.join('\n')).toBe(true);
    await expectCounted(cluster, counted, reason, 4);
    expectUnchanged(before, await views(client));
    expect(await client.kvGet('pwned-n9')).toBeUndefined();
    expect(await client.kvGet('pwned-leader')).toBeUndefined();
    expect(cluster.logs()).toMatch(new RegExp(`"reason":"${reason}".*"msg":"refused a peer"|refused a peer.*${reason}`));
  });

  it('refuses a holder of the secret speaking for a member outside the configuration', async () => {
    const before = await views(client);
    const counted = await counts(cluster);
    const errors = await forgeAll(cluster, before, () => ({ signAs: { secret: cluster.peerSecret!, id: 'n9' } }), 'n9', 'pwned-outsider');
    expect(errors.every((e) => e.includes('peer refused (unknown-member)')), errors.join('\n')).toBe(true);
    await expectCounted(cluster, counted, 'unknown-member', 2);
    expectUnchanged(before, await views(client));
  });

  it('refuses a snapshot from a member that is not the leader, and one over the size limit, without growing', async () => {
    const before = await views(client);
    const leader = [...before.values()][0]!.leader;
    const follower = cluster.members.find((m) => m.id !== leader)!;
    const other = cluster.members.find((m) => m.id !== leader && m.id !== follower.id)!;
    const v = before.get(follower.id)!;
    const t = target(cluster, follower.id);
    const notLeader = await sendSnapshot(t, { signAs: { secret: cluster.peerSecret!, id: other.id } }, other.id, v.term, v.lastIndex + 10, 1 << 20, 1 << 20);
    expect(notLeader?.details).toMatch(/peer refused \(snapshot-not-from-leader\)/);

    const rssBefore = vmRssKb(follower.child!.pid!);
    // 64 MiB against an 8 MiB limit, in the leader's name (a holder of the secret can sign as anyone).
    const tooLarge = await sendSnapshot(t, { signAs: { secret: cluster.peerSecret!, id: leader } }, leader, v.term, v.lastIndex + 10, 64 << 20, 1 << 20);
    expect(tooLarge?.details).toMatch(/peer refused \(snapshot-too-large\)/);
    const grewMb = (vmRssKb(follower.child!.pid!) - rssBefore) / 1024;
    expect(grewMb).toBeLessThan(24);
    const hugeChunk = await sendSnapshot(t, { signAs: { secret: cluster.peerSecret!, id: leader } }, leader, v.term, v.lastIndex + 10, 6 << 20, 6 << 20);
    expect(hugeChunk?.details).toMatch(/peer refused \(snapshot-too-large\)/);
    expectUnchanged(before, await views(client));
    expect(await client.kvGet('before')).toMatchObject({ value: 'attack' });
  });

  it('still replicates, transfers leadership, and adds and removes a member', async () => {
    await client.kvPut('after', 'attacks');
    const leader = await cluster.waitForLeader();
    const to = cluster.members.find((m) => m.id !== leader)!.id;
    await client.transferLeader(to);
    expect(await cluster.waitForLeader()).toBe(to);
    const n4 = await cluster.addJoiner('n4');
    await client.addMember('n4', `127.0.0.1:${n4.port}`, { learner: true });
    cluster.launch(n4);
    await waitFor('n4 to catch up', async () => {
      const s = await client.status(`127.0.0.1:${n4.port}`).catch(() => undefined);
      return s && s.appliedIndex > 0 && s.leaderId === to;
    }, 30_000);
    await client.removeMember('n4');
    await cluster.kill('n4');
    expect(await client.kvGet('after')).toMatchObject({ value: 'attacks' });
  });
});

describe('peer authentication with mutual TLS (real processes)', () => {
  let cluster: TestCluster;
  let client: FleetClient;
  beforeAll(async () => {
    cluster = await TestCluster.start({ metrics: true, peerAuth: 'mtls' });
    client = cluster.client();
    await client.kvPut('before', 'attack');
    await settled(client);
  });
  afterAll(async () => cluster?.destroy());

  it("refuses an operator's certificate and a member's certificate speaking for another member", async () => {
    const before = await views(client);
    const counted = await counts(cluster);
    const tls = cluster.tls!;
    const operator = (to: string): ForgerCredentials => ({ tls: { ca: tls.ca, ...tls.operator, target: to } });
    const errors = await forgeAll(cluster, before, operator, 'n9', 'pwned-operator');
    expect(errors.every((e) => e.includes('peer refused (not-a-member-certificate)')), errors.join('\n')).toBe(true);
    await expectCounted(cluster, counted, 'not-a-member-certificate', 2);

    // n1's own certificate, claiming to be n2 (to n3, n2 and n1 alike).
    const asN1 = (to: string): ForgerCredentials => ({ tls: { ca: tls.ca, ...cluster.certificateOf('n1'), target: to } });
    const mismatched = await forgeAll(cluster, before, asN1, 'n2', 'pwned-n2');
    expect(mismatched.every((e) => e.includes('peer refused (identity-mismatch)')), mismatched.join('\n')).toBe(true);
    await expectCounted(cluster, counted, 'identity-mismatch', 2);
    expectUnchanged(before, await views(client));
    expect(await client.kvGet('pwned-n2')).toBeUndefined();
  });

  it("cannot even connect without a certificate, or with another cluster's CA", async () => {
    const before = await views(client);
    const dir = tempDir('fleet-other-ca-');
    try {
      const otherCa = await createAuthority(dir.path, 'other');
      const otherN1 = await createMemberCert(otherCa, dir.path, 'n1', '127.0.0.1');
      const noCert = await forgeAll(cluster, before, (to) => ({ tls: { ca: cluster.tls!.ca, target: to } }), 'n1', 'pwned-anon');
      const foreign = await forgeAll(cluster, before, (to) => ({ tls: { ca: cluster.tls!.ca, ...otherN1, target: to } }), 'n1', 'pwned-foreign');
      expect([...noCert, ...foreign].some((e) => e === 'accepted')).toBe(false);
      expectUnchanged(before, await views(client));
    } finally {
      dir.cleanup();
    }
  });

  it('elects a new leader when the leader dies, and replicates', async () => {
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const next = await cluster.waitForLeader();
    expect(next).not.toBe(leader);
    await client.kvPut('after', 'failover');
    cluster.restart(leader);
    await cluster.waitForLeader();
    expect(await client.kvGet('after')).toMatchObject({ value: 'failover' });
  });
});
