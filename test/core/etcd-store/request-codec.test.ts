/**
 * The binary form of etcd writes in the log (request-codec.ts): whatever a member proposes, every
 * member decodes the same request the JSON form gave, and a damaged or foreign entry is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isEtcdEntry } from '../../../src/core/app-format.js';
import type { Compare, RequestOp, TxnRequest } from '../../../src/core/etcd-store/mvcc.js';
import { decodeEtcdRequest, encodeEtcdRequest, type EtcdRequest } from '../../../src/core/etcd-store/replica.js';
import { decodeEtcdLogEntry, encodeEtcdLogEntry } from '../../../src/core/etcd-store/request-codec.js';

const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array(b));
/** Integers as clients send them, and the odd number that is not one (a fractional clock stamp, a negative compare). */
const num = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.integer({ min: -1000, max: -1 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const opt = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const compare: fc.Arbitrary<Compare> = fc.record(
  {
    key: bytes,
    rangeEnd: bytes,
    target: fc.constantFrom('version', 'create', 'mod', 'value', 'lease'),
    result: fc.constantFrom('equal', 'greater', 'less', 'not-equal'),
    operand: fc.oneof(num, bytes),
  },
  { requiredKeys: ['key', 'target', 'result', 'operand'] },
);

const { txn } = fc.letrec<{ txn: TxnRequest; op: RequestOp }>((tie) => ({
  txn: fc.record({ compare: fc.array(compare, { maxLength: 3 }), success: fc.array(tie('op'), { maxLength: 3 }), failure: fc.array(tie('op'), { maxLength: 3 }) }, { requiredKeys: [] }),
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ put: fc.record({ key: bytes, value: bytes, lease: num, prevKv: fc.boolean(), ignoreValue: fc.boolean(), ignoreLease: fc.boolean() }, { requiredKeys: ['key'] }) }),
    fc.record({ deleteRange: fc.record({ key: bytes, rangeEnd: bytes, prevKv: fc.boolean() }, { requiredKeys: ['key'] }) }),
    fc.record({
      range: fc.record(
        {
          key: bytes, rangeEnd: bytes, limit: num, revision: num, sortOrder: fc.constantFrom('none', 'ascend', 'descend'),
          sortTarget: fc.constantFrom('key', 'version', 'create', 'mod', 'value'), keysOnly: fc.boolean(), countOnly: fc.boolean(),
          minModRevision: num, maxModRevision: num, minCreateRevision: num, maxCreateRevision: num,
        },
        { requiredKeys: ['key'] },
      ),
    }),
    fc.record({ txn: tie('txn') }),
  ) as fc.Arbitrary<RequestOp>,
}));

const request: fc.Arbitrary<EtcdRequest> = fc.record({
  at: fc.oneof(fc.nat(), fc.double({ min: 0, max: 4e12, noNaN: true })),
  op: fc.oneof(
    fc.record({ type: fc.constant('txn' as const), txn, as: opt(fc.string()) }).map(({ as, ...op }) => (as === undefined ? op : { ...op, as })),
    fc.record({ type: fc.constant('compact' as const), revision: fc.nat() }),
    fc.record({ type: fc.constant('lease-grant' as const), id: fc.maxSafeNat(), ttl: fc.nat() }),
    fc.record({ type: fc.constant('lease-revoke' as const), id: fc.maxSafeNat() }),
    fc.record({ type: fc.constant('lease-renew' as const), id: fc.maxSafeNat() }),
    fc.record({ type: fc.constant('lease-expire' as const), ids: fc.array(fc.maxSafeNat(), { maxLength: 5 }) }),
    fc.record({ type: fc.constant('alarm' as const), action: fc.constantFrom('activate' as const, 'deactivate' as const), alarm: fc.record({ member: fc.string(), alarm: fc.constant('NOSPACE' as const) }) }),
    fc.record({ type: fc.constant('auth' as const), auth: fc.record({ kind: fc.constant('role-revoke-permission' as const), role: fc.string(), key: bytes, rangeEnd: bytes }) }),
  ),
});

/** What a member decodes from the JSON form: the reference every binary entry must equal. */
const viaJson = (req: EtcdRequest): EtcdRequest => decodeEtcdRequest(encodeEtcdRequest(req));

describe('binary etcd entries', () => {
  it('decode to the request the JSON form gives, for any write a member proposes', () => {
    fc.assert(
      fc.property(request, (req) => {
        const entry = encodeEtcdLogEntry(req, true);
        expect(isEtcdEntry(entry)).toBe(true);
        expect(decodeEtcdLogEntry(entry)).toEqual(viaJson(req));
      }),
      { numRuns: 2_000 },
    );
  });

  it('are smaller than JSON: a Put of 512 bytes takes its bytes and a few more', () => {
    const req: EtcdRequest = { at: 1_790_000_000_123.5, op: { type: 'txn', txn: { success: [{ put: { key: Buffer.from('/registry/pods/p1'), value: new Uint8Array(512).fill(7) } }] } } };
    const binary = encodeEtcdLogEntry(req, true);
    expect(binary.length).toBeLessThan(512 + 17 + 24);
    expect(encodeEtcdLogEntry(req, false).length).toBeGreaterThan(binary.length * 1.3);
  });

  it('keep a field the schema does not know by writing that request as JSON, whole', () => {
    const req = { at: 5, op: { type: 'txn', txn: { success: [{ range: { key: Buffer.from('k'), serializable: true } }] } } } as unknown as EtcdRequest;
    expect(decodeEtcdLogEntry(encodeEtcdLogEntry(req, true))).toEqual(viaJson(req));
  });

  it('decode bytes of their own: a later change to the log buffer changes nothing decoded', () => {
    const entry = Buffer.from(encodeEtcdLogEntry({ at: 1, op: { type: 'txn', txn: { success: [{ put: { key: Buffer.from('k'), value: Buffer.from('v') } }] } } }, true));
    const req = decodeEtcdLogEntry(entry);
    entry.fill(0);
    expect(req.op.type === 'txn' && 'put' in req.op.txn.success![0]! ? Buffer.from(req.op.txn.success![0].put.value!).toString() : '').toBe('v');
  });

  it('refuse a truncated, extended or foreign entry with an error, never a wrong request', () => {
    const entry = encodeEtcdLogEntry({ at: 1, op: { type: 'txn', txn: { compare: [{ key: Buffer.from('k'), target: 'mod', result: 'less', operand: 9 }], success: [{ put: { key: Buffer.from('k'), value: Buffer.from('v') } }] } } }, true);
    for (let cut = 3; cut < entry.length; cut++) expect(() => decodeEtcdLogEntry(entry.subarray(0, cut)), `cut at ${cut}`).toThrow(/etcd request entry/);
    expect(() => decodeEtcdLogEntry(Buffer.concat([entry, Buffer.from([0])]))).toThrow(/bytes past its end/);
    const newer = Buffer.from(entry);
    newer[2] = 2;
    expect(() => decodeEtcdLogEntry(newer)).toThrow(/binary version 2, written by a newer fleet/);
  });
});
