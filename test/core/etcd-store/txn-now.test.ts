/**
 * The keyspace's paths without steps (mvcc.ts, txnNow; replica.ts, apply of a txn without
 * deletes; newestRevisionEvents of one key over every key): a restarted member replays thousands
 * of fleet KV puts through them. Each must answer as the general path does: compared here on
 * random txns of puts, ranges, nested txns and compares, refusals included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MvccStore, runSteps, txnDeletes, type RequestOp, type TxnRequest } from '../../../src/core/etcd-store/mvcc.js';
import { EtcdReplica } from '../../../src/core/etcd-store/replica.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const every = new Uint8Array([0]);

const key = fc.constantFrom('a', 'b', 'c', 'k/1', 'k/2', '');
const put: fc.Arbitrary<RequestOp> = fc.record({ key, value: fc.string({ maxLength: 4 }), lease: fc.constantFrom(0, 7, 9), prevKv: fc.boolean() }).map((p) => ({ put: { key: b(p.key), value: b(p.value), lease: p.lease, prevKv: p.prevKv } }));
const range: fc.Arbitrary<RequestOp> = key.map((k) => ({ range: { key: b(k), rangeEnd: every } }));
const flat = fc.array(fc.oneof(put, put, range), { maxLength: 4 });
const txn: fc.Arbitrary<TxnRequest> = fc.record({
  compare: fc.array(fc.record({ key, operand: fc.nat(3) }).map((c) => ({ key: b(c.key), target: 'version' as const, result: 'greater' as const, operand: c.operand })), { maxLength: 2 }),
  success: fc.oneof(flat, flat.map((ops) => [{ txn: { success: ops } }])),
  failure: flat,
});

/** A store with some history: keys written, one deleted, lease 7 granted (9 is not). */
function seeded(): MvccStore {
  const s = new MvccStore(1);
  s.leaseGrant(7, 60, 0);
  s.put({ key: b('a'), value: b('1') });
  s.put({ key: b('k/1'), value: b('2'), lease: 7 });
  s.deleteRange({ key: b('a') });
  return s;
}

/** A txn's outcome as a reader compares it: the answer or the refusal, then what the store holds. */
function outcome(s: MvccStore, run: () => unknown): string {
  let answer: unknown;
  try {
    answer = run();
  } catch (err) {
    answer = { refused: (err as Error).message };
  }
  return JSON.stringify({ answer, rev: s.revision, kvs: s.range({ key: every, rangeEnd: every }), events: s.events(every, every, 2), bytes: s.approximateBytes(), keys: s.keyCount, leaseKeys: s.leaseKeys(7) });
}

describe('txnNow', () => {
  it('answers and changes the store as txnSteps does, for any txn without deletes', () => {
    fc.assert(
      fc.property(txn, (req) => {
        expect(txnDeletes(req)).toBe(false);
        const stepped = seeded();
        const now = seeded();
        expect(outcome(now, () => now.txnNow(req))).toBe(outcome(stepped, () => runSteps(stepped.txnSteps(req))));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a txn with a delete, which must run in steps', () => {
    expect(() => seeded().txnNow({ success: [{ txn: { success: [{ deleteRange: { key: b('a') } }] } }] })).toThrow(/txnNow/);
  });
});

describe("the replica's apply of a txn without deletes", () => {
  it('answers as its steps do, refusals included', () => {
    fc.assert(
      fc.property(txn, (req) => {
        const direct = new EtcdReplica();
        const stepped = new EtcdReplica();
        for (const r of [direct, stepped]) r.apply({ at: 0, op: { type: 'lease-grant', id: 7, ttl: 60 } });
        const a = direct.apply({ at: 0, op: { type: 'txn', txn: req } });
        const s = runSteps(stepped.applySteps({ at: 0, op: { type: 'txn', txn: req } }));
        expect(JSON.stringify(a)).toBe(JSON.stringify(s));
        expect(direct.store.revision).toBe(stepped.store.revision);
        // The replica's own check: the next apply finds the store where this one left it.
        expect(direct.apply({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: b('z'), value: b('z') } }] } } }).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('newestRevisionEvents over every key', () => {
  it('are the events of the newest revision, as events() reads them, whatever it wrote', () => {
    fc.assert(
      fc.property(fc.array(txn, { minLength: 1, maxLength: 5 }), (reqs) => {
        const s = seeded();
        for (const req of reqs) {
          try {
            s.txn(req);
          } catch {
            // refused: the store is as it was
          }
          expect(JSON.stringify(s.newestRevisionEvents(every, every) ?? s.events(every, every, s.revision))).toBe(JSON.stringify(s.events(every, every, s.revision)));
        }
      }),
      { numRuns: 200 },
    );
  });
});
