/**
 * A member that refuses the client's credentials is running: each refusal (a rejected token, a
 * TLS handshake that fails for a wrong CA, a missing or foreign client certificate, a name the
 * certificate does not carry, plaintext against TLS and the reverse) gets its own one-line
 * message and exit 1, never "is the cluster running?" with exit 3.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { createAuthority, createMemberCert, createOperatorCert, type CertFiles } from '../../src/ops/local-cluster/certs.js';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const TOKEN = 'e2e-client-token';

let plain: TestCluster;
let mtls: TestCluster;
let foreign: { ca: string; operator: CertFiles };
let renamed: { address: string; ca: string; operator: CertFiles; stop: () => Promise<void> };
const dir = tempDir('fleet-credential-errors-');
const sandbox = cliSandbox();

beforeAll(async () => {
  // Each is kept as soon as it starts, so that afterAll stops it even when the other failed to start.
  await Promise.all([TestCluster.start({ size: 1, token: TOKEN }).then((c) => (plain = c)), TestCluster.start({ size: 1, token: TOKEN, peerAuth: 'mtls' }).then((c) => (mtls = c))]);
  mkdirSync(join(dir.path, 'other'));
  const other = await createAuthority(join(dir.path, 'other'), 'other');
  foreign = { ca: other.files.cert, operator: await createOperatorCert(other, join(dir.path, 'other')) };
  renamed = await startOn127002();
}, 90_000);

afterAll(async () => {
  await renamed?.stop();
  await Promise.all([plain?.destroy(), mtls?.destroy()]);
  dir.cleanup();
  sandbox.cleanup();
});

/**
 * A TLS member listening on 127.0.0.2 (loopback too) with a certificate for 127.0.0.1: reached
 * at the address it listens on, its certificate does not name it.
 */
async function startOn127002(): Promise<typeof renamed> {
  const certs = join(dir.path, 'renamed');
  mkdirSync(certs, { recursive: true });
  const ca = await createAuthority(certs, 'renamed');
  const member = await createMemberCert(ca, certs, 'n1', '127.0.0.1');
  const address = `127.0.0.2:${await freePort()}`;
  const dataDir = join(dir.path, 'renamed-data');
  mkdirSync(dataDir);
  const { child, output } = spawnCli(
    ['node', 'start', '--id', 'n1', '--data-dir', dataDir, '--listen', address, '--peers', `n1=${address}`, '--tls-cert', member.cert, '--tls-key', member.key, '--tls-ca', ca.files.cert],
    MEMBER_ENV,
    MEMBER_NODE_OPTIONS,
  );
  await waitFor(`the member on ${address} to start\n${output()}`, () => /member started/.test(output()), 30_000);
  return { address, ca: ca.files.cert, operator: await createOperatorCert(ca, certs), stop: () => stopChild(child, 'SIGKILL') };
}

function endpoint(c: TestCluster): string {
  return c.endpoints[0]!;
}

/** Runs `args` against a cluster; expects exit 1 and one line on stderr matching `pattern`. */
async function refused(args: string[], pattern: RegExp): Promise<void> {
  const r = await runCli(args, sandbox.env);
  const lines = r.stderr.trim().split('\n');
  expect(r.code, `fleet ${args.join(' ')}\n${r.stderr}`).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/is the cluster running/);
}

describe('credentials refused by a running member', () => {
  it('a rejected token, for a read and for status', async () => {
    for (const cmd of [['kv', 'get', 'x'], ['status']]) await refused([...cmd, '--endpoints', endpoint(plain), '--token', 'wrong'], /the token was not accepted: check --token/);
  });

  it('plaintext against a TLS member, and TLS against a plaintext one', async () => {
    for (const cmd of [['kv', 'get', 'x'], ['status']]) {
      await refused([...cmd, '--endpoints', endpoint(mtls), '--token', TOKEN], /speaks only TLS, and this connection was plaintext: pass --cacert/);
      const tls = ['--cacert', mtls.tls!.ca, '--cert', mtls.tls!.operator.cert, '--key', mtls.tls!.operator.key];
      await refused([...cmd, '--endpoints', endpoint(plain), '--token', TOKEN, ...tls], /TLS handshake failed: the member does not speak TLS/);
    }
  });

  it('a wrong CA, a missing client certificate, a foreign one', async () => {
    const ep = ['--endpoints', endpoint(mtls), '--token', TOKEN];
    const op = mtls.tls!.operator;
    await refused(['kv', 'get', 'x', ...ep, '--cacert', foreign.ca, '--cert', op.cert, '--key', op.key], /TLS handshake failed: the member's certificate is not signed by --cacert .*other\/ca/);
    await refused(['status', ...ep, '--cacert', mtls.tls!.ca], /TLS handshake failed: the member requires a client certificate \(mutual TLS\): pass --cert and --key/);
    await refused(['kv', 'get', 'x', ...ep, '--cacert', mtls.tls!.ca, '--cert', foreign.operator.cert, '--key', foreign.operator.key], /TLS handshake failed: the member refused the client certificate/);
  });

  it('a certificate that does not name the address', async () => {
    const { address, ca, operator: op } = renamed;
    for (const cmd of [['kv', 'get', 'x'], ['status']]) {
      await refused([...cmd, '--endpoints', address, '--cacert', ca, '--cert', op.cert, '--key', op.key], /TLS handshake failed: the member's certificate does not name 127\.0\.0\.2/);
    }
  });

  it('the right credentials still work (the checks above are not refusing everything)', async () => {
    const tls = ['--cacert', mtls.tls!.ca, '--cert', mtls.tls!.operator.cert, '--key', mtls.tls!.operator.key];
    const r = await runCli(['kv', 'put', 'k', 'v', '--endpoints', endpoint(mtls), '--token', TOKEN, ...tls], sandbox.env);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('--endpoints with --context', () => {
  it("keeps the context's credentials for the endpoints given", async () => {
    const tokenFile = plain.secretFile('context-token', TOKEN);
    const add = await runCli(['context', 'add', 'tokened', '--endpoints', '127.0.0.1:1', '--token-file', tokenFile], sandbox.env);
    expect(add.code, add.stderr).toBe(0);
    const r = await runCli(['kv', 'put', 'via-context', 'v', '--context', 'tokened', '--endpoints', endpoint(plain)], sandbox.env);
    expect(r.code, r.stderr).toBe(0);
    // Other credentials given on the command line still win.
    await refused(['kv', 'get', 'via-context', '--context', 'tokened', '--endpoints', endpoint(plain), '--token', 'wrong'], /the token was not accepted/);
  });

  it('an unknown context is a usage error (exit 2)', async () => {
    const r = await runCli(['kv', 'get', 'x', '--context', 'no-such-context'], sandbox.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: no context named "no-such-context"/);
  });
});
