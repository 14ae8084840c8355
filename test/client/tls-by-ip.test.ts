/**
 * Members are reached by IP address (`127.0.0.1:7781`), and RFC 6066 allows no IP address as a
 * TLS server name: Node warns (DEP0123) when one is set. The clients send none for an IP, and
 * still check the member's certificate against the IP.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../e2e/processes.js';
import { tempDir } from '../temp-dirs.js';

const CHILD = fileURLToPath(new URL('./fixtures/tls-by-ip.ts', import.meta.url));

async function connectByIp(host: string): Promise<{ said: { fleet: string; etcd: string }; stderr: string }> {
  const r = await runProgram(process.execPath, ['--import', 'tsx', CHILD, tempDir('fleet-tls-ip-').path, host], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  return { said: JSON.parse(r.stdout.trim().split('\n').pop()!) as { fleet: string; etcd: string }, stderr: r.stderr };
}

describe('a TLS connection to a member by IP address', () => {
  it('sets no IP as the server name (no DEP0123), and the handshake verifies', async () => {
    const { said, stderr } = await connectByIp('127.0.0.1');
    expect(stderr).not.toMatch(/DEP0123|ServerName to an IP/);
    // The server has no services: UNIMPLEMENTED means the handshake completed and the certificate was accepted.
    expect(said.fleet).toMatch(/does not implement the method|unimplemented/i);
    expect(said.etcd).toMatch(/does not implement the method|unimplemented/i);
  });

  it('still refuses a certificate that does not name that IP', async () => {
    const { said, stderr } = await connectByIp('127.0.0.2');
    expect(stderr).not.toMatch(/DEP0123/);
    expect(said.fleet).not.toMatch(/does not implement the method|unimplemented/i);
    expect(said.etcd).not.toMatch(/does not implement the method|unimplemented/i);
    expect(said.fleet).toMatch(/certificate does not name 127\.0\.0\.2/);
    expect(said.etcd).toMatch(/IP: 127\.0\.0\.2 is not in the cert's list/);
  });
});
