import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/common/durations.js';
import { linkPlan, pairKey, parseLatencies } from '../../../src/ops/drill/scenarios/scenario-wan.js';

describe('the WAN drill plan', () => {
  it('reads --latency pairs in either order, and refuses malformed, repeated or one-region pairs', () => {
    expect([...parseLatencies('us-eu=80ms, eu-ap=0.2s', parseDuration)]).toEqual([
      ['eu-us', 80],
      ['ap-eu', 200],
    ]);
    expect(() => parseLatencies('us=80ms', parseDuration)).toThrow("'us=80ms' is not REGION-REGION=DURATION");
    expect(() => parseLatencies('us-eu=80ms,eu-us=90ms', parseDuration)).toThrow('the pair eu-us is given twice');
    expect(() => parseLatencies('us-us=1ms', parseDuration)).toThrow('names one region twice');
    expect(() => parseLatencies('us-eu=fast', parseDuration)).toThrow('invalid duration');
    expect(() => parseLatencies('', parseDuration)).toThrow('at least one');
  });

  it("delays each member's sends to other regions by half the round trip, and none within a region", () => {
    const regions = new Map([
      ['n1', 'us'],
      ['n2', 'eu'],
      ['n3', 'ap'],
      ['n4', 'us'],
    ]);
    const plan = linkPlan(regions, { roundTripMs: new Map([[pairKey('us', 'eu'), 40], [pairKey('us', 'ap'), 80], [pairKey('eu', 'ap'), 120]]), jitterMs: 10, loss: 0.01 });
    expect(plan.get('n1')).toEqual([
      { peer: 'n2', delayMs: 20, jitterMs: 5, loss: 0.01 },
      { peer: 'n3', delayMs: 40, jitterMs: 5, loss: 0.01 },
    ]);
    expect(plan.get('n3')?.map((l) => [l.peer, l.delayMs])).toEqual([
      ['n1', 40],
      ['n2', 60],
      ['n4', 40],
    ]);
  });

  it('names the pair of regions in use that has no round trip', () => {
    const regions = new Map([
      ['n1', 'us'],
      ['n2', 'eu'],
      ['n3', 'ap'],
    ]);
    expect(() => linkPlan(regions, { roundTripMs: new Map([[pairKey('us', 'eu'), 40]]), jitterMs: 0, loss: 0 })).toThrow('no round trip given for regions us and ap (n1 and n3): add ap-us=DURATION to --latency');
  });
});
