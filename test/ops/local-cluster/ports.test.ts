import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { busyPorts, describeBusyPort, listeningInodes, probePort } from '../../../src/ops/local-cluster/ports.js';
import { placeCluster } from '../../../src/ops/local-cluster/init.js';
import { clusterPaths } from '../../../src/ops/local-cluster/paths.js';
import { freePorts } from '../../e2e/processes.js';

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

function listen(host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    servers.push(srv);
    srv.once('error', reject);
    srv.listen(port, host, () => resolve((srv.address() as { port: number }).port));
  });
}

describe('port checks', () => {
  it('reports a busy port with the process that holds it', async () => {
    const port = await listen();
    const check = await probePort('127.0.0.1', port);
    expect(check.free).toBe(false);
    if (check.free) return;
    expect(check.reason).toBe('EADDRINUSE');
    // This test process holds it, and /proc lets us see our own sockets.
    expect(check.holder?.pid).toBe(process.pid);
    expect(check.holder?.command).toContain('node');
    expect(describeBusyPort(check)).toBe(`port ${port} is in use by pid ${process.pid} (${check.holder!.command})`);
  });

  it('finds a listener on all interfaces too', async () => {
    const port = await listen('0.0.0.0');
    const [busy] = await busyPorts('127.0.0.1', [port]);
    expect(busy?.port).toBe(port);
    expect(busy?.holder?.pid).toBe(process.pid);
  });

  it('says a free port is free, and lets go of it', async () => {
    const port = await listen();
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    expect(await probePort('127.0.0.1', port)).toEqual({ port, free: true });
    // Probing did not keep it: it can be bound again at once.
    expect(await probePort('127.0.0.1', port)).toEqual({ port, free: true });
    expect(await busyPorts('127.0.0.1', [port])).toEqual([]);
  });

  it('reads LISTEN sockets of one port from a /proc/net/tcp table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-ports-'));
    try {
      const table = join(dir, 'tcp');
      writeFileSync(
        table,
        [
          '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
          '   0: 0100007F:1E65 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0',
          '   1: 0100007F:1E65 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5151 1 0000000000000000 20 4 30 10 -1',
          '   2: 00000000:1E66 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6262 1 0000000000000000 100 0 0 10 0',
        ].join('\n'),
      );
      expect(listeningInodes(table, 7781)).toEqual(['4242']);
      expect(listeningInodes(table, 7782)).toEqual(['6262']);
      expect(listeningInodes(table, 7783)).toEqual([]);
      expect(listeningInodes(join(dir, 'missing'), 7781)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where fleet init puts a cluster', () => {
  it('moves off default ports that are taken, saying which it took and who held the first', async () => {
    // Both ranges tried must be free but for the port held here. Next to a port from the kernel's
    // ephemeral range, another test's connection could hold one of them (seen under load: the
    // cluster went one range further); freePorts picks below that range.
    const firstTried = await freePorts(13);
    const held = await listen('127.0.0.1', firstTried + 1);
    const root = mkdtempSync(join(tmpdir(), 'fleet-place-'));
    try {
      const opts = { name: 'p', nodes: 3, basePort: undefined, heartbeat: '100ms', electionTimeout: '500ms', root, contexts: undefined as never };
      const { manifest, portsMoved } = await placeCluster(opts, clusterPaths(root, 'p'), firstTried);
      expect(manifest.members.map((m) => m.port)).toEqual([held + 9, held + 10, held + 11]);
      expect(manifest.basePort).toBe(held + 9);
      expect(portsMoved).toBe(`the default ports were taken (port ${held} is in use by pid ${process.pid} (${(await probePort('127.0.0.1', held) as { holder: { command: string } }).holder.command})); using ${held + 9}-${held + 11}`);
      // Ports the operator named are never moved: a taken one is refused.
      await expect(placeCluster({ ...opts, basePort: held - 1 }, clusterPaths(root, 'p'))).rejects.toThrow(`port ${held} is in use by pid ${process.pid}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
