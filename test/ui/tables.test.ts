import { describe, expect, it } from 'vitest';
import { palette } from '../../src/ui/colors.js';
import { renderAudit } from '../../src/ui/audit-table.js';
import { renderProviders, renderShard, renderShards, age, clusterRow, CLUSTER_COLUMNS } from '../../src/ui/registry-tables.js';
import { StreamingTable } from '../../src/ui/streaming-table.js';
import { renderFields, renderTable } from '../../src/ui/table.js';

const p = palette(false);

describe('renderTable', () => {
  it('aligns columns without borders or trailing spaces', () => {
    const out = renderTable([{ header: 'name' }, { header: 'n', align: 'right' }], [['a', 1], ['bbb', 100]], p);
    expect(out).toBe('NAME    N\na       1\nbbb   100');
  });

  it('renders just the header for no rows', () => {
    expect(renderTable([{ header: 'id' }], [], p)).toBe('ID');
  });

  it('aligns fields', () => {
    expect(renderFields([['a', 1], ['long', 'x']], p)).toBe('a:    1\nlong: x');
  });
});

describe('StreamingTable', () => {
  it('fixes widths from the first batch and prints the header once', () => {
    const t = new StreamingTable([{ header: 'name' }, { header: 'n', align: 'right' }], p);
    expect(t.format([['ab', '1']])).toEqual(['NAME  N', 'ab    1']);
    expect(t.format([['abcdefgh', '10']])).toEqual(['abcdefgh  10']);
  });
});

describe('registry tables', () => {
  it('renders shards', () => {
    const out = renderShards(
      [{ id: 's1', address: 'h:1', region: 'eu', zone: 'eu-1a', state: 'draining', capacity: 10, labels: { tier: 'gold' }, registeredAt: 1, lastHeartbeat: null, boundClusters: 2 }],
      p,
    );
    expect(out.split('\n')[1]).toMatch(/^s1\s+h:1\s+eu\s+eu-1a\s+draining\s+2\s+10\s+tier=gold\s+never$/);
  });

  it('renders cluster rows and ages', () => {
    expect(clusterRow({ name: 'c1', shard: null, generation: 0, boundAtIndex: 0, lastSeen: 1_000 }, p, 61_000)).toEqual(['c1', '(unbound)', '0', '0', '1m00s ago']);
    expect(CLUSTER_COLUMNS.map((c) => c.header)).toContain('shard');
    expect(age(0, 5)).toBe('never');
  });
});

describe('text from the cluster that would print as something else (issue 62)', () => {
  // What members now refuse in new writes, but older records (and a registry on etcd) may hold.
  const CSI = '\u009b2J';
  const OSC = '\u009d0;pwned\u0007';
  const RLO = 'gold\u202egnp.exe';
  const ISOLATE = '\u2066x\u2069\u200f\u061c';
  const raw = /[\u0080-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
  const shard = { id: 's1', address: 'h:1', region: 'eu', zone: 'eu-1a', state: 'active' as const, capacity: 1, labels: { a: CSI, b: OSC, c: RLO, d: ISOLATE }, registeredAt: 1, lastHeartbeat: null, boundClusters: 0 };

  it('print escaped in shards list and shards show', () => {
    for (const out of [renderShards([shard], p), renderShard(shard, p)]) {
      expect(out).not.toMatch(raw);
      expect(out).toContain('a=\\x9b2J,b=\\x9d0;pwned\\x07,c=gold\\u202egnp.exe,d=\\u2066x\\u2069\\u200f\\u061c');
    }
  });

  it('print escaped in providers list', () => {
    const out = renderProviders([{ name: 'aws', kind: 'cloud', regions: ['eu'], endpoint: `https://${RLO}${CSI}` }], p);
    expect(out).not.toMatch(raw);
    expect(out).toContain('https://gold\\u202egnp.exe\\x9b2J');
  });

  it('print escaped in audit', () => {
    const out = renderAudit([{ index: 7, time: 0, who: `ci${OSC}`, client: RLO, op: 'shard.register', args: { labels: { team: CSI }, note: ISOLATE }, outcome: `no${CSI}` }], p);
    expect(out).not.toMatch(raw);
    expect(out).toContain('ci\\x9d0;pwned\\x07');
    expect(out).toContain('gold\\u202egnp.exe');
    expect(out).toContain('note=\\u2066x\\u2069\\u200f\\u061c');
  });
});
