import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../../src/core/raft/errors.js';
import { RaftLog } from '../../../src/core/raft/log.js';
import type { Entry } from '../../../src/core/raft/types.js';

const NO_CONF = { voters: ['n1'], learners: [] };
const entry = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array(index % 3) });
const entries = (from: number, to: number, term: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));

function log(last = 5): RaftLog {
  return new RaftLog({ index: 0, term: 0, conf: NO_CONF }, entries(1, last, 1), 0, 0);
}

describe('RaftLog', () => {
  it('answers terms within the snapshot point and the last entry, and nothing outside', () => {
    const l = new RaftLog({ index: 3, term: 1, conf: NO_CONF }, entries(4, 6, 2), 3, 3);
    expect([l.firstIndex(), l.lastIndex(), l.lastTerm()]).toEqual([4, 6, 2]);
    expect([2, 3, 4, 6, 7].map((i) => l.term(i))).toEqual([undefined, 1, 2, 2, undefined]);
    expect(l.isUpToDate(6, 2)).toBe(true);
    expect(l.isUpToDate(5, 2)).toBe(false);
    expect(l.isUpToDate(1, 3)).toBe(true);
  });

  it('truncates at the first conflict, keeps what matches, and never rewrites a committed entry', () => {
    const l = log(5);
    l.commitTo(2);
    expect(l.maybeAppend(3, 1, 4, [entry(4, 2), entry(5, 2), entry(6, 2)])).toBe(6);
    expect(l.entries.map((e) => e.term)).toEqual([1, 1, 1, 2, 2, 2]);
    expect(l.committed).toBe(4);
    expect(l.maybeAppend(3, 9, 4, [])).toBeUndefined();
    expect(() => l.maybeAppend(1, 1, 4, [entry(2, 3)])).toThrow(/conflicts with committed entry/);
  });

  it('slices at least one entry, within the byte budget, and refuses a compacted start', () => {
    const l = log(6);
    expect(l.slice(1, 7, 0)!.map((e) => e.index)).toEqual([1]);
    expect(l.slice(2, 7, 3)!.map((e) => e.index)).toEqual([2, 3, 4]);
    l.commitTo(4);
    l.applied = 4;
    l.compact({ index: 3, term: 1, conf: NO_CONF });
    expect(l.slice(3, 7, 100)).toBeUndefined();
    expect(l.findConflictByTerm(6, 0)).toBe(3);
  });

  it('hands out committed entries only once durable', () => {
    const l = log(5);
    l.stable = 2;
    l.commitTo(4);
    expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([1, 2]);
    l.stableTo(5, 1);
    expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([1, 2, 3, 4]);
    l.stableTo(9, 1);
    expect(l.stable).toBe(5);
  });

  describe('checks its invariants', () => {
    it('refuses to commit past its last entry or to append with a gap', () => {
      const l = log(3);
      expect(() => l.commitTo(4)).toThrow(/beyond the last index/);
      expect(() => l.append([entry(5, 1)])).toThrow(InvariantError);
      expect(() => l.append([entry(5, 1)])).toThrow(/log-dense/);
    });

    it('names the cursor that is out of order after a change (a planted bug: applied ahead of commit)', () => {
      const l = log(3);
      l.applied = 2;
      try {
        l.checkCursors('a planted bug');
        expect.fail('the cursors were accepted');
      } catch (err) {
        expect(err).toBeInstanceOf(InvariantError);
        expect((err as InvariantError).invariant).toBe('log-cursor-order');
        expect((err as Error).message).toBe('invariant log-cursor-order broken: after a planted bug: snapshot 0, applied 2, committed 0, stable 3, unstableFrom 4, last 3');
      }
    });

    it('refuses to compact past what was applied', () => {
      const l = log(3);
      expect(() => l.compact({ index: 2, term: 1, conf: NO_CONF })).toThrow(/beyond applied 0/);
    });
  });
});
