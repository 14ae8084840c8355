/**
 * One peer's outbound framed stream (peer-frames.ts): an HTTP/2 session to the peer's port, and on
 * it one long request whose body is this member's batches to that peer. Delivery is best effort,
 * as the gRPC stream's was: a batch sent while the link is down is dropped, and Raft retransmits
 * what matters. A link that failed waits a short back-off (50 ms, doubling to 500 ms) before it
 * dials again, unless the peer shows it is up (`redial`).
 */
import http2 from 'node:http2';
import type { SecureContextOptions } from 'node:tls';
import { frame, FRAMED_CONTENT_TYPE, FRAMED_HEADER, FRAMED_PATH, REFUSED_HEADER } from './peer-frames.js';

/** How a peer is reached: its address, and the TLS it is reached over (none: plaintext). */
export interface FramedDial {
  readonly address: string;
  readonly tls?: (SecureContextOptions & { readonly servername: string }) | undefined;
}

/** What the link tells the transport. */
export interface FramedLinkEvents {
  /** The peer admitted the stream (its first batch was stepped). */
  admitted(): void;
  /** The stream failed or the peer could not be reached (not a refusal). */
  unreachable(detail: string): void;
  /** The peer refused the stream, saying why (its credentials, its cluster…). */
  refused(status: number, detail: string): void;
  /** What answered does not serve the framed stream (a member that predates it). */
  notFramed(status: number): void;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 500;
/** A session that acknowledges no ping within this long is taken for dead (gRPC's keepalive, as the peer channels had). */
const PING_EVERY_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
/**
 * What may wait unsent in one stream before batches are dropped instead: a peer that does not
 * read must not make this member hold every batch for it (Raft resends once it reads again).
 */
const MAX_BUFFERED_BYTES = 64 << 20;

export class FramedLink {
  private session: http2.ClientHttp2Session | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private retryAt = 0;
  private pinger: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly dial: FramedDial,
    private readonly events: FramedLinkEvents,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a stream is open: the next batch is not its first. */
  get open(): boolean {
    return this.stream !== undefined;
  }

  /**
   * Sends one encoded batch. With no stream open, opens one first with `headers` (the handshake),
   * and `batch` must then be a first batch (with the announcement). Answers whether it was sent.
   */
  send(batch: Uint8Array, headers: () => http2.OutgoingHttpHeaders): boolean {
    const stream = this.stream ?? this.openStream(headers);
    if (stream === undefined) return false;
    if (stream.writableLength > MAX_BUFFERED_BYTES) {
      this.fail(stream, 'the peer reads nothing: its stream holds more than 64 MiB');
      return false;
    }
    stream.write(frame(batch));
    return true;
  }

  /** The peer showed it is up: a link waiting out its back-off dials at the next send. */
  redial(): void {
    if (this.stream === undefined) this.retryAt = 0;
  }

  /** Ends the stream and the session (a peer that moved or left, or this member stopping). */
  close(): void {
    this.stream?.end();
    this.stream = undefined;
    this.closeSession();
  }

  private openStream(headers: () => http2.OutgoingHttpHeaders): http2.ClientHttp2Stream | undefined {
    const session = this.session ?? this.connect();
    if (session === undefined) return undefined;
    const stream = session.request({ ':method': 'POST', ':path': FRAMED_PATH, 'content-type': FRAMED_CONTENT_TYPE, ...headers() }, { endStream: false });
    this.stream = stream;
    stream.on('response', (h) => this.answered(stream, h));
    stream.on('error', (err: Error) => this.fail(stream, err.message));
    stream.on('close', () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (stream.rstCode !== undefined && stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR && stream.rstCode !== http2.constants.NGHTTP2_CANCEL) this.events.unreachable(`stream reset (code ${stream.rstCode})`);
    });
    // A peer answers only to refuse, or to a stream it admitted; the body read from it is nothing.
    stream.resume();
    return stream;
  }

  private answered(stream: http2.ClientHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    const status = Number(headers[':status']);
    if (status === 200 && headers[FRAMED_HEADER] !== undefined) {
      this.backoffMs = MIN_BACKOFF_MS;
      return this.events.admitted();
    }
    const refusal = headers[REFUSED_HEADER];
    this.drop(stream);
    if (typeof refusal === 'string') this.events.refused(status, decodeURIComponent(refusal));
    else this.events.notFramed(status);
  }

  private connect(): http2.ClientHttp2Session | undefined {
    if (this.now() < this.retryAt) return undefined;
    const tls = this.dial.tls;
    // No cap on the session's memory, as grpc-js's channels: Node degrades badly at the cap, and a batch may be 64 MiB.
    const options = { maxSessionMemory: Number.MAX_SAFE_INTEGER, ...tls };
    const session = http2.connect(`${tls ? 'https' : 'http'}://${this.dial.address}`, options);
    this.session = session;
    session.on('error', (err: Error) => this.sessionFailed(session, err.message));
    session.on('goaway', () => this.sessionFailed(session, 'the peer is going away'));
    session.on('close', () => this.sessionFailed(session, 'connection closed'));
    this.pinger = setInterval(() => this.ping(session), PING_EVERY_MS);
    this.pinger.unref();
    return session;
  }

  private ping(session: http2.ClientHttp2Session): void {
    if (session.destroyed || session.closed) return;
    const timer = setTimeout(() => this.sessionFailed(session, `no answer to a ping within ${PING_TIMEOUT_MS} ms`), PING_TIMEOUT_MS);
    timer.unref();
    try {
      session.ping(() => clearTimeout(timer));
    } catch {
      clearTimeout(timer);
    }
  }

  /** The session is gone: its stream with it, and the next dial waits out the back-off. */
  private sessionFailed(session: http2.ClientHttp2Session, detail: string): void {
    if (this.session !== session) return;
    const hadStream = this.stream !== undefined;
    this.stream = undefined;
    this.closeSession();
    this.retryAt = this.now() + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    if (hadStream || detail !== 'connection closed') this.events.unreachable(detail);
  }

  private fail(stream: http2.ClientHttp2Stream, detail: string): void {
    if (this.stream !== stream) return;
    this.drop(stream);
    this.events.unreachable(detail);
  }

  private drop(stream: http2.ClientHttp2Stream): void {
    if (this.stream === stream) this.stream = undefined;
    if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  private closeSession(): void {
    clearInterval(this.pinger);
    this.pinger = undefined;
    const session = this.session;
    this.session = undefined;
    if (session !== undefined && !session.destroyed) session.destroy();
  }
}
