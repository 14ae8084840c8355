/**
 * Issue 59: a member never holds its event loop long enough to look dead. A one-member cluster on
 * real storage takes `etcdctl check perf`'s keyspace (60,000 keys of 512 bytes), then does the
 * three things that once held its loop, each with the loop's delay sampled as a histogram
 * (perf_hooks.monitorEventLoopDelay, as the member's own loop-watch does):
 *
 * - a large batch: one txn deleting all 60,000 keys (applied in steps, MvccStore.txnSteps);
 * - the image: a snapshot of the store and its history (written in steps from a view);
 * - compaction of all that history (in steps, MvccStore.compactSteps), which took 2.6 s in one
 *   turn before compaction stopped splicing its sorted keys once per key.
 *
 * The bound is a third of the default election timeout, the delay `fleet status` flags. Measured
 * on the 2-core machine (2026-11-28): 12–20 ms for each in steps, and 11–28 ms with each forced
 * into one step (WRITES_PER_STEP and the image's KEYS_PER_STEP raised past 60,000), so at this
 * scale the test guards the steps' cost, the quadratic kind that took seconds, more than their
 * slicing, which txn-steps.test.ts and apply-queue.test.ts check by counting yields.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { PeerSender } from '../../../src/core/node/node-types.js';
import { openNodeStorage } from '../../../src/core/server/storage-adapter.js';
import type { NodeStorage } from '../../../src/core/node/storage-port.js';

const KEYS = 60_000;
/** etcd's default --max-txn-ops, which the store keeps too. */
const PUTS_PER_TXN = 128;
const ELECTION_TIMEOUT_MS = 1_000;
const HELD_BOUND_MS = ELECTION_TIMEOUT_MS / 3;

const quiet = { info() {}, warn() {}, error() {}, debug() {}, fatal() {} };
const noPeers: PeerSender = { send() {}, setPeers() {} };
const key = (i: number): Uint8Array => Buffer.from(`/perf/${String(i).padStart(8, '0')}`);
const value = Buffer.alloc(512, 'v');

let dir: string;
let storage: NodeStorage;
let node: FleetMember;

/** The longest the event loop was held while `work` ran, in ms. */
async function heldWhile(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-sliced-'));
  storage = await openNodeStorage(dir, quiet, () => undefined);
  node = await FleetMember.open({
    id: 'n1',
    clusterName: 'sliced-steps',
    address: '127.0.0.1:1',
    founders: new Map([['n1', '127.0.0.1:1']]),
    initialClusterState: 'new',
    heartbeatMs: 100,
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
    snapshotEvery: 1_000_000_000,
    storage,
    logger: quiet,
    version: 'test',
  });
  node.start(noPeers, (err) => {
    throw err;
  });
  const deadline = Date.now() + 10_000;
  while (node.leadership().leader !== 'n1') {
    if (Date.now() > deadline) throw new Error('no leader in time');
    await new Promise((r) => setTimeout(r, 10));
  }
  for (let first = 0; first < KEYS; first += PUTS_PER_TXN) {
    const success = Array.from({ length: PUTS_PER_TXN }, (_, i) => ({ put: { key: key(first + i), value } }));
    const put = await node.submitEtcd({ type: 'txn', txn: { success: success.slice(0, Math.min(PUTS_PER_TXN, KEYS - first)) } });
    expect(put.value).toMatchObject({ ok: true });
  }
}, 300_000);

afterAll(async () => {
  node?.stop();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the steps that once held a member (issue 59)', () => {
  it('takes the image of 60,000 keys and their history without holding the loop', async () => {
    let bytes = 0;
    const held = await heldWhile(async () => (bytes = (await node.takeSnapshot()).bytes));
    expect(bytes).toBeGreaterThan(KEYS * value.length);
    expect(held).toBeLessThan(HELD_BOUND_MS);
  }, 120_000);

  it('applies one txn deleting 60,000 keys without holding the loop', async () => {
    let answer: unknown;
    const held = await heldWhile(async () => (answer = (await node.submitEtcd({ type: 'txn', txn: { success: [{ deleteRange: { key: key(0), rangeEnd: key(KEYS) } }] } })).value));
    expect(answer).toMatchObject({ ok: true });
    const { value: left } = await node.readEtcd(true, (s) => s.range({ key: key(0), rangeEnd: key(KEYS), countOnly: true }).count);
    expect(left).toBe(0);
    expect(held).toBeLessThan(HELD_BOUND_MS);
  }, 120_000);

  it('compacts all that history without holding the loop', async () => {
    const { value: revision } = await node.readEtcd(true, (s) => s.revision);
    let answer: unknown;
    const held = await heldWhile(async () => (answer = (await node.submitEtcd({ type: 'compact', revision })).value));
    expect(answer).toMatchObject({ ok: true });
    const { value: compacted } = await node.readEtcd(true, (s) => s.compactRevision);
    expect(compacted).toBe(revision);
    expect(held).toBeLessThan(HELD_BOUND_MS);
  }, 120_000);
});
