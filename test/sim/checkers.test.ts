import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/core/raft/types.js';
import { SafetyChecker, type LogView, type StatusView } from './checkers.js';
import { SafetyViolation } from './violation.js';

const text = new TextEncoder();

function entry(index: number, term: number, payload = `e${index}t${term}`): Entry {
  return { index, term, type: 'normal', data: text.encode(payload) };
}

/** A member's durable log as the checkers read it, with the one write they are told of: an append. */
class TestLog implements LogView {
  readonly snapshotIndex = 0;
  readonly snapshotTerm = 0;
  private log: Entry[] = [];

  get lastIndex(): number {
    return this.log.length;
  }

  termAt(index: number): number | undefined {
    return index === 0 ? 0 : this.entryAt(index)?.term;
  }

  entryAt(index: number): Entry | undefined {
    return this.log[index - 1];
  }

  /** Appends `entries`, replacing the log from the first one's index on; returns what was removed. */
  append(entries: readonly Entry[]): Entry[] {
    const first = entries[0];
    return first === undefined ? [] : this.log.splice(first.index - 1, Infinity, ...entries);
  }
}

/** Three nodes with empty disks and a checker that sees them, as the cluster wires it. */
function setup(): { checker: SafetyChecker; stores: Map<string, TestLog>; append: (node: string, es: Entry[]) => void } {
  const stores = new Map(['n1', 'n2', 'n3'].map((id) => [id, new TestLog()]));
  const checker = new SafetyChecker(stores, () => 2);
  const append = (node: string, es: Entry[]): void => {
    const removed = (stores.get(node) as TestLog).append(es);
    checker.onAppend(node, es, removed);
  };
  return { checker, stores, append };
}

function violation(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SafetyViolation) return err.property;
    throw err;
  }
  return 'none';
}

describe('SafetyChecker', () => {
  it('flags two leaders in one term, from Ready soft state or from status', () => {
    const { checker } = setup();
    checker.onLeader('n1', 2);
    checker.onLeader('n1', 2);
    expect(violation(() => checker.onLeader('n2', 2))).toBe('election-safety');
    const status: StatusView = { id: 'n3', term: 2, role: 'leader', commit: 0, applied: 0, lastIndex: 0 };
    expect(violation(() => checker.afterStep([status]))).toBe('election-safety');
  });

  it('flags the same (index, term) with different payloads or different histories', () => {
    const { append } = setup();
    append('n1', [entry(1, 1), entry(2, 2)]);
    append('n2', [entry(1, 1), entry(2, 2)]);
    expect(violation(() => append('n3', [entry(1, 1), entry(2, 2, 'other')]))).toBe('log-matching');
    const second = setup();
    second.append('n1', [entry(1, 1), entry(2, 3)]);
    second.append('n2', [entry(1, 2)]);
    expect(violation(() => second.append('n2', [entry(2, 3)]))).toBe('log-matching');
  });

  it('flags a new leader that lacks an entry committed in an earlier term (Figure 8)', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1), entry(2, 2)]);
    append('n2', [entry(1, 1), entry(2, 2)]);
    checker.onCommit('n1', 2, 4);
    append('n3', [entry(1, 1), entry(2, 3)]);
    checker.onLeader('n2', 5);
    expect(violation(() => checker.onLeader('n3', 6))).toBe('leader-completeness');
  });

  it('accepts a leader of the term in which the entry was seen committed', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1)]);
    checker.onCommit('n1', 1, 3);
    append('n2', [entry(1, 2)]);
    // Seen committed by a node in term 3: a leader of term 3 or earlier may predate the commit.
    expect(violation(() => checker.onLeader('n2', 3))).toBe('none');
  });

  it('flags two different entries committed at one index', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1)]);
    append('n2', [entry(1, 2)]);
    checker.onCommit('n1', 1, 1);
    expect(violation(() => checker.onCommit('n2', 1, 2))).toBe('state-machine-safety');
  });

  it('flags entries applied out of order, twice, or of another term than elsewhere', () => {
    const { checker } = setup();
    checker.onEntryApplied('n1', 1, 1, 0);
    expect(violation(() => checker.onEntryApplied('n1', 3, 1, 0))).toBe('applied-monotonic');
    expect(violation(() => checker.onEntryApplied('n1', 1, 1, 0))).toBe('applied-monotonic');
    expect(violation(() => checker.onEntryApplied('n2', 1, 2, 0))).toBe('state-machine-safety');
  });

  it('lets a member skip ahead past a snapshot it installed, and restart at its snapshot', () => {
    const { checker } = setup();
    checker.onEntryApplied('n1', 1, 1, 0);
    checker.onEntryApplied('n1', 11, 1, 10);
    checker.onRestart('n1', 5);
    expect(violation(() => checker.onEntryApplied('n1', 6, 1, 5))).toBe('none');
  });

  it('records a leader as it takes office: two in one term is a violation', () => {
    const { checker } = setup();
    checker.onElected('n1', 3);
    expect(violation(() => checker.onElected('n2', 3))).toBe('election-safety');
  });

  it('flags a commit index beyond the durable log', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1)]);
    expect(violation(() => checker.onCommit('n1', 2, 1))).toBe('ready-contract');
  });

  it('allows one node to lose a committed entry, but not a quorum', () => {
    const { checker, append } = setup();
    for (const n of ['n1', 'n2', 'n3']) append(n, [entry(1, 1), entry(2, 1)]);
    checker.onCommit('n1', 2, 1);
    append('n3', [entry(2, 2)]);
    expect(violation(() => append('n2', [entry(2, 2)]))).toBe('committed-durable');
  });

  it('flags status applied going backwards, but not across a restart', () => {
    const { checker } = setup();
    const at = (applied: number): StatusView => ({ id: 'n1', term: 1, role: 'follower', commit: 9, applied, lastIndex: 9 });
    checker.afterStep([at(5)]);
    expect(violation(() => checker.afterStep([at(4)]))).toBe('applied-monotonic');
    checker.onRestart('n1', 3);
    checker.afterStep([at(3)]);
  });

  it('flags different state machine images at the same index', () => {
    const { checker } = setup();
    checker.onSnapshotTaken('n1', 10, 111);
    checker.onSnapshotTaken('n2', 10, 111);
    expect(violation(() => checker.onSnapshotTaken('n3', 10, 222))).toBe('state-machine-safety');
  });
});
