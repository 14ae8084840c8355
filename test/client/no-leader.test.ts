import { describe, expect, it } from 'vitest';
import { noLeaderMessage } from '../../src/client/transport/router.js';
import { memberStatus } from '../ops/local-cluster/status-fixtures.js';

describe('noLeaderMessage', () => {
  const now = new Date(2026, 10, 23, 14, 3, 7).getTime();
  const answered = (id: string, lastContactMs: number, term = 4) => ({ endpoint: `127.0.0.1:${id}`, status: memberStatus(id, { role: 'follower', leaderId: '', term, lastContactMs }) });

  it('names who answered, that none leads, and since when', () => {
    expect(noLeaderMessage('a:1,b:2,c:3', [answered('n3', 9_000), answered('n1', 12_000, 5)], 3, now)).toBe(
      'no leader at a:1,b:2,c:3: n1, n3 answered (2 of 3, term 5) but none leads; no leader heard from since 14:02:58 (9 s ago): is a quorum of members up? (fleet status)',
    );
  });

  it('says so when no member has heard from a leader since it started', () => {
    expect(noLeaderMessage('a:1', [answered('n1', -1)], 3, now)).toMatch(/n1 answered \(1 of 3, term 4\) but none leads; none has heard from a leader since it started/);
  });
});
