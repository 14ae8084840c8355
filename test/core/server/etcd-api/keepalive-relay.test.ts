/**
 * The follower's shared keep-alive relays (keepalive-relay.ts): one stream per key, each answer to
 * the oldest request waiting, every request settled exactly once, and a failed relay replaced.
 */
import { EventEmitter } from 'node:events';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { KeepAliveRelays } from '../../../../src/core/server/etcd-api/keepalive-relay.js';

function fakeStream() {
  const written: { ID: string }[] = [];
  const s = Object.assign(new EventEmitter(), { written, cancelled: false, write: (m: { ID: string }) => written.push(m), cancel: () => void (s.cancelled = true) });
  return s;
}
type Fake = ReturnType<typeof fakeStream>;

/** A stream factory that keeps every stream it opened. */
function opener() {
  const opened: Fake[] = [];
  const open = () => {
    const s = fakeStream();
    opened.push(s);
    return s as unknown as ClientDuplexStream<{ ID: string }, unknown>;
  };
  return { opened, open };
}

function recorder() {
  const log: string[] = [];
  return { log, waiter: (name: string) => ({ answer: (r: unknown) => log.push(`${name}:${(r as { ID: string }).ID}`), fail: (e: unknown) => log.push(`${name}:failed ${(e as Error).message}`) }) };
}

describe('keep-alive relays', () => {
  it('share one stream per key, and hand each answer to the oldest request waiting', () => {
    const { opened, open } = opener();
    const relays = new KeepAliveRelays();
    const r = recorder();
    relays.send('leader token-a', open, { ID: '1' }, r.waiter('a1'));
    relays.send('leader token-a', open, { ID: '2' }, r.waiter('a2'));
    relays.send('leader token-b', open, { ID: '3' }, r.waiter('b3'));
    expect(opened).toHaveLength(2);
    expect(opened[0]!.written.map((m) => m.ID)).toEqual(['1', '2']);
    opened[0]!.emit('data', { ID: '1' });
    opened[1]!.emit('data', { ID: '3' });
    opened[0]!.emit('data', { ID: '2' });
    // An answer nobody waits for (the leader's stray) settles nothing twice.
    opened[0]!.emit('data', { ID: '9' });
    expect(r.log).toEqual(['a1:1', 'b3:3', 'a2:2']);
  });

  it('fails every request waiting on a relay that failed, once, and opens a new one for the next', () => {
    const { opened, open } = opener();
    const relays = new KeepAliveRelays();
    const r = recorder();
    relays.send('k', open, { ID: '1' }, r.waiter('x'));
    relays.send('k', open, { ID: '2' }, r.waiter('y'));
    opened[0]!.emit('error', new Error('leader changed'));
    opened[0]!.emit('end');
    expect(r.log).toEqual(['x:failed leader changed', 'y:failed leader changed']);
    expect(opened[0]!.cancelled).toBe(true);
    expect(relays.size).toBe(0);
    relays.send('k', open, { ID: '3' }, r.waiter('z'));
    expect(opened).toHaveLength(2);
    relays.close();
    expect(r.log.at(-1)).toBe('z:failed the member is shutting down');
  });
});
