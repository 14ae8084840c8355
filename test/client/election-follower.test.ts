/**
 * What an election observer makes of the election's events in log order (issue 43): a leader is
 * shown when it proclaims, with its value, however briefly it leads; the end of its lease shows
 * "no leader"; a proclamation of a lease that already ended shows nothing.
 */
import { describe, expect, it } from 'vitest';
import { LeadershipFollower, NO_CHANGE, type Leader } from '../../src/client/recipes/election.js';
import type { WatchEvent } from '../../src/client/types.js';

const KEY = 'election/scheduler';
let index = 10;
const grant = (holder: string, token: number): WatchEvent => ({ index: index++, registry: 'leases', type: 'lease.acquire', ns: '', key: KEY, old: null, new: { holder, token, expired: false } });
const renew = (holder: string, token: number): WatchEvent => ({ ...grant(holder, token), type: 'lease.renew' });
const expire = (holder: string, token: number): WatchEvent => ({ index: index++, registry: 'leases', type: 'lease.expire', ns: '', key: KEY, old: null, new: { holder, token, expired: true } });
const release = (): WatchEvent => ({ index: index++, registry: 'leases', type: 'lease.release', ns: '', key: KEY, old: null, new: null });
const proclaim = (holder: string, token: number, value: string): WatchEvent => ({ index: index++, registry: 'kv', type: 'put', ns: 'recipes.elections', key: KEY, old: null, new: JSON.stringify({ holder, token, value }) });

function run(start: Leader | undefined, events: WatchEvent[]): (Leader | undefined)[] {
  const f = new LeadershipFollower(start);
  return events.map((e) => f.apply(e)).filter((c) => c !== NO_CHANGE);
}

describe('LeadershipFollower', () => {
  it('shows every leader once, at its proclamation, with its value, even one that led for a moment', () => {
    const shown = run(undefined, [
      grant('a', 1), proclaim('a', 1, 'A'), renew('a', 1), release(),
      grant('b', 2), proclaim('b', 2, 'B'), expire('b', 2), // b led briefly and was expired
      grant('c', 3), proclaim('c', 3, 'C'),
    ]);
    expect(shown).toEqual([{ holder: 'a', token: 1, value: 'A' }, undefined, { holder: 'b', token: 2, value: 'B' }, undefined, { holder: 'c', token: 3, value: 'C' }]);
  });

  it('completes a leader first seen without its value when the proclamation arrives, and does not repeat it', () => {
    const shown = run({ holder: 'a', token: 1, value: undefined }, [renew('a', 1), proclaim('a', 1, 'A'), proclaim('a', 1, 'A')]);
    expect(shown).toEqual([{ holder: 'a', token: 1, value: 'A' }]);
  });

  it('ignores a deposed leader’s late proclamation and a grant that never proclaimed', () => {
    const shown = run({ holder: 'a', token: 1, value: 'A' }, [expire('a', 1), proclaim('a', 1, 'A-late'), grant('b', 2), release(), grant('c', 3), proclaim('c', 3, 'C')]);
    expect(shown).toEqual([undefined, { holder: 'c', token: 3, value: 'C' }]);
  });

  it('shows a new value proclaimed by the same leader', () => {
    expect(run({ holder: 'a', token: 1, value: 'A' }, [proclaim('a', 1, 'A2')])).toEqual([{ holder: 'a', token: 1, value: 'A2' }]);
  });
});
