/**
 * etcd's HTTP/JSON gateway on the client port (issue 58): what Patroni, python3-etcd3gw, curl and
 * every client that speaks etcd over HTTP/1.1 call. authority-front.ts hands it each connection
 * whose first bytes are not HTTP/2's preface.
 *
 * As etcd does it, each JSON request becomes a gRPC call on the member's own client port: the
 * same services, tokens, roles, limits and forwarding as every gRPC client gets, with nothing
 * written twice. Unary calls answer one JSON object; streaming ones (Watch, LeaseKeepAlive,
 * Observe, Snapshot) answer chunked, one `{"result":…}` per line, and take their requests as a
 * sequence of JSON values in the body. The body's end half-closes the call: a Watch lives on
 * until its client cancels it or goes.
 *
 * Not etcd's: a request from a browser (one that carries `Origin`) is refused, and no CORS
 * header is sent: on a member without tokens a web page could otherwise write keys.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { Client, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import type { Type } from 'protobufjs';
import { ETCD_RPC_MAX_REQUEST_BYTES } from '../../guard/request-limits.js';
import { HANDSHAKE_WINDOW_MS } from '../../guard/authority-front.js';
import { decodeResponse, encodeRequest, methodTypes } from './json.js';
import { answerClientError, timeoutChecksEvery } from '../../guard/http-client-errors.js';
import type { LimitRefusals } from '../../guard/limit-refusals.js';
import { JsonValues, TOO_LARGE } from './json-values.js';
import { isGatewayPath, routeOf, type Route } from './routes.js';

/** A body may carry the largest request base64-encoded, with room for the JSON around it. */
/** A request as HTTP/1.1 or, through Node's compatibility objects, HTTP/2 hands it over: one handler serves both. */
type GatewayRequest = http.IncomingMessage | http2.Http2ServerRequest;
type GatewayResponse = http.ServerResponse | http2.Http2ServerResponse;

export const MAX_BODY_BYTES = Math.ceil((ETCD_RPC_MAX_REQUEST_BYTES * 4) / 3) + 64 * 1024;
/** How long a unary request's body may take to arrive. */
const BODY_WINDOW_MS = 30_000;

export interface GatewayOptions {
  /** The member's own client port, as its gRPC clients dial it. */
  readonly target: string;
  readonly credentials: ChannelCredentials;
  readonly channelOptions?: Record<string, unknown>;
  /** etcd's server version this member speaks (`GET /version`). */
  readonly version: string;
  /** etcd's /health: a leader, a committed read, no alarm. */
  readonly healthy: () => Promise<boolean>;
  /** Counts the bodies refused over MAX_BODY_BYTES (as gRPC's own, `etcd-request-bytes`) and the requests too slow to arrive (`etcd-gateway-slow`). */
  readonly limitRefusals?: LimitRefusals | undefined;
}

export interface Gateway {
  /** Serves one connection (with what was read of it before, see authority-front.ts's relayDuplex). */
  accept(socket: Duplex): void;
  /** Serves one HTTP/2 request that is not gRPC (h2c, or h2 over TLS: what `curl` sends by default). */
  acceptStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, rawHeaders: readonly string[]): void;
  close(): void;
}

/** Starts the gateway; its loopback gRPC channel opens on the first request. */
export function etcdGateway(opts: GatewayOptions): Gateway {
  let client: Client | undefined;
  const grpc = (): Client => (client ??= new Client(opts.target, opts.credentials, { 'grpc.max_receive_message_length': 64 << 20, ...opts.channelOptions }));
  const sockets = new Set<Duplex>();
  const handle = (req: GatewayRequest, res: GatewayResponse): void => {
    // A client that goes mid-answer is no error of the member's.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    serve(req, res, grpc, opts).catch((err: unknown) => answerError(res, { code: status.INTERNAL, details: (err as Error).message }));
  };
  const server = http.createServer({ headersTimeout: HANDSHAKE_WINDOW_MS, requestTimeout: 0, keepAliveTimeout: 30_000, connectionsCheckingInterval: timeoutChecksEvery(HANDSHAKE_WINDOW_MS) }, handle);
  // Node tracks connections for its header timeout from the server's 'listening' event; this
  // server never listens (the front hands it its sockets), so without it a request dripped a
  // byte at a time was held for ever. Closed with the gateway, which stops the tracking's timer.
  server.emit('listening');
  // Headers not sent within the window: answered 408 and closed, as Node does, and counted.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, () => opts.limitRefusals?.refused('etcd-gateway-slow')));
  return {
    accept: (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      (socket as Partial<Socket>).setNoDelay?.(true);
      server.emit('connection', socket);
    },
    acceptStream: (stream, headers, rawHeaders) => {
      // Node's own compatibility objects for an HTTP/2 request: the same handler serves both.
      const req = new http2.Http2ServerRequest(stream, headers, {}, rawHeaders);
      const res = new http2.Http2ServerResponse(stream);
      handle(req, res);
    },
    close: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      client?.close();
      server.close();
    },
  };
}

type Grpc = () => Client;

async function serve(req: GatewayRequest, res: GatewayResponse, grpc: Grpc, opts: GatewayOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (req.headers.origin !== undefined) return answerText(res, 403, 'fleet serves no browser: requests with an Origin header are refused\n');
  if (path === '/version' && req.method === 'GET') return answerJson(res, 200, { etcdserver: opts.version, etcdcluster: `${opts.version.split('.').slice(0, 2).join('.')}.0` });
  if (path === '/health' && req.method === 'GET') {
    const healthy = await opts.healthy().catch(() => false);
    // etcd's own handler, not grpc-gateway's: JSON under a text/plain type.
    return answer(res, healthy ? 200 : 503, 'text/plain; charset=utf-8', JSON.stringify({ health: String(healthy) }));
  }
  const route = routeOf(path);
  if (route === undefined) return answerText(res, 404, isGatewayPath(path) ? 'Not Found\n' : '404 page not found\n');
  if (req.method !== 'POST') return answerText(res, 405, 'Method Not Allowed\n');
  const types = methodTypes(route.service, route.method);
  if (types === undefined) {
    req.resume();
    return answerError(res, { code: status.UNIMPLEMENTED, details: `unknown method ${route.method} for service ${route.service}: fleet does not serve it` });
  }
  const call = { route, types, metadata: metadataOf(req), grpc };
  if (route.kind === 'bidi') return streamBoth(req, res, call);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    opts.limitRefusals?.refused('etcd-request-bytes');
    return answerError(res, { code: status.INVALID_ARGUMENT, details: TOO_LARGE }, true);
  }
  const body = await readBody(req);
  if ('error' in body && body.error.details === TOO_LARGE) opts.limitRefusals?.refused('etcd-request-bytes');
  if ('error' in body && body.error.code === status.DEADLINE_EXCEEDED) opts.limitRefusals?.refused('etcd-gateway-slow');
  if ('error' in body) return answerError(res, body.error, body.close);
  let request: Buffer;
  try {
    request = encodeRequest(types.request, body.json);
  } catch (err) {
    return answerError(res, { code: status.INVALID_ARGUMENT, details: (err as Error).message });
  }
  if (route.kind === 'server') return streamAnswers(res, call, request);
  return callUnary(res, call, request);
}

interface Call {
  readonly route: Route;
  readonly types: { request: Type; response: Type };
  readonly metadata: Metadata;
  readonly grpc: Grpc;
}

const grpcPath = (route: Route): string => `/${route.service}/${route.method}`;
const raw = (b: Buffer): Buffer => b;

/** The credentials a gRPC client would send: etcd's gateway forwards `Authorization` as `authorization`. */
function metadataOf(req: GatewayRequest): Metadata {
  const md = new Metadata();
  const authorization = req.headers.authorization;
  if (authorization !== undefined && authorization !== '') md.set('authorization', authorization);
  return md;
}

function callUnary(res: GatewayResponse, call: Call, request: Buffer): void {
  const pending = call.grpc().makeUnaryRequest(grpcPath(call.route), raw, raw, request, call.metadata, {}, (err, answer) => {
    if (err) return answerError(res, err);
    answerJson(res, 200, decodeResponse(call.types.response, answer!));
  });
  res.once('close', () => pending.cancel());
}

function streamAnswers(res: GatewayResponse, call: Call, request: Buffer): void {
  const stream = call.grpc().makeServerStreamRequest(grpcPath(call.route), raw, raw, request, call.metadata, {});
  relayAnswers(stream, res, call.types.response);
}

/** A bidi call: each JSON value of the body is a request; the body's end half-closes the call. */
function streamBoth(req: GatewayRequest, res: GatewayResponse, call: Call): void {
  const stream = call.grpc().makeBidiStreamRequest(grpcPath(call.route), raw, raw, call.metadata, {});
  relayAnswers(stream, res, call.types.response);
  const values = new JsonValues(MAX_BODY_BYTES);
  const refuse = (err: Error): void => {
    req.removeAllListeners('data');
    req.resume();
    stream.cancel();
    // etcd's gateway: a message it cannot decode is UNKNOWN (500); one over the limit INVALID_ARGUMENT.
    answerError(res, { code: err instanceof RangeError ? status.INVALID_ARGUMENT : status.UNKNOWN, details: err.message });
  };
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    let encoded: Buffer[];
    try {
      encoded = values.push(chunk).map((text) => encodeRequest(call.types.request, JSON.parse(text)));
    } catch (err) {
      return refuse(err as Error);
    }
    for (const message of encoded) if (!stream.write(message)) req.pause();
  });
  stream.on('drain', () => req.resume());
  req.on('end', () => {
    try {
      values.end();
    } catch (err) {
      return refuse(err as Error);
    }
    stream.end();
  });
}

type AnswerStream = NodeJS.EventEmitter & { pause(): void; resume(): void; cancel(): void };

/** Writes each answer of `stream` as a line `{"result":…}`; an error after the first as `{"error":…}`. */
function relayAnswers(stream: AnswerStream, res: GatewayResponse, type: Type): void {
  let ended = false;
  res.once('close', () => {
    if (!ended) stream.cancel();
  });
  stream.on('data', (bytes: Buffer) => {
    if (res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' });
    const more: (chunk: string) => boolean = res.write.bind(res);
    if (!more(`${JSON.stringify({ result: decodeResponse(type, bytes) })}\n`)) {
      stream.pause();
      res.once('drain', () => stream.resume());
    }
  });
  stream.on('error', (err: ServiceError) => {
    ended = true;
    // Cancelled because the answer already went (a refused request) or the client did.
    if (res.writableEnded || res.destroyed) return;
    if (!res.headersSent) return answerError(res, err);
    const httpStatus = httpStatusOf(err.code);
    res.end(`${JSON.stringify({ error: { grpc_code: err.code, http_code: httpStatus, message: err.details, http_status: http.STATUS_CODES[httpStatus] } })}\n`);
  });
  stream.on('end', () => {
    ended = true;
    if (res.writableEnded) return;
    if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/json' });
    res.end();
  });
}

type Body = { json: unknown } | { error: { code: number; details: string }; close?: boolean };

/** A unary request's body as JSON: empty is `{}`; the first value counts, as in etcd. */
function readBody(req: GatewayRequest): Promise<Body> {
  return new Promise((resolve) => {
    const values = new JsonValues(MAX_BODY_BYTES);
    let settled = false;
    const settle = (body: Body): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.removeAllListeners('data');
      if ('error' in body && body.close === true) req.destroy();
      else req.resume();
      resolve(body);
    };
    const timer = setTimeout(() => settle({ error: { code: status.DEADLINE_EXCEEDED, details: 'the request body did not arrive in time' }, close: true }), BODY_WINDOW_MS);
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      try {
        const [first] = values.push(chunk);
        if (first !== undefined) settle({ json: JSON.parse(first) });
      } catch (err) {
        // Past the limit the rest of the body is not read: the connection goes with the answer.
        settle({ error: { code: status.INVALID_ARGUMENT, details: (err as Error).message }, close: err instanceof RangeError });
      }
    });
    req.on('end', () => {
      try {
        values.end();
        settle({ json: {} });
      } catch (err) {
        settle({ error: { code: status.INVALID_ARGUMENT, details: (err as Error).message } });
      }
    });
    req.on('error', () => settle({ error: { code: status.CANCELLED, details: 'the request body was cut off' }, close: true }));
  });
}

function answer(res: GatewayResponse, code: number, type: string, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const answerJson = (res: GatewayResponse, code: number, body: object): void => answer(res, code, 'application/json', JSON.stringify(body));
const answerText = (res: GatewayResponse, code: number, text: string): void => answer(res, code, 'text/plain; charset=utf-8', text, { 'x-content-type-options': 'nosniff' });

/** An error as grpc-gateway answers it: `{"error","message","code"}` with the status's HTTP code. */
function answerError(res: GatewayResponse, err: { code?: number | undefined; details?: string | undefined }, close = false): void {
  const code = err.code ?? status.UNKNOWN;
  const message = err.details ?? 'unknown error';
  // HTTP/1.1 only: an HTTP/2 stream ends alone, its connection stays.
  if (close && res instanceof http.ServerResponse) res.shouldKeepAlive = false;
  answerJson(res, httpStatusOf(code), { error: message, message, code });
}

/** grpc-gateway 1's HTTP status for each gRPC status, as etcd 3.4 answers. */
const HTTP_STATUS: Readonly<Record<number, number>> = {
  [status.OK]: 200,
  [status.CANCELLED]: 408,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 412,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

export function httpStatusOf(code: number): number {
  return HTTP_STATUS[code] ?? 500;
}
