/**
 * Automatic compaction of the etcd keyspace (etcd's --auto-compaction-*): which revision the
 * leader compacts to, when, and that only the leader proposes it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MvccStore } from '../../../../src/core/etcd-store/mvcc.js';
import { compactionTarget, REVISION_CHECK_MS, scheduleOf, startAutoCompaction, type AutoCompaction } from '../../../../src/core/server/etcd-api/etcd-auto-compaction.js';
import type { EtcdOp } from '../../../../src/core/etcd-store/replica.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('compactionTarget', () => {
  it('revision mode keeps the newest `retention` revisions, and never compacts backwards', () => {
    const c: AutoCompaction = { mode: 'revision', retention: 10 };
    expect(compactionTarget(c, 0, [], { revision: 100, compactRevision: 0 }, 0, 0)).toBe(90);
    expect(compactionTarget(c, 0, [], { revision: 100, compactRevision: 95 }, 0, 0)).toBeUndefined();
    expect(compactionTarget(c, 0, [], { revision: 5, compactRevision: 0 }, 0, 0)).toBeUndefined();
  });

  it('periodic mode compacts to the newest revision at least `retention` old, once the retention has passed since start and since the last compaction', () => {
    const c: AutoCompaction = { mode: 'periodic', retentionMs: HOUR };
    const samples = [0, 6, 12, 54, 60].map((m, i) => ({ at: m * MIN, revision: 10 * (i + 1) }));
    const store = { revision: 60, compactRevision: 0 };
    expect(compactionTarget(c, 59 * MIN, samples, store, 0, 0)).toBeUndefined();
    expect(compactionTarget(c, 61 * MIN, samples, store, 0, 0)).toBe(10);
    expect(compactionTarget(c, 73 * MIN, samples, store, 0, 0)).toBe(30);
    expect(compactionTarget(c, 73 * MIN, samples, store, 0, 30 * MIN)).toBeUndefined();
  });

  it('samples a tenth of the retention, compacting at most hourly, as etcd does', () => {
    expect(scheduleOf({ mode: 'periodic', retentionMs: 10_000 })).toEqual({ sampleMs: 1_000, compactEveryMs: 10_000 });
    expect(scheduleOf({ mode: 'periodic', retentionMs: 5 * HOUR })).toEqual({ sampleMs: 6 * MIN, compactEveryMs: HOUR });
    expect(scheduleOf({ mode: 'revision', retention: 3 })).toEqual({ sampleMs: REVISION_CHECK_MS, compactEveryMs: REVISION_CHECK_MS });
  });
});

describe('startAutoCompaction', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function member(leader: string) {
    const store = new MvccStore(1);
    for (let i = 0; i < 20; i++) store.put({ key: Buffer.from(`k${i}`), value: Buffer.from('v') });
    const proposed: EtcdOp[] = [];
    const node = {
      id: 'n1',
      etcdStore: () => store,
      leadership: () => ({ term: 1, leader }),
      submitEtcd: async (op: EtcdOp) => {
        proposed.push(op);
        if (op.type === 'compact') store.compact(op.revision);
        return { value: { ok: true as const, revision: store.revision }, index: 1 };
      },
    };
    return { node, store, proposed };
  }

  it('on the leader, compacts through the log at each check; a follower only samples', async () => {
    const leader = member('n1');
    const stop = startAutoCompaction(leader.node, { mode: 'revision', retention: 5 }, () => undefined);
    await vi.advanceTimersByTimeAsync(REVISION_CHECK_MS);
    expect(leader.proposed).toEqual([{ type: 'compact', revision: leader.store.revision - 5 }]);
    await vi.advanceTimersByTimeAsync(REVISION_CHECK_MS);
    expect(leader.proposed).toHaveLength(1); // nothing new was written
    stop();

    const follower = member('n2');
    const stopFollower = startAutoCompaction(follower.node, { mode: 'revision', retention: 5 }, () => undefined);
    await vi.advanceTimersByTimeAsync(3 * REVISION_CHECK_MS);
    expect(follower.proposed).toEqual([]);
    stopFollower();
  });

  it('reports a failed compaction and tries again at the next check', async () => {
    const m = member('n1');
    let fail = true;
    const errors: number[] = [];
    const node = { ...m.node, submitEtcd: (op: EtcdOp) => (fail ? Promise.reject(new Error('no leader')) : m.node.submitEtcd(op)) };
    const stop = startAutoCompaction(node, { mode: 'revision', retention: 5 }, (_err, revision) => errors.push(revision));
    await vi.advanceTimersByTimeAsync(REVISION_CHECK_MS);
    expect(errors).toEqual([m.store.revision - 5]);
    fail = false;
    await vi.advanceTimersByTimeAsync(REVISION_CHECK_MS);
    expect(m.store.compactRevision).toBe(m.store.revision - 5);
    stop();
  });
});
