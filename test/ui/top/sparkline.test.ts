import { describe, expect, it } from 'vitest';
import type { TopState } from '../../../src/ops/top/model.js';
import { sparklineLine } from '../../../src/ui/top/panels.js';
import { widthOf } from '../../../src/ui/top/format.js';

describe("top's sparkline row", () => {
  it('fits the terminal at every width, the latest and highest rates and the window kept whole', () => {
    const rates = Array.from({ length: 2_000 }, (_, i) => (i % 7) * 12_345.6);
    const state = { rates, intervalMs: 1_000 } as unknown as TopState;
    for (const width of [60, 80, 120, 160, 200]) {
      const line = sparklineLine(state, width);
      expect(widthOf(line), `at ${width} columns`).toBeLessThanOrEqual(width);
      const text = line.map((s) => s.text).join('');
      expect(text, `at ${width} columns`).toMatch(/now \S+ · max \S+ (\d+m)?\d+s$/);
    }
  });
});
