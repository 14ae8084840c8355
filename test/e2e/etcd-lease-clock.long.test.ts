/**
 * etcd leases timed as etcd's leader times them (issue 36): a step of the leader's wall clock within
 * its term (an NTP correction; here the Drills API's clock skew on a member started with
 * --enable-drills) neither expires a lease early nor keeps it late; after a leader change the
 * new leader answers TimeToLive with the whole TTL it gives every lease, and a lease stamped by a
 * leader whose clock ran ahead lives a whole TTL under the next one, not the clocks' difference more. Real members on loopback,
 * driven with Debian's etcdctl; every process is stopped by pid in afterAll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { AdminApiInjector } from '../../src/ops/drill/remote-injector.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';
import { waitFor } from './processes.js';

const etcd = requireEtcd();
let fleet: TestCluster | undefined;
const injector = new AdminApiInjector();

const endpointOf = (id: string): string => `127.0.0.1:${fleet!.members.find((m) => m.id === id)!.port}`;
const ctl = async (id: string | readonly string[], args: readonly string[]): Promise<string> => {
  const endpoints = (typeof id === 'string' ? [id] : id).map(endpointOf).join(',');
  const r = await runEtcdctl(etcd.etcdctl, [`--endpoints=${endpoints}`, '--command-timeout=5s', ...args]);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} on ${id}: ${r.out}`);
  return r.out;
};
const grant = async (id: string, ttl: number, key: string): Promise<string> => {
  const lease = /lease ([0-9a-f]+) granted/.exec(await ctl(id, ['lease', 'grant', String(ttl)]))?.[1];
  if (lease === undefined) throw new Error('no lease granted');
  await ctl(id, ['put', key, 'v', `--lease=${lease}`]);
  return lease;
};
const remaining = async (id: string, lease: string): Promise<number> => Number(/remaining\((-?\d+)s\)/.exec(await ctl(id, ['lease', 'timetolive', lease]))?.[1] ?? NaN);
// The output holds etcdctl's retry warnings too (a get right after a leader is killed): look for the value's line.
const present = async (id: string, key: string): Promise<boolean> => /^v$/m.test(await ctl(id, ['get', key, '--print-value-only']));

describe("etcd leases and the leader's clocks", () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 3, extraArgs: ['--enable-drills'] });
  }, 120_000);

  afterAll(async () => {
    await injector.restoreAll();
    await fleet?.destroy();
  });

  const leaderRef = async (): Promise<{ id: string; address: string }> => {
    const id = await fleet!.waitForLeader();
    return { id, address: endpointOf(id) };
  };

  it("keeps a lease when the leader's wall clock jumps a minute ahead", async () => {
    const leader = await leaderRef();
    const lease = await grant(leader.id, 30, 'ahead');
    await injector.skewClock(leader, 60_000, 15_000);
    // Ten expiry ticks and more at the new time: before the lease clock, the leader expired it at its first.
    const until = Date.now() + 3_000;
    while (Date.now() < until) expect(await present(leader.id, 'ahead'), 'the lease expired by a step of the wall clock').toBe(true);
    expect(await remaining(leader.id, lease)).toBeGreaterThan(20);
    await injector.heal(leader);
  }, 60_000);

  it("expires a lease on time when the leader's wall clock jumps a minute behind", async () => {
    const leader = await leaderRef();
    const began = Date.now();
    await grant(leader.id, 2, 'behind');
    await injector.skewClock(leader, -60_000, 30_000);
    // TTL 2 s and an election timeout's grace; before the lease clock it outlived the skew's 30 s.
    await waitFor('the lease to expire', async () => ((await present(leader.id, 'behind')) ? undefined : true), 15_000, 200);
    expect(Date.now() - began).toBeLessThan(15_000);
    await injector.heal(leader);
  }, 60_000);

  it('answers TimeToLive with a whole TTL from the new leader after a leader change, through a follower too', async () => {
    const old = await leaderRef();
    const lease = await grant(old.id, 12, 'across');
    await waitFor('some of the TTL to pass', async () => ((await remaining(old.id, lease)) <= 8 ? true : undefined), 15_000, 250);
    await fleet!.kill(old.id);
    const leader = await waitFor('a new leader', async () => {
      const id = await fleet!.waitForLeader();
      return id === old.id ? undefined : id;
    }, 30_000);
    // etcd's leader extends every lease when elected; before, fleet answered from the old stamp (8 s or less).
    expect(await remaining(leader, lease)).toBeGreaterThanOrEqual(11);
    const follower = fleet!.members.find((m) => m.id !== leader && m.id !== old.id)!.id;
    expect(await remaining(follower, lease)).toBeGreaterThanOrEqual(10);
    expect(await present(follower, 'across')).toBe(true);
    fleet!.restart(old.id);
    await fleet!.waitForLeader();
  }, 90_000);

  it('expires on time, under the next leader, a lease stamped by a leader whose clock ran a minute ahead', async () => {
    const first = await fleet!.waitForLeader();
    const ahead = fleet!.members.find((m) => m.id !== first && m.child !== undefined)!.id;
    await injector.skewClock({ id: ahead, address: endpointOf(ahead) }, 60_000, 60_000);
    // It leads a new term with its clock a minute ahead, so its lease clock starts there.
    const live = fleet!.members.filter((m) => m.child !== undefined).map((m) => m.id);
    const hex = new RegExp(`^([0-9a-f]+), started, ${ahead},`, 'm').exec(await ctl(live, ['member', 'list']))?.[1];
    await ctl(live, ['move-leader', hex!]);
    await waitFor(`${ahead} to lead`, async () => ((await fleet!.waitForLeader()) === ahead ? true : undefined), 10_000);
    const began = Date.now();
    await grant(ahead, 3, 'stamped-ahead');
    await fleet!.kill(ahead);
    const other = live.find((id) => id !== ahead)!;
    // TTL 3 s, an election and the grace; before, the next leader kept it for the minute's difference.
    await waitFor('the lease to expire under the next leader', async () => ((await present(other, 'stamped-ahead')) ? undefined : true), 20_000, 250);
    expect(Date.now() - began).toBeLessThan(20_000);
    fleet!.restart(ahead);
    await fleet!.waitForLeader();
  }, 90_000);
});
