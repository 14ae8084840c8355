/**
 * The per-method request limits (request-limits.ts): the RPCs anyone may call get a few KiB,
 * etcd's API etcd's own bound, the rest the server's. The e2e test (test/e2e/pre-auth.test.ts)
 * sends 60 MB to a real member; this one pins the table and the grpc-js shape it relies on.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_REQUEST_BYTES, ETCD_RPC_MAX_REQUEST_BYTES, OPEN_RPC_MAX_REQUEST_BYTES, RequestLimitCounts, maxRequestBytes, requestLimitInterceptor } from '../../../src/core/server/request-limits.js';
import { ETCD_OPEN_RPCS } from '../../../src/core/server/rpc-roles.js';

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
