/**
 * Two members' peer transports over real gRPC on loopback. The reproduction: a leader whose
 * channel to a follower was waiting out its reconnect back-off reached the follower only when
 * the back-off ran out (up to 500 ms in a member, 60 s here, to make the difference certain),
 * although the follower, restarted, had already said it was up.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../../src/core/raft/index.js';
import { PeerTransport, type PeerEndpoint } from '../../../../src/core/server/peer/peer-transport.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import { freePort } from '../../../e2e/processes.js';
import { quiet } from '../../node/helpers.js';

/** A back-off no test waits out: only a redial reaches the peer in time. */
const SLOW_BACKOFF = { 'grpc.initial_reconnect_backoff_ms': 60_000, 'grpc.min_reconnect_backoff_ms': 60_000, 'grpc.max_reconnect_backoff_ms': 60_000 };

interface Side {
  transport: PeerTransport;
  server: grpc.Server;
  received: Message[];
}

const open: Side[] = [];
afterEach(() => {
  for (const s of open.splice(0)) {
    s.transport.close();
    s.server.forceShutdown();
  }
});

async function side(id: string, port: number, peers: Record<string, number>): Promise<Side> {
  const received: Message[] = [];
  const transport = new PeerTransport({
    selfId: id,
    selfAddress: `127.0.0.1:${port}`,
    clusterName: 'c',
    clusterId: { current: () => 'abc', adopt: () => undefined },
    credentials: grpc.credentials.createInsecure(),
    channelOptionsFor: () => SLOW_BACKOFF,
    peerCredentials: { mutualTls: false },
    snapshotSpool: { dir: '/nonexistent', maxBytes: 1 },
    logger: quiet,
  });
  const endpoint: PeerEndpoint = {
    step: (m) => received.push(m),
    peerDisconnected: () => undefined,
    reportUnreachable: () => undefined,
    reportSnapshot: () => undefined,
    peerAddress: () => undefined,
    readLatestSnapshot: async () => undefined,
    knowsPeer: () => true,
    leadership: () => ({ term: 1, leader: '' }),
  };
  transport.attach(endpoint);
  transport.setPeers(new Map(Object.entries(peers).map(([p, at]) => [p, `127.0.0.1:${at}`])));
  const server = new grpc.Server();
  server.addService(loadFleetProto().fleet.v1.Peer.service, transport.handlers());
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const s = { transport, server, received };
  open.push(s);
  expect(bound).toBe(port);
  return s;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const heartbeat = (n: number): Message => ({ type: 'heartbeat', from: 'a', to: 'b', term: 1, logTerm: 0, index: 0, entries: [], commit: n, reject: false, rejectHint: 0 });

describe('the peer transport', () => {
  it('dials a peer that announces itself at once, not when its reconnect back-off runs out', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await side('a', pa, { b: pb });
    // b is down: a's sends fail, and its channel to b waits out a (60 s) back-off.
    a.transport.send([heartbeat(1)]);
    const channelToB = () => (a.transport as unknown as { links: Map<string, { client: grpc.Client }> }).links.get('b')!.client.getChannel();
    await until('a backs off from b', () => channelToB().getConnectivityState(false) === grpc.connectivityState.TRANSIENT_FAILURE);

    const b = await side('b', pb, { a: pa });
    b.transport.announce();
    await until('a reaches b', () => {
      a.transport.send([heartbeat(2)]);
      return b.received.some((m) => m.type === 'heartbeat');
    });
  });
});
