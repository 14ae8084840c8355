/**
 * etcd's HTTP/JSON gateway on a member's client port (issue 58), held to etcd 3.4's own: the same
 * requests go to a real etcd and to a fleet cluster (to a follower, so forwarding is on the path),
 * and their answers must match once the parts that name a cluster (header, lease ids, version)
 * are set aside. Before the gateway, fleet answered HTTP/1.1 with raw HTTP/2 frames, and Patroni
 * looped on "waiting on etcd".
 */
import http from 'node:http';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster } from '../../bench/etcd/cluster.js';
import { requireEtcd } from '../../bench/etcd/cluster.js';
import { TestCluster } from './cluster.js';
import { postOverHttp2 } from './http2-post.js';
import { waitFor } from './processes.js';

requireEtcd();
let etcd: EtcdCluster;
let fleet: TestCluster;
/** A follower of the fleet cluster: every write it takes is forwarded. */
let follower: string;

beforeAll(async () => {
  [etcd, fleet] = await Promise.all([EtcdCluster.start(1), TestCluster.start()]);
  const leader = await fleet.waitForLeader();
  follower = fleet.endpoints.find((e) => !e.endsWith(`:${fleet.member(leader).port}`))!;
}, 90_000);
afterAll(async () => {
  await etcd?.stop();
  await fleet?.destroy();
});

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly text: string;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** One HTTP/1.1 request; `body` is sent as it is. */
function request(endpoint: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const [host, port] = endpoint.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What must match etcd: the status, and the body with what names a cluster or a moment set aside. */
function comparable(a: Answer): unknown {
  if (!a.type.startsWith('application/json')) return { status: a.status, text: a.text };
  return { status: a.status, body: a.text.trim().split('\n').map((line) => scrub(JSON.parse(line))) };
}

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
      if (k === 'header' || k === 'cluster_id' || k === 'member_id') return [[k, '…']];
      if (k === 'ID' || k === 'lease' || k === 'TTL' || k === 'grantedTTL') return [[k, typeof v]];
      return [[k, scrub(v)]];
    }),
  );
}

/** The same request on etcd and on fleet; answers as `comparable` sees them. */
async function both(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<{ etcd: Answer; fleet: Answer }> {
  const e = await request(etcd.endpoints[0]!, method, path, body, headers);
  const f = await request(follower, method, path, body, headers);
  return { etcd: e, fleet: f };
}

async function expectSame(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Answer> {
  const { etcd: e, fleet: f } = await both(method, path, body, headers);
  expect(comparable(f), `${method} ${path} ${body ?? ''}\netcd:  ${e.status} ${e.text}\nfleet: ${f.status} ${f.text}`).toEqual(comparable(e));
  return f;
}

describe('the gateway answers as etcd 3.4 does', () => {
  it('serves /version and /health', async () => {
    const version = await request(follower, 'GET', '/version');
    expect(version.status).toBe(200);
    expect(JSON.parse(version.text)).toEqual({ etcdserver: expect.stringMatching(/^3\.4\./), etcdcluster: '3.4.0' });
    await expectSame('GET', '/health');
  });

  it('puts, reads, deletes and transacts keys, with etcd names and encodings', async () => {
    await expectSame('POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/a'), value: b64('1') }));
    await expectSame('POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/b'), value: b64('2'), prev_kv: true }));
    await expectSame('POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/b'), value: b64('3'), prev_kv: true }));
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/a') }));
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/none') }));
    // lowerCamelCase names are taken too, as grpc-gateway takes them; unknown fields are ignored.
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/'), rangeEnd: b64('gw0'), sort_order: 'DESCEND', sort_target: 'KEY', bogus: 1 }));
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/'), range_end: b64('gw0'), count_only: true }));
    await expectSame('POST', '/v3beta/kv/range', JSON.stringify({ key: b64('gw/'), range_end: b64('gw0'), keys_only: true, limit: 1 }));
    const txn = { compare: [{ key: b64('gw/a'), result: 'EQUAL', target: 'VALUE', value: b64('1') }], success: [{ request_range: { key: b64('gw/a') } }, { request_put: { key: b64('gw/c'), value: b64('4') } }], failure: [] };
    await expectSame('POST', '/v3/kv/txn', JSON.stringify(txn));
    await expectSame('POST', '/v3/kv/txn', JSON.stringify({ ...txn, compare: [{ key: b64('gw/a'), result: 'GREATER', target: 'MOD', mod_revision: '100' }] }));
    await expectSame('POST', '/v3/kv/deleterange', JSON.stringify({ key: b64('gw/c'), prev_kv: true }));
    await expectSame('POST', '/v3/kv/compaction', JSON.stringify({ revision: '1000' }));
  });

  it('answers bad requests with etcd error bodies and statuses, and writes nothing', async () => {
    await expectSame('POST', '/v3/kv/range', '{"key":');
    await expectSame('POST', '/v3/kv/range', '[1,2]');
    await expectSame('POST', '/v3/kv/range', '');
    await expectSame('POST', '/v3/kv/put', JSON.stringify({ key: '!!!', value: b64('x') }));
    await expectSame('POST', '/v3/nope', '{}');
    await expectSame('GET', '/v3/kv/range');
    await expectSame('GET', '/nope');
    await expectSame('POST', '/v3/lease/revoke', JSON.stringify({ ID: '12345' }));
    await expectSame('POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/l'), value: b64('x'), lease: '12345' }));
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/l') }));
  });

  it('grants, lists, reads and revokes leases with keys attached', async () => {
    const grant = await both('POST', '/v3/lease/grant', JSON.stringify({ TTL: '60' }));
    expect(comparable(grant.fleet)).toEqual(comparable(grant.etcd));
    const ids = { etcd: (JSON.parse(grant.etcd.text) as { ID: string }).ID, fleet: (JSON.parse(grant.fleet.text) as { ID: string }).ID };
    for (const [side, endpoint] of [['etcd', etcd.endpoints[0]!], ['fleet', follower]] as const) {
      const put = await request(endpoint, 'POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/leased'), value: b64('v'), lease: ids[side] }));
      expect(put.status, put.text).toBe(200);
      const ttl = JSON.parse((await request(endpoint, 'POST', '/v3/lease/timetolive', JSON.stringify({ ID: ids[side], keys: true }))).text) as { keys: string[]; TTL: string };
      expect(ttl.keys).toEqual([b64('gw/leased')]);
      expect(Number(ttl.TTL)).toBeGreaterThan(50);
      const leases = JSON.parse((await request(endpoint, 'POST', '/v3/lease/leases', '{}')).text) as { leases: { ID: string }[] };
      expect(leases.leases.map((l) => l.ID)).toContain(ids[side]);
      const keepAlive = await request(endpoint, 'POST', '/v3/lease/keepalive', JSON.stringify({ ID: ids[side] }));
      expect(keepAlive.status).toBe(200);
      expect(JSON.parse(keepAlive.text.trim().split('\n')[0]!)).toMatchObject({ result: { ID: ids[side], TTL: '60' } });
      expect((await request(endpoint, 'POST', '/v3/kv/lease/revoke', JSON.stringify({ ID: ids[side] }))).status).toBe(200);
    }
    await expectSame('POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/leased') }));
  });
});

/** A streaming call: its answers line by line as they come. */
function openStream(endpoint: string, path: string, body: string): { lines: string[]; close(): void; status: Promise<number> } {
  const [host, port] = endpoint.split(':');
  const lines: string[] = [];
  let partial = '';
  const req = http.request({ host, port: Number(port), method: 'POST', path, agent: false });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const parts = (partial + c).split('\n');
        partial = parts.pop()!;
        lines.push(...parts.filter((l) => l !== ''));
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
  });
  // The body ends here: the client has half-closed, as every JSON watch does.
  req.end(body);
  return { lines, status, close: () => req.destroy() };
}

describe('streams', () => {
  it('keeps a watch after the client half-closes, and delivers what is written later', async () => {
    const watch = openStream(follower, '/v3/watch', JSON.stringify({ create_request: { key: b64('gw/w'), prev_kv: true } }));
    expect(await watch.status).toBe(200);
    await waitFor('the watch created', () => watch.lines.length >= 1 || undefined, 10_000);
    expect(JSON.parse(watch.lines[0]!)).toMatchObject({ result: { created: true } });
    // Long after the body ended: etcd's gateway keeps the watch until it is cancelled.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const v of ['1', '2']) expect((await request(follower, 'POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/w'), value: b64(v) }))).status).toBe(200);
    await waitFor('two events', () => watch.lines.length >= 3 || undefined, 10_000);
    const events = watch.lines.slice(1).flatMap((l) => (JSON.parse(l) as { result: { events: { type?: string; kv: { value: string }; prev_kv?: { value: string } }[] } }).result.events);
    expect(events.map((e) => Buffer.from(e.kv.value, 'base64').toString())).toEqual(['1', '2']);
    expect(events[0]!.type, 'PUT is the default: left out').toBeUndefined();
    expect(Buffer.from(events[1]!.prev_kv!.value, 'base64').toString()).toBe('1');
    watch.close();
  }, 30_000);

  it('replays history from a revision, and cancels on request, as etcd', async () => {
    const answers = async (endpoint: string, body: string, until: (lines: string[]) => boolean): Promise<unknown> => {
      const watch = openStream(endpoint, '/v3/watch', body);
      await waitFor('the answers', () => (until(watch.lines) ? true : undefined), 10_000);
      watch.close();
      return watch.lines.map((l) => scrub(JSON.parse(l)));
    };
    const replay = JSON.stringify({ create_request: { key: b64('gw/a'), start_revision: '1' } });
    expect(await answers(follower, replay, (l) => l.length >= 2)).toEqual(await answers(etcd.endpoints[0]!, replay, (l) => l.length >= 2));
    // Whether the replay goes out before the cancel is a race in etcd too: the first and last answers are not.
    const cancel = replay + JSON.stringify({ cancel_request: { watch_id: '0' } });
    const ends = (lines: unknown): unknown => [(lines as unknown[])[0], (lines as unknown[]).at(-1)];
    const canceled = (l: string[]): boolean => l.some((x) => x.includes('"canceled":true'));
    expect(ends(await answers(follower, cancel, canceled))).toEqual(ends(await answers(etcd.endpoints[0]!, cancel, canceled)));
  }, 30_000);

  it('answers a stream whose body is not JSON with an error, as etcd', async () => {
    const e = await request(etcd.endpoints[0]!, 'POST', '/v3/watch', '{"bad');
    const f = await request(follower, 'POST', '/v3/watch', '{"bad');
    expect(comparable(f)).toEqual(comparable(e));
    const badKey = JSON.stringify({ create_request: { key: 'notb64!!' } });
    expect(comparable(await request(follower, 'POST', '/v3/watch', badKey))).toEqual(comparable(await request(etcd.endpoints[0]!, 'POST', '/v3/watch', badKey)));
    // The refused stream's cancel once answered a second time, and the member died of it.
    await new Promise((r) => setTimeout(r, 200));
    expect((await request(follower, 'GET', '/version')).status).toBe(200);
  });
});

describe('what fleet does not take', () => {
  it('refuses a browser, and a body over the limit, without writing', async () => {
    const browser = await request(follower, 'POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/csrf'), value: b64('x') }), { origin: 'http://evil.example' });
    expect(browser.status).toBe(403);
    const big = await request(follower, 'POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/big'), value: 'A'.repeat(4 * 1024 * 1024) })).catch((err: Error) => ({ status: 0, type: '', text: err.message }));
    expect(big.status === 400 || big.status === 0, `${big.status} ${big.text.slice(0, 200)}`).toBe(true);
    const after = JSON.parse((await request(follower, 'POST', '/v3/kv/range', JSON.stringify({ key: b64('gw/'), range_end: b64('gw0'), keys_only: true }))).text) as { kvs?: { key: string }[] };
    const keys = (after.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString());
    expect(keys).not.toContain('gw/csrf');
    expect(keys).not.toContain('gw/big');
  });

  it('serves a JSON request over HTTP/2 without TLS (h2c) beside gRPC on the same connection kind', async () => {
    const session = http2.connect(`http://${follower}`);
    try {
      const answer = await postOverHttp2(session, '/v3/kv/range', JSON.stringify({ key: b64('gw/a') }));
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ kvs: [{ key: b64('gw/a') }], count: '1' });
    } finally {
      session.close();
    }
  });

  it('still serves gRPC on the same port', async () => {
    const all = await fleet.client().statusAll();
    expect(all.filter((s) => !s.ok)).toEqual([]);
  });
});

describe('credentials on a member that checks tokens', () => {
  const token = 'gw-token-0123456789abcdef0123456789';
  let secured: TestCluster;
  beforeAll(async () => {
    secured = await TestCluster.start({ size: 1, token });
  }, 60_000);
  afterAll(async () => secured?.destroy());

  it('takes a token bare (as Patroni sends it), with Bearer, or from Authenticate, and refuses none', async () => {
    const endpoint = secured.endpoints[0]!;
    const put = (headers: Record<string, string>) => request(endpoint, 'POST', '/v3/kv/put', JSON.stringify({ key: b64('gw/secured'), value: b64('v') }), headers);
    // etcd's answers with auth enabled: no token is a request without a user, a wrong one is refused.
    const none = await put({});
    expect([none.status, JSON.parse(none.text)]).toEqual([400, { error: 'etcdserver: user name is empty', message: 'etcdserver: user name is empty', code: 3 }]);
    const wrong = await put({ authorization: 'wrong-token' });
    expect([wrong.status, (JSON.parse(wrong.text) as { code: number }).code], wrong.text).toEqual([401, 16]);
    expect((await put({ authorization: token })).status).toBe(200);
    expect((await put({ authorization: `Bearer ${token}` })).status).toBe(200);
    const auth = await request(endpoint, 'POST', '/v3/auth/authenticate', JSON.stringify({ name: 'patroni', password: token }));
    expect(auth.status, auth.text).toBe(200);
    const handed = (JSON.parse(auth.text) as { token: string }).token;
    expect((await put({ authorization: handed })).status).toBe(200);
    const refused = await request(endpoint, 'POST', '/v3/auth/authenticate', JSON.stringify({ name: 'patroni', password: 'nope' }));
    expect(JSON.parse(refused.text)).toEqual({ error: 'etcdserver: authentication failed, invalid user ID or password', message: 'etcdserver: authentication failed, invalid user ID or password', code: 3 });
  });
});
