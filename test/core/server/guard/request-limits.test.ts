/**
 * The per-method request limits (request-limits.ts): the RPCs anyone may call get a few KiB,
 * etcd's API etcd's own bound, the rest the server's. The e2e test (test/e2e/pre-auth.test.ts)
 * sends 60 MB to a real member; this one pins the table and the grpc-js shape it relies on.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions, type WireRequestOp, type WireTxnRequest } from '../../../../src/core/server/etcd-api/etcd-wire.js';
import { DEFAULT_MAX_REQUEST_BYTES, ETCD_RPC_MAX_REQUEST_BYTES, OPEN_RPC_MAX_REQUEST_BYTES, MAX_TXN_TOTAL_OPS, RequestLimitCounts, TXN_OVER_OPS, maxRequestBytes, requestLimitInterceptor, txnBytesOverOps, withTxnOpsLimit } from '../../../../src/core/server/guard/request-limits.js';
import { ETCD_OPEN_RPCS } from '../../../../src/core/server/guard/rpc-roles.js';

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length > 0) closers.pop()!();
});

describe('the request limits', () => {
  it('give the RPCs that need no token 4 KiB, etcd 1.5 MiB plus framing, fleet.v1 and peers 64 MiB', () => {
    for (const path of ['/grpc.health.v1.Health/Check', '/grpc.health.v1.Health/Watch', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', ...ETCD_OPEN_RPCS]) expect(maxRequestBytes(path), path).toBe(OPEN_RPC_MAX_REQUEST_BYTES);
    expect(OPEN_RPC_MAX_REQUEST_BYTES).toBe(4096);
    expect(maxRequestBytes('/etcdserverpb.KV/Txn')).toBe(ETCD_RPC_MAX_REQUEST_BYTES);
    expect(ETCD_RPC_MAX_REQUEST_BYTES).toBe(2 * 1024 * 1024);
    expect(maxRequestBytes('/v3lockpb.Lock/Lock')).toBe(ETCD_RPC_MAX_REQUEST_BYTES);
    expect(maxRequestBytes('/fleet.v1.Fleet/Write')).toBe(DEFAULT_MAX_REQUEST_BYTES);
    expect(maxRequestBytes('/fleet.v1.Peer/Replicate')).toBe(DEFAULT_MAX_REQUEST_BYTES);
    // A method of fleet.v1 nobody named still needs a token (admin), so it keeps the server's limit.
    expect(maxRequestBytes('/fleet.v1.Fleet/Unknown')).toBe(DEFAULT_MAX_REQUEST_BYTES);
  });

  it('refuse a message over its limit by its length, count it, and serve one under it (on grpc-js as pinned)', async () => {
    const counts = new RequestLimitCounts();
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20, interceptors: [requestLimitInterceptor(counts)] });
    closers.push(() => server.forceShutdown());
    const identity = (b: Buffer): Buffer => b;
    const echo = { path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
    server.addService({ Check: echo } as grpc.ServiceDefinition, { Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(String(call.request.length))) });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    closers.push(() => client.close());
    const send = (n: number) => new Promise<string>((resolve) => client.makeUnaryRequest(echo.path, identity, identity, Buffer.alloc(n), (err, res) => resolve(err ? `${err.code} ${err.details}` : String(res))));
    expect(await send(4096)).toBe('4096');
    expect(await send(4097)).toBe(`${grpc.status.RESOURCE_EXHAUSTED} Received message larger than max (4097 vs 4096)`);
    expect(counts.counts.get(echo.path)).toBe(1);
  });
});

describe("a Txn's operations counted on its bytes", () => {
  const KV = loadEtcdDefinitions().KV.service as unknown as Record<string, { requestSerialize(v: object): Buffer; requestDeserialize(b: Buffer): unknown }>;
  const encode = (txn: object): Buffer => KV['Txn']!.requestSerialize(txn);
  /** A random txn: compares and operations, some of them nested txns, to `depth`. */
  const txnArb = fc.letrec<{ txn: object; op: object }>((tie) => ({
    txn: fc.record({
      compare: fc.array(fc.constant({ key: Buffer.from('k'), target: 'VERSION', result: 'EQUAL', version: 0 }), { maxLength: 4 }),
      success: fc.array(tie('op'), { maxLength: 4 }),
      failure: fc.array(tie('op'), { maxLength: 3 }),
    }),
    op: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant({ requestRange: { key: Buffer.from('a'), rangeEnd: Buffer.from('b'), limit: 300 } }),
      fc.constant({ requestPut: { key: Buffer.from('p'), value: Buffer.alloc(200, 1), lease: 7 } }),
      fc.constant({}),
      tie('txn').map((txn) => ({ requestTxn: txn })),
    ),
  })).txn;

  /** The reference: compares and operations of the decoded request, nested ones included. */
  const opsOf = (t: WireTxnRequest): number => t.compare.length + [...t.success, ...t.failure].reduce((n: number, op: WireRequestOp) => n + 1 + (op.requestTxn ? opsOf(op.requestTxn) : 0), 0);

  it('agrees with the count of the decoded request, whatever the shape and the limit', () => {
    fc.assert(
      fc.property(txnArb, fc.integer({ min: 0, max: 40 }), (txn, limit) => {
        const decoded = KV['Txn']!.requestDeserialize(encode(txn)) as WireTxnRequest;
        expect(txnBytesOverOps(encode(txn), limit)).toBe(opsOf(decoded) > limit);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses the 2^17-leaf tree without decoding it, and hands the handler a marker', () => {
    let txn: object = {};
    for (let i = 0; i < 17; i++) txn = { success: [{ requestTxn: txn }, { requestTxn: txn }] };
    const bytes = encode(txn);
    // Within the request limit: only the count stops it.
    expect(bytes.length).toBeLessThan(ETCD_RPC_MAX_REQUEST_BYTES);
    expect(txnBytesOverOps(bytes, MAX_TXN_TOTAL_OPS)).toBe(true);
    const limited = withTxnOpsLimit(KV, MAX_TXN_TOTAL_OPS);
    expect(TXN_OVER_OPS in (limited['Txn']!.requestDeserialize(bytes) as object)).toBe(true);
    const small = encode({ success: [{ requestPut: { key: Buffer.from('k'), value: Buffer.from('v') } }] });
    expect(limited['Txn']!.requestDeserialize(small)).toMatchObject({ success: [{ requestPut: { key: Buffer.from('k') } }] });
    // 1,024 in all is still a txn: eight levels of 127 reads beside the next txn.
    let deep: object = { success: [] };
    for (let i = 0; i < 8; i++) deep = { success: [...Array.from({ length: 127 }, () => ({ requestRange: { key: Buffer.from('a') } })), { requestTxn: deep }] };
    expect(MAX_TXN_TOTAL_OPS).toBe(1024);
    expect(txnBytesOverOps(encode(deep), MAX_TXN_TOTAL_OPS)).toBe(false);
    expect(txnBytesOverOps(encode({ ...deep, compare: [{ key: Buffer.from('k'), target: 'VERSION', result: 'EQUAL', version: 0 }] }), MAX_TXN_TOTAL_OPS)).toBe(true);
    // Bytes it cannot read are the decoder's to refuse.
    expect(txnBytesOverOps(Buffer.from([0x12, 0xff]), MAX_TXN_TOTAL_OPS)).toBe(false);
  });
});
