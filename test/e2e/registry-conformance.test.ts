/**
 * One registry conformance suite, run against both backends: a real fleet cluster (its gRPC
 * service, through FleetClient) and a real etcd 3.4 cluster (the registry kept under a prefix,
 * through EtcdRegistry). Every case states one expected answer and one exit code, and both
 * backends must give exactly that: shards registered and re-registered, first contact wins,
 * capacity and shard states, unbind, listings, N concurrent first contacts of which exactly one
 * wins, and the same CLI commands with the same output and exit codes. Every process is
 * stopped in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, findEtcd } from '../../bench/etcd/cluster.js';
import { EtcdClient } from '../../src/client/etcd/index.js';
import { EtcdRegistry } from '../../src/client/etcd/registry.js';
import { FleetClient } from '../../src/client/index.js';
import type { Registry } from '../../src/client/registry.js';
import { reportOf } from '../../src/common/errors.js';
import { cliSandbox, ok } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli } from './processes.js';

const etcd = findEtcd();
const sandbox = cliSandbox();
const env = sandbox.env;

interface Backend {
  readonly name: 'fleet' | 'etcd';
  readonly context: string;
  /** A registry client of its own (a concurrent writer gets its own connection). */
  registry(): Registry;
  close(): Promise<void>;
}

let fleet: TestCluster | undefined;
let etcdCluster: EtcdCluster | undefined;
const open: { close(): void }[] = [];

const backends: Record<'fleet' | 'etcd', Backend> = {
  fleet: {
    name: 'fleet',
    context: 'reg-fleet',
    registry: () => {
      const c = new FleetClient({ endpoints: fleet!.endpoints, callTimeoutMs: 5_000, overallTimeoutMs: 20_000 });
      open.push(c);
      return c;
    },
    close: async () => fleet?.destroy(),
  },
  etcd: {
    name: 'etcd',
    context: 'reg-etcd',
    registry: () => {
      const c = new EtcdClient({ endpoints: etcdCluster!.endpoints, callTimeoutMs: 5_000 });
      open.push(c);
      return new EtcdRegistry(c);
    },
    close: async () => etcdCluster?.stop(),
  },
};

/** What a refused call comes to: the exit code the CLI would give, the registry's code and the sentence. */
async function refused(call: Promise<unknown>): Promise<{ exitCode: number; code: string | undefined; message: string }> {
  try {
    await call;
  } catch (err) {
    const r = reportOf(err);
    return { exitCode: r.exitCode, code: (err as { code?: string }).code, message: r.message };
  }
  throw new Error('the call was expected to be refused, and it succeeded');
}

const s1 = { id: 's1', address: '10.0.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 2, labels: { tier: 'gold' } };
const s2 = { id: 's2', address: '10.0.0.2:443', region: 'eu', zone: 'eu-1b', capacity: 5 };

describe.skipIf(etcd === undefined)('the registry conformance suite', () => {
  beforeAll(async () => {
    [fleet, etcdCluster] = await Promise.all([TestCluster.start(), EtcdCluster.start(1)]);
    await ok(['context', 'add', 'reg-fleet', '--endpoints', fleet.endpoints.join(',')], env);
    await ok(['context', 'add', 'reg-etcd', '--etcd', '--endpoints', etcdCluster.endpoints.join(',')], env);
  }, 120_000);

  afterAll(async () => {
    for (const c of open) c.close();
    await Promise.all([backends.fleet.close(), backends.etcd.close()]);
    sandbox.cleanup();
  });

  describe.each(['fleet', 'etcd'] as const)('on %s', (name) => {
    const b = () => backends[name];

    it('registers a shard once: the same settings again are a no-op, other settings or a taken address are refused (exit 4)', async () => {
      const r = b().registry();
      const added = await r.write({ type: 'shard.register', ...s1 });
      expect(added).toMatchObject({ created: true, shard: { id: 's1', state: 'active', capacity: 2, labels: { tier: 'gold' }, boundClusters: 0, lastHeartbeat: null } });
      expect(added.index).toBeGreaterThan(0);
      expect(await r.write({ type: 'shard.register', ...s1 })).toMatchObject({ created: false, shard: { id: 's1' } });
      expect(await refused(r.write({ type: 'shard.register', ...s1, capacity: 3 }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "s1" is already registered with other settings; use shard.update to change them' });
      expect(await refused(r.write({ type: 'shard.register', ...s2, address: s1.address }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'address 10.0.0.1:443 is already used by shard "s1"' });
      expect((await r.write({ type: 'shard.register', ...s2 })).created).toBe(true);
    });

    it('binds on first contact, accepts the same shard again, refuses another (ALREADY_BOUND) and an unknown shard', async () => {
      const r = b().registry();
      const first = await r.write({ type: 'cluster.contact', cluster: 'c1', shard: 's1' });
      expect(first).toMatchObject({ created: true, bound: true, cluster: { name: 'c1', shard: 's1', generation: 1 } });
      expect(await r.write({ type: 'cluster.contact', cluster: 'c1', shard: 's1' })).toMatchObject({ created: false, bound: false, cluster: { shard: 's1', generation: 1 } });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c1', shard: 's2' }))).toEqual({ exitCode: 4, code: 'ALREADY_BOUND', message: 'cluster "c1" is already bound to shard "s1"; rebind it explicitly to move it' });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c9', shard: 'nope' }))).toEqual({ exitCode: 1, code: 'NOT_FOUND', message: 'shard "nope" does not exist' });
      expect(await r.getCluster('c9')).toBeUndefined();
    });

    it('holds capacity and refuses a shard that is not active; the state changes answer the previous state', async () => {
      const r = b().registry();
      await r.write({ type: 'cluster.contact', cluster: 'c2', shard: 's1' });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c3', shard: 's1' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "s1" is at capacity (2 of 2 bound, 1 more asked)' });
      expect(await r.write({ type: 'shard.setState', id: 's2', state: 'draining' })).toMatchObject({ previousState: 'active', shard: { id: 's2', state: 'draining' } });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c3', shard: 's2' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "s2" is draining and takes no new clusters' });
      expect((await r.write({ type: 'shard.setState', id: 's2', state: 'active' })).previousState).toBe('draining');
      expect(await refused(r.write({ type: 'shard.setState', id: 'nope', state: 'cordoned' }))).toMatchObject({ exitCode: 1, code: 'NOT_FOUND' });
      expect((await r.listShards()).map((s) => [s.id, s.state, s.boundClusters])).toEqual([['s1', 'active', 2], ['s2', 'active', 0]]);
    });

    it('unbinds (the cluster stays known, its generation grows), lists by shard and unbound, pages with a cursor', async () => {
      const r = b().registry();
      const u = await r.write({ type: 'cluster.unbind', cluster: 'c1' });
      expect(u).toMatchObject({ previousShard: 's1', cluster: { name: 'c1', shard: null, generation: 2 } });
      expect((await r.write({ type: 'cluster.unbind', cluster: 'c1' })).previousShard).toBeNull();
      expect(await refused(r.write({ type: 'cluster.unbind', cluster: 'nope' }))).toEqual({ exitCode: 1, code: 'NOT_FOUND', message: 'cluster "nope" does not exist' });
      expect((await r.listClusters({ shard: 's1' })).items.map((c) => c.name)).toEqual(['c2']);
      expect((await r.listClusters({ unbound: true })).items.map((c) => c.name)).toEqual(['c1']);
      const page = await r.listClusters({ limit: 1 });
      expect(page.items.map((c) => c.name)).toEqual(['c1']);
      expect((await r.listClusters({ after: page.next!, limit: 10 })).items.map((c) => c.name)).toEqual(['c2']);
      // The freed slot binds again: capacity counts the unbind.
      expect((await r.write({ type: 'cluster.contact', cluster: 'c1', shard: 's1' })).cluster).toMatchObject({ shard: 's1', generation: 3 });
    });

    it('lets exactly one of 8 concurrent first contacts win; the others are told where it is bound', async () => {
      const setup = b().registry();
      const shards = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
      await Promise.all(shards.map((id, i) => setup.write({ type: 'shard.register', id, address: `10.1.0.${i + 1}:443`, region: 'eu', zone: 'eu-1a', capacity: 10 })));
      const outcomes = await Promise.allSettled(shards.map((shard) => b().registry().write({ type: 'cluster.contact', cluster: 'race', shard })));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' && o.value.bound ? [shards[i]!] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(reportOf(o.reason)).toMatchObject({ exitCode: 4, message: `cluster "race" is already bound to shard "${won[0]}"; rebind it explicitly to move it` });
      expect((await setup.getCluster('race'))?.shard).toBe(won[0]);
      const bound = (await setup.listShards()).filter((s) => shards.includes(s.id)).map((s) => s.boundClusters);
      expect(bound.reduce((a, n) => a + n, 0)).toBe(1);
    });

    it('answers the CLI the same: bind, a conflict (exit 4, one line), show and the shards table', async () => {
      const ctx = ['--context', b().context];
      expect(await ok(['clusters', 'bind', 'cli-1', '--shard', 's2', ...ctx], env)).toMatch(/^bound cli-1 to s2 \(generation 1, index \d+\)/);
      const conflict = await runCli(['clusters', 'bind', 'cli-1', '--shard', 's1', ...ctx], env);
      expect(conflict.code).toBe(4);
      expect(conflict.stderr.trim().split('\n')[0]).toBe('error: cluster "cli-1" is already bound to shard "s2"; rebind it explicitly to move it');
      const shown = JSON.parse(await ok(['clusters', 'show', 'cli-1', '--json', ...ctx], env)) as { shard: string; generation: number };
      expect(shown).toMatchObject({ shard: 's2', generation: 1 });
      expect(await ok(['shards', 'list', ...ctx], env)).toMatch(/^s2 +10\.0\.0\.2:443 +eu +eu-1b +active +1 +5 +- +never$/m);
    });
  });
});
