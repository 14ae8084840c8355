/**
 * etcd's v3 API served by fleet's members (issue 36, step 2), driven as an outsider would: the
 * installed `etcdctl` (ETCDCTL_API=3) against a real three-member fleet cluster on loopback. One
 * scripted sequence (put, get with --prefix, --limit, --rev, --from-key and sorting, txn with compare/then/else, del, compaction and a
 * read of the compacted revision) runs against a fresh etcd 3.4 and a fresh fleet cluster through
 * a follower, and the outputs must be the same, revisions included. Then writes through every
 * member while the leader is killed: every write etcdctl acknowledged is read back; a watch from a
 * past revision across a leader kill; leases through the leader and a follower; a member that
 * catches up from the leader's snapshot holds the same keyspace; move-leader hands leadership over. Every process is started here
 * and stopped by pid in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

const etcd = requireEtcd();
let fleet: TestCluster | undefined;
let real: EtcdCluster | undefined;
/** Long-running etcdctl processes (watches) this file started. */
const watchers = new Set<ChildProcess>();

/** Starts `etcdctl watch …` and collects what it prints; stopped by pid in afterAll (or by the test). */
function watch(endpoints: readonly string[], args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(etcd.etcdctl, [`--endpoints=${endpoints.join(',')}`, 'watch', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
  watchers.add(child);
  child.on('exit', () => watchers.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** The PUT events a watch printed, as `key=value`. */
function putsIn(output: string): string[] {
  const lines = output.split('\n');
  const puts: string[] = [];
  for (let i = 0; i + 2 < lines.length; i++) if (lines[i] === 'PUT') puts.push(`${lines[i + 1]}=${lines[i + 2]}`);
  return puts;
}

interface Ctl {
  readonly code: number;
  /** stdout and stderr, as a terminal shows them. */
  readonly out: string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs etcdctl against `endpoints` with `input` on stdin; killed after `timeoutMs`. */
function etcdctl(endpoints: readonly string[], args: readonly string[], input = '', timeoutMs = 20_000): Promise<Ctl> {
  return new Promise((resolve, reject) => {
    const child = spawn(etcd.etcdctl, [`--endpoints=${endpoints.join(',')}`, '--dial-timeout=2s', '--command-timeout=5s', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (stdout += d.toString())));
    child.stderr.on('data', (d: Buffer) => ((out += d.toString()), (stderr += d.toString())));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    // 'close', not 'exit': at 'exit' its output may still be in the pipes, and a put read as
    // unanswered (no "OK") is a write taken for lost; etcdctl has no children to hold them.
    child.on('close', (code) => (clearTimeout(timer), resolve({ code: code ?? 1, out, stdout, stderr })));
    // etcdctl may exit before it reads its input (an error): what it did not read is of no interest.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The conformance script: each step's exit code and output, with what differs by nature (ids, terms) taken out. */
async function script(endpoints: readonly string[]): Promise<string[]> {
  // A third element: stop the command after that many ms (a watch runs until stopped).
  const steps: [string[], string?, number?][] = [
    [['put', 'foo', 'bar']],
    [['put', 'foo/a', '1']],
    [['put', 'foo/b', '2']],
    [['put', 'foo', 'baz', '--prev-kv']],
    [['get', 'foo']],
    [['get', 'foo', '--prefix']],
    [['get', 'foo', '--prefix', '--keys-only']],
    [['get', 'foo', '--prefix', '--limit=1', '-w', 'json']],
    [['get', 'foo', '--rev=2']],
    [['get', 'foo/', '--from-key']],
    [['get', 'foo', '--prefix', '--sort-by=MODIFY', '--order=DESCEND']],
    [['txn'], 'value("foo") = "baz"\n\nput foo qux\nget foo/a\n\nput foo nope\n\n'],
    [['txn'], 'mod("foo/a") > "100"\n\nput foo/a yes\n\nput foo/a no\nget foo/a\n\n'],
    [['txn', '-w', 'json'], 'version("foo") = "3"\n\ndel foo/b\n\n\n'],
    // A branch that writes one key twice is refused; a "from key" delete overlaps nothing (etcd 3.4).
    [['txn'], '\n\nput foo/d 1\ndel foo/d\n\n'],
    [['txn'], '\n\nput foo/d 1\ndel foo/a foo/e\n\n'],
    [['txn'], '\n\nput foo/d 1\nput foo/d 2\n\n'],
    [['txn'], '\n\nput foo/d 1\ndel foo/a --prefix\n\n'],
    [['get', 'foo', '--prefix', '-w', 'json']],
    [['del', 'foo/nothing']],
    [['del', 'foo', '--prefix', '--prev-kv']],
    [['get', 'foo', '--prefix']],
    [['put', 'x', '1']],
    [['compaction', '5']],
    [['get', 'foo', '--rev=3']],
    [['get', 'foo', '--rev=100']],
    [['get', 'x', '-w', 'json']],
    [['compaction', '3']],
    // 1.6 MB through stdin: over etcd's 1.5 MiB request limit, refused before it reaches the log.
    [['put', 'big'], 'x'.repeat(1_600_000)],
    [['get', 'big']],
    // Two puts in one txn, the second key first in key order: a watch gets them in the txn's order.
    [['txn'], '\nput y/b 1\nput y/a 2\n\n\n'],
    [['watch', 'foo', '--prefix', '--rev=2'], '', 1_500],
    [['watch', 'foo', '--prefix', '--rev=5', '--prev-kv'], '', 1_500],
    [['watch', 'x', '--rev=6'], '', 1_500],
    [['watch', 'y', '--prefix', '--rev=6'], '', 1_500],
    [['txn'], '\n\nput y/c 1\ndel y/c --from-key\n\n'],
    [['get', 'y', '--prefix']],
  ];
  const outputs: string[] = [];
  for (const [args, input, stopAfterMs] of steps) {
    const r = await etcdctl(endpoints, args, input, stopAfterMs);
    outputs.push(`${args.join(' ')} → ${r.code}: ${normalize(r.out)}`);
  }
  // Field by field: the whole answers as etcdctl prints them in JSON (headers, every key's
  // create/mod revision, version and lease, counts, more, prev_kvs, deleted), on a second
  // keyspace written by the same steps.
  for (const [args, input, stopAfterMs] of steps) {
    if (args.includes('json') || args[0] === 'compaction') continue;
    const json = [args[0]!, ...args.slice(1).map((a) => a.replace(/^(foo|x|big)/, 'j$1')), '-w', 'json'];
    const r = await etcdctl(endpoints, json, input?.replace(/"foo|(?<=\n(put|get|del) )foo/g, (m) => m.replace('foo', 'jfoo')), stopAfterMs);
    // Apart: a watch's last answer and its error race to the terminal.
    outputs.push(`${json.join(' ')} → ${r.code}: ${normalize(r.stdout)} | ${normalize(r.stderr)}`);
  }
  return outputs;
}

/** JSON headers name the member, the cluster and the term, which differ between any two clusters. */
function normalize(out: string): string {
  return out
    .replace(/"(cluster_id|member_id|raft_term)":\d+/g, '"$1":_')
    .replace(/^\{"level":"warn".*$/gm, '')
    .trim();
}

describe('etcdctl against fleet', () => {
  beforeAll(async () => {
    // Snapshots every 40 entries and no log kept behind them, so that a member that misses some
    // catches up from the leader's snapshot (by default the leader keeps 5,000 entries to send).
    // Each is kept as soon as it starts, so that afterAll stops it even when the other failed to start.
    await Promise.all([TestCluster.start({ size: 3, snapshotEvery: 40, extraArgs: ['--snapshot-catchup-entries', '0'] }).then((c) => (fleet = c)), EtcdCluster.start(1).then((c) => (real = c))]);
  }, 120_000);

  afterAll(async () => {
    for (const child of watchers) child.kill('SIGKILL');
    await fleet?.destroy();
    await real?.stop();
  });

  const endpointOf = (id: string): string => `127.0.0.1:${fleet!.members.find((m) => m.id === id)!.port}`;

  it('answers a scripted sequence through a follower as etcd 3.4 does, revisions included', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!.id;
    const [theirs, ours] = [await script(real!.endpoints), await script([endpointOf(follower)])];
    expect(theirs.join('\n')).toContain('required revision has been compacted');
    expect(theirs.join('\n')).toContain('etcdserver: request is too large');
    // The watches saw events (and the one below the compaction was cancelled), so equal is not empty.
    expect(theirs.find((l) => l.startsWith('watch x --rev=6'))).toContain('PUT\nx\n1');
    expect(theirs.find((l) => l.startsWith('watch foo --prefix --rev=5'))).toMatch(/DELETE\nfoo\nqux\nfoo\n/);
    expect(theirs.find((l) => l.startsWith('watch foo --prefix --rev=2'))).toContain('compacted');
    expect(theirs.find((l) => l.startsWith('watch y --prefix'))).toMatch(/PUT\ny\/b\n1\nPUT\ny\/a\n2/);
    expect(ours).toEqual(theirs);
  }, 120_000);

  it('serves the leader and a follower alike, serializable reads too; member list, endpoint status and health with --cluster', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!.id;
    expect((await etcdctl([endpointOf(leader)], ['put', 'both', 'from-leader'])).out.trim()).toBe('OK');
    expect((await etcdctl([endpointOf(follower)], ['get', 'both'])).out.trim()).toBe('both\nfrom-leader');
    await waitFor('the follower to apply the write', async () => ((await etcdctl([endpointOf(follower)], ['get', 'both', '--consistency=s'])).out.includes('from-leader') ? true : undefined), 10_000);
    const status = await etcdctl([endpointOf(follower)], ['endpoint', 'status', '-w', 'json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)[0].Status.version).toBe('3.4.0');
    // The keyspace's bytes, history included: at least the key and value just written.
    expect(JSON.parse(status.out)[0].Status.dbSize).toBeGreaterThanOrEqual('both'.length + 'from-leader'.length);
    const members = await etcdctl([endpointOf(follower)], ['member', 'list']);
    for (const m of fleet!.members) expect(members.out).toContain(`, started, ${m.id}, http://127.0.0.1:${m.port}, http://127.0.0.1:${m.port}, false`);
    // --cluster finds every member through MemberList, and asks each.
    const all = await etcdctl([endpointOf(follower)], ['endpoint', 'status', '--cluster', '-w', 'json']);
    const statuses = JSON.parse(all.stdout) as { Endpoint: string; Status: { leader: number; header: { member_id: number } } }[];
    expect(statuses.map((x) => x.Endpoint).sort()).toEqual(fleet!.members.map((m) => `http://127.0.0.1:${m.port}`).sort());
    expect(new Set(statuses.map((x) => x.Status.leader)).size).toBe(1);
    const health = await etcdctl([endpointOf(follower)], ['endpoint', 'health', '--cluster']);
    expect(health.out.match(/is healthy/g)?.length, health.out).toBe(3);
    // Endpoints given as URLs: etcdctl sends the URL as the :authority of these calls (authority-front.ts).
    const byUrl = await etcdctl([`http://${endpointOf(follower)}`], ['endpoint', 'status', '-w', 'json']);
    expect(byUrl.code, byUrl.out).toBe(0);
    expect(JSON.parse(byUrl.stdout)[0].Endpoint).toBe(`http://${endpointOf(follower)}`);
  }, 60_000);

  it('grants, lists, inspects and revokes a lease; its keys go with it', async () => {
    const leader = await fleet!.waitForLeader();
    const ep = [endpointOf(leader)];
    const grant = await etcdctl(ep, ['lease', 'grant', '60']);
    const id = /lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(grant.out)?.[1];
    expect(id, grant.out).toBeDefined();
    expect((await etcdctl(ep, ['put', 'leased', 'v', `--lease=${id}`])).out.trim()).toBe('OK');
    expect((await etcdctl(ep, ['lease', 'timetolive', id!, '--keys'])).out).toMatch(/granted with TTL\(60s\), remaining\(\d+s\), attached keys\(\[leased\]\)/);
    expect((await etcdctl(ep, ['lease', 'list'])).out).toContain(id);
    expect((await etcdctl(ep, ['lease', 'keep-alive', '--once', id!])).out).toMatch(/keepalived with TTL\(60\)/);
    // A follower relays keep-alives to the leader.
    const follower = fleet!.members.find((m) => m.id !== leader)!.id;
    expect((await etcdctl([endpointOf(follower)], ['lease', 'keep-alive', '--once', id!])).out).toMatch(/keepalived with TTL\(60\)/);
    expect((await etcdctl(ep, ['lease', 'revoke', id!])).out).toContain('revoked');
    expect((await etcdctl(ep, ['get', 'leased'])).out.trim()).toBe('');
  }, 60_000);

  it('moves the leader with etcdctl move-leader; an unknown transferee gets etcd\'s error', async () => {
    const leader = await fleet!.waitForLeader();
    const target = fleet!.members.find((m) => m.id !== leader && m.child !== undefined)!.id;
    const all = fleet!.members.filter((m) => m.child !== undefined).map((m) => `http://${endpointOf(m.id)}`);
    const hex = new RegExp(`^([0-9a-f]+), started, ${target},`, 'm').exec((await etcdctl(all, ['member', 'list'])).out)?.[1];
    expect(hex).toBeDefined();
    const moved = await etcdctl(all, ['move-leader', hex!]);
    expect(moved.code, moved.out).toBe(0);
    expect(moved.out).toContain(`to ${hex}`);
    await waitFor(`${target} to lead`, async () => ((await fleet!.waitForLeader()) === target ? true : undefined), 10_000);
    const bad = await etcdctl(all, ['move-leader', '1234']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('etcdserver: bad leader transferee');
  }, 60_000);

  it("expires a lease by the leader's clock: its keys are deleted on every member", async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!.id;
    const grant = await etcdctl([endpointOf(follower)], ['lease', 'grant', '2']);
    const id = /lease ([0-9a-f]+) granted/.exec(grant.out)?.[1];
    expect(id, grant.out).toBeDefined();
    expect((await etcdctl([endpointOf(follower)], ['put', 'short', 'lived', `--lease=${id}`])).out.trim()).toBe('OK');
    // TTL 2 s, and an election timeout's grace (1 s): gone within a few seconds on every member.
    for (const m of fleet!.members) {
      await waitFor(`the leased key gone on ${m.id}`, async () => ((await etcdctl([endpointOf(m.id)], ['get', 'short', '--consistency=s'])).stdout.trim() === '' ? true : undefined), 15_000, 200);
    }
    expect((await etcdctl([endpointOf(leader)], ['lease', 'timetolive', id!])).out).toMatch(/already expired/);
  }, 60_000);

  it('watches from a past revision on a follower, across a kill of the leader, each event once and in order', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!.id;
    const ep = [endpointOf(follower)];
    const first = JSON.parse((await etcdctl(ep, ['put', 'w/1', 'a', '-w', 'json'])).out) as { header: { revision: number } };
    await etcdctl(ep, ['put', 'w/2', 'b']);
    await etcdctl(ep, ['del', 'w/1']);
    const w = watch(ep, ['w/', '--prefix', `--rev=${first.header.revision}`]);
    await waitFor('the watch to replay history', () => (putsIn(w.output()).length >= 2 ? true : undefined), 10_000);
    await fleet!.kill(leader);
    for (const [k, v] of [['w/3', 'c'], ['w/4', 'd']]) {
      await waitFor(`put ${k} through the follower`, async () => ((await etcdctl(ep, ['put', k!, v!])).out.trim() === 'OK' ? true : undefined), 20_000);
    }
    await waitFor('the watch to see the writes after the kill', () => (putsIn(w.output()).length >= 4 ? true : undefined), 10_000);
    expect(putsIn(w.output())).toEqual(['w/1=a', 'w/2=b', 'w/3=c', 'w/4=d']);
    expect(w.output()).toMatch(/^DELETE\nw\/1\n/m);
    w.child.kill('SIGKILL');
    fleet!.restart(leader);
    await fleet!.waitForLeader();
  }, 90_000);

  it('loses no acknowledged write when the leader is killed in the middle', async () => {
    const leader = await fleet!.waitForLeader();
    const all = fleet!.members.map((m) => endpointOf(m.id));
    const acked: number[] = [];
    // Three writers at once, each through its own member first, while the leader is killed.
    const writer = async (w: number): Promise<void> => {
      for (let i = w; i < 60; i += 3) {
        const first = all[w]!;
        const r = await etcdctl([first, ...all.filter((e) => e !== first)], ['put', `drill/${String(i).padStart(3, '0')}`, `v${i}`]);
        if (r.code === 0 && r.out.trim() === 'OK') acked.push(i);
      }
    };
    const writing = Promise.all([0, 1, 2].map(writer));
    await waitFor('some writes before the kill', () => (acked.length >= 10 ? true : undefined), 30_000);
    const beforeKill = acked.length;
    await fleet!.kill(leader);
    await writing;
    // Writes were acknowledged after the kill too (by the new leader). Not a total: the writer whose
    // first endpoint was the killed leader may see its calls time out, and under load the total
    // was 28 of 60 once in CI against a bound of 30; what counts is that none acknowledged is lost.
    expect(acked.length - beforeKill).toBeGreaterThanOrEqual(5);
    await fleet!.waitForLeader();
    for (const m of fleet!.members.filter((x) => x.child !== undefined)) {
      const got = await waitFor(`every acknowledged write on ${m.id}`, async () => {
        const r = await etcdctl([endpointOf(m.id)], ['get', 'drill/', '--prefix', '--keys-only']);
        const keys = new Set(r.out.split('\n').filter((l) => l.startsWith('drill/')));
        return acked.every((i) => keys.has(`drill/${String(i).padStart(3, '0')}`)) ? keys : undefined;
      }, 20_000);
      expect(got.size).toBeGreaterThanOrEqual(acked.length);
    }
    fleet!.restart(leader);
    await fleet!.waitForLeader();
  }, 180_000);

  it('answers etcd\'s "no leader" on a member left without a quorum, and serves it serializable reads', async () => {
    const leader = await fleet!.waitForLeader();
    const [survivor, other] = fleet!.members.filter((m) => m.id !== leader);
    await fleet!.kill(leader);
    await fleet!.kill(other!.id);
    const ep = [endpointOf(survivor!.id)];
    const put = await waitFor('the survivor to know it has no leader', async () => {
      const r = await etcdctl(ep, ['put', 'orphan', 'x']);
      return r.out.includes('etcdserver: no leader') ? r : undefined;
    }, 20_000, 200);
    expect(put.code).not.toBe(0);
    expect((await etcdctl(ep, ['get', 'drill/000', '--consistency=s'])).stdout).toBe('drill/000\nv0\n');
    fleet!.restart(leader);
    fleet!.restart(other!.id);
    await fleet!.waitForLeader();
  }, 90_000);

  it("catches a member up from the leader's snapshot with the keyspace in it, and every member holds the same keyspace", async () => {
    const leader = await fleet!.waitForLeader();
    const lagging = fleet!.members.find((m) => m.id !== leader)!;
    const statusOf = async (id: string) => (await fleet!.client().statusAll()).flatMap((r) => (r.ok && r.status.id === id ? [r.status] : []))[0];
    const behind = (await statusOf(leader))!.commitIndex;
    await fleet!.kill(lagging.id);
    const ep = [endpointOf(leader)];
    // Until the leader's snapshot covers what the lagging member lacks: a snapshot waits until the
    // log since the last is as large as that snapshot (snapshot-policy.ts), so how many writes that
    // takes depends on how much the earlier tests left in the keyspace.
    let written = 0;
    for (; written < 100 || ((await statusOf(leader))?.snapshotIndex ?? 0) <= behind; written += 10) {
      expect(written, 'writes before the leader took a snapshot').toBeLessThan(2_000);
      await Promise.all(Array.from({ length: 10 }, (_, j) => etcdctl(ep, ['put', `snap/${String(written + j).padStart(4, '0')}`, `s${written + j}`.padEnd(512, '.')])));
    }
    fleet!.restart(lagging.id);
    await fleet!.waitForLeader();
    const dump = (id: string): Promise<string> => etcdctl([endpointOf(id)], ['get', '', '--from-key', '--consistency=s', '-w', 'json']).then((r) => JSON.stringify(JSON.parse(r.out).kvs));
    const want = await dump(leader);
    expect(want).toContain(Buffer.from(`snap/${String(written - 1).padStart(4, '0')}`).toString('base64'));
    for (const m of fleet!.members) await waitFor(`${m.id} to hold the leader's keyspace`, async () => ((await dump(m.id)) === want ? true : undefined), 20_000);
    expect(readFileSync(join(lagging.dataDir, 'logs', `${lagging.id}.log`), 'utf8')).toContain('installed a snapshot from the leader');
    // Sent on the framed peer path, as the members' batches go: no gRPC between members.
    const leaderDir = fleet!.members.find((m) => m.id === leader)!.dataDir;
    const sent = readFileSync(join(leaderDir, 'logs', `${leader}.log`), 'utf8').split('\n').filter((l) => l.includes('sending a snapshot to a follower'));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((l) => (JSON.parse(l) as { framed?: boolean }).framed === true)).toBe(true);
  }, 120_000);
});
