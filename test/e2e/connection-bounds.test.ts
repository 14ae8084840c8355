/**
 * Issue 42: 20,000 connections took a member to its file-descriptor limit. A real member (its
 * default bounds, DEFAULT_BOUNDS in src/core/server/guard/bounds.ts) holds at most 1,024 connections
 * from one address: the next is closed as it arrives, and once some close a client is served.
 * Issue 56: 12,300 idle sockets from five loopback addresses took every slot of a member; now a
 * newcomer at the member's bound pushes out the oldest socket that never sent a request, and
 * such sockets are closed after the handshake window anyway.
 */
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BOUNDS } from '../../src/core/server/guard/bounds.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const dir = tempDir('fleet-connection-bounds-');
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.destroy();
  dir.cleanup();
});

function open(port: number, from = '127.0.0.1'): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  socket.on('error', () => {});
  sockets.push(socket);
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

/** One member alone, in its own data dir, started and listening. */
async function startMember(dirName: string) {
  const data = join(dir.path, dirName);
  mkdirSync(data);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const { child, output } = spawnCli(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`, '--heartbeat', '50ms', '--election-timeout', '300ms']);
  try {
    await waitFor('the member to start', () => /member started/.test(output()) || undefined);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { child, output, port, address };
}

describe('a member under a connection flood from one address', () => {
  it('closes the connection beyond its per-address bound at once and keeps serving once the flood ends', async () => {
    const { child, output, port, address } = await startMember('n1');
    try {
      const held: Socket[] = [];
      for (let i = 0; i < DEFAULT_BOUNDS.maxConnectionsPerAddress; i++) held.push(await open(port));
      const extra = await open(port);
      await waitFor('the extra connection to be closed by the member', () => extra.destroyed || extra.closed || undefined, 5_000);
      await waitFor('a log line saying why', () => /a connection from 127\.0\.0\.1 was closed: its address held its connection limit/.test(output()) || undefined, 5_000);
      for (const s of held) s.destroy();
      const r = await runCli(['kv', 'put', 'after', 'flood', '--endpoints', address]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await stopChild(child);
    }
  }, 90_000);

  it('lets a client in past a member-wide flood of idle sockets from five addresses, and closes them after the window', async () => {
    const { child, output, port, address } = await startMember('n2');
    try {
      const flood: Socket[] = [];
      // The member's bound (4,096) from five addresses, each under its own bound (1,024).
      for (let a = 2; a <= 6; a++) for (let i = 0; i < 820; i++) flood.push(await open(port, `127.0.0.${a}`));
      const r = await runCli(['kv', 'put', 'past', 'flood', '--endpoints', address]);
      expect(r.code, r.stderr).toBe(0);
      await waitFor('a log line saying a socket made room', () => /was closed: it had sent no request when the member, at its limit, made room/.test(output()) || undefined, 5_000);
      // No request within the handshake window (10 s): every flood socket is closed.
      await waitFor('the flood closed by the member', () => flood.every((s) => s.closed || s.destroyed) || undefined, 30_000);
    } finally {
      await stopChild(child);
    }
  }, 120_000);
});
