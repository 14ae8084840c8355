/**
 * A founding member killed between writing its hard state (the copy goes first, hard-state-copy.ts)
 * and its first entries comes back with a term and nothing else: no vote, no log, no snapshot. It
 * promised nothing, so it founds again; it used to keep that term with no members and wait for
 * ever, never electing itself (seen when `fleet node start` was killed right at its start line).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import { holdsNoPromise } from '../../../src/core/node/storage-port.js';
import { quiet, slowDisk, until } from './helpers.js';

let node: FleetMember | undefined;
afterEach(() => {
  node?.stop();
  node = undefined;
});

const founders = new Map([['n1', '127.0.0.1:1']]);
const TORN = { hardState: { term: 1, vote: '', commit: 1 }, entries: [], members: new Map<string, string>() };

function open(initialClusterState: 'new' | 'existing') {
  return FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, initialClusterState, heartbeatMs: 10, electionTimeoutMs: 50, snapshotEvery: 1_000_000, storage: slowDisk(TORN, 1), logger: quiet, version: 'test' });
}

describe('a founding member whose storage holds a term and nothing else', () => {
  it('founds again and elects itself', async () => {
    const n = await open('new');
    node = n;
    n.start({ send() {}, setPeers() {} }, (err) => {
      throw err;
    });
    await until(() => n.status().role === 'leader', 'leadership');
    expect(n.status().members.map((m) => m.id)).toEqual(['n1']);
  });

  it('is refused as one without state when the cluster exists already', async () => {
    await expect(open('existing')).rejects.toThrow(/has no Raft state/);
  });

  it('holds no promise only without a vote, an entry or a snapshot', () => {
    expect(holdsNoPromise(TORN)).toBe(true);
    expect(holdsNoPromise({ hardState: { vote: 'n2' }, entries: [] })).toBe(false);
    expect(holdsNoPromise({ hardState: { vote: '' }, entries: [{}] })).toBe(false);
    expect(holdsNoPromise({ hardState: undefined, snapshot: {}, entries: [] })).toBe(false);
  });
});
