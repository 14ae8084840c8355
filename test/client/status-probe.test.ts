/**
 * The status probe against endpoints that misbehave the way members do: one that accepts a
 * connection and never answers (a SIGSTOPped or wedged member) must not hold up what another
 * member can answer.
 */
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StatusProbe } from '../../src/client/probe/index.js';
import { loadProbeCodecs } from '../../src/proto/index.js';

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length > 0) closers.pop()!();
});

/** A TCP endpoint that accepts and then says nothing, like a stopped process whose socket the kernel still serves. */
async function silentEndpoint(): Promise<string> {
  const sockets: Socket[] = [];
  const server: Server = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    server.close();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A gRPC endpoint that answers every Read with an empty list of plans. */
async function plansEndpoint(): Promise<string> {
  const body = loadProbeCodecs().readResponse.encode({ listPlans: { plans: [] } });
  const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), Buffer.from(body)]);
  framed.writeUInt32BE(body.length, 1);
  const server: Http2Server = createH2Server((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.addTrailers({ 'grpc-status': '0' });
      res.end(framed);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('StatusProbe.listPlans', () => {
  it('answers from a member that answers, without waiting out one that never does', async () => {
    const probe = new StatusProbe({ endpoints: [await silentEndpoint(), await plansEndpoint()], timeoutMs: 60_000 });
    closers.push(() => probe.close());
    // The call deadline is a minute; the test's is five seconds: asking the silent endpoint
    // first and the next only after its deadline fails here.
    await expect(probe.listPlans({ consistency: { maxStalenessMs: 10_000 } })).resolves.toEqual([]);
  }, 5_000);

  it('fails with an endpoint error when no endpoint answers', async () => {
    const probe = new StatusProbe({ endpoints: [await silentEndpoint(), await silentEndpoint()], timeoutMs: 300 });
    closers.push(() => probe.close());
    await expect(probe.listPlans()).rejects.toThrow(/127\.0\.0\.1/);
  });
});
