/**
 * The recipes across separate processes (test/e2e/recipes/contender.mjs, importing 'fleet' by the
 * package's name), on the etcd keyspace:
 * - while the cluster's leader member is killed (-9) and brought back, 8 processes contend for one
 *   Mutex (3 turns each) and 5 campaign in one Election. Each holder prints its fencing token (its
 *   key's create revision: its place in line) and its critical section on the wall clock the
 *   processes share. Never two holders at once, and first come, first served: sorted by start,
 *   each section ends before the next begins, and tokens strictly increase, so no contender
 *   acquires twice while another that queued before it waits. Every waiter exits on its own;
 * - members killed with -9 leave no key once their lease expires;
 * - a holder stopped (SIGSTOP) past its TTL, then continued, has its isOwner()-guarded write
 *   refused by the cluster, because another took the lock meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mutex, Session } from '../../src/index.js';
import { TestCluster } from './cluster.js';
import { Contenders, type Contender } from './recipes/contenders.js';
import { stopChild, waitFor } from './processes.js';

let cluster: TestCluster;
const contenders = new Contenders('contender.mjs');

interface Section {
  readonly who: number;
  readonly turn: number;
  readonly token: number;
  readonly start: number;
  readonly end: number;
}

function startContender(mode: 'mutex' | 'election' | 'member' | 'fenced', name: string, who: number, turns: number, holdMs: number, ttlMs = 10_000): Contender {
  return contenders.start(`${mode} ${who}`, cluster.endpoints, [mode, name, who, turns, holdMs, ttlMs]);
}

function sectionsOf(list: readonly Contender[]): Section[] {
  return Contenders.lines<Section>(list, '{');
}

/**
 * Sorted by start: each section ends before the next starts (one holder at a time), and tokens
 * strictly increase. A token is the revision a contender queued at, so this is FIFO exactly: a
 * contender that queued after another (it released and queued again) never starts before it, so
 * none acquires twice while another waits.
 */
function checkExclusiveFifo(what: string, sections: readonly Section[]): void {
  const sorted = [...sections].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    expect(b.start, `${what}: holder ${b.who} (token ${b.token}) started ${(a.end - b.start).toFixed(1)} ms before holder ${a.who} (token ${a.token}) ended`).toBeGreaterThanOrEqual(a.end);
    expect(b.token, `${what}: tokens in holder order`).toBeGreaterThan(a.token);
  }
}

// A session counts its TTL from when it sent the keep-alive the cluster confirmed: with 13
// processes starting at once on two cores, a first grant took 5.7 s to be answered, so the
// contenders' sessions get 10 s (their expiry is not what these tests time).
const logs = (): string => contenders.logs(cluster.logs());

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
});
afterAll(async () => {
  await contenders.stop();
  await cluster?.destroy();
});

describe('recipes across processes', () => {
  it('8 processes on one Mutex and 5 in one Election, across a kill of the leader member: one holder at a time, in the order they queued, every waiter served', async () => {
    const lockers = Array.from({ length: 8 }, (_, who) => startContender('mutex', 'jobs-lock', who, 3, 40));
    const candidates = Array.from({ length: 5 }, (_, who) => startContender('election', 'scheduler', who, 1, 150));

    // Kill the leader once both recipes have had a holder: the rest of the contention crosses the election.
    await waitFor('a first Mutex holder and a first Election leader', () => (sectionsOf(lockers).length > 0 && sectionsOf(candidates).length > 0 ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const killedAt = performance.timeOrigin + performance.now();
    // The survivors name the killed leader until their election timeout: wait for another.
    await waitFor('a leader other than the killed one', async () => ((await cluster.waitForLeader(15_000)) !== leader ? true : undefined), 20_000);
    cluster.restart(leader);

    const codes = await Promise.race([
      Promise.all(contenders.all.map((c) => c.exited)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`contenders still running after 60 s\n${logs()}`)), 60_000).unref()),
    ]);
    expect(codes, logs()).toEqual(contenders.all.map(() => 0));

    const locks = sectionsOf(lockers);
    const terms = sectionsOf(candidates);
    expect(locks).toHaveLength(24);
    expect(new Set(terms.map((t) => t.who)).size).toBe(5);
    checkExclusiveFifo('mutex', locks);
    checkExclusiveFifo('election', terms);
    expect(locks.some((s) => s.start > killedAt), 'some turns came after the leader was killed').toBe(true);

    await cluster.waitForLeader();
    expect((await cluster.client().keyspace.list('jobs-lock/')).entries, 'closed sessions left no key').toEqual([]);
  }, 120_000);

  it('members killed with -9 leave no key once their lease expires', async () => {
    const members = Array.from({ length: 4 }, (_, who) => startContender('member', 'killed-pool', who, 0, 0, 6_000));
    await waitFor('4 members to join', () => (members.every((m) => m.output().includes('"joined"')) ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    const keyspace = cluster.client().keyspace;
    expect((await keyspace.list('members/killed-pool/')).entries).toHaveLength(4);
    await Promise.all(members.map((m) => stopChild(m.child, 'SIGKILL')));
    await waitFor('their keys to go with their leases', async () => ((await keyspace.list('members/killed-pool/')).entries.length === 0 ? true : undefined), 20_000);
  }, 60_000);

  it("refuses the isOwner()-guarded write of a holder stopped past its TTL while another took the lock", async () => {
    const holder = startContender('fenced', 'paused', 1, 0, 300, 2_000);
    await waitFor('the holder to write under the lock', () => (holder.output().includes('"write":1') ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    holder.child.kill('SIGSTOP');
    const client = cluster.client();
    const session = new Session(client, { ttlMs: 2_000 });
    const mutex = new Mutex(session, 'paused');
    await mutex.lock({ timeoutMs: 20_000 }); // granted once the stopped holder's lease expired
    expect((await client.keyspace.txn({ compare: [mutex.isOwner()], success: [{ put: 'paused-state', value: 'next' }] })).succeeded).toBe(true);
    holder.child.kill('SIGCONT');
    expect(await holder.exited, logs()).toBe(0);
    const writes = holder.output().split('\n').filter((l) => l.startsWith('{"write"')).map((l) => JSON.parse(l) as { succeeded: boolean });
    expect(writes.at(-1)?.succeeded, 'the write after the pause was refused').toBe(false);
    expect((await client.keyspace.get('paused-state'))?.value).toBe('next');
    await session.close();
  }, 60_000);
});
