/**
 * One POST over an HTTP/2 session as a JSON client sends it (not gRPC): what the etcd gateway
 * tests send over h2c and over TLS.
 */
import type { ClientHttp2Session } from 'node:http2';

export function postOverHttp2(session: ClientHttp2Session, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json' });
    let status = 0;
    let text = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (text += c.toString()));
    stream.on('end', () => resolve({ status, text }));
    stream.on('error', reject);
    stream.end(body);
  });
}
