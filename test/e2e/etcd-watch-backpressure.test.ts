/**
 * An etcd Watch stream whose client does not read holds a page of history on the member, not the
 * history it asked for (issue 56): before, one paused stream whose 40 watchers replayed 30 × 1 MB
 * took a member from 477 MB to 1.81 GB. Once the client reads again, every watcher gets every
 * event once and in order.
 */
import { credentials, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEtcdDefinitions } from '../../src/core/server/etcd-api/etcd-wire.js';
import { TestCluster } from './cluster.js';
import { waitFor } from './processes.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await TestCluster.start();
}, 60_000);
afterAll(async () => cluster?.destroy());

function rssBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

type Unary = (req: object, cb: (err: Error | null, res?: { header: { revision: string } }) => void) => void;
interface WatchResponse { watchId: string; created?: boolean; events?: { kv: { modRevision: string } }[] }

describe('an etcd Watch stream that is not read', () => {
  it('holds no history on the member, and delivers it all once the client reads', async () => {
    const leader = await cluster.waitForLeader();
    const member = cluster.member(leader);
    const address = `127.0.0.1:${member.port}`;
    const defs = loadEtcdDefinitions();
    const kv = new defs.KV(address, credentials.createInsecure(), { 'grpc.max_send_message_length': 8 << 20 }) as Client & { Put: Unary };
    const revisions: number[] = [];
    // 256 KB values keep the suite quick: 40 watchers still ask for 300 MB of history.
    const value = Buffer.alloc(256 << 10, 0x61);
    for (let i = 0; i < 30; i++) {
      const res = await new Promise<{ header: { revision: string } }>((resolve, reject) => kv.Put({ key: Buffer.from(`big/${i % 3}`), value }, (err, r) => (err ? reject(err) : resolve(r!))));
      revisions.push(Number(res.header.revision));
    }
    kv.close();
    const pid = member.child!.pid!;
    const rssBefore = rssBytes(pid);

    const Watch = (defs as unknown as { Watch: new (a: string, c: ReturnType<typeof credentials.createInsecure>, o: object) => Client & { Watch(): ClientDuplexStream<object, WatchResponse> } }).Watch;
    const client = new Watch(address, credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 << 20 });
    const stream = client.Watch();
    stream.on('error', () => undefined);
    stream.pause();
    for (let i = 0; i < 40; i++) stream.write({ createRequest: { key: Buffer.from('big/'), rangeEnd: Buffer.from('big0'), startRevision: 1 } });
    // The member would have queued 40 × 7.5 MB by now; give it the time to.
    await new Promise((r) => setTimeout(r, 3_000));
    const grown = rssBytes(pid) - rssBefore;

    const seen = new Map<string, number[]>();
    stream.on('data', (m: WatchResponse) => {
      for (const e of m.events ?? []) seen.set(m.watchId, [...(seen.get(m.watchId) ?? []), Number(e.kv.modRevision)]);
    });
    stream.resume();
    try {
      await waitFor('every watcher has every event', () => ([...seen.values()].filter((r) => r.length >= 30).length === 40 ? true : undefined), 60_000);
      expect(grown, `the member's RSS grew by ${Math.round(grown / 2 ** 20)} MB while the stream was not read`).toBeLessThan(64 << 20);
      for (const [id, got] of seen) expect(got, `watcher ${id}`).toEqual(revisions);
    } finally {
      stream.cancel();
      client.close();
    }
  }, 120_000);
});
