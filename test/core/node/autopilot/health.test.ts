import { describe, expect, it } from 'vitest';
import { FollowerTimes } from '../../../../src/core/node/autopilot/follower-times.js';
import { assessHealth, type MemberObservation } from '../../../../src/core/node/autopilot/health.js';
import { DEFAULT_AUTOPILOT, decodeSettings, encodeSettings, mergeSettings } from '../../../../src/core/node/autopilot/settings.js';

const S = { ...DEFAULT_AUTOPILOT, lastContactThresholdMs: 1_000, deadAfterMs: 5_000, stabilizationMs: 3_000, maxTrailingEntries: 100 };
const obs = (over: Partial<MemberObservation> = {}): MemberObservation => ({ id: 'n2', voter: true, lastContactMs: 50, trailingEntries: 0, trailingMs: 0, ...over });

describe('assessHealth', () => {
  it('is healthy within both thresholds, and stable only after a streak of the stabilization period', () => {
    const [first] = assessHealth([obs()], new Map(), S, 10_000);
    expect(first).toMatchObject({ healthy: true, stable: false, dead: false, healthySince: 10_000 });
    const [later] = assessHealth([obs()], new Map([['n2', 10_000]]), S, 13_000);
    expect(later).toMatchObject({ healthy: true, stable: true, healthySince: 10_000 });
  });

  it('breaks the streak when a member misses contact or trails too far', () => {
    expect(assessHealth([obs({ lastContactMs: 1_001 })], new Map([['n2', 0]]), S, 10_000)[0]).toMatchObject({ healthy: false, stable: false, healthySince: null });
    expect(assessHealth([obs({ trailingEntries: 101 })], new Map([['n2', 0]]), S, 10_000)[0]).toMatchObject({ healthy: false, stable: false });
  });

  it('is dead only past dead-after', () => {
    expect(assessHealth([obs({ lastContactMs: 5_000 })], new Map(), S, 0)[0]!.dead).toBe(false);
    expect(assessHealth([obs({ lastContactMs: 5_001 })], new Map(), S, 0)[0]!.dead).toBe(true);
  });
});

describe('FollowerTimes', () => {
  it('gives a follower first seen now a grace period from now', () => {
    const t = new FollowerTimes();
    t.sample(1_000, 10, new Map([['n2', 0]]));
    expect(t.ages('n2', 1_500)).toEqual({ lastContactMs: 500, trailingMs: 500 });
  });

  it('measures contact from the last message heard', () => {
    const t = new FollowerTimes();
    t.sample(0, 10, new Map([['n2', 10]]));
    t.heard('n2', 700);
    expect(t.ages('n2', 1_000).lastContactMs).toBe(300);
  });

  it('dates catching up as KIP-836 does: reaching the end the leader had at T means caught up at T', () => {
    const t = new FollowerTimes();
    t.sample(0, 10, new Map([['n2', 10]]));
    t.sample(100, 20, new Map([['n2', 10]])); // caught up at 0 (the end was 10 then); target: 20 as of 100
    expect(t.ages('n2', 100).trailingMs).toBe(100);
    t.sample(500, 30, new Map([['n2', 20]])); // reached 20, the end at 100
    expect(t.ages('n2', 500).trailingMs).toBe(400);
    t.sample(900, 30, new Map([['n2', 30]])); // at the end now
    expect(t.ages('n2', 900).trailingMs).toBe(0);
  });

  it('forgets members that left, and starts afresh on reset', () => {
    const t = new FollowerTimes();
    t.sample(0, 10, new Map([['n2', 10]]));
    t.sample(100, 10, new Map());
    t.heard('n2', 200);
    t.sample(5_000, 10, new Map([['n2', 10]]));
    expect(t.ages('n2', 5_000).lastContactMs).toBe(0);
  });
});

describe('autopilot settings', () => {
  it('merges a patch and refuses an unacceptable result', () => {
    expect(mergeSettings(DEFAULT_AUTOPILOT, { cleanupDeadMembers: true })).toEqual({ ok: true, settings: { ...DEFAULT_AUTOPILOT, cleanupDeadMembers: true } });
    expect(mergeSettings(DEFAULT_AUTOPILOT, { minQuorum: 0 })).toMatchObject({ ok: false, problem: expect.stringMatching(/minQuorum/) });
    expect(mergeSettings(DEFAULT_AUTOPILOT, { deadAfterMs: 500 })).toMatchObject({ ok: false, problem: expect.stringMatching(/at least lastContactThresholdMs/) });
  });

  it('round-trips, and falls back to the defaults (cleanup off) on anything unreadable', () => {
    const s = { ...DEFAULT_AUTOPILOT, autoPromoteLearners: true, stabilizationMs: 1_234 };
    expect(decodeSettings(encodeSettings(s))).toEqual({ settings: s });
    expect(decodeSettings(undefined)).toEqual({ settings: DEFAULT_AUTOPILOT });
    for (const bad of ['{', '[]', '{"cleanupDeadMembers":"yes"}', '{"minQuorum":0,"cleanupDeadMembers":true}']) {
      const d = decodeSettings(bad);
      expect(d.settings).toEqual(DEFAULT_AUTOPILOT);
      expect(d.problem).toBeDefined();
    }
  });
});
