/**
 * Issue 42: 20,000 connections took a member to its file-descriptor limit. A real member (its
 * default bounds, DEFAULT_BOUNDS in src/core/server/bounds.ts) holds at most 1,024 connections
 * from one address: the next is closed as it arrives, and once some close a client is served.
 */
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS } from '../../src/core/server/bounds.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const dir = tempDir('fleet-connection-bounds-');
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  dir.cleanup();
});

function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  sockets.push(socket);
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

describe('a member under a connection flood from one address', () => {
  it('closes the connection beyond its per-address bound at once and keeps serving once the flood ends', async () => {
    const data = join(dir.path, 'n1');
    mkdirSync(data);
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const { child, output } = spawnCli(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`, '--heartbeat', '50ms', '--election-timeout', '300ms']);
    try {
      await waitFor('the member to start', () => /member started/.test(output()) || undefined);
      const held: Socket[] = [];
      for (let i = 0; i < DEFAULT_BOUNDS.maxConnectionsPerAddress; i++) held.push(await open(port));
      const extra = await open(port);
      await waitFor('the extra connection to be closed by the member', () => extra.destroyed || extra.closed || undefined, 5_000);
      expect(held.filter((s) => s.closed).length).toBe(0);
      await waitFor('a log line counting the refusal', () => /connection\(s\) refused over the per-address connection limit/.test(output()) || undefined, 5_000);
      for (const s of held) s.destroy();
      const r = await runCli(['kv', 'put', 'after', 'flood', '--endpoints', address]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await stopChild(child);
    }
  }, 90_000);
});
