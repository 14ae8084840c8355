import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/core/raft/errors.js';
import { Inflights, Progress } from '../../../src/core/raft/progress.js';

describe('Progress', () => {
  it('probes one append at a time, and backs off to the hint on a rejection of the latest', () => {
    const p = new Progress(11, 4, false);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(15, 5);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeDecrTo(9, 3)).toBe(false);
    expect(p.maybeDecrTo(10, 3)).toBe(true);
    expect([p.next, p.isPaused()]).toEqual([4, false]);
  });

  it('pipelines in replicate state up to the window, and frees it as acknowledgements come', () => {
    const p = new Progress(1, 2, false);
    p.maybeUpdate(3);
    p.becomeReplicate();
    expect(p.next).toBe(4);
    p.sentEntries(5, 2);
    p.sentEntries(7, 2);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(5)).toBe(true);
    p.inflights.freeLE(5);
    expect(p.isPaused()).toBe(false);
    // A rejection at or below match is stale.
    expect(p.maybeDecrTo(4, 0)).toBe(false);
    expect(p.maybeDecrTo(7, 0)).toBe(true);
    expect(p.next).toBe(6);
  });

  it('after a snapshot, probes from just past it', () => {
    const p = new Progress(1, 4, false);
    p.becomeSnapshot(40);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.next).toBe(41);
  });

  it('checks match < next (a planted bug: next moved back onto match)', () => {
    const p = new Progress(5, 4, false);
    p.maybeUpdate(4);
    p.next = 4;
    expect(() => p.checkOrder('a planted bug')).toThrow(InvariantError);
    expect(() => p.checkOrder('a planted bug')).toThrow(/progress-match-below-next broken: after a planted bug: match 4, next 4/);
  });
});

describe('Inflights', () => {
  it('is a bounded ring that refuses to overflow', () => {
    const w = new Inflights(3);
    for (const i of [2, 4, 6]) w.add(i);
    expect(w.full()).toBe(true);
    expect(() => w.add(8)).toThrow(/overflow/);
    w.freeLE(4);
    expect(w.count).toBe(1);
    w.add(8);
    w.add(10);
    w.freeFirst();
    expect(w.count).toBe(2);
    w.reset();
    expect(w.count).toBe(0);
  });
});
