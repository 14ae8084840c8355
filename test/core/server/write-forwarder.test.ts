/**
 * A follower's write forwarding on its one path to the leader (leader-path.ts): a leader that
 * cannot be reached is not dialled again for a moment, callers meanwhile get UNAVAILABLE with the
 * leader hint at once, and after the cool-down one call probes it (the half-open breaker).
 */
import { Metadata, credentials, status } from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/core/node/api.js';
import { BREAKER_OPEN_MS, LeaderPath, isNoAnswer } from '../../../src/core/server/leader-path.js';
import { ETCD_ERRORS, createEtcdServices } from '../../../src/core/server/etcd-api/etcd-kv-service.js';
import { FORWARDED_BY_METADATA, PREFER_REDIRECT_METADATA, WriteForwarder } from '../../../src/core/server/write-forwarder.js';
import { METADATA } from '../../../src/proto/index.js';

/** A loopback port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('WriteForwarder', () => {
  it('forwards a NOT_LEADER write with a hint, unless the caller prefers the redirect or it was forwarded already', () => {
    const path = new LeaderPath({ credentials: credentials.createInsecure() });
    const f = new WriteForwarder({ memberId: 'n2', path });
    const hint = new NodeError('NOT_LEADER', 'not the leader', { leaderId: 'n1', leaderAddress: '127.0.0.1:1' });
    expect(f.shouldForward(new Metadata(), hint)).toBe(true);
    expect(f.shouldForward(new Metadata(), new NodeError('NOT_LEADER', 'no leader known', { leaderId: '', leaderAddress: '' }))).toBe(false);
    expect(f.shouldForward(new Metadata(), new NodeError('TIMEOUT', 'timed out'))).toBe(false);
    const prefer = new Metadata();
    prefer.set(PREFER_REDIRECT_METADATA, '1');
    expect(f.shouldForward(prefer, hint)).toBe(false);
    const forwarded = new Metadata();
    forwarded.set(FORWARDED_BY_METADATA, 'n3');
    expect(f.shouldForward(forwarded, hint)).toBe(false);
    path.close();
  });

  it('opens the breaker when the leader cannot be reached, answers UNAVAILABLE with the hint meanwhile, and dials again after it', async () => {
    let now = 1_000_000;
    const path = new LeaderPath({ credentials: credentials.createInsecure(), now: () => now });
    const f = new WriteForwarder({ memberId: 'n2', path });
    const address = `127.0.0.1:${await deadPort()}`;
    const hint = new NodeError('NOT_LEADER', 'not the leader', { leaderId: 'n1', leaderAddress: address });
    const first = await f.forward({ kvPut: { key: 'k', value: 'v' } }, new Metadata(), hint, Date.now() + 5_000);
    expect('refusal' in first && first.refusal.code).toBe(status.UNAVAILABLE);
    const refusal = (first as { refusal: { details: string; metadata: Metadata } }).refusal;
    expect(refusal.details).toMatch(/^n2 is not the leader, and the leader n1 at 127\.0\.0\.1:\d+ could not be reached: /);
    expect(refusal.metadata.get(METADATA.leaderAddress)).toEqual([address]);

    const started = Date.now();
    const second = (await f.forward({}, new Metadata(), hint)) as { refusal: { code: number; details: string } };
    expect(second.refusal.details).toMatch(/could not be reached just now; retry$/);
    expect(Date.now() - started).toBeLessThan(100);

    now += BREAKER_OPEN_MS + 1;
    // Half-open: one call probes the leader; another meanwhile is answered at once.
    const probe = f.forward({}, new Metadata(), hint, Date.now() + 5_000) as Promise<{ refusal: { details: string } }>;
    const meanwhile = (await f.forward({}, new Metadata(), hint)) as { refusal: { details: string } };
    expect(meanwhile.refusal.details).toMatch(/could not be reached just now; retry$/);
    expect((await probe).refusal.details).toMatch(/could not be reached: /);
    path.close();
  });

  it("tells no answer from a refusal: the leader's own errors, fleet's or etcd's, leave the breaker closed", () => {
    const err = (code: number, details: string, md = new Metadata()) => Object.assign(new Error(details), { code, details, metadata: md });
    expect(isNoAnswer(err(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'))).toBe(true);
    expect(isNoAnswer(err(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.001s'))).toBe(true);
    expect(isNoAnswer(err(status.UNAVAILABLE, 'etcdserver: leader changed'))).toBe(false);
    const fleet = new Metadata();
    fleet.set(METADATA.errorCode, 'UNAVAILABLE');
    expect(isNoAnswer(err(status.UNAVAILABLE, 'the member is shutting down', fleet))).toBe(false);
    expect(isNoAnswer(err(status.FAILED_PRECONDITION, 'lease is held'))).toBe(false);
  });

  it("sends etcd's writes on the same path: a follower whose leader cannot be reached answers etcd's leader-failure error at once", async () => {
    let now = 1_000_000;
    const path = new LeaderPath({ credentials: credentials.createInsecure(), now: () => now });
    const address = `127.0.0.1:${await deadPort()}`;
    const node = {
      id: 'n2',
      leadership: () => ({ term: 1, leader: 'n1' }),
      etcdStore: () => ({ alarms: [], approximateBytes: () => 0, revision: 1 }),
      submitEtcd: () => Promise.reject(new NodeError('NOT_LEADER', 'not the leader', { leaderId: 'n1', leaderAddress: address })),
    } as never;
    const etcd = createEtcdServices(node, { auth: {}, clusterId: () => undefined, forward: path, version: '3.4.0' });
    const put = () => etcd.invoke('/etcdserverpb.KV/Put', { key: Buffer.from('k'), value: Buffer.from('v') }, new Metadata()).then(() => null, (e: { code: number; details: string }) => e);
    const first = await put();
    expect(first?.code).toBe(status.UNAVAILABLE);
    expect(first?.details).not.toMatch(/^etcdserver:/);
    const started = Date.now();
    expect(await put()).toMatchObject(ETCD_ERRORS.timeoutLeaderFail);
    expect(Date.now() - started).toBeLessThan(100);
    now += BREAKER_OPEN_MS + 1;
    expect((await put())?.details).not.toMatch(/^etcdserver:/);
    etcd.close();
    path.close();
  });
});
