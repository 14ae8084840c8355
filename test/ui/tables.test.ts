import { describe, expect, it } from 'vitest';
import { palette } from '../../src/ui/colors.js';
import { renderShards, age, clusterRow, CLUSTER_COLUMNS } from '../../src/ui/registry-tables.js';
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
