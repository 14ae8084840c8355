/**
 * Telling a TLS mismatch from a member that is down. grpc-js reports both as UNAVAILABLE ("No
 * connection established"), and so the CLI used to say "is the cluster running?" (exit 3) to an
 * operator whose CA, certificate or scheme was wrong. A member that answers the handshake is
 * running: what is wrong is ours to fix, so these failures are not retried and exit 1.
 */
import { connect as tlsConnect } from 'node:tls';
import { FleetClientError, isTransportFailure } from '../errors.js';
import { readTlsFile, usesTls, type TlsFiles } from './tls.js';

/** What went wrong in the handshake, from the client's side. */
export type TlsProblem = 'untrusted' | 'name-mismatch' | 'client-cert-required' | 'client-cert-refused' | 'member-plaintext' | 'member-requires-tls';

/** OpenSSL's and Node's words for each problem, as they appear in a transport error's message. */
const PATTERNS: readonly (readonly [RegExp, TlsProblem])[] = [
  [/altnames|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate/i, 'name-mismatch'],
  [/self[- ]signed certificate|unable to (verify|get local issuer)|certificate (has expired|is not yet valid)|UNABLE_TO_VERIFY_LEAF_SIGNATURE/i, 'untrusted'],
  [/alert certificate required/i, 'client-cert-required'],
  [/alert (unknown ca|bad certificate|certificate unknown|certificate expired|decrypt error|access denied)/i, 'client-cert-refused'],
  [/wrong version number|packet length too long|http request|ssl3_get_record/i, 'member-plaintext'],
];

/** The TLS problem a transport error's message names, if any. Pure. */
export function tlsProblemOf(message: string): TlsProblem | undefined {
  return PATTERNS.find(([re]) => re.test(message))?.[1];
}

/** The one-line error for a problem at `endpoint`: what is wrong and which flag fixes it. */
export function tlsError(endpoint: string, problem: TlsProblem, tls: TlsFiles | undefined, cause?: unknown): FleetClientError {
  const ca = tls?.cacert === undefined ? 'the system CAs' : `--cacert ${tls.cacert}`;
  const messages: Record<TlsProblem, string> = {
    untrusted: `${endpoint}: TLS handshake failed: the member's certificate is not signed by ${ca}: pass the cluster's CA with --cacert`,
    'name-mismatch': `${endpoint}: TLS handshake failed: the member's certificate does not name ${hostOf(endpoint)}: use an address its certificate lists, or reissue the certificate with this one`,
    'client-cert-required': `${endpoint}: TLS handshake failed: the member requires a client certificate (mutual TLS): pass --cert and --key`,
    'client-cert-refused': `${endpoint}: TLS handshake failed: the member refused the client certificate${tls?.cert === undefined ? '' : ` ${tls.cert}`}: use one signed by the cluster's CA`,
    'member-plaintext': `${endpoint}: TLS handshake failed: the member does not speak TLS: drop --cacert, --cert and --key (or start the member with --tls-cert and --tls-key)`,
    'member-requires-tls': `${endpoint}: the member speaks only TLS, and this connection was plaintext: pass --cacert (and --cert and --key for mutual TLS)`,
  };
  return new FleetClientError('tls', messages[problem], { endpoint, ...(cause === undefined ? {} : { cause }) });
}

/**
 * The failure explained when it was a TLS mismatch, else unchanged. Some mismatches fail
 * without naming TLS at all ("Failed to connect": a plaintext connection to a TLS member, or a
 * client certificate the member refuses after the handshake), so when the member accepted the
 * connection, one handshake of our own tells what happened.
 */
export async function explainConnectFailure(err: FleetClientError, address: string, tls: TlsFiles | undefined): Promise<FleetClientError> {
  if (!isTransportFailure(err) || err.kind !== 'unavailable') return err;
  const named = tlsProblemOf(err.message);
  if (named !== undefined) return tlsError(address, named, tls, err);
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/.test(err.message)) return err;
  const found = usesTls(tls) ? await handshakeProblem(address, tls) : (await speaksTls(address)) ? 'member-requires-tls' : undefined;
  return found === undefined ? err : tlsError(address, found, tls, err);
}

/** The HTTP/2 client preface and an empty SETTINGS frame: what a member answers once it accepts the connection. */
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

/**
 * Connects with the client's TLS files and speaks first, because under TLS 1.3 a member refuses
 * a client certificate only after the handshake completes, and Node's server then just closes
 * the connection: the problem an alert names; a refused certificate when the member closes a
 * completed handshake without a word; none when it answers.
 */
function handshakeProblem(address: string, tls: TlsFiles, timeoutMs = 1_000): Promise<TlsProblem | undefined> {
  let files: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  try {
    files = { ...optional('ca', readTlsFile(tls.cacert, 'CA certificate')), ...optional('cert', readTlsFile(tls.cert, 'certificate')), ...optional('key', readTlsFile(tls.key, 'key')) };
  } catch {
    return Promise.resolve(undefined);
  }
  if (!Number.isInteger(portOf(address))) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: hostOf(address), port: portOf(address), ...files, ALPNProtocols: ['h2'], timeout: timeoutMs });
    const done = (problem: TlsProblem | undefined): void => {
      socket.destroy();
      resolve(problem);
    };
    let secured = false;
    socket.once('secureConnect', () => {
      secured = true;
      socket.write(H2_PREFACE);
    });
    socket.once('data', () => done(undefined));
    socket.once('error', (e) => done(tlsProblemOf(e.message)));
    socket.once('timeout', () => done(undefined));
    socket.once('close', () => done(secured && tls.cert !== undefined ? 'client-cert-refused' : undefined));
  });
}

function optional<K extends string>(key: K, value: Buffer | undefined): Partial<Record<K, Buffer>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, Buffer>);
}

/** Whether the listener at `address` completes a TLS handshake (its certificate unchecked: only the protocol matters here). */
export function speaksTls(address: string, timeoutMs = 1_000): Promise<boolean> {
  if (!Number.isInteger(portOf(address))) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: hostOf(address), port: portOf(address), rejectUnauthorized: false, ALPNProtocols: ['h2'], timeout: timeoutMs });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** The port of `host:port`, or NaN when there is none in 1–65535 (a member list may hold anything: net.connect throws on it). */
function portOf(address: string): number {
  const port = Number(/:(\d{1,5})$/.exec(address)?.[1]);
  return port >= 1 && port <= 65_535 ? port : NaN;
}

function hostOf(address: string): string {
  return address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}
