/**
 * Go's etcd client (clientv3 3.4, in etcdctl) dials some calls straight at an endpoint as given,
 * URL and all (`etcdctl --endpoints=http://host:port endpoint status`, `move-leader`, `--cluster`
 * with MemberList's URLs), and sends that URL as the request's HTTP/2 `:authority`. Go's server
 * takes it; nghttp2, under Node's HTTP/2 server, refuses such a stream (RST_STREAM
 * PROTOCOL_ERROR), and Node has no switch for that check.
 *
 * So each new connection on the client port is held until its first request's header block has
 * arrived (the member sends the client its SETTINGS first, as the clients that wait for the
 * server's before they send a request need, and drops the client's acknowledgement of them).
 * Node's own HTTP/2 server, on a connection pair in memory, tells whether it takes that request:
 * - it does (every fleet client, peer and grpc-js or Go client given host:port): the socket itself
 *   goes to grpc-js with the bytes read, and nothing stands in its way after;
 * - it refuses: the connection goes to grpc-js through a rewriter (http2-authority.ts) that gives
 *   each request's `:authority` a valid value, for the connection's life.
 *
 * The hold is also the handshake window: a connection that has sent no request within it is
 * closed. Held for ever (handed over idle, as before), 12,300 sockets from five loopback
 * addresses took every connection slot of a member without one credential (issue 56); a client
 * whose channel sat idle reconnects at its next call.
 */
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { listenersOf } from './connection-limit.js';
import { AuthorityRewriter, CLIENT_PREFACE, encodeFrame, FLAG_ACK, FLAG_END_HEADERS, firstAuthorityLiteral, FRAME_CONTINUATION, FRAME_GOAWAY, FRAME_HEADERS, FRAME_RST_STREAM, FRAME_SETTINGS, headerBlock, splitFrames, type Frame } from './http2-authority.js';

/** How long a new connection may take to send its first request before it is closed. */
export const HANDSHAKE_WINDOW_MS = 10_000;
/** TLS's ALPN list, wire-encoded: h2, then http/1.1. */
const ALPN_H2_AND_HTTP1 = Buffer.from('\x02h2\x08http/1.1', 'latin1');
/** An empty SETTINGS frame: the server's connection preface. */
const SERVER_SETTINGS = encodeFrame(FRAME_SETTINGS, 0, 0, Buffer.alloc(0));
/** How long Node's HTTP/2 server may take to judge a request in memory. */
const PROBE_MS = 1_000;
/**
 * A held connection may send this much before its first whole header block. Its DATA is bounded by
 * HTTP/2's flow control (65,535 bytes until the server grants more, which it does not while the
 * connection is held); past this, it is handed over as it is once it has acknowledged the
 * member's SETTINGS, and closed before (only a client flooding control frames gets there).
 */
const MAX_HELD_BYTES = 256 * 1024;
/** Verdicts kept, by the first request's encoded authority (a client sends the same one on each connection). */
const MAX_VERDICTS = 1024;
const verdicts = new Map<string, boolean>();

/** The front's window, and where it reports a connection it closed for sending no request. */
export interface FrontOptions {
  readonly handshakeWindowMs?: number;
  readonly onIdleClosed?: ((address: string) => void) | undefined;
  /** Takes a connection that speaks HTTP/1 (etcd's JSON gateway); without it, HTTP/2 answers such a connection. */
  readonly onHttp1?: ((socket: Duplex) => void) | undefined;
  /** Takes the requests to `paths` that are not gRPC: the members' framed peer streams (peer/peer-frames.ts), before anything else. */
  readonly peerStream?: { readonly paths: readonly string[]; take(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void } | undefined;
  /** Takes an HTTP/2 request that is not gRPC (its content type is not application/grpc…); without it, grpc-js answers 415. */
  readonly onHttp2?: ((stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: readonly string[]) => void) | undefined;
}

/** What the front offers its owner: end every held connection, or the oldest one (to make room). */
export interface Front {
  close(): void;
  /** Closes the connection held longest (one that has sent no request yet); answers whether there was one. */
  evictOldest(): boolean;
}

/** Puts the front before every listener of a bound grpc-js server. */
export function frontAuthorities(server: GrpcServer, opts: FrontOptions & { readonly onEvicted?: ((address: string) => void) | undefined } = {}): Front {
  const held = new Set<Socket>();
  for (const listener of listenersOf(server)) {
    // A TLS listener hands HTTP/2 the socket once the handshake is done; a plain one at accept.
    const event = 'setSecureContext' in listener ? 'secureConnection' : 'connection';
    if (event === 'secureConnection') boundTlsHandshake(listener, opts.handshakeWindowMs ?? HANDSHAKE_WINDOW_MS);
    // Over TLS, HTTP/1.1 must be offered too: a client that asks for it alone (Python's urllib3,
    // `curl --http1.1`) is otherwise refused in the handshake. h2 stays first, so gRPC gets h2.
    if (opts.onHttp1 && event === 'secureConnection') alpnHolder(listener).ALPNProtocols = ALPN_H2_AND_HTTP1;
    const emit = listener.emit.bind(listener) as (event: string | symbol, ...args: unknown[]) => boolean;
    listener.emit = ((name: string | symbol, ...args: unknown[]) => {
      if (name === 'stream' && routeStream(opts, args)) return true;
      if (name !== event) return emit(name, ...args);
      const socket = args[0] as Socket;
      held.add(socket);
      socket.once('close', () => held.delete(socket));
      const onHttp1 = opts.onHttp1;
      holdFirstRequest(socket, (s) => {
        held.delete(socket);
        emit(event, s);
      }, { ...opts, onHttp1: onHttp1 && ((s) => (held.delete(socket), onHttp1(s))) });
      return true;
    }) as typeof listener.emit;
  }
  return {
    close: () => {
      for (const s of held) s.destroy();
      held.clear();
    },
    evictOldest: () => {
      // A Set iterates in insertion order: the first is the oldest held.
      const oldest = held.values().next().value;
      if (oldest === undefined) return false;
      held.delete(oldest);
      opts.onEvicted?.(oldest.remoteAddress ?? '');
      oldest.destroy();
      return true;
    },
  };
}

/** Gives a request that is not gRPC to whoever takes it (the framed peer stream, else the HTTP/2 handler); false when nobody does. */
function routeStream(opts: FrontOptions, args: readonly unknown[]): boolean {
  const [stream, headers] = [args[0] as http2.ServerHttp2Stream, args[1] as http2.IncomingHttpHeaders];
  if (isGrpc(headers)) return false;
  if (opts.peerStream && opts.peerStream.paths.includes(headers[':path'] ?? '')) {
    opts.peerStream.take(stream, headers);
    return true;
  }
  if (!opts.onHttp2) return false;
  opts.onHttp2(stream, headers, (args[3] as readonly string[] | undefined) ?? []);
  return true;
}

/** Reads `socket` until its first request can be judged, then hands it (or its rewriter) over. */
function holdFirstRequest(socket: Socket, handOver: (s: Duplex) => void, opts: FrontOptions): void {
  new HeldConnection(socket, handOver, opts).hold();
}

/**
 * A connection held until its first request's header block has arrived (holdFirstRequest). Once
 * `done`, it has let go of the socket: its listeners and timer are gone and it acts no more.
 */
class HeldConnection {
  private received = Buffer.alloc(0);
  private settingsSent = false;
  /** Bytes past the preface already split into frames, with the client's SETTINGS ACK taken out. */
  private readonly kept: Frame[] = [];
  private parsed = CLIENT_PREFACE.length;
  private acked = false;
  private requestStart = -1;
  private requestEnd = -1;
  private judging = false;
  private done = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly handOver: (s: Duplex) => void,
    private readonly opts: FrontOptions,
  ) {}

  hold(): void {
    // No request within the window (a request being judged is one): the slot goes back.
    this.timer = setTimeout(() => this.closeIdle(), this.opts.handshakeWindowMs ?? HANDSHAKE_WINDOW_MS);
    this.socket.on('data', this.onData);
    this.socket.on('close', this.onClose);
    this.socket.on('error', this.onError);
  }

  private readonly onData = (data: Buffer): void => {
    this.received = Buffer.concat([this.received, data]);
    if (!this.settingsSent && !this.answerPreface()) return;
    if (this.received.length > MAX_HELD_BYTES && !this.judging) return this.acked ? this.passThrough() : void this.socket.destroy();
    this.splitReceived();
    if (!this.acked || this.requestEnd < 0 || this.judging) return;
    this.judgeFirstRequest();
  };
  private readonly onClose = (): void => this.finish();
  private readonly onError = (): void => void this.socket.destroy();

  private closeIdle(): void {
    if (this.judging || this.done) return;
    this.finish();
    this.opts.onIdleClosed?.(this.socket.remoteAddress ?? '');
    this.socket.destroy();
  }

  /**
   * Sends the member's SETTINGS once the client's whole preface has come; answers whether to read
   * on (false while the preface is incomplete, or once a connection that is not HTTP/2 with prior
   * knowledge was handed over: HTTP/1 to the gateway, anything else to HTTP/2 to answer).
   */
  private answerPreface(): boolean {
    const { received, opts } = this;
    const seen = Math.min(received.length, CLIENT_PREFACE.length);
    if (!received.subarray(0, seen).equals(CLIENT_PREFACE.subarray(0, seen))) {
      if (opts.onHttp1 && looksLikeHttp1(received)) this.toHttp1(opts.onHttp1);
      else this.passThrough();
      return false;
    }
    if (received.length < CLIENT_PREFACE.length) return false;
    this.socket.write(SERVER_SETTINGS);
    this.settingsSent = true;
    return true;
  }

  /** Splits what was read into frames, keeping all but the client's first SETTINGS ACK, and finds the first request's header block. */
  private splitReceived(): void {
    const { frames, rest } = splitFrames(this.received.subarray(this.parsed));
    this.parsed = this.received.length - rest.length;
    for (const f of frames) {
      if (f.type === FRAME_SETTINGS && f.flags & FLAG_ACK && !this.acked) {
        this.acked = true;
        continue;
      }
      this.kept.push(f);
      if (this.requestStart < 0 && f.type === FRAME_HEADERS) this.requestStart = this.kept.length - 1;
      if (this.requestStart >= 0 && this.requestEnd < 0 && (f.type === FRAME_HEADERS || f.type === FRAME_CONTINUATION) && f.flags & FLAG_END_HEADERS) this.requestEnd = this.kept.length;
    }
  }

  /** Whether Node's HTTP/2 takes the first request's authority: known by an earlier verdict, or asked of the probe. */
  private judgeFirstRequest(): void {
    this.judging = true;
    let authority: Buffer | undefined;
    try {
      authority = firstAuthorityLiteral(headerBlock(this.kept.slice(this.requestStart, this.requestEnd)));
    } catch {
      return this.passThrough(); // a malformed block: HTTP/2 itself answers it
    }
    if (authority === undefined) return this.passThrough();
    const key = authority.toString('base64');
    const known = verdicts.get(key);
    if (known !== undefined) return known ? this.passThrough() : this.rewrite();
    // Nothing more is read until the request is judged: what follows waits in the socket.
    this.socket.pause();
    void nodeTakes(Buffer.concat([CLIENT_PREFACE, ...this.kept.slice(0, this.requestEnd).map((f) => f.raw)])).then((takes) => {
      if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
      verdicts.set(key, takes);
      return takes ? this.passThrough() : this.rewrite();
    });
  }

  private finish(): void {
    this.done = true;
    clearTimeout(this.timer);
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('error', this.onError);
  }

  /** Hands the socket itself over, with every byte read put back. */
  private passThrough(): void {
    if (this.done) return;
    const { socket, received, parsed } = this;
    socket.pause();
    this.finish();
    socket.unshift(Buffer.concat([received.subarray(0, Math.min(received.length, CLIENT_PREFACE.length)), ...this.kept.map((f) => f.raw), received.subarray(parsed)]));
    this.handOver(socket);
  }

  private toHttp1(to: (s: Duplex) => void): void {
    this.socket.pause();
    this.finish();
    to(relayDuplex(this.socket, this.received));
  }

  private rewrite(): void {
    if (this.done) return;
    this.socket.pause();
    this.finish();
    this.handOver(rewritingDuplex(this.socket, Buffer.concat([...this.kept.map((f) => f.raw), this.received.subarray(this.parsed)])));
  }
}

/**
 * Where Node's tls.Server keeps the ALPN list it offers: `ALPNProtocols`, wire-encoded, set from
 * the option of that name (HTTP/2's secure server passes ['h2']) and read at each handshake. Not in
 * @types/node; true of Node 20 and 22.
 */
interface AlpnHolder {
  ALPNProtocols: Buffer;
}

function isAlpnHolder(listener: object): listener is AlpnHolder {
  return 'ALPNProtocols' in listener && Buffer.isBuffer(listener.ALPNProtocols);
}

/** `listener` as the holder of its ALPN list; throws if Node keeps it elsewhere, rather than offer h2 alone unnoticed. */
function alpnHolder(listener: object): AlpnHolder {
  if (!isAlpnHolder(listener)) throw new Error('Node no longer keeps a TLS server\'s ALPN list in ALPNProtocols: HTTP/1.1 cannot be offered to the gateway (see authority-front.ts)');
  return listener;
}

/**
 * A TLS handshake must end within the window too: Node's default is 120 s, during which a socket
 * that sent nothing (or half a ClientHello) holds a connection slot before the front ever sees it.
 * tls.Server keeps the limit under a symbol its `handshakeTimeout` option sets; grpc-js passes no
 * such option, so it is set on the server it made.
 */
function boundTlsHandshake(listener: object, ms: number): void {
  const key = Object.getOwnPropertySymbols(listener).find((s) => s.description === 'handshake-timeout');
  if (key !== undefined) (listener as Record<symbol, unknown>)[key] = ms;
}

/** Whether an HTTP/2 request is gRPC's, by its content type (`application/grpc`, `application/grpc+proto`). */
function isGrpc(headers: http2.IncomingHttpHeaders): boolean {
  return headers['content-type']?.startsWith('application/grpc') === true;
}

/** Whether `bytes` start as an HTTP/1 request line does (a method token, then a space): as much as is needed to tell it from noise. */
function looksLikeHttp1(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 16).toString('latin1');
  return /^[A-Z]{1,12}( |$)/.test(head);
}

/**
 * The connection as grpc-js sees it when its requests need another `:authority`: what the client
 * sends passes through the rewriter, what the server sends goes to the socket unchanged.
 */
function rewritingDuplex(socket: Socket, readSoFar: Buffer): Duplex {
  const authority = socket.localAddress === undefined ? 'fleet' : socket.localAddress.includes(':') ? `[${socket.localAddress}]:${socket.localPort}` : `${socket.localAddress}:${socket.localPort}`;
  // Node's HTTP/2 turns Nagle off on a socket it holds itself; through this duplex it cannot.
  socket.setNoDelay(true);
  const rewriter = new AuthorityRewriter((encodedLength) => (authority.length <= encodedLength ? authority : 'fleet'));
  return relayDuplex(socket, readSoFar, { before: CLIENT_PREFACE, transform: (data) => rewriter.push(data) });
}

/**
 * `socket` as a stream of its own: `before`, then what was read of it so far and what it reads
 * next, passed through `transform`; what is written goes to the socket. Node's HTTP servers read a socket's
 * handle directly when they can, past anything put back into its stream (HTTP/1's server loses
 * such bytes): through this duplex they read it as a stream.
 */
export function relayDuplex(socket: Socket, readSoFar: Buffer, opts: { readonly before?: Buffer; readonly transform?: (data: Buffer) => Buffer } = {}): Duplex {
  const transform = opts.transform ?? ((data: Buffer) => data);
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, cb) => void socket.write(chunk, cb),
    final: (cb) => void socket.end(cb),
    destroy: (err, cb) => {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  const forward = (data: Buffer): void => {
    let out: Buffer;
    try {
      out = transform(data);
    } catch (err) {
      return void duplex.destroy(err as Error);
    }
    if (out.length > 0 && !duplex.push(out)) socket.pause();
  };
  if (opts.before) duplex.push(opts.before);
  if (readSoFar.length > 0) forward(readSoFar);
  socket.on('data', forward);
  socket.on('end', () => duplex.push(null));
  socket.on('error', (err) => duplex.destroy(err));
  socket.on('close', () => duplex.destroy());
  // What grpc-js and Node's HTTP servers read of a socket: the addresses, and TLS's state.
  for (const key of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
    Object.defineProperty(duplex, key, { get: () => socket[key] });
  }
  // A TLSSocket's own; a plain socket has neither (undefined, as reading them on it gives).
  for (const key of ['encrypted', 'alpnProtocol'] as const) {
    Object.defineProperty(duplex, key, { get: () => (socket instanceof TLSSocket ? socket[key] : undefined) });
  }
  Object.defineProperty(duplex, 'setNoDelay', { value: (on?: boolean) => socket.setNoDelay(on) });
  if (socket instanceof TLSSocket) Object.defineProperty(duplex, 'getPeerCertificate', { value: (detailed?: boolean) => socket.getPeerCertificate(detailed ?? false) });
  return duplex;
}

// ---------------------------------------------------------------------------------------- the probe

let probeServer: http2.Http2Server | undefined;

/**
 * Whether Node's HTTP/2 server takes the first request of `bytes` (the client's preface, its
 * frames and that request's header block): run on a server in memory, it either opens the stream
 * or resets it. The same server as the client port's, so the same checks, and no HPACK decoder here.
 */
function nodeTakes(bytes: Buffer): Promise<boolean> {
  probeServer ??= http2.createServer();
  const server = probeServer;
  const [serverSide, clientSide] = duplexPair();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (takes: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session?.destroy();
      serverSide.destroy();
      clientSide.destroy();
      resolve(takes);
    };
    // Unsure (the probe said nothing in time): the connection as it is, as before the front.
    const timer = setTimeout(() => settle(true), PROBE_MS);
    let session: http2.ServerHttp2Session | undefined;
    server.once('session', (s) => {
      session = s;
      s.on('stream', (stream) => (stream.close(), settle(true)));
      s.on('error', () => settle(false));
    });
    server.emit('connection', serverSide);
    let answer = Buffer.alloc(0);
    clientSide.on('data', (d: Buffer) => {
      answer = Buffer.concat([answer, d]);
      const { frames } = splitFrames(answer);
      if (frames.some((f) => f.type === FRAME_RST_STREAM || f.type === FRAME_GOAWAY)) settle(false);
    });
    clientSide.on('error', () => settle(false));
    clientSide.write(bytes);
  });
}

/** Two connected in-memory streams: what one is written, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const side = (other: () => Duplex): Duplex =>
    new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, cb) => {
        other().push(chunk);
        cb();
      },
      final: (cb) => {
        other().push(null);
        cb();
      },
    });
  sides.push(side(() => sides[1]!), side(() => sides[0]!));
  return [sides[0]!, sides[1]!];
}
