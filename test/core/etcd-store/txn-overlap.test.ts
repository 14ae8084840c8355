/**
 * etcd's duplicate-key rule for a txn (txn-overlap.ts), on the cases etcd 3.4 was seen to refuse
 * and run (test/e2e/etcd-api.long.test.ts runs the etcdctl ones against both).
 */
import { describe, expect, it } from 'vitest';
import { ERR_DUPLICATE_KEY, type RequestOp, type TxnRequest } from '../../../src/core/etcd-store/mvcc.js';
import { checkTxnOverlap } from '../../../src/core/etcd-store/txn-overlap.js';

const b = (s: string): Uint8Array => Buffer.from(s);
const put = (key: string): RequestOp => ({ put: { key: b(key), value: b('v') } });
const del = (key: string, end?: string): RequestOp => ({ deleteRange: { key: b(key), ...(end === undefined ? {} : { rangeEnd: end === '\0' ? new Uint8Array([0]) : b(end) }) } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({ txn: { success, failure } });
const refused = (t: TxnRequest): boolean => {
  try {
    checkTxnOverlap(t);
    return false;
  } catch (err) {
    expect((err as Error).message).toBe(ERR_DUPLICATE_KEY);
    return true;
  }
};

describe('a txn that writes one key twice', () => {
  it('refuses a put of a key the same branch deletes, or puts again', () => {
    expect(refused({ success: [put('b'), del('b')] })).toBe(true);
    expect(refused({ success: [del('a', 'c'), put('b')] })).toBe(true);
    expect(refused({ success: [put('b'), put('b')] })).toBe(true);
    expect(refused({ failure: [put('b'), del('b')] }), 'the else branch too').toBe(true);
  });

  it('runs what etcd runs: disjoint keys, overlapping deletes, a put in each branch, a from-key delete', () => {
    expect(refused({ success: [put('b'), del('a', 'b'), del('c')] })).toBe(false);
    expect(refused({ success: [del('a', 'z'), del('b')] })).toBe(false);
    expect(refused({ success: [put('b')], failure: [put('b'), del('a')] })).toBe(false);
    expect(refused({ success: [put('b'), del('a', '\0')] }), 'etcd 3.4: "\\0" makes an empty interval').toBe(false);
  });

  it('counts a nested txn against the level above, its then and else apart', () => {
    expect(refused({ success: [put('b'), txn([put('b')])] })).toBe(true);
    expect(refused({ success: [del('b'), txn([], [put('b')])] })).toBe(true);
    expect(refused({ success: [txn([del('a', 'c')]), put('b')] })).toBe(true);
    expect(refused({ success: [txn([put('b')], [put('b')])] }), 'only one of then and else runs').toBe(false);
    expect(refused({ success: [txn([put('b')]), txn([put('b')])] }), 'two nested txns may both run').toBe(true);
    expect(refused({ success: [txn([put('b'), del('b')])] })).toBe(true);
  });
});
