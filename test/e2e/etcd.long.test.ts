/**
 * fleet against a real three-member etcd 3.4 cluster on loopback (the installed `etcd`): a
 * context with --etcd, status (table and --json), top (one frame), kv, leader transfer, a hash-checked snapshot,
 * a learner added, started, promoted and removed, the registry kept in etcd under a context's prefix, and a command without an etcd form refused. Every etcd
 * process is started by this file and stopped in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { snapshotHashMatches } from '../../src/client/etcd/index.js';
import type { StatusModel } from '../../src/ops/status.js';
import type { TopState } from '../../src/ops/top/model.js';
import { cliSandbox, json, ok } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli, stopChild, tempDir, waitFor } from './processes.js';

const etcd = requireEtcd();
const sandbox = cliSandbox();
const scratch = tempDir('fleet-etcd-e2e-');
let cluster: EtcdCluster | undefined;
let learner: ChildProcess | undefined;
const env = { ...sandbox.env };

describe('fleet against etcd 3.4', () => {
  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
    await ok(['context', 'add', 'etcd-lab', '--etcd', '--endpoints', cluster.endpoints.join(','), '--use'], env);
  }, 120_000);

  afterAll(async () => {
    if (learner !== undefined) await stopChild(learner, 'SIGKILL');
    await cluster?.stop();
    scratch.cleanup();
    sandbox.cleanup();
  });

  it('shows every member in the status table and exits 0 when healthy', async () => {
    const out = await ok(['status'], env);
    expect(out).toMatch(/^etcd · leader [0-9a-f]{16} · term \d+ · quorum 2 of 3 voters · can lose 1 of 3/);
    for (const name of ['n1', 'n2', 'n3']) expect(out).toMatch(new RegExp(`\\b${name}\\b.*(leader|follower).*3\\.4\\.\\d+\\s+ok`));
  });

  it('gives the same model in --json: commit = raftIndex, applied = raftAppliedIndex, db sizes, quorum', async () => {
    const m = await json<StatusModel>(['status'], env);
    expect(m.engine).toBe('etcd');
    expect(m.health.state).toBe('healthy');
    expect(m.quorum).toMatchObject({ voters: 3, size: 2, healthyVoters: 3, failureTolerance: 1, available: true });
    expect(m.members.filter((r) => r.role === 'leader').map((r) => r.id)).toEqual([m.leader]);
    for (const r of m.members) {
      expect(r.commitIndex).toBeGreaterThan(0);
      expect(r.appliedIndex).toBeGreaterThan(0);
      expect(r.etcd?.dbSize).toBeGreaterThan(0);
      expect(r.etcd?.dbSizeInUse).toBeGreaterThan(0);
      expect(r.etcd?.alarms).toEqual([]);
    }
  });

  it('fleet top prints one frame of etcd members (leader, term, raft index, applied, db size, health) and its --json state', async () => {
    const out = await ok(['top', '--once'], { ...env, COLUMNS: '160' });
    expect(out).toMatch(/^fleet top · etcd · context etcd-lab/);
    expect(out).toMatch(/leader [0-9a-f]{16} .*term \d+ .*quorum 2\/3 · can lose 1/);
    expect(out).toMatch(/ID +ADDRESS +ROLE +TERM +COMMIT +APPLIED .*DB SIZE .*HEALTH/);
    const rows = out.split('\n').filter((l) => /^[› ] [0-9a-f]{16} /.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/(leader|follower) +\d+ +\d+ +\d+ .*\d+(\.\d)?[KM] +3\.4\.\d+ +ok/);
    expect(out).toContain('no fleet registry');
    const state = await json<TopState>(['top', '--once'], env);
    expect(state.header).toMatchObject({ engine: 'etcd', quorum: { voters: 3, available: true } });
    expect(state.members.filter((m) => m.role === 'leader').map((m) => m.id)).toEqual([state.header.leader]);
    for (const m of state.members) expect(m.dbSize).toBeGreaterThan(0);
  });

  it('puts, reads, compares-and-sets and deletes etcd keys', async () => {
    await ok(['kv', 'put', 'e2e/k', 'v1'], env);
    expect((await ok(['kv', 'get', 'e2e/k'], env)).trim()).toBe('v1');
    const conflict = await runCli(['kv', 'cas', 'e2e/k', 'v2', '--expect', 'nope'], env);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain('compare-and-set failed: e2e/k is "v1"');
    // fleet's refusal: the key's current value and revision as details.
    expect(JSON.parse((await runCli(['kv', 'cas', 'e2e/k', 'v2', '--expect', 'nope', '--json'], env)).stdout)).toMatchObject({ error: { code: 'CAS_FAILED', details: { currentValue: 'v1', currentRevision: expect.any(Number) } } });
    await ok(['kv', 'cas', 'e2e/k', 'v2', '--expect', 'v1'], env);
    // --expect-revision is the key's mod revision on etcd as on fleet's members (issue 56).
    const at = await json<{ modRevision: number }>(['kv', 'get', 'e2e/k'], env);
    const stale = await runCli(['kv', 'cas', 'e2e/k', 'v3', '--expect-revision', String(at.modRevision - 1)], env);
    expect(stale.code, stale.stderr).toBe(4);
    expect((await runCli(['kv', 'cas', 'e2e/absent', 'x', '--expect-revision', '0'], env)).code).toBe(0);
    expect((await runCli(['kv', 'cas', 'e2e/absent', 'y', '--expect-revision', '0'], env)).code).toBe(4);
    await ok(['kv', 'del', 'e2e/absent'], env);
    await ok(['kv', 'cas', 'e2e/k', 'v2', '--expect-revision', String(at.modRevision)], env);
    expect((await json<{ entries: { key: string; value: string }[] }>(['kv', 'list', '--prefix', 'e2e/'], env)).entries).toEqual([expect.objectContaining({ key: 'e2e/k', value: 'v2' })]);
    await ok(['kv', 'del', 'e2e/k'], env);
    expect((await runCli(['kv', 'get', 'e2e/k'], env)).code).toBe(9);
  });

  it('answers kv in fleet\'s shapes: revisions of the key written, namespaces, pages with a cursor', async () => {
    const put = await json<{ kv: { ns: string; key: string; createRevision: number; modRevision: number; version: number }; revision: number }>(['kv', 'put', 'k', 'v1', '--ns', 'shape'], env);
    expect(put.kv).toEqual({ ns: 'shape', key: 'k', createRevision: put.revision, modRevision: put.revision, version: 1 });
    const again = await json<typeof put>(['kv', 'cas', 'k', 'v2', '--expect', 'v1', '--ns', 'shape'], env);
    expect(again.kv).toEqual({ ns: 'shape', key: 'k', createRevision: put.revision, modRevision: again.revision, version: 2 });
    expect(await json(['kv', 'get', 'k', '--ns', 'shape'], env)).toEqual({ ns: 'shape', key: 'k', value: 'v2', createRevision: put.revision, modRevision: again.revision, version: 2 });
    await ok(['kv', 'put', 'k2', 'v', '--ns', 'shape'], env);
    const page = await json<{ entries: { key: string }[]; next: string | null }>(['kv', 'list', '--ns', 'shape', '--limit', '1'], env);
    expect(page).toMatchObject({ entries: [{ ns: 'shape', key: 'k' }], next: 'k' });
    expect(await json(['kv', 'list', '--ns', 'shape', '--after', 'k'], env)).toMatchObject({ entries: [{ key: 'k2' }], next: null });
    expect(await json(['kv', 'del', 'k', '--ns', 'shape'], env)).toEqual({ deleted: true, revision: expect.any(Number) });
    expect((await runCli(['kv', 'del', '--prefix', 'k', '--ns', 'shape', '--yes'], env)).code).toBe(2);
  });

  it('moves leadership with MoveLeader, to a chosen member', async () => {
    const before = await json<StatusModel>(['status'], env);
    const to = before.members.find((r) => r.role === 'follower')!.id!;
    const r = await json<{ from: string; to: string }>(['leader', 'transfer', '--to', to], env);
    expect(r).toMatchObject({ from: before.leader, to });
    expect((await json<StatusModel>(['status'], env)).leader).toBe(to);
  });

  it('saves a snapshot whose trailing sha256 checks out', async () => {
    const file = join(scratch.path, 'etcd.snap');
    const r = await json<{ path: string; bytes: number; sha256: string; endpoint: string }>(['snapshot', 'save', file], env);
    expect(Object.keys(r)).toEqual(['path', 'bytes', 'sha256', 'endpoint']);
    const data = readFileSync(file);
    expect(data.length).toBe(r.bytes);
    expect(snapshotHashMatches(data)).toBe(true);
  });

  it('adds a learner, promotes it once it runs and has caught up, and removes it', async () => {
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const added = await json<{ changed: string; as: string; leader: string; members: { id: string; address: string; voter: boolean }[] }>(['members', 'add', 'n4', `127.0.0.1:${peerPort}`, '--learner'], env);
    // fleet's shape of a membership change: the leader, and each member's id, address and vote.
    expect(added).toMatchObject({ as: 'learner', leader: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(added.members.find((m) => m.id === added.changed)).toEqual({ id: added.changed, address: '', voter: false });
    const listed = await json<{ members: { id: string; voter: boolean; peerUrls: string[] }[] }>(['members', 'list'], env);
    expect(listed.members.find((m) => m.id === added.changed)).toMatchObject({ voter: false, peerUrls: [`http://127.0.0.1:${peerPort}`] });
    learner = spawnLearner(clientPort, peerPort);
    await waitFor('the learner to catch up', async () => {
      // Exit 7 while the learner is down, 0 once it answers: the model is printed either way.
      const m = JSON.parse((await runCli(['status', '--json'], env)).stdout) as StatusModel;
      const row = m.members.find((r) => r.id === added.changed);
      return row?.role === 'learner' && row.lag === 0 ? row : undefined;
    }, 60_000, 200);
    // Four voters is an even number: fleet's safety gate refuses it unless forced, for etcd as for fleet.
    const refused = await runCli(['members', 'promote', added.changed], env);
    expect(refused.code, refused.stderr).toBe(4);
    let last = '';
    await waitFor(`etcd to accept the promotion (${last})`, async () => {
      const r = await runCli(['members', 'promote', added.changed, '--force'], env);
      last = r.stderr;
      return r.code === 0 ? true : undefined;
    }, 30_000, 500).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${last}`);
    });
    const four = await json<StatusModel>(['status'], env);
    expect(four.quorum.voters).toBe(4);
    const removed = await json<{ changed: string; leader: string; members: { id: string }[] }>(['members', 'remove', added.changed, '--force'], env);
    expect(removed.members.map((m) => m.id)).not.toContain(added.changed);
    await stopChild(learner, 'SIGTERM');
    learner = undefined;
    const after = await json<{ members: { id: string }[] }>(['members', 'list'], env);
    expect(after.members.map((m) => m.id)).not.toContain(added.changed);
  }, 120_000);

  it('keeps the registry in etcd under the context\'s prefix, and refuses a command without an etcd form in one line, naming the engine (exit 2)', async () => {
    await ok(['shards', 'add', 'e1', '--address', '10.9.0.1:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '3'], env);
    expect(await ok(['clusters', 'bind', 'ec1', '--shard', 'e1'], env)).toMatch(/^bound ec1 to e1 \(generation 1, index \d+\)/);
    await ok(['domains', 'assign', 'zone=eu-1a', '--shard', 'e1'], env);
    const keys = await json<{ entries: { key: string }[] }>(['kv', 'list', '--prefix', '/fleet/'], env);
    expect(keys.entries.map((e) => e.key)).toEqual(['/fleet/bound/e1', '/fleet/clusters/ec1', '/fleet/domains/zone=eu-1a', '/fleet/shard-addresses/10.9.0.1:443', '/fleet/shards/e1']);
    // Another fleet in the same etcd cluster, under its own prefix: it sees none of the first one's.
    await ok(['context', 'add', 'etcd-team', '--etcd', '--endpoints', cluster!.endpoints.join(','), '--prefix', '/team-a/'], env);
    const team = ['--context', 'etcd-team'];
    expect(await ok(['context', 'show', 'etcd-team'], env)).toMatch(/^registry prefix: +\/team-a\/$/m);
    expect(await json<{ shards: unknown[] }>(['shards', 'list', ...team], env)).toMatchObject({ shards: [] });
    await ok(['shards', 'add', 't1', '--address', '10.9.0.9:443', '--region', 'eu', '--zone', 'eu-1a', '--capacity', '1', ...team], env);
    expect((await json<{ entries: { key: string }[] }>(['kv', 'list', '--prefix', '/team-a/', ...team], env)).entries.map((e) => e.key)).toEqual(['/team-a/bound/t1', '/team-a/shard-addresses/10.9.0.9:443', '/team-a/shards/t1']);
    expect((await json<{ shards: { id: string }[] }>(['shards', 'list', ...team], { ...env, FLEET_ETCD_PREFIX: '/fleet/' })).shards.map((s) => s.id)).toEqual(['e1']);
    const r = await runCli(['audit'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('does not apply to an etcd cluster (engine etcd, context etcd-lab)');
  });

  /**
   * One table of commands run against both engines: a one-member fleet cluster and the etcd
   * cluster. Each --json document has fleet's shape on both, but for the fields one engine alone has.
   */
  describe('the same commands against fleet and against etcd', () => {
    let fleet: TestCluster | undefined;
    const onFleet = ['--context', 'fleet-lab'];

    beforeAll(async () => {
      fleet = await TestCluster.start({ size: 1 });
      await ok(['context', 'add', 'fleet-lab', '--endpoints', fleet.endpoints.join(',')], env);
    }, 120_000);

    afterAll(async () => {
      await fleet?.destroy();
    });

    /** The command, and the fields only fleet (Raft index, served-by) or only etcd (names, peer URLs) has. */
    const table: { args: string[]; fleetOnly?: string[]; etcdOnly?: string[] }[] = [
      { args: ['kv', 'put', 'shapes/a', '1'], fleetOnly: ['index'] },
      { args: ['kv', 'get', 'shapes/a'], fleetOnly: ['servedBy', 'appliedIndex'] },
      { args: ['kv', 'cas', 'shapes/a', '2', '--expect', '1'], fleetOnly: ['index'] },
      { args: ['kv', 'list', '--prefix', 'shapes/'], fleetOnly: ['servedBy', 'appliedIndex'] },
      { args: ['kv', 'del', 'shapes/a'], fleetOnly: ['index'] },
      { args: ['members', 'list'], fleetOnly: ['zone', 'region', 'readReplica'], etcdOnly: ['name', 'peerUrls'] },
    ];

    for (const row of table) {
      it(`fleet ${row.args.join(' ')} --json`, async () => {
        const [onFleetDoc, onEtcdDoc] = [await json(row.args.concat(onFleet), env), await json(row.args, env)];
        const drop = (paths: string[], only: string[] = []) => paths.filter((p) => !only.includes(p.split(':')[0]!.split('.').pop()!.replace(/\[\]$/, '')));
        expect(drop(shapeOf(onEtcdDoc), row.etcdOnly)).toEqual(drop(shapeOf(onFleetDoc), row.fleetOnly));
      });
    }
  });
});

/** Each leaf field of a document as `path:type` (an array by its first item), sorted. */
function shapeOf(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${at}[]`] : shapeOf(value[0], `${at}[]`);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => shapeOf(v, at === '' ? k : `${at}.${k}`)).sort();
  return [`${at}:${value === null ? 'null' : typeof value}`];
}

/** The fourth member, joining the running cluster: every existing member by its name, and n4. */
function spawnLearner(clientPort: number, peerPort: number): ChildProcess {
  const initial = [...cluster!.names.map((n) => `${n}=${cluster!.peerUrlOf(n)}`), `n4=http://127.0.0.1:${peerPort}`].join(',');
  return spawn(
    etcd.etcd,
    [
      ...['--name', 'n4', '--data-dir', join(scratch.path, 'n4')],
      ...['--listen-client-urls', `http://127.0.0.1:${clientPort}`, '--advertise-client-urls', `http://127.0.0.1:${clientPort}`],
      ...['--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`],
      ...['--initial-cluster', initial, '--initial-cluster-state', 'existing'],
    ],
    { stdio: 'ignore' },
  );
}
