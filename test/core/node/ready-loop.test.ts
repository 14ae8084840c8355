import { describe, expect, it } from 'vitest';
import { ReadyLoop, type ReadyHost } from '../../../src/core/node/ready-loop.js';
import { RawNode } from '../../../src/core/raft/raw-node.js';
import type { Entry, Message } from '../../../src/core/raft/types.js';
import { seeded } from '../raft/harness.js';
import { deferred, fakeRuntime, recordingLogger, type Deferred } from './fake-runtime.js';
import { fakeDisk } from './helpers.js';

const msg = (type: Message['type'], fields: Partial<Message>): Message => ({
  type,
  from: 'n1',
  to: 'n2',
  term: 2,
  logTerm: 0,
  index: 0,
  entries: [],
  commit: 0,
  reject: false,
  rejectHint: 0,
  ...fields,
});
const NOOP: Entry = { term: 2, index: 3, type: 'noop', data: new Uint8Array(0) };
/** n1, leader of term 2, sends its no-op after the two founding entries. */
const APPEND = msg('app', { logTerm: 1, index: 2, entries: [NOOP], commit: 2 });

/**
 * n2, a follower of a two-member cluster, on a ReadyLoop whose disk completes each write only
 * when the test says so.
 */
function follower(disk = { full: false }) {
  const f = fakeRuntime();
  const raw = new RawNode({ id: 'n2', heartbeatTicks: 1, electionTicks: 10, random: seeded(2) }, { bootstrap: { voters: ['n1', 'n2'], learners: [] } });
  const writes: { entries: readonly Entry[]; sync: boolean; done: Deferred<void> }[] = [];
  const sent: Message[] = [];
  const applied: Entry[] = [];
  const failures: unknown[] = [];
  let afterReady = 0;
  const storage = fakeDisk({ entries: [], members: new Map() }, (batch, sync) => {
    const done = deferred();
    writes.push({ entries: batch.entries, sync, done });
    return done.promise;
  });
  const host: ReadyHost = {
    raw,
    rt: f.rt,
    storage,
    logger: recordingLogger(),
    transport: () => ({ send: (ms) => void sent.push(...ms), setPeers: () => undefined }),
    stopped: () => false,
    outOfSpace: () => disk.full,
    softStateChanged: () => undefined,
    installSnapshot: () => undefined,
    apply: (es) => void applied.push(...es),
    readsConfirmed: () => undefined,
    afterReady: () => void afterReady++,
    storageFailed: (err) => void failures.push(err),
  };
  const loop = new ReadyLoop(host);
  /** Steps `m` into n2 and lets the loop handle what follows. */
  const deliver = async (m: Message) => {
    raw.step(m);
    loop.schedule();
    await f.flush();
  };
  const acks = () => sent.filter((m) => m.type === 'app-resp').map((m) => `${m.index}${m.reject ? ' rejected' : ''}`);
  return { f, raw, loop, writes, sent, applied, failures, deliver, acks, afterReadies: () => afterReady };
}

/** A follower that has written its founding entries. */
async function founded() {
  const t = follower();
  t.loop.schedule();
  await t.f.flush();
  expect(t.writes).toHaveLength(1);
  t.writes[0]!.done.resolve();
  await t.f.flush();
  return t;
}

describe('ReadyLoop', () => {
  it('applies committed entries only once they are durable', async () => {
    const t = follower();
    t.loop.schedule();
    await t.f.flush();
    expect(t.writes[0]!.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(t.writes[0]!.sync).toBe(true);
    expect(t.applied).toEqual([]);
    t.writes[0]!.done.resolve();
    await t.f.flush();
    expect(t.applied.map((e) => e.index)).toEqual([1, 2]);
  });

  it('sends an acknowledgement only after the write it promises is durable', async () => {
    const t = await founded();
    await t.deliver(APPEND);
    expect(t.writes).toHaveLength(2);
    expect(t.writes[1]!.entries).toEqual([NOOP]);
    expect(t.acks()).toEqual([]);
    t.writes[1]!.done.resolve();
    await t.f.flush();
    expect(t.acks()).toEqual(['3']);
  });

  it('holds a later acknowledgement without writes of its own behind an earlier write still on its way', async () => {
    const t = await founded();
    await t.deliver(APPEND);
    // The same append again: nothing new to write, but its acknowledgement promises entry 3.
    await t.deliver(APPEND);
    expect(t.writes).toHaveLength(2);
    expect(t.acks()).toEqual([]);
    t.writes[1]!.done.resolve();
    await t.f.flush();
    expect(t.acks()).toEqual(['3', '3']);
  });

  it('sends what promises nothing about the disk at once, while a write is pending', async () => {
    const t = await founded();
    await t.deliver(APPEND);
    // A read forwarded to the leader promises nothing about this member's disk.
    t.raw.readIndex(new Uint8Array([1]));
    t.loop.schedule();
    await t.f.flush();
    expect(t.sent.map((m) => m.type)).toEqual(['read-index']);
  });

  it('reports a failed write to the member and never sends what it would have promised', async () => {
    const t = await founded();
    await t.deliver(APPEND);
    const err = new Error('EIO: disk gone');
    t.writes[1]!.done.reject(err);
    await t.f.flush();
    expect(t.failures).toEqual([err]);
    expect(t.acks()).toEqual([]);
  });

  it('takes one Ready however often it is scheduled in a turn', async () => {
    const t = follower();
    t.loop.schedule();
    t.loop.schedule();
    t.loop.schedule();
    expect(t.f.immediates()).toBe(1);
    await t.f.flush();
    expect(t.afterReadies()).toBe(1);
    expect(t.writes).toHaveLength(1);
  });

  it('asks for no votes while its disk is full, pre-votes included, and asks again once there is space', async () => {
    // Votes and pre-votes wait for the write of the candidate's state: filtering only the
    // messages sent at once (as before) let them all through.
    const disk = { full: true };
    const t = follower(disk);
    t.loop.schedule();
    await t.f.flush();
    t.writes[0]!.done.resolve();
    await t.f.flush();
    t.raw.campaign();
    t.loop.schedule();
    await t.f.flush();
    for (const w of t.writes) w.done.resolve();
    await t.f.flush();
    const campaigning = (): string[] => t.sent.filter((m) => m.type === 'pre-vote' || m.type === 'vote').map((m) => m.type);
    expect(campaigning()).toEqual([]);
    disk.full = false;
    t.raw.campaign();
    t.loop.schedule();
    await t.f.flush();
    for (const w of t.writes) w.done.resolve();
    await t.f.flush();
    expect(campaigning().length).toBeGreaterThan(0);
  });

  it('sends a commit index alone after applying the entries it commits, so that the answers go first', async () => {
    // n1 leads a two-member cluster; every write's disk completes at once.
    const f = fakeRuntime();
    const raw = new RawNode({ id: 'n1', heartbeatTicks: 1, electionTicks: 10, random: seeded(1) }, { bootstrap: { voters: ['n1', 'n2'], learners: [] } });
    const order: string[] = [];
    const host: ReadyHost = {
      raw,
      rt: f.rt,
      storage: fakeDisk({ entries: [], members: new Map() }, () => Promise.resolve()),
      logger: recordingLogger(),
      transport: () => ({ send: (ms) => void order.push(...ms.map((m) => `send ${m.type}:${m.entries.length}`)), setPeers: () => undefined }),
      stopped: () => false,
      outOfSpace: () => false,
      softStateChanged: () => undefined,
      installSnapshot: () => undefined,
      apply: (es) => void order.push(...es.map((e) => `apply ${e.index}`)),
      readsConfirmed: () => undefined,
      afterReady: () => undefined,
      storageFailed: (err) => {
        throw err;
      },
    };
    const loop = new ReadyLoop(host);
    const step = async (m: Partial<Message> & Pick<Message, 'type'>) => {
      raw.step(msg(m.type, { from: 'n2', to: 'n1', ...m }));
      loop.schedule();
      await f.flush();
    };
    raw.campaign();
    loop.schedule();
    await f.flush();
    const term = raw.status().term + 1;
    await step({ type: 'pre-vote-resp', term });
    await step({ type: 'vote-resp', term });
    expect(raw.status().role).toBe('leader');
    await step({ type: 'app-resp', term, index: raw.status().lastIndex });
    raw.propose([new Uint8Array([1])]);
    loop.schedule();
    await f.flush();
    const last = raw.status().lastIndex;
    order.length = 0;
    await step({ type: 'app-resp', term, index: last });
    expect(order).toEqual([`apply ${last}`, 'send app:0']);
  });
});

