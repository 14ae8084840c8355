import { describe, expect, it } from 'vitest';
import { command } from '../../src/ui/debug-log.js';

describe("debug log's command column", () => {
  it('puts the operation first, so the cut at 100 columns never hides it', () => {
    const entry = {
      clientId: 'client-0f97e612-35f8-4ffb-a5b3-1c198da7638b', seq: 1, firstIncomplete: 1, time: 1795581058586, age: 214701,
      by: { token: 'token', client: 'root@vm' }, op: { type: 'kv.put', key: 'k1', value: 'v1', ns: '' },
    };
    expect(command(entry)).toBe('kv.put {"key":"k1","value":"v1","ns":""} · client-0f97e612-35f8-4ffb-a5b3-1c198da7638b#1');
    const long = { ...entry, op: { type: 'shard.register', id: 's1', labels: { note: 'x'.repeat(200) } } };
    expect(command(long)).toMatch(/^shard\.register \{"id":"s1","labels":\{"note":"x+\.\.\.$/);
    expect(command(long)).toHaveLength(100);
  });

  it('shows other records as JSON, and a no-op as a dash', () => {
    expect(command({ type: 'add-voter', node: 'n3' })).toBe('{"type":"add-voter","node":"n3"}');
    expect(command(null)).toBe('-');
  });
});
