/**
 * Issue 42, "bounds on everything a client can make a member hold": each bound is met by the
 * attack that found it (a paused watcher, a huge Session frame, a pile of streams or
 * connections from one address) against a real grpc-js server on loopback, with small limits.
 */
import * as grpc from '@grpc/grpc-js';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_FRAME_MAX_OPS } from '../../../../src/common/session-frames.js';
import { SessionStream } from '../../../../src/client/session-stream.js';
import type { ServerBounds } from '../../../../src/core/server/guard/bounds.js';
import { loadFleetProto } from '../../../../src/proto/index.js';
import type * as wire from '../../../../src/proto/index.js';
import { FakeNode, startServer, waitFor, type TestServer } from '../harness.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(bounds: Partial<ServerBounds>, node = new FakeNode({ id: 'n1' })): Promise<TestServer> {
  const s = await startServer(node, {}, bounds);
  cleanups.push(() => s.stop());
  return s;
}

/** A client on its own connection (its own channel), closed after the test. */
function stubs(address: string): { fleet: wire.FleetClient; health: wire.HealthClient } {
  const proto = loadFleetProto();
  const creds = grpc.credentials.createInsecure();
  // A distinct option makes a distinct channel: streams of one test do not share a connection by accident.
  const fleet = new proto.fleet.v1.Fleet(address, creds, { 'grpc.fleet_test_channel': Math.random() });
  const health = new proto.grpc.health.v1.Health(address, creds, { channelOverride: fleet.getChannel() });
  cleanups.push(() => fleet.close());
  return { fleet, health };
}

/** The status a stream ends with. */
function ending(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    call.on('data', () => {});
    call.on('error', () => {});
    call.on('status', resolve);
  });
}

/** Resolves once the stream's first message came (it is open on the member). */
function firstMessage(call: grpc.ClientReadableStream<unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    call.once('data', () => resolve());
    call.once('error', reject);
  });
}

const put = (node: FakeNode, key: string, value: string) => node.write({ clientId: '', seq: 0, firstIncomplete: 0, op: { type: 'kv.put', key, value } });

describe('watchers', () => {
  it('cancels a paused watcher once over its byte bound, with RESOURCE_EXHAUSTED, and frees what it held', async () => {
    const s = await serve({ maxWatchQueuedBytes: 1 << 20 });
    const { fleet } = stubs(s.address);
    const watch = fleet.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 });
    const end = ending(watch);
    await firstMessage(watch);
    // It never reads again: HTTP/2 flow control fills, and the member queues what it cannot send.
    watch.pause();
    const value = 'x'.repeat(64 * 1024);
    // 200 × 64 KiB: 12.5 MiB, far over the bound but far under the old bound of 10,000 messages.
    for (let i = 0; i < 200; i++) await put(s.node, `k${i}`, value);
    await waitFor(() => s.node.changes.watchers === 0, 5000, 'the paused watcher to be cancelled');
    watch.resume();
    const st = await end;
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(st.details).toMatch(/more than 1048576 bytes were queued for the watcher.*resume from the last index seen \+ 1/);
  });

  it('bounds the bytes queued for all watchers together, each under its own bound', async () => {
    const s = await serve({ maxWatchQueuedBytes: 8 << 20, maxWatchQueuedBytesTotal: 1 << 20 });
    const watches = [0, 1].map(() => stubs(s.address).fleet.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 }));
    const endings = watches.map(ending);
    await Promise.all(watches.map(firstMessage));
    for (const w of watches) w.pause();
    const value = 'x'.repeat(64 * 1024);
    // 100 × 64 KiB: 6.25 MiB a watcher, under its own 8 MiB, over the 1 MiB of both together.
    for (let i = 0; i < 100; i++) await put(s.node, `k${i}`, value);
    await waitFor(() => s.node.changes.watchers < 2, 5000, 'a watcher to be cancelled');
    for (const w of watches) w.resume();
    const st = await Promise.race(endings);
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(st.details).toMatch(/the watchers of member n1 hold 1048576 bytes queued, its limit/);
  });

  it('refuses watchers beyond the per-address bound with RESOURCE_EXHAUSTED, and admits one again when one closes', async () => {
    const s = await serve({ maxWatchersPerAddress: 2 });
    const open = [0, 1].map(() => stubs(s.address).fleet.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 }));
    await Promise.all(open.map(firstMessage));
    const refused = await ending(stubs(s.address).fleet.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 }));
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/127\.0\.0\.1 has 2 watchers open to this member, its limit per address/);
    open[0]!.cancel();
    await waitFor(() => s.node.changes.watchers === 1, 5000, 'the cancelled watcher to be released');
    await firstMessage(stubs(s.address).fleet.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 }));
  });
});

describe('health watches', () => {
  it('refuses health watches beyond the bound (they need no credentials), and counts closed ones out', async () => {
    const s = await serve({ maxHealthWatchesPerAddress: 3 });
    const open = [0, 1, 2].map(() => stubs(s.address).health.Watch({ service: '' }));
    await Promise.all(open.map(firstMessage));
    const refused = await ending(stubs(s.address).health.Watch({ service: '' }));
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/has 3 health watchs? open to this member/);
    for (const w of open) w.cancel();
    await waitFor(() => s.health.watches === 0, 5000, 'closed health watches to be released');
  });
});

describe('session streams', () => {
  const writeOp = (id: number): wire.SessionRequest => ({ id, write: { clientId: 'c', seq: id, firstIncomplete: 1, kvPut: { key: `k${id}`, value: 'v' } } });

  it('ends a stream whose frame carries more than the bound with RESOURCE_EXHAUSTED, before serving any of it', async () => {
    const s = await serve({});
    const stream = stubs(s.address).fleet.Session();
    const end = ending(stream);
    stream.write({ requests: Array.from({ length: SESSION_FRAME_MAX_OPS + 1 }, (_, i) => writeOp(i + 1)) });
    const st = await end;
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(st.details).toBe(`a Session frame carries at most ${SESSION_FRAME_MAX_OPS} operations, this one ${SESSION_FRAME_MAX_OPS + 1}: send them in several frames`);
    expect(s.node.writeCalls).toBe(0);
  });

  it('serves at most maxSessionInFlight operations of a stream at once; the rest wait their turn', async () => {
    const node = new FakeNode({ id: 'n1' });
    // Answers are held until 8 wait at once: with a bound of 8 every batch is released whole.
    node.gate = 8;
    const s = await serve({ maxSessionInFlight: 8 }, node);
    const stream = stubs(s.address).fleet.Session();
    stream.on('error', () => {});
    const answered = new Set<number>();
    stream.on('data', (frame: wire.SessionResponses__Output) => frame.responses.forEach((r) => answered.add(r.id)));
    stream.write({ requests: Array.from({ length: 200 }, (_, i) => writeOp(i + 1)) });
    await waitFor(() => answered.size === 200, 10_000, 'every operation to be answered');
    expect(node.maxPending).toBeLessThanOrEqual(8);
    stream.end();
  });

  it('a client splits what it sends in one turn into frames the member accepts', async () => {
    const s = await serve({});
    const { fleet } = stubs(s.address);
    const session = new SessionStream(s.address, () => fleet.Session());
    cleanups.push(() => session.close());
    const n = 2 * SESSION_FRAME_MAX_OPS + 5;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => session.send({ write: { clientId: 'c', seq: i + 1, firstIncomplete: 1, kvPut: { key: `k${i}`, value: 'v' } } }, 10_000)));
    expect(answers).toHaveLength(n);
    expect(s.node.writeCalls).toBe(n);
  });

  it('refuses session streams beyond the per-address bound', async () => {
    const s = await serve({ maxSessionStreamsPerAddress: 1 });
    const first = stubs(s.address).fleet.Session();
    first.on('error', () => {});
    const got = new Promise<void>((resolve) => first.once('data', () => resolve()));
    first.write({ requests: [writeOp(1)] });
    await got;
    const refused = await ending(stubs(s.address).fleet.Session());
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.details).toMatch(/1 session streams open to this member, its limit per address/);
    first.end();
  });
});

describe('connections', () => {
  /** Opens a TCP connection; resolves once connected. */
  async function tcp(address: string): Promise<Socket> {
    const [host, port] = address.split(':');
    const socket = connect(Number(port), host!);
    socket.on('error', () => {});
    cleanups.push(() => void socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return socket;
  }

  it('closes connections beyond the per-address bound as they arrive; a freed slot admits a client again', async () => {
    const s = await serve({ maxConnectionsPerAddress: 3 });
    const held = [await tcp(s.address), await tcp(s.address), await tcp(s.address)];
    const extra = await tcp(s.address);
    await new Promise<void>((resolve) => extra.once('close', () => resolve()));
    // The held ones stay open (no limit closes what it admitted).
    expect(held.every((sock) => !sock.destroyed)).toBe(true);
    held[0]!.destroy();
    // Two idle sockets and a gRPC client's connection: the client is served.
    const { health } = stubs(s.address);
    const answer = await new Promise<wire.HealthCheckResponse__Output | undefined>((resolve, reject) =>
      health.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(answer?.status).toBe('SERVING');
  });

  it('closes connections beyond the member-wide bound', async () => {
    const s = await serve({ maxConnections: 2 });
    await tcp(s.address);
    await tcp(s.address);
    const extra = await tcp(s.address);
    await new Promise<void>((resolve) => extra.once('close', () => resolve()));
  });
});
