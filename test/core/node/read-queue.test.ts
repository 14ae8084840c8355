import { describe, expect, it } from 'vitest';
import { ReadQueue, type PendingRead } from '../../../src/core/node/reads/read-queue.js';

const hex = (b: Uint8Array | undefined) => Buffer.from(b!).toString('hex');

/** A read that records what it was served at. */
function read(log: string[], name: string): PendingRead {
  return { run: (index) => log.push(`${name}@${index}`), fail: (err) => log.push(`${name}:${err.message}`) };
}

/** The first context each queue hands out. */
function firstContext(q: ReadQueue): string {
  q.enqueue(read([], 'r'));
  return hex(q.nextRound());
}

describe('ReadQueue contexts', () => {
  it('differ between members, and between two runs of one member', () => {
    const contexts = [new ReadQueue('n1', 1), new ReadQueue('n2', 1), new ReadQueue('n1', 2)].map(firstContext);
    expect(new Set(contexts).size).toBe(3);
  });

  it('never repeat within a run', () => {
    const q = new ReadQueue('n1', 1);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const c = firstContext(q);
      q.confirmed(Buffer.from(c, 'hex'), 0);
      q.serve(0);
      seen.add(c);
    }
    expect(seen.size).toBe(100);
  });
});

describe('ReadQueue rounds', () => {
  it('a confirmation serves only the reads of its round; reads queued after it wait for the next round', () => {
    const log: string[] = [];
    const q = new ReadQueue('n1', 1);
    q.enqueue(read(log, 'a'));
    const first = q.nextRound()!;
    q.enqueue(read(log, 'b'));
    expect(q.nextRound()).toBeUndefined();
    q.confirmed(first, 5);
    q.serve(5);
    expect(log).toEqual(['a@5']);
    const second = q.nextRound()!;
    // A late duplicate of the first confirmation is not the second round's.
    q.confirmed(first, 5);
    q.serve(9);
    expect(log).toEqual(['a@5']);
    q.confirmed(second, 9);
    q.serve(9);
    expect(log).toEqual(['a@5', 'b@9']);
  });

  it('a confirmation of a failed round serves nothing', () => {
    const log: string[] = [];
    const q = new ReadQueue('n1', 1);
    q.enqueue(read(log, 'a'));
    const lost = q.nextRound()!;
    q.failAll(new Error('lost'));
    q.enqueue(read(log, 'b'));
    q.nextRound();
    q.confirmed(lost, 1);
    q.serve(1);
    expect(log).toEqual(['a:lost']);
  });
});
