/** Lease refusals as operators read them: clock times, the flag at fault, a wrong fencing token named as such. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { runCli } from './processes.js';

let cluster: TestCluster;
const sandbox = cliSandbox();
const target = (): string[] => ['--endpoints', cluster.endpoints.join(',')];

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1 });
}, 60_000);

afterAll(async () => {
  await cluster?.destroy();
  sandbox.cleanup();
});

describe('lease errors', () => {
  it('a lease held by another says until when, as a clock time (exit 4)', async () => {
    const first = await runCli(['leases', 'acquire', 'L', '--holder', 'me', '--ttl', '60s', ...target()], sandbox.env);
    expect(first.code, first.stderr).toBe(0);
    const r = await runCli(['leases', 'acquire', 'L', '--holder', 'other', '--ttl', '60s', ...target()], sandbox.env);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr.trim()).toMatch(/^error: lease "L" is held by "me" until \d\d:\d\d:\d\d \(in \d+ s\), unless renewed or released$/);
  });

  it('a wrong fencing token is named as such (exit 4)', async () => {
    const r = await runCli(['leases', 'release', 'L', '--holder', 'me', '--fencing-token', '999', ...target()], sandbox.env);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/fencing token 999 is not lease "L"'s/);
  });

  it('--ttl 30 is 30 seconds, as etcdctl lease grant 30; --ttl 5ms is a usage error (exit 2)', async () => {
    const r = await runCli(['leases', 'acquire', 'bare', '--holder', 'me', '--ttl', '30', '--json', ...target()], sandbox.env);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { lease: { ttlMs: number } }).lease.ttlMs).toBe(30_000);
    const short = await runCli(['leases', 'acquire', 'short', '--holder', 'me', '--ttl', '5ms', ...target()], sandbox.env);
    expect(short.code, short.stderr).toBe(2);
    expect(short.stderr).toMatch(/--ttl.*at least 1s/s);
  });

  it('--ttl 0s is a usage error naming the flag, and no internal name leaks (exit 2)', async () => {
    const r = await runCli(['leases', 'acquire', 'L2', '--holder', 'me', '--ttl', '0s', ...target()], sandbox.env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--ttl/);
    expect(r.stderr).not.toMatch(/lease_acquire|ttlMs/);
  });
});
