/**
 * A Ready hands out at most `maxCommittedBytesPerReady` of committed entries (at least one), as
 * etcd's MaxCommittedSizePerReady: a member restarting far behind applied its backlog in one
 * turn (an `apply` step of 1,203 ms in a member's log under `etcdctl check perf --load m`), and
 * its heartbeats waited behind it. The rest follow in the next Readies, in order, none skipped.
 */
import { describe, expect, it } from 'vitest';
import { RawNode } from '../../../src/core/raft/raw-node.js';
import type { Entry } from '../../../src/core/raft/types.js';
import { seeded } from './harness.js';

/** A node that restarts with `n` committed entries of `size` bytes it has not applied. */
function behind(n: number, size: number, maxCommittedBytesPerReady?: number): RawNode {
  const entries: Entry[] = Array.from({ length: n }, (_, i) => ({ term: 1, index: i + 1, type: 'normal', data: new Uint8Array(size) }));
  return new RawNode(
    { id: 'n1', heartbeatTicks: 1, electionTicks: 10, random: seeded(1), ...(maxCommittedBytesPerReady === undefined ? {} : { maxCommittedBytesPerReady }) },
    { hardState: { term: 1, vote: 'n1', commit: n }, entries, bootstrap: { voters: ['n1'], learners: [] }, applied: 0 },
  );
}

/** The committed entries of each Ready until none is left. */
function readies(node: RawNode): number[][] {
  const out: number[][] = [];
  while (node.hasReady()) {
    const rd = node.ready();
    if (rd.committedEntries.length > 0) out.push(rd.committedEntries.map((e) => e.index));
    node.advance(rd);
  }
  return out;
}

describe('committed entries per Ready', () => {
  it('are at most the configured payload, at least one entry, in order and none skipped', () => {
    const got = readies(behind(100, 1000, 10_000));
    expect(got.map((r) => r.length)).toEqual(Array(10).fill(10));
    expect(got.flat()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // An entry larger than the bound still goes, alone.
    expect(readies(behind(3, 50_000, 10_000)).map((r) => r.length)).toEqual([1, 1, 1]);
  });

  it('default to 256 KiB', () => {
    const got = readies(behind(2_000, 1024));
    expect(got[0]).toHaveLength(256);
    expect(got.flat()).toHaveLength(2_000);
  });
});
