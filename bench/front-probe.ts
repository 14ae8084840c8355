// Ad-hoc: what the client port's :authority front (src/core/server/guard/authority-front.ts) adds to a
// new connection's first call: a grpc-js echo server on loopback with and without the front,
// new HTTP/2 connections made one at a time, each timed from connect to its first answer.
// Usage: node --import tsx bench/front-probe.ts [connections=300]
import http2 from 'node:http2';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { frontAuthorities } from '../src/core/server/guard/authority-front.js';

const identity = (b: Buffer): Buffer => b;
const ECHO = { path: '/bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };
const connections = Number(process.argv[2] ?? 300);

async function server(front: boolean): Promise<{ port: number; close: () => void }> {
  const s = new Server();
  s.addService({ Echo: ECHO }, { Echo: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, call.request) });
  const port = await new Promise<number>((resolve, reject) => s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const f = front ? frontAuthorities(s) : undefined;
  return { port, close: () => (f?.close(), s.forceShutdown()) };
}

function firstCall(port: number, authority: string): Promise<number> {
  const t0 = performance.now();
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const req = session.request({ ':method': 'POST', ':path': ECHO.path, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers' });
  return new Promise((resolve, reject) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      const ms = performance.now() - t0;
      session.destroy();
      resolve(ms);
    });
    req.on('error', reject);
    req.end(Buffer.from([0, 0, 0, 0, 1, 7]));
  });
}

const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const without = await server(false);
const withFront = await server(true);
const runs: Record<string, number[]> = { without: [], front: [], 'front, URL authority': [] };
for (let i = 0; i < connections; i++) {
  runs.without!.push(await firstCall(without.port, `127.0.0.1:${without.port}`));
  runs.front!.push(await firstCall(withFront.port, `127.0.0.1:${withFront.port}`));
  runs['front, URL authority']!.push(await firstCall(withFront.port, `http://127.0.0.1:${withFront.port}`));
}
for (const [name, xs] of Object.entries(runs)) console.log(`${name.padEnd(22)} first call p50 ${p50(xs.slice(20)).toFixed(3)} ms`);
without.close();
withFront.close();
