/**
 * etcd's key permissions as pure functions (permissions.ts): intervals merged and a request's range
 * covered, with etcd's meanings of range_end ('' one key, '\0' everything from the key on), and
 * every check a txn needs. The merged check is compared with a naive model over a small alphabet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { covers, intervalOf, mergeIntervals, txnChecks, unifiedPermissions, type CheckedTxn, type KeyPermission } from '../../../src/core/etcd-store/permissions.js';

const prefix = (p: string): string => p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) + 1);
const rw = (key: string, rangeEnd = ''): KeyPermission => ({ permType: 'READWRITE', key, rangeEnd });

describe('a range check over prefixes', () => {
  const app = unifiedPermissions([rw('app/', prefix('app/'))], 'read');

  it('covers the prefix, its keys and sub-ranges, and nothing outside it', () => {
    expect(covers(app, 'app/', prefix('app/'))).toBe(true);
    expect(covers(app, 'app/x', '')).toBe(true);
    expect(covers(app, 'app/a', 'app/z')).toBe(true);
    expect(covers(app, 'app', '')).toBe(false);
    expect(covers(app, 'other', '')).toBe(false);
    // A range that runs past the prefix, or everything from a key on.
    expect(covers(app, 'app/', 'b')).toBe(false);
    expect(covers(app, 'app/', '\0')).toBe(false);
    // The whole keyspace (etcdctl get "" --prefix).
    expect(covers(app, '\0', '\0')).toBe(false);
  });

  it('reads "\\0" as every key from the key on, and a one-key permission as that key alone', () => {
    const from = unifiedPermissions([rw('m', '\0')], 'read');
    expect(covers(from, 'm', '\0')).toBe(true);
    expect(covers(from, 'zzz', '')).toBe(true);
    expect(covers(from, 'a', '\0')).toBe(false);
    const one = unifiedPermissions([rw('k')], 'read');
    expect(covers(one, 'k', '')).toBe(true);
    expect(covers(one, 'k\0', '')).toBe(false);
    expect(covers(one, 'k', 'k\0')).toBe(true);
    expect(covers(one, 'k', 'l')).toBe(false);
  });

  it('joins permissions that touch or overlap, as etcd’s interval tree answers across them', () => {
    const joined = unifiedPermissions([rw('a', 'c'), rw('c', 'e'), rw('d', 'f')], 'write');
    expect(joined).toEqual([{ start: 'a', end: 'f' }]);
    expect(covers(joined, 'b', 'ee')).toBe(true);
    expect(mergeIntervals([intervalOf('a', 'b'), intervalOf('x', '\0'), intervalOf('c', 'd')])).toEqual([
      { start: 'a', end: 'b' },
      { start: 'c', end: 'd' },
      { start: 'x', end: undefined },
    ]);
  });

  it('keeps read and write apart: READ gives no write, WRITE no read, READWRITE both', () => {
    const perms: KeyPermission[] = [{ permType: 'READ', key: 'r/', rangeEnd: 'r0' }, { permType: 'WRITE', key: 'w/', rangeEnd: 'w0' }];
    expect(covers(unifiedPermissions(perms, 'read'), 'r/1', '')).toBe(true);
    expect(covers(unifiedPermissions(perms, 'write'), 'r/1', '')).toBe(false);
    expect(covers(unifiedPermissions(perms, 'write'), 'w/1', '')).toBe(true);
    expect(covers(unifiedPermissions(perms, 'read'), 'w/1', '')).toBe(false);
  });

  it('agrees with a naive model: a range is covered when every key in it is in some permission', () => {
    // Ranges bounded by keys of up to 3 letters over {a, b, c}. Between two such bounds b < b', every
    // key of [b, b') is in a permission or none is, but for b itself and b+"\0" (the first key after
    // it, where a one-key permission ends): so these witnesses stand for every key there is.
    const letters = ['a', 'b', 'c'];
    const bounds: string[] = [''];
    for (let n = 0; n < 3; n++) for (const k of bounds.filter((x) => x.length === n)) for (const l of letters) bounds.push(k + l);
    const named = bounds.filter((k) => k !== '');
    const witnesses = [...named, ...named.map((k) => `${k}\0`)].sort();
    const inRange = (k: string, key: string, end: string): boolean => (end === '' ? k === key : end === '\0' ? k >= key : k >= key && k < end);
    const key = fc.constantFrom(...named);
    const end = fc.oneof(fc.constant(''), fc.constant('\0'), key);
    fc.assert(
      fc.property(fc.array(fc.record({ key, end }), { maxLength: 5 }), key, end, (perms, k, e) => {
        const merged = unifiedPermissions(perms.map((p) => rw(p.key, p.end)), 'read');
        // A range that names no key (end ≤ key) needs the key alone, as covers() says.
        const asked = e !== '' && e !== '\0' && e <= k ? [k] : witnesses.filter((x) => inRange(x, k, e));
        const model = asked.every((x) => perms.some((p) => inRange(x, p.key, p.end)));
        expect(covers(merged, k, e)).toBe(model);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the checks of a txn', () => {
  const none = (): readonly string[] => [];

  it('reads every compare, and checks both branches whichever runs, nested txns too', () => {
    const txn: CheckedTxn = {
      compare: [{ key: 'c', rangeEnd: '' }],
      success: [{ put: { key: 'p', prevKv: false, lease: 0 } }],
      failure: [{ range: { key: 'r', rangeEnd: 's' } }, { txn: { compare: [], success: [{ deleteRange: { key: 'd', rangeEnd: 'e', prevKv: true } }], failure: [] } }],
    };
    expect(txnChecks(txn, none)).toEqual([
      { access: 'read', key: 'c', rangeEnd: '' },
      { access: 'write', key: 'p', rangeEnd: '' },
      { access: 'read', key: 'r', rangeEnd: 's' },
      { access: 'write', key: 'd', rangeEnd: 'e' },
      { access: 'read', key: 'd', rangeEnd: 'e' },
    ]);
  });

  it('asks write on every key a put’s lease already holds, and read for a put’s previous value', () => {
    const txn: CheckedTxn = { compare: [], success: [{ put: { key: 'mine', prevKv: true, lease: 7 } }], failure: [] };
    expect(txnChecks(txn, (lease) => (lease === 7 ? ['theirs'] : []))).toEqual([
      { access: 'write', key: 'mine', rangeEnd: '' },
      { access: 'write', key: 'theirs', rangeEnd: '' },
      { access: 'read', key: 'mine', rangeEnd: '' },
    ]);
  });
});
