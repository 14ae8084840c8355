import { describe, expect, it } from 'vitest';
import { AutopilotRunner, type AutopilotHost, type LeaderView } from '../../../../src/core/node/autopilot/runner.js';
import { DEFAULT_AUTOPILOT } from '../../../../src/core/node/autopilot/settings.js';

const SETTINGS = { ...DEFAULT_AUTOPILOT, autoPromoteLearners: true, stabilizationMs: 1_000 };

/** A leader of n1..n3 with learner n4, all heard from just now; `resolve` settles the change in flight. */
function fakeHost() {
  let now = 0;
  let leading = true;
  /** Members the leader has not heard from for 5 s. */
  const silent = new Set<string>();
  const calls: string[] = [];
  let settle: ((ok: boolean) => void) | undefined;
  const view = (): LeaderView | undefined =>
    leading
      ? {
          now,
          leader: 'n1',
          voters: ['n1', 'n2', 'n3'],
          learners: ['n4'],
          replicas: [],
          changePending: false,
          observations: ['n1', 'n2', 'n3', 'n4'].map((id) => ({ id, voter: id !== 'n4', lastContactMs: silent.has(id) ? 5_000 : 0, trailingEntries: 0, trailingMs: 0 })),
        }
      : undefined;
  const change = (what: string) => () => {
    calls.push(what);
    return new Promise<void>((resolve, reject) => (settle = (ok) => (ok ? resolve() : reject(new Error('refused')))));
  };
  const host: AutopilotHost = { view, settings: () => ({ settings: SETTINGS }), promote: (id) => change(`promote ${id}`)(), remove: (id) => change(`remove ${id}`)(), log: () => undefined };
  return {
    host,
    calls,
    silent,
    at: (ms: number) => (now = ms),
    lose: () => (leading = false),
    settle: async (ok: boolean) => {
      settle?.(ok);
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('AutopilotRunner', () => {
  it('reports health as of the question, not as of the last round', () => {
    const h = fakeHost();
    const runner = new AutopilotRunner(h.host);
    h.silent.add('n2');
    runner.round();
    h.silent.delete('n2');
    h.at(50);
    const n2 = runner.report()?.health.find((m) => m.id === 'n2');
    expect(n2, 'heard from since the round: a restarted member').toMatchObject({ healthy: true, lastContactMs: 0 });
    expect(h.calls, 'a report changes nothing').toEqual([]);
  });

  it('promotes a learner only after the stabilization period, one change at a time', async () => {
    const h = fakeHost();
    const runner = new AutopilotRunner(h.host);
    runner.round();
    h.at(999);
    runner.round();
    expect(h.calls).toEqual([]);
    h.at(1_000);
    runner.round();
    expect(h.calls).toEqual(['promote n4']);
    h.at(1_200);
    runner.round();
    expect(h.calls).toEqual(['promote n4']);
    expect(runner.report()?.held).toEqual(["promote n4 waits for the configuration change in flight (or a new leader's first commit)"]);
    await h.settle(true);
    // Reported as soon as it is done, not at the next round: fleet status asked in between saw no action (autopilot.test.ts in CI).
    expect(runner.report()?.lastAction).toBe('promote n4: done (learner healthy for 1000 ms)');
    runner.round();
    expect(runner.report()?.lastAction).toBe('promote n4: done (learner healthy for 1000 ms)');
  });

  it('reports a failed change and tries again at a later round', async () => {
    const h = fakeHost();
    const runner = new AutopilotRunner(h.host);
    runner.round();
    h.at(1_000);
    runner.round();
    await h.settle(false);
    runner.round();
    expect(runner.report()?.lastAction).toBe('promote n4: failed (refused)');
    expect(h.calls).toEqual(['promote n4', 'promote n4']);
  });

  it('reports nothing and forgets the streaks on a member that does not lead', () => {
    const h = fakeHost();
    const runner = new AutopilotRunner(h.host);
    runner.round();
    expect(runner.report()?.health.map((m) => m.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    h.lose();
    runner.round();
    expect(runner.report()).toBeUndefined();
  });
});
