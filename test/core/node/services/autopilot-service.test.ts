/**
 * AutopilotService (services/autopilot-service.ts) driven alone: a member stand-in on the fake
 * runtime whose role and Raft progress the test sets, with the followers' messages delivered
 * through `stepped`. What it promises: a round every 200 ms acts on what the leader sees this
 * instant, only on the leader and only as the replicated settings allow; a new leader starts its
 * followers' clocks afresh and shows its assessment at once.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOPILOT, type AutopilotSettings } from '../../../../src/core/node/autopilot/settings.js';
import type { ClusterVersionKeeper } from '../../../../src/core/node/cluster-version.js';
import type { FleetNode } from '../../../../src/core/node/fleet-node.js';
import { AutopilotService } from '../../../../src/core/node/services/autopilot-service.js';
import type { Message, SoftState } from '../../../../src/core/raft/types.js';
import { fakeRuntime } from '../fake-runtime.js';

const ROUND_MS = 200;
const FOLLOWER: SoftState = { leader: 'n2', role: 'follower' };
const LEADER: SoftState = { leader: 'n1', role: 'leader' };

/**
 * Member n1 of voters n1–n3 and learner n4, every follower caught up at index 50. Promoting or
 * removing a member changes the configuration the stand-in reports, as the committed change would.
 */
function member(settings: Partial<AutopilotSettings>, leader: boolean) {
  const f = fakeRuntime();
  const conf = { voters: ['n1', 'n2', 'n3'], learners: ['n4'] };
  const actions: string[] = [];
  let versionRounds = 0;
  const node = {
    id: 'n1',
    isLeader: leader,
    stopped: false,
    rt: f.rt,
    every: (ms: number, fn: () => void) => void f.rt.setInterval(fn, ms),
    raftStatus: () => ({ lastIndex: 50, conf, confChangeBlocked: false, progress: new Map([...conf.voters, ...conf.learners].map((id) => [id, { match: 50 }])) }),
    placementOf: () => ({}),
  };
  const service = new AutopilotService(
    node as unknown as FleetNode,
    {
      // Read at each round, as the replicated settings are: the test may change `settings` meanwhile.
      settings: () => ({ settings: { ...DEFAULT_AUTOPILOT, ...settings } }),
      promote: (id) => {
        actions.push(`promote ${id}`);
        conf.learners = conf.learners.filter((l) => l !== id);
        conf.voters = [...conf.voters, id];
        return Promise.resolve();
      },
      remove: (id) => {
        actions.push(`remove ${id}`);
        conf.voters = conf.voters.filter((v) => v !== id);
        conf.learners = conf.learners.filter((l) => l !== id);
        return Promise.resolve();
      },
      log: () => undefined,
    },
    { round: () => (versionRounds++, Promise.resolve()) } as unknown as ClusterVersionKeeper,
  );
  const hear = (from: string): void => service.stepped({ type: 'app-resp', from, to: 'n1', term: 1, logTerm: 0, index: 50, entries: [], commit: 50, reject: false, rejectHint: 0 } as Message);
  /** Runs rounds for `ms`, every member but `silent` answering before each. */
  const run = async (ms: number, silent: readonly string[] = []) => {
    for (let t = 0; t < ms; t += ROUND_MS) {
      for (const id of ['n2', 'n3', 'n4', 'n5']) if (!silent.includes(id)) hear(id);
      f.advance(ROUND_MS);
      await f.flush();
    }
  };
  service.started();
  return { f, node, conf, actions, service, run, versionRounds: () => versionRounds };
}

describe('AutopilotService', () => {
  it('on the leader, with promotion enabled, promotes a learner once it has been stable for the stabilization time, once', async () => {
    const { conf, actions, run } = member({ autoPromoteLearners: true, stabilizationMs: 2_000 }, true);
    await run(1_800);
    expect(actions).toEqual([]);
    await run(1_000);
    expect(actions).toEqual(['promote n4']);
    expect(conf.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    await run(2_000);
    expect(actions).toEqual(['promote n4']);
  });

  it('changes nothing with the settings off (the default), while still assessing on the leader; acts from the round after they are switched on', async () => {
    const settings: Partial<AutopilotSettings> = { deadAfterMs: 3_000 };
    const { actions, run, service } = member(settings, true);
    await run(12_000, ['n3']);
    expect(actions).toEqual([]);
    const report = service.report();
    expect(report?.health.find((h) => h.id === 'n3')).toMatchObject({ healthy: false, dead: true });
    expect(report?.health.find((h) => h.id === 'n4')).toMatchObject({ healthy: true, stable: true });
    // The replicated settings change (read afresh every round): promotion first, one change per round.
    Object.assign(settings, { autoPromoteLearners: true, cleanupDeadMembers: true, minQuorum: 2 });
    await run(ROUND_MS, ['n3']);
    expect(actions).toEqual(['promote n4']);
    await run(ROUND_MS, ['n3']);
    expect(actions).toEqual(['promote n4', 'remove n3']);
  });

  it('removes a voter unheard for longer than dead-after only when cleanup is enabled, never below the minimum quorum', async () => {
    const settings = { cleanupDeadMembers: true, deadAfterMs: 3_000, minQuorum: 2 };
    const { actions, run } = member(settings, true);
    await run(3_000, ['n3']);
    expect(actions).toEqual([]);
    await run(1_000, ['n3']);
    expect(actions).toEqual(['remove n3']);
    // n1 and n2 left: a minimum quorum of 2 keeps n2 however long it is silent.
    await run(10_000, ['n2']);
    expect(actions).toEqual(['remove n3']);
  });

  it('acts on no member while it follows, shows no report there, and still runs the cluster-version round', async () => {
    const { actions, run, service, versionRounds } = member({ autoPromoteLearners: true, cleanupDeadMembers: true, stabilizationMs: 1_000, deadAfterMs: 3_000, minQuorum: 2 }, false);
    await run(10_000, ['n3']);
    expect(actions).toEqual([]);
    expect(service.report()).toBeUndefined();
    expect(versionRounds()).toBe(10_000 / ROUND_MS);
  });

  it('on becoming leader, forgets what it heard before, assesses at once, and acts only after the stabilization time', async () => {
    const { node, actions, run, service } = member({ autoPromoteLearners: true, stabilizationMs: 2_000, lastContactThresholdMs: 1_000 }, true);
    // A first term of leadership in which n2 fell silent (and n4 was not yet stable), then leadership lost.
    await run(1_600, ['n2']);
    expect(service.report()?.health.find((h) => h.id === 'n2')).toMatchObject({ healthy: false });
    node.isLeader = false;
    service.roleChanged(LEADER, FOLLOWER);
    await run(1_000);
    // Leader again: n2 starts with a clean record (else 2.4 s unheard), and status sees the assessment before any round.
    node.isLeader = true;
    service.roleChanged(FOLLOWER, LEADER);
    const report = service.report();
    expect(report?.health.map((h) => [h.id, h.healthy, h.lastContactMs])).toEqual([
      ['n1', true, 0],
      ['n2', true, 0],
      ['n3', true, 0],
      ['n4', true, 0],
    ]);
    expect(actions).toEqual([]);
    // n4's stable streak starts with this term: 2 s from now, not from the first term.
    await run(1_800);
    expect(actions).toEqual([]);
    await run(200);
    expect(actions).toEqual(['promote n4']);
  });

  it('does nothing once the member has stopped', async () => {
    const { node, actions, run, service } = member({ autoPromoteLearners: true, stabilizationMs: 1_000 }, true);
    node.stopped = true;
    await run(5_000);
    expect(actions).toEqual([]);
    expect(service.report()).toBeUndefined();
  });
});
