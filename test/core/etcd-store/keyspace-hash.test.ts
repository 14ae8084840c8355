/** etcd's HashKV on the keyspace (keyspace-hash.ts): same history, same hash; a revision in the past hashes what was then. */
import { describe, expect, it } from 'vitest';
import { ERR_COMPACTED, ERR_FUTURE, MvccStore } from '../../../src/core/etcd-store/mvcc.js';
import { hashKeyspace } from '../../../src/core/etcd-store/keyspace-hash.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
function written(n: number): MvccStore {
  const s = new MvccStore(1);
  for (let i = 0; i < n; i++) s.put({ key: b(`k/${i % 700}`), value: b(`v${i}\xff`) });
  return s;
}

describe('the keyspace hash', () => {
  it('is equal for stores that applied the same writes, over many turns of keys', async () => {
    const [a, c] = [written(2_000), written(2_000)];
    expect(await hashKeyspace(a, 0)).toEqual(await hashKeyspace(c, 0));
    c.put({ key: b('k/1'), value: b('other') });
    expect((await hashKeyspace(a, 0)).hash).not.toBe((await hashKeyspace(c, 0)).hash);
  });

  it('hashes a past revision as the store was then, whatever was written since', async () => {
    const s = written(50);
    const then = await hashKeyspace(s, 0);
    s.put({ key: b('k/3'), value: b('later') });
    s.deleteRange({ key: b('k/4') });
    expect((await hashKeyspace(s, then.revision)).hash).toBe(then.hash);
  });

  it('refuses a future or compacted revision with etcd\'s errors', async () => {
    const s = written(50);
    await expect(hashKeyspace(s, s.revision + 1)).rejects.toThrow(ERR_FUTURE);
    s.compact(20);
    await expect(hashKeyspace(s, 10)).rejects.toThrow(ERR_COMPACTED);
    expect((await hashKeyspace(s, 0)).compactRevision).toBe(20);
  });
});
