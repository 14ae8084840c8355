/**
 * Patroni, the most used etcd consumer after Kubernetes, with fleet as its DCS (issue 58): two
 * PostgreSQL instances under two Patroni processes (Debian's `patroni`, PostgreSQL 15), the DCS
 * given as `etcd3: hosts` listing all three members, with a user and password. Patroni speaks
 * etcd's HTTP/JSON gateway on the members' client port.
 *
 * Each run bootstraps a leader and a streaming replica (`patronictl list`, and the leader's WAL
 * sender), writes a row, SIGKILLs the leader's Patroni and stops its postgres, and measures the
 * time until the replica is promoted (its REST API's `GET /primary` answers 200), the row there.
 * The kill comes just after the leader's loop refreshed its key, so both runs wait out about one
 * `ttl` (test/e2e/patroni.ts: PATRONI_TIMING). etcd 3.4 runs first, as the control (auth enabled,
 * user root); then fleet (a user name, a fleet token as the password), whose Raft leader is also
 * killed while Patroni runs: Patroni keeps its leader key through it. fleet's failover must take
 * at most the etcd run's time + 20 % (figures, and where fleet's extra second goes: BENCHMARKS.md,
 * "Patroni failover").
 *
 *   FLEET_TEST_BUILT=1 npx vitest run --config vitest.long.config.ts test/e2e/patroni.long.test.ts
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { PATRONI_TIMING, PatroniPair, type Dcs } from './patroni.js';
import { killProcessesMentioning, tempDir, waitFor } from './processes.js';

const etcd = requireEtcd();
const WRITER = 'patroni-writer-token-0123456789abcdef';
const ADMIN = 'patroni-admin-token-0123456789abcdef';
const ROW = 'written before the failover';
const dirs = tempDir('fleet-patroni-');
/** The etcd run's failover, in ms: the fleet run's bound. */
let etcdFailoverMs: number | undefined;

afterAll(() => {
  const left = killProcessesMentioning(dirs.path);
  dirs.cleanup();
  expect(left, 'processes left running').toEqual([]);
});

/** A pair of Patroni members in a dir of its own under the test's temp dir. */
function preparePair(name: string, dcs: Dcs): Promise<PatroniPair> {
  const root = join(dirs.path, name);
  mkdirSync(root);
  return PatroniPair.prepare(root, `fleet-e2e-${name}`, dcs);
}

/** pg1 bootstraps the cluster, pg2 joins as a streaming replica, and a row is written and replicated. */
async function bootstrap(pair: PatroniPair): Promise<void> {
  pair.start('pg1');
  await waitFor('pg1 to bootstrap and hold the leader key', () => pair.isPrimary('pg1') || undefined, 120_000, 250);
  pair.start('pg2');
  const rows = await pair.waitLeaderAndReplica('pg1', 'pg2');
  expect(rows.map((r) => [r.Member, r.Role]).sort()).toEqual([['pg1', 'Leader'], ['pg2', 'Replica']]);
  await pair.sql('pg1', `CREATE TABLE drill (id int PRIMARY KEY, note text); INSERT INTO drill VALUES (1, '${ROW}')`);
  await waitFor('the row to reach the replica', async () => (await pair.sql('pg2', 'SELECT note FROM drill WHERE id = 1').catch(() => '')) === ROW || undefined, 30_000, 200);
}

/** Kills the leader's Patroni and postgres just after its loop refreshed its key; answers the ms until pg2 is the primary. */
async function failover(pair: PatroniPair): Promise<number> {
  await pair.nextLeaderLoop('pg1');
  const t0 = performance.now();
  await pair.kill('pg1');
  await waitFor('pg2 to be promoted', () => pair.isPrimary('pg2') || undefined, 90_000, 50);
  const ms = performance.now() - t0;
  // Patroni answers /primary once it holds the leader key and has asked postgres to promote; the
  // promotion itself ends a moment later (a CI run read 't' at once after it).
  await waitFor('pg2 to leave recovery', async () => ((await pair.sql('pg2', 'SELECT pg_is_in_recovery()')) === 'f' ? true : undefined), 30_000, 100);
  expect(await pair.sql('pg2', 'SELECT note FROM drill WHERE id = 1')).toBe(ROW);
  await waitFor('patronictl list to show pg2 as the Leader', async () => (await pair.list()).find((r) => r.Member === 'pg2')?.Role === 'Leader' || undefined, 30_000, 500);
  return ms;
}

/** Stops the pair and expects nothing of it left running. */
async function stopPair(pair: PatroniPair | undefined): Promise<void> {
  if (pair === undefined) return;
  const stuck = await pair.stop();
  expect(killProcessesMentioning(pair.root), 'Patroni processes left running').toEqual([]);
  expect(stuck, 'postgres processes that needed a SIGKILL').toEqual([]);
}

describe('Patroni with two PostgreSQL instances', () => {
  it('on etcd 3.4 (the control): a leader, a streaming replica, and the replica promoted when the leader dies', async () => {
    const cluster = await EtcdCluster.start(3);
    let pair: PatroniPair | undefined;
    try {
      const ctl = (...args: string[]) => runEtcdctl(etcd.etcdctl, [`--endpoints=${cluster.endpoints.join(',')}`, ...args]);
      for (const args of [['user', 'add', 'root', '--new-user-password=root-secret'], ['auth', 'enable']]) {
        const r = await ctl(...args);
        expect(r.code, r.out).toBe(0);
      }
      pair = await preparePair('etcd', { hosts: cluster.endpoints, username: 'root', password: 'root-secret' });
      await bootstrap(pair);
      etcdFailoverMs = await failover(pair);
      console.log(`Patroni failover on etcd ${etcd.version}: ${(etcdFailoverMs / 1000).toFixed(2)} s (ttl ${PATRONI_TIMING.ttl} s, loop_wait ${PATRONI_TIMING.loop_wait} s)`);
    } catch (err) {
      throw new Error(`${String(err)}\n${pair?.logs() ?? ''}`, { cause: err });
    } finally {
      await stopPair(pair);
      await cluster.stop();
    }
  }, 400_000);

  it('on fleet: the same, through a Raft leader kill meanwhile, and promoted within the etcd time + 20 %', async () => {
    expect(etcdFailoverMs, 'the etcd control ran first').toBeDefined();
    const fleet = await TestCluster.start({ size: 3, token: WRITER, adminToken: ADMIN });
    let pair: PatroniPair | undefined;
    try {
      pair = await preparePair('fleet', { hosts: fleet.endpoints, username: 'patroni', password: WRITER });
      await bootstrap(pair);
      await carriesOnThroughLeaderKill(fleet, pair);
      const fleetMs = await failover(pair);
      console.log(`Patroni failover on fleet: ${(fleetMs / 1000).toFixed(2)} s; on etcd: ${(etcdFailoverMs! / 1000).toFixed(2)} s`);
      expect(fleetMs).toBeLessThanOrEqual(etcdFailoverMs! * 1.2);
    } catch (err) {
      throw new Error(`${String(err)}\n${pair?.logs() ?? ''}\n${fleet.logs()}`, { cause: err });
    } finally {
      await stopPair(pair);
      await fleet.destroy();
    }
  }, 400_000);
});

/**
 * Kills fleet's Raft leader while Patroni runs, and shows that nothing changes for Patroni: pg1
 * answers as the primary throughout, and logs holding the leader key for more loops than one ttl
 * spans (the key would have expired had its refreshes stopped), with no demotion. The member is
 * then started again, so that the failover is measured on three members, as on etcd.
 */
async function carriesOnThroughLeaderKill(fleet: TestCluster, pair: PatroniPair): Promise<void> {
  const raftLeader = await fleet.waitForLeader();
  await pair.nextLeaderLoop('pg1');
  const logBefore = pair.logOf('pg1').length;
  let watching = true;
  const notPrimary: number[] = [];
  const watch = (async () => {
    while (watching) {
      if (!(await pair.isPrimary('pg1'))) notPrimary.push(Date.now());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    await fleet.kill(raftLeader);
    const newLeader = await fleet.waitForLeader();
    expect(newLeader).not.toBe(raftLeader);
    // More loops as the leader than one ttl holds: each refreshed the key through the DCS.
    const loops = Math.ceil(PATRONI_TIMING.ttl / PATRONI_TIMING.loop_wait) + 1;
    for (let i = 0; i < loops; i++) await pair.nextLeaderLoop('pg1');
  } finally {
    watching = false;
    await watch;
  }
  const after = pair.logOf('pg1').slice(logBefore);
  expect(after).not.toMatch(/failed to update leader lock|demot/i);
  expect(notPrimary, 'moments pg1 did not answer as the primary after the Raft leader was killed').toEqual([]);
  fleet.restart(raftLeader);
  await fleet.waitForLeader();
  await pair.waitLeaderAndReplica('pg1', 'pg2');
}
