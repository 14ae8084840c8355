/**
 * Issue 59: elections only for failures. Ticks run between turns of the event loop; on a starved
 * CPU one turn that served a few hundred client requests ran 0.8–1.1 s, and the followers of a
 * leader in such a turn elected another (etcdctl check perf --load m beside two CPU burners). A
 * leader whose turn has run past a heartbeat interval sends its heartbeats from the requests and
 * peer messages it handles meanwhile; nothing else of a tick runs there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FleetMember } from '../../../src/core/node/fleet-member.js';
import type { PeerSender } from '../../../src/core/node/node-types.js';
import type { Message } from '../../../src/core/raft/types.js';
import { fakeRuntime, type FakeRuntime } from './fake-runtime.js';
import { fakeDisk, quiet } from './helpers.js';

const HEARTBEAT_MS = 100;
const founders = new Map([['n1', '127.0.0.1:1'], ['n2', '127.0.0.1:2'], ['n3', '127.0.0.1:3']]);
const reply = (m: Message, type: Message['type']): Message => ({ type, from: m.to, to: m.from, term: m.term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });

let node: FleetMember | undefined;
afterEach(() => node?.stop());

/** n1 of three, made leader by n2's votes, with every message it sends recorded. */
async function leader(f: FakeRuntime): Promise<{ node: FleetMember; sent: Message[] }> {
  const sent: Message[] = [];
  const transport: PeerSender = { send: (ms) => void sent.push(...ms), setPeers() {} };
  const storage = fakeDisk({ entries: [], members: new Map() }, () => Promise.resolve());
  const n = await FleetMember.open({ id: 'n1', clusterName: 't', address: '127.0.0.1:1', founders, heartbeatMs: HEARTBEAT_MS, electionTimeoutMs: 1_000, snapshotEvery: 1_000_000, storage, logger: quiet, version: 'test', runtime: f.rt });
  n.start(transport, (err) => {
    throw err;
  });
  for (let round = 0; round < 100 && !n.isLeader; round++) {
    f.advance(50);
    await f.flush();
    for (const m of sent.splice(0)) {
      if (m.to !== 'n2') continue;
      if (m.type === 'pre-vote') n.step(reply(m, 'pre-vote-resp'));
      if (m.type === 'vote') n.step(reply(m, 'vote-resp'));
    }
    await f.flush();
  }
  expect(n.isLeader, 'n1 leads').toBe(true);
  sent.length = 0;
  return { node: n, sent };
}

const heartbeats = (sent: readonly Message[]): string[] => sent.filter((m) => m.type === 'heartbeat').map((m) => m.to).sort();

describe('a leader in a long turn of the event loop', () => {
  it("sends its heartbeats from the peer messages it handles, once a heartbeat interval passed without a tick, and moves no election clock", async () => {
    const f = fakeRuntime();
    const l = await leader(f);
    node = l.node;
    const term = node.term;
    const answer = (from: string): Message => ({ type: 'heartbeat-resp', from, to: 'n1', term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });

    f.hold(HEARTBEAT_MS - 1);
    node.step(answer('n2'));
    expect(heartbeats(l.sent), 'not yet overdue').toEqual([]);
    f.hold(2);
    node.step(answer('n3'));
    // At once, in this turn: no timer ran and no immediate was flushed.
    expect(heartbeats(l.sent)).toEqual(['n2', 'n3']);
    node.step(answer('n2'));
    expect(heartbeats(l.sent), 'one round per interval').toEqual(['n2', 'n3']);

    // Two election timeouts in one turn, a peer message every 50 ms: a round every 100 ms, and n1 still leads.
    l.sent.length = 0;
    for (let ms = 0; ms < 2_000; ms += 50) {
      f.hold(50);
      node.step(answer(ms % 100 === 0 ? 'n2' : 'n3'));
    }
    expect(heartbeats(l.sent).length).toBe(2 * 20);
    await f.flush();
    expect(node.isLeader).toBe(true);
    expect(node.term).toBe(term);
  });

  it('sends them from the writes it takes', async () => {
    const f = fakeRuntime();
    const l = await leader(f);
    node = l.node;
    f.hold(HEARTBEAT_MS + 50);
    void node.submitEtcd({ type: 'txn', txn: { success: [{ put: { key: Buffer.from('k'), value: Buffer.from('v') } }] } }).catch(() => undefined);
    expect(heartbeats(l.sent)).toEqual(['n2', 'n3']);
  });

  it('sends nothing on the way as a follower', async () => {
    const f = fakeRuntime();
    const l = await leader(f);
    node = l.node;
    // A newer leader's heartbeat makes n1 a follower.
    node.step({ type: 'heartbeat', from: 'n2', to: 'n1', term: node.term + 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    await f.flush();
    expect(node.isLeader).toBe(false);
    l.sent.length = 0;
    f.hold(5 * HEARTBEAT_MS);
    node.step({ type: 'heartbeat', from: 'n2', to: 'n1', term: node.term, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
    expect(heartbeats(l.sent)).toEqual([]);
  });
});
