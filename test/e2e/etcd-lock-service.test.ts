/**
 * etcd's Lock and Election gRPC services (v3lockpb, v3electionpb) on fleet members, checked the
 * way a conformance test is: one scripted sequence from a raw gRPC client, run against a real
 * etcd 3.4 member and through a follower of a fleet cluster, and the two transcripts compared
 * (keys, values, who waits, errors with their codes and messages). Leases are granted with fixed
 * ids, so the keys (`NAME/LEASE-IN-HEX`) are the same on both. Every process is started here and
 * stopped by pid in afterAll.
 */
import { credentials, type Client, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdCluster, requireEtcd } from '../../bench/etcd/cluster.js';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

requireEtcd();
let fleet: TestCluster | undefined;
let real: EtcdCluster | undefined;

type Callback = (err: { code: number; details: string } | null, res?: Record<string, unknown>) => void;
type RawClient = Client & Record<string, (req: object, cb: Callback) => { cancel(): void }> & { Observe(req: object): ClientReadableStream<{ kv: { key: Buffer; value: Buffer } }> };

interface Clients {
  kv: RawClient;
  lease: RawClient;
  lock: RawClient;
  election: RawClient;
  close(): void;
}

function clientsOf(endpoint: string): Clients {
  const d = loadEtcdDefinitions();
  const make = (C: new (a: string, c: ReturnType<typeof credentials.createInsecure>) => Client) => new C(endpoint, credentials.createInsecure()) as RawClient;
  const c = { kv: make(d.KV), lease: make(d.Lease), lock: make(d.Lock), election: make(d.Election) };
  return { ...c, close: () => Object.values(c).forEach((x) => x.close()) };
}

/** A unary call as a promise of its answer, or of `{ error: 'CODE message' }`; `cancel` ends it from the client. */
function call(client: RawClient, method: string, req: object): { answer: Promise<Record<string, unknown>>; cancel: () => void; settled: () => boolean } {
  let done = false;
  let handle: { cancel(): void } | undefined;
  const answer = new Promise<Record<string, unknown>>((resolve) => {
    handle = client[method]!(req, (err, res) => {
      done = true;
      resolve(err ? { error: `${err.code} ${err.details}` } : res!);
    });
  });
  return { answer, cancel: () => handle!.cancel(), settled: () => done };
}

const text = (b: unknown): string => Buffer.from(b as Buffer).toString();
const A = 0x1a;
const B = 0x2b;

/** The script: every answer that should be the same on etcd and on fleet, in order. */
async function script(c: Clients, tag: string): Promise<unknown[]> {
  const out: unknown[] = [];
  const keyExists = async (key: string): Promise<boolean> => Number((await call(c.kv, 'Range', { key: Buffer.from(key), countOnly: true }).answer).count) > 0;
  for (const id of [A, B]) await call(c.lease, 'LeaseGrant', { TTL: 30, ID: id }).answer;
  const lockName = `${tag}-lock`;

  // Lock: A holds, B waits in the queue until A unlocks.
  const first = await call(c.lock, 'Lock', { name: Buffer.from(lockName), lease: A }).answer;
  out.push(['lock A', text(first.key)]);
  const second = call(c.lock, 'Lock', { name: Buffer.from(lockName), lease: B });
  await waitFor('B queued', async () => ((await keyExists(`${lockName}/${B.toString(16)}`)) ? true : undefined), 10_000);
  out.push(['B waits while A holds', second.settled()]);
  out.push(['unlock A', 'header' in (await call(c.lock, 'Unlock', { key: first.key }).answer)]);
  out.push(['lock B', text((await second.answer).key)]);
  await call(c.lock, 'Unlock', { key: Buffer.from(`${lockName}/${B.toString(16)}`) }).answer;

  // A waiter that gives up leaves no key behind.
  const held = await call(c.lock, 'Lock', { name: Buffer.from(lockName), lease: A }).answer;
  const quitter = call(c.lock, 'Lock', { name: Buffer.from(lockName), lease: B });
  await waitFor('B queued again', async () => ((await keyExists(`${lockName}/${B.toString(16)}`)) ? true : undefined), 10_000);
  quitter.cancel();
  out.push(['cancelled', (await quitter.answer).error]);
  await waitFor('the cancelled waiter’s key gone', async () => ((await keyExists(`${lockName}/${B.toString(16)}`)) ? undefined : true), 10_000);
  await call(c.lock, 'Unlock', { key: held.key }).answer;
  out.push(['lock with no such lease', (await call(c.lock, 'Lock', { name: Buffer.from(lockName), lease: 0x77 }).answer).error]);
  // With no lease, the server grants one (clientv3's session TTL) and holds the lock with it.
  const leaseless = await call(c.lock, 'Lock', { name: Buffer.from(`${tag}-leaseless`), lease: 0 }).answer;
  const leaselessKv = ((await call(c.kv, 'Range', { key: leaseless.key }).answer).kvs as { lease: string }[])[0]!;
  out.push(['lock with no lease', text(leaseless.key) === `${tag}-leaseless/${BigInt(leaselessKv.lease).toString(16)}`]);
  const ttl = await call(c.lease, 'LeaseTimeToLive', { ID: leaselessKv.lease }).answer;
  out.push(['its lease’s TTL', ttl.grantedTTL]);
  await call(c.lease, 'LeaseRevoke', { ID: leaselessKv.lease }).answer;

  // Election: A leads, B campaigns behind it; A proclaims, then resigns, and B leads.
  const electionName = Buffer.from(`${tag}-election`);
  const observed: string[] = [];
  const observer = c.election.Observe({ name: electionName });
  observer.on('data', (r) => observed.push(text(r.kv.value)));
  observer.on('error', () => undefined);
  const won = (await call(c.election, 'Campaign', { name: electionName, lease: A, value: Buffer.from('a') }).answer).leader as { name: Buffer; key: Buffer; rev: string; lease: string };
  out.push(['campaign A', text(won.name), text(won.key), won.lease]);
  const created = (await call(c.kv, 'Range', { key: won.key }).answer).kvs as { createRevision: string }[];
  out.push(['leader rev is the key’s create revision', won.rev === created[0]!.createRevision]);
  const b = call(c.election, 'Campaign', { name: electionName, lease: B, value: Buffer.from('b') });
  await waitFor('B a candidate', async () => ((await keyExists(`${electionName}/${B.toString(16)}`)) ? true : undefined), 10_000);
  out.push(['B waits while A leads', b.settled()]);
  await call(c.election, 'Proclaim', { leader: won, value: Buffer.from('a2') }).answer;
  out.push(['leader after proclaim', text(((await call(c.election, 'Leader', { name: electionName }).answer).kv as { value: Buffer }).value)]);
  await call(c.election, 'Resign', { leader: won }).answer;
  const bWon = (await b.answer).leader as { key: Buffer };
  out.push(['campaign B', text(bWon.key)]);
  out.push(['leader after resign', text(((await call(c.election, 'Leader', { name: electionName }).answer).kv as { value: Buffer }).value)]);
  out.push(['stale proclaim', (await call(c.election, 'Proclaim', { leader: won, value: Buffer.from('x') }).answer).error]);
  out.push(['resign without a leader', (await call(c.election, 'Resign', {}).answer).error]);
  out.push(['no leader', (await call(c.election, 'Leader', { name: Buffer.from(`${tag}-nobody`) }).answer).error]);
  await waitFor('the observer to see b', () => (observed.includes('b') ? true : undefined), 10_000);
  observer.cancel();
  out.push(['observed', observed]);
  for (const id of [A, B]) await call(c.lease, 'LeaseRevoke', { ID: id }).answer;
  return out;
}

describe('etcd Lock and Election services', () => {
  beforeAll(async () => {
    await Promise.all([TestCluster.start({ size: 3 }).then((c) => (fleet = c)), EtcdCluster.start(1).then((c) => (real = c))]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([fleet?.destroy(), real?.stop()]);
  });

  it('answers one scripted sequence through a fleet follower as etcd 3.4 does', async () => {
    const etcdClients = clientsOf(real!.endpoints[0]!);
    const expected = await script(etcdClients, 'x').finally(() => etcdClients.close());
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!;
    const fleetClients = clientsOf(`127.0.0.1:${follower.port}`);
    const actual = await script(fleetClients, 'x').finally(() => fleetClients.close());
    expect(actual).toEqual(expected);
    // What the transcript says, so a change on both sides cannot pass unnoticed.
    expect(actual).toContainEqual(['lock B', `x-lock/${B.toString(16)}`]);
    expect(actual).toContainEqual(['B waits while A holds', false]);
    expect(actual).toContainEqual(['observed', ['a', 'a2', 'b']]);
    expect(actual).toContainEqual(['lock with no lease', true]);
  }, 90_000);
});
