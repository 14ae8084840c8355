/**
 * The Semaphore and the RWLock across separate processes (test/e2e/recipes/more-contender.mjs,
 * importing 'fleet' by the package's name), while the cluster's leader member is killed (-9)
 * and brought back:
 * - 6 processes on a Semaphore of 2, 3 turns each: never more than 2 hold at once (and 2 do);
 * - 2 writer and 4 reader processes on one RWLock: a writer's hold overlaps no other hold;
 * every contender is served and exits on its own, and closed sessions leave no key. Then a
 * permit's holder killed with -9 gives its permit back when its lease expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore, Session } from '../../src/index.js';
import { TestCluster } from './cluster.js';
import { Contenders, type Contender } from './recipes/contenders.js';
import { stopChild, waitFor } from './processes.js';

let cluster: TestCluster;
const contenders = new Contenders('more-contender.mjs');

interface Hold {
  readonly who: number;
  readonly kind: string;
  readonly token: number;
  readonly start: number;
  readonly end: number;
}

function start(kind: string, name: string, who: number, turns: number, holdMs: number, permits: number, ttlMs = 10_000): Contender {
  return contenders.start(`${kind} ${who}`, cluster.endpoints, [kind, name, who, turns, holdMs, permits, ttlMs]);
}

function holdsOf(list: readonly Contender[]): Hold[] {
  return Contenders.lines<Hold>(list, '{"who"');
}

/** The most holds open at one instant (one that ends as another starts does not overlap it). */
function mostAtOnce(holds: readonly Hold[]): number {
  const edges = holds.flatMap((h) => [{ at: h.start, d: 1 }, { at: h.end, d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (open += e.d));
  return most;
}

const logs = (): string => contenders.logs(cluster.logs());

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
});
afterAll(async () => {
  await contenders.stop();
  await cluster?.destroy();
});

describe('more recipes across processes', () => {
  it('a Semaphore of 2 and an RWLock across a kill of the leader member: never more than 2 permits, a writer alone', async () => {
    const permits = Array.from({ length: 6 }, (_, who) => start('semaphore', 'builders', who, 3, 250, 2));
    const rw = [...Array.from({ length: 2 }, (_, who) => start('writer', 'routes', who, 2, 100, 0)), ...Array.from({ length: 4 }, (_, who) => start('reader', 'routes', 10 + who, 3, 150, 0))];
    await waitFor('a first permit and a first RWLock hold', () => (holdsOf(permits).length > 0 && holdsOf(rw).length > 0 ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    const leader = await cluster.waitForLeader();
    await cluster.kill(leader);
    const killedAt = performance.timeOrigin + performance.now();
    await waitFor('a leader other than the killed one', async () => ((await cluster.waitForLeader(15_000)) !== leader ? true : undefined), 20_000);
    cluster.restart(leader);

    const all = [...permits, ...rw];
    const codes = await Promise.race([
      Promise.all(all.map((c) => c.exited)),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`contenders still running after 90 s\n${logs()}`)), 90_000).unref()),
    ]);
    expect(codes, logs()).toEqual(all.map(() => 0));

    const sem = holdsOf(permits);
    expect(sem).toHaveLength(18);
    expect(mostAtOnce(sem), 'holders of a Semaphore of 2 at once').toBe(2);
    expect(sem.some((h) => h.start > killedAt), 'some permits came after the leader was killed').toBe(true);
    const holds = holdsOf(rw);
    expect(holds).toHaveLength(16);
    for (const w of holds.filter((h) => h.kind === 'writer')) {
      for (const o of holds) if (o !== w) expect(w.start < o.end && o.start < w.end, `writer ${w.who} (token ${w.token}) overlaps ${o.kind} ${o.who} (token ${o.token})`).toBe(false);
    }
    await cluster.waitForLeader();
    for (const prefix of ['builders/', 'routes/']) expect((await cluster.client().keyspace.list(prefix)).entries, `${prefix}: closed sessions left no key`).toEqual([]);
  }, 150_000);

  it("a permit's holder killed with -9 gives it back when its lease expires", async () => {
    const holder = start('hold', 'killed-permit', 1, 0, 0, 1, 3_000);
    await waitFor('the holder to take the permit', () => (holder.output().includes('"held"') ? true : undefined), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
    const session = new Session(cluster.client(), { ttlMs: 3_000 });
    const next = new Semaphore(session, 'killed-permit', 1).lock({ timeoutMs: 20_000 });
    await stopChild(holder.child, 'SIGKILL');
    const killedAt = performance.now();
    await next;
    expect(performance.now() - killedAt, 'granted within the lease TTL and a little').toBeLessThan(8_000);
    await session.close();
  }, 60_000);
});
