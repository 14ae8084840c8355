/**
 * An acquire reaching a leader that has not yet committed an entry of its term: its applied
 * state may lack an acquire another leader committed. Judged on that state, the lease looked
 * free, the acquire went into the log and then applied as a refusal, which the audit log kept
 * (seen as one refused acquire in the 8-process Mutex test across a leader kill). It must be
 * judged on a state that holds every committed entry, and refused without a log entry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src/core/fleet/index.js';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { RecoveredState } from '../../../src/core/node/storage-port.js';
import type { Entry } from '../../../src/core/raft/types.js';
import { FOUNDING, quiet, slowDisk, until } from './helpers.js';

/** Long enough that the test acts between the election and the term's first commit. */
const DISK_MS = 300;

/** Every entry the node persisted, as the disk saw it. */
const persisted: Entry[] = [];

/** A single-voter n1 whose log holds holder A's acquire of lease L at index 2, with commit 1 on disk. */
function acquiredBeforeTheCrash(): RecoveredState {
  const op = { type: 'lease.acquire', name: 'L', holder: 'A', ttlMs: 60_000 };
  const acquire: Entry = { term: 1, index: 2, type: 'normal', data: encodeCommand({ clientId: 'a', seq: 1, firstIncomplete: 1, time: 1, age: 1, op } as never) };
  return { hardState: { term: 1, vote: 'n1', commit: 1 }, entries: [FOUNDING, acquire], members: new Map() };
}

let node: FleetMember | undefined;
afterEach(() => {
  node?.stop();
  node = undefined;
});

describe('FleetNode: an acquire on a leader that has not committed an entry of its term', () => {
  it('is refused without a log entry when another leader committed an acquire this one has not applied', async () => {
    const founders = new Map([['n1', '127.0.0.1:1']]);
    const n = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: 10, electionTimeoutMs: 50, snapshotEvery: 1_000_000, storage: slowDisk(acquiredBeforeTheCrash(), DISK_MS, (entries) => persisted.push(...entries)), logger: quiet, version: 'test' });
    node = n;
    n.start({ send() {}, setPeers() {} }, (err) => {
      throw err;
    });
    await until(() => n.status().role === 'leader' && n.status().elections === 1, 'leadership');
    // Leader, with the term's no-op on its way to the disk: A's acquire is not applied yet.
    expect(n.status()).toMatchObject({ commitIndex: 1, lastIndex: 3 });

    const answer = await n.write({ clientId: 'b', seq: 1, firstIncomplete: 1, op: { type: 'lease.acquire', name: 'L', holder: 'B', ttlMs: 60_000 } as never });
    expect(answer.ok).toBe(false);
    expect(answer.ok ? undefined : answer.code).toBe('FAILED_PRECONDITION');
    expect(answer.ok ? undefined : answer.message).toMatch(/A/);
    // Nothing was written for it (so nothing reaches the audit log either). The log may hold other
    // entries past the no-op (the cluster version the leader records), but no acquire of B's.
    expect((await n.read({ mode: 'linearizable' }, (sm) => sm.listLeases().map((l) => l.holder))).value).toEqual(['A']);
    const written = persisted.filter((e) => e.type === 'normal').map((e) => new TextDecoder().decode(e.data));
    expect(written.filter((text) => text.includes('"holder":"B"'))).toEqual([]);
    // The filter reads entries as they are encoded: A's own acquire shows its holder so.
    expect(new TextDecoder().decode(acquiredBeforeTheCrash().entries[1]!.data)).toContain('"holder":"A"');
  });
});
