import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/args.js';
import { againstBaseline, atMost, compare, figureLine, fleetOnly, isMet, median, normalize, ratioAtLeast, ratioAtMost, ratioOf, tidy } from '../../bench/figures.js';

const AREAS = ['raft-core', 'node', 'failover', 'cli', 'scale'];

describe('median and tidy', () => {
  it('takes the middle sample, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('rounds to a precision that suits the magnitude', () => {
    expect(tidy(1234.56)).toBe(1235);
    expect(tidy(12.345)).toBe(12.3);
    expect(tidy(1.2345)).toBe(1.23);
  });
});

describe('compare', () => {
  it('reports medians, spread and the fleet/etcd ratio of interleaved samples', () => {
    const f = compare('node', 'writes_c64', 'writes/s', [3000, 2000, 2500], [1000, 900, 1100], ratioAtLeast(2.5));
    expect(f).toMatchObject({ fleet: 2500, etcd: 1000, ratio: 2.5, goal: '>= 2.5x etcd', met: true, spread: { fleet: [2000, 3000], etcd: [900, 1100] } });
  });

  it('judges a latency ratio goal from below', () => {
    expect(compare('node', 'p99_c16', 'ms', [12], [20], ratioAtMost(0.5)).met).toBe(false);
    expect(compare('node', 'p99_c16', 'ms', [10], [20], ratioAtMost(0.5)).met).toBe(true);
  });

  it('leaves a ratio goal unjudged without etcd, but still judges absolute goals', () => {
    expect(compare('node', 'writes_c64', 'writes/s', [3000], null, ratioAtLeast(2.5))).toMatchObject({ etcd: null, ratio: null, met: null });
    expect(compare('cli', 'status_cli', 'ms', [350], null, atMost(300)).met).toBe(false);
  });

  it('never calls a missing measurement met', () => {
    expect(isMet(atMost(500), NaN, null)).toBe(false);
    expect(ratioOf(10, 0)).toBeNull();
  });
});

describe('againstBaseline', () => {
  it('compares fleet with its own baseline figure of the same run, leaving etcd empty', () => {
    const none = fleetOnly('auth', 'writes_c64_none', 'writes/s', [8000, 7000, 9000]);
    const mtls = againstBaseline('auth', 'writes_c64_mtls', 'writes/s', [6000, 6400, 5800], none);
    expect(mtls).toMatchObject({ fleet: 6000, etcd: null, ratio: 0.75, ratioTo: 'writes_c64_none', goal: '', met: null, spread: { fleet: [5800, 6400], etcd: null } });
    expect(normalize(mtls)).toMatchObject({ ratio: 0.75, ratioTo: 'writes_c64_none' });
    expect(figureLine(mtls)).toMatch(/6,000 \(5,800–6,400\) \| +- \| +0\.75x {2}ratio to writes_c64_none$/);
  });
});

describe('figureLine and normalize', () => {
  it('prints fleet | etcd | ratio with spread, the goal and the verdict', () => {
    const line = figureLine(compare('node', 'writes_c64', 'writes/s', [3000, 2000, 2500], [1000, 900, 1100], ratioAtLeast(2.5)));
    expect(line).toMatch(/2,500 \(2,000–3,000\) \| +1,000 \(900–1,100\) \| +2\.5x {2}>= 2\.5x etcd met$/);
  });

  it('fills in the ratio of figures from areas that predate the comparison', () => {
    expect(normalize({ area: 'raft-core', name: 'core_entries_per_s', unit: 'entries/s', fleet: 5, etcd: null, goal: '', met: null }).ratio).toBeNull();
  });
});

describe('parseBenchArgs', () => {
  it('runs every area by default and the named ones in the order given', () => {
    expect(parseBenchArgs([], AREAS).areas).toEqual(AREAS);
    expect(parseBenchArgs(['failover', 'node', '--quick', '--json', 'out.json'], AREAS)).toEqual({ areas: ['failover', 'node'], quick: true, json: 'out.json', help: false });
  });

  it('refuses unknown areas and options, and --json without a file', () => {
    expect(() => parseBenchArgs(['nodes'], AREAS)).toThrow(/unknown area nodes; areas: raft-core/);
    expect(() => parseBenchArgs(['--fast'], AREAS)).toThrow(/unknown option --fast/);
    expect(() => parseBenchArgs(['--json'], AREAS)).toThrow(/--json needs a file name/);
  });
});
