/**
 * etcd's auth on fleet members that check tokens (issue 36): etcd clients log in with a user name
 * and a fleet token as the password (`etcdctl --user NAME --password TOKEN`, the `etcd3` package's
 * `auth` option) or send a fleet token as etcd's `token` metadata; the token's role decides what
 * they may do; without credentials, a wrong password, an unknown token or too low a role, the
 * answer is etcd's own error and nothing is written. Processes are started here and stopped by
 * pid in afterAll.
 */
import { Metadata, credentials, type Client } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { runEtcdctl } from './etcdctl.js';

const etcd = requireEtcd();
const WRITER = 'writer-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const READER = 'read-token-0123456789abcdef';
let fleet: TestCluster | undefined;
let follower = '';

function etcdctl(...args: string[]): Promise<{ code: number; out: string }> {
  return runEtcdctl(etcd.etcdctl, [`--endpoints=${follower}`, '--dial-timeout=2s', '--command-timeout=5s', ...args]);
}

/** A Range of `key` with `md` as the call's metadata: the error's code and message, or the count. */
function rawRange(md: Metadata, key: string): Promise<{ code?: number; details?: string; count?: string }> {
  const KV = loadEtcdDefinitions().KV;
  const client = new KV(follower, credentials.createInsecure()) as Client & Record<string, (req: object, md: Metadata, cb: (e: { code: number; details: string } | null, res?: { count: string }) => void) => void>;
  return new Promise((resolve) => {
    client.Range!({ key: Buffer.from(key) }, md, (e, res) => {
      client.close();
      resolve(e ? { code: e.code, details: e.details } : { count: res!.count });
    });
  });
}

describe('etcd auth with fleet tokens', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 3, token: WRITER, adminToken: ADMIN, readToken: READER });
    const leader = await fleet.waitForLeader();
    follower = `127.0.0.1:${fleet.members.find((m) => m.id !== leader)!.port}`;
  }, 120_000);

  afterAll(async () => {
    await fleet?.destroy();
  });

  it('refuses a call without credentials and a wrong password with etcd’s errors, and writes nothing', async () => {
    const bare = await etcdctl('put', 'k', 'v');
    expect(bare.code).not.toBe(0);
    expect(bare.out).toMatch(/etcdserver: user name is empty/);
    const wrong = await etcdctl('--user', 'ops', '--password', 'not-a-token', 'put', 'k', 'v');
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/etcdserver: authentication failed, invalid user ID or password/);
    const check = await etcdctl('--user', 'ops', '--password', READER, 'get', 'k', '-w', 'json');
    expect(check.code, check.out).toBe(0);
    expect(JSON.parse(check.out).kvs).toBeUndefined();
  }, 60_000);

  it('logs etcdctl in with a fleet token as the password; the token’s role decides, through a follower', async () => {
    const put = await etcdctl('--user', 'ops', '--password', WRITER, 'put', 'greeting', 'hello');
    expect(put.out.trim(), put.out).toBe('OK');
    expect((await etcdctl('--user', 'ops', '--password', READER, 'get', 'greeting', '--print-value-only')).out.trim()).toBe('hello');
    const readPut = await etcdctl('--user', 'viewer', '--password', READER, 'put', 'greeting', 'bye');
    expect(readPut.code).not.toBe(0);
    expect(readPut.out).toMatch(/etcdserver: permission denied/);
    // Compaction needs the admin token.
    const compact = await etcdctl('--user', 'ops', '--password', WRITER, 'compaction', '1');
    expect(compact.out).toMatch(/etcdserver: permission denied/);
    expect((await etcdctl('--user', 'root', '--password', ADMIN, 'compaction', '1')).out).toMatch(/compacted revision 1/);
    expect((await etcdctl('--user', 'ops', '--password', READER, 'get', 'greeting', '--print-value-only')).out.trim()).toBe('hello');
  }, 60_000);

  it('serves endpoint status and health with --cluster; MemberList, Status and listing alarms ask no credentials, as etcd’s', async () => {
    const status = await etcdctl('--user', 'ops', '--password', READER, 'endpoint', 'status', '--cluster', '-w', 'json');
    expect(status.code, status.out).toBe(0);
    expect((JSON.parse(status.out) as unknown[]).length).toBe(3);
    const health = await etcdctl('--user', 'ops', '--password', READER, 'endpoint', 'health', '--cluster');
    expect(health.out.match(/is healthy/g)?.length, health.out).toBe(3);
    // As etcd 3.4 with auth enabled: the member list, a member's status and its alarms without
    // credentials; HashKV (and every other call) needs them.
    expect((await etcdctl('member', 'list')).code).toBe(0);
    const anonymous = await etcdctl('endpoint', 'status', '-w', 'json');
    expect(anonymous.code, anonymous.out).toBe(0);
    expect(JSON.parse(anonymous.out)[0].Status.version).toMatch(/^3\.4\./);
    const alarms = await etcdctl('alarm', 'list');
    expect(alarms.code, alarms.out).toBe(0);
    // Raising one is not open (etcdctl has no command for it: the JSON gateway's path).
    const raise = await fetch(`http://${follower}/v3/maintenance/alarm`, { method: 'POST', body: JSON.stringify({ action: 'ACTIVATE', alarm: 'NOSPACE' }) });
    expect(raise.status).not.toBe(200);
    expect(await raise.text()).toMatch(/user name is empty/);
    expect((await etcdctl('endpoint', 'hashkv')).out).toMatch(/etcdserver: user name is empty/);
  }, 60_000);

  it('accepts a fleet token sent as etcd’s token metadata, and refuses an unknown one as an invalid auth token', async () => {
    const md = new Metadata();
    md.set('token', READER);
    expect(await rawRange(md, 'greeting')).toEqual({ count: '1' });
    const unknown = new Metadata();
    unknown.set('token', 'forged');
    expect(await rawRange(unknown, 'greeting')).toEqual({ code: 16, details: 'etcdserver: invalid auth token' });
    expect(await rawRange(new Metadata(), 'greeting')).toEqual({ code: 3, details: 'etcdserver: user name is empty' });
  }, 30_000);

  it('asks the Lock and Election services for the roles their writes need', async () => {
    const d = loadEtcdDefinitions();
    const lock = new d.Lock(follower, credentials.createInsecure()) as Client & Record<string, (req: object, md: Metadata, cb: (e: { code: number; details: string } | null, res?: { key: Buffer }) => void) => void>;
    const asking = (token: string, name: string) =>
      new Promise<{ code?: number; details?: string; key?: string }>((resolve) => {
        const md = new Metadata();
        md.set('token', token);
        lock.Lock!({ name: Buffer.from(name), lease: '0' }, md, (e, res) => resolve(e ? { code: e.code, details: e.details } : { key: res!.key.toString() }));
      });
    try {
      expect(await asking(READER, 'jobs')).toEqual({ code: 7, details: 'etcdserver: permission denied' });
      expect((await asking(WRITER, 'jobs')).key).toMatch(/^jobs\/[0-9a-f]+$/);
    } finally {
      lock.close();
    }
  }, 30_000);

  it('serves the etcd3 package’s auth option', async () => {
    const client = new Etcd3({ hosts: [`http://${follower}`], auth: { username: 'app', password: WRITER } });
    try {
      await client.put('from-etcd3').value('yes');
      expect(await client.get('from-etcd3').string()).toBe('yes');
    } finally {
      client.close();
    }
    const wrong = new Etcd3({ hosts: [`http://${follower}`], auth: { username: 'app', password: 'nope' } });
    try {
      await expect(wrong.get('from-etcd3').string()).rejects.toThrow(/authentication failed/);
    } finally {
      wrong.close();
    }
  }, 30_000);
});
