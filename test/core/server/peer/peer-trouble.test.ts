import { describe, expect, it } from 'vitest';
import { PeerTrouble } from '../../../../src/core/server/peer/peer-trouble.js';

describe('PeerTrouble', () => {
  it('keeps the newest refusal per peer and direction, for 30 s', () => {
    let now = 0;
    const t = new PeerTrouble(() => now);
    t.refusedByUs('n3', 'stale-handshake', 'handshake of n3 is -7200 s old');
    t.refusedUs('n1', "peer refused (bad-signature): handshake of n2 not signed with this cluster's peer secret");
    now = 1_000;
    t.refusedByUs('n3', 'bad-signature', 'x');
    expect(t.list()).toEqual([
      { peer: 'n3', byThisMember: true, reason: 'bad-signature', detail: 'x', agoMs: 0 },
      { peer: 'n1', byThisMember: false, reason: 'bad-signature', detail: "handshake of n2 not signed with this cluster's peer secret", agoMs: 1_000 },
    ]);
    now = 30_500;
    expect(t.list().map((r) => r.peer)).toEqual(['n3']);
    t.accepted('n3');
    expect(t.list()).toEqual([]);
  });

  it('keeps at most 16, whatever ids a flood claims', () => {
    const t = new PeerTrouble(() => 0);
    for (let i = 0; i < 1_000; i++) t.refusedByUs(`x${i}`.repeat(100), 'no-credentials', 'no peer handshake');
    expect(t.list()).toHaveLength(16);
    expect(t.list().every((r) => r.peer.length <= 201)).toBe(true);
  });
});
