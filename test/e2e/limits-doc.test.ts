import { describe, expect, it } from 'vitest';
import { limitRows, metricsOfRow } from './limits-doc.js';

const doc = `# Title

## Refusals

| a | b |
|---|---|
| x | y |

## Limits

Words.

| limit | value | setting | past it | metric |
|---|---|---|---|---|
| request message | 4 KiB | \`maxRequestBytes\` | refused | \`fleet_requests_too_large_total{method}\` |
| connections | 4,096 | bounds.ts | closed | \`fleet_connections_refused_total{reason="member"}\`, \`{reason="address"}\` |
| calls | 1,000 | HTTP/2 | queued | none: never seen |

After.

| other | table |
|---|---|
`;

describe('the Limits table reader', () => {
  it('reads the first table under "## Limits", one row a limit', () => {
    const rows = limitRows(doc);
    expect(rows.map((r) => r.limit)).toEqual(['request message', 'connections', 'calls']);
    expect(rows[0]).toEqual({ limit: 'request message', value: '4 KiB', setting: '`maxRequestBytes`', pastIt: 'refused', metric: '`fleet_requests_too_large_total{method}`' });
  });

  it('takes a label set alone as the metric named before it, and words as no metric', () => {
    expect(metricsOfRow('`fleet_connections_refused_total{reason="member"}`, `{reason="address"}`')).toEqual([
      { name: 'fleet_connections_refused_total', label: '{reason="member"}' },
      { name: 'fleet_connections_refused_total', label: '{reason="address"}' },
    ]);
    expect(metricsOfRow('`fleet_metrics_connections_dropped_total`')).toEqual([{ name: 'fleet_metrics_connections_dropped_total' }]);
    expect(metricsOfRow('none: never seen')).toEqual([]);
  });

  it('refuses what it cannot read rather than pass it', () => {
    expect(() => metricsOfRow('`{reason="x"}`')).toThrow(/no metric before it/);
    expect(() => metricsOfRow('`MAX_LEASES`')).toThrow(/not a metric/);
    expect(() => limitRows('## Limits\n\n| a | b |\n|---|---|\n| 1 | 2 |\n')).toThrow(/2 cells, not 5/);
    expect(() => limitRows('## Other\n')).toThrow(/no "## Limits" section/);
  });
});
