import { afterEach, describe, expect, it } from 'vitest';
import { FleetClient, FleetClientError, exitCodeOf, type FleetClientOptions } from '../../src/client/index.js';
import { FakeNode, closedPortAddress, startServer, startSilentServer, waitFor, type TestServer } from '../core/server/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(node: FakeNode, auth: { token?: string; adminToken?: string } = {}): Promise<TestServer> {
  const s = await startServer(node, auth);
  cleanups.push(() => s.stop());
  return s;
}

function client(opts: FleetClientOptions): FleetClient {
  const c = new FleetClient({ callTimeoutMs: 2000, overallTimeoutMs: 5000, ...opts });
  cleanups.push(() => c.close());
  return c;
}

async function failure(p: Promise<unknown>): Promise<FleetClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FleetClientError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('FleetClient against the client service', () => {
  it('round-trips writes and reads of several command types with typed results', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [address] });

    const reg = await c.registerShard({ id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'eu-1a', capacity: 2, labels: { tier: 'gold' } });
    expect(reg).toMatchObject({ created: true, shard: { id: 's1', state: 'active', labels: { tier: 'gold' }, lastHeartbeat: null, boundClusters: 0 } });
    expect(reg.index).toBeGreaterThan(0);
    await c.registerShard({ id: 's2', address: '10.0.0.2:9000', region: 'eu', zone: 'eu-1b', capacity: 5 });

    const contact = await c.contact('c1', 's1');
    expect(contact).toMatchObject({ created: true, bound: true, cluster: { name: 'c1', shard: 's1', generation: 1 } });
    const moved = await c.rebind('c1', 's1', 's2');
    expect(moved).toMatchObject({ from: 's1', cluster: { shard: 's2', generation: 2 } });
    const unbound = await c.unbind('c1');
    expect(unbound).toMatchObject({ previousShard: 's2', cluster: { shard: null } });
    const batch = await c.rebindBatch([{ cluster: 'c1', from: null, to: 's1' }], { planId: 'p1' });
    expect(batch).toMatchObject({ moved: 1, planId: 'p1' });

    const state = await c.setShardState('s2', 'draining');
    expect(state).toMatchObject({ previousState: 'active', shard: { state: 'draining' } });
    const updated = await c.updateShard('s2', { labels: {} , capacity: 7 });
    expect(updated.shard).toMatchObject({ capacity: 7, labels: {} });

    await c.addProvider({ name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' });
    const quota = await c.setQuota('aws', 'eu', 10, { s1: 4, s2: 3 });
    expect(quota.quota).toEqual({ provider: 'aws', region: 'eu', total: 10, allocated: 7, slices: { s1: 4, s2: 3 } });
    await c.assignDomain('zone', 'eu-1a', 's1');

    const lease = await c.acquireLease('leader-lock', 'me', 10_000);
    expect(lease).toMatchObject({ renewed: false, lease: { holder: 'me', ttlMs: 10_000 } });
    const renewed = await c.renewLease('leader-lock', 'me', lease.lease.token);
    expect(renewed.lease.token).toBe(lease.lease.token);

    const put = await c.kvPut('config/a', 'one', { ns: 'app' });
    expect(put).toMatchObject({ kv: { ns: 'app', key: 'config/a', version: 1 }, revision: 1 });
    const cas = await c.kvCas('config/a', 'one', 'two', { ns: 'app' });
    expect(cas.kv.version).toBe(2);
    await c.reportPlanProgress({ planId: 'p1', startedBy: 'op', done: 1, total: 1, state: 'completed' });

    expect(await c.getShard('s1')).toMatchObject({ id: 's1', boundClusters: 1 });
    expect(await c.getShard('nope')).toBeUndefined();
    expect(await c.getCluster('c1')).toMatchObject({ shard: 's1', generation: 4 });
    expect((await c.listShards()).map((s) => s.id)).toEqual(['s1', 's2']);
    expect(await c.listClusters({ shard: 's1' })).toEqual({ items: [expect.objectContaining({ name: 'c1' })] });
    expect(await c.listDomains()).toEqual([expect.objectContaining({ key: 'zone', value: 'eu-1a', shard: 's1' })]);
    expect((await c.listQuotas())[0]).toMatchObject({ provider: 'aws', allocated: 7 });
    expect((await c.listProviders())[0]).toEqual({ name: 'aws', kind: 'cloud', regions: ['eu', 'us'], endpoint: 'https://aws' });
    expect((await c.listLeases())[0]).toMatchObject({ name: 'leader-lock', expired: false });
    expect(await c.kvGet('config/a', { ns: 'app' })).toMatchObject({ value: 'two', version: 2 });
    expect(await c.kvGet('config/a')).toBeUndefined();
    expect(await c.kvList({ ns: 'app', prefix: 'config/' })).toEqual({ items: [expect.objectContaining({ key: 'config/a', value: 'two' })] });
    expect((await c.listPlans())[0]).toMatchObject({ planId: 'p1', state: 'completed' });
    const counts = await c.counts({ consistency: 'read-your-writes' });
    expect(counts).toMatchObject({ shards: 2, clusters: 1, providers: 1, quotas: 1, leases: 1, kvKeys: 1, sessions: 1 });
    expect(counts.appliedIndex).toBe(c.highestIndex);
    expect(await c.kvDelete('config/a', { ns: 'app' })).toMatchObject({ deleted: true });
    const index = await c.writeAck({ type: 'cluster.heartbeat', cluster: 'c1' });
    expect(index).toBe(c.highestIndex);
  });

  it('surfaces ALREADY_BOUND as a precondition with the current shard in the details, on both transports', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    for (const transport of ['session', 'unary'] as const) {
      const c = client({ endpoints: [address], transport });
      await c.registerShard({ id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'a', capacity: 10 });
      await c.registerShard({ id: 's2', address: '10.0.0.2:9000', region: 'eu', zone: 'b', capacity: 10 });
      await c.contact(`c-${transport}`, 's1');
      const err = await failure(c.contact(`c-${transport}`, 's2'));
      expect(err).toMatchObject({ kind: 'precondition', code: 'ALREADY_BOUND', details: { cluster: `c-${transport}`, currentShard: 's1', generation: 1 } });
      expect(err.index).toBeGreaterThan(0);
      expect(err.message).toMatch(/already bound to shard "s1"/);
      expect(exitCodeOf(err)).toBe(4);
    }
  });

  it('reports CAS failures with typed details (an unbound cluster and an absent key as null)', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [address] });
    await c.registerShard({ id: 's1', address: '10.0.0.1:9000', region: 'eu', zone: 'a', capacity: 10 });
    await c.registerShard({ id: 's2', address: '10.0.0.2:9000', region: 'eu', zone: 'b', capacity: 10 });
    await c.contact('c1', 's1');
    await c.unbind('c1');
    const rebind = await failure(c.rebind('c1', 's1', 's2'));
    expect(rebind).toMatchObject({ kind: 'precondition', code: 'CAS_FAILED', details: { cluster: 'c1', currentShard: null, expectedShard: 's1' } });
    const kv = await failure(c.kvCas('k', 'old', 'new'));
    expect(kv).toMatchObject({ code: 'CAS_FAILED', details: { key: 'k', currentValue: null, currentRevision: null } });
    await c.kvPut('k', 'v1');
    const kv2 = await failure(c.kvCas('k', null, 'new'));
    expect(kv2.details).toMatchObject({ currentValue: 'v1', currentRevision: 1 });
    const missing = await failure(c.contact('c2', 'nope'));
    expect(missing).toMatchObject({ kind: 'not-found', code: 'NOT_FOUND', details: { shard: 'nope' } });
  });

  it('follows a NOT_LEADER hint to the named leader at once', async () => {
    const n2 = await serve(new FakeNode({ id: 'n2', leader: true, term: 3 }));
    // n1 still believes it leads (a stale term) but its node refuses writes and names n2.
    const n1node = new FakeNode({ id: 'n1', leader: true, term: 2 });
    const n1 = await serve(n1node);
    n1node.leader = false;
    n1node.leaderHint = { id: 'n2', address: n2.address };
    n1node.status = () => ({ ...FakeNode.prototype.status.call(n1node), role: 'leader', leaderId: 'n1', leaderAddress: n1.address });

    const c = client({ endpoints: [n1.address], backoffMs: { initial: 2000, max: 2000 } });
    const started = Date.now();
    const put = await c.kvPut('k', 'v');
    expect(Date.now() - started).toBeLessThan(1000); // no back-off before following the hint
    expect(put.kv.key).toBe('k');
    expect(n1node.writeCalls).toBe(1);
    expect(n2.node.writeCalls).toBe(1);
    expect(c.leaderEndpoint).toBe(n2.address);
    expect(n2.node.sm.kvGet('k')?.value).toBe('v');
    // Linearizable reads follow the same leader.
    expect(await c.kvGet('k')).toMatchObject({ value: 'v' });
  });

  it('finds the leader from a follower status hint', async () => {
    const n2 = await serve(new FakeNode({ id: 'n2', leader: true, term: 4 }));
    const n1 = await serve(new FakeNode({ id: 'n1', leader: false, term: 4, leaderHint: { id: 'n2', address: '' } }));
    n1.node.leaderHint = { id: 'n2', address: n2.address };
    const c = client({ endpoints: [n1.address] });
    expect(await c.findLeader()).toEqual({ endpoint: n2.address, memberId: 'n2' });
  });

  it('does not go back to a leader that stopped answering while the others still name it', async () => {
    // n1 is a paused leader: it accepts connections and never answers. n2 names it as leader
    // twice more (it has not noticed yet), then leads itself, as after an election.
    const paused = await startSilentServer();
    cleanups.push(() => paused.stop());
    const n2node = new FakeNode({ id: 'n2', leader: false, term: 4, leaderHint: { id: 'n1', address: paused.address } });
    const n2 = await serve(n2node);
    let asked = 0;
    n2node.status = () => {
      if (++asked >= 3) n2node.leader = true;
      return { ...FakeNode.prototype.status.call(n2node), term: n2node.leader ? 5 : 4 };
    };
    const c = client({ endpoints: [paused.address, n2.address], callTimeoutMs: 1_000, overallTimeoutMs: 10_000, backoffMs: { initial: 20, max: 40 } });
    const started = Date.now();
    await c.kvPut('k', 'v');
    // One status round waits out the silent member (1 s); going back to it costs a write
    // attempt and another status round on top (4.2 s measured without the suspect rule).
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(n2node.writeCalls).toBe(1);
    expect(c.leaderEndpoint).toBe(n2.address);
  });

  it('does not go back to a silent leader however long the election takes', async () => {
    // n1 is paused; n2 names it until n2 is elected, 2.8 s after the first call: later than the
    // first call's timeout (1 s) plus the 1.5 s the former rule kept n1 suspect, after which the
    // client waited out another status call to n1 (done at 3.5 s or later).
    const paused = await startSilentServer();
    cleanups.push(() => paused.stop());
    const n2node = new FakeNode({ id: 'n2', leader: false, term: 4, leaderHint: { id: 'n1', address: paused.address } });
    const n2 = await serve(n2node);
    let electedAt = Infinity;
    n2node.status = () => {
      if (Date.now() >= electedAt) n2node.leader = true;
      return { ...FakeNode.prototype.status.call(n2node), term: n2node.leader ? 5 : 4 };
    };
    const c = client({ endpoints: [paused.address, n2.address], callTimeoutMs: 1_000, overallTimeoutMs: 10_000, backoffMs: { initial: 50, max: 100 } });
    const started = Date.now();
    electedAt = started + 2_800;
    await c.kvPut('k', 'v');
    const took = Date.now() - started;
    // Found within a back-off of the election.
    expect(took).toBeGreaterThanOrEqual(2_800);
    expect(took).toBeLessThan(3_250);
    expect(c.leaderEndpoint).toBe(n2.address);
  });

  it('keeps 500 writes in flight on one session stream and answers them all', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [s.address], callTimeoutMs: 10_000, overallTimeoutMs: 20_000 });
    await c.kvPut('warm-up', 'x');
    // No answer comes until all 500 wait at once; then they come newest first.
    s.node.gate = 500;
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => c.kvPut(`key-${i}`, `value-${i}`)));
    expect(answers.map((a) => a.kv.key)).toEqual(Array.from({ length: 500 }, (_, i) => `key-${i}`));
    expect(new Set(answers.map((a) => a.index)).size).toBe(500);
    expect(s.node.maxPending).toBe(500);
    expect(s.node.writeCalls).toBe(501);
    expect(s.sessions()).toBe(1);
    expect(s.node.sm.counts().kvKeys).toBe(501);
  });

  it('retries a write whose answer was lost and gets it applied exactly once', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    s.node.dropAnswers = 1;
    const c = client({ endpoints: [s.address], callTimeoutMs: 300, overallTimeoutMs: 5000 });
    const put = await c.kvPut('once', 'v');
    expect(s.node.writeCalls).toBe(2);
    // The retry was answered from the session table: the first apply's index and revision.
    expect(put).toMatchObject({ index: 1, revision: 1, kv: { version: 1 } });
    // This call's own first attempt may have applied it: not "already applied" by someone before.
    expect(put.alreadyApplied).toBeUndefined();
    expect(s.node.sm.kvGet('once')).toMatchObject({ version: 1, modRevision: 1 });
    expect(s.node.sm.counts().kvRevision).toBe(1);
    // The next write moves first_incomplete past the answered one.
    const next = await c.kvPut('once', 'w');
    expect(next).toMatchObject({ revision: 2, kv: { version: 2 } });
  });

  it('says a write of a session seq applied before (a re-run under the same client id) was already applied, and applies nothing', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const first = await client({ endpoints: [s.address], clientId: 'req-x' }).kvPut('k', 'v1');
    expect(first.alreadyApplied).toBeUndefined();
    await client({ endpoints: [s.address] }).kvPut('k', 'v2');
    const again = await client({ endpoints: [s.address], clientId: 'req-x' }).kvPut('k', 'v1');
    expect(again).toEqual({ ...first, alreadyApplied: true });
    expect(s.node.sm.kvGet('k')?.value).toBe('v2');
    // A refusal is answered again as the refusal, marked.
    const cas = () => client({ endpoints: [s.address], clientId: 'req-cas' }).kvCas('k', 'v0', 'v3', { expectRevision: 2 });
    expect((await failure(cas())).details.alreadyApplied).toBeUndefined();
    const refused = await failure(cas());
    expect(refused).toMatchObject({ code: 'CAS_FAILED', details: { alreadyApplied: true, currentValue: 'v2', currentRevision: 2 } });
    expect(refused.message).toMatch(/first applied, at index \d+/);
    // The same session seq for another kind of write: refused, nothing applied.
    const other = await failure(client({ endpoints: [s.address], clientId: 'req-x' }).registerShard({ id: 's9', address: '10.0.0.9:1', region: 'r', zone: 'z', capacity: 1 }));
    expect(other).toMatchObject({ kind: 'precondition', details: { alreadyApplied: true } });
    expect(s.node.sm.getShard('s9')).toBeUndefined();
  });

  it('refuses a missing token and a non-admin token on admin calls', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }), { token: 'client-secret', adminToken: 'admin-secret' });
    const anonymous = client({ endpoints: [address] });
    const missing = await failure(anonymous.kvPut('k', 'v'));
    expect(missing.kind).toBe('unauthenticated');
    expect(missing.message).toMatch(/--token|FLEET_TOKEN/);
    expect((await failure(anonymous.status(address))).kind).toBe('unauthenticated');

    const user = client({ endpoints: [address], token: 'client-secret' });
    expect(await user.kvPut('k', 'v')).toMatchObject({ revision: 1 });
    expect(await user.listMembers()).toMatchObject({ leaderId: 'n1' });
    expect((await failure(user.transferLeader())).kind).toBe('permission-denied');
    expect((await failure(user.audit())).message).toMatch(/Admin\.GetAudit needs the admin role/);
    const stranger = client({ endpoints: [address], token: 'not-a-token-at-all' });
    expect((await failure(stranger.listMembers({ endpoint: address }))).kind).toBe('unauthenticated');
    expect((await failure(stranger.kvGet('k'))).kind).toBe('unauthenticated');

    const admin = client({ endpoints: [address], token: 'admin-secret' });
    expect(await admin.kvGet('k')).toMatchObject({ value: 'v' });
    expect(await admin.listMembers()).toEqual({ members: [{ id: 'n1', address, voter: true }], leaderId: 'n1' });
  });

  it('statusAll answers within the call deadline with dead and silent members marked unreachable', async () => {
    const good = await serve(new FakeNode({ id: 'n1' }));
    const closed = await closedPortAddress();
    const silent = await startSilentServer();
    cleanups.push(() => silent.stop());
    const c = client({ endpoints: [good.address, closed, silent.address], callTimeoutMs: 400 });

    const started = Date.now();
    const all = await c.statusAll();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(all.map((r) => r.endpoint)).toEqual([good.address, closed, silent.address]);
    const [ok, refused, hung] = all;
    expect(ok).toMatchObject({ ok: true, reachable: true, status: { id: 'n1', role: 'leader', progress: [{ state: 'replicate' }] } });
    expect(refused).toMatchObject({ ok: false, reachable: false, error: { kind: 'unavailable' } });
    expect(hung).toMatchObject({ ok: false, reachable: false });
    expect(hung!.ok === false && ['timeout', 'unavailable'].includes(hung!.error.kind)).toBe(true);
    expect(all.every((r) => r.rttMs >= 0)).toBe(true);
  });

  it('says that no member is reachable, and how to check, when none is', async () => {
    const closed = await closedPortAddress();
    const c = client({ endpoints: [closed], callTimeoutMs: 300, overallTimeoutMs: 800 });
    const err = await failure(c.kvPut('k', 'v'));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toBe(`no member of fleet reachable at ${closed}: is the cluster running? (fleet ps)`);
    expect(exitCodeOf(err)).toBe(3);
  });

  it('says a member answered without a leader even when its last status round is cut short by the deadline', async () => {
    // The call's last discovery started with a few milliseconds left: the survivor's status
    // probe timed out on that budget, and the call said "no member of fleet reachable … is the
    // cluster running?" though the member had answered every earlier round (seen in
    // test/e2e/no-leader.test.ts, about one run in three).
    const survivor = await serve(new FakeNode({ id: 'n3', leader: false, term: 7 }));
    const dead = await closedPortAddress();
    for (let i = 0; i < 12; i++) {
      const c = client({ endpoints: [dead, survivor.address], callTimeoutMs: 300, overallTimeoutMs: 250 + 15 * i, backoffMs: { initial: 60, max: 400 } });
      const err = await failure(c.kvGet('k'));
      expect(err.message).toMatch(/^no leader at \S+: n3 answered \(1 of 2, term 7\) but none leads/);
    }
  });

  it('reads at min_index and bounded staleness from the first endpoint, and fails over to the next', async () => {
    const leader = await serve(new FakeNode({ id: 'n1', leader: true }));
    const follower = await serve(new FakeNode({ id: 'n2', leader: false, leaderHint: { id: 'n1', address: '' } }));
    follower.node.leaderHint = { id: 'n1', address: leader.address };
    const c = client({ endpoints: [follower.address, leader.address] });
    await c.kvPut('k', 'v');
    // The follower's fake state machine never saw the write: a follower read there finds nothing.
    expect(await c.kvGet('k', { consistency: { maxStalenessMs: 1000 } })).toBeUndefined();
    expect(await c.kvGet('k')).toMatchObject({ value: 'v' });
    // read-your-writes: the follower has not applied the index, so its TIMEOUT makes the client try the leader.
    expect(await c.kvGet('k', { consistency: 'read-your-writes' })).toMatchObject({ value: 'v' });
  });

  it('sends bounded-staleness reads to a member of its own region first, linearizable ones to the leader', async () => {
    const leader = await serve(new FakeNode({ id: 'n1', leader: true }));
    const near = await serve(new FakeNode({ id: 'n2', leader: false, leaderHint: { id: 'n1', address: '' } }));
    near.node.region = 'ap';
    leader.node.region = 'eu';
    const c = client({ endpoints: [leader.address, near.address], region: 'ap' });
    const served: string[] = [];
    await c.kvGet('k', { consistency: { maxStalenessMs: 1000 }, onServed: (s) => served.push(s.member) });
    await c.kvGet('k', { consistency: { minIndex: 0 }, onServed: (s) => served.push(s.member) });
    await c.kvGet('k', { onServed: (s) => served.push(s.member) });
    expect(served).toEqual(['n2', 'n2', 'n1']);
    // Without a region, the first endpoint serves it.
    const plain = client({ endpoints: [leader.address, near.address] });
    await plain.kvGet('k', { consistency: { maxStalenessMs: 1000 }, onServed: (s) => served.push(s.member) });
    expect(served[3]).toBe('n1');
  });

  it('rejects bad input as invalid with a message that names the field', async () => {
    const { address } = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [address] });
    const err = await failure(c.kvPut('', 'v'));
    expect(err.kind).toBe('invalid');
    expect(err.message).toMatch(/kv_put: .*'key'/);
    const page = await failure(c.listClusters({ limit: 0 }));
    expect(page).toMatchObject({ kind: 'invalid' });
    expect(page.message).toMatch(/list_clusters\.limit/);
  });

  it('takes and downloads a snapshot, and transfers leadership', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [s.address] });
    for (let i = 0; i < 50; i++) await c.kvPut(`k${i}`, 'x'.repeat(100));
    const taken = await c.takeSnapshot();
    expect(taken).toMatchObject({ index: 50, term: 1 });
    const { mkdtempSync, readFileSync, rmSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-snap-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'snap.bin');
    const got = await c.downloadSnapshot(file);
    expect(got).toMatchObject({ index: 50, term: 1, bytes: taken.bytes, path: file });
    expect(readFileSync(file).equals(readFileSync(taken.path))).toBe(true);
    expect(readdirSync(dir)).toEqual(['snap.bin']);
    expect(await c.transferLeader('n3')).toEqual({ from: 'n1', to: 'n3', tookMs: 12 });
  });

  it('writes a snapshot readable by its owner only, and never through a planted .part symlink', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const c = client({ endpoints: [s.address] });
    await c.kvPut('k', 'v');
    await c.takeSnapshot();
    const { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-snap-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep me');
    const file = join(dir, 'backup.snap');
    symlinkSync(victim, `${file}.part`);
    await c.downloadSnapshot(file);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['backup.snap', 'backup.snap.part', 'victim']);
  });

  it('closes its streams so nothing keeps waiting', async () => {
    const s = await serve(new FakeNode({ id: 'n1' }));
    const c = new FleetClient({ endpoints: [s.address] });
    await c.kvPut('k', 'v');
    s.node.dropAnswers = 1;
    const pending = failure(c.kvPut('k2', 'v'));
    await waitFor(() => s.node.writeCalls === 2, 2000, 'the second write to arrive');
    c.close();
    expect((await pending).kind).toBe('unavailable');
  });
});
