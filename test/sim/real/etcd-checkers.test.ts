/** The etcd keyspace's checkers alone, on hand-made observations: each passes what is right and names what is not. */
import { describe, expect, it } from 'vitest';
import { compareHolds, KeyspaceHistory, LeaseSafety, WatchLog, type SeenKv } from './etcd-checkers.js';

const kv = (key: string, value: string, mod: number, extra: Partial<SeenKv> = {}): SeenKv => ({ key, value, create: mod, mod, version: 1, lease: 0, ...extra });
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('KeyspaceHistory', () => {
  it('passes a linearizable history and fails a read of an overwritten value', () => {
    const h = new KeyspaceHistory();
    h.intendWrite('e/k0', 'a');
    h.intendWrite('e/k0', 'b');
    h.record('cas', 'e/k0', [null, 'a'], 0, 10, 'ok');
    h.record('cas', 'e/k0', ['a', 'b'], 20, 30, 'ok');
    h.record('read', 'e/k0', null, 40, 50, 'ok', 'b');
    expect(h.check().ok).toBe(true);
    h.record('read', 'e/k0', null, 60, 70, 'ok', 'a');
    expect(h.check().ok).toBe(false);
  });

  it('holds a value to one set of revisions and its write to the revision it was answered at', () => {
    const h = new KeyspaceHistory();
    h.intendWrite('e/k0', 'a');
    expect(h.observe(kv('e/k0', 'a', 5), 'read 1')).toBeUndefined();
    expect(h.observe(kv('e/k0', 'a', 6), 'read 2')).toMatch(/another answer showed/);
    expect(h.answeredWrite('a', 7)).toMatch(/answered at revision 7/);
    expect(h.observe(kv('e/k0', 'never', 8), 'read 3')).toMatch(/no client wrote/);
  });

  it('refuses a linearizable read below the revision floor', () => {
    const h = new KeyspaceHistory();
    h.completed(9);
    expect(h.checkFloor('a read', h.revisionFloor, 8)).toMatch(/revision 9 was answered/);
    expect(h.checkFloor('a read', h.revisionFloor, 9)).toBeUndefined();
  });
});

describe('compareHolds', () => {
  it("judges an absent key as etcd does: version, create and mod 0, no value", () => {
    const present = kv('k', 'v', 4, { version: 2, create: 3 });
    expect(compareHolds({ key: b('k'), target: 'version', result: 'equal', operand: 0 }, undefined)).toBe(true);
    expect(compareHolds({ key: b('k'), target: 'value', result: 'equal', operand: b('v') }, undefined)).toBe(false);
    expect(compareHolds({ key: b('k'), target: 'value', result: 'equal', operand: b('v') }, present)).toBe(true);
    expect(compareHolds({ key: b('k'), target: 'mod', result: 'equal', operand: 4 }, present)).toBe(true);
    expect(compareHolds({ key: b('k'), target: 'create', result: 'greater', operand: 0 }, present)).toBe(true);
    expect(compareHolds({ key: b('k'), target: 'version', result: 'less', operand: 2 }, present)).toBe(false);
  });
});

describe('LeaseSafety', () => {
  it('fails a key of a lease seen at or after the revision that revoked it, in either order', () => {
    const a = new LeaseSafety();
    expect(a.putAnswered(1, 'l/1/1', 3)).toBeUndefined();
    expect(a.revoked(1, 5)).toBeUndefined();
    expect(a.seenPresent(1, 'l/1/1', 5, 'a read')).toMatch(/readable after the lease was gone/);
    const b2 = new LeaseSafety();
    b2.putAnswered(1, 'l/1/1', 3);
    expect(b2.seenPresent(1, 'l/1/1', 7, 'a read')).toBeUndefined();
    expect(b2.deletedEvent(1, 'l/1/1', 6)).toMatch(/readable after/);
  });

  it('takes a key found gone as the lease gone, and fails it before the TTL of an answered keep-alive', () => {
    const a = new LeaseSafety();
    a.kept(1, 2, 1000);
    a.putAnswered(1, 'l/1/1', 3);
    expect(a.seenAbsent(1, 'l/1/1', 4, 'a read', 2000)).toMatch(/expired early/);
    const c = new LeaseSafety();
    c.kept(1, 2, 1000);
    c.putAnswered(1, 'l/1/1', 3);
    expect(c.seenAbsent(1, 'l/1/1', 4, 'a read', 3100)).toBeUndefined();
    expect(c.seenPresent(1, 'l/1/2', 4, 'another read')).toMatch(/readable after/);
  });

  it('fails a lease whose keys were deleted at two revisions', () => {
    const a = new LeaseSafety();
    expect(a.deletedEvent(1, 'l/1/1', 6)).toBeUndefined();
    expect(a.deletedEvent(1, 'l/1/2', 7)).toMatch(/not in one/);
  });
});

describe('WatchLog', () => {
  const truth = [
    { revision: 2, key: 'a', type: 'PUT' as const, value: '1' },
    { revision: 3, key: 'a', type: 'PUT' as const, value: '2' },
    { revision: 3, key: 'b', type: 'PUT' as const, value: '3' },
    { revision: 4, key: 'a', type: 'DELETE' as const, value: '' },
  ];

  it('passes every revision once, in order, across a resume', () => {
    const w = new WatchLog('w');
    for (const e of truth.slice(0, 3)) expect(w.take(e, 1)).toBeUndefined();
    expect(w.take(truth[3]!, w.lastRevision + 1)).toBeUndefined();
    expect(w.compare(truth, 1, 4)).toBeUndefined();
  });

  it('fails a gap, a repeat and an event before the revision asked for', () => {
    const gap = new WatchLog('w');
    gap.take(truth[0]!, 1);
    gap.take(truth[3]!, 1);
    expect(gap.compare(truth, 1, 4)).toMatch(/received DELETE a at revision 4 where the store's history has PUT a="2" at revision 3/);
    const repeat = new WatchLog('w');
    repeat.take(truth[1]!, 1);
    expect(repeat.take(truth[1]!, 1)).toMatch(/twice/);
    expect(repeat.take(truth[0]!, 1)).toMatch(/after revision 3/);
    expect(new WatchLog('w').take(truth[0]!, 3)).toMatch(/from 3 on/);
  });
});
