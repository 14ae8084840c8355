/**
 * The framed peer stream between members' transports, each on a real grpc-js server with the
 * client port's front (guard/authority-front.ts) routing FRAMED_PATH to it, on loopback: members
 * that both serve it move to it after their first gRPC batches; a member that does not (an
 * earlier release) is still reached over gRPC, both ways; batches reordered or replayed are
 * stepped as they come; what a forged peer or a broken sender puts on the framed paths (no
 * credentials, a bad signature, noise, an oversized or undecodable frame, a stream cut inside a
 * frame) is refused with its reason, and nothing of it is stepped; and snapshots go framed.
 */
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, SnapshotMeta } from '../../../../src/core/raft/index.js';
import { frontAuthorities } from '../../../../src/core/server/guard/authority-front.js';
import { signHandshake } from '../../../../src/core/server/guard/peer-auth.js';
import { frame, frameLength, FRAMED_CONTENT_TYPE, FRAMED_HEADER, FRAMED_PATH, FRAMED_PATHS, FRAMED_SNAPSHOT_PATH, MAX_FRAME_BYTES, REFUSED_HEADER } from '../../../../src/core/server/peer/peer-frames.js';
import { MAX_SNAPSHOT_CHUNK } from '../../../../src/core/server/peer/snapshot-receiver.js';
import { PeerTransport, type PeerEndpoint } from '../../../../src/core/server/peer/peer-transport.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import { encodePeerBatch } from '../../../../src/proto/peer-codec.js';
import { freePort, waitFor } from '../../../e2e/processes.js';
import { quiet } from '../../node/helpers.js';

const SECRET = Buffer.from('a shared peer secret of enough length');

interface Side {
  readonly port: number;
  readonly transport: PeerTransport;
  readonly received: Message[];
  /** Streams the framed path was given, gRPC Replicate calls served, and disconnections the transport reported. */
  readonly served: { framed: number; grpc: number; grpcEnded: number; disconnected: number; grpcSnapshots: number };
  /** The HTTP/2 sessions of the streams the framed path was given. */
  readonly sessions: Set<http2.Http2Session>;
  /** What the transport reported of each snapshot it sent, in order. */
  readonly snapshotsSent: boolean[];
  close(): void;
}

const open: Side[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** What a side serves beyond batches: the snapshot it would send, who it takes for its leader, where it spools. */
interface SideOptions {
  readonly framed: boolean;
  readonly snapshot?: { meta: SnapshotMeta; data: Uint8Array };
  readonly leader?: string;
  readonly spool?: { dir: string; maxBytes: number };
}

async function side(id: string, port: number, peers: Record<string, number>, opts: SideOptions): Promise<Side> {
  const received: Message[] = [];
  const snapshotsSent: boolean[] = [];
  const served = { framed: 0, grpc: 0, grpcEnded: 0, disconnected: 0, grpcSnapshots: 0 };
  const sessions = new Set<http2.Http2Session>();
  const transport = new PeerTransport({
    selfId: id,
    selfAddress: `127.0.0.1:${port}`,
    clusterName: 'c',
    clusterId: { current: () => 'abc', adopt: () => undefined },
    credentials: grpc.credentials.createInsecure(),
    peerCredentials: { secret: SECRET, mutualTls: false },
    snapshotSpool: opts.spool ?? { dir: '/nonexistent', maxBytes: 1 },
    logger: quiet,
    framedDial: opts.framed ? (_peer, address) => ({ address }) : undefined,
  });
  const endpoint: PeerEndpoint = {
    step: (m) => received.push(m),
    peerDisconnected: () => void served.disconnected++,
    reportUnreachable: () => undefined,
    reportSnapshot: (_peer, ok) => void snapshotsSent.push(ok),
    peerAddress: () => undefined,
    readLatestSnapshot: async () => opts.snapshot,
    knowsPeer: (p) => p in peers || p === 'forger',
    leadership: () => ({ term: 1, leader: opts.leader ?? '' }),
  };
  transport.attach(endpoint);
  transport.setPeers(new Map(Object.entries(peers).map(([p, at]) => [p, `127.0.0.1:${at}`])));
  const server = new grpc.Server();
  const handlers = transport.handlers();
  server.addService(loadFleetProto().fleet.v1.Peer.service, {
    ...handlers,
    Replicate: (call: Parameters<typeof handlers.Replicate>[0], cb: Parameters<typeof handlers.Replicate>[1]) => {
      served.grpc++;
      call.on('end', () => served.grpcEnded++);
      handlers.Replicate(call, cb);
    },
    InstallSnapshot: (call: Parameters<typeof handlers.InstallSnapshot>[0], cb: Parameters<typeof handlers.InstallSnapshot>[1]) => {
      served.grpcSnapshots++;
      handlers.InstallSnapshot(call, cb);
    },
  });
  await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  // A member of an earlier release has no framed path: its port answers such a request as it answers anything not gRPC.
  const front = frontAuthorities(server, opts.framed ? { peerStream: { paths: FRAMED_PATHS, take: (stream, headers) => (served.framed++, stream.session && sessions.add(stream.session), transport.servePeerStream(stream, headers)) } } : {});
  const s: Side = {
    port,
    transport,
    received,
    served,
    sessions,
    snapshotsSent,
    close: () => {
      transport.close();
      front.close();
      server.forceShutdown();
    },
  };
  open.push(s);
  return s;
}

const until = (what: string, ok: () => boolean): Promise<boolean> => waitFor(what, ok, 10_000, 20);

/** Members a and b, each told of the other, each having announced itself. */
async function pair(framedA: boolean, framedB: boolean): Promise<[Side, Side]> {
  const [pa, pb] = [await freePort(), await freePort()];
  const a = await side('a', pa, { b: pb }, { framed: framedA });
  const b = await side('b', pb, { a: pa }, { framed: framedB });
  a.transport.announce();
  b.transport.announce();
  return [a, b];
}

const heartbeat = (from: string, to: string, commit: number): Message => ({ type: 'heartbeat', from, to, term: 1, logTerm: 0, index: 0, entries: [], commit, reject: false, rejectHint: 0 });

/** Sends heartbeats both ways until each side has received one with `commit`. */
async function exchange(a: Side, b: Side, commit: number): Promise<void> {
  await until(`heartbeats with commit ${commit} both ways`, () => {
    a.transport.send([heartbeat('a', 'b', commit)]);
    b.transport.send([heartbeat('b', 'a', commit)]);
    return [a, b].every((s) => s.received.some((m) => m.commit === commit));
  });
}

describe('the framed peer stream', () => {
  it('carries batches between members that both serve it, once each has said so', async () => {
    const [a, b] = await pair(true, true);
    await exchange(a, b, 1);
    await until('both moved to the framed stream', () => a.served.framed > 0 && b.served.framed > 0);
    const grpcCalls = a.served.grpc + b.served.grpc;
    for (let commit = 2; commit <= 50; commit++) await exchange(a, b, commit);
    expect(a.received.filter((m) => m.from !== 'b')).toEqual([]);
    // Every batch after the move went over the framed streams: no gRPC call was opened since.
    expect(a.served.grpc + b.served.grpc).toBe(grpcCalls);
    expect([a.served.framed, b.served.framed]).toEqual([1, 1]);
    // The gRPC streams the framed ones replaced ended with neither side told its peer went away
    // (a follower told so of its leader would campaign at once).
    await until('the replaced gRPC streams ended', () => a.served.grpcEnded > 0 && b.served.grpcEnded > 0);
    expect([a.served.disconnected, b.served.disconnected]).toEqual([0, 0]);
    b.close();
    open.splice(open.indexOf(b), 1);
    await until('a is told b went away', () => a.served.disconnected === 1);
  });

  it('reaches a member of an earlier release over gRPC, both ways', async () => {
    const [a, old] = await pair(true, false);
    for (let commit = 1; commit <= 20; commit++) await exchange(a, old, commit);
    expect([a.served.framed, old.served.framed]).toEqual([0, 0]);
  });

  it('goes back to gRPC when a peer that served it no longer says so (a downgrade)', async () => {
    const [a, framedB] = await pair(true, true);
    await exchange(a, framedB, 1);
    await until('a sends to b over the framed stream', () => framedB.served.framed > 0);
    framedB.close();
    open.splice(open.indexOf(framedB), 1);
    const b = await side('b', framedB.port, { a: a.port }, { framed: false });
    b.transport.announce();
    for (let commit = 2; commit <= 10; commit++) await exchange(a, b, commit);
    expect(b.served.framed).toBe(0);
  });
});

/** One framed request to `port` with `headers`, sending `body` then ending: its answer's status and refusal. */
async function framedRequest(port: number, headers: http2.OutgoingHttpHeaders, body: Buffer[], path = FRAMED_PATH): Promise<{ status: number; refused: string | undefined; framed: boolean }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': FRAMED_CONTENT_TYPE, ...headers });
    const answer = new Promise<{ status: number; refused: string | undefined; framed: boolean }>((resolve, reject) => {
      req.on('response', (h) => resolve({ status: Number(h[':status']), refused: typeof h[REFUSED_HEADER] === 'string' ? decodeURIComponent(h[REFUSED_HEADER]) : undefined, framed: h[FRAMED_HEADER] !== undefined }));
      req.on('error', reject);
      req.on('close', () => reject(new Error(`stream closed unanswered (code ${req.rstCode})`)));
    });
    req.on('data', () => undefined);
    for (const b of body) req.write(b);
    req.end();
    return await answer;
  } finally {
    session.destroy();
  }
}

/** One framed request, answered and closed: its status and refusal, once the member has read all it will of it. */
async function framedExchange(port: number, headers: http2.OutgoingHttpHeaders, body: Buffer[]): Promise<{ status: number; refused: string | undefined }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const req = session.request({ ':method': 'POST', ':path': FRAMED_PATH, 'content-type': FRAMED_CONTENT_TYPE, ...headers });
    let answer = { status: 0, refused: undefined as string | undefined };
    req.on('response', (h) => (answer = { status: Number(h[':status']), refused: typeof h[REFUSED_HEADER] === 'string' ? decodeURIComponent(h[REFUSED_HEADER]) : undefined }));
    req.on('data', () => undefined);
    const closed = new Promise<void>((resolve) => req.on('close', resolve));
    req.on('error', () => undefined);
    for (const b of body) req.write(b);
    req.end();
    await closed;
    return answer;
  } finally {
    session.destroy();
  }
}

const batchFrom = (from: string, commit: number): Buffer => frame(encodePeerBatch({ cluster: 'c', from, clusterId: 'abc', messages: [{ type: 'heartbeat', from, to: 'b', term: 1, commit }] }));
const signed = (from: string): http2.OutgoingHttpHeaders => signHandshake(SECRET, 'c', from, 'b', Date.now()).toHttp2Headers();

describe('the framed path against a forged peer or a broken sender', () => {
  it('refuses, before reading a byte, a stream with no credentials or a bad signature', async () => {
    const pb = await freePort();
    const b = await side('b', pb, { a: await freePort() }, { framed: true });
    const none = await framedRequest(pb, {}, [batchFrom('a', 7)]);
    expect(none.status).toBe(401);
    expect(none.refused).toMatch(/peer refused \(no-credentials\)/);
    const forged = signHandshake(Buffer.from('not the cluster secret at all'), 'c', 'a', 'b', Date.now()).toHttp2Headers();
    const bad = await framedRequest(pb, forged, [batchFrom('a', 7)]);
    expect(bad.status).toBe(401);
    expect(bad.refused).toMatch(/bad-signature/);
    expect(b.received).toEqual([]);
  });

  it("gives an authenticated peer's session an 8 MiB receive window, and a refused one HTTP/2's 64 KiB", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await side('a', pa, { b: pb }, { framed: true });
    const b = await side('b', pb, { a: pa }, { framed: true });
    a.transport.announce();
    b.transport.announce();
    await exchange(a, b, 1);
    await until('a framed stream each way', () => a.served.framed > 0 && b.served.framed > 0);
    // Once the peer acknowledged the SETTINGS: a leader's appends no longer wait on window updates every 64 KiB.
    const wide = (s: Side) => [...s.sessions].every((x) => x.localSettings.initialWindowSize === 8 << 20 && (x.state.effectiveLocalWindowSize ?? 0) >= 8 << 20);
    await until('the peer window on both sides', () => wide(a) && wide(b));

    const pc = await freePort();
    const c = await side('c', pc, { a: await freePort() }, { framed: true });
    const forged = signHandshake(Buffer.from('not the cluster secret at all'), 'c', 'a', 'b', Date.now()).toHttp2Headers();
    expect((await framedRequest(pc, forged, [batchFrom('a', 7)])).status).toBe(401);
    expect([...c.sessions].map((x) => x.localSettings.initialWindowSize)).toEqual([65_535]);
  });

  it('refuses a member speaking for another, and a replayed handshake', async () => {
    const pb = await freePort();
    const b = await side('b', pb, { a: await freePort() }, { framed: true });
    const headers = signed('a');
    const impostor = await framedRequest(pb, headers, [batchFrom('forger', 7)]);
    expect(impostor.status).toBe(403);
    expect(impostor.refused).toMatch(/identity-mismatch/);
    const replayed = await framedRequest(pb, headers, [batchFrom('a', 8)]);
    expect(replayed.refused).toMatch(/replayed-handshake/);
    expect(b.received).toEqual([]);
  });

  it('steps batches reordered and replayed as they arrive, each once, and nothing after a frame of noise', async () => {
    const pb = await freePort();
    const b = await side('b', pb, { a: await freePort() }, { framed: true });
    const sent = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 30 });
    const noise = fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(sent, noise, async (commits, garbage) => {
        b.received.splice(0);
        const frames = commits.map((c) => batchFrom('a', c));
        const cut = garbage === undefined ? frames.length : garbage.at % (frames.length + 1);
        if (garbage !== undefined) frames.splice(cut, 0, frame(garbage.bytes));
        const answer = await framedExchange(pb, signed('a'), frames);
        expect(b.received.map((m) => m.commit)).toEqual(commits.slice(0, cut));
        if (garbage === undefined) expect(answer).toEqual({ status: 200, refused: undefined });
        else if (cut === 0) expect(answer.refused).toMatch(/malformed|wrong-cluster|identity-mismatch|unknown-member|wrong-recipient/);
      }),
      { numRuns: 40 },
    );
  });

  it('steps a whole frame and refuses what follows it: oversized, undecodable, or cut short', async () => {
    const pb = await freePort();
    const b = await side('b', pb, { a: await freePort() }, { framed: true });
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    // Admitted first (answered 200), then reset at the oversized frame: no refusal header can follow.
    const big = await framedRequest(pb, signed('a'), [batchFrom('a', 1), oversized, Buffer.alloc(1024)]);
    expect(big).toEqual({ status: 200, refused: undefined, framed: true });
    const garbage = await framedRequest(pb, signed('a'), [frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]))]);
    expect(garbage.status).toBe(403);
    expect(garbage.refused).toMatch(/malformed/);
    const whole = batchFrom('a', 3);
    const cut = await framedRequest(pb, signed('a'), [whole.subarray(0, whole.length - 2)]);
    expect(cut.status).toBe(200);
    await until('the first frame was stepped', () => b.received.length > 0);
    expect(b.received.map((m) => m.commit)).toEqual([1]);
  });
});

const META: SnapshotMeta = { index: 40, term: 1, conf: { voters: ['a', 'b'], learners: [] } };
const snapMessage = (from: string, to: string): Message => ({ type: 'snap', from, to, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, snapshot: { meta: META } });
/** Bytes no two chunks of which are alike, over several chunks. */
const snapshotBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 20)) & 0xff);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A spool directory of its own, removed after the test. */
function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-spool-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Leader a, holding a snapshot of `data`, and follower b (framed or not, taking `leader` for its leader), having spoken. */
async function snapshotPair(data: Uint8Array, follower: { framed: boolean; leader: string }): Promise<[Side, Side]> {
  const [pa, pb] = [await freePort(), await freePort()];
  const a = await side('a', pa, { b: pb }, { framed: true, snapshot: { meta: META, data } });
  const b = await side('b', pb, { a: pa }, { ...follower, spool: { dir: spoolDir(), maxBytes: 8 << 20 } });
  a.transport.announce();
  b.transport.announce();
  await exchange(a, b, 1);
  if (follower.framed) await until('a sends to b over the framed stream', () => b.served.framed > 0);
  return [a, b];
}

describe('snapshots between members', () => {
  it('go over the framed path once the follower serves it, and the idle gRPC channel is closed', async () => {
    const data = snapshotBytes(2.5 * (1 << 20));
    const [a, b] = await snapshotPair(data, { framed: true, leader: 'a' });
    await until("a's gRPC channel to b is closed", () => grpcChannelOf(a.transport, 'b') === undefined);
    a.transport.send([snapMessage('a', 'b')]);
    await until('a heard how the snapshot went', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent).toEqual([true]);
    const installed = b.received.find((m) => m.type === 'snap');
    expect(installed?.snapshot?.meta).toEqual(META);
    expect(Buffer.from(installed!.snapshot!.data!).equals(Buffer.from(data))).toBe(true);
    expect(b.served.grpcSnapshots).toBe(0);
    // The snapshot did not bring the gRPC channel back.
    expect(grpcChannelOf(a.transport, 'b')).toBeUndefined();
  });

  it('go over gRPC to a member of an earlier release', async () => {
    const data = snapshotBytes(1.5 * (1 << 20));
    const [a, old] = await snapshotPair(data, { framed: false, leader: 'a' });
    a.transport.send([snapMessage('a', 'b')]);
    await until('a heard how the snapshot went', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent).toEqual([true]);
    expect(old.served.grpcSnapshots).toBe(1);
    expect(Buffer.from(old.received.find((m) => m.type === 'snap')!.snapshot!.data!).equals(Buffer.from(data))).toBe(true);
  });

  it('a follower refusing the snapshot is reported as failed, and nothing is stepped', async () => {
    // b takes another member for its leader: a's snapshot is not from the leader.
    const [a, b] = await snapshotPair(snapshotBytes(1000), { framed: true, leader: 'c' });
    a.transport.send([snapMessage('a', 'b')]);
    await until('a heard how the snapshot went', () => a.snapshotsSent.length === 1);
    expect(a.snapshotsSent).toEqual([false]);
    expect(b.received.filter((m) => m.type === 'snap')).toEqual([]);
  });
});

/** The gRPC client a transport holds for `peer` (white-box: no public face says whether it has one). */
function grpcChannelOf(transport: PeerTransport, peer: string): unknown {
  return (transport as unknown as { links: Map<string, { client: unknown }> }).links.get(peer)?.client;
}

describe('the framed snapshot path against a forged peer or a broken sender', () => {
  const head = (from: string, overrides: Partial<{ cluster: string; to: string; term: number; messages: number }> = {}): Buffer => {
    const message = { type: 'snap', from, to: overrides.to ?? 'b', term: overrides.term ?? 1, snapshot: { index: 40, term: 1, conf: { voters: ['a', 'b'], learners: [] } } };
    return frame(encodePeerBatch({ cluster: overrides.cluster ?? 'c', from, clusterId: 'abc', messages: Array.from({ length: overrides.messages ?? 1 }, () => message) }));
  };
  const chunk = (n: number): Buffer[] => [frameLength(n), Buffer.alloc(n, 1)];
  const send = (port: number, headers: http2.OutgoingHttpHeaders, body: Buffer[]) => framedRequest(port, headers, body, FRAMED_SNAPSHOT_PATH);

  async function follower(maxBytes = 1 << 20): Promise<{ port: number; b: Side; spool: string }> {
    const port = await freePort();
    const spool = spoolDir();
    const b = await side('b', port, { a: await freePort() }, { framed: true, leader: 'a', spool: { dir: spool, maxBytes } });
    return { port, b, spool };
  }

  it('installs a whole snapshot from its leader, sent by hand', async () => {
    const { port, b, spool } = await follower();
    const answer = await send(port, signed('a'), [head('a'), ...chunk(1000), ...chunk(24)]);
    expect(answer).toEqual({ status: 200, refused: undefined, framed: true });
    const snap = b.received.find((m) => m.type === 'snap');
    expect(snap?.snapshot?.data?.length).toBe(1024);
    expect(readdirSync(spool)).toEqual([]);
  });

  it('refuses, before reading a byte, a snapshot with no credentials, a bad signature, or a replayed handshake', async () => {
    const { port, b } = await follower();
    expect((await send(port, {}, [head('a'), ...chunk(10)])).refused).toMatch(/no-credentials/);
    const forged = signHandshake(Buffer.from('not the cluster secret at all'), 'c', 'a', 'b', Date.now()).toHttp2Headers();
    expect((await send(port, forged, [head('a'), ...chunk(10)])).refused).toMatch(/bad-signature/);
    const headers = signed('a');
    expect((await send(port, headers, [head('a'), ...chunk(10)])).status).toBe(200);
    expect((await send(port, headers, [head('a'), ...chunk(10)])).refused).toMatch(/replayed-handshake/);
    expect(b.received.filter((m) => m.type === 'snap')).toHaveLength(1);
  });

  it('refuses a head that is not its leader\'s, speaks for another, is for another member or cluster, or is not one snap', async () => {
    const { port, b, spool } = await follower();
    const cases: [Buffer, RegExp][] = [
      [head('a', { term: 2 }), /snapshot-not-from-leader/],
      [head('forger'), /identity-mismatch/],
      [head('a', { to: 'c' }), /wrong-recipient/],
      [head('a', { cluster: 'other' }), /wrong-cluster/],
      [head('a', { messages: 2 }), /malformed/],
      [frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), /malformed/],
    ];
    for (const [first, reason] of cases) {
      const answer = await send(port, signed('a'), [first, ...chunk(10)]);
      expect(answer.status).toBe(403);
      expect(answer.refused).toMatch(reason);
    }
    expect(b.received).toEqual([]);
    expect(readdirSync(spool)).toEqual([]);
  });

  it('refuses a chunk over the limit, a snapshot over the spool, one cut inside a frame, or one without a head, and discards its spool', async () => {
    const { port, b, spool } = await follower(64 << 10);
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32BE(MAX_SNAPSHOT_CHUNK + 1, 0);
    const cases: [Buffer[], RegExp][] = [
      [[head('a'), oversized, Buffer.alloc(1024)], /malformed.*over the/],
      [[head('a'), ...chunk(40 << 10), ...chunk(40 << 10)], /snapshot-too-large/],
      [[head('a'), ...chunk(100), frameLength(100), Buffer.alloc(10)], /ended inside a frame/],
      [[], /without its head/],
    ];
    for (const [body, reason] of cases) {
      const answer = await send(port, signed('a'), body);
      expect(answer.status).toBe(403);
      expect(answer.refused).toMatch(reason);
    }
    expect(b.received).toEqual([]);
    expect(readdirSync(spool)).toEqual([]);
  });
});
