/**
 * Issue 56, "one table of limits … docs/security.md lists the table; each limit is a metric".
 * The table is read from docs/security.md and held against a running member: every metric a
 * limit names is one the member exports on /metrics, and every label of
 * `fleet_limit_refusals_total` is in the table. Then each limit that counter counts is tripped
 * on a real member, with its default value, and its count is seen to rise.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_REGISTRY, LIMITS } from '../../src/common/registry/registry-limits.js';
import { SESSION_FRAME_MAX_OPS } from '../../src/common/session-frames.js';
import { DEFAULT_BOUNDS } from '../../src/core/server/guard/bounds.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { MAX_WATCHERS_PER_STREAM } from '../../src/core/server/etcd-api/etcd-watch-service.js';
import { COUNTED_LIMITS, type CountedLimit } from '../../src/core/server/guard/limit-refusals.js';
import { loadFleetProto } from '../../src/proto/index.js';
import type * as wire from '../../src/proto/index.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';
import { limitRows, metricsOfRow } from './limits-doc.js';

let cluster: TestCluster;
let address: string;
let metricsPort: number;
const closers: (() => void)[] = [];
beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1, metrics: true });
  const m = cluster.member('n1');
  address = `127.0.0.1:${m.port}`;
  metricsPort = m.metricsPort!;
}, 60_000);
afterAll(async () => {
  for (const close of closers.splice(0)) close();
  await cluster?.destroy();
});

const scrape = async (port = metricsPort): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

/** `fleet_limit_refusals_total{limit}` as the member exports it now. */
async function refusals(limit: CountedLimit, port = metricsPort): Promise<number> {
  const m = new RegExp(`^fleet_limit_refusals_total\\{limit="${limit}"\\} (\\d+)$`, 'm').exec(await scrape(port));
  if (m === null) throw new Error(`the member exports no fleet_limit_refusals_total{limit="${limit}"}`);
  return Number(m[1]);
}

/** A channel of its own: streams of one test do not share a connection (at most 1,000 streams each). */
function fleetClient(): wire.FleetClient {
  const c = new (loadFleetProto().fleet.v1.Fleet)(address, grpc.credentials.createInsecure(), { 'grpc.fleet_test_channel': Math.random() });
  closers.push(() => c.close());
  return c;
}

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res?: Record<string, unknown>) => void) => void;
type EtcdClient = grpc.Client & Record<string, Unary>;

function etcdClient(service: 'KV' | 'Lease' | 'Auth' | 'Watch' | 'Election', at = address): EtcdClient {
  const Ctor = loadEtcdDefinitions()[service] as unknown as new (a: string, c: grpc.ChannelCredentials, o: object) => EtcdClient;
  // A channel option of its own: grpc-js would otherwise share one connection among equal clients.
  const c = new Ctor(at, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 8 << 20, 'grpc.fleet_test_channel': Math.random() });
  closers.push(() => c.close());
  return c;
}

function call(client: EtcdClient, method: string, req: object): Promise<{ code?: number; details?: string; res?: Record<string, unknown> }> {
  return new Promise((resolve) => client[method]!(req, (e, res) => resolve(e ? { code: e.code, details: e.details } : { res: res! })));
}

/** The status a stream ends with. */
function ending(stream: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('status', resolve);
  });
}

/** Waits for the count of `limit` to pass `before`. */
const rises = (limit: CountedLimit, before: number, port = metricsPort): Promise<number> =>
  waitFor(`fleet_limit_refusals_total{limit="${limit}"} to rise above ${before}`, async () => {
    const n = await refusals(limit, port);
    return n > before ? n : undefined;
  }, 15_000, 100);

describe("docs/security.md's Limits table", () => {
  const rows = limitRows(readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8'));

  it('names, for every limit, a metric the member exports (or says why there is none, for the few the test lists)', async () => {
    const text = await scrape();
    const uncounted: string[] = [];
    for (const row of rows) {
      const metrics = metricsOfRow(row.metric);
      if (metrics.length === 0) {
        uncounted.push(row.limit);
        continue;
      }
      for (const { name, label } of metrics) {
        expect(text, `${row.limit}: ${name}`).toMatch(new RegExp(`^# TYPE ${name} counter$`, 'm'));
        // The one counter with a series per limit from the start: each row's series is there at 0 or more.
        if (name === 'fleet_limit_refusals_total') expect(text, row.limit).toMatch(new RegExp(`^${name}\\{${label!.replace(/[{}]/g, '')}\\} \\d+$`, 'm'));
      }
    }
    // A limit the member does not count is a decision, reviewed here: its row says why.
    expect(uncounted).toEqual([
      'calls on one connection',
      "a follower's relayed etcd keep-alives",
      'history read for an etcd watcher behind its stream',
      'a KV key, a KV value',
      "a registry lease's TTL",
      'names and labels (shards, clusters, holders, …)',
      'moves in one rebind batch',
      'a listing page',
      'audit log',
      'watch history per member',
      'client sessions (exactly-once answers)',
    ]);
  });

  it('has a row for every label of fleet_limit_refusals_total', () => {
    const labels = rows.flatMap((r) => metricsOfRow(r.metric)).filter((m) => m.name === 'fleet_limit_refusals_total').map((m) => /limit="([^"]+)"/.exec(m.label ?? '')?.[1]);
    expect([...labels].sort()).toEqual([...COUNTED_LIMITS].sort());
  });
});

describe('each limit fleet_limit_refusals_total counts, tripped on a real member', () => {
  /**
   * Opened first, so that the other tests run while they wait out their windows (10 s): a socket
   * to the metrics port that never sends a byte, and a gateway request whose headers drip in a
   * byte at a time, never finished.
   */
  let silent: Promise<void>;
  let dripped: Promise<string>;
  let idleBefore: number;
  let slowBefore: number;
  beforeAll(async () => {
    idleBefore = await refusals('metrics-idle');
    slowBefore = await refusals('etcd-gateway-slow');
    const socket: Socket = connect(metricsPort, '127.0.0.1');
    socket.on('error', () => undefined);
    closers.push(() => socket.destroy());
    silent = new Promise((resolve) => socket.on('close', () => resolve()));
    const slow: Socket = connect(Number(address.split(':')[1]), '127.0.0.1', () => slow.write('POST /v3/kv/range HTTP/1.1\r\n'));
    slow.on('error', () => undefined);
    const drip = setInterval(() => slow.writable && slow.write('X'), 500);
    closers.push(() => (clearInterval(drip), slow.destroy()));
    let answer = '';
    slow.on('data', (b: Buffer) => (answer += b.toString()));
    dripped = new Promise((resolve) => slow.on('close', () => (clearInterval(drip), resolve(answer))));
  });

  it('etcd-txn-ops: a Txn of 129 operations in one list', async () => {
    const before = await refusals('etcd-txn-ops');
    const kv = etcdClient('KV');
    const ops = Array.from({ length: 129 }, (_, i) => ({ requestPut: { key: Buffer.from(`txn/${i}`), value: Buffer.from('v') } }));
    expect(await call(kv, 'Txn', { success: ops })).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: too many operations in txn request' });
    expect(await refusals('etcd-txn-ops')).toBe(before + 1);
  });

  it('etcd-request-bytes: a Put of 1.6 MB', async () => {
    const before = await refusals('etcd-request-bytes');
    const kv = etcdClient('KV');
    expect(await call(kv, 'Put', { key: Buffer.from('big'), value: Buffer.alloc(1_600_000, 0x61) })).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: request is too large' });
    expect(await refusals('etcd-request-bytes')).toBe(before + 1);
  });

  it('etcd-lease-ttl: a lease of 100,000 s', async () => {
    const before = await refusals('etcd-lease-ttl');
    expect(await call(etcdClient('Lease'), 'LeaseGrant', { TTL: '100000', ID: '0' })).toEqual({ code: grpc.status.OUT_OF_RANGE, details: 'etcdserver: too large lease TTL' });
    expect(await refusals('etcd-lease-ttl')).toBe(before + 1);
  });

  it('etcd-auth-entries: a user whose name is over 1,024 bytes', async () => {
    const before = await refusals('etcd-auth-entries');
    expect(await call(etcdClient('Auth'), 'UserAdd', { name: 'u'.repeat(1025), password: 'p' })).toEqual({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: too many users, roles or permissions' });
    expect(await refusals('etcd-auth-entries')).toBe(before + 1);
  });

  it(`etcd-watchers-per-stream: the watcher after ${MAX_WATCHERS_PER_STREAM} on one Watch stream`, async () => {
    const before = await refusals('etcd-watchers-per-stream');
    const watch = (etcdClient('Watch') as unknown as { Watch(): grpc.ClientDuplexStream<object, { created?: boolean; canceled?: boolean; cancelReason?: string }> }).Watch();
    watch.on('error', () => undefined);
    closers.push(() => watch.cancel());
    const refused = new Promise<string>((resolve) => watch.on('data', (r) => r.canceled && resolve(r.cancelReason ?? '')));
    for (let i = 0; i <= MAX_WATCHERS_PER_STREAM; i++) watch.write({ createRequest: { key: Buffer.from(`w/${i}`) } });
    expect(await refused).toBe(`etcdserver: too many watchers on one stream (${MAX_WATCHERS_PER_STREAM}); open another stream`);
    expect(await refusals('etcd-watchers-per-stream')).toBe(before + 1);
    watch.cancel();
  });

  it(`etcd-streams: a Watch, a LeaseKeepAlive and an Observe after ${DEFAULT_BOUNDS.maxEtcdStreamsPerAddress} etcd streams from one address`, async () => {
    type Watch = grpc.ClientDuplexStream<object, { created?: boolean }>;
    const before = await refusals('etcd-streams');
    // Connections enough: one carries at most 1,000 streams.
    const clients = [0, 1, 2].map(() => etcdClient('Watch')) as unknown as { Watch(): Watch }[];
    const created = (w: Watch): Promise<void> => new Promise((resolve) => w.on('data', (r: { created?: boolean }) => r.created && resolve()));
    const open = (c: { Watch(): Watch }): Watch => {
      const w = c.Watch();
      w.on('error', () => undefined);
      w.write({ createRequest: { key: Buffer.from('streams') } });
      return w;
    };
    const held = Array.from({ length: DEFAULT_BOUNDS.maxEtcdStreamsPerAddress }, (_, i) => open(clients[i % 3]!));
    await Promise.all(held.map(created));
    const lease = etcdClient('Lease') as unknown as { LeaseKeepAlive(): grpc.ClientDuplexStream<object, unknown> };
    const election = etcdClient('Election') as unknown as { Observe(req: object): grpc.ClientReadableStream<unknown> };
    const over = [ending(open(clients[0]!)), ending(lease.LeaseKeepAlive()), ending(election.Observe({ name: Buffer.from('e') }))];
    for (const st of await Promise.all(over)) {
      expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(st.details).toMatch(new RegExp(`has ${DEFAULT_BOUNDS.maxEtcdStreamsPerAddress} etcd streams open to this member, its limit per address`));
    }
    expect(await refusals('etcd-streams')).toBe(before + 3);
    // Each stream that ends gives its place back.
    for (const w of held) w.cancel();
    await waitFor('a Watch stream admitted again', async () => {
      const w = open(clients[1]!);
      const admitted = await Promise.race([created(w).then(() => true), ending(w).then(() => false)]);
      w.cancel();
      return admitted ? true : undefined;
    }, 15_000, 200);
  });

  it(`health-watches: the health Watch after ${DEFAULT_BOUNDS.maxHealthWatchesPerAddress} from one address`, async () => {
    const before = await refusals('health-watches');
    const health = new (loadFleetProto().grpc.health.v1.Health)(address, grpc.credentials.createInsecure(), { 'grpc.fleet_test_channel': Math.random() });
    closers.push(() => health.close());
    const open = Array.from({ length: DEFAULT_BOUNDS.maxHealthWatchesPerAddress }, () => health.Watch({ service: '' }));
    for (const w of open) w.on('error', () => undefined);
    await Promise.all(open.map((w) => new Promise((resolve) => w.once('data', resolve))));
    const st = await ending(health.Watch({ service: '' }));
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await refusals('health-watches')).toBe(before + 1);
    for (const w of open) w.cancel();
  });

  /** `n` more streams than the member admits from one address, over two connections; the refused ones' statuses. */
  async function streamsOver(max: number, open: (c: wire.FleetClient) => grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>, n: number): Promise<grpc.StatusObject[]> {
    const clients = [fleetClient(), fleetClient()];
    const streams = Array.from({ length: max + n }, (_, i) => open(clients[i % 2]!));
    const statuses: grpc.StatusObject[] = [];
    for (const s of streams) void ending(s).then((st) => statuses.push(st));
    await waitFor(`${n} streams to be refused`, () => (statuses.length >= n ? true : undefined), 20_000);
    for (const s of streams) s.cancel();
    return statuses.slice(0, n);
  }

  it(`watch-streams: the fleet.v1 Watch after ${DEFAULT_BOUNDS.maxWatchersPerAddress} from one address`, async () => {
    const before = await refusals('watch-streams');
    const refused = await streamsOver(DEFAULT_BOUNDS.maxWatchersPerAddress, (c) => c.Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 }), 3);
    for (const st of refused) expect(st.details).toMatch(/has 1024 watchers open to this member, its limit per address/);
    expect(await refusals('watch-streams')).toBe(before + 3);
  });

  it(`session-streams: the Session stream after ${DEFAULT_BOUNDS.maxSessionStreamsPerAddress} from one address`, async () => {
    const before = await refusals('session-streams');
    const refused = await streamsOver(DEFAULT_BOUNDS.maxSessionStreamsPerAddress, (c) => c.Session(), 3);
    for (const st of refused) expect(st.details).toMatch(/has 1024 session streams open to this member, its limit per address/);
    expect(await refusals('session-streams')).toBe(before + 3);
  });

  const writeOp = (client: string, seq: number, value = 'v'): wire.SessionRequest => ({ id: seq, write: { clientId: client, seq, firstIncomplete: 1, kvPut: { key: `limits/${seq % 300}`, value } } });

  it(`session-frame-ops: a Session frame of ${SESSION_FRAME_MAX_OPS + 1} operations`, async () => {
    const before = await refusals('session-frame-ops');
    const stream = fleetClient().Session();
    const end = ending(stream);
    stream.write({ requests: Array.from({ length: SESSION_FRAME_MAX_OPS + 1 }, (_, i) => writeOp('frame', i + 1)) });
    expect((await end).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await refusals('session-frame-ops')).toBe(before + 1);
  });

  it(`session-in-flight: more than ${DEFAULT_BOUNDS.maxSessionInFlight} reads waiting at once on one Session stream`, async () => {
    const before = await refusals('session-in-flight');
    const client = fleetClient();
    const status = await new Promise<wire.MemberStatus__Output>((resolve, reject) => client.Status({}, (e, r) => (e ? reject(e) : resolve(r!))));
    // Reads of an index two writes ahead: each waits, in flight, until those writes are applied.
    const minIndex = Number(status.appliedIndex) + 2;
    const stream = client.Session();
    stream.on('error', () => undefined);
    let answered = 0;
    stream.on('data', (frame: wire.SessionResponses__Output) => (answered += frame.responses.length));
    const frames = 5;
    for (let f = 0; f < frames; f++) {
      stream.write({ requests: Array.from({ length: SESSION_FRAME_MAX_OPS }, (_, i) => ({ id: f * SESSION_FRAME_MAX_OPS + i + 1, read: { minIndex, kvGet: { ns: '', key: 'limits/1' } } })) });
    }
    await rises('session-in-flight', before);
    expect(answered).toBe(0);
    const kv = etcdClient('KV');
    for (let i = 0; i < 2; i++) expect((await call(kv, 'Put', { key: Buffer.from('release'), value: Buffer.from(String(i)) })).res).toBeDefined();
    await waitFor('every read to be answered', () => (answered === frames * SESSION_FRAME_MAX_OPS ? true : undefined), 30_000);
    stream.end();
  });

  it('watch-queue: a fleet.v1 watcher that does not read while 25 MB of changes come', async () => {
    const before = await refusals('watch-queue');
    const watch = fleetClient().Watch({ registry: 'kv', ns: '', prefix: '', fromIndex: 0 });
    const end = ending(watch);
    await new Promise((resolve) => watch.once('data', resolve));
    watch.pause();
    const writer = fleetClient().Session();
    writer.on('error', () => undefined);
    let answered = 0;
    writer.on('data', (frame: wire.SessionResponses__Output) => (answered += frame.responses.length));
    // 250 × 100 KB: past what the client buffers (16 messages) and the member's 16 MiB for one watcher.
    const value = 'x'.repeat(100_000);
    for (let i = 1; i <= 250; i++) writer.write({ requests: [writeOp('queue', i, value)] });
    await waitFor('the 250 writes to be answered', () => (answered === 250 ? true : undefined), 30_000);
    writer.end();
    await rises('watch-queue', before);
    watch.resume();
    const st = await end;
    expect(st.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(st.details).toMatch(/the watcher does not read fast enough; resume from the last index seen \+ 1/);
  });

  it(`registry-entries: the provider after ${LIMITS.maxProviders}, refused when applied`, async () => {
    const before = await refusals('registry-entries');
    const stream = fleetClient().Session();
    stream.on('error', () => undefined);
    const answers: wire.SessionResponse__Output[] = [];
    stream.on('data', (frame: wire.SessionResponses__Output) => answers.push(...frame.responses));
    const n = LIMITS.maxProviders + 2;
    const add = (i: number): wire.SessionRequest => ({ id: i, write: { clientId: 'providers', seq: i, firstIncomplete: 1, providerAdd: { name: `p${i}`, kind: 'test', regions: ['r1'], endpoint: 'https://p.example' } } });
    for (let i = 1; i <= n; i += SESSION_FRAME_MAX_OPS) stream.write({ requests: Array.from({ length: Math.min(SESSION_FRAME_MAX_OPS, n + 1 - i) }, (_, j) => add(i + j)) });
    await waitFor('every provider write to be answered', () => (answers.length === n ? true : undefined), 30_000);
    stream.end();
    expect(answers.filter((a) => a.error).map((a) => a.error!.message)).toEqual([]);
    const refused = answers.filter((a) => a.write?.error);
    expect(refused.map((a) => a.write!.error!.message)).toEqual([FULL_REGISTRY.providers, FULL_REGISTRY.providers]);
    expect(await refusals('registry-entries')).toBe(before + 2);
  });

  it('metrics-idle: a metrics port connection that sends nothing for 10 s', async () => {
    await silent;
    expect(await refusals('metrics-idle')).toBeGreaterThan(idleBefore);
  }, 30_000);

  it('etcd-gateway-slow: a gateway request whose headers are not all sent within 10 s', async () => {
    expect(await dripped).toMatch(/^HTTP\/1\.1 408 /);
    expect(await refusals('etcd-gateway-slow')).toBe(slowBefore + 1);
  }, 30_000);
});

describe('the limits of a member with a small space quota and etcd auth on', () => {
  let small: TestCluster;
  let at: string;
  let port: number;
  beforeAll(async () => {
    small = await TestCluster.start({ size: 1, metrics: true, extraArgs: ['--etcd-quota-backend-bytes', String(1 << 20)] });
    at = `127.0.0.1:${small.member('n1').port}`;
    port = small.member('n1').metricsPort!;
  }, 60_000);
  afterAll(async () => small?.destroy());

  it('etcd-auth-checks: the password checks beyond 8 at once', async () => {
    const auth = etcdClient('Auth', at);
    for (const [method, req] of [['UserAdd', { name: 'root', password: 'root-password' }], ['RoleAdd', { name: 'root' }], ['UserGrantRole', { user: 'root', role: 'root' }], ['AuthEnable', {}]] as const) {
      expect((await call(auth, method, req)).res, method).toBeDefined();
    }
    const before = await refusals('etcd-auth-checks', port);
    const answers = await Promise.all(Array.from({ length: 40 }, () => call(auth, 'Authenticate', { name: 'root', password: 'wrong' })));
    const tooMany = answers.filter((a) => a.details === 'etcdserver: too many requests');
    expect(tooMany.length).toBeGreaterThan(0);
    for (const a of tooMany) expect(a.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await refusals('etcd-auth-checks', port)).toBe(before + tooMany.length);
  });

  it('etcd-space-quota: writes past a 1 MiB quota', async () => {
    const token = String((await call(etcdClient('Auth', at), 'Authenticate', { name: 'root', password: 'root-password' })).res?.token);
    const before = await refusals('etcd-space-quota', port);
    const md = new grpc.Metadata();
    md.set('token', token);
    const kv = etcdClient('KV', at) as unknown as Record<string, (req: object, md: grpc.Metadata, cb: (e: grpc.ServiceError | null) => void) => void>;
    const put = (i: number) => new Promise<{ code?: number; details?: string }>((resolve) => kv['Put']!({ key: Buffer.from(`q/${i}`), value: Buffer.alloc(400_000, 0x61) }, md, (e) => resolve(e ? { code: e.code, details: e.details } : {})));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await put(i));
    const refused = answers.filter((a) => a.code !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(a).toEqual({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'etcdserver: mvcc: database space exceeded' });
    expect(await refusals('etcd-space-quota', port)).toBe(before + refused.length);

    // fleet's KV lives in the same keyspace (issue 56): a `fleet kv put` meets the same quota.
    const fleet = new (loadFleetProto().fleet.v1.Fleet)(at, grpc.credentials.createInsecure(), { 'grpc.fleet_test_channel': Math.random() });
    closers.push(() => fleet.close());
    const write = await new Promise<grpc.ServiceError | null>((resolve) => fleet.Write({ clientId: '', seq: 0, firstIncomplete: 0, kvPut: { key: 'q/fleet', value: 'x'.repeat(1_000), ns: '' } }, (e) => resolve(e)));
    expect(write).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: mvcc: database space exceeded' });
    expect(await refusals('etcd-space-quota', port)).toBe(before + refused.length + 1);
  });
});
