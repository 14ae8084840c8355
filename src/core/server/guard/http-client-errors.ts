/**
 * What Node's HTTP server does with a client's error when nothing listens for it, for the HTTP
 * servers of a member that count their limits (the metrics port, etcd's JSON gateway): listening
 * is the only way to see a request closed by its header or request timeout.
 */
import type { Duplex } from 'node:stream';

/** The answer Node's server gives each client error before it closes the connection. */
const ANSWERS: Readonly<Record<string, string>> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
};

/**
 * Answers a client error as Node does (408 for a request not finished in time, 431 for headers
 * too large, 400 else; nothing to a connection reset) and closes the connection; `timedOut` is
 * called for a request not finished in time.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, timedOut: () => void): void {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') timedOut();
  if (socket.writable && err.code !== 'ECONNRESET') socket.write(`HTTP/1.1 ${ANSWERS[err.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
  socket.destroy();
}

/**
 * How often the server checks its header and request timeouts (`connectionsCheckingInterval`,
 * 30 s by default, which let a request dripped a byte at a time live 40 s past a 10 s timeout).
 */
export function timeoutChecksEvery(timeoutMs: number): number {
  return Math.max(100, Math.floor(timeoutMs / 4));
}
