/**
 * etcd's v3 API on members that run mutual TLS (issue 36): etcdctl with the operator's
 * certificate writes through a follower, which forwards to the leader over TLS with its member
 * certificate (the name checked is the leader's id), and relays a lease keep-alive the same way;
 * endpoint status at an https URL, whose :authority Node's HTTP/2 would refuse unrewritten.
 * Every process is started here and stopped by pid in afterAll.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { waitFor } from './processes.js';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { postOverHttp2 } from './http2-post.js';
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

  it('serves the JSON gateway over TLS, as HTTP/1.1 (what Python clients ask for) and as h2 (curl), to a client certificate only', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!;
    const tls = fleet!.tls!;
    const creds = { ca: readFileSync(tls.ca), cert: readFileSync(tls.operator.cert), key: readFileSync(tls.operator.key) };
    const body = JSON.stringify({ key: Buffer.from('secure').toString('base64') });
    const overHttp1 = (withCert: boolean) =>
      new Promise<{ status: number; alpn: string; text: string }>((resolve, reject) => {
        // HTTP/1.1 alone in the handshake, as Python's urllib3 offers it (https passes it to tls.connect).
        const options: https.RequestOptions & { ALPNProtocols: string[] } = { host: '127.0.0.1', port: follower.port, method: 'POST', path: '/v3/kv/range', ALPNProtocols: ['http/1.1'], agent: false, ...(withCert ? creds : { ca: creds.ca }) };
        const req = https.request(options, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, alpn: String((res.socket as import('node:tls').TLSSocket).alpnProtocol), text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const one = await overHttp1(true);
    expect([one.status, one.alpn]).toEqual([200, 'http/1.1']);
    expect(JSON.parse(one.text)).toMatchObject({ kvs: [{ value: Buffer.from('yes').toString('base64') }], count: '1' });
    await expect(overHttp1(false), 'no client certificate, no answer').rejects.toThrow();
    const session = http2.connect(`https://127.0.0.1:${follower.port}`, { ...creds, servername: 'localhost' });
    try {
      const answer = await postOverHttp2(session, '/v3/kv/range', body);
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ count: '1' });
    } finally {
      session.close();
    }
  }, 30_000);

  it('closes a connection whose TLS handshake does not end within the handshake window (Node waits 120 s)', async () => {
    const port = fleet!.members[0]!.port;
    const closed: boolean[] = [];
    const sockets = [Buffer.alloc(0), Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])].map((sent, i) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(sent));
      closed[i] = false;
      socket.on('close', () => (closed[i] = true));
      socket.on('error', () => undefined);
      return socket;
    });
    try {
      // The 10 s window, with room for a loaded machine; Node's own limit would take 120 s.
      await waitFor('both sockets closed by the member', () => (closed.every(Boolean) ? true : undefined), 30_000);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 40_000);
});
