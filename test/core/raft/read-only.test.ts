import { describe, expect, it } from 'vitest';
import { ReadOnlyQueue, decodeRound, encodeRound } from '../../../src/core/raft/read-only.js';

const ctx = (s: string) => new TextEncoder().encode(s);
const voters = ['n1', 'n2', 'n3'];

describe('ReadOnlyQueue', () => {
  it('confirms a read only by a majority answering a round sent after it arrived', () => {
    const q = new ReadOnlyQueue();
    const r1 = q.nextRound();
    expect(r1).toBeUndefined();
    q.add(ctx('a'), 10, 'n1');
    const round = q.nextRound()!;
    // An answer to an earlier round (0) confirms nothing.
    q.recvAck('n2', 0);
    expect(q.release(voters, 'n1')).toEqual([]);
    q.recvAck('n2', round);
    expect(q.release(voters, 'n1').map((r) => r.index)).toEqual([10]);
    expect(q.size).toBe(0);
  });

  it('ignores an answer from a round it never sent, and releases a prefix in order', () => {
    const q = new ReadOnlyQueue();
    q.add(ctx('a'), 5, 'n1');
    const first = q.nextRound()!;
    q.add(ctx('b'), 6, 'n2');
    const second = q.nextRound()!;
    q.recvAck('n3', second + 5);
    expect(q.release(voters, 'n1')).toEqual([]);
    q.recvAck('n3', first);
    expect(q.release(voters, 'n1').map((r) => r.index)).toEqual([5]);
    q.recvAck('n2', second);
    expect(q.release(voters, 'n1').map((r) => r.index)).toEqual([6]);
  });

  it("the deliberately broken queue is caught: a stale round releases later reads", () => {
    const q = new ReadOnlyQueue(true);
    q.add(ctx('a'), 5, 'n1');
    const first = q.nextRound()!;
    q.recvAck('n2', first);
    q.add(ctx('b'), 6, 'n1');
    q.nextRound();
    expect(q.release(voters, 'n1').map((r) => r.index)).toEqual([5, 6]);
  });

  it("tags a round with the leader's term", () => {
    expect(decodeRound(encodeRound(7, 3), 7)).toBe(3);
    expect(decodeRound(encodeRound(7, 3), 8)).toBeUndefined();
    expect(decodeRound(new Uint8Array(3), 7)).toBeUndefined();
  });
});
