/**
 * Autopilot and the cluster version on the leader (autopilot/runner.ts, cluster-version.ts): a
 * round every AUTOPILOT_ROUND_MS on what the leader sees of its followers this instant.
 */
import type { Message, SoftState } from '../../raft/index.js';
import type { FleetNode, NodeService } from '../fleet-node.js';
import { FollowerTimes } from '../autopilot/follower-times.js';
import type { MemberObservation } from '../autopilot/health.js';
import { AutopilotRunner, type AutopilotHost, type AutopilotReport, type LeaderView } from '../autopilot/runner.js';
import type { ClusterVersionKeeper } from '../cluster-version.js';

/** How often the leader's autopilot assesses health: fine enough for second-scale thresholds, cheap at any size fleet runs. */
const AUTOPILOT_ROUND_MS = 200;

export class AutopilotService implements NodeService {
  private readonly runner: AutopilotRunner;
  /** The leader's record of when each follower was last heard from and caught up. */
  private readonly followerTimes = new FollowerTimes();

  constructor(
    private readonly node: FleetNode,
    host: Omit<AutopilotHost, 'view'>,
    private readonly versions: ClusterVersionKeeper,
  ) {
    this.runner = new AutopilotRunner({ ...host, view: () => this.leaderView() });
  }

  started(): void {
    this.node.every(AUTOPILOT_ROUND_MS, () => {
      this.runner.round();
      void this.versions.round();
    });
  }

  stepped(m: Message): void {
    if (this.node.isLeader) this.followerTimes.heard(m.from, this.node.rt.monoNow());
  }

  roleChanged(was: SoftState, now: SoftState): void {
    if (now.role !== 'leader' || was.role === 'leader') return;
    this.followerTimes.reset();
    // Status shows autopilot's view from the first answer of a new leader (fleet init's table has the column).
    this.runner.round(false);
  }

  report(): AutopilotReport | undefined {
    return this.runner.report();
  }

  /** What autopilot sees this instant, on the leader; undefined elsewhere. */
  private leaderView(): LeaderView | undefined {
    const node = this.node;
    if (node.stopped || !node.isLeader) return undefined;
    const st = node.raftStatus();
    const now = node.rt.monoNow();
    const matches = new Map([...st.progress].filter(([id]) => id !== node.id).map(([id, p]) => [id, p.match]));
    this.followerTimes.sample(now, st.lastIndex, matches);
    const observations: MemberObservation[] = [...st.progress.keys()].map((id) => {
      const voter = st.conf.voters.includes(id);
      if (id === node.id) return { id, voter, lastContactMs: 0, trailingEntries: 0, trailingMs: 0 };
      return { id, voter, trailingEntries: Math.max(0, st.lastIndex - (matches.get(id) ?? 0)), ...this.followerTimes.ages(id, now) };
    });
    const replicas = st.conf.learners.filter((id) => node.placementOf(id).readReplica === true);
    const regions = Object.fromEntries([...st.progress.keys()].flatMap((id) => (node.placementOf(id).region ? [[id, node.placementOf(id).region!]] : [])));
    return { now, leader: node.id, voters: st.conf.voters, learners: st.conf.learners, replicas, regions, changePending: st.confChangeBlocked, observations };
  }
}
