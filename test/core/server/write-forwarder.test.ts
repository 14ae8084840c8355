/**
 * The circuit breaker of a follower's write forwarding: a leader that cannot be reached is not
 * dialled again for a moment, and callers meanwhile get UNAVAILABLE with the leader hint at once.
 */
import { Metadata, credentials, status } from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../src/core/node/api.js';
import { BREAKER_OPEN_MS, FORWARDED_BY_METADATA, PREFER_REDIRECT_METADATA, WriteForwarder } from '../../../src/core/server/write-forwarder.js';
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
    const f = new WriteForwarder({ memberId: 'n2', credentials: credentials.createInsecure() });
    const hint = new NodeError('NOT_LEADER', 'not the leader', 'n1', '127.0.0.1:1');
    expect(f.shouldForward(new Metadata(), hint)).toBe(true);
    expect(f.shouldForward(new Metadata(), new NodeError('NOT_LEADER', 'no leader known', '', ''))).toBe(false);
    expect(f.shouldForward(new Metadata(), new NodeError('TIMEOUT', 'timed out'))).toBe(false);
    const prefer = new Metadata();
    prefer.set(PREFER_REDIRECT_METADATA, '1');
    expect(f.shouldForward(prefer, hint)).toBe(false);
    const forwarded = new Metadata();
    forwarded.set(FORWARDED_BY_METADATA, 'n3');
    expect(f.shouldForward(forwarded, hint)).toBe(false);
    f.close();
  });

  it('opens the breaker when the leader cannot be reached, answers UNAVAILABLE with the hint meanwhile, and dials again after it', async () => {
    let now = 1_000_000;
    const f = new WriteForwarder({ memberId: 'n2', credentials: credentials.createInsecure(), now: () => now });
    const address = `127.0.0.1:${await deadPort()}`;
    const hint = new NodeError('NOT_LEADER', 'not the leader', 'n1', address);
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
    const third = (await f.forward({}, new Metadata(), hint, Date.now() + 5_000)) as { refusal: { details: string } };
    expect(third.refusal.details).toMatch(/could not be reached: /);
    f.close();
  });
});
