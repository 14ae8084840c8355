/**
 * The metrics port's limits (metrics.ts, issue 56): it needs no credential, so it holds a bounded
 * number of connections and closes idle ones, including sockets that never send a request.
 * Before, 20,000 sockets to it took a member to its descriptor limit.
 */
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberStatus } from '../../../src/core/node/api.js';
import { LimitRefusals } from '../../../src/core/server/guard/limit-refusals.js';
import { NodeMetrics } from '../../../src/core/server/metrics.js';

const open: (Socket | Server)[] = [];
afterEach(() => {
  for (const o of open.splice(0)) {
    if ('destroy' in o) o.destroy();
    else o.close();
  }
});

async function serve(limits: { maxConnections: number; idleMs: number }): Promise<{ metrics: NodeMetrics; server: Server; port: number; refusals: LimitRefusals }> {
  const metrics = new NodeMetrics(() => ({}) as MemberStatus);
  const refusals = new LimitRefusals();
  metrics.countLimitRefusals(refusals);
  const server = await metrics.listen('127.0.0.1', 0, limits);
  open.push(server);
  return { metrics, server, port: (server.address() as { port: number }).port, refusals };
}

function socket(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
    // Read whatever comes: a paused socket holding the server's 408 never sees the end after it, nor closes.
    s.resume();
    open.push(s);
  });
}

const closedWithin = (s: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

const connections = (server: Server): Promise<number> => new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

describe('the metrics port', () => {
  it('holds at most its connections, drops the rest as they arrive, and counts them', async () => {
    const { metrics, server, port } = await serve({ maxConnections: 8, idleMs: 60_000 });
    await Promise.all(Array.from({ length: 20 }, () => socket(port)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await connections(server)).toBe(8);
    expect(await metrics.registry.getSingleMetricAsString('fleet_metrics_connections_dropped_total')).toMatch(/^fleet_metrics_connections_dropped_total 12$/m);
  });

  it('closes a socket that sends nothing once it has been idle for the limit, and counts it', async () => {
    const { server, port, refusals } = await serve({ maxConnections: 8, idleMs: 300 });
    // The idle timeout or the header timeout closes it, whichever the server checks first: say what it saw if neither does.
    const seen: string[] = [];
    const started = Date.now();
    server.on('connection', () => seen.push(`connection at ${Date.now() - started} ms`));
    server.on('timeout', () => seen.push(`timeout at ${Date.now() - started} ms`));
    const s = await socket(port);
    const closed = await closedWithin(s, 10_000);
    expect(closed, `not closed in 10 s; the server saw: ${seen.join(', ') || 'nothing'}; it holds ${await connections(server)} connections`).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await connections(server)).toBe(0);
    expect(refusals.counts.get('metrics-idle')).toBe(1);
  });

  it('answers a request not finished within the limit with 408, closes it, and counts it', async () => {
    const { server, port, refusals } = await serve({ maxConnections: 8, idleMs: 300 });
    const s = await socket(port);
    let answer = '';
    s.on('data', (b: Buffer) => (answer += b.toString()));
    // Half a request, a byte at a time, never finished: each byte keeps the socket from idling.
    const started = Date.now();
    s.write('GET /metrics HTTP/1.1\r\n');
    const drip = setInterval(() => s.writable && s.write('X'), 100);
    await new Promise((resolve) => s.on('close', resolve));
    clearInterval(drip);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await connections(server)).toBe(0);
    expect(refusals.counts.get('metrics-idle')).toBe(1);
  });

  it('still answers a request, and counts nothing for it', async () => {
    const { metrics, port, refusals } = await serve({ maxConnections: 8, idleMs: 300 });
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(refusals.counts.get('metrics-idle')).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('fleet_limit_refusals_total')).toMatch(/^fleet_limit_refusals_total\{limit="metrics-idle"\} 0$/m);
  });
});
