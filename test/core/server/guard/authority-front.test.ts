/**
 * The client port's front (authority-front.ts): a request whose `:authority` is a URL, as Go's
 * etcd client sends on some calls, is refused by Node's HTTP/2 under grpc-js without the front
 * (the reproduction), and answered with it, through the life of a connection whose HPACK table
 * evicts and re-sends that authority many times; a request with a host:port authority goes
 * through untouched. A real grpc-js server on loopback, and Node's HTTP/2 client.
 */
import http2 from 'node:http2';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { connect as tcpConnect, type Socket } from 'node:net';
import { frontAuthorities, type FrontOptions } from '../../../../src/core/server/guard/authority-front.js';
import { firstAuthorityLiteral, replaceAuthority } from '../../../../src/core/server/guard/http2-authority.js';

const identity = (b: Buffer): Buffer => b;
const ECHO = { path: '/test.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function echoServer(front: boolean, opts: FrontOptions = {}): Promise<number> {
  const server = new Server();
  server.addService({ Echo: ECHO }, { Echo: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, call.request) });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const closeFront = front ? frontAuthorities(server, opts).close : () => undefined;
  cleanups.push(() => (closeFront(), server.forceShutdown()));
  return port;
}

/** One unary gRPC call over `session` with `authority` and one more header; the echoed message, or the stream's error. */
function call(session: http2.ClientHttp2Session, authority: string, n: number): Promise<string> {
  const message = Buffer.from(`message ${n}`);
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
  // A distinct header value per call fills HPACK's table, so the authority is evicted and sent again.
  const req = session.request({ ':method': 'POST', ':path': ECHO.path, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers', 'x-call': `call-${n}-${'x'.repeat(40)}` });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve(Buffer.concat(chunks).subarray(5).toString()));
    req.on('error', reject);
    req.end(framed);
  });
}

function connect(port: number): http2.ClientHttp2Session {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  cleanups.push(() => session.destroy());
  return session;
}

describe('the :authority front', () => {
  it('without it, Node refuses a request whose authority is a URL (what etcdctl met)', async () => {
    const port = await echoServer(false);
    await expect(call(connect(port), `http://127.0.0.1:${port}`, 1)).rejects.toThrow(/PROTOCOL_ERROR|RST_STREAM|Stream closed/);
  });

  it('answers every request of a connection whose authority is a URL, as its HPACK table evicts and re-sends it', async () => {
    const port = await echoServer(true);
    const session = connect(port);
    for (let n = 0; n < 300; n++) expect(await call(session, `http://127.0.0.1:${port}`, n)).toBe(`message ${n}`);
  });

  it('hands a connection with a host:port authority over as it is, and answers it', async () => {
    const port = await echoServer(true);
    const session = connect(port);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => call(session, `127.0.0.1:${port}`, n)));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, n) => `message ${n}`));
  });
});

/** A raw TCP connection that sends `bytes`; resolves with how long it lived, once the member closed it. */
function idleSocket(port: number, bytes: Buffer): { closed: Promise<number>; socket: Socket } {
  const started = Date.now();
  const socket = tcpConnect(port, '127.0.0.1', () => socket.write(bytes));
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  cleanups.push(() => socket.destroy());
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve(Date.now() - started))) };
}

describe('the handshake window', () => {
  const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  // An empty SETTINGS, then an ACK of the member's: a client that is connected and sends nothing more.
  const SETTINGS_AND_ACK = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0]);

  it('closes a connection that sent no request within it, whatever it sent before; says whose', async () => {
    const idle: string[] = [];
    const port = await echoServer(true, { handshakeWindowMs: 300, onIdleClosed: (a) => idle.push(a) });
    const silent = idleSocket(port, Buffer.alloc(0));
    const preface = idleSocket(port, Buffer.concat([PREFACE, SETTINGS_AND_ACK]));
    for (const c of [silent, preface]) expect(await c.closed).toBeGreaterThanOrEqual(250);
    expect(idle).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('keeps a connection that sends its first request within it, and serves it after', async () => {
    const port = await echoServer(true, { handshakeWindowMs: 300 });
    const session = connect(port);
    await new Promise((r) => setTimeout(r, 100));
    expect(await call(session, `127.0.0.1:${port}`, 1)).toBe('message 1');
    await new Promise((r) => setTimeout(r, 600));
    expect(await call(session, `127.0.0.1:${port}`, 2)).toBe('message 2');
  });
});

describe('replaceAuthority', () => {
  const url = Buffer.from('http://127.0.0.1:7001');
  // :method GET (static 2), then :authority as a raw literal with incremental indexing (01, name index 1).
  const block = Buffer.concat([Buffer.from([0x82, 0x41, url.length]), url]);

  it('re-encodes a literal :authority with the same indexing, and no longer than it was', () => {
    const out = replaceAuthority(block, () => '127.0.0.1:7001');
    expect([...out]).toEqual([0x82, 0x41, 14, ...Buffer.from('127.0.0.1:7001')]);
    expect(replaceAuthority(block, () => 'x'.repeat(url.length + 1)).equals(block), 'a longer value could make the tables part').toBe(true);
    // Never indexed (0001, 4-bit prefix) keeps its kind.
    const never = Buffer.concat([Buffer.from([0x11, url.length]), url]);
    expect([...replaceAuthority(never, () => 'h:1')]).toEqual([0x11, 3, ...Buffer.from('h:1')]);
  });

  it('finds the first request\'s encoded authority, and none in a block without one', () => {
    expect(firstAuthorityLiteral(block)?.equals(Buffer.concat([Buffer.from([url.length]), url]))).toBe(true);
    expect(firstAuthorityLiteral(Buffer.from([0x82, 0x84]))).toBeUndefined();
  });
});
