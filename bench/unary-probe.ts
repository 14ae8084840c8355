// Ad-hoc: what one unary gRPC call costs a server, by how it is served. A server process on
// loopback answers an echo either through grpc-js (`grpc`) or straight off node:http2's stream
// (`raw`, gRPC's framing written by hand); the same grpc-js client calls it at C in flight for S
// seconds. Prints calls/s and the server's CPU per call (user + system, from /proc).
// Usage: node --import tsx bench/unary-probe.ts [in-flight=64] [seconds=5] [rounds=3]
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import { Client, credentials, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';

const identity = (b: Buffer): Buffer => b;
const ECHO = { path: '/bench.Echo/Echo', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity };

function serveGrpc(): Promise<number> {
  const s = new Server();
  s.addService({ Echo: ECHO }, { Echo: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => cb(null, call.request) });
  return new Promise((resolve, reject) => s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))));
}

function serveRaw(): Promise<number> {
  const s = http2.createServer();
  s.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(body);
    });
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
}

if (process.argv[2] === 'serve') {
  const port = await (process.argv[3] === 'raw' ? serveRaw() : serveGrpc());
  process.send!(port);
} else {
  const [inFlight, seconds, rounds] = [Number(process.argv[2] ?? 64), Number(process.argv[3] ?? 5), Number(process.argv[4] ?? 3)];
  const cpu = (pid: number): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const run = async (kind: string): Promise<void> => {
    const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['serve', kind], { execArgv: ['--import', 'tsx'] });
    try {
      const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
      const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
      const call = (): Promise<void> => new Promise((resolve, reject) => client.makeUnaryRequest(ECHO.path, identity, identity, Buffer.alloc(300, 1), (err) => (err ? reject(err) : resolve())));
      for (let i = 0; i < 500; i++) await call();
      let calls = 0;
      const cpu0 = cpu(child.pid!);
      const end = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          await call();
          calls++;
        }
      }));
      const used = cpu(child.pid!) - cpu0;
      console.log(`${kind}: ${Math.round(calls / seconds)} calls/s, server CPU ${((used / calls) * 1e6).toFixed(1)} µs per call`);
      client.close();
    } finally {
      child.kill();
    }
  };
  for (let r = 0; r < rounds; r++) for (const kind of r % 2 === 0 ? ['grpc', 'raw'] : ['raw', 'grpc']) await run(kind);
}
