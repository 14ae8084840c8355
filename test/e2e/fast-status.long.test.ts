/**
 * `fleet status` has two entry points: bin/run.js's fast path (no oclif) and the oclif command.
 * Whichever runs, the operator must see the same thing: the same JSON, the same table, the same
 * error lines and exit codes — over plaintext and over TLS.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { freePort, runCli, tempDir } from './processes.js';

const sandbox = cliSandbox();
const OCLIF = { ...sandbox.env, FLEET_NO_FAST_PATH: '1' };
const TOKEN = 'fast-status-token';
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start({ token: TOKEN });
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

/**
 * Fields that change from one call to the next. Runs of spaces count as one: a table's columns are
 * as wide as their widest value, so a contact age of 100ms in one run and 99ms in the other shifts
 * the columns (a CI run failed on that alone: 'LAG   CONTACT' against 'LAG    CONTACT').
 */
function stable(text: string): string {
  return text
    .replace(/"(lastContactMs|rttMs|uptimeMs)": [-\d.]+/g, '"$1": 0')
    .replace(/\d+ms ago|\d+(\.\d+)?s ago/g, 'ago')
    .replace(/ {2,}/g, ' ');
}

type Run = Awaited<ReturnType<typeof runCli>>;

async function both(args: string[]): Promise<[Run, Run]> {
  return [await runCli(args, sandbox.env), await runCli(args, OCLIF)];
}

/**
 * Both paths, until their (stable) stdout agrees: the cluster is live, and on a loaded machine a
 * member's health can change between the two runs. A few tries, never a sleep.
 */
async function agreeing(args: string[]): Promise<[Run, Run]> {
  let last: [Run, Run] | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    last = await both(args);
    if (stable(last[0].stdout) === stable(last[1].stdout)) return last;
  }
  return last!;
}

describe('fleet status: fast path and oclif agree', () => {
  it('prints the same JSON and the same table', async () => {
    const target = ['--endpoints', cluster.endpoints.join(','), '--token', TOKEN];
    const [fast, oclif] = await agreeing(['status', ...target, '--json']);
    expect(fast.code, fast.stderr).toBe(0);
    expect(oclif.code, oclif.stderr).toBe(0);
    expect(JSON.parse(fast.stdout)).toMatchObject({ leader: expect.stringMatching(/^n\d$/), quorum: { available: true, voters: 3 } });
    expect(stable(fast.stdout)).toBe(stable(oclif.stdout));

    const [fastTable, oclifTable] = await agreeing(['status', ...target]);
    expect(fastTable.code).toBe(0);
    expect(stable(fastTable.stdout)).toBe(stable(oclifTable.stdout));
    expect(fastTable.stdout).toMatch(/can lose 1 of 3/);
  });

  it('reads the current context, its token file included', async () => {
    const tokenFile = join(sandbox.dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const add = await runCli(['context', 'add', 'fast-e2e', '--endpoints', cluster.endpoints.join(','), '--token-file', tokenFile, '--use'], sandbox.env);
    expect(add.code, add.stderr).toBe(0);
    // Twice: the first read parses the YAML, the second may use the parse cache.
    for (let i = 0; i < 2; i++) {
      const [fast, oclif] = await agreeing(['status', '--json']);
      expect(fast.code, fast.stderr).toBe(0);
      expect(stable(fast.stdout)).toBe(stable(oclif.stdout));
    }
  });

  it('fails the same way: unreachable (exit 3), wrong token, bad flags (exit 2), help', async () => {
    const port = await freePort();
    const [fast, oclif] = await both(['status', '--endpoints', `127.0.0.1:${port}`, '--timeout', '2s']);
    expect(fast.code).toBe(3);
    expect(oclif.code).toBe(3);
    expect(fast.stderr).toBe(oclif.stderr);
    expect(stable(fast.stdout)).toBe(stable(oclif.stdout));
    expect(fast.stdout).toMatch(/unreachable: connection refused/);

    const [fastToken, oclifToken] = await both(['status', '--endpoints', cluster.endpoints[0]!, '--token', 'wrong', '--json']);
    expect(fastToken.code).toBe(oclifToken.code);
    expect(stable(fastToken.stdout)).toBe(stable(oclifToken.stdout));
    expect(fastToken.stdout).toMatch(/unauthenticated|UNAUTHENTICATED|token/i);

    const bad = await runCli(['status', '--no-such-flag'], sandbox.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/see fleet status --help/);
    const badTimeout = await runCli(['status', '--timeout', 'soon'], sandbox.env);
    expect(badTimeout.code).toBe(2);

    const help = await runCli(['status', '--help'], sandbox.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/USAGE/);
  });
});

describe('fleet status over TLS', () => {
  const certs = tempDir('fleet-tls-');
  let tls: TestCluster | undefined;
  afterAll(async () => {
    await tls?.destroy();
    certs.cleanup();
  });

  it('verifies the member with --cacert, on both paths', async () => {
    const file = (name: string) => join(certs.path, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=fleet-test-ca', '-keyout', file('ca.key'), '-out', file('ca.pem'));
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('member.key'), '-out', file('member.csr'));
    writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', file('member.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.ext'), '-out', file('member.pem'));
    // Server TLS only: with --tls-ca the member would require a client certificate too (mutual TLS).
    tls = await TestCluster.start({ size: 1, clientTls: { cacert: file('ca.pem') }, extraArgs: ['--tls-cert', file('member.pem'), '--tls-key', file('member.key')] });

    const args = ['status', '--endpoints', tls.endpoints[0]!, '--cacert', file('ca.pem'), '--json'];
    const [fast, oclif] = await agreeing(args);
    // One member survives no failure: degraded (7), though it answers and leads.
    expect(fast.code, fast.stdout + fast.stderr).toBe(7);
    expect(JSON.parse(fast.stdout)).toMatchObject({ leader: 'n1', quorum: { available: true } });
    expect(stable(fast.stdout)).toBe(stable(oclif.stdout));

    // Without the CA the member's certificate cannot be verified: a TLS error (exit 1), not an
    // unreachable cluster (3), on both paths.
    const [fastPlain, oclifPlain] = await both(['status', '--endpoints', tls.endpoints[0]!, '--timeout', '2s', '--json']);
    expect(fastPlain.code, fastPlain.stdout + fastPlain.stderr).toBe(1);
    expect(oclifPlain.code, oclifPlain.stdout + oclifPlain.stderr).toBe(1);
  }, 60_000);
});
