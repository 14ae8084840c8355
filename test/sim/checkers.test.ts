import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/core/raft/types.js';
import { SafetyChecker, type StatusView } from './checkers.js';
import { DurableStore } from './durable-store.js';
import { SafetyViolation } from './violation.js';

const text = new TextEncoder();

function entry(index: number, term: number, payload = `e${index}t${term}`): Entry {
  return { index, term, type: 'normal', data: text.encode(payload) };
}

/** Three nodes with empty disks and a checker that sees them, as the cluster wires it. */
function setup(): { checker: SafetyChecker; stores: Map<string, DurableStore>; append: (node: string, es: Entry[]) => void } {
  const stores = new Map(['n1', 'n2', 'n3'].map((id) => [id, new DurableStore(id)]));
  const checker = new SafetyChecker(stores, () => 2);
  const append = (node: string, es: Entry[]): void => {
    const removed = (stores.get(node) as DurableStore).append(es);
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
    const { checker, stores, append } = setup();
    append('n1', [entry(1, 1), entry(2, 2)]);
    append('n2', [entry(1, 1), entry(2, 2)]);
    stores.get('n1')!.hardState = { term: 4, vote: 'n1', commit: 2 };
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

  it('flags two different entries applied at one index', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1)]);
    append('n2', [entry(1, 2)]);
    checker.onCommit('n1', 1, 1);
    checker.onApply('n1', entry(1, 1));
    expect(violation(() => checker.onCommit('n2', 1, 2))).toBe('state-machine-safety');
  });

  it('flags applying out of order, beyond commit, or what the disk does not hold', () => {
    const { checker, append } = setup();
    append('n1', [entry(1, 1), entry(2, 1)]);
    checker.onCommit('n1', 2, 1);
    expect(violation(() => checker.onApply('n1', entry(2, 1)))).toBe('applied-monotonic');
    checker.onApply('n1', entry(1, 1));
    expect(violation(() => checker.onApply('n1', entry(2, 9)))).toBe('ready-contract');
    append('n2', [entry(1, 1)]);
    expect(violation(() => checker.onApply('n2', entry(1, 1)))).toBe('ready-contract');
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

  it('flags different state machine images at the same index, and old snapshots restored', () => {
    const { checker } = setup();
    checker.onSnapshotTaken('n1', 10, 111);
    checker.onSnapshotTaken('n2', 10, 111);
    expect(violation(() => checker.onSnapshotTaken('n3', 10, 222))).toBe('state-machine-safety');
    checker.onRestore('n1', { index: 10, term: 1, conf: { voters: [], learners: [] } });
    expect(violation(() => checker.onRestore('n1', { index: 5, term: 1, conf: { voters: [], learners: [] } }))).toBe('applied-monotonic');
  });
});

describe('DurableStore', () => {
  it('replaces a conflicting suffix and reports what it removed', () => {
    const store = new DurableStore('n1');
    store.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    expect(store.append([entry(2, 2)]).map((e) => e.index)).toEqual([2, 3]);
    expect(store.lastIndex).toBe(2);
    expect(store.termAt(2)).toBe(2);
  });

  it('refuses gaps and entries below its snapshot', () => {
    const store = new DurableStore('n1');
    store.append([entry(1, 1), entry(2, 1)]);
    expect(violation(() => store.append([entry(4, 1)]))).toBe('ready-contract');
    store.compact({ meta: { index: 2, term: 1, conf: { voters: ['n1'], learners: [] } }, data: new Uint8Array() });
    expect(store.termAt(2)).toBe(1);
    expect(store.entryAt(2)).toBeUndefined();
    expect(violation(() => store.append([entry(2, 1)]))).toBe('ready-contract');
  });

  it('gives a restarting node only its durable state', () => {
    const store = new DurableStore('n1');
    const bootstrap = { voters: ['n1', 'n2', 'n3'], learners: [] };
    expect(store.initialState(bootstrap)).toEqual({ bootstrap, applied: 0 });
    store.append([entry(1, 1), entry(2, 1)]);
    store.hardState = { term: 1, vote: 'n1', commit: 2 };
    store.compact({ meta: { index: 1, term: 1, conf: bootstrap }, data: new Uint8Array() });
    const initial = store.initialState(bootstrap);
    expect(initial.applied).toBe(1);
    expect(initial.snapshot?.index).toBe(1);
    expect(initial.entries?.map((e) => e.index)).toEqual([2]);
  });
});

describe('DurableStore crashes', () => {
  it('loses a commit index written without fsync, never below the snapshot', () => {
    const store = new DurableStore('n1');
    store.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    store.hardState = { term: 1, vote: 'n1', commit: 1 };
    store.sync();
    store.hardState = { term: 1, vote: 'n1', commit: 3 };
    store.loseUnsynced();
    expect(store.hardState.commit).toBe(1);
    store.hardState = { term: 1, vote: 'n1', commit: 3 };
    store.compact({ meta: { index: 2, term: 1, conf: { voters: ['n1'], learners: [] } }, data: new Uint8Array() });
    store.loseUnsynced();
    expect(store.hardState.commit).toBe(3);
  });
});
