/**
 * etcd's Maintenance.Snapshot and Cluster member changes on fleet's members, driven by etcdctl
 * 3.4 (issue 58): `snapshot save` writes fleet's snapshot with etcd's SHA-256 after it, which
 * `fleet snapshot restore` checks and restores; `member add` (as a learner, and as a voter already
 * running with --join), `promote`, `update` and `remove` go through fleet's membership path, each
 * refusal with etcd's error, admin only, and audited.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { etcdIdOf } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const { etcdctl } = requireEtcd();
const WRITER = 'writer-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const dir = tempDir('fleet-etcd-members-');
let cluster: TestCluster;
let leader: string;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3, token: WRITER, adminToken: ADMIN });
  leader = await cluster.waitForLeader();
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  dir.cleanup();
});

const endpointOf = (id: string) => `127.0.0.1:${cluster.member(id).port}`;
const follower = () => cluster.members.find((m) => m.child && m.id !== leader)!.id;
/** etcdctl as the admin (or `password`) against one member (default: a follower, so changes are forwarded). */
const ctl = (args: readonly string[], opts: { at?: string; password?: string } = {}) =>
  runEtcdctl(etcdctl, [`--endpoints=${endpointOf(opts.at ?? follower())}`, '--user', 'ops', '--password', opts.password ?? ADMIN, ...args]);
const hexOf = (id: string) => BigInt(etcdIdOf(id)).toString(16);
/** What etcdctl prints of a member change: its id as `%16x`, space-padded. */
const said = (id: string, what: string) => `Member ${hexOf(id).padStart(16, ' ')} ${what}`;
type Listed = { members: { ID: number | string; name: string; peerURLs: string[]; isLearner?: boolean }[] };
const memberList = async (): Promise<Listed['members']> => {
  const r = await ctl(['member', 'list', '-w', 'json']);
  expect(r.code, r.out).toBe(0);
  return (JSON.parse(r.out) as Listed).members;
};

/**
 * Whether the member asked lists no member `name`: etcd 3.4's MemberList is the answering member's
 * own view, not linearizable, so it may apply a removal a moment after the one that answered it.
 */
const listsNo = async (name: string): Promise<true | undefined> => {
  const r = await ctl(['member', 'list', '-w', 'json']);
  if (r.code !== 0) return undefined;
  return (JSON.parse(r.out) as Listed).members.some((m) => m.name === name) ? undefined : true;
};

describe('etcdctl snapshot save, restored by fleet snapshot restore', () => {
  it('saves the keyspace with etcd\'s trailing SHA-256; restore checks it and serves the keys', async () => {
    for (let i = 0; i < 50; i++) expect((await ctl(['put', `snap/${i}`, `v${i}`])).code).toBe(0);
    const refused = await ctl(['snapshot', 'save', join(dir.path, 'w.db')], { password: WRITER });
    expect(refused.out).toContain('etcdserver: permission denied');
    const file = join(dir.path, 'fleet.db');
    const saved = await ctl(['snapshot', 'save', file]);
    expect(saved.code, saved.out).toBe(0);
    expect(saved.out).toContain(`Snapshot saved at ${file}`);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('FLEETSNP');
    expect(bytes.length % 512, 'a whole number of blocks, then the hash').toBe(32);
    expect(bytes.subarray(-32)).toEqual(createHash('sha256').update(bytes.subarray(0, -32)).digest());

    const inspect = await runCli(['snapshot', 'inspect', file, '--json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ format: 'etcd-snapshot' });

    // One byte changed anywhere: the checksum refuses it before anything is written.
    const damaged = join(dir.path, 'damaged.db');
    const copy = Buffer.from(bytes);
    copy[copy.length - 100] ^= 0xff;
    writeFileSync(damaged, copy);
    const bad = await runCli(['snapshot', 'restore', damaged, '--data-dir', join(dir.path, 'bad'), '--id', 'r1']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('etcd checksum (the SHA-256 at its end) does not match');

    const data = join(dir.path, 'restored');
    const address = `127.0.0.1:${await freePort()}`;
    const restored = await runCli(['snapshot', 'restore', file, '--data-dir', data, '--id', 'r1', '--listen', address]);
    expect(restored.code, restored.stderr).toBe(0);
    const { child, output } = spawnCli(['node', 'start', '--id', 'r1', '--data-dir', data, '--listen', address, '--peers', `r1=${address}`], MEMBER_ENV, MEMBER_NODE_OPTIONS);
    try {
      const get = await waitFor('the restored member serves the keys', async () => {
        const r = await runEtcdctl(etcdctl, [`--endpoints=${address}`, 'get', 'snap/', '--prefix', '--keys-only']);
        return r.code === 0 ? r.out : undefined;
      }, 30_000).catch((err: unknown) => {
        throw new Error(`${String(err)}\n${output()}`);
      });
      expect(get.split('\n').filter((l) => l.startsWith('snap/'))).toHaveLength(50);
    } finally {
      await stopChild(child);
    }
  }, 120_000);
});

describe('etcdctl member add, promote, update and remove', () => {
  it('refuses bad URLs, taken URLs, a voter that does not answer, and callers without admin', async () => {
    // etcdctl checks each URL's form itself; two URLs it takes, a member with one port does not.
    expect((await ctl(['member', 'add', 'x', '--peer-urls=http://127.0.0.1:1,http://127.0.0.1:2'])).out).toContain('etcdserver: given member URLs are invalid');
    expect((await ctl(['member', 'add', 'x', `--peer-urls=http://${endpointOf('n1')}`])).out).toContain('etcdserver: Peer URLs already exists');
    const silent = `http://127.0.0.1:${await freePort()}`;
    expect((await ctl(['member', 'add', 'x', `--peer-urls=${silent}`])).out).toContain('etcdserver: re-configuration failed due to not enough started members');
    expect((await ctl(['member', 'add', 'x', '--learner', `--peer-urls=${silent}`], { password: WRITER })).out).toContain('etcdserver: permission denied');
    expect((await ctl(['member', 'remove', 'abcdef'])).out).toContain('etcdserver: member not found');
    expect((await ctl(['member', 'promote', hexOf('n2')])).out).toContain('etcdserver: can only promote a learner member');
    expect((await memberList()).map((m) => m.name).sort()).toEqual(['n1', 'n2', 'n3']);
  }, 60_000);

  it('adds a learner before it runs (named after its address), which joins and is promoted once in sync', async () => {
    const port = await freePort();
    const id = `127.0.0.1-${port}`;
    const add = await ctl(['member', 'add', 'n4', '--learner', `--peer-urls=http://127.0.0.1:${port}`]);
    expect(add.code, add.out).toBe(0);
    expect(add.out).toContain(said(id, 'added to cluster'));
    expect(add.out).toContain('ETCD_INITIAL_CLUSTER_STATE="existing"');
    expect((await ctl(['member', 'promote', hexOf(id)])).out, 'not started: not in sync').toContain('etcdserver: can only promote a learner member which is in sync with leader');
    // The printed settings as fleet's flags: its name in member list as --id, the peer URL as --listen, existing as --join.
    const m = Object.assign(await cluster.addJoiner(id), { port });
    cluster.launch(m);
    const promoted = await waitFor('the learner promoted', async () => {
      const r = await ctl(['member', 'promote', hexOf(id)]);
      return r.code === 0 ? r.out : undefined;
    }, 30_000, 500);
    expect(promoted).toContain(said(id, 'promoted in cluster'));
    const listed = (await memberList()).find((x) => x.name === id);
    expect(listed).toMatchObject({ peerURLs: [`http://127.0.0.1:${port}`] });
    expect(listed?.isLearner ?? false).toBe(false);
    expect((await ctl(['put', 'joined', 'yes'])).code).toBe(0);
    const read = await waitFor('the new member serves reads', async () => {
      const r = await runEtcdctl(etcdctl, [`--endpoints=127.0.0.1:${port}`, '--user', 'ops', '--password', ADMIN, 'get', 'joined', '--print-value-only']);
      return r.code === 0 ? r.out.trim() : undefined;
    }, 10_000);
    expect(read).toBe('yes');
  }, 90_000);

  it('adds a voter already running with --join under its own id', async () => {
    const m = await cluster.addJoiner('n5');
    cluster.launch(m);
    const add = await waitFor('n5 answering, then added', async () => {
      const r = await ctl(['member', 'add', 'whatever', `--peer-urls=http://127.0.0.1:${m.port}`]);
      return r.code === 0 ? r.out : undefined;
    }, 30_000, 500);
    expect(add).toContain(said('n5', 'added to cluster'));
    expect((await memberList()).find((x) => x.name === 'n5')?.isLearner ?? false).toBe(false);
  }, 60_000);

  it('updates a member to its own address only', async () => {
    const id = hexOf('n3');
    expect((await ctl(['member', 'update', id, `--peer-urls=http://${endpointOf('n3')}`])).out).toContain(said('n3', 'updated in cluster'));
    expect((await ctl(['member', 'update', id, `--peer-urls=http://${endpointOf('n2')}`])).out).toContain('etcdserver: Peer URLs already exists');
    expect((await ctl(['member', 'update', id, `--peer-urls=http://127.0.0.1:${await freePort()}`])).out).toContain('fleet cannot move member n3 to another address');
    expect((await ctl(['member', 'update', 'abcdef', `--peer-urls=http://127.0.0.1:1`])).out).toContain('etcdserver: member not found');
  }, 30_000);

  it('refuses a removal that leaves fewer started voters than a quorum; removes a stopped voter and the leader; audits each change', async () => {
    leader = await cluster.waitForLeader();
    // Five voters; two followers stopped leave three started.
    const [a, b, c] = cluster.members.filter((m) => m.id !== leader).map((m) => m.id);
    await cluster.kill(a!);
    await cluster.kill(b!);
    // Until the leader has missed them for autopilot's contact threshold, it counts them started
    // (and would allow the removal): wait for its verdict first.
    const probe = cluster.client({ endpoints: [endpointOf(leader)], callTimeoutMs: 1_000 });
    await waitFor('the leader sees two voters gone', async () => {
      const [st] = await probe.statusAll();
      const health = st?.ok ? (st.status.autopilot?.members ?? []) : [];
      return [a, b].every((id) => health.some((h) => h.id === id && h.lastContactMs > 2_000)) ? true : undefined;
    }, 20_000, 200);
    const refused = (await ctl(['member', 'remove', hexOf(c!)], { at: c! })).out;
    expect(refused).toContain('etcdserver: re-configuration failed due to not enough started members');
    const removed = await ctl(['member', 'remove', hexOf(a!)], { at: c! });
    expect(removed.code, removed.out).toBe(0);
    await waitFor('the member asked to list the stopped voter as removed', () => listsNo(a!), 10_000, 200);
    // The leader itself: it hands leadership on, and the new leader removes it.
    const gone = await ctl(['member', 'remove', hexOf(leader)], { at: c! });
    expect(gone.code, gone.out).toBe(0);
    expect(gone.out).toContain(said(leader, 'removed from cluster'));
    await waitFor('the member asked to list the leader as removed', () => listsNo(leader), 10_000, 200);
    const audit = await cluster.client({ endpoints: [endpointOf(c!)] }).audit();
    const ours = audit.filter((e) => /members\./.test(e.op) && e.args['api'] === 'etcd');
    expect(ours.map((e) => `${e.op} ${e.outcome === 'ok' ? 'ok' : 'refused'}`)).toEqual(expect.arrayContaining(['members.add ok', 'members.promote ok', 'members.remove ok', 'members.remove refused', 'members.add refused']));
  }, 90_000);
});
