import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { EtcdClient } from '../../../src/client/etcd/index.js';
import { FleetClientError } from '../../../src/client/errors.js';
import { etcdRegisterClient } from '../../../src/ops/drill/etcd-connect.js';

/** An etcd client whose puts fail with `failures` in turn, then succeed; it counts the attempts. */
function failingPuts(failures: readonly string[]): { client: EtcdClient; attempts: string[] } {
  const attempts: string[] = [];
  const client = {
    endpoints: ['127.0.0.1:1', '127.0.0.1:2'],
    put: (endpoint: string) => {
      attempts.push(endpoint);
      const failure = failures[attempts.length - 1];
      if (failure === undefined) return Promise.resolve(7);
      return Promise.reject(new FleetClientError('unavailable', failure, { grpcCode: status.UNAVAILABLE }));
    },
  } as unknown as EtcdClient;
  return { client, attempts };
}

describe('the drill\'s register client on etcd', () => {
  it('does not send a write again after its connection dropped mid-call: it may have been applied', async () => {
    // A follower SIGKILLed under the write: grpc-js says "Connection dropped". Retrying it on
    // another member applied it twice, and the drill's register check called the run unsafe.
    const { client, attempts } = failingPuts(['Connection dropped']);
    await expect(etcdRegisterClient(client, 'p').put('k', 'v')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(attempts).toHaveLength(1);
  });

  it('does not send it again after a reset stream either', async () => {
    const { client, attempts } = failingPuts(['Received RST_STREAM with code 2 triggered by internal client error: read ECONNRESET']);
    await expect(etcdRegisterClient(client, 'p').put('k', 'v')).rejects.toBeInstanceOf(FleetClientError);
    expect(attempts).toHaveLength(1);
  });

  it('sends it to the next member when it was never sent (no connection)', async () => {
    const { client, attempts } = failingPuts(['No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1']);
    await etcdRegisterClient(client, 'p').put('k', 'v');
    expect(attempts).toEqual(['127.0.0.1:1', '127.0.0.1:2']);
  });
});
