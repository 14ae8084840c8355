/**
 * A one-member cluster on real storage: the etcd keyspace and an embedding application's state
 * go into one snapshot beside the registry — member image version 2 until every member reads data
 * format 4, sectioned (version 3) after — and a member restarted from that snapshot (its log
 * compacted behind it) has all three back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECTION_TAGS, SECTIONED_IMAGE_FORMAT, readSections, splitImage } from '../../../src/core/app-format.js';
import { BINARY_KEYSPACE_IMAGE_FORMAT, KEYSPACE_IMAGE_MAGIC } from '../../../src/core/etcd-store/keyspace-image.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { PeerSender } from '../../../src/core/node/fleet-node.js';
import type { StateMachine } from '../../../src/core/node/state/app-machine.js';
import { openNodeStorage } from '../../../src/core/server/storage-adapter.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {}, fatal() {} };
const noPeers: PeerSender = { send() {}, setPeers() {} };
const b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s));

/** A counter application: its whole state is one number. */
function counter(): StateMachine & { n: number } {
  const m = {
    n: 0,
    apply: () => ++m.n,
    snapshot: () => Buffer.from(String(m.n)),
    restore: (image: Uint8Array) => void (m.n = image.length === 0 ? 0 : Number(Buffer.from(image).toString())),
  };
  return m;
}

const dirs: string[] = [];
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openMember(dir: string, app: StateMachine | undefined, dataFormat?: number): Promise<{ node: FleetMember; storage: NodeStorage }> {
  const storage = await openNodeStorage(dir, quiet, () => undefined);
  const node = await FleetMember.open({
    id: 'n1',
    clusterName: 'image-test',
    address: '127.0.0.1:1',
    founders: new Map([['n1', '127.0.0.1:1']]),
    initialClusterState: 'new',
    heartbeatMs: 20,
    electionTimeoutMs: 100,
    snapshotEvery: 1_000_000,
    storage,
    logger: quiet,
    version: 'test',
    ...(app ? { app } : {}),
    ...(dataFormat === undefined ? {} : { dataFormat }),
  });
  node.start(noPeers, (err) => {
    throw err;
  });
  stops.push(async () => {
    node.stop();
    await storage.close();
  });
  const deadline = Date.now() + 10_000;
  while (node.leadership().leader !== 'n1') {
    if (Date.now() > deadline) throw new Error('no leader in time');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { node, storage };
}

describe('the member image with the etcd keyspace', () => {
  it('holds the registry, the application and the keyspace as of one index, and a restarted member restores all three', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-etcd-image-'));
    dirs.push(dir);
    const app = counter();
    const { node, storage } = await openMember(dir, app);
    await node.submit('inc', new Uint8Array());
    await node.submit('inc', new Uint8Array());
    const put = await node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v1') } }] } });
    expect(put.value).toMatchObject({ ok: true, revision: 2 });
    await node.submitEtcd({ type: 'lease-grant', id: 5, ttl: 3600 });
    await node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v2'), lease: 5 } }] } });
    const snap = await node.takeSnapshot();
    const stored = await storage.readLatestSnapshot();
    expect(stored?.meta.index).toBe(snap.index);
    expect(stored!.data.subarray(0, 2)).toEqual(new Uint8Array([0xfa, 0x02]));
    const image = splitImage(stored!.data);
    expect(image.app && Buffer.from(image.app).toString()).toBe('2');
    expect(image.etcd?.length).toBeGreaterThan(0);
    await stops.pop()!();

    const again = counter();
    const { node: restarted } = await openMember(dir, again);
    expect(again.n).toBe(2);
    const { value } = await restarted.readEtcd(true, (s) => ({ kv: s.range({ key: b('k') }).kvs[0], revision: s.revision, leases: s.leaseList() }));
    expect(value).toMatchObject({ kv: { value: b('v2'), version: 2, lease: 5, modRevision: 3 }, revision: 3, leases: [5] });
  });

  it('is sectioned once every member reads data format 4: each section under its tag, with the applied index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-etcd-image-'));
    dirs.push(dir);
    const app = counter();
    const { node, storage } = await openMember(dir, app, SECTIONED_IMAGE_FORMAT);
    const deadline = Date.now() + 10_000;
    while (!node.clusterSupports(SECTIONED_IMAGE_FORMAT)) {
      if (Date.now() > deadline) throw new Error('the cluster version did not reach data format 4 in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    await node.submit('inc', new Uint8Array());
    await node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v1') } }] } });
    const snap = await node.takeSnapshot();
    const stored = await storage.readLatestSnapshot();
    expect(stored!.data.subarray(0, 2)).toEqual(new Uint8Array([0xfa, 0x03]));
    const image = readSections(stored!.data);
    expect(image.appliedIndex).toBe(snap.index);
    expect([...image.sections.keys()]).toEqual([SECTION_TAGS.registry, SECTION_TAGS.app, SECTION_TAGS.etcd]);
    expect(Buffer.from(splitImage(stored!.data).app!).toString()).toBe('1');
    // The keyspace stays JSON until every member reads data format 6.
    expect(String.fromCharCode(image.sections.get(SECTION_TAGS.etcd)![0]!)).toBe('{');
    await stops.pop()!();

    const again = counter();
    const { node: restarted } = await openMember(dir, again, SECTIONED_IMAGE_FORMAT);
    expect(again.n).toBe(1);
    expect(restarted.status().appliedIndex).toBeGreaterThanOrEqual(snap.index);
    const { value } = await restarted.readEtcd(true, (s) => s.range({ key: b('k') }).kvs[0]);
    expect(value).toMatchObject({ value: b('v1'), version: 1 });
  });

  it('holds the keyspace in binary once every member reads data format 6, and a restarted member reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-etcd-image-'));
    dirs.push(dir);
    const { node, storage } = await openMember(dir, undefined, BINARY_KEYSPACE_IMAGE_FORMAT);
    const deadline = Date.now() + 10_000;
    while (!node.clusterSupports(BINARY_KEYSPACE_IMAGE_FORMAT)) {
      if (Date.now() > deadline) throw new Error('the cluster version did not reach data format 6 in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    await node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v1') } }] } });
    await node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: b('k'), value: b('v2') } }] } });
    await node.takeSnapshot();
    const stored = await storage.readLatestSnapshot();
    expect(readSections(stored!.data).sections.get(SECTION_TAGS.etcd)![0]).toBe(KEYSPACE_IMAGE_MAGIC);
    await stops.pop()!();

    const { node: restarted } = await openMember(dir, undefined, BINARY_KEYSPACE_IMAGE_FORMAT);
    const { value } = await restarted.readEtcd(true, (s) => s.range({ key: b('k') }).kvs[0]);
    expect(value).toMatchObject({ value: b('v2'), version: 2 });
  });
});
