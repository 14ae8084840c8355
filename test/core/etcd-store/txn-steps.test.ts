/**
 * A write applied in steps (mvcc.ts, txnSteps; issue 59): check perf's cleanup deletes 60,000 keys
 * in one DeleteRange, which held a member's loop 386–701 ms in one turn. In steps, it changes at
 * most WRITES_PER_STEP keys per step; between steps every read answers as of the revision before
 * (ranges, read-only txns, watch events), and the end state is the one the write makes in one go.
 * Compaction too: after that cleanup it spliced 60,000 keys out of the sorted list one at a time
 * (2.6 s in one turn); in steps, reads below its revision are refused from the first step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MvccStore, runSteps, WRITES_PER_STEP, type TxnRequest } from '../../../src/core/etcd-store/mvcc.js';

const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const all = { key: b('k/'), rangeEnd: b('k0') };

function filled(keys: number, lease?: number): MvccStore {
  const s = new MvccStore(1);
  if (lease !== undefined) s.leaseGrant(lease, 60, 0);
  for (let i = 0; i < keys; i++) s.put({ key: b(`k/${String(i).padStart(6, '0')}`), value: b(`v${i}`), ...(lease !== undefined && i % 3 === 0 ? { lease } : {}) });
  return s;
}

/** What a reader sees: the range, a read-only txn's compare, and the events since revision 2. */
function seen(s: MvccStore): string {
  const range = s.range(all);
  const cmp = s.txn({ compare: [{ key: b('k/000000'), target: 'version', result: 'greater', operand: 0 }], success: [{ range: { ...all, countOnly: true } }] });
  return JSON.stringify({ rev: range.revision, count: range.count, kvs: range.kvs.slice(0, 3), cmp: cmp.succeeded, events: s.events(all.key, all.rangeEnd, 2).length });
}

describe('a write in steps', () => {
  it('deletes 5,000 keys a bounded number at a time, readers seeing the revision before until the last step', () => {
    const s = filled(5_000);
    const before = seen(s);
    const steps = s.txnSteps({ success: [{ deleteRange: { ...all, prevKv: true } }] });
    let yields = 0;
    let r = steps.next();
    for (; r.done !== true; r = steps.next()) {
      yields++;
      expect(seen(s)).toBe(before);
      expect(s.revision).toBe(5_001);
    }
    expect(yields).toBe(Math.floor(5_000 / WRITES_PER_STEP));
    expect(r.value.revision).toBe(5_002);
    const del = r.value.responses[0] as { deleteRange: { deleted: number; prevKvs: unknown[] } };
    expect(del.deleteRange.deleted).toBe(5_000);
    expect(del.deleteRange.prevKvs).toHaveLength(5_000);
    expect(s.range(all).count).toBe(0);
    expect(s.events(all.key, all.rangeEnd, 5_002)).toHaveLength(5_000);
  });

  it('lets no other write begin between its steps', () => {
    const s = filled(3 * WRITES_PER_STEP);
    const steps = s.txnSteps({ success: [{ deleteRange: all }] });
    steps.next();
    expect(() => s.put({ key: b('x'), value: b('y') })).toThrow(/mvcc-one-write-at-a-time/);
    runSteps(steps);
    expect(s.range(all).count).toBe(0);
    s.put({ key: b('x'), value: b('y') });
  });

  it('undoes every step when a later operation of the txn is refused', () => {
    const s = filled(3 * WRITES_PER_STEP, 7);
    const image = JSON.stringify(s.snapshot());
    const refused = s.txnSteps({ success: [{ deleteRange: all }, { put: { key: b('z'), value: b('v'), lease: 99 } }] });
    expect(() => runSteps(refused)).toThrow(/lease not found/);
    expect(JSON.stringify(s.snapshot())).toBe(image);
    expect(s.leaseKeys(7)).toHaveLength(WRITES_PER_STEP);
    s.put({ key: b('x'), value: b('y') });
  });

  it('ends in the state the same write makes in one go, with reads between its steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * WRITES_PER_STEP }), fc.nat(50), fc.boolean(), (keys, from, nested) => {
        const del = { key: b(`k/${String(from).padStart(6, '0')}`), rangeEnd: b('k0'), prevKv: true };
        const txn: TxnRequest = nested ? { success: [{ txn: { success: [{ put: { key: b('a'), value: b('1') } }, { deleteRange: del }] } }] } : { success: [{ deleteRange: del }] };
        const inSteps = filled(keys);
        const atOnce = filled(keys);
        const steps = inSteps.txnSteps(txn);
        let r = steps.next();
        for (; r.done !== true; r = steps.next()) seen(inSteps);
        expect(JSON.stringify(r.value)).toBe(JSON.stringify(atOnce.txn(txn)));
        expect(JSON.stringify(inSteps.snapshot())).toBe(JSON.stringify(atOnce.snapshot()));
      }),
      { numRuns: 40 },
    );
  });

  it('compacts the tombstones of a large delete in steps, refusing reads below the revision from the first', () => {
    const inSteps = filled(3 * WRITES_PER_STEP);
    inSteps.deleteRange(all);
    inSteps.put({ key: b('k/zz'), value: b('after') });
    const atOnce = MvccStore.restore(inSteps.snapshot());
    const cut = inSteps.revision - 1;
    const steps = inSteps.compactSteps(cut);
    let yields = 0;
    let r = steps.next();
    for (; r.done !== true; r = steps.next()) {
      yields++;
      expect(() => inSteps.range({ ...all, revision: cut - 1 })).toThrow(/compacted/);
      expect(inSteps.range(all).kvs.map((kv) => Buffer.from(kv.key).toString())).toEqual(['k/zz']);
      expect(inSteps.events(all.key, all.rangeEnd, cut + 1)).toHaveLength(1);
    }
    expect(yields).toBeGreaterThanOrEqual(2);
    atOnce.compact(cut);
    expect(JSON.stringify(inSteps.snapshot())).toBe(JSON.stringify(atOnce.snapshot()));
    expect(inSteps.approximateBytes()).toBe(atOnce.approximateBytes());
  });
});
