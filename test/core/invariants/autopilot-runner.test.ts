/**
 * Autopilot's one change in flight, broken by a planted decision module that decides a change
 * even while one is pending (the real one holds back: decide.test.ts).
 */
import { describe, expect, it, vi } from 'vitest';
import { AutopilotRunner, type AutopilotHost } from '../../../src/core/node/autopilot/runner.js';
import { DEFAULT_AUTOPILOT } from '../../../src/core/node/autopilot/settings.js';
import { expectInvariant } from './expect-invariant.js';

vi.mock('../../../src/core/node/autopilot/decide.js', () => ({
  decideAutopilot: () => ({ action: { kind: 'promote', id: 'n4', reason: 'planted' }, held: [] }),
}));

describe('AutopilotRunner', () => {
  it('starts no change while one is in flight', () => {
    const started: string[] = [];
    const host: AutopilotHost = {
      view: () => ({ now: 0, leader: 'n1', voters: ['n1', 'n2', 'n3'], learners: ['n4'], replicas: [], changePending: false, observations: [] }),
      settings: () => ({ settings: DEFAULT_AUTOPILOT }),
      promote: (id) => (started.push(id), new Promise<void>(() => undefined)),
      remove: () => Promise.resolve(),
      log: () => undefined,
    };
    const runner = new AutopilotRunner(host);
    runner.round();
    expect(started).toEqual(['n4']);
    expectInvariant(() => runner.round(), 'autopilot-one-change-in-flight');
    expect(started).toEqual(['n4']);
  });
});
