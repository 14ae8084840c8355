/**
 * The proposals in flight on this member, by log index: each is answered once its entry is
 * applied here, or refused if another term's entry took its index (a new leader overwrote it).
 */
import type { Entry } from '../raft/index.js';
import { NodeError } from './api.js';

interface Waiter {
  readonly term: number;
  readonly resolve: (answer: unknown) => void;
  readonly reject: (e: Error) => void;
}

const superseded = (): NodeError => new NodeError('UNAVAILABLE', 'the write was superseded by a new leader; retry', { reason: 'superseded' });

export class ProposalWaiters {
  private readonly byIndex = new Map<number, Waiter>();

  /** Waits for the entry proposed at `index` in `term`. */
  expect(index: number, term: number, resolve: (answer: unknown) => void, reject: (e: Error) => void): void {
    // A waiter left at this index belongs to an entry of an older term that was overwritten.
    this.byIndex.get(index)?.reject(superseded());
    this.byIndex.set(index, { term, resolve, reject });
  }

  /** The entry at `e.index` was applied with `answer`. */
  settle(e: Entry, answer: unknown): void {
    const w = this.byIndex.get(e.index);
    if (!w) return;
    this.byIndex.delete(e.index);
    if (w.term === e.term) w.resolve(answer);
    else w.reject(superseded());
  }

  failAll(err: Error): void {
    const waiters = [...this.byIndex.values()];
    this.byIndex.clear();
    for (const w of waiters) w.reject(err);
  }
}
