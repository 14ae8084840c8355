import { describe, expect, it } from 'vitest';
import type { MemberInfo } from '../../src/client/index.js';
import { buildStatusModel } from '../../src/ops/status.js';
import { palette } from '../../src/ui/colors.js';
import { renderStatus } from '../../src/ui/status-table.js';
import { down, leader, member, ok } from '../ops/status-fixtures.js';

const plain = palette(false);

/** Five members over zones a, b, c (n1 a, n2 b, n3 c, n4 a, n5 b), all in `region`, or one region per zone. */
function fiveOverThree(regionOf: (zone: string) => string) {
  const zoneOf = (id: string) => 'abcab'[Number(id.slice(1)) - 1]!;
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const members: MemberInfo[] = ids.map((id) => ({ id, address: `127.0.0.1:778${id.slice(1)}`, voter: true, zone: zoneOf(id), region: regionOf(zoneOf(id)) }));
  const progress = ids.slice(1).map((id) => ({ id, match: 100, next: 101, state: 'replicate' as const, recentActive: true, learner: false, lag: 0 }));
  const at = (id: string) => ({ members, zone: zoneOf(id), region: regionOf(zoneOf(id)) });
  return { lead: leader({ ...at('n1'), progress }), follower: (id: string) => member(id, at(id)) };
}

describe('renderStatus with zones', () => {
  it('adds a zone column and the per-zone tolerance under the header', () => {
    const c = fiveOverThree(() => 'local');
    const lines = renderStatus(buildStatusModel([ok(c.lead), ...['n2', 'n3', 'n4', 'n5'].map((id) => ok(c.follower(id)))]), plain).split('\n');
    expect(lines[1]).toBe('zones a: n1 n4 · b: n2 n5 · c: n3 — survives the loss of any 1 zone');
    expect(lines[3]).toMatch(/^ID\s+ADDRESS\s+ZONE\s+ROLE\s+TERM/);
    expect(lines[4]).toMatch(/^n1\s+127\.0\.0\.1:7781\s+a\s+leader/);
    expect(lines[6]).toMatch(/^n3\s+127\.0\.0\.1:7783\s+c\s+follower/);
  });

  it('marks the voters that are down and names the zones the cluster can no longer lose', () => {
    const c = fiveOverThree(() => 'local');
    const out = renderStatus(buildStatusModel([ok(c.lead), ok(c.follower('n2')), down('127.0.0.1:7783'), ok(c.follower('n4')), ok(c.follower('n5'))]), plain);
    expect(out.split('\n')[1]).toBe('zones a: n1 n4 · b: n2 n5 · c: n3 (down) — losing zone a or b loses quorum');
    expect(out).toMatch(/\nn3\s+127\.0\.0\.1:7783\s+c\s+unreachable/);
  });

  it('adds a region column when the members span several regions, and nothing without zones', () => {
    const c = fiveOverThree((zone) => `r-${zone}`);
    const out = renderStatus(buildStatusModel([ok(c.lead), ...['n2', 'n3', 'n4', 'n5'].map((id) => ok(c.follower(id)))]), plain);
    expect(out).toMatch(/\nID\s+ADDRESS\s+REGION\s+ZONE\s+ROLE/);
    expect(out).toMatch(/\nn2\s+127\.0\.0\.1:7782\s+r-b\s+b\s+follower/);
    const unzoned = renderStatus(buildStatusModel([ok(leader()), ok(member('n2')), ok(member('n3'))]), plain);
    expect(unzoned).not.toMatch(/ZONE|zones/);
  });

  it('adds the per-region tolerance when the voters span regions: one region holding a quorum is named', () => {
    // Zones a and b in region us (n1 n2 n4 n5), c in eu (n3): losing us loses the quorum.
    const c = fiveOverThree((zone) => (zone === 'c' ? 'eu' : 'us'));
    const lines = renderStatus(buildStatusModel([ok(c.lead), ...['n2', 'n3', 'n4', 'n5'].map((id) => ok(c.follower(id)))]), plain).split('\n');
    expect(lines[1]).toBe('zones a: n1 n4 · b: n2 n5 · c: n3 — survives the loss of any 1 zone');
    expect(lines[2]).toBe('regions eu: n3 · us: n1 n2 n4 n5 — losing region us loses quorum');
    const spread = fiveOverThree((zone) => `r-${zone}`);
    const model = buildStatusModel([ok(spread.lead), ...['n2', 'n3', 'n4', 'n5'].map((id) => ok(spread.follower(id)))]);
    expect(model.regions).toMatchObject({ canLose: 1, critical: [], summary: 'survives the loss of any 1 region' });
    expect(buildStatusModel([ok(c.lead)]).regions).toMatchObject({ canLose: 0 });
    expect(buildStatusModel([ok(fiveOverThree(() => 'local').lead)]).regions).toBeNull();
  });
});
