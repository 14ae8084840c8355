/**
 * Issue 59 ("also seen"): a follower took the age of the last registry entry's stamp, after a run
 * of etcd writes that carry none, for the leader's wall clock being that far behind. A follower n2
 * is sent entries of term 1 by hand, as the leader n1 would send them: fresh (not yet committed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEtcdEntry } from '../../../src/core/app-format.js';
import { encodeEtcdRequest } from '../../../src/core/etcd-store/replica.js';
import { encodeCommand } from '../../../src/core/fleet/index.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import { systemRuntime } from '../../../src/core/node/runtime.js';
import { encodeConfChange } from '../../../src/core/raft/conf-change.js';
import type { Entry, Message } from '../../../src/core/raft/types.js';
import { quiet, slowDisk, until } from './helpers.js';

const TEN_MINUTES_MS = 600_000;

let node: FleetMember | undefined;
afterEach(() => {
  node?.stop();
  node = undefined;
});

/** n2, a follower of n1 in term 1 with a log of the three founders; its wall clock is `wall()`. */
async function follower(wall: () => number): Promise<{ n2: FleetMember; warnings: string[] }> {
  const cc = (index: number, id: string): Entry => ({ term: 1, index, type: 'conf-change', data: encodeConfChange({ type: 'add-voter', node: id }) });
  const warnings: string[] = [];
  const logger = { ...quiet, warn: (_f: object, msg: string) => void warnings.push(msg) };
  const n2 = await FleetMember.open({
    id: 'n2', clusterName: 't', address: '127.0.0.1:2', founders: new Map(), heartbeatMs: 10, electionTimeoutMs: 60_000, snapshotEvery: 1_000_000, logger, version: 'test',
    runtime: { ...systemRuntime, wallNow: wall },
    storage: slowDisk({ hardState: { term: 1, vote: 'n1', commit: 3 }, entries: [cc(1, 'n1'), cc(2, 'n2'), cc(3, 'n3')], members: new Map() }, 1),
  });
  node = n2;
  n2.start({ send() {}, setPeers() {} }, (err) => {
    throw err;
  });
  return { n2, warnings };
}

/** n1 sends `data` as entry `index` of term 1, then (once n2 has it) commits it; waits until n2 applied it. */
async function replicate(n2: FleetMember, index: number, data: Uint8Array): Promise<void> {
  const app = (prev: number, entries: Entry[], commit: number): Message => ({ type: 'app', from: 'n1', to: 'n2', term: 1, logTerm: 1, index: prev, entries, commit, reject: false, rejectHint: 0 });
  n2.step(app(index - 1, [{ term: 1, index, type: 'normal', data }], index - 1));
  await until(() => n2.raftStatus().lastIndex >= index, `entry ${index} appended`);
  n2.step(app(index, [], index));
  await until(() => n2.status().appliedIndex === index, `entry ${index} applied`);
}

/** A registry write stamped with the leader's wall time `time`. */
const registryWrite = (time: number, seq: number): Uint8Array => encodeCommand({ clientId: 'c', seq, firstIncomplete: seq, time, op: { type: 'kv.put', ns: '', key: 'k', value: 'v' } } as never);
/** An etcd write: it carries no leader wall time. */
const etcdWrite = (): Uint8Array => encodeEtcdEntry(encodeEtcdRequest({ at: 0, op: { type: 'txn', txn: { success: [{ put: { key: Buffer.from('k'), value: Buffer.from('v'), lease: 0 } }] } } }));
const clockWarnings = (warnings: string[]) => warnings.filter((w) => w.includes('wall clock'));

describe('the clock offset a follower reports (issue 59)', () => {
  it('is not taken from an older registry stamp when the entry applied is an etcd write', async () => {
    let skew = 0;
    const wall = () => Date.now() + skew;
    const { n2, warnings } = await follower(wall);
    await replicate(n2, 4, registryWrite(wall(), 1));
    expect(Math.abs(n2.clockOffset() ?? Infinity)).toBeLessThan(1_000);
    // Ten minutes of etcd writes later (by both clocks), the newest entry is one more of them.
    skew = TEN_MINUTES_MS;
    await replicate(n2, 5, etcdWrite());
    // Before the fix: about -600000 ms, and "the leader's wall clock is 600000 ms behind" in the log.
    expect(Math.abs(n2.clockOffset() ?? Infinity)).toBeLessThan(1_000);
    expect(clockWarnings(warnings)).toEqual([]);
  });

  it('is not taken from an entry that arrived committed, in the same append as a new one (catching up)', async () => {
    const { n2, warnings } = await follower(() => Date.now());
    const app = (prev: number, entries: Entry[], commit: number): Message => ({ type: 'app', from: 'n1', to: 'n2', term: 1, logTerm: 1, index: prev, entries, commit, reject: false, rejectHint: 0 });
    // Entry 4 was written ten minutes ago and is committed; entry 5 the leader has just made.
    const backlog: Entry = { term: 1, index: 4, type: 'normal', data: registryWrite(Date.now() - TEN_MINUTES_MS, 1) };
    n2.step(app(3, [backlog, { term: 1, index: 5, type: 'normal', data: etcdWrite() }], 4));
    await until(() => n2.status().appliedIndex === 4, 'entry 4 applied');
    // Before the fix: about -600000 ms, and "the leader's wall clock is 600000 ms behind" in the log.
    expect(n2.clockOffset()).toBeUndefined();
    expect(clockWarnings(warnings)).toEqual([]);
    await replicate(n2, 6, registryWrite(Date.now(), 2));
    expect(Math.abs(n2.clockOffset() ?? Infinity)).toBeLessThan(1_000);
  });

  it('still reports a fresh registry entry stamped 5 s ahead, once', async () => {
    const { n2, warnings } = await follower(() => Date.now());
    await replicate(n2, 4, registryWrite(Date.now() + 5_000, 1));
    expect(n2.clockOffset()).toBeGreaterThan(4_000);
    expect(n2.clockOffset()).toBeLessThanOrEqual(5_000);
    expect(clockWarnings(warnings)).toHaveLength(1);
    expect(clockWarnings(warnings)[0]).toMatch(/^the leader's wall clock is \d+ ms ahead of this member's/);
  });
});
