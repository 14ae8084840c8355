/**
 * etcd's v3 API on members that run mutual TLS (issue 36): etcdctl with the operator's
 * certificate writes through a follower, which forwards to the leader over TLS with its member
 * certificate (the name checked is the leader's id), and relays a lease keep-alive the same way;
 * endpoint status at an https URL, whose :authority Node's HTTP/2 would refuse unrewritten.
 * Every process is started here and stopped by pid in afterAll.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';

const etcd = requireEtcd();
let fleet: TestCluster | undefined;

function etcdctl(endpoint: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  const tls = fleet!.tls!;
  return runEtcdctl(etcd.etcdctl, [`--endpoints=${endpoint}`, `--cacert=${tls.ca}`, `--cert=${tls.operator.cert}`, `--key=${tls.operator.key}`, '--dial-timeout=2s', '--command-timeout=5s', ...args]);
}

describe('etcdctl against fleet members with mutual TLS', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 3, peerAuth: 'mtls' });
  }, 120_000);

  afterAll(async () => {
    await fleet?.destroy();
  });

  it('writes, reads and keeps a lease alive through a follower, which forwards to the leader over TLS', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!;
    const ep = `https://127.0.0.1:${follower.port}`;
    const put = await etcdctl(ep, ['put', 'secure', 'yes']);
    expect(put.out.trim(), put.out).toBe('OK');
    expect((await etcdctl(ep, ['get', 'secure'])).out.trim()).toBe('secure\nyes');
    const grant = await etcdctl(ep, ['lease', 'grant', '30']);
    const id = /lease ([0-9a-f]+) granted/.exec(grant.out)?.[1];
    expect(id, grant.out).toBeDefined();
    expect((await etcdctl(ep, ['lease', 'keep-alive', '--once', id!])).out).toMatch(/keepalived with TTL\(30\)/);
    // Without a certificate the member refuses the connection.
    const bare = await new Promise<{ code: number }>((resolve) => {
      const child = spawn(etcd.etcdctl, [`--endpoints=${ep}`, `--cacert=${fleet!.tls!.ca}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'secure'], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'ignore' });
      child.on('exit', (code) => resolve({ code: code ?? 1 }));
    });
    expect(bare.code).not.toBe(0);
  }, 60_000);

  it('answers endpoint status at an https URL and with --cluster (calls whose :authority is the URL itself)', async () => {
    const member = fleet!.members[0]!;
    const one = await etcdctl(`https://127.0.0.1:${member.port}`, ['endpoint', 'status', '-w', 'json']);
    expect(one.code, one.out).toBe(0);
    const all = await etcdctl(`https://127.0.0.1:${member.port}`, ['endpoint', 'status', '--cluster', '-w', 'json']);
    expect(all.code, all.out).toBe(0);
    const endpoints = (JSON.parse(all.out.slice(all.out.indexOf('['))) as { Endpoint: string }[]).map((s) => s.Endpoint).sort();
    expect(endpoints).toEqual(fleet!.members.map((m) => `https://127.0.0.1:${m.port}`).sort());
  }, 60_000);
});
