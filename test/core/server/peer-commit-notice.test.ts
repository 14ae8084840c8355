/**
 * Commit notices over real gRPC on loopback: a member sends them only to a peer that said it
 * reads peer protocol 2 (a member on an older build, which would drop them as malformed, gets
 * none), and at most the latest per peer and turn of the event loop.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/raft/index.js';
import { GrpcPeerTransport, type PeerEndpoint } from '../../../src/core/server/peer-transport.js';
import { PEER_PROTOCOL } from '../../../src/core/server/peer-wire.js';
import { loadFleetProto } from '../../../src/proto/index.js';
import type { PeerBatch } from '../../../src/proto/generated/fleet/v1/PeerBatch.js';
import type { PeerClient } from '../../../src/proto/generated/fleet/v1/Peer.js';
import { freePort } from '../../e2e/processes.js';
import { quiet } from '../node/helpers.js';

interface Side {
  transport: GrpcPeerTransport;
  server: grpc.Server;
  received: Message[];
}

const open: Side[] = [];
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
  for (const s of open.splice(0)) {
    s.transport.close();
    s.server.forceShutdown();
  }
});

async function side(id: string, port: number, peers: Record<string, number>): Promise<Side> {
  const received: Message[] = [];
  const transport = new GrpcPeerTransport({
    selfId: id,
    selfAddress: `127.0.0.1:${port}`,
    clusterName: 'c',
    clusterId: { current: () => 'abc', adopt: () => undefined },
    credentials: grpc.credentials.createInsecure(),
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
  await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const s = { transport, server, received };
  open.push(s);
  return s;
}

/** A member of an older build: it opens a stream to `port` announcing no peer protocol, and records what reaches its own server. */
async function oldMember(id: string, port: number, target: number): Promise<{ received: string[] }> {
  const received: string[] = [];
  const server = new grpc.Server();
  server.addService(loadFleetProto().fleet.v1.Peer.service, {
    Replicate: (call: grpc.ServerReadableStream<PeerBatch, object>, callback: (err: null, res: object) => void) => {
      call.on('data', (b: PeerBatch) => received.push(...(b.messages ?? []).map((m) => m.type ?? '')));
      call.on('end', () => callback(null, {}));
    },
    InstallSnapshot: () => undefined,
  });
  await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const client = new (loadFleetProto().fleet.v1.Peer)(`127.0.0.1:${target}`, grpc.credentials.createInsecure()) as PeerClient;
  const stream = client.replicate(new grpc.Metadata(), () => undefined);
  stream.write({ cluster: 'c', from: id, clusterId: 'abc', fromAddress: `127.0.0.1:${port}`, fromVersion: '0.1.0', fromDataFormat: 2, messages: [] });
  closers.push(() => {
    stream.end();
    client.close();
    server.forceShutdown();
  });
  return { received };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const msg = (type: Message['type'], to: string, commit: number, from = 'a'): Message => ({ type, from, to, term: 1, logTerm: 1, index: commit, entries: [], commit, reject: false, rejectHint: 0 });

describe('commit notices on the peer transport', () => {
  it('go to a peer that announced protocol 2, the latest one per turn, after the turn\'s other messages', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await side('a', pa, { b: pb });
    const b = await side('b', pb, { a: pa });
    expect(PEER_PROTOCOL).toBe(2);
    // b's first batch to a announces b's protocol.
    b.transport.send([msg('heartbeat-resp', 'a', 0, 'b')]);
    await until('b announced itself', () => a.received.length === 1);
    a.transport.send([msg('commit-notice', 'b', 5)]);
    a.transport.send([msg('commit-notice', 'b', 6), msg('app', 'b', 6)]);
    await until('b got the append and a notice', () => b.received.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(b.received.map((m) => `${m.type}:${m.commit}`)).toEqual(['app:6', 'commit-notice:6']);
  });

  it('never go to a peer that announced no peer protocol (an older build)', async () => {
    const [pa, pold] = [await freePort(), await freePort()];
    const a = await side('a', pa, { old: pold });
    const old = await oldMember('old', pold, pa);
    // Time for the old member's announcement (no protocol) to reach a.
    await new Promise((r) => setTimeout(r, 300));
    a.transport.send([msg('commit-notice', 'old', 3), msg('app', 'old', 3)]);
    a.transport.send([msg('heartbeat', 'old', 3)]);
    await until('the old member got the append and the heartbeat', () => old.received.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(old.received).toEqual(['app', 'heartbeat']);
  });
});
