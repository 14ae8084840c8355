import { describe, expect, it } from 'vitest';
import { NodeError, type ReadConsistency } from '../../../src/core/node/api.js';
import { READ_TIMEOUT_MS, ReadPath, type ReadHost } from '../../../src/core/node/reads/read-path.js';
import type { ConfState, RaftErrorCode } from '../../../src/core/raft/index.js';
import { fakeRuntime } from './fake-runtime.js';

/** A member as the read path sees it, every answer settable by the test. */
function host() {
  const f = fakeRuntime();
  const state = {
    applied: 4,
    leader: false,
    leaderCurrent: false,
    lastContact: -1,
    conf: { voters: ['n1', 'n2', 'n3'], learners: [] } as ConfState,
    outOfSpaceSince: undefined as number | undefined,
    readIndexError: undefined as RaftErrorCode | undefined,
    stopped: false,
    contexts: [] as Uint8Array[],
    schedules: 0,
  };
  const h: ReadHost = {
    id: 'n1',
    rt: f.rt,
    appliedIndex: () => state.applied,
    isLeader: () => state.leader,
    leaderCurrent: () => state.leaderCurrent,
    lastLeaderContact: () => state.lastContact,
    confState: () => state.conf,
    outOfSpaceSince: () => state.outOfSpaceSince,
    readIndex: (ctx) => {
      state.contexts.push(ctx);
      return state.readIndexError;
    },
    schedule: () => void state.schedules++,
    stopped: () => state.stopped,
    releaseEarly: false,
  };
  return { f, state, path: new ReadPath(h) };
}

/** Settles a read into a value or an error, for assertions. */
function outcome<T>(p: Promise<{ value: T; index: number }>) {
  const o: { done: boolean; value?: { value: T; index: number }; error?: NodeError } = { done: false };
  p.then(
    (v) => Object.assign(o, { done: true, value: v }),
    (e: NodeError) => Object.assign(o, { done: true, error: e }),
  );
  return o;
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const LIN: ReadConsistency = { mode: 'linearizable' };

describe('ReadPath, linearizable reads', () => {
  it('batches reads into one ReadIndex round and serves them once the read index is applied', async () => {
    const { state, path } = host();
    let counter = 0;
    const a = outcome(path.read(LIN, () => ++counter));
    const b = outcome(path.read(LIN, () => ++counter));
    // The first read started a round; the second waits for the next (one in flight at a time).
    expect(state.contexts).toHaveLength(1);
    path.confirmed(state.contexts[0]!, 6);
    path.afterReady();
    await tick();
    expect(a.done).toBe(false); // index 6 is not applied yet
    state.applied = 6;
    path.afterReady();
    await tick();
    expect(a.value).toEqual({ value: 1, index: 6 });
    // b joined the next round, started when the first was served.
    expect(state.contexts).toHaveLength(2);
    expect(b.done).toBe(false);
    path.confirmed(state.contexts[1]!, 6);
    path.afterReady();
    await tick();
    expect(b.value).toEqual({ value: 2, index: 6 });
  });

  it('ignores a confirmation for a context it did not send', async () => {
    const { state, path } = host();
    const a = outcome(path.read(LIN, () => 'v'));
    path.confirmed(new TextEncoder().encode('n2/other/1'), 4);
    path.afterReady();
    await tick();
    expect(a.done).toBe(false);
    path.confirmed(state.contexts[0]!, 4);
    path.afterReady();
    await tick();
    expect(a.value?.value).toBe('v');
  });

  it('fails the round at once when there is no leader to confirm it', async () => {
    const { state, path } = host();
    state.readIndexError = 'not-leader' as RaftErrorCode;
    const a = outcome(path.read(LIN, () => 'v'));
    await tick();
    expect(a.error?.code).toBe('UNAVAILABLE');
  });

  it('fails a round still unconfirmed after a whole expiry period, not before', async () => {
    const { path } = host();
    const a = outcome(path.read(LIN, () => 'v'));
    path.expire(); // the round may have been sent just now
    await tick();
    expect(a.done).toBe(false);
    path.expire(); // still in flight a period later: lost
    await tick();
    expect(a.error?.code).toBe('TIMEOUT');
  });
});

describe('ReadPath, index and staleness reads', () => {
  it('serves a min-index read once the index is applied, and times out if it never is', async () => {
    const { f, state, path } = host();
    const now = outcome(path.read({ mode: 'min-index', index: 4 }, () => 'now'));
    const later = outcome(path.read({ mode: 'min-index', index: 9 }, () => 'later'));
    const never = outcome(path.read({ mode: 'min-index', index: 50 }, () => 'never'));
    await tick();
    expect(now.value).toEqual({ value: 'now', index: 4 });
    expect(later.done).toBe(false);
    state.applied = 9;
    path.afterReady();
    await tick();
    expect(later.value).toEqual({ value: 'later', index: 9 });
    // The served read's timer was disarmed: only the unserved one's is left.
    expect(f.armed()).toBe(1);
    f.advance(READ_TIMEOUT_MS - 1);
    await tick();
    expect(never.done).toBe(false);
    f.advance(1);
    await tick();
    expect(never.error?.code).toBe('TIMEOUT');
  });

  it('serves a bounded-stale read on a follower that heard from the leader within the bound', async () => {
    const { f, state, path } = host();
    f.advance(1_000);
    state.lastContact = 800;
    const fresh = outcome(path.read({ mode: 'max-staleness', ms: 200 }, () => 'ok'));
    const stale = outcome(path.read({ mode: 'max-staleness', ms: 199 }, () => 'no'));
    state.lastContact = -1;
    const never = outcome(path.read({ mode: 'max-staleness', ms: 1e9 }, () => 'no'));
    await tick();
    expect(fresh.value?.value).toBe('ok');
    expect(stale.error?.code).toBe('UNAVAILABLE');
    expect(never.error?.code).toBe('UNAVAILABLE');
  });

  it('on a leader not yet current, makes a bounded-stale read wait as a linearizable one', async () => {
    const { state, path } = host();
    state.leader = true;
    const early = outcome(path.read({ mode: 'max-staleness', ms: 10 }, () => 'early'));
    expect(state.contexts).toHaveLength(1);
    state.leaderCurrent = true;
    const current = outcome(path.read({ mode: 'max-staleness', ms: 10 }, () => 'current'));
    await tick();
    expect(current.value?.value).toBe('current');
    expect(early.done).toBe(false);
    path.confirmed(state.contexts[0]!, 4);
    path.afterReady();
    await tick();
    expect(early.value?.value).toBe('early');
  });
});

describe('ReadPath, refusals', () => {
  it('refuses every read while stopping, and outside the membership', async () => {
    const { state, path } = host();
    state.conf = { voters: ['n2', 'n3'], learners: [] };
    const removed = outcome(path.read({ mode: 'min-index', index: 0 }, () => 'x'));
    state.conf = { voters: [], learners: [] };
    const joining = outcome(path.read(LIN, () => 'x'));
    state.conf = { voters: ['n2'], learners: ['n1'] };
    const learner = outcome(path.read({ mode: 'min-index', index: 0 }, () => 'served'));
    state.stopped = true;
    const stopping = outcome(path.read({ mode: 'min-index', index: 0 }, () => 'x'));
    await tick();
    expect(removed.error?.message).toMatch(/was removed from the cluster/);
    expect(joining.error?.message).toMatch(/has not been added to a cluster yet/);
    expect(learner.value?.value).toBe('served');
    expect(stopping.error?.message).toMatch(/shutting down/);
    expect(state.contexts).toHaveLength(0);
  });

  it('out of space, serves only what its frozen state can answer', async () => {
    const { f, state, path } = host();
    f.advance(10_000);
    state.outOfSpaceSince = 9_000;
    const lin = outcome(path.read(LIN, () => 'x'));
    const applied = outcome(path.read({ mode: 'min-index', index: 4 }, () => 'applied'));
    const ahead = outcome(path.read({ mode: 'min-index', index: 5 }, () => 'x'));
    state.lastContact = 10_000;
    const recent = outcome(path.read({ mode: 'max-staleness', ms: 1_000 }, () => 'recent'));
    const old = outcome(path.read({ mode: 'max-staleness', ms: 999 }, () => 'x'));
    await tick();
    expect(lin.error?.message).toMatch(/out of space/);
    expect(applied.value?.value).toBe('applied');
    expect(ahead.error?.message).toMatch(/applied only up to index 4/);
    expect(recent.value?.value).toBe('recent');
    expect(old.error?.message).toMatch(/older than 999 ms/);
  });

  it('fails every queued read with the error given', async () => {
    const { path } = host();
    const a = outcome(path.read(LIN, () => 'x'));
    const b = outcome(path.read(LIN, () => 'x'));
    path.failAll(new NodeError('UNAVAILABLE', 'leader changed'));
    await tick();
    expect([a.error?.message, b.error?.message]).toEqual(['leader changed', 'leader changed']);
  });
});
