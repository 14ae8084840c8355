/**
 * One gRPC unary call over node:http2, for the one-shot status probe. A short-lived command that
 * makes two calls does not need grpc-js's channels, resolvers, load balancers and reconnection
 * logic, and loading them cost more than the calls. The protocol is the one grpc-js speaks
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): a POST of one length-prefixed
 * message, the answer's message and a grpc-status trailer; failures become the same
 * FleetClientErrors the grpc-js path makes (errors.ts `fromGrpcStatus`).
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { isMemberAddress } from '../../common/addresses.js';
import { DEADLINE_GRACE_MS, FleetClientError, fromGrpcStatus, noAnswerError } from '../errors.js';
import { GRPC_STATUS } from '../transport/grpc-status.js';
import { readTlsFile, usesTls, type TlsFiles } from '../transport/tls.js';
import { explainConnectFailure } from '../transport/tls-diagnosis.js';

/** The largest answer accepted (grpc-js's default for the client is 4 MiB; ours is 64 MiB). */
const MAX_MESSAGE_BYTES = 64 << 20;

/** One member's HTTP/2 connection, opened on the first call. */
export class H2Connection {
  readonly address: string;
  readonly #tls: TlsFiles | undefined;
  #session: ClientHttp2Session | undefined;

  constructor(address: string, tls?: TlsFiles) {
    this.address = address;
    this.#tls = usesTls(tls) ? tls : undefined;
  }

  /** Calls `path` (`/fleet.v1.Fleet/Status`) with one encoded message; resolves with the answer's. */
  unary(path: string, message: Uint8Array, opts: { readonly token?: string | undefined; readonly timeoutMs: number }): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      let session: ClientHttp2Session | undefined;
      const settle = (f: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        session?.off('error', fail);
        f();
      };
      const guard = setTimeout(() => {
        settle(() => reject(noAnswerError(this.address, opts.timeoutMs)));
        this.close();
      }, opts.timeoutMs + DEADLINE_GRACE_MS);
      const fail = (err: unknown): void => void this.#explained(this.#transportError(err)).then((e) => settle(() => reject(e)));
      try {
        session = this.#connect();
      } catch (err) {
        fail(err);
        return;
      }
      // A connection that fails (refused, reset, bad TLS) fails the calls on it.
      session.on('error', fail);
      const headers: Record<string, string> = {
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(opts.timeoutMs))}m`,
      };
      if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
      let req;
      try {
        req = session.request(headers);
      } catch (err) {
        fail(err);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let head: IncomingHttpHeaders = {};
      req.on('response', (h) => {
        head = h;
      });
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_MESSAGE_BYTES + 5) {
          req.close(constants.NGHTTP2_CANCEL);
          settle(() => reject(new FleetClientError('internal', `${this.address}: answer larger than ${MAX_MESSAGE_BYTES} bytes`, { endpoint: this.address })));
        } else chunks.push(chunk);
      });
      let trailers: IncomingHttpHeaders = {};
      req.on('trailers', (t) => {
        trailers = t;
      });
      req.on('error', fail);
      req.on('close', () => {
        try {
          const answer = this.#answer(head, trailers, Buffer.concat(chunks));
          settle(() => resolve(answer));
        } catch (err) {
          void this.#explained(err).then((e) => settle(() => reject(e)));
        }
      });
      req.end(frame(message));
    });
  }

  /** Closes the connection (calls in flight fail). */
  close(): void {
    this.#session?.destroy();
    this.#session = undefined;
  }

  #connect(): ClientHttp2Session {
    if (this.#session !== undefined && !this.#session.destroyed && !this.#session.closed) return this.#session;
    // A member list may name anything (a member of another version added it): a bad address is
    // a member this client cannot reach, not a crash (http2.connect throws, net.connect too).
    if (!isMemberAddress(this.address)) throw new FleetClientError('unavailable', `${JSON.stringify(this.address)} is not a host:port address, so no member can be reached there`, { endpoint: this.address });
    const tls = this.#tls;
    const session = tls === undefined
      ? connect(`http://${this.address}`)
      : connect(`https://${this.address}`, { ca: readTlsFile(tls.cacert, 'CA certificate'), cert: readTlsFile(tls.cert, 'certificate'), key: readTlsFile(tls.key, 'key'), ALPNProtocols: ['h2'] });
    // Calls in flight report the error; with none, there is nobody to tell.
    session.on('error', () => undefined);
    this.#session = session;
    return session;
  }

  /** The message of a finished call, or its failure. */
  #answer(head: IncomingHttpHeaders, trailers: IncomingHttpHeaders, body: Buffer): Buffer {
    // A trailers-only answer (an error) puts grpc-status in the headers.
    const status = trailers['grpc-status'] ?? head['grpc-status'];
    const httpStatus = head[':status'];
    if (status === undefined) {
      const code = httpStatus === undefined ? GRPC_STATUS.UNAVAILABLE : httpStatusToGrpc(Number(httpStatus));
      throw fromGrpcStatus({ code, details: `Received HTTP status code ${httpStatus ?? 'none'}`, trailer: () => undefined }, this.address);
    }
    const code = Number(status);
    if (code !== GRPC_STATUS.OK) {
      const all = { ...head, ...trailers };
      const details = decodeMessage(String(all['grpc-message'] ?? ''));
      const trailer = (key: string): string | undefined => {
        const v = all[key];
        return Array.isArray(v) ? v[0] : v;
      };
      throw fromGrpcStatus({ code, details, trailer }, this.address);
    }
    return unframe(body, this.address);
  }

  /** A transport failure explained when it was a TLS mismatch (tls-diagnosis.ts); other failures unchanged. */
  async #explained(err: unknown): Promise<unknown> {
    return err instanceof FleetClientError ? explainConnectFailure(err, this.address, this.#tls) : err;
  }

  #transportError(err: unknown): FleetClientError {
    if (err instanceof FleetClientError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return fromGrpcStatus({ code: GRPC_STATUS.UNAVAILABLE, details: `No connection established. Last error: ${message}`, trailer: () => undefined }, this.address, err);
  }
}

/** A gRPC message on the wire: not compressed (0), its length (big-endian), its bytes. */
function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The one message of a unary answer. */
function unframe(body: Buffer, address: string): Buffer {
  if (body.length < 5) throw new FleetClientError('internal', `${address}: the answer carried no message`, { endpoint: address });
  if (body[0] !== 0) throw new FleetClientError('internal', `${address}: the answer is compressed, which this client did not ask for`, { endpoint: address });
  const length = body.readUInt32BE(1);
  if (body.length < 5 + length) throw new FleetClientError('internal', `${address}: the answer was cut short`, { endpoint: address });
  return body.subarray(5, 5 + length);
}

/** grpc-message is percent-encoded. */
function decodeMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The gRPC code for an answer that is not gRPC at all (a proxy's error page), as the gRPC spec maps them. */
function httpStatusToGrpc(status: number): number {
  if (status === 400) return GRPC_STATUS.INTERNAL;
  if (status === 401) return GRPC_STATUS.UNAUTHENTICATED;
  if (status === 403) return GRPC_STATUS.PERMISSION_DENIED;
  if (status === 404) return GRPC_STATUS.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GRPC_STATUS.UNAVAILABLE;
  return GRPC_STATUS.UNKNOWN;
}
