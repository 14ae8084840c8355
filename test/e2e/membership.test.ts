/**
 * Membership and ShardLeases against a real cluster, in one process: members are listed with
 * their metadata while their session lives, a watch sees joins and leaves, and a closed session
 * leaves no key behind (it was 10 entries with 0 live members when entries were leases of their
 * own); shards are split
 * between the members and taken over when one's session ends; and the recipes refuse to be used
 * wrongly — after the session ended or the client closed, before joining, or when the caller
 * gives up — with FleetClientError and a code, while closing the session or the client ends every
 * wait and watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetClientError, Membership, Mutex, Session, ShardLeases, assignShards, type MembershipChange } from '../../src/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({});
}, 60_000);
afterAll(async () => cluster?.destroy());

const codeOf = (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof FleetClientError ? e.code : String(e)),
  );

describe('Membership', () => {
  it('lists members with their metadata while their session lives; a watch sees joins and leaves', async () => {
    const [a, b] = [new Session(cluster.client(), { ttlMs: 2_000 }), new Session(cluster.client(), { ttlMs: 2_000 })];
    const watcher = new Membership(a, 'pool');
    await watcher.join({ role: 'watcher' });
    const changes: MembershipChange[] = [];
    const stop = new AbortController();
    const watching = (async () => {
      for await (const c of watcher.watch(stop.signal)) changes.push(c);
    })();
    await waitFor('the first list', () => (changes.length > 0 ? true : undefined));
    const joined = await new Membership(b, 'pool').join({ role: 'worker', zone: 'eu-1a' });
    expect(await watcher.list()).toEqual([
      { id: a.id, meta: { role: 'watcher' }, token: expect.any(Number) as number },
      { id: b.id, meta: { role: 'worker', zone: 'eu-1a' }, token: joined.token },
    ].sort((x, y) => (x.id < y.id ? -1 : 1)));
    await b.close();
    await waitFor('the watch to see b join and leave', () => (changes.some((c) => c.left.some((m) => m.id === b.id)) ? true : undefined), 10_000);
    expect(changes.find((c) => c.joined.some((m) => m.id === b.id))?.joined[0]?.meta).toEqual({ role: 'worker', zone: 'eu-1a' });
    expect(changes.at(-1)?.members.map((m) => m.id)).toEqual([a.id]);
    stop.abort();
    await watching;
    await a.close();
    // Closed without leave(): the keys went with the sessions' leases.
    expect((await cluster.client().keyspace.list('members/pool/')).entries).toEqual([]);
  });

  it('leaves nothing behind when ten sessions close without leaving', async () => {
    const sessions = Array.from({ length: 10 }, () => new Session(cluster.client(), { ttlMs: 2_000 }));
    await Promise.all(sessions.map((s, i) => new Membership(s, 'leaky').join({ n: String(i) })));
    expect(await new Membership(sessions[0]!, 'leaky').list()).toHaveLength(10);
    await Promise.all(sessions.map((s) => s.close()));
    expect((await cluster.client().keyspace.list('members/leaky/')).entries).toEqual([]);
  });

  it('closing the client ends its session and every watch and wait on it; use afterwards is refused with a code', async () => {
    const client = cluster.client();
    const [holder, waiter] = [new Session(cluster.client(), { ttlMs: 2_000 }), new Session(client, { ttlMs: 2_000 })];
    await new Mutex(holder, 'closing').lock();
    const members = new Membership(waiter, 'closing-pool');
    await members.join();
    let seen = 0;
    const watching = (async () => {
      for await (const c of members.watch()) seen += c.members.length;
      return seen;
    })();
    await waitFor('the watch to list the member', () => (seen > 0 ? true : undefined));
    const waiting = codeOf(new Mutex(waiter, 'closing').lock());
    client.close();
    expect(await waiting).toBe('CLIENT_CLOSED');
    expect(await watching).toBeGreaterThan(0); // the iteration ended
    expect((await waiter.done).reason).toBe('closed');
    expect(await codeOf(members.list())).toBe('CLIENT_CLOSED');
    expect(await codeOf(new Mutex(waiter, 'other').lock())).toBe('CLIENT_CLOSED');
    await holder.close();
  });

  it('a wait ends with SESSION_ENDED when its session closes, and with ABORTED when its signal fires', async () => {
    const [holder, waiter] = [new Session(cluster.client(), { ttlMs: 2_000 }), new Session(cluster.client(), { ttlMs: 2_000 })];
    await new Mutex(holder, 'busy').lock();
    const stop = new AbortController();
    const aborted = codeOf(new Mutex(waiter, 'busy').lock({ signal: stop.signal }));
    stop.abort();
    expect(await aborted).toBe('ABORTED');
    const ended = codeOf(new Mutex(waiter, 'busy').lock());
    await waiter.close();
    expect(await ended).toBe('SESSION_ENDED');
    expect(await codeOf(new Membership(waiter, 'p').join())).toBe('SESSION_ENDED');
    await holder.close();
  });
});

describe('ShardLeases', () => {
  it('splits the shards between members, one holder each, and takes over those of a member whose session ends', async () => {
    const shards = ['s0', 's1', 's2', 's3', 's4', 's5'];
    const sessions = [new Session(cluster.client(), { ttlMs: 2_000 }), new Session(cluster.client(), { ttlMs: 2_000 })];
    const lost: string[] = [];
    const sets = sessions.map((s) => new ShardLeases(new Membership(s, 'shard-pool'), 'work', { shards, onLost: (shard, _t, reason) => lost.push(`${shard} ${reason}`) }));
    expect(await codeOf(sets[0]!.start())).toBe('NOT_JOINED');
    expect(() => new ShardLeases(sets[0]!.membership, 'bad', { shards: ['x', 'x'] })).toThrow(FleetClientError);
    for (const set of sets) await set.membership.join();
    await Promise.all(sets.map((s) => s.start()));
    // Settled, not merely covered: a member that started first briefly holds every shard, until it sees the other join.
    const ids = sets.map((s) => s.membership.session.id);
    const owners = assignShards(shards, ids);
    const settled = () => sets.every((s, i) => {
      const mine = shards.filter((shard) => owners.get(shard) === ids[i]);
      return s.held().size === mine.length && mine.every((shard) => s.held().has(shard));
    });
    await waitFor('every shard held by its owner alone', () => (settled() ? true : undefined), 15_000);
    const [gone, stays] = sets as [ShardLeases, ShardLeases];
    const before = gone.held();
    await gone.membership.session.close();
    await waitFor('the other member to hold every shard', () => (stays.held().size === shards.length ? true : undefined), 15_000);
    for (const [shard, token] of before) expect(stays.held().get(shard)).toBeGreaterThan(token);
    expect(lost.filter((l) => l.endsWith('session-ended')).length).toBe(before.size);
    await stays.stop();
    expect(stays.held().size).toBe(0);
    await stays.membership.session.close();
  });
});
