/**
 * How a queued contender (src/client/recipes/queue.ts) reads its turn: every read after the first
 * asks for a state no older than the last delete it saw, so the member it asks may answer from
 * what it has applied instead of making a ReadIndex round, which took a round off every hand-off.
 * After a lost history (compaction) it reads linearizably, so a stale state is not found twice.
 */
import { describe, expect, it } from 'vitest';
import type { EtcdAccess } from '../../src/client/etcd/access.js';
import type { RangeOptions } from '../../src/client/etcd/client.js';
import type { EtcdKeyValue } from '../../src/client/etcd/types.js';
import type { EtcdWatchEvent } from '../../src/client/etcd/watch.js';
import { waitTurn } from '../../src/client/recipes/queue.js';

const kv = (key: string, createRevision: number, modRevision = createRevision): EtcdKeyValue => ({ key: Buffer.from(key), value: Buffer.alloc(0), createRevision, modRevision, version: 1 });

/** A keyspace whose ranges answer the queue's keys at each step, and whose watch answers with `events` (or a canceled create). */
function fakeAccess(answers: EtcdKeyValue[][], watch: (EtcdWatchEvent | 'compacted')[]) {
  const ranges: RangeOptions[] = [];
  let revision = 20;
  const etcd = {
    range: async (_ep: string, _key: Buffer, opts: RangeOptions = {}) => {
      ranges.push(opts);
      return { kvs: answers.shift() ?? [], more: false, revision: revision++ };
    },
    watchStream: async () => {
      const next = watch.shift();
      let onEvents: (id: string, events: readonly EtcdWatchEvent[]) => void = () => undefined;
      let onEnd: (err: Error, canceled?: string) => void = () => undefined;
      return {
        onEvents: (l: typeof onEvents) => ((onEvents = l), () => undefined),
        onEnd: (l: typeof onEnd) => ((onEnd = l), () => undefined),
        create: async () => {
          setImmediate(() => (next === 'compacted' ? onEnd(new Error('compacted'), '1') : onEvents('1', [next!])));
          return '1';
        },
        close: () => undefined,
      };
    },
  };
  const access = { etcd, run: async <T>(_w: string, call: (ep: string) => Promise<T>) => call('m1'), order: () => ['m1'], checkOpen: () => undefined };
  return { access: access as unknown as EtcdAccess, ranges };
}

describe('waiting for a turn in a queue', () => {
  it('reads each turn from a state no older than the last delete seen', async () => {
    const mine = kv('lock/b', 11);
    const { access, ranges } = fakeAccess([[mine, kv('lock/a', 10)], [mine]], [{ type: 'DELETE', kv: kv('lock/a', 0, 15) }]);
    await waitTurn(access, 'lock/', { key: 'lock/b', revision: 11 }, new AbortController().signal);
    expect(ranges.map((r) => r.atLeastRevision)).toEqual([11, 15]);
  });

  it('reads linearizably after the history to watch was compacted', async () => {
    const mine = kv('lock/b', 11);
    const { access, ranges } = fakeAccess([[mine, kv('lock/a', 10)], [mine]], ['compacted']);
    await waitTurn(access, 'lock/', { key: 'lock/b', revision: 11 }, new AbortController().signal);
    expect(ranges.map((r) => r.atLeastRevision)).toEqual([11, undefined]);
  });
});
