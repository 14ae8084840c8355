/**
 * The Semaphore, RWLock, Barrier, DoubleBarrier and withLock on the etcd keyspace, against a real
 * cluster whose leader is killed meanwhile: 8 sessions on a Semaphore of 3 never have more than 3
 * holders (and do have 3: the check is not vacuous); writers of an RWLock never overlap anything,
 * readers do overlap each other; a Barrier lets every waiter go only when it comes down (released,
 * or its holder's lease ended); a DoubleBarrier lets nobody in before the last party arrives and
 * nobody out before the last leaves. Then withLock, and misuse refused at once with one code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Barrier, DoubleBarrier, FleetClientError, MAX_COUNT, Mutex, RWLock, Semaphore, Session, withLock, type Lock } from '../../src/index.js';
import { TestCluster } from './cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start({});
}, 60_000);
afterAll(async () => cluster?.destroy());

interface Window {
  readonly who: string;
  readonly token: number;
  readonly start: number;
  readonly end: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const now = (): number => performance.now();

/** The most windows open at one instant (a window that ends as another starts does not overlap it). */
function mostAtOnce(windows: readonly Window[]): number {
  const edges = windows.flatMap((w) => [{ at: w.start, d: 1 }, { at: w.end, d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (open += e.d));
  return most;
}

const overlaps = (a: Window, b: Window): boolean => a.start < b.end && b.start < a.end;

/** Kills the leader once `ms` have passed, and brings it back. */
async function killLeaderAfter(ms: number): Promise<void> {
  await sleep(ms);
  const leader = await cluster.waitForLeader();
  await cluster.kill(leader);
  await sleep(1_500);
  cluster.restart(leader);
}

function sessions(n: number, ttlMs = 6_000): Session[] {
  return Array.from({ length: n }, () => new Session(cluster.client({ overallTimeoutMs: 20_000 }), { ttlMs }));
}

/** `turns` holds of `lock`, each `holdMs` long, recorded as windows. */
async function turnsOf(lock: Lock, who: string, turns: number, holdMs: number, windows: Window[]): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    await withLock(lock, async (token) => {
      const start = now();
      await sleep(holdMs);
      windows.push({ who, token, start, end: now() });
    }, { timeoutMs: 60_000 });
  }
}

const codeOf = (p: Promise<unknown> | (() => unknown)): Promise<string | undefined> =>
  (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => 'resolved',
    (e: unknown) => (e instanceof FleetClientError ? e.code : String(e)),
  );

describe('more recipes', () => {
  it('a Semaphore of 3: 8 sessions, 2 turns each, across a leader kill: never more than 3 holders, every waiter served', async () => {
    const all = sessions(8);
    const windows: Window[] = [];
    // Holds long beside a hand-off, so that without the bound more than 3 would overlap.
    const workers = all.map((s, who) => turnsOf(new Semaphore(s, 'pool', 3), `s${who}`, 2, 300, windows));
    await Promise.all([...workers, killLeaderAfter(400)]);
    expect(windows).toHaveLength(16);
    expect(mostAtOnce(windows)).toBe(3);
    expect(new Set(windows.map((w) => w.token)).size).toBe(16);
    for (const s of all) await s.close();
    expect((await cluster.client().keyspace.list('pool/')).entries).toEqual([]);
  }, 120_000);

  it('an RWLock: 3 writers and 5 readers across a leader kill: a writer overlaps nobody, readers share', async () => {
    const all = sessions(8);
    const reads: Window[] = [];
    const writes: Window[] = [];
    const workers = all.map((s, who) => {
      const rw = new RWLock(s, 'table');
      return who < 3 ? turnsOf(rw.writer, `w${who}`, 2, 50, writes) : turnsOf(rw.reader, `r${who}`, 3, 80, reads);
    });
    await Promise.all([...workers, killLeaderAfter(400)]);
    expect(writes).toHaveLength(6);
    expect(reads).toHaveLength(15);
    for (const w of writes) for (const o of [...writes, ...reads]) if (o !== w) expect(overlaps(w, o), `${w.who} (token ${w.token}) overlaps ${o.who} (token ${o.token})`).toBe(false);
    expect(mostAtOnce(reads), 'readers held the lock together').toBeGreaterThan(1);
    // Writers hold in the order they queued: tokens grow with start.
    const byStart = [...writes].sort((a, b) => a.start - b.start).map((w) => w.token);
    expect(byStart).toEqual([...byStart].sort((a, b) => a - b));
    for (const s of all) await s.close();
    expect((await cluster.client().keyspace.list('table/')).entries).toEqual([]);
  }, 120_000);

  it('an RWLock serves in order: a reader that comes after a waiting writer waits for it', async () => {
    const [a, b, c] = sessions(3, 3_000);
    const first = new RWLock(a!, 'ordered').reader;
    await first.lock();
    const order: string[] = [];
    const writer = new RWLock(b!, 'ordered').writer;
    const writing = writer.lock().then(() => order.push('writer'));
    await sleep(200); // the writer queues first
    const reading = new RWLock(c!, 'ordered').reader.lock().then(() => order.push('late reader'));
    await sleep(300);
    expect(order, 'neither goes while the first reader holds').toEqual([]);
    await first.unlock();
    await writing;
    await sleep(200);
    expect(order).toEqual(['writer']);
    await writer.unlock();
    await reading;
    expect(order).toEqual(['writer', 'late reader']);
    for (const s of [a, b, c]) await s!.close();
  });

  it('a Barrier lets every waiter go only when it comes down: released, or its holder lease ended', async () => {
    const [holder, ...waiters] = sessions(5, 3_000);
    const barrier = new Barrier(holder!, 'gate');
    const token = await barrier.hold();
    expect(await barrier.hold()).toBe(token);
    expect(await codeOf(new Barrier(waiters[0]!, 'gate').hold()), 'another holder').toBe('FAILED_PRECONDITION');
    const through: number[] = [];
    const waits = waiters.map((s) => new Barrier(s, 'gate').wait({ timeoutMs: 20_000 }).then(() => through.push(now())));
    await sleep(500);
    expect(through, 'nobody goes while the barrier is up').toEqual([]);
    const releasedAt = now();
    await barrier.release();
    await Promise.all(waits);
    expect(through.every((t) => t >= releasedAt)).toBe(true);

    // A holder that dies: its barrier comes down with its lease (revoked here, as its expiry would).
    await barrier.hold();
    const waiting = new Barrier(waiters[0]!, 'gate').wait({ timeoutMs: 20_000 });
    await sleep(300);
    await cluster.client().keyspace.revokeLease(await holder!.lease());
    await waiting;
    expect(await new Barrier(waiters[1]!, 'gate').wait({ timeoutMs: 1_000 }).then(() => 'down')).toBe('down');
    for (const s of waiters) await s.close();
  });

  it('a DoubleBarrier of 4: nobody enters before the 4th arrives, nobody leaves before the 4th leaves', async () => {
    const all = sessions(5, 3_000);
    const barriers = all.slice(0, 4).map((s) => new DoubleBarrier(s, 'round', 4));
    const entered: number[] = [];
    const enters: Promise<number>[] = [];
    let lastArrival = 0;
    for (const b of barriers) {
      lastArrival = now();
      enters.push(b.enter({ timeoutMs: 20_000 }).then(() => entered.push(now())));
      await sleep(150);
    }
    await Promise.all(enters);
    expect(entered.every((t) => t >= lastArrival), 'everyone entered after the last arrived').toBe(true);
    expect(await codeOf(new DoubleBarrier(all[4]!, 'round', 4).enter()), 'a fifth party').toBe('FAILED_PRECONDITION');
    expect((await cluster.client().keyspace.list('round/waiters/')).entries).toHaveLength(4);

    const left: number[] = [];
    const leaves: Promise<number>[] = [];
    let lastLeaving = 0;
    for (const b of [...barriers].reverse()) {
      lastLeaving = now();
      leaves.push(b.leave({ timeoutMs: 20_000 }).then(() => left.push(now())));
      await sleep(150);
    }
    await Promise.all(leaves);
    expect(left.every((t) => t >= lastLeaving), 'everyone left after the last began to leave').toBe(true);
    expect((await cluster.client().keyspace.list('round/')).entries, 'nothing left behind').toEqual([]);
    // The next round starts afresh.
    await Promise.all(barriers.map((b) => b.enter({ timeoutMs: 20_000 })));
    for (const s of all) await s.close();
  });

  it('withLock releases however fn ends, leaves an outer hold held, and rejects when the session ended under it', async () => {
    const [a, b] = sessions(2, 3_000);
    const mutex = new Mutex(a!, 'with');
    expect(await withLock(mutex, (token) => token > 0)).toBe(true);
    expect(mutex.token).toBeUndefined();
    await expect(withLock(mutex, () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
    expect(mutex.token).toBeUndefined();
    const outer = await mutex.lock();
    expect(await withLock(mutex, (token) => token)).toBe(outer);
    expect(mutex.token, 'the outer hold is kept').toBe(outer);
    await mutex.unlock();

    const lost = withLock(new Mutex(b!, 'with'), async (_token, signal) => {
      await cluster.client().keyspace.revokeLease(await b!.lease());
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return 'done';
    });
    expect(await codeOf(lost)).toBe('SESSION_ENDED');
    expect(await withLock(new Mutex(a!, 'with'), () => 'after', { timeoutMs: 5_000 })).toBe('after');
    await a!.close();
  });

  it('a Semaphore waiter that gives up leaves no key, and the next in line is served', async () => {
    const [a, b, c] = sessions(3, 3_000);
    const holder = new Semaphore(a!, 'one', 1);
    await holder.lock();
    expect(await codeOf(new Semaphore(b!, 'one', 1).lock({ timeoutMs: 300 }))).toBe('ABORTED');
    expect((await cluster.client().keyspace.list('one/waiting/')).entries).toEqual([]);
    const next = new Semaphore(c!, 'one', 1).lock({ timeoutMs: 10_000 });
    await sleep(200);
    await holder.unlock();
    expect(await next).toBeGreaterThan(holder.token ?? 0);
    for (const s of [a, b, c]) await s!.close();
  });

  it('refuses misuse at once with one code, not retryable, and writes nothing', async () => {
    const client = cluster.client();
    const session = new Session(client, { ttlMs: 2_000 });
    for (const permits of [0, -1, 1.5, Number.NaN, MAX_COUNT + 1]) {
      expect(() => new Semaphore(session, 'bad', permits)).toThrow(/1 to 10000/);
      expect(() => new DoubleBarrier(session, 'bad', permits)).toThrow(FleetClientError);
    }
    const long = 'x'.repeat(600);
    for (const make of [() => new Semaphore(session, long, 1), () => new RWLock(session, long), () => new Barrier(session, long), () => new DoubleBarrier(session, long, 2)]) {
      expect(await codeOf(make)).toBe('INVALID_ARGUMENT');
    }
    await expect(new Semaphore(session, 'neg', 2).lock({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    const writer = new RWLock(session, 'twice').writer;
    const taking = writer.lock();
    expect(await codeOf(writer.lock()), 'a second wait on one object').toBe('INVALID_ARGUMENT');
    await taking;
    expect((await client.keyspace.list('bad/')).entries).toEqual([]);
    await session.close();
    for (const op of [() => new Semaphore(session, 'late', 2).lock(), () => new RWLock(session, 'late').reader.lock(), () => new Barrier(session, 'late').hold(), () => new Barrier(session, 'late').wait(), () => new DoubleBarrier(session, 'late', 2).enter()]) {
      expect(await codeOf(op)).toBe('SESSION_ENDED');
    }

    const closing = cluster.client();
    const onClosed = new Session(closing, { ttlMs: 2_000 });
    await onClosed.lease();
    closing.close();
    for (const op of [() => new Semaphore(onClosed, 'closed', 2).lock(), () => new RWLock(onClosed, 'closed').writer.lock(), () => new Barrier(onClosed, 'closed').hold(), () => new DoubleBarrier(onClosed, 'closed', 2).enter(), () => withLock(new Mutex(onClosed, 'closed'), () => 1)]) {
      const err = await Promise.resolve().then(op as () => Promise<unknown>).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CLIENT_CLOSED', retryable: false });
    }
    expect((await client.keyspace.list('closed/')).entries).toEqual([]);
    expect((await client.keyspace.list('late/')).entries).toEqual([]);
  });
});
