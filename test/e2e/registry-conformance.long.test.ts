/**
 * One registry conformance suite, run against both backends: a real fleet cluster (its gRPC
 * service, through FleetClient) and a real etcd 3.4 cluster (the registry kept under a prefix,
 * through EtcdRegistry). Every case states one expected answer and one exit code, and both
 * backends must give exactly that: shards registered and re-registered, first contact wins,
 * capacity and shard states, unbind, listings, N concurrent first contacts of which exactly one
 * wins, and the same CLI commands with the same output and exit codes; rebinds (a stale `from`
 * refused as a compare-and-set conflict), batches all or none, plans applied, interrupted,
 * resumed and re-run as a no-op, concurrent binders and movers against a shard's capacity,
 * domains, quotas, providers, and leases (refusals, growing fencing tokens, expiry). Every
 * process is stopped in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { EtcdClient } from '../../src/client/etcd/index.js';
import { EtcdRegistry } from '../../src/client/etcd/registry/registry.js';
import { FleetClient } from '../../src/client/index.js';
import type { Registry } from '../../src/client/registry.js';
import { reportOf } from '../../src/common/errors.js';
import { applyPlan, generatePlan } from '../../src/ops/rebind/index.js';
import type { TopState } from '../../src/ops/top/model.js';
import { cliSandbox, json, ok } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli, tempDir, waitFor } from './processes.js';

requireEtcd();
const sandbox = cliSandbox();
const scratch = tempDir('fleet-reg-conformance-');
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

/** Registers shards `[id, capacity]` at addresses of their own. */
async function register(r: Registry, ...shards: [string, number][]): Promise<void> {
  for (const [id, capacity] of shards) await r.write({ type: 'shard.register', id, address: `${id}.example:443`, region: 'eu', zone: 'eu-1a', capacity });
}

/** The bound counts of `ids`, in that order. */
function counts(shards: readonly { id: string; boundClusters: number }[], ids: readonly string[]): number[] {
  return ids.map((id) => shards.find((s) => s.id === id)?.boundClusters ?? -1);
}

/** What fleet's members answer the bad inputs of the conformance case, in order (the wire's name, then the registry's sentence). */
const EXPECTED_BAD_INPUT = [
  `shard_register: shard.register: 'id' must be 1-253 letters, digits or '-._:/@' starting with a letter or digit, got "bad id"`,
  `shard_register: shard.register: 'address' must be host:port (port 1-65535, IPv6 in brackets), got "10.3.0.1"`,
  `shard_register: shard.register: 'capacity' must be an integer from 0 to 1000000000, got 1000000001`,
  `shard_register: shard.register: label: 'tier' must be a string of at most 253 characters without control characters, got "a\\nb"`,
  `shard_update: shard.update: 'address' must be host:port (port 1-65535, IPv6 in brackets), got "no port"`,
  `cluster_contact: cluster.contact: 'cluster' must be 1-253 letters, digits or '-._:/@' starting with a letter or digit, got "${'x'.repeat(76)}...`,
  `cluster_rebind: cluster.rebind: 'from' and 'to' are both "s1"; nothing to move`,
  `provider_add: provider.add: region "eu" is listed twice`,
  `quota_set: quota.set: slices add up to 2, more than the total 1`,
  `lease_acquire: lease.acquire: 'ttlMs' must be an integer from 1 to 86400000, got 0`,
  `lease_acquire: lease.acquire: 'ttlMs' must be an integer from 1 to 86400000, got 86400001`,
  `plan_progress: plan.progress: 'done' must be an integer from 0 to 2, got 3`,
  `cluster_rebind_batch: cluster.rebindBatch: moves[1] moves cluster "c1" a second time`,
];

const s1 = { id: 's1', address: '10.0.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 2, labels: { tier: 'gold' } };
const s2 = { id: 's2', address: '10.0.0.2:443', region: 'eu', zone: 'eu-1b', capacity: 5 };

describe('the registry conformance suite', () => {
  beforeAll(async () => {
    // Each is kept as soon as it starts, so that afterAll stops it even when the other failed to start.
    await Promise.all([TestCluster.start().then((c) => (fleet = c)), EtcdCluster.start(3).then((c) => (etcdCluster = c))]);
    await ok(['context', 'add', 'reg-fleet', '--endpoints', fleet!.endpoints.join(',')], env);
    await ok(['context', 'add', 'reg-etcd', '--etcd', '--endpoints', etcdCluster!.endpoints.join(',')], env);
  }, 120_000);

  afterAll(async () => {
    for (const c of open) c.close();
    await Promise.all([backends.fleet.close(), backends.etcd.close()]);
    sandbox.cleanup();
    scratch.cleanup();
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
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c9', shard: 'nope' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'shard "nope" does not exist' });
      expect(await r.getCluster('c9')).toBeUndefined();
    });

    it('holds capacity and refuses a shard that is not active; the state changes answer the previous state', async () => {
      const r = b().registry();
      await r.write({ type: 'cluster.contact', cluster: 'c2', shard: 's1' });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c3', shard: 's1' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "s1" is at capacity (2 of 2 bound, 1 more asked)' });
      expect(await r.write({ type: 'shard.setState', id: 's2', state: 'draining' })).toMatchObject({ previousState: 'active', shard: { id: 's2', state: 'draining' } });
      expect(await refused(r.write({ type: 'cluster.contact', cluster: 'c3', shard: 's2' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "s2" is draining and takes no new clusters' });
      expect((await r.write({ type: 'shard.setState', id: 's2', state: 'active' })).previousState).toBe('draining');
      expect(await refused(r.write({ type: 'shard.setState', id: 'nope', state: 'cordoned' }))).toMatchObject({ exitCode: 9, code: 'NOT_FOUND' });
      expect((await r.listShards()).map((s) => [s.id, s.state, s.boundClusters])).toEqual([['s1', 'active', 2], ['s2', 'active', 0]]);
    });

    it('unbinds (the cluster stays known, its generation grows), lists by shard and unbound, pages with a cursor', async () => {
      const r = b().registry();
      const u = await r.write({ type: 'cluster.unbind', cluster: 'c1' });
      expect(u).toMatchObject({ previousShard: 's1', cluster: { name: 'c1', shard: null, generation: 2 } });
      expect((await r.write({ type: 'cluster.unbind', cluster: 'c1' })).previousShard).toBeNull();
      expect(await refused(r.write({ type: 'cluster.unbind', cluster: 'nope' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'cluster "nope" does not exist' });
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

    it('lets exactly one of 8 concurrent registrations at one address win; an update moves the address, a removal frees it', async () => {
      const ids = ['ad1', 'ad2', 'ad3', 'ad4', 'ad5', 'ad6', 'ad7', 'ad8'];
      const address = '10.2.0.1:443';
      const outcomes = await Promise.allSettled(ids.map((id) => b().registry().write({ type: 'shard.register', id, address, region: 'eu', zone: 'eu-1a', capacity: 1 })));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [ids[i]!] : []));
      expect(won).toHaveLength(1);
      const winner = won[0]!;
      for (const o of outcomes) if (o.status === 'rejected') expect(await refused(Promise.reject(o.reason))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: `address ${address} is already used by shard "${winner}"` });
      const r = b().registry();
      expect((await r.listShards()).filter((s) => s.address === address).map((s) => s.id)).toEqual([winner]);
      // Moved away, the old address is free and the new one taken; removed, its address is free again.
      const other = ids.find((id) => id !== winner)!;
      await r.write({ type: 'shard.update', id: winner, address: '10.2.0.2:443' });
      expect((await r.write({ type: 'shard.register', id: other, address, region: 'eu', zone: 'eu-1a', capacity: 1 })).created).toBe(true);
      expect(await refused(r.write({ type: 'shard.update', id: other, address: '10.2.0.2:443' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: `address 10.2.0.2:443 is already used by shard "${winner}"` });
      await r.write({ type: 'shard.remove', id: winner });
      await r.write({ type: 'shard.update', id: other, address: '10.2.0.2:443' });
      expect((await r.write({ type: 'shard.register', id: winner, address, region: 'eu', zone: 'eu-1a', capacity: 1 })).created).toBe(true);
      await Promise.all([r.write({ type: 'shard.remove', id: winner }), r.write({ type: 'shard.remove', id: other })]);
    });

    it('refuses bad input the same way before writing anything: names, addresses, sizes, limits and TTL ranges', async () => {
      const r = b().registry();
      const bad = [
        { type: 'shard.register', id: 'bad id', address: '10.3.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 1 },
        { type: 'shard.register', id: 'bad-1', address: '10.3.0.1', region: 'eu', zone: 'eu-1a', capacity: 1 },
        { type: 'shard.register', id: 'bad-1', address: '10.3.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 1_000_000_001 },
        { type: 'shard.register', id: 'bad-1', address: '10.3.0.1:443', region: 'eu', zone: 'eu-1a', capacity: 1, labels: { tier: 'a\nb' } },
        { type: 'shard.update', id: 's1', address: 'no port' },
        { type: 'cluster.contact', cluster: 'x'.repeat(254), shard: 's1' },
        { type: 'cluster.rebind', cluster: 'c1', from: 's1', to: 's1' },
        { type: 'provider.add', name: 'p-bad', kind: 'cloud', regions: ['eu', 'eu'], endpoint: 'https://p.example' },
        { type: 'quota.set', provider: 'p-bad', region: 'eu', total: 1, slices: { s1: 2 } },
        { type: 'lease.acquire', name: 'l-bad', holder: 'h', ttlMs: 0 },
        { type: 'lease.acquire', name: 'l-bad', holder: 'h', ttlMs: 24 * 60 * 60 * 1000 + 1 },
        { type: 'plan.progress', planId: 'p', startedBy: 'me', done: 3, total: 2, state: 'running' },
        { type: 'cluster.rebindBatch', moves: [{ cluster: 'c1', from: 's1', to: 's2' }, { cluster: 'c1', from: 's2', to: 's1' }] },
      ] as const;
      // Fleet's member names itself first (`127.0.0.1:7781: `): where the call went, not what was refused.
      const answers = [];
      for (const op of bad) answers.push(await refused(r.write(op)).then((a) => ({ ...a, message: a.message.replace(/^[\w.-]+:\d+: /, '') })));
      expect(answers).toEqual(EXPECTED_BAD_INPUT.map((message) => ({ exitCode: 1, code: undefined, message })));
      expect((await r.listShards()).map((s) => s.id)).not.toContain('bad-1');
    });

    it('shows a running plan\'s progress in fleet status, and no longer once it has completed', async () => {
      const r = b().registry();
      const ctx = ['--context', b().context];
      await r.write({ type: 'plan.progress', planId: 'status-plan', startedBy: 'op@host', done: 3, total: 10, state: 'running' });
      const running = await json<{ plans: { planId: string; state: string; done: number; total: number; startedBy: string }[] }>(['status', ...ctx], env);
      expect(running.plans.filter((p) => p.planId === 'status-plan')).toEqual([expect.objectContaining({ planId: 'status-plan', state: 'running', done: 3, total: 10, startedBy: 'op@host' })]);
      expect(await ok(['status', ...ctx], env)).toMatch(/^REBIND PLAN .*\nstatus-plan +running +3\/10 \(30%\) +op@host/m);
      await r.write({ type: 'plan.progress', planId: 'status-plan', startedBy: 'op@host', done: 10, total: 10, state: 'completed' });
      expect((await json<{ plans: { planId: string }[] }>(['status', ...ctx], env)).plans.map((p) => p.planId)).not.toContain('status-plan');
    });

    it('shows the registry in fleet top the same: its shards, their sizes and a running plan', async () => {
      const r = b().registry();
      await register(r, ['top-1', 3]);
      await r.write({ type: 'cluster.contact', cluster: 'top-c1', shard: 'top-1' });
      await r.write({ type: 'plan.progress', planId: 'top-plan', startedBy: 'op@host', done: 1, total: 4, state: 'running' });
      const state = await json<TopState>(['top', '--once', '--context', b().context], env);
      expect(state.registry.absent).toBeUndefined();
      expect(state.registry.error).toBeNull();
      expect(state.registry.shards.find((s) => s.id === 'top-1')).toMatchObject({ capacity: 3, boundClusters: 1 });
      expect(state.registry.counts?.shards).toBe(state.registry.shards.length);
      expect(state.registry.counts?.clusters).toBeGreaterThanOrEqual(1);
      expect(state.registry.plans.map((p) => p.planId)).toContain('top-plan');
      await r.write({ type: 'plan.progress', planId: 'top-plan', startedBy: 'op@host', done: 4, total: 4, state: 'completed' });
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

    it('rebinds with a compare-and-set on the current shard: a stale from is CAS_FAILED (exit 4), the target is checked unless forced', async () => {
      const r = b().registry();
      await register(r, ['m1', 3], ['m2', 1]);
      await r.write({ type: 'cluster.contact', cluster: 'mv-1', shard: 'm1' });
      const moved = await r.write({ type: 'cluster.rebind', cluster: 'mv-1', from: 'm1', to: 'm2' });
      expect(moved).toMatchObject({ from: 'm1', cluster: { name: 'mv-1', shard: 'm2', generation: 2 } });
      expect(await refused(r.write({ type: 'cluster.rebind', cluster: 'mv-1', from: 'm1', to: 'm2' }))).toEqual({ exitCode: 4, code: 'CAS_FAILED', message: 'cluster "mv-1" is bound to "m2", not bound to "m1"' });
      expect(await refused(r.write({ type: 'cluster.rebind', cluster: 'mv-1', from: null, to: 'm1' }))).toEqual({ exitCode: 4, code: 'CAS_FAILED', message: 'cluster "mv-1" is bound to "m2", not unbound' });
      await r.write({ type: 'cluster.contact', cluster: 'mv-2', shard: 'm1' });
      expect(await refused(r.write({ type: 'cluster.rebind', cluster: 'mv-2', from: 'm1', to: 'm2' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "m2" is at capacity (1 of 1 bound, 1 more asked)' });
      expect(await refused(r.write({ type: 'cluster.rebind', cluster: 'mv-2', from: 'm1', to: 'nope' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'shard "nope" does not exist' });
      expect((await r.write({ type: 'cluster.rebind', cluster: 'mv-2', from: 'm1', to: 'm2', force: true })).cluster.shard).toBe('m2');
      await r.write({ type: 'cluster.unbind', cluster: 'mv-2' });
      expect((await r.write({ type: 'cluster.rebind', cluster: 'mv-2', from: null, to: 'm1' })).cluster).toMatchObject({ shard: 'm1', generation: 4 });
      expect(counts(await r.listShards(), ['m1', 'm2'])).toEqual([1, 1]);
      const cli = await runCli(['rebind', 'mv-1', '--to', 'm1', '--from', 'm9', '--context', b().context], env);
      expect(cli.code).toBe(4);
      expect(cli.stderr.split('\n')[0]).toBe('error: cluster "mv-1" is on "m2", not on "m9" (to move it from there: fleet rebind mv-1 --to m1 --from m2)');
    });

    it('applies a batch all or none: one stale move or one full target and no move is made', async () => {
      const r = b().registry();
      await register(r, ['b1', 10], ['b2', 2]);
      for (const c of ['bt-1', 'bt-2', 'bt-3']) await r.write({ type: 'cluster.contact', cluster: c, shard: 'b1' });
      const stale = [{ cluster: 'bt-1', from: 'b1', to: 'b2' }, { cluster: 'bt-2', from: 'b2', to: 'b1' }];
      expect(await refused(r.write({ type: 'cluster.rebindBatch', moves: stale }))).toEqual({ exitCode: 4, code: 'CAS_FAILED', message: 'moves[1] (cluster "bt-2"): cluster "bt-2" is bound to "b1", not bound to "b2"; no move was made' });
      const tooMany = ['bt-1', 'bt-2', 'bt-3'].map((cluster) => ({ cluster, from: 'b1', to: 'b2' }));
      expect(await refused(r.write({ type: 'cluster.rebindBatch', moves: tooMany }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'moves[0] (cluster "bt-1"): shard "b2" is at capacity (0 of 2 bound, 3 more asked); no move was made' });
      expect(counts(await r.listShards(), ['b1', 'b2'])).toEqual([3, 0]);
      expect(await r.write({ type: 'cluster.rebindBatch', moves: tooMany.slice(0, 2), planId: 'p-1' })).toMatchObject({ moved: 2, planId: 'p-1' });
      expect(counts(await r.listShards(), ['b1', 'b2'])).toEqual([1, 2]);
      expect((await r.listClusters({ shard: 'b2' })).items.map((c) => [c.name, c.generation])).toEqual([['bt-1', 2], ['bt-2', 2]]);
    });

    it('applies a plan in batches: interrupted, it resumes where it stopped; re-run, it changes nothing; its progress is kept', async () => {
      const r = b().registry();
      await register(r, ['d1', 10], ['d2', 10], ['d3', 10]);
      for (let i = 0; i < 7; i++) await r.write({ type: 'cluster.contact', cluster: `dr-${i}`, shard: 'd1' });
      const plan = await generatePlan(r, { kind: 'drain', shards: ['d1'], targets: ['d2', 'd3'] }, { id: `drain-${name}`, createdBy: 'test', now: new Date() });
      expect(plan.moves).toHaveLength(7);
      const stop = new AbortController();
      const base = { batchSize: 2, onConflict: 'stop' as const, startedBy: 'test@host', reportEveryMs: 0 };
      const first = await applyPlan(r, plan, { ...base, signal: stop.signal, onBatch: () => stop.abort() });
      expect(first).toMatchObject({ state: 'paused', applied: 2, batches: 1 });
      expect((await r.listPlans()).find((p) => p.planId === plan.id)).toMatchObject({ state: 'paused', done: 2, total: 7, startedBy: 'test@host' });
      const second = await applyPlan(r, plan, base);
      expect(second).toMatchObject({ state: 'completed', inPlaceBefore: 2, applied: 5, batches: 3 });
      expect(counts(await r.listShards(), ['d1', 'd2', 'd3']).reduce((a, n, i) => (i === 0 ? a : a + n), 0)).toBe(7);
      expect(await applyPlan(r, plan, base)).toMatchObject({ state: 'unchanged', applied: 0, inPlaceBefore: 7 });
      expect((await r.listPlans()).find((p) => p.planId === plan.id)).toMatchObject({ state: 'completed', done: 7 });
    });

    it('runs the plan commands the same: generate, check, apply, a re-run that is a no-op, and a drifted plan refused (exit 4)', async () => {
      const r = b().registry();
      await register(r, ['e1', 10], ['e2', 10]);
      for (let i = 0; i < 4; i++) await r.write({ type: 'cluster.contact', cluster: `ep-${i}`, shard: 'e1' });
      const ctx = ['--context', b().context];
      const file = `${scratch.path}/drain-e1-${name}.yaml`;
      await ok(['rebind', 'plan', 'generate', '--drain', 'e1', '--to', 'e2', '--id', `cli-${name}`, '-o', file, ...ctx], env);
      expect(await json<{ ok: boolean; pending: number }>(['rebind', 'plan', 'check', file, ...ctx], env)).toMatchObject({ ok: true, pending: 4 });
      expect(await json<{ state: string; applied: number }>(['rebind', 'plan', 'apply', file, '--yes', '--batch-size', '3', ...ctx], env)).toMatchObject({ state: 'completed', applied: 4 });
      expect(await json<{ state: string; applied: number }>(['rebind', 'plan', 'apply', file, '--yes', ...ctx], env)).toMatchObject({ state: 'unchanged', applied: 0 });
      expect(await json<{ verified: boolean }>(['rebind', 'plan', 'verify', file, ...ctx], env)).toMatchObject({ verified: true });
      // A cluster binds to a new plan's source after it was made: the plan's digest no longer matches.
      const back = `${scratch.path}/drain-e2-${name}.yaml`;
      await ok(['rebind', 'plan', 'generate', '--drain', 'e2', '--to', 'e1', '-o', back, ...ctx], env);
      await r.write({ type: 'cluster.contact', cluster: 'ep-late', shard: 'e2' });
      const drifted = await runCli(['rebind', 'plan', 'apply', back, '--yes', ...ctx], env);
      expect(drifted.code).toBe(4);
      expect(drifted.stderr.split('\n')[0]).toMatch(/^error: the plan is out of date: /);
    });

    it('holds capacity under concurrent binders and movers: exactly as many win as the shard has room for', async () => {
      const setup = b().registry();
      await register(setup, ['k1', 3], ['k2', 20], ['k3', 2]);
      const contacts = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => b().registry().write({ type: 'cluster.contact', cluster: `kc-${i}`, shard: 'k1' })));
      expect(contacts.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      for (const o of contacts) if (o.status === 'rejected') expect(reportOf(o.reason)).toMatchObject({ exitCode: 4, message: 'shard "k1" is at capacity (3 of 3 bound, 1 more asked)' });
      for (let i = 0; i < 6; i++) await setup.write({ type: 'cluster.contact', cluster: `km-${i}`, shard: 'k2' });
      const moves = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => b().registry().write({ type: 'cluster.rebind', cluster: `km-${i}`, from: 'k2', to: 'k3' })));
      expect(moves.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
      expect(counts(await setup.listShards(), ['k1', 'k2', 'k3'])).toEqual([3, 4, 2]);
      expect((await setup.listClusters({ shard: 'k3' })).items).toHaveLength(2);
    });

    it('keeps domains, providers and quotas as fleet does, and a forced shard removal takes its bindings, domains and slices', async () => {
      const r = b().registry();
      await register(r, ['t1', 5], ['t2', 5]);
      expect(await r.write({ type: 'domain.assign', key: 'zone', value: 'eu-1a', shard: 't1' })).toMatchObject({ previousShard: null, domain: { key: 'zone', value: 'eu-1a', shard: 't1' } });
      expect((await r.write({ type: 'domain.assign', key: 'zone', value: 'eu-1a', shard: 't2' })).previousShard).toBe('t1');
      await r.write({ type: 'domain.assign', key: 'rack', value: 'r-1', shard: 't1' });
      expect(await refused(r.write({ type: 'domain.assign', key: 'rack', value: 'r-2', shard: 'nope' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'shard "nope" does not exist' });
      expect(await refused(r.write({ type: 'domain.unassign', key: 'rack', value: 'r-9' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'domain "rack=r-9" does not exist' });
      const aws = { name: 'aws', kind: 'cloud', regions: ['eu-west-1', 'us-east-1'], endpoint: 'https://aws.example' };
      expect((await r.write({ type: 'provider.add', ...aws })).created).toBe(true);
      expect((await r.write({ type: 'provider.add', ...aws })).created).toBe(false);
      expect(await refused(r.write({ type: 'provider.add', ...aws, kind: 'other' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'provider "aws" already exists with another definition; remove it first' });
      expect(await refused(r.write({ type: 'quota.set', provider: 'aws', region: 'ap-1', total: 10, slices: {} }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'provider "aws" has no region "ap-1" (it has eu-west-1, us-east-1)' });
      expect(await r.write({ type: 'quota.set', provider: 'aws', region: 'eu-west-1', total: 10, slices: { t1: 4, t2: 3 } })).toMatchObject({ created: true, quota: { allocated: 7 } });
      expect(await refused(r.write({ type: 'provider.remove', name: 'aws' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'provider "aws" still has quotas in eu-west-1; remove them first' });
      await r.write({ type: 'cluster.contact', cluster: 'tc-1', shard: 't1' });
      expect(await refused(r.write({ type: 'shard.remove', id: 't1' }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'shard "t1" still has 1 bound clusters; rebind them first, or pass --force to remove it with its bindings' });
      expect(await r.write({ type: 'shard.remove', id: 't1', force: true })).toMatchObject({ unboundClusters: 1, unassignedDomains: 1, droppedQuotaSlices: 1 });
      expect((await r.getCluster('tc-1'))?.shard).toBeNull();
      expect((await r.listDomains()).map((d) => `${d.key}=${d.value}:${d.shard}`)).toEqual(['zone=eu-1a:t2']);
      expect(await r.listQuotas()).toEqual([{ provider: 'aws', region: 'eu-west-1', total: 10, allocated: 3, slices: { t2: 3 } }]);
      await r.write({ type: 'quota.remove', provider: 'aws', region: 'eu-west-1' });
      expect(await r.write({ type: 'provider.remove', name: 'aws' })).toMatchObject({ name: 'aws' });
      expect(await r.write({ type: 'shard.update', id: 't2', capacity: 9, labels: { b: '2', a: '1' } })).toMatchObject({ shard: { capacity: 9, labels: { a: '1', b: '2' } } });
      const ctx = ['--context', b().context];
      expect(await ok(['domains', 'list', ...ctx], env)).toMatch(/zone=eu-1a|zone +eu-1a/);
    });

    it('refuses a lease held by another or under a stale token, renews it under the same token, and grows the token on each new grant', async () => {
      const r = b().registry();
      const a = await r.write({ type: 'lease.acquire', name: 'lock', holder: 'alice', ttlMs: 30_000 });
      expect(a).toMatchObject({ renewed: false, lease: { holder: 'alice', ttlMs: 30_000 } });
      // The CLI words it with the expiry the refusal carries.
      expect(await refused(r.write({ type: 'lease.acquire', name: 'lock', holder: 'bob', ttlMs: 30_000 }))).toMatchObject({ exitCode: 4, code: 'FAILED_PRECONDITION', message: expect.stringMatching(/^lease "lock" is held by "alice" until \d\d:\d\d:\d\d \(in \d+ s\), unless renewed or released$/) });
      expect(await refused(r.write({ type: 'lease.renew', name: 'lock', holder: 'alice', token: a.lease.token + 1 }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: `fencing token ${a.lease.token + 1} is not lease "lock"'s: "alice" holds it under another token (the one its latest acquire printed)` });
      expect((await r.write({ type: 'lease.renew', name: 'lock', holder: 'alice', token: a.lease.token, ttlMs: 20_000 })).lease).toMatchObject({ token: a.lease.token, ttlMs: 20_000 });
      expect(await r.write({ type: 'lease.acquire', name: 'lock', holder: 'alice', ttlMs: 30_000 })).toMatchObject({ renewed: true, lease: { token: a.lease.token } });
      expect(await refused(r.write({ type: 'lease.release', name: 'nope', holder: 'alice', token: 1 }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'lease "nope" does not exist' });
      await r.write({ type: 'lease.release', name: 'lock', holder: 'alice', token: a.lease.token });
      const b2 = await r.write({ type: 'lease.acquire', name: 'lock', holder: 'bob', ttlMs: 30_000 });
      expect(b2.lease.token).toBeGreaterThan(a.lease.token);
      expect((await r.listLeases()).find((l) => l.name === 'lock')).toMatchObject({ holder: 'bob', token: b2.lease.token, expired: false });
    });

    it('expires a lease that is not renewed: renewing it is refused, and the next grant gets a larger token', async () => {
      const r = b().registry();
      // etcd's shortest lease is about 2 s (1.5 election timeouts, rounded up): both engines get 2 s.
      const a = await r.write({ type: 'lease.acquire', name: 'short', holder: 'alice', ttlMs: 2_000 });
      await waitFor('the lease to expire', async () => (await r.listLeases()).find((l) => l.name === 'short' && l.expired), 20_000, 200);
      expect(await refused(r.write({ type: 'lease.renew', name: 'short', holder: 'alice', token: a.lease.token }))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'lease "short" expired; acquire it again' });
      const next = await r.write({ type: 'lease.acquire', name: 'short', holder: 'bob', ttlMs: 10_000 });
      expect(next).toMatchObject({ renewed: false, lease: { holder: 'bob' } });
      expect(next.lease.token).toBeGreaterThan(a.lease.token);
    });

    it('records heartbeats, and a prune forgets the clusters not seen since, freeing their shards\' slots', async () => {
      const r = b().registry();
      const hb = await r.write({ type: 'shard.heartbeat', id: 's2' });
      expect((await r.listShards()).find((s) => s.id === 's2')?.lastHeartbeat).toBe(hb.lastHeartbeat);
      expect(await refused(r.write({ type: 'cluster.heartbeat', cluster: 'nope' }))).toEqual({ exitCode: 9, code: 'NOT_FOUND', message: 'cluster "nope" does not exist' });
      const seen = await r.write({ type: 'cluster.heartbeat', cluster: 'c1' });
      expect((await r.getCluster('c1'))?.lastSeen).toBe(seen.lastSeen);
      const all = (await r.listClusters({ limit: 10_000 })).items.length;
      expect((await r.write({ type: 'cluster.prune', notSeenSinceMs: 3_600_000 })).pruned).toBe(0);
      await waitFor('the registry clock to pass the last contact', async () => (await r.write({ type: 'shard.heartbeat', id: 's2' })).lastHeartbeat > seen.lastSeen);
      expect((await r.write({ type: 'cluster.prune', notSeenSinceMs: 0 })).pruned).toBe(all);
      expect((await r.listClusters()).items).toEqual([]);
      expect((await r.listShards()).filter((s) => s.boundClusters !== 0)).toEqual([]);
    });
  });

  it('on etcd, cuts a plan\'s batches to what one transaction takes, and refuses a batch that does not fit whole', async () => {
    // A registry whose etcd allowed 16 operations per transaction: 20 moves off one shard onto one take two batches.
    const r = new EtcdRegistry(new EtcdClient({ endpoints: etcdCluster!.endpoints, callTimeoutMs: 5_000 }), '/fleet-small/', 16);
    open.push(r.client);
    await register(r, ['f1', 50], ['f2', 50]);
    for (let i = 0; i < 20; i++) await r.write({ type: 'cluster.contact', cluster: `fb-${String(i).padStart(2, '0')}`, shard: 'f1' });
    const plan = await generatePlan(r, { kind: 'drain', shards: ['f1'], targets: ['f2'] }, { id: 'fit', createdBy: 'test', now: new Date() });
    const whole = plan.moves.map((m) => ({ ...m }));
    expect(await refused(r.write({ type: 'cluster.rebindBatch', moves: whole }))).toMatchObject({ exitCode: 1, code: 'INVALID_ARGUMENT', message: 'this write needs 23 operations in one etcd transaction, more than the 16 etcd allows (--max-txn-ops); split it' });
    expect(counts(await r.listShards(), ['f1', 'f2'])).toEqual([20, 0]);
    const report = await applyPlan(r, plan, { batchSize: 100, onConflict: 'stop', startedBy: 'test', reportEveryMs: 0 });
    expect(report).toMatchObject({ state: 'completed', applied: 20, batches: 2 });
    expect(counts(await r.listShards(), ['f1', 'f2'])).toEqual([0, 20]);
  });

  it('on etcd, keeps the address of a shard registered before the address index existed (it has no index key)', async () => {
    const c = new EtcdClient({ endpoints: etcdCluster!.endpoints, callTimeoutMs: 5_000 });
    open.push(c);
    const r = new EtcdRegistry(c, '/fleet-legacy/');
    const legacy = { id: 'old-1', address: '10.4.0.1:443', region: 'eu', zone: 'eu-1a', state: 'active', capacity: 1, labels: {}, registeredAt: 1, lastHeartbeat: null };
    await c.onAnyMember((ep) => c.put(ep, Buffer.from('/fleet-legacy/shards/old-1'), Buffer.from(JSON.stringify(legacy))));
    const at = (address: string) => ({ type: 'shard.register', id: 'new-1', address, region: 'eu', zone: 'eu-1a', capacity: 1 }) as const;
    expect(await refused(r.write(at('10.4.0.1:443')))).toEqual({ exitCode: 4, code: 'FAILED_PRECONDITION', message: 'address 10.4.0.1:443 is already used by shard "old-1"' });
    // Moved, the legacy shard takes an index key for its new address; its old one is free.
    await r.write({ type: 'shard.update', id: 'old-1', address: '10.4.0.2:443' });
    expect(await refused(r.write(at('10.4.0.2:443')))).toMatchObject({ exitCode: 4, message: 'address 10.4.0.2:443 is already used by shard "old-1"' });
    expect((await r.write(at('10.4.0.1:443'))).created).toBe(true);
  });
});
