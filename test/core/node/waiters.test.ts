import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/core/node/api.js';
import { ProposalWaiters } from '../../../src/core/node/waiters.js';
import type { Entry } from '../../../src/core/raft/types.js';

const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array(0) });

/** A waiter's outcome as the test sees it. */
function waiter() {
  const seen: { answer?: unknown; error?: Error; calls: number } = { calls: 0 };
  return {
    seen,
    resolve: (answer: unknown) => {
      seen.calls++;
      seen.answer = answer;
    },
    reject: (error: Error) => {
      seen.calls++;
      seen.error = error;
    },
  };
}

describe('ProposalWaiters', () => {
  it('answers a proposal when its own entry (same index and term) is applied, once', () => {
    const ws = new ProposalWaiters();
    const w = waiter();
    ws.expect(7, 3, w.resolve, w.reject);
    ws.settle(entry(6, 3), 'not mine');
    expect(w.seen.calls).toBe(0);
    ws.settle(entry(7, 3), { ok: 1 });
    ws.settle(entry(7, 3), 'again');
    expect(w.seen).toEqual({ calls: 1, answer: { ok: 1 } });
  });

  it('refuses a proposal whose index was taken by another term’s entry (a new leader overwrote it)', () => {
    const ws = new ProposalWaiters();
    const w = waiter();
    ws.expect(7, 3, w.resolve, w.reject);
    ws.settle(entry(7, 4), 'the new leader’s entry');
    expect(w.seen.calls).toBe(1);
    expect(w.seen.answer).toBeUndefined();
    expect(w.seen.error).toBeInstanceOf(NodeError);
    expect((w.seen.error as NodeError).code).toBe('UNAVAILABLE');
    expect(w.seen.error?.message).toMatch(/superseded/);
  });

  it('refuses the older waiter when a new proposal lands at the same index', () => {
    const ws = new ProposalWaiters();
    const old = waiter();
    const fresh = waiter();
    ws.expect(5, 2, old.resolve, old.reject);
    ws.expect(5, 3, fresh.resolve, fresh.reject);
    expect((old.seen.error as NodeError).code).toBe('UNAVAILABLE');
    ws.settle(entry(5, 3), 'done');
    expect(fresh.seen).toEqual({ calls: 1, answer: 'done' });
    expect(old.seen.calls).toBe(1);
  });

  it('fails every waiter with the error given, and forgets them', () => {
    const ws = new ProposalWaiters();
    const a = waiter();
    const b = waiter();
    ws.expect(1, 1, a.resolve, a.reject);
    ws.expect(2, 1, b.resolve, b.reject);
    const stop = new Error('stopping');
    ws.failAll(stop);
    expect(a.seen).toEqual({ calls: 1, error: stop });
    expect(b.seen).toEqual({ calls: 1, error: stop });
    ws.settle(entry(1, 1), 'late');
    ws.failAll(new Error('twice'));
    expect(a.seen.calls + b.seen.calls).toBe(2);
  });
});
